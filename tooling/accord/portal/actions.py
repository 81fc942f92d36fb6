"""What a portal user may see and do, each through the same library functions as the CLI.

Visibility is one rule: a partner user sees the statements their partner is
invited to (drafts included), and nothing else; the secretariat sees every
statement. Anything outside that is NotFound, so a partner cannot even learn
that another partner's text, upload or review branch exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AccordError
from .accounts import Accounts, User

MAX_UPLOAD_BYTES = 20 * 2**20  # the hostile-DOCX defences refuse more anyway; the portal stops reading here
POSITIONS = ("endorse", "endorse-with-reservations", "no-objection", "abstain", "object", "withdrawn")


class NotFound(Exception):
    """Unknown, or not the user's to see: both answer 404, so neither can be told apart."""


class Refused(Exception):
    """The user may see this but not do it (403): the message says why."""


class Invalid(Exception):
    """The request cannot be done as asked (400, or the form again): the message says why, in one line."""


def repo_at(root: Path) -> Any:
    """A fresh Repo per request: the secretariat may change the working tree while the portal runs."""
    from ..repo import Repo

    return Repo(root)


# -- visibility ------------------------------------------------------------------------------------

def may_see(user: User, statement: Any) -> bool:
    return user.secretariat or (user.partner is not None and user.partner in statement.endorsement.invited)


def visible_statements(repo: Any, user: User) -> list[Any]:
    """The statements the user may see, by id; unreadable ones only for the secretariat (as None is not shown)."""
    result = []
    for statement_id in repo.statement_ids():
        try:
            statement = repo.load_statement(statement_id)
        except AccordError:
            continue
        if may_see(user, statement):
            result.append(statement)
    return result


def visible_statement(repo: Any, user: User, statement_id: str) -> Any:
    """The statement if the user may see it, else NotFound (also for an id that is not a statement)."""
    from ..schema import SLUG

    if not SLUG.fullmatch(statement_id) or statement_id not in repo.statement_ids():
        raise NotFound(statement_id)
    try:
        statement = repo.load_statement(statement_id)
    except AccordError:
        raise NotFound(statement_id) from None
    if not may_see(user, statement):
        raise NotFound(statement_id)
    return statement


def partner_of(user: User, asked: str | None, statement: Any) -> str:
    """Whose view: a partner user's own partner always; the secretariat names one (?partner=) it may see."""
    if not user.secretariat:
        assert user.partner is not None
        return user.partner
    if not asked or asked not in statement.endorsement.invited:
        raise NotFound(asked or "")
    return asked


# -- what a statement page shows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    position: str | None
    current: bool
    recorded_at: str | None
    signatory: str | None
    reservations: tuple[tuple[str, str], ...] = ()
    recorded_by: str | None = None


@dataclass(frozen=True)
class Overview:
    """One statement as a user sees it in a list or at the top of its page."""

    id: str
    title: str
    status: str
    text_sha256: str
    deadline: str | None
    time_left: str | None
    round_number: int | None
    standing: Standing | None  # the user's partner's (None for the secretariat)
    positions: dict[str, Standing] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "title": self.title, "status": self.status,
                                "text_sha256": self.text_sha256, "round": None}
        if self.round_number is not None:
            data["round"] = {"number": self.round_number, "deadline": self.deadline, "time_left": self.time_left}
        if self.standing is not None:
            data["position"] = _standing_dict(self.standing)
        if self.positions:
            data["positions"] = {pid: _standing_dict(s) for pid, s in self.positions.items()}
        return data


def _standing_dict(standing: Standing) -> dict[str, Any]:
    return {"position": standing.position, "current": standing.current, "recorded_at": standing.recorded_at,
            "signatory": standing.signatory, "recorded_by": standing.recorded_by,
            "reservations": [{"paragraph": p, "text": t} for p, t in standing.reservations]}


