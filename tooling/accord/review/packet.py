"""`accord review send`: the review packet, a DOCX of the current text that says what it was made from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReviewError
from ..fsutil import write_atomic
from ..history import commit_epoch, head_commit, is_dirty
from ..statement import Statement
from .extract import markdown_to_docx

PROPERTY_STATEMENT = "accord.statement"
PROPERTY_PARTNER = "accord.partner"
PROPERTY_BASE = "accord.base_commit"
PROPERTY_TEXT_HASH = "accord.text_sha256"
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
                today: dt.date | None = None) -> SentPacket:
    statement = repo.load_statement(statement_id)
    partners = repo.partners()
    if partner_id not in partners:
        import difflib

        from ..errors import PartnerError

        hint = difflib.get_close_matches(partner_id, list(partners), n=1)
        raise PartnerError(f"unknown partner '{partner_id}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
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
        raise ReviewError("--redline is not available yet: the DOCX redline renderer has not landed")
    docx = packet_docx(repo, statement, properties)
    path = Path(output) if output else repo.build_dir / "review" / f"{statement_id}-{partner_id}.docx"
    write_atomic(path, docx)
    log_path = log_sent(repo, statement_id, {"partner": partner_id, "base_commit": head,
                                             "text_sha256": statement.text_sha256,
                                             "sent_at": (today or dt.date.today()).isoformat(),
                                             **({"redline_from": redline_from} if redline_from else {})})
    return SentPacket(path, statement_id, partner_id, partners[partner_id].label, head, statement.text_sha256,
                      redline_from, log_path)


def packet_docx(repo, statement: Statement, properties: dict[str, str]) -> bytes:
    """The DOCX a partner receives: the official build of the text, with accord's review properties added."""
    return with_custom_properties(official_docx(repo, statement), properties)


def sent_docx(repo, statement: Statement, *, official: bool = True) -> bytes:
    """The DOCX `send` made of this text (properties aside): the base a returned DOCX is compared with.

    A DOCX made elsewhere (no accord properties) is compared with the plain
    pandoc DOCX, which has no title page or signatory block to tell apart.
    """
    if official:
        return official_docx(repo, statement)
    return markdown_to_docx(statement.body, statement.title, statement.language, reference=_reference_docx(repo))


def official_docx(repo, statement: Statement) -> bytes:
    """The official DOCX build of a statement text, which need not be the working tree's.

    Built from the text given (e.g. the one at a base commit), with the signatory
    block the ledger gives that text; the working tree's statement file is not read.
    """
    import tempfile

    from ..build.document import Document, Provenance, provenance_commit
    from ..build.docx import build_docx
    from ..build.inputs import statement_images
    from ..errors import AccordError
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


def with_custom_properties(docx: bytes, properties: dict[str, str]) -> bytes:
    """The DOCX with these custom properties added to (or replacing) its own; other parts byte for byte."""
    import io
    import zipfile

    from ..ooxml.parts import custom_properties_xml
    from ..ooxml.reading import custom_properties, open_docx_bytes

    package = open_docx_bytes(docx, "the packet")
    part = package.related("").get("custom-properties")
    if part is None:
        raise ReviewError("the built DOCX has no custom-properties part to record the review base in")
    merged = {**custom_properties(package), **properties}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = custom_properties_xml(merged) if info.filename == part else source.read(info)
            target.writestr(info, data)
    return out.getvalue()


def _reference_docx(repo) -> Path | None:
    reference = repo.templates_dir / "reference.docx"
    return reference if reference.is_file() else None


def log_sent(repo, statement_id: str, entry: dict) -> Path:
    """Append one entry to statements/<id>/reviews/sent.yaml (written whole, atomically)."""
    from ..yamlio import YAMLProblem, dump_yaml, load_yaml, read_text_file

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
    entries = [dict(item) for item in entries] + [entry]
    write_atomic(path, dump_yaml(entries))
    return path
