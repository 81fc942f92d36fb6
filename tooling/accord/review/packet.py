"""`accord review send`: the review packet, a DOCX of the current text that says what it was made from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AccordError, ReviewError, UsageError
from ..fsutil import check_output_path, write_atomic
from ..history import commit_epoch, head_commit, is_dirty, resolve_revision
from ..ledger import refuse_closed_statement
from ..partners import require_partner
from ..statement import Statement, require_no_conflict_markers
from .extract import markdown_to_docx

if TYPE_CHECKING:
    from ..ooxml.package import Package

PROPERTY_STATEMENT = "accord.statement"
PROPERTY_PARTNER = "accord.partner"
PROPERTY_BASE = "accord.base_commit"
PROPERTY_TEXT_HASH = "accord.text_sha256"
PROPERTY_REDLINE_FROM = "accord.redline_from"
PROPERTY_DEADLINE = "accord.deadline"
PROPERTY_NOTE = "accord.note"
SENT_LOG = "sent.yaml"


@dataclass(frozen=True)
class SentPacket:
    """A packet written: where, for whom, from which commit and text."""

    path: Path
    statement_id: str
    partner_id: str
    partner_label: str
    base_commit: str
    text_sha256: str
    redline_from: str | None
    log_path: Path


def send_packet(repo, statement_id: str, partner_id: str, *, redline: bool = False, output: Path | None = None,
                today: dt.date | None = None, deadline: dt.date | None = None, note: str | None = None) -> SentPacket:
    """Write partner P's review packet and log it. `deadline` and `note` go on the note for the partner
    at the top of the first page (and the deadline into the log)."""
    statement = repo.load_statement(statement_id)
    refuse_closed_statement(statement, "send a review packet for")
    require_no_conflict_markers(statement, repo.rel(repo.statement_file(statement_id)))
    partners = repo.partners()
    require_partner(partners, partner_id)
    path = Path(output) if output else repo.build_dir / "review" / f"{statement_id}-{partner_id}.docx"
    if output is not None:
        _check_output(path)
    check_output_path(repo.root, path, f"{{output}} {output}" if output else repo.rel(path), own_folder=not output,
                      inputs=["output"] if output else [])
    root = repo.root
    statement_file = repo.statement_file(statement_id)
    head = head_commit(root)
    if head is None or is_dirty(root, statement_file):
        raise ReviewError(f"{repo.rel(statement_file)} has uncommitted changes; commit them first, so the packet "
                          "names the commit its text comes from")
    properties = {PROPERTY_STATEMENT: statement_id, PROPERTY_PARTNER: partner_id, PROPERTY_BASE: head,
                  PROPERTY_TEXT_HASH: statement.text_sha256}
    redline_from = None
    if redline:
        redline_from, endorsed = endorsed_text(repo, statement_id, partner_id)
        if endorsed.text_sha256 == statement.title_and_body_sha256:  # the redline shows title and body
            raise ReviewError(f"{partners[partner_id].label} endorsed the current text (commit {redline_from[:12]}); "
                              "there are no changes to show: send it without {redline}", inputs={"redline": "redline=True"})
        properties[PROPERTY_REDLINE_FROM] = redline_from
        docx = redline_docx(repo, endorsed, statement, properties,
                            subtitle=f"Changes since {partners[partner_id].label} endorsed the text of "
                                     f"commit {redline_from[:12]}")
    lines = review_note_lines(repo, statement, partners[partner_id].label, head, deadline=deadline, note=note,
                              redline_from=redline_from)
    if redline:
        docx = for_review_in_word(docx, lines)
    else:  # the packet and the note for the partner in one package, zipped once
        package = packet_package(repo, statement, properties)
        review_in_word(package, lines)
        docx = package.to_bytes()
    try:
        write_atomic(path, docx)
    except OSError as exc:
        raise ReviewError(f"cannot write {path}: {exc.strerror or exc}") from None
    log_path = log_sent(repo, statement_id, {"partner": partner_id, "base_commit": head,
                                             "text_sha256": statement.text_sha256,
                                             "sent_at": (today or dt.date.today()).isoformat(),
                                             **({"redline_from": redline_from} if redline_from else {}),
                                             **({"deadline": deadline.isoformat()} if deadline else {})})
    return SentPacket(path, statement_id, partner_id, partners[partner_id].label, head, statement.text_sha256,
                      redline_from, log_path)


def review_note_lines(repo, statement: Statement, partner_label: str, commit: str, *, deadline: dt.date | None = None,
                      note: str | None = None, redline_from: str | None = None) -> list[str]:
    """The note at the top of a packet's first page: what this is, for whom, by when, and how to return it."""
    version = f"version {statement.version}" if statement.version else f"draft of commit {commit[:12]}"
    lines = [f"Review copy for {partner_label}: {statement.title} ({statement.id}, {version})."]
    if redline_from:
        lines.append(f"The changes since the text of commit {redline_from[:12]} are shown as tracked changes.")
    if deadline:
        lines.append(f"Please return it by {deadline.strftime('%-d %B %Y')}.")
    if note:
        lines.append(" ".join(note.split()))
    lines.append(f"How to return it: make your changes in this file with Track Changes on (it is on when the file "
                 f"opens) and add comments where you wish; save it as a .docx and send it back to "
                 f"{repo.settings.team}. Keep this file's name and properties: they say which text you reviewed. "
                 "This note is not part of the text.")
    return lines