def overview(repo: Any, user: User, statement: Any) -> Overview:
    from ..ledger import read_records
    from ..rounds.model import open_round_of, read_rounds, show_time, time_left
    from ..rounds.model import now as clock

    records, _ = read_records(repo, statement.id)
    binds = statement.binds if hasattr(statement, "binds") else (lambda h: h == statement.text_sha256)

    def standing_of(partner_id: str) -> Standing:
        record = records.get(partner_id)
        if record is None:
            return Standing(None, False, None, None)
        return Standing(record.position, bool(binds(record.text_sha256)), record.recorded_at.isoformat(),
                        record.signatory, tuple((str(r.paragraph or ""), r.text) for r in record.reservations),
                        record.recorded_by)

    deadline = left = number = None
    try:
        item = open_round_of(read_rounds(repo, statement.id))
    except AccordError:
        item = None
    if item is not None:
        deadline, left, number = show_time(item.deadline, item.timezone), time_left(item.deadline, clock()), item.number
    mine = standing_of(user.partner) if not user.secretariat and user.partner else None
    everyone = {pid: standing_of(pid) for pid in statement.endorsement.invited} if user.secretariat else {}
    return Overview(statement.id, statement.title, statement.status, statement.text_sha256, deadline, left, number,
                    mine, everyone)


# -- the text and the redline, rendered once per text ---------------------------------------------------

_CACHE_LOCK = threading.Lock()
_PAGES: OrderedDict[tuple[str, ...], str] = OrderedDict()
_CACHED = 64


def _cached(key: tuple[str, ...], make: Any) -> str:
    with _CACHE_LOCK:
        if key in _PAGES:
            _PAGES.move_to_end(key)
            return _PAGES[key]
    page: str = make()
    with _CACHE_LOCK:
        _PAGES[key] = page
        while len(_PAGES) > _CACHED:
            _PAGES.popitem(last=False)
    return page


def text_html(repo: Any, statement: Any) -> str:
    """The statement's body as HTML with its paragraph labels: the redline renderer's reading, with no changes."""
    from ..labels import body_labels, redline_labels
    from ..redline import compare_documents, parse_markdown, render_html

    def make() -> str:
        document = parse_markdown(statement.body, statement.title)  # one pandoc reading, compared with itself
        redline = compare_documents(document, document)
        labels = body_labels(statement.body, statement.numbered_paragraphs)
        page = render_html(redline, heading=statement.title, labels=redline_labels(
            redline, labels, labels, statement.numbered_paragraphs, statement.numbered_paragraphs))
        return _between(page, "<main>\n", "</main>") + _between(page, "</main>\n", "</body>")

    body_hash = hashlib.sha256(statement.body.encode("utf-8")).hexdigest()
    return _cached(("text", body_hash, str(statement.numbered_paragraphs)), make)


def _between(page: str, start: str, end: str) -> str:
    head = page.find(start)
    if head < 0:
        return ""
    tail = page.find(end, head + len(start))
    return page[head + len(start):tail if tail >= 0 else len(page)]


def changes_page(repo: Any, statement: Any, partner_id: str) -> str | None:
    """The CLI's `diff --since-endorsement PARTNER --format html` page, or None when the partner never endorsed."""
    from ..redline.versions import last_endorsement, diff_statement, render_statement_diff

    endorsed = last_endorsement(repo, statement.id, partner_id)
    if endorsed is None:
        return None

    def make() -> str:
        result = render_statement_diff(repo, diff_statement(repo, statement.id, since_endorsement=partner_id), "html")
        assert isinstance(result, str)
        return result

    return _cached(("changes", statement.id, statement.text_sha256, endorsed[0], partner_id), make)


