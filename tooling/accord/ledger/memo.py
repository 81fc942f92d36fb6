"""The parse memo: statement and record parse results remembered between runs, keyed by content hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem
from ..fsutil import link_on_the_way, read_repo_bytes
from ..yamlio import MAX_FILE_BYTES
from .positions import Position
from .reading import _validated, read_record, record_from_bytes
from .records import Evidence, Record, Reservation

if TYPE_CHECKING:
    from ..statement import EndorsementPolicy


@dataclass(frozen=True)
class StatementSummary:
    """What the ledger needs of a statement; remembered between runs instead of re-parsing the text."""

    id: str
    title: str
    status: str
    text_sha256: str
    endorsement: EndorsementPolicy
    version: int | None = None
    title_and_body_sha256: str = ""
    publishing: dict = field(default_factory=dict)
    fields_unchanged_since: frozenset = frozenset()

    def binds(self, text_hash: str, commit: str | None = None) -> bool:
        """As accord.statement.Statement.binds."""
        return text_hash == self.text_sha256 or (
            commit is not None and text_hash == self.title_and_body_sha256 and commit in self.fields_unchanged_since)


class ParseMemo:
    """Parse results of statement and record files from earlier runs, keyed by the SHA-256 of their bytes.

    Same bytes, same result: nothing can go stale except the code that parses, so the memo
    is keyed by the parsing modules' identity too. It lives in .git/accord/ (private to the
    clone, never committed); without a .git folder, or if it cannot be written, nothing is
    remembered and nothing changes but speed. Only valid files are remembered: a broken one
    is re-read every time, so its problem is always reported from the file itself.
    """

    VERSION = 2

    def __init__(self, path: Path | None, entries: dict):
        self.path = path
        self.entries = entries
        self.used: dict = {}

    @classmethod
    def open(cls, repo) -> "ParseMemo":
        git_dir = repo.root / ".git"
        if not git_dir.is_dir():
            return cls(None, {})
        path = git_dir / "accord" / "ledger-memo.json"
        try:
            import json

            data = json.loads(path.read_bytes())
            entries = data["entries"] if data.get("code") == _code_stamp() else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entries = {}
        return cls(path, entries if isinstance(entries, dict) else {})

    def _recall(self, key: str, kind: str):
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == kind:
            self.used[key] = entry
            return entry[1]
        return None

    def statement(self, repo, statement_id: str):
        from ..statement import EndorsementPolicy

        path = repo.statement_file(statement_id)
        data = _read_small(path)  # None for a link on the way, or a file too large or unreadable: then
        if data is None:  # read_repo_bytes, or load_statement below, names the fault
            try:
                data = read_repo_bytes(path)
            except OSError:
                data = None
        key = hashlib.sha256(data).hexdigest() if data is not None else None
        facts = self._recall(key, f"statement:{statement_id}") if key else None
        if facts is not None:
            try:
                title, status, text_hash, invited, required, threshold, version, title_and_body_hash, \
                    publishing = facts
                return StatementSummary(statement_id, title, status, text_hash,
                                        EndorsementPolicy(tuple(invited), tuple(required), threshold), version,
                                        title_and_body_hash, dict(publishing))
            except (TypeError, ValueError):
                pass
        statement = repo.load_statement(statement_id, data)  # the bytes just read, not read again
        if key is not None:
            policy = statement.endorsement
            self.used[key] = [f"statement:{statement_id}", [statement.title, statement.status, statement.text_sha256,
                                                             list(policy.invited), list(policy.required),
                                                             policy.threshold, statement.version,
                                                             statement.title_and_body_sha256,
                                                             statement.publishing]]
        return statement

    def record(self, path: Path, display: str, folder_checked: bool = False, file: str | None = None
               ) -> tuple[Record | None, list[Problem]]:
        """folder_checked: the caller has found no link on the way to path's folder (the file itself is opened
        without following one); file: path as a string, when the caller has it (a Path makes its string anew)."""
        data = _read_small(file or path, folder_checked)
        if data is None:  # let the general reader name the fault (missing, too large, unreadable)
            return read_record(path, display)
        return self.record_from_bytes(data, display, path)

    def record_from_bytes(self, data: bytes, display: str, path: Path | None = None
                          ) -> tuple[Record | None, list[Problem]]:
        """As reading.record_from_bytes, remembered by the SHA-256 of the bytes."""
        key = hashlib.sha256(data).hexdigest()
        fields = self._recall(key, "record")
        if fields is not None:
            try:
                return _record_from_memo(fields, path, key), []
            except (TypeError, ValueError, KeyError):
                pass
        record, problems = record_from_bytes(data, display, path, key)
        if record is not None:
            self.used[key] = ["record", _record_to_memo(record)]
        return record, problems

    def remembered_supersedes(self, data: bytes) -> tuple[bool, str | None]:
        """(True, the record's supersedes) when these bytes were read as a valid record before (in this run or
        one remembered), without making the Record again; else (False, None)."""
        key = hashlib.sha256(data).hexdigest()
        entry = self.used.get(key) or self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == "record" and isinstance(entry[1], list) \
                and len(entry[1]) == len(_RECORD_MEMO_FIELDS):
            value = entry[1][_RECORD_MEMO_FIELDS.index("supersedes")]
            if value is None or isinstance(value, str):
                self.used[key] = entry
                return True, value
        return False, None

    def save(self, complete: bool) -> None:
        """Keep what this run used (and, after a partial run, what earlier runs remembered)."""
        if self.path is None:
            return
        entries = self.used if complete else {**self.entries, **self.used}
        if entries.keys() == self.entries.keys():
            return
        import json

        from ..fsutil import write_atomic

        try:
            write_atomic(self.path, json.dumps({"code": _code_stamp(), "entries": entries}, ensure_ascii=False, check_circular=False))
        except OSError:
            pass  # a read-only clone still works, only slower


def _read_small(path: Path | str, folder_checked: bool = False) -> bytes | None:
    """A file's bytes with the fewest system calls, or None if it cannot be read or is too large (or is a link)."""
    if not folder_checked and link_on_the_way(path) is not None:  # the general reader names the link
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        data = os.read(fd, 65536)  # a record is far smaller: one read, no fstat
        while len(data) % 65536 == 0 and data and len(data) <= MAX_FILE_BYTES:
            more = os.read(fd, 65536)
            if not more:
                break
            data += more
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= MAX_FILE_BYTES else None


