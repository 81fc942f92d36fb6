"""`accord round import`: every returned DOCX in a folder imported in one go, each on its partner's branch.

Each file is recognised by its packet properties (statement, partner, round),
else by the packet note its first page carries (which names the partner), and
then imported with the review import. A file already imported (same SHA-256)
is not imported again, so re-running on the same folder does nothing new. The
returns are recorded in rounds.yaml, in one commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AccordError, RoundError, UsageError
from .model import CommentNote, Return, Round, commit_together, latest_round, now, render_rounds, replaced, rounds_path

if TYPE_CHECKING:
    from ..ooxml.reading import Comment
    from ..repo import Repo


@dataclass(frozen=True)
class FileReport:
    """What became of one file of the folder."""

    name: str
    partner: str | None = None
    branch: str | None = None
    edits: int = 0
    applied: int = 0
    conflicts: tuple[str, ...] = ()
    comments: int = 0
    refused: str | None = None
    already: str | None = None
    nothing: bool = False

    @property
    def imported(self) -> bool:
        return self.refused is None and self.already is None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.name, "partner": self.partner, "branch": self.branch, "edits": self.edits,
                "applied": self.applied, "conflicts": list(self.conflicts), "comments": self.comments,
                "refused": self.refused, "already_imported": self.already, "nothing_to_import": self.nothing}


@dataclass(frozen=True)
class RoundImport:
    round: Round
    files: tuple[FileReport, ...]
    commit: str | None


def import_folder(repo: Repo, statement_id: str, folder: Path) -> RoundImport:
    from ..history import is_dirty
    from ..ooxml.reading import MAX_FILE_BYTES

    repo.require_statement(statement_id)
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    rounds, item = latest_round(repo, statement_id)
    log_path = rounds_path(repo, statement_id)
    log_rel = repo.rel(log_path)
    if is_dirty(repo.root, log_rel):
        raise RoundError(f"{log_rel} has uncommitted changes; commit or discard them first")
    seen = {r.docx_sha256: r for past in rounds for r in past.returns}
    sent = {packet.docx_sha256: packet.partner for packet in item.packets}
    reports: list[FileReport] = []
    returns: list[Return] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".docx" or path.name.startswith("~$"):
            continue  # ~$name.docx is Word's lock file beside an open document
        if path.is_symlink():
            reports.append(FileReport(path.name, refused="it is a symbolic link; copy the file itself into the folder"))
            continue
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:  # hashing reads the whole file: look before reading
                reports.append(FileReport(path.name, refused=f"it is larger than {MAX_FILE_BYTES // 2**20} MB"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            reports.append(FileReport(path.name, refused=f"cannot read it: {exc.strerror or exc}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            earlier = seen[digest]
            where = f"branch {earlier.branch}" if earlier.branch else "no branch: it had nothing to import"
            reports.append(FileReport(path.name, earlier.partner, earlier.branch, already=where))
            continue
        if digest in sent:
            reports.append(FileReport(path.name, sent[digest], refused=f"it is the packet sent to {sent[digest]}, "
                                                                       "unchanged"))
            continue
        report, returned = _import_one(repo, statement_id, item, path, digest)
        reports.append(report)
        if returned is not None:
            returns.append(returned)
            seen[digest] = returned
    commit = None
    if returns:
        updated = replace(item, returns=item.returns + tuple(returns))
        names = ", ".join(f"{r.partner} ({r.file})" for r in returns)
        commit = commit_together(repo, {log_rel: render_rounds(replaced(rounds, updated))},
                                 f"Round {item.number} of {statement_id}: {len(returns)} "
                                 f"return{'s' if len(returns) != 1 else ''} imported\n\n{names}\n")
        item = updated
    return RoundImport(item, tuple(reports), commit)


def _import_one(repo: Repo, statement_id: str, item: Round, path: Path, digest: str) -> tuple[FileReport, Return | None]:
    from ..ooxml.reading import custom_properties, open_docx
    from ..review import import_review
    from ..review.packet import PROPERTY_PARTNER, PROPERTY_STATEMENT
    from .opening import PROPERTY_ROUND

    try:
        properties = custom_properties(open_docx(path, path.name))
        made_for = properties.get(PROPERTY_STATEMENT)
        if made_for and made_for != statement_id:
            return FileReport(path.name, refused=f"it was sent for statement '{made_for}'"), None
        partner_id = properties.get(PROPERTY_PARTNER)
        base = None
        if partner_id:
            made_in = properties.get(PROPERTY_ROUND)
            if made_in and made_in != str(item.number):
                return FileReport(path.name, partner_id, refused=f"it was sent in round {made_in}, "
                                                                 f"not round {item.number}"), None
        else:
            partner_id = identify_by_text(repo, statement_id, item, path.read_bytes())
            if partner_id is None:
                return FileReport(path.name, refused="it has no packet properties and its text names no partner "
                                                     f"of round {item.number}; import it with `accord review "
                                                     f"import {statement_id} FILE --partner P --base "
                                                     f"{item.commit[:12]}`"), None
            base = item.commit
        if partner_id not in item.partners:
            return FileReport(path.name, partner_id, refused=f"partner '{partner_id}' is not in round "
                                                             f"{item.number}"), None
        result = import_review(repo, statement_id, path, partner=partner_id, base=base, display=path.name)
    except AccordError as error:
        return FileReport(path.name, refused=error.message), None
    notes = tuple(note for comment in result.comments for note in _notes(comment))
    report = FileReport(path.name, partner_id, result.branch, result.edits, result.applied,
                        tuple(conflict.markup() for conflict in result.conflicts), len(notes),
                        nothing=result.nothing_to_import)
    returned = Return(partner_id, path.name, digest, now().replace(microsecond=0), result.branch, result.commit,
                      result.head_commit, result.edits, len(result.conflicts), notes)
    return report, returned


def _notes(comment: Comment) -> list[CommentNote]:
    notes = [CommentNote(comment.author, comment.anchor, comment.text)]
    notes += [CommentNote(reply.author, comment.anchor, f"(reply) {reply.text}") for reply in comment.replies]
    return notes


def identify_by_text(repo: Repo, statement_id: str, item: Round, docx: bytes) -> str | None:
    """The partner whose packet note (which names them) is on this DOCX's first page, if exactly one is.

    The note is read from the document's own XML, not from pandoc's reading of
    it: it is accord's furniture, which a reading of the text leaves out.
    """
    from ..ooxml.reading import open_docx_bytes

    package = open_docx_bytes(docx, "the returned DOCX")
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paragraphs = []
    for paragraph in package.xml(package.main_part).iter(f"{namespace}p"):
        paragraphs.append("".join(node.text or "" for node in paragraph.iter(f"{namespace}t")))
        if len(paragraphs) >= 20:
            break
    opening = " ".join(" ".join(paragraphs).split())
    registry = repo.partners()
    found = []
    for partner_id in item.partners:
        partner = registry.get(partner_id)
        names = [f"for {partner.name} ({partner_id}):", f"for {partner.label}:"] if partner else []
        if any(name in opening for name in names):
            found.append(partner_id)
    return found[0] if len(found) == 1 else None