def review_branch_page(repo: Any, statement: Any, branch: str) -> str:
    """The redline of a review branch against the current text (`accord diff ID --from HEAD --to BRANCH`)."""
    from ..history import resolve_revision
    from ..redline.versions import diff_statement, render_statement_diff

    tip = resolve_revision(repo.root, branch)

    def make() -> str:
        result = render_statement_diff(repo, diff_statement(repo, statement.id, from_rev="HEAD", to_rev=branch),
                                       "html")
        assert isinstance(result, str)
        return result

    return _cached(("branch", statement.id, statement.text_sha256, tip), make)


def review_branches(repo: Any, statement: Any, partner_id: str | None) -> list[str]:
    """The review branches of a statement: review/P/ID (and -2, -3...) and a round's merge; one partner's only if named."""
    from ..history import branch_names

    branches = []
    for name in branch_names(repo.root, "review/"):
        parts = name.split("/")
        if len(parts) != 3 or not (parts[2] == statement.id or parts[2].startswith(statement.id + "-")):
            continue
        if parts[2] != statement.id and not parts[2][len(statement.id) + 1:].isdigit():
            continue
        if partner_id is None or parts[1] == partner_id:
            branches.append(name)
    return branches


# -- downloads -----------------------------------------------------------------------------------------

_BUILD_LOCK = threading.Lock()


def packet_docx(repo: Any, statement: Any, partner_id: str) -> tuple[str, bytes]:
    """The partner's review packet: the open round's, if one was written for them, else a new one (logged as sent)."""
    from ..review import send_packet
    from ..rounds.model import open_round_of, read_rounds, round_files

    item = open_round_of(read_rounds(repo, statement.id))
    if item is not None and partner_id in item.partners:
        path = round_files(repo, statement.id, item.number).docx(partner_id)
        if path.is_file() and any(p.partner == partner_id for p in item.packets):
            return f"{statement.id}-{partner_id}-round-{item.number}.docx", path.read_bytes()
    from ..history import commit_only
    from ..ooxml.reading import custom_properties, open_docx_bytes
    from ..review.packet import PROPERTY_PARTNER, PROPERTY_REDLINE_FROM, PROPERTY_TEXT_HASH

    name = f"{statement.id}-{partner_id}.docx"
    with _BUILD_LOCK:
        path = repo.build_dir / "review" / name
        if path.is_file():  # the packet sent before, if it is of this very text for this partner
            data = path.read_bytes()
            made = custom_properties(open_docx_bytes(data, name))
            if (made.get(PROPERTY_PARTNER), made.get(PROPERTY_TEXT_HASH)) == (partner_id, statement.text_sha256) \
                    and not made.get(PROPERTY_REDLINE_FROM):
                return name, data
        packet = send_packet(repo, statement.id, partner_id)
        # the log of packets sent is committed (an import checks it), never left in the working tree
        commit_only(repo.root, [repo.rel(packet.log_path)],
                    f"Review packet of {statement.id} for {partner_id} (downloaded from the portal)\n")
        return name, Path(packet.path).read_bytes()