def for_review_in_word(docx: bytes, note_lines: list[str]) -> bytes:
    """The packet as Word should open it: Track Changes on, the note for the partner first (when there
    are note lines); other parts byte for byte."""
    from ..ooxml.package import Package

    package = Package(docx)
    review_in_word(package, note_lines)
    return package.to_bytes()


def review_in_word(package: Package, note_lines: list[str]) -> None:
    """for_review_in_word on a package being written."""
    from ..ooxml.packet_parts import track_changes_on, with_review_note

    if "word/settings.xml" in package:
        package.write("word/settings.xml", track_changes_on(package.read("word/settings.xml")))
    if note_lines and "word/document.xml" in package:
        package.write("word/document.xml", with_review_note(package.read("word/document.xml"), note_lines))


def _check_output(path: Path) -> None:
    """The output is checked before any work: a folder, or a file in a folder that does not exist, is a typo."""
    if path.is_dir():
        raise UsageError(f"{{output}} {path}: is a folder, not a file", inputs=["output"], value=str(path))
    if not path.parent.is_dir():
        raise UsageError(f"{{output}} {path}: the folder {path.parent} does not exist", inputs=["output"],
                         value=str(path))


def packet_docx(repo, statement: Statement, properties: dict[str, str], *, deadline: str | None = None,
                note: str | None = None, built: bytes | None = None) -> bytes:
    """The DOCX a partner receives: the official build of the text, with accord's review properties added.

    With a deadline or a note, the first page opens with a note to the partner
    saying both (and the properties record them, so an import rebuilds the very
    packet sent). `built` is the official DOCX when the caller already has it
    (a round sends one text to many partners).
    """
    properties = {**properties, **({PROPERTY_DEADLINE: deadline} if deadline else {}),
                  **({PROPERTY_NOTE: note} if note else {})}
    return packet_package(repo, statement, properties, built).to_bytes()


def packet_package(repo, statement: Statement, properties: dict[str, str], built: bytes | None = None) -> Package:
    """packet_docx's package before it is zipped: the official build with the packet note (if any), Track
    Changes on and the review properties, each part changed in place (the zip, fonts and all, is written once)."""
    from ..ooxml.package import Package
    from ..ooxml.parts import custom_properties_xml

    docx = built if built is not None else official_docx(repo, statement)
    part, merged = _custom_properties_with(docx, properties)
    package = Package(docx)
    _put_packet_note(package, repo, statement, properties)
    review_in_word(package, [])  # Track Changes on
    package.write(part, custom_properties_xml(merged))
    return package