_RECORD_MEMO_FIELDS = ("statement", "partner", "position", "text_sha256", "signatory", "recorded_at", "commit",
                       "recorded_by", "reservations", "evidence", "supersedes", "date", "reason",
                       "unregistered_signatory")  # the order of _record_to_memo's list


def _record_to_memo(record: Record) -> list:
    return [record.statement, record.partner, str(record.position), record.text_sha256, record.signatory,
            record.recorded_at.isoformat(), record.commit, record.recorded_by,
            [[r.text, r.paragraph] for r in record.reservations],
            [record.evidence.kind, record.evidence.ref] if record.evidence else None, record.supersedes,
            record.date.isoformat() if record.date else None, record.reason, record.unregistered_signatory]


def _record_from_memo(fields: list, path: Path | None, record_sha256: str) -> Record:
    (statement, partner, position, text_hash, signatory, recorded_at, commit, recorded_by, reservations,
     evidence, supersedes, date, reason, unregistered) = fields
    # what Record(...) would make of these values (Position as its __post_init__ makes it), without its __init__
    return _validated(Record, {
        "statement": statement, "partner": partner, "position": Position(position), "text_sha256": text_hash,
        "signatory": signatory, "recorded_at": dt.date.fromisoformat(recorded_at), "commit": commit,
        "recorded_by": recorded_by,
        "reservations": tuple(Reservation(text, paragraph) for text, paragraph in reservations),
        "evidence": Evidence(*evidence) if evidence else None, "supersedes": supersedes,
        "date": dt.date.fromisoformat(date) if date else None, "reason": reason, "unregistered_signatory": unregistered,
        "path": path, "record_sha256": record_sha256})


def _code_stamp() -> str:
    """Who parsed: accord's version and the files of the modules that read statements and records."""
    from .. import __version__, blockrules, schema, statement, yamlio
    from . import memo, positions, reading, records

    parts = [__version__, str(ParseMemo.VERSION)]
    files = [(module.__name__, module.__file__ or "") for module in
             (schema, statement, blockrules, yamlio, positions, records, reading, memo)]
    # the parser by its file, not imported: the line reader reads most files without it
    files.append(("accord.yamlparser", os.path.join(os.path.dirname(yamlio.__file__ or ""), "yamlparser.py")))
    for name, file in files:
        try:
            info = os.stat(file)
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:?")
    return "|".join(parts)