def official_pdf(repo: Any, statement: Any) -> tuple[str, bytes]:
    """The official PDF of the current text: `accord build ID --format pdf` in a subprocess (Typst never runs in
    the server's own process), which skips the build when build/ID/ID.pdf is up to date."""
    with _BUILD_LOCK:
        result = subprocess.run([sys.executable, "-c", "from accord.cli import run; run()", "build", statement.id,
                                 "--format", "pdf", "--repo", str(repo.root)], capture_output=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Invalid(lines[-1].removeprefix("Error: ") if lines else "the build failed")
    path = repo.build_dir / statement.id / f"{statement.id}.pdf"
    return f"{statement.id}.pdf", path.read_bytes()


# -- recording a position ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PositionForm:
    position: str
    signatory: str
    reservations: tuple[tuple[str, str], ...] = ()
    reason: str | None = None


def signers_of(repo: Any, partner_id: str) -> list[str]:
    partner = repo.partners().get(partner_id)
    return [signer.name for signer in partner.signers] if partner is not None else []


# The portal's own ledger writes go one at a time. The ledger's compare-and-swap commit keeps every record when
# processes race (the CLI and the portal), but forty threads racing it remake their commits over and over:
# 40 concurrent requests took 62 s that way on a loaded 2-core machine, against a few seconds queued.
_LEDGER_LOCK = threading.Lock()


def record_position(repo: Any, accounts: Accounts, user: User, statement: Any, form: PositionForm, *,
                    address: str, portal_key: Path) -> tuple[Any, int]:
    """Record the user's partner's position as `accord endorse` would: bound to the committed text, committed with
    the ledger's compare-and-swap, recorded_by the user's e-mail, evidence portal:<audit id>, signed with the
    portal's key. Returns (what record_position did, the audit entry)."""
    from ..ledger import Evidence, Reservation
    from ..ledger import record_position as record

    if user.secretariat or user.partner is None:
        raise Refused("the secretariat records positions with `accord endorse`; the portal records a partner "
                      "user's own partner's position")
    if form.position not in POSITIONS:
        raise Invalid(f"unknown position '{form.position}' (choose from {', '.join(POSITIONS)})")
    if form.signatory not in signers_of(repo, user.partner):
        raise Invalid(f"'{form.signatory}' is not a registered signer of your organization "
                      f"(registered: {', '.join(signers_of(repo, user.partner)) or 'none'})")
    reservations = [Reservation(text.strip(), _label(paragraph)) for paragraph, text in form.reservations if text.strip()]
    entry = accounts.audit("position", actor=user, target=statement.id, address=address, outcome="started",
                           detail=form.position)
    try:
        with _LEDGER_LOCK:
            recorded = record(repo, statement.id, user.partner, form.position, form.signatory,
                              reservations=reservations, evidence=Evidence("portal", str(entry)),
                              recorded_by=user.email, reason=form.reason or None, portal_keyfile=portal_key)
    except AccordError as error:
        accounts.finish_audit(entry, "refused", error.message)
        raise Invalid(error.message) from None
    except Exception as error:
        accounts.finish_audit(entry, "failed", f"{type(error).__name__}: {error}")
        raise
    accounts.finish_audit(entry, "ok", f"{form.position}; commit {recorded.commit}")
    return recorded, entry


def _label(text: str) -> str | None:
    from ..labels import parse_label

    text = text.strip()
    if not text:
        return None
    label = parse_label(text)
    if label is None:
        raise Invalid(f"'{text}' is not a paragraph label (write 10 or 10(f))")
    return label


# -- a returned DOCX ------------------------------------------------------------------------------------------

_IMPORT_LOCK = threading.Lock()


@dataclass(frozen=True)
class Upload:
    id: int
    branch: str | None
    summary: str


def import_upload(repo: Any, accounts: Accounts, user: User, statement: Any, filename: str, data: bytes, *,
                  address: str) -> Upload:
    """Import a returned DOCX for the user's partner, as `accord round import` (an open round) or `accord review
    import` would: on its own branch, never touching the working tree. A file made for another partner is refused."""
    from ..ooxml.reading import custom_properties, open_docx_bytes
    from ..review.packet import PROPERTY_PARTNER, PROPERTY_STATEMENT
    from ..rounds.model import open_round_of, read_rounds

    if user.secretariat or user.partner is None:
        raise Refused("the secretariat imports returns with `accord review import` or `accord round import`")
    partner_id = user.partner
    name = _safe_name(filename)
    entry = accounts.audit("upload", actor=user, target=statement.id, address=address, outcome="started",
                           detail=f"{name}, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    try:
        if len(data) > MAX_UPLOAD_BYTES:
            raise Invalid(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
        properties = custom_properties(open_docx_bytes(data, name))  # the CLI's hostile-DOCX defences
        made_for, made_by = properties.get(PROPERTY_STATEMENT), properties.get(PROPERTY_PARTNER)
        if made_for and made_for != statement.id:
            raise Invalid(f"this DOCX was sent for another statement ('{made_for}')")
        if made_by and made_by != partner_id:
            raise Invalid("this DOCX is the packet of another organization; upload your own organization's packet")
        with _IMPORT_LOCK, tempfile.TemporaryDirectory(prefix="accord-upload-") as scratch:
            path = Path(scratch) / name
            path.write_bytes(data)
            item = open_round_of(read_rounds(repo, statement.id))
            if item is not None and partner_id in item.partners:
                branch, summary = _round_import(repo, statement.id, item, partner_id, Path(scratch))
            else:
                branch, summary = _review_import(repo, statement.id, partner_id, path, name)
    except Invalid as error:
        accounts.finish_audit(entry, "refused", str(error))
        raise
    except AccordError as error:
        accounts.finish_audit(entry, "refused", error.message)
        raise Invalid(error.message) from None
    upload_id = accounts.add_upload(user, statement.id, name, branch, summary)
    accounts.finish_audit(entry, "ok", f"upload {upload_id}; branch {branch or 'none'}")
    return Upload(upload_id, branch, summary)


def _round_import(repo: Any, statement_id: str, item: Any, partner_id: str, folder: Path) -> tuple[str | None, str]:
    from ..rounds.importing import identify_by_text, import_folder

    data = next(folder.iterdir()).read_bytes()
    from ..ooxml.reading import custom_properties, open_docx_bytes
    from ..review.packet import PROPERTY_PARTNER

    if not custom_properties(open_docx_bytes(data, "the DOCX")).get(PROPERTY_PARTNER):
        found = identify_by_text(repo, statement_id, item, data)
        if found is not None and found != partner_id:
            raise Invalid("this DOCX is the packet of another organization; upload your own organization's packet")
    report = import_folder(repo, statement_id, folder).files[0]
    if report.refused:
        raise Invalid(report.refused)
    if report.partner != partner_id:  # cannot happen after the checks above; never show another's branch
        raise Invalid("this DOCX is the packet of another organization")
    if report.already:
        return report.branch, f"This file was imported before ({report.already}); nothing new to import."
    if report.nothing:
        return None, "The file has no changes and no comments: nothing to import."
    conflicts = f"; conflicts: {len(report.conflicts)}" if report.conflicts else ""
    return report.branch, (f"Round {item.number}: {report.applied} change(s) applied, {report.comments} comment(s)"
                           f"{conflicts}; on branch {report.branch}.")


def _review_import(repo: Any, statement_id: str, partner_id: str, path: Path, name: str) -> tuple[str | None, str]:
    from ..review import import_review

    result = import_review(repo, statement_id, path, partner=partner_id, display=name)
    if result.nothing_to_import:
        return None, "The file has no changes and no comments: nothing to import."
    comments = len(result.comments) + sum(len(c.replies) for c in result.comments)
    conflicts = f"; conflicts: {len(result.conflicts)}" if result.conflicts else ""
    return result.branch, (f"{result.applied} change(s) applied, {comments} comment(s){conflicts}; "
                           f"on branch {result.branch}.")


def _safe_name(filename: str) -> str:
    """The uploaded file's own name, reduced to a plain file name (never a path)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in base).strip(" .")[:100]
    if not cleaned.lower().endswith(".docx"):
        cleaned = (cleaned or "returned") + ".docx"
    return cleaned


# -- the secretariat's dashboard ------------------------------------------------------------------------------

def dashboard(repo: Any) -> list[Any]:
    """Every open round as it stands (accord round status, without ID)."""
    from ..rounds.status import open_rounds

    return list(open_rounds(repo))


def compilation_page(repo: Any, statement: Any) -> str:
    """The compilation of amendments of the statement's latest round (accord round compile, as HTML)."""
    from ..rounds.compilation import compilation_html, compile_round

    return str(compilation_html(repo, compile_round(repo, statement.id)))