def packet_note_lines(repo, statement: Statement, properties: dict[str, str]) -> list[str]:
    """The first-page note of a packet with a deadline or a note: for whom, by when, and how to return it."""
    deadline, note = properties.get(PROPERTY_DEADLINE), properties.get(PROPERTY_NOTE)
    if not deadline and not note:
        return []
    partner_id = properties.get(PROPERTY_PARTNER, "")
    partner = repo.partners().get(partner_id)
    who = partner.name if partner else partner_id
    lines = [f"Review packet for {who} ({partner_id}): {statement.symbol + ', ' if statement.symbol else ''}"
             f"{statement.title}, text {properties.get(PROPERTY_TEXT_HASH, statement.text_sha256)[:12]}."]
    if deadline:
        lines.append(f"Please return this file, with your changes tracked and your comments in Word comments, "
                     f"by {deadline}.")
    if note:
        lines.append(note)
    return lines


def with_packet_note(docx: bytes, repo, statement: Statement, properties: dict[str, str]) -> bytes:
    """The DOCX with the packet note (if any) as boxed paragraphs at the top of its first page."""
    lines = packet_note_lines(repo, statement, properties)
    if not lines:
        return docx
    from ..ooxml.parts import boxed_note_paragraphs, insert_at_body_start

    return insert_at_body_start(docx, boxed_note_paragraphs(lines))


def _put_packet_note(package: Package, repo, statement: Statement, properties: dict[str, str]) -> None:
    """with_packet_note on a package being written."""
    lines = packet_note_lines(repo, statement, properties)
    if lines:
        from ..ooxml.parts import boxed_note_paragraphs, put_at_body_start

        put_at_body_start(package, boxed_note_paragraphs(lines))


def sent_docx(repo, statement: Statement, properties: dict[str, str]) -> bytes:
    """The DOCX `send` made of this text (properties aside): the base a returned DOCX is compared with.

    The packet is rebuilt as it was sent: the official build, or the redline
    from the text named in accord.redline_from. A DOCX made elsewhere (no
    accord properties) is compared with the plain pandoc DOCX, which has no
    title page or signatory block to tell apart.
    """
    if PROPERTY_REDLINE_FROM in properties:
        from ..history import file_at
        from ..statement import statement_from_bytes

        relpath = f"statements/{statement.id}/statement.md"
        try:
            commit = resolve_revision(repo.root, properties[PROPERTY_REDLINE_FROM])
        except AccordError:
            raise ReviewError(f"the DOCX shows changes since commit {properties[PROPERTY_REDLINE_FROM][:12]}, "
                              "which is not in this repository; fetch it") from None
        old = statement_from_bytes(file_at(repo.root, commit, relpath), f"{relpath} at {commit[:12]}")
        return redline_docx(repo, old, statement, verify=False)
    if PROPERTY_BASE in properties:
        return with_packet_note(official_docx(repo, statement), repo, statement, properties)
    return markdown_to_docx(statement.body, statement.title, statement.language, reference=_reference_docx(repo))


def official_docx(repo, statement: Statement) -> bytes:
    """The official DOCX build of a statement text, which need not be the working tree's.

    Built from the text given (e.g. the one at a base commit), with the signatory
    block the ledger gives that text; the working tree's statement file is not read.
    """
    import tempfile

    from ..render.document import Document, Provenance, provenance_commit
    from ..render.docx import build_docx
    from ..render.inputs import statement_images
    from ..ledger import signatories

    try:
        entries = tuple(signatories(repo, statement))
    except AccordError:
        entries = ()  # the signatory block is page furniture here; a broken ledger is `check`'s to report
    commit, epoch = provenance_commit(repo.root, statement.id)
    provenance = Provenance(statement.id, statement.version, commit, statement.text_sha256,
                            epoch or commit_epoch(repo.root) or 0, False)
    folder = repo.statement_dir(statement.id)
    images, outside = statement_images(folder)
    document = Document(statement, repo.settings, entries, provenance, repo.rel(repo.statement_file(statement.id)),
                        repo.rel(folder), images, tuple(outside), repo.templates_dir)
    with tempfile.TemporaryDirectory(prefix="accord-review-") as target:
        return build_docx(document, Path(target))


def redline_docx(repo, old: Statement, new: Statement, properties: dict[str, str] | None = None, *,
                 subtitle: str = "", verify: bool = True) -> bytes:
    """The new text as a DOCX whose tracked changes, by the team, turn the old text into it."""
    from ..ooxml.fonts import house_font_dir
    from ..redline import compare, render_docx

    changes = compare(old.body, new.body, old_title=old.title, new_title=new.title)
    epoch = commit_epoch(repo.root) or 0
    when = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return render_docx(changes, author=repo.settings.team, date=when, reference_doc=_reference_docx(repo),
                       subtitle=subtitle, properties=properties, epoch=epoch, verify=verify,
                       font_dir=house_font_dir(repo.templates_dir, repo.settings.embed_fonts))


def endorsed_text(repo, statement_id: str, partner_id: str):
    """(commit, version) of the text partner P last took a counting position on.

    The same search as `accord diff --since-endorsement`: the record's `commit`
    is a hint, the text hash decides, and an objection sends us back to the
    partner's last counting position.
    """
    from ..redline.versions import endorsed_version

    version = endorsed_version(repo, statement_id, partner_id)
    if version.commit is None:
        raise ReviewError(f"the text {partner_id} endorsed is only in the working tree; commit it first")
    return version.commit, version


def with_custom_properties(docx: bytes, properties: dict[str, str]) -> bytes:
    """The DOCX with these custom properties added to (or replacing) its own; other parts byte for byte."""
    from ..ooxml.package import with_parts
    from ..ooxml.parts import custom_properties_xml

    part, merged = _custom_properties_with(docx, properties)
    return with_parts(docx, {part: custom_properties_xml(merged)})


def _custom_properties_with(docx: bytes, properties: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The DOCX's custom-properties part, and its properties with these added (or replacing them)."""
    from ..ooxml.reading import custom_properties, open_docx_bytes

    package = open_docx_bytes(docx, "the packet")
    part = package.related("").get("custom-properties")
    if part is None:
        raise ReviewError("the built DOCX has no custom-properties part to record the review base in")
    return part, {**custom_properties(package), **properties}


def _reference_docx(repo) -> Path | None:
    reference = repo.templates_dir / "reference.docx"
    return reference if reference.is_file() else None


def log_sent(repo, statement_id: str, entry: dict) -> Path:
    """Append one entry to statements/<id>/reviews/sent.yaml (written whole, atomically)."""
    from ..yamlio import dump_yaml

    path = repo.statement_dir(statement_id) / "reviews" / SENT_LOG
    entries = sent_log(repo, statement_id)
    entries = [dict(item) for item in entries] + [entry]
    write_atomic(path, dump_yaml(entries))
    return path


def sent_log(repo, statement_id: str) -> list:
    """The entries of statements/<id>/reviews/sent.yaml ([] when nothing was sent from this clone)."""
    from ..yamlio import YAMLProblem, load_yaml, read_text_file

    path = repo.statement_dir(statement_id) / "reviews" / SENT_LOG
    entries: list = []
    if path.exists():
        text, problem = read_text_file(path, repo.rel(path))
        if problem:
            raise problem.error(ReviewError)
        try:
            entries = load_yaml(text) or []
        except YAMLProblem as exc:
            raise ReviewError(exc.message, path=repo.rel(path), line=exc.line) from None
        if not isinstance(entries, list):
            raise ReviewError("expected a list of sent packets", path=repo.rel(path), line=1)
    return entries
