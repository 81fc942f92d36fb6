"""The endorsement ledger: records of which partner took which position on which exact text."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from glob import escape as glob_escape
from pathlib import Path

from .errors import LedgerError, Problem, SignatoryError, SigningError, did_you_mean
from .fsutil import LinkRefused, link_on_the_way, read_repo_bytes
from .labels import refuse_unknown_labels
from .partners import require_partner
from .schema import Field, Schema
from .statement import with_earlier_bindings
from .yamlio import MAX_FILE_BYTES, YAMLProblem, decode_text, dump_yaml, load_yaml, read_text_file

POSITIONS = ("endorse", "endorse-with-reservations", "no-objection", "abstain", "object", "withdrawn")
COUNTING_POSITIONS = ("endorse", "endorse-with-reservations", "no-objection")
EVIDENCE_KINDS = ("ssh-signature", "letter", "note-verbale", "email", "meeting", "url", "silence", "none")
RESERVING_POSITIONS = ("endorse-with-reservations", "no-objection")  # the positions that carry reservations
REASONED_POSITIONS = ("object", "abstain", "withdrawn")  # the positions a reason may be recorded with
OPEN_STATUSES = ("draft", "consultation", "final")  # a text takes positions and review packets in these only

RESERVATION = Schema("reservation", (
    Field("paragraph", "label", "The paragraph label (10, 10(f)) the reservation is about, if any."),
    Field("text", "text", "The reservation as the partner worded it.", required=True),
))

EVIDENCE = Schema("evidence", (
    Field("kind", "text", "What proves the position.", required=True, choices=EVIDENCE_KINDS),
    Field("ref", "text", "Where the proof is: a letter reference, a message id, a URL."),
))

RECORD = Schema("endorsement record", (
    Field("statement", "slug", "The statement id the record is about.", required=True),
    Field("partner", "slug", "The partner whose position this is.", required=True),
    Field("position", "text", "The partner's position.", required=True, choices=POSITIONS),
    Field("text_sha256", "sha256", "The canonical text hash the position was taken on.", required=True),
    Field("commit", "text", "The git commit whose text was endorsed (a convenience, not trusted)."),
    Field("signatory", "text", "Who signed for the partner, with their title.", required=True),
    Field("recorded_by", "text", "Who typed the record in."),
    Field("recorded_at", "date", "When the record was made.", required=True),
    Field("date", "date", "The date of the partner's letter, note or meeting that states the position."),
    Field("reason", "text", "Why the partner objects, abstains or withdraws, as it said."),
    Field("unregistered_signatory", "bool", "True when the signatory is not a signer in partners/ (said plainly)."),
    Field("reservations", "list:map", "Reservations, each optionally tied to a paragraph.", default=(), schema=RESERVATION),
    Field("evidence", "map", "What proves the position.", schema=EVIDENCE),
    Field("supersedes", "sha256", "SHA-256 of the bytes of the record this one replaces."),
))


@dataclass(frozen=True)
class Reservation:
    text: str
    paragraph: str | int | None = None  # a label such as "10(f)"; a plain int in records made before labels


@dataclass(frozen=True)
class Evidence:
    kind: str
    ref: str | None = None


@dataclass(frozen=True)
class Record:
    """One partner's current record on one statement, as stored in endorsements/<partner>.yaml."""

    statement: str
    partner: str
    position: str
    text_sha256: str
    signatory: str
    recorded_at: dt.date
    commit: str | None = None
    recorded_by: str | None = None
    reservations: tuple[Reservation, ...] = ()
    evidence: Evidence | None = None
    supersedes: str | None = None
    date: dt.date | None = None
    reason: str | None = None
    unregistered_signatory: bool | None = None
    path: Path | None = None
    record_sha256: str | None = None

    @property
    def counting(self) -> bool:
        """Whether the position counts towards the gate (staleness aside)."""
        return self.position in COUNTING_POSITIONS


def parse_record(data_bytes: bytes, text: str, display: str, path: Path | None = None) -> tuple[Record | None, list[Problem]]:
    try:
        data = load_yaml(text)
    except YAMLProblem as problem:
        return None, [Problem(display, problem.line, problem.message)]
    values, problems = RECORD.validate(data, display, 1)
    if problems:
        return None, problems
    values["reservations"] = tuple(Reservation(**item) for item in values["reservations"] or ())
    values["evidence"] = Evidence(**values["evidence"]) if values["evidence"] else None
    return Record(**values, path=path, record_sha256=hashlib.sha256(data_bytes).hexdigest()), []


def read_record(path: Path, display: str) -> tuple[Record | None, list[Problem]]:
    try:
        data_bytes = read_repo_bytes(path) if path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        data_bytes = None
    if data_bytes is None:  # let the general reader name the fault (missing, too large, unreadable)
        text, problem = read_text_file(path, display)
        if problem:
            return None, [problem]
        return parse_record(path.read_bytes(), text, display, path)
    return record_from_bytes(data_bytes, display, path)


def record_from_bytes(data_bytes: bytes, display: str, path: Path | None = None) -> tuple[Record | None, list[Problem]]:
    """A record from its bytes: the quick reader for the form accord writes, the full YAML reader otherwise."""
    text, problem = decode_text(data_bytes, display)
    if problem:
        return None, [problem]
    record = _quick_record(data_bytes, text, path)
    if record is not None:
        return record, []
    return parse_record(data_bytes, text, display, path)


def load_record(path: Path, display: str) -> Record:
    record, problems = read_record(path, display)
    if problems:
        raise problems[0].error(LedgerError)
    return record


def read_records(repo, statement_id: str) -> tuple[dict[str, Record], list[Problem]]:
    """Every record filed under statements/<id>/endorsements/, by partner id, with problems found."""
    folder = repo.endorsements_dir(statement_id)
    records: dict[str, Record] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return records, problems
    for path in sorted(folder.glob("*.yaml")):
        record, found = read_record(path, repo.rel(path))
        problems.extend(found)
        if record is not None:
            records[path.stem] = record
    return records, problems


@dataclass(frozen=True)
class SignatoryEntry:
    """One line of a signatory block: a partner holding a current counting position."""

    partner_id: str
    name: str
    short: str | None
    position: str
    signatory: str
    reservations: tuple[Reservation, ...] = ()

    @property
    def position_note(self) -> str | None:
        """What to print beside the name when the position is not a plain endorsement."""
        return {"endorse-with-reservations": "with reservations", "no-objection": "no objection"}.get(self.position)


def signatories(repo, statement) -> list[SignatoryEntry]:
    """The signatory block of a statement: current counting positions, in the repository's order.

    This is the one function builds read the ledger through; nothing is ever hand-typed.
    The rules are the gate's (`evaluate`), so a build never lists a partner the gate would not count.
    """
    records, problems = read_records(repo, statement.id)
    if problems:
        raise problems[0].error(LedgerError)
    partners = repo.partners()
    for partner_id, record in records.items():
        if partner_id not in partners:
            raise LedgerError(f"unknown partner '{partner_id}'", path=repo.rel(record.path))
    entries = [SignatoryEntry(s.partner, s.name, partners[s.partner].short, s.record.position, s.record.signatory,
                              s.record.reservations)
               for s in evaluate(with_earlier_bindings(repo, statement, records.values()), records, partners).standings
               if s.counting]
    settings = repo.settings
    order = {pid: index for index, pid in enumerate(settings.partners_order)} if settings.signatory_order == "registry" else {}
    return sorted(entries, key=lambda e: (order.get(e.partner_id, len(order)), e.name.casefold()))


# -- the quick reader ---------------------------------------------------------------
# `status` reads thousands of records per run, and a full YAML parse costs about 0.25 ms
# each. Records accord writes have one plain shape (flat keys, one list of maps, one map),
# which a line reader takes in a tenth of that. Anything else, and any record with a
# problem, goes to the full reader, which also knows the lines to report.

class _NotPlain(Exception):
    """The text is not in the plain shape the quick reader handles."""


_KEY = r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?"
_TOP_LINE = re.compile(_KEY)
_ITEM_LINE = re.compile(r"( *)- " + _KEY)
_NESTED_LINE = re.compile(r"( +)" + _KEY)
_ASCII_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


@functools.lru_cache(maxsize=1)
def _non_printable() -> re.Pattern:
    # compiled on first use: the class spans all of Unicode and costs ~10 ms to build
    # NEL and the Unicode line and paragraph separators are line breaks to YAML, not to str.split("\n")
    return re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_NULLS = ("~", "null", "Null", "NULL")
_INDICATORS = "-?:,[]{}#&*!|>%@`"


def _quick_record(data_bytes: bytes, text: str, path: Path | None) -> Record | None:
    try:
        data = _plain_yaml(text)
    except _NotPlain:
        return None
    values, problems = RECORD.validate(data, "", 1)
    if problems:
        return None
    values["reservations"] = tuple(Reservation(**item) for item in values["reservations"] or ())
    values["evidence"] = Evidence(**values["evidence"]) if values["evidence"] else None
    return Record(**values, path=path, record_sha256=hashlib.sha256(data_bytes).hexdigest())


def _plain_yaml(text: str) -> dict:
    # Characters YAML refuses must reach the full reader, which reports them.
    if _ASCII_CONTROL.search(text) or not text.isascii() and _non_printable().search(text):
        raise _NotPlain
    root: dict = {}
    open_key = None  # the top-level key whose block (list or map) the indented lines belong to
    block_indent = item_indent = -1
    for line in text.split("\n"):
        line = line.rstrip(" ")
        if not line or line.lstrip(" ").startswith("#"):
            continue
        if line[0] not in " -":
            match = _TOP_LINE.fullmatch(line)
            if match is None or match.group(1) in root:
                raise _NotPlain
            key, value = match.groups()
            root[key] = _plain_scalar(value) if value else None
            open_key = None if value else key
            continue
        if open_key is None:
            raise _NotPlain
        block = root[open_key]
        match = _ITEM_LINE.fullmatch(line)
        if match:
            indent, key, value = len(match.group(1)), match.group(2), match.group(3)
            if block is None:
                root[open_key] = block = []
                block_indent = indent
            if not isinstance(block, list) or indent != block_indent or not value:
                raise _NotPlain
            block.append({key: _plain_scalar(value)})
            item_indent = indent + 2
            continue
        match = _NESTED_LINE.fullmatch(line)
        if match is None or not match.group(3):
            raise _NotPlain
        indent, key, value = len(match.group(1)), match.group(2), match.group(3)
        if block is None:
            root[open_key] = block = {}
            block_indent = indent
        if isinstance(block, list) and block and indent == item_indent:
            target = block[-1]
        elif isinstance(block, dict) and indent == block_indent:
            target = block
        else:
            raise _NotPlain
        if key in target:
            raise _NotPlain
        target[key] = _plain_scalar(value)
    return root


def _plain_scalar(value: str):
    first = value[0]
    if first == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", ""):
            raise _NotPlain
        return inner.replace("''", "'")
    if first == '"':
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != '"' or '"' in inner or "\\" in inner:
            raise _NotPlain
        return inner
    if value == "[]":
        return []
    if value == "{}":
        return {}
    if first in _INDICATORS or ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        raise _NotPlain
    tag = _implicit_tag(value)
    if tag == "str":
        return value
    if tag == "null" and value in _NULLS:
        return None
    if tag == "bool":
        return value.lower() == "true"
    if tag == "int" and _DECIMAL.fullmatch(value):
        return int(value)
    raise _NotPlain


def _implicit_tag(value: str) -> str:
    """The type the full reader gives a plain scalar, from its own resolver table."""
    for tag, regexp in _RESOLVERS.get(value[0], _RESOLVERS[None]):
        if regexp.match(value):
            return tag
    return "str"


def _resolver_table() -> dict:
    from .yamlio import _Loader  # the full reader's own table, so the two readers cannot disagree

    table = _Loader.yaml_implicit_resolvers
    wildcard = table.get(None, [])
    return {first: [(tag.rsplit(":", 1)[-1], regexp) for tag, regexp in [*resolvers, *wildcard]]
            for first, resolvers in {**table, None: []}.items()}


_RESOLVERS = _resolver_table()


# -- positions, staleness and the gate -------------------------------------------------

POSITION_LETTERS = {"endorse": "E", "endorse-with-reservations": "R", "no-objection": "N",
                    "abstain": "A", "object": "X", "withdrawn": "W"}

_POSITION_PHRASES = {
    "endorse": "{who} endorses {what}",
    "endorse-with-reservations": "{who} endorses {what} with reservations",
    "no-objection": "{who} raises no objection to {what}",
    "abstain": "{who} abstains on {what}",
    "object": "{who} objects to {what}",
    "withdrawn": "{who} withdraws its position on {what}",
}


def describe_position(partner_label: str, position: str, statement_id: str) -> str:
    """'UNICEF endorses 2010-child-protection': the position as a sentence."""
    return _POSITION_PHRASES[position].format(who=partner_label, what=statement_id)


@dataclass(frozen=True)
class Standing:
    """A partner's position on a statement as it stands now: current or stale, signed or attested."""

    partner: str
    label: str
    name: str
    record: Record
    current: bool
    signed: bool
    invited: bool = True

    @property
    def counting(self) -> bool:
        """Counts towards the gate: a counting position taken on the current text by an invited partner."""
        return self.current and self.record.counting and self.invited

    @property
    def objecting(self) -> bool:
        """An objection stays in force across text changes until the partner records another position."""
        return self.record.position == "object"

    def as_dict(self) -> dict:
        record = self.record
        return {
            "partner": self.partner, "name": self.name, "short": self.label, "position": record.position,
            "current": self.current, "counting": self.counting, "signed": self.signed, "invited": self.invited,
            "signatory": record.signatory, "recorded_at": record.recorded_at.isoformat(),
            "recorded_by": record.recorded_by, "text_sha256": record.text_sha256,
            "reservations": [{"paragraph": r.paragraph, "text": r.text} for r in record.reservations],
            "evidence": {"kind": record.evidence.kind, "ref": record.evidence.ref} if record.evidence else None,
            "date": record.date.isoformat() if record.date else None, "reason": record.reason,
            "unregistered_signatory": bool(record.unregistered_signatory),
        }


@dataclass(frozen=True)
class Gate:
    """Whether the ledger lets the current text be released, with every reason it does not."""

    ok: bool
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"ok": self.ok, "problems": list(self.problems)}


@dataclass(frozen=True)
class LedgerStatus:
    """Where a statement stands: its text hash, each partner's position, who is pending, the gate."""

    statement: object  # accord.statement.Statement
    standings: tuple[Standing, ...]
    pending: tuple[str, ...]
    gate: Gate
    labels: dict = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.statement.id

    def as_dict(self) -> dict:
        statement = self.statement
        return {
            "id": statement.id, "title": statement.title, "status": statement.status,
            "text_sha256": statement.text_sha256,
            "endorsements": [standing.as_dict() for standing in self.standings],
            "pending": list(self.pending), "gate": self.gate.as_dict(),
        }


def evaluate(statement, records: dict[str, Record], partners: dict, signed: set[str] | frozenset = frozenset(),
             record_problems: list[Problem] | tuple = (), order: list[str] | None = None,
             lifecycle: bool = False) -> LedgerStatus:
    """Apply the rules of DESIGN.md §2 to one statement's records; no files, no git.

    records maps the partner id a record is filed under to the record; signed holds the
    partner ids whose record has a signature beside it; record_problems are records that
    could not be read, and each keeps the gate closed. A record of a partner that is not
    invited is shown but never counts. With lifecycle (what `accord status` shows), a
    text that is not final keeps the gate closed too; without it, the gate is the
    ledger's alone (a release names the status itself, the site shows the ledger).
    """
    labels = {pid: partner.label for pid, partner in partners.items()}
    problems: list[str] = [str(problem) for problem in record_problems]
    standings: list[Standing] = []
    for partner_id, record in records.items():
        if record.statement != statement.id:
            problems.append(f"{_display(record)}: record names statement '{record.statement}', "
                            f"but it is filed under '{statement.id}'")
            continue
        if record.partner != partner_id:
            problems.append(f"{_display(record)}: record names partner '{record.partner}', "
                            f"but its file is '{partner_id}.yaml'")
            continue
        partner = partners.get(partner_id)
        if partner is None:
            problems.append(f"{_display(record)}: record of unknown partner '{partner_id}'")
            continue
        standings.append(Standing(partner_id, partner.label, partner.name, record,
                                  current=statement.binds(record.text_sha256, record.commit),
                                  signed=partner_id in signed, invited=partner_id in statement.endorsement.invited))
    rank = {pid: index for index, pid in enumerate(order or [])}
    standings.sort(key=lambda s: (rank.get(s.partner, len(rank)), s.label.casefold()))
    heard = {standing.partner for standing in standings}
    pending = tuple(pid for pid in statement.endorsement.invited if pid not in heard)
    gate = Gate(*_gate(statement, standings, labels, problems))
    if lifecycle and statement.status != "final":
        gate = Gate(False, (status_reason(statement.status), *gate.problems))
    return LedgerStatus(statement, tuple(standings), pending, gate, labels)


def status_reason(status: str) -> str:
    """Why a text in this status cannot be released."""
    if status == "published":
        return "status is 'published'; it has been released (a new version needs a final text)"
    return f"status is '{status}'; only a 'final' text can be released"


def _gate(statement, standings: list[Standing], labels: dict, record_problems: list[str]) -> tuple[bool, tuple[str, ...]]:
    policy = statement.endorsement
    by_partner = {standing.partner: standing for standing in standings}
    problems: list[str] = []
    for partner_id in policy.required:
        label = labels.get(partner_id, partner_id)
        standing = by_partner.get(partner_id)
        if standing is None:
            problems.append(f"required partner {label} has not taken a position")
        elif standing.record.counting and not standing.current:
            problems.append(f"required partner {label} took its position ({standing.record.position}) "
                            "on an earlier text")
        elif not standing.record.counting:
            problems.append(f"required partner {label} holds position {standing.record.position}, which does not count")
    counting = sum(1 for standing in standings if standing.counting)
    if counting < policy.threshold:
        holds = f"{counting} partner holds" if counting == 1 else f"{counting} partners hold"
        problems.append(f"{holds} a counting position on the current text; {policy.threshold} "
                        f"{'is' if policy.threshold == 1 else 'are'} needed")
    for standing in standings:
        if not standing.invited and standing.record.counting:
            problems.append(f"{standing.label} is not invited to endorse this text; its {standing.record.position} "
                            "does not count")
    for standing in standings:
        if standing.objecting:
            text = "" if standing.current else ", on an earlier text"
            problems.append(f"objection in force: {standing.label} objects "
                            f"(recorded {standing.record.recorded_at.isoformat()}{text})")
    problems.extend(record_problems)
    return not problems, tuple(problems)


def _display(record: Record) -> str:
    if record.path is None:
        return f"endorsements/{record.partner}.yaml"
    parts = Path(record.path).parts
    return "/".join(parts[-4:]) if len(parts) >= 4 else str(record.path)


def _partner_order(repo) -> list[str]:
    settings = repo.settings
    if settings.signatory_order != "registry":
        return []
    return list(settings.partners_order)


def ledger_status(repo, statement, lifecycle: bool = False) -> LedgerStatus:
    """Where a statement (a Statement, or its id) stands in the ledger. Reads files only, never git."""
    if isinstance(statement, str):
        statement = repo.load_statement(statement)
    partners = repo.partners()
    return _status_of(repo, statement, partners, _partner_order(repo), lifecycle=lifecycle)


def release_gate(repo, statement) -> Gate:
    """The ledger's part of a release: required partners current, threshold met, no objection in force
    (the release checks the text's status itself)."""
    return ledger_status(repo, statement).gate


@dataclass(frozen=True)
class UnreadableStatement:
    """A statement `status` over all statements could not read; `accord check` names the fault."""

    id: str
    problem: str

    def as_dict(self) -> dict:
        return {"id": self.id, "error": self.problem}


def ledger_statuses(repo, ids: list[str] | tuple = (), lifecycle: bool = False) -> list[LedgerStatus | UnreadableStatement]:
    """The ledger status of every statement (or those named); an unreadable one does not hide the rest.

    Parse results are remembered by content hash between runs (see ParseMemo), so a
    repository of thousands of records is read, not re-parsed.
    """
    from .errors import StatementError

    partners = repo.partners()
    order = _partner_order(repo)
    memo = ParseMemo.open(repo)
    results: list[LedgerStatus | UnreadableStatement] = []
    for statement_id in repo.resolve_ids(list(ids)):
        try:
            statement = memo.statement(repo, statement_id)
        except StatementError as error:
            results.append(UnreadableStatement(statement_id, str(error)))
            continue
        results.append(_status_of(repo, statement, partners, order, memo, lifecycle))
    memo.save(complete=not ids)
    return results


def _status_of(repo, statement, partners: dict, order: list[str], memo: "ParseMemo | None" = None,
               lifecycle: bool = False) -> LedgerStatus:
    folder = repo.endorsements_dir(statement.id)
    records: dict[str, Record] = {}
    problems: list[Problem] = []
    signed: set[str] = set()
    try:
        entries = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    names = set(entries)
    display_folder = f"statements/{statement.id}/endorsements"
    for name in entries:
        if not name.endswith(".yaml") or name.startswith("."):
            continue
        partner_id = name[:-5]
        display = f"{display_folder}/{name}"
        record, found = memo.record(folder / name, display) if memo else read_record(folder / name, display)
        problems.extend(found)
        if record is not None:
            records[partner_id] = record
            if f"{name}.sig" in names:
                signed.add(partner_id)
    statement = with_earlier_bindings(repo, statement, records.values())
    status = evaluate(statement, records, partners, signed, problems, order, lifecycle)
    from .i18n.translations import language_gate

    languages = language_gate(repo, statement)  # required language versions, missing or stale
    if languages:
        status = replace(status, gate=Gate(False, (*status.gate.problems, *languages)))
    return status


@dataclass(frozen=True)
class StatementSummary:
    """What the ledger needs of a statement; remembered between runs instead of re-parsing the text."""

    id: str
    title: str
    status: str
    text_sha256: str
    endorsement: object  # accord.statement.EndorsementPolicy
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
        from .statement import EndorsementPolicy

        path = repo.statement_file(statement_id)
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
        statement = repo.load_statement(statement_id)
        if key is not None:
            policy = statement.endorsement
            self.used[key] = [f"statement:{statement_id}", [statement.title, statement.status, statement.text_sha256,
                                                             list(policy.invited), list(policy.required),
                                                             policy.threshold, statement.version,
                                                             statement.title_and_body_sha256,
                                                             statement.publishing]]
        return statement

    def record(self, path: Path, display: str) -> tuple[Record | None, list[Problem]]:
        data = _read_small(path)
        if data is None:  # let the general reader name the fault (missing, too large, unreadable)
            return read_record(path, display)
        key = hashlib.sha256(data).hexdigest()
        fields = self._recall(key, "record")
        if fields is not None:
            try:
                return _record_from_memo(fields, path, key), []
            except (TypeError, ValueError, KeyError):
                pass
        record, problems = record_from_bytes(data, display, path)
        if record is not None:
            self.used[key] = ["record", _record_to_memo(record)]
        return record, problems

    def save(self, complete: bool) -> None:
        """Keep what this run used (and, after a partial run, what earlier runs remembered)."""
        if self.path is None:
            return
        entries = self.used if complete else {**self.entries, **self.used}
        if entries.keys() == self.entries.keys():
            return
        import json

        from .fsutil import write_atomic

        try:
            write_atomic(self.path, json.dumps({"code": _code_stamp(), "entries": entries}, ensure_ascii=False))
        except OSError:
            pass  # a read-only clone still works, only slower


def _read_small(path: Path) -> bytes | None:
    """A file's bytes with the fewest system calls, or None if it cannot be read or is too large (or is a link)."""
    if link_on_the_way(path) is not None:  # the general reader names the link; its target is never read
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            return None
        data = os.read(fd, size + 1)
        while len(data) > size and len(data) <= MAX_FILE_BYTES:  # the file grew as we read it
            more = os.read(fd, 65536)
            if not more:
                break
            data += more
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) <= MAX_FILE_BYTES else None


def _record_to_memo(record: Record) -> list:
    return [record.statement, record.partner, record.position, record.text_sha256, record.signatory,
            record.recorded_at.isoformat(), record.commit, record.recorded_by,
            [[r.text, r.paragraph] for r in record.reservations],
            [record.evidence.kind, record.evidence.ref] if record.evidence else None, record.supersedes,
            record.date.isoformat() if record.date else None, record.reason, record.unregistered_signatory]


def _record_from_memo(fields: list, path: Path, record_sha256: str) -> Record:
    (statement, partner, position, text_hash, signatory, recorded_at, commit, recorded_by, reservations,
     evidence, supersedes, date, reason, unregistered) = fields
    return Record(statement, partner, position, text_hash, signatory, dt.date.fromisoformat(recorded_at),
                  commit, recorded_by, tuple(Reservation(text, paragraph) for text, paragraph in reservations),
                  Evidence(*evidence) if evidence else None, supersedes,
                  dt.date.fromisoformat(date) if date else None, reason, unregistered, path, record_sha256)


def _code_stamp() -> str:
    """Who parsed: accord's version and the files of the modules that read statements and records."""
    from . import __version__, schema, statement, yamlio

    parts = [__version__, str(ParseMemo.VERSION)]
    for module in (schema, statement, yamlio, __import__(__name__, fromlist=["_"])):
        try:
            info = os.stat(module.__file__)
            parts.append(f"{module.__name__}:{info.st_size}:{info.st_mtime_ns}")
        except (OSError, TypeError):
            parts.append(f"{module.__name__}:?")
    return "|".join(parts)


# -- recording a position ----------------------------------------------------------------

TYPED_EVIDENCE_KINDS = ("letter", "note-verbale", "email", "meeting", "url", "silence", "none")  # ssh-signature: --sign


def today() -> dt.date:
    return dt.date.today()


def parse_position(text: str) -> str:
    """A position name, or LedgerError with a hint and the list of positions."""
    if text in POSITIONS:
        return text
    return _refuse(f"unknown position '{text}'", text, POSITIONS, f"; positions are {', '.join(POSITIONS)}")


def parse_reservation(text: str) -> Reservation:
    """'10(f): text' is a reservation on paragraph 10(f), '4: text' on paragraph 4; any other text is general."""
    match = re.fullmatch(r"\s*(\d+\s*(?:\(\s*[A-Za-z]+\s*\))?|\(\s*[A-Za-z]+\s*\))\s*:\s*(.*)", text, re.S)
    paragraph, wording = (re.sub(r"\s+", "", match.group(1)).lower(), match.group(2)) if match else (None, text)
    wording = _without_controls(" ".join(wording.split()), "a reservation")
    if paragraph is not None and re.match(r"0", paragraph):
        raise LedgerError(f"reservation on paragraph {paragraph}: paragraphs are numbered from 1")
    if not wording:
        raise LedgerError("a reservation must not be empty")
    return Reservation(wording, paragraph)


def parse_date(text: str) -> dt.date:
    """A date given as YYYY-MM-DD, or LedgerError naming the form."""
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise LedgerError(f"'{text}' is not a date: use YYYY-MM-DD")


def parse_evidence(text: str) -> Evidence:
    """'letter:AECT/2026/114', 'note-verbale:REF', 'email:<message-id>', 'meeting:REF', 'url:https://...',
    'silence:REF' (a silence procedure that ended without objection) or 'none'."""
    kind, _, ref = text.partition(":")
    kind, ref = kind.strip(), ref.strip()
    if kind == "ssh-signature":
        raise LedgerError("evidence ssh-signature is made by signing the record (--sign KEYFILE), not typed in")
    if kind not in TYPED_EVIDENCE_KINDS:
        _refuse(f"unknown evidence kind '{kind}'", kind, TYPED_EVIDENCE_KINDS,
                f"; use KIND:REF with KIND one of {', '.join(TYPED_EVIDENCE_KINDS[:-1])} (or just none)")
    if kind == "none":
        return Evidence("none", ref or None)
    if not ref:
        raise LedgerError(f"evidence {kind} needs a reference: {kind}:REF")
    return Evidence(kind, _without_controls(ref, f"evidence {kind}"))


def _refuse(message: str, value: str, choices, tail: str = ""):
    raise LedgerError(message + did_you_mean(value, choices) + tail)


@dataclass(frozen=True)
class Recorded:
    """What `record_position` did: the record, where it went, and the commit."""

    record: Record
    summary: str
    path: Path
    signature_path: Path | None = None
    principal: str | None = None
    commit: str | None = None


def record_position(repo, statement_id: str, partner_id: str, position: str, signatory: str, *,
                    reservations: tuple[Reservation, ...] | list = (), evidence: Evidence | None = None,
                    recorded_by: str | None = None, keyfile: str | os.PathLike | None = None,
                    commit: bool = True, date: dt.date | None = None, reason: str | None = None,
                    unregistered_signatory: bool = False) -> Recorded:
    """Record a partner's position on the statement's committed text, optionally signed, and commit it.

    The record binds the canonical text hash of the text at HEAD (a statement with
    uncommitted text changes is refused), names HEAD as its commit, and supersedes the
    partner's last committed record. The commit holds the record (and its signature)
    only, never other work. Every input is checked before anything is written, and the
    read-write-commit of one partner's record holds a lock, so two runs for the same
    partner land one after the other, each superseding the last.
    """
    from . import history
    from .statement import require_no_conflict_markers

    statement = repo.load_statement(statement_id)
    partner = require_partner(repo.partners(), partner_id)
    statement_rel = repo.rel(repo.statement_file(statement_id))
    refuse_closed_statement(statement, "record a position on")
    require_no_conflict_markers(statement, statement_rel)
    invited = statement.endorsement.invited
    if partner_id not in invited:
        listed = f"invited: {', '.join(invited)}" if invited else "no partner is invited yet"
        raise LedgerError(f"partner '{partner_id}' is not invited to endorse '{statement_id}' ({listed}); "
                          f"add it to endorsement.invited in {statement_rel}")
    position = parse_position(position)
    reservations = tuple(reservations)
    if reservations and position not in RESERVING_POSITIONS:
        raise LedgerError(f"reservations need position endorse-with-reservations or no-objection, not {position}")
    if position == "endorse-with-reservations" and not reservations:
        raise LedgerError("position endorse-with-reservations needs at least one reservation")
    refuse_unknown_labels(statement, [r.paragraph for r in reservations if r.paragraph is not None])
    if reason is not None:
        if position not in REASONED_POSITIONS:
            raise LedgerError(f"a reason is recorded with positions object, abstain or withdrawn, not {position}")
        reason = _one_line(reason, "the reason")
    if evidence is not None and evidence.kind == "silence" and position != "no-objection":
        raise LedgerError(f"evidence silence means no objection was raised: it goes with position no-objection, "
                          f"not {position}")
    if date is not None and date > today():
        raise LedgerError(f"the date of the partner's position ({date.isoformat()}) is in the future")
    signatory = _one_line(signatory, "the signatory")
    signatory_signer = next((signer for signer in partner.signers if signatory_is(signer, signatory)), None)
    if signatory_signer is None and not unregistered_signatory:
        registered = ", ".join(signer.name for signer in partner.signers)
        listed = f"it lists {registered}" if registered else "it lists no signers"
        raise SignatoryError(f"'{signatory}' is not a registered signer of {partner.label} in "
                             f"partners/{partner_id}.yaml ({listed}); name a signer by name or principal, or record "
                             "the signatory as unregistered")
    if signatory_signer is not None:
        unregistered_signatory = False
    root = repo.root
    if recorded_by is None:
        recorded_by = history.author_identity(root)
        if recorded_by is None:
            raise LedgerError("cannot tell who is recording this: pass --recorded-by NAME or set git's user.name")
    recorded_by = _one_line(recorded_by, "recorded-by")

    record_path = repo.endorsements_dir(statement_id) / f"{partner_id}.yaml"
    signature_path = record_path.with_name(record_path.name + ".sig")
    record_rel, signature_rel = repo.rel(record_path), repo.rel(signature_path)
    key, signer = _signing_key_of(partner, keyfile) if keyfile is not None else (None, None)
    if signer is not None:
        if unregistered_signatory or signer is not signatory_signer:
            raise SigningError(f"the key {keyfile} is the key of {signer.principal} ({signer.name}), but the "
                               f"signatory is '{signatory}': a signed record is signed by its signatory")
        if evidence is None:
            evidence = Evidence("ssh-signature", signer.principal)

    with history.path_lock(root, f"endorse-{statement_id}-{partner_id}"):
        head = history.head_commit(root)
        _refuse_uncommitted_text(root, head, statement, statement_rel)
        previous = _committed_bytes(root, head, record_rel) if head else None
        record_bytes = render_record(statement_id, partner_id, position, statement.text_sha256, signatory,
                                     recorded_by=recorded_by, commit=head, reservations=reservations,
                                     evidence=evidence, date=date, reason=reason,
                                     unregistered_signatory=unregistered_signatory,
                                     supersedes=hashlib.sha256(previous).hexdigest() if previous is not None else None)
        record, problems = record_from_bytes(record_bytes, record_rel, record_path)
        if problems:
            raise LedgerError(f"the record would not read back: {problems[0]}")
        if commit:
            _refuse_uncommitted_work(root, record_path, record_bytes, (record_rel, signature_rel))
        signature = None
        if key is not None:
            from .signing import sign

            signature = sign(record_bytes, key)

        _write_record(record_path, record_bytes, signature, record_rel)
        summary = f"{describe_position(partner.label, position, statement_id)} (text {statement.text_sha256[:8]})"
        commit_id = None
        if commit:
            from .errors import GitError

            message = f"Endorsement: {summary}\n\nSignatory: {signatory}\nRecorded by: {recorded_by}\n"
            try:
                commit_id = history.commit_only(root, [record_rel, signature_rel], message)
            except GitError as error:
                raise LedgerError(f"{record_rel} is written but not committed: {error.message}") from None
    return Recorded(record, summary, record_path, signature_path if signature else None,
                    signer.principal if signer else None, commit_id)


def refuse_closed_statement(statement, action: str) -> None:
    """LedgerError unless the statement is open (draft, consultation or final): a withdrawn or published
    text takes no more positions or review packets."""
    if statement.status not in OPEN_STATUSES:
        raise LedgerError(f"statement '{statement.id}' is {statement.status}; accord does not {action} a "
                          f"{statement.status} text (only draft, consultation and final texts are open)")


def _refuse_uncommitted_text(root: Path, head: str | None, statement, statement_rel: str) -> None:
    """An endorsement binds committed text only: refuse when the text in the working tree is in no commit."""
    from .errors import StatementError
    from .statement import statement_from_bytes

    committed = _committed_bytes(root, head, statement_rel) if head else None
    if committed is None:
        raise LedgerError(f"{statement_rel} is not committed yet; commit the text first, as an endorsement binds "
                          "committed text only")
    try:
        head_hash = statement_from_bytes(committed, statement_rel).text_sha256
    except StatementError:
        head_hash = None
    if head_hash != statement.text_sha256:
        raise LedgerError(f"{statement_rel} has uncommitted changes to its text; commit them first, as an "
                          "endorsement binds committed text only")


def _refuse_uncommitted_work(root: Path, record_path: Path, record_bytes: bytes, relpaths: tuple[str, ...]) -> None:
    """Never overwrite a record (or signature) someone changed and did not commit.

    The one exception is the record this very command is about to write, byte for byte:
    a run killed between writing it and committing it left it there, and running the
    command again must finish the job rather than refuse it.
    """
    from . import history

    dirty = [rel for rel in relpaths if history.is_dirty(root, rel)]
    if not dirty:
        return
    try:
        left_by_an_interrupted_run = record_path.read_bytes() == record_bytes
    except OSError:
        left_by_an_interrupted_run = False
    if not left_by_an_interrupted_run:
        raise LedgerError(f"{dirty[0]} has uncommitted changes; commit or discard them first, or pass --no-commit")


def render_record(statement_id: str, partner_id: str, position: str, text_hash: str, signatory: str, *,
                  recorded_by: str | None = None, recorded_at: dt.date | None = None, commit: str | None = None,
                  reservations: tuple[Reservation, ...] = (), evidence: Evidence | None = None,
                  supersedes: str | None = None, date: dt.date | None = None, reason: str | None = None,
                  unregistered_signatory: bool = False) -> bytes:
    """The bytes of a record in the form accord writes (and the quick reader takes), keys in DESIGN.md order."""
    fields = {"statement": statement_id, "partner": partner_id, "position": position, "text_sha256": text_hash}
    if commit:
        fields["commit"] = commit
    fields["signatory"] = signatory
    if unregistered_signatory:
        fields["unregistered_signatory"] = True
    if recorded_by:
        fields["recorded_by"] = recorded_by
    fields["recorded_at"] = recorded_at or today()
    if date is not None:
        fields["date"] = date
    if reason:
        fields["reason"] = reason
    if reservations:
        fields["reservations"] = [{**({"paragraph": r.paragraph} if r.paragraph else {}), "text": r.text}
                                  for r in reservations]
    if evidence is not None:
        fields["evidence"] = {"kind": evidence.kind, **({"ref": evidence.ref} if evidence.ref else {})}
    fields["supersedes"] = supersedes
    return dump_yaml(fields).encode("utf-8")


def _signing_key_of(partner, keyfile):
    """The key --sign names, checked to belong to a signer of this partner with an exact principal."""
    from . import signing

    key = signing.signing_key(keyfile)
    signer = _signer_of_key(partner, key.public)
    if signer is None:
        raise SigningError(f"the key {keyfile} ({key.public.fingerprint}) is not the key of a signer of "
                           f"{partner.label} in partners/{partner.id}.yaml")
    if not signer.principal or not signing.is_exact_principal(signer.principal):
        raise SigningError(f"signer {signer.name} of {partner.label} has no exact principal in "
                           f"partners/{partner.id}.yaml, so the signature could not be verified")
    if not signer.valid_on(dt.datetime.now(dt.timezone.utc).date()):
        window = " ".join(part for part in (f"from {signer.valid_after}" if signer.valid_after else "",
                                            f"before {signer.valid_before}" if signer.valid_before else "") if part)
        raise SigningError(f"the key {keyfile} of {signer.principal} is valid only {window} "
                           f"(partners/{partner.id}.yaml)")
    return key, signer


def _write_record(record_path: Path, record_bytes: bytes, signature: bytes | None, record_rel: str) -> None:
    """Each file whole or not at all; a signature only ever beside the bytes it signs."""
    from .fsutil import write_atomic

    signature_path = record_path.with_name(record_path.name + ".sig")
    try:
        _remove_leftovers(record_path)
        if signature is None and signature_path.exists():
            signature_path.unlink()  # it signs the old record; it goes before the new one lands
        write_atomic(record_path, record_bytes)
        if signature is not None:
            write_atomic(signature_path, signature)
    except OSError as error:
        raise LedgerError(f"cannot write {record_rel}: {error.strerror or error}") from None


def _remove_leftovers(record_path: Path) -> None:
    """Remove the temp files (.NAME.*.tmp, fsutil's naming) of this record and its signature that a killed
    earlier run left beside them: `accord check` would rightly call them unexpected files."""
    for name in (record_path.name, record_path.name + ".sig"):
        for leftover in record_path.parent.glob(f".{glob_escape(name)}.*.tmp"):
            leftover.unlink(missing_ok=True)


def _one_line(text: str, what: str) -> str:
    if "\n" in text or "\r" in text:
        raise LedgerError(f"{what} must be one line")
    text = _without_controls(" ".join(text.split()), what)
    if not text:
        raise LedgerError(f"{what} must not be empty")
    return text


def _without_controls(text: str, what: str) -> str:
    """Refuse control characters: a record is printed to terminals and read by people (an ESC could rewrite
    what `accord status` shows; a NUL cannot reach git at all)."""
    import unicodedata

    control = next((char for char in text if unicodedata.category(char) == "Cc"), None)
    if control is not None:
        raise LedgerError(f"{what} must not contain control characters (found U+{ord(control):04X})")
    return text


def _signer_of_key(partner, public_key):
    from .signing import PublicKey

    for signer in partner.signers:
        registered = PublicKey.parse(signer.key) if signer.key else None
        if registered is not None and (registered.type, registered.blob) == (public_key.type, public_key.blob):
            return signer
    return None


def _committed_bytes(root: Path, commit: str, relpath: str) -> bytes | None:
    from .history import git

    result = git(root, "show", f"{commit}:{relpath}", check=False)
    return result.stdout if result.returncode == 0 else None


# -- verification: signatures, names, and the supersedes chain against git history -------------

@dataclass
class RecordCheck:
    """What `verify` found about one record file (or one that git remembers and the tree lacks)."""

    path: str
    partner: str
    signed: bool = False
    principal: str | None = None
    present: bool = True
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"path": self.path, "partner": self.partner, "signed": self.signed, "principal": self.principal,
                "ok": self.ok, "problems": [problem.as_dict() for problem in self.problems]}


def verify_ledger(repo, ids: list[str] | tuple = ()) -> list[RecordCheck]:
    """Check every record of the statements named (all when none), and the registry's key changes.

    For each record: that it names the statement and partner it is filed under; for a
    signed one, that the signature is good and made with the key of a signer of that very
    partner (exact principals only) as the registry stood at the commit that added the
    record, by the signatory it names; and that its `supersedes` chain agrees with the
    file's git history, so a deleted or rolled-back record is reported. The history is
    the whole commit graph (every merge against each parent), read in one pass with the
    registry's. Unsigned records are attested, which is not a failure, but they may not
    replace a signed position. A key added to or replaced in partners/ without
    authorisation (see `registry_key_changes`) is reported too.
    """
    from . import history

    if history.is_shallow(repo.root):
        raise LedgerError("this clone is shallow, and verify needs the ledger's whole git history: "
                          "run git fetch --unshallow (in CI, check out with fetch-depth: 0)")
    partners = repo.partners()
    statement_ids = repo.resolve_ids(list(ids))
    pathspecs = ([f"statements/{statement_id}/endorsements" for statement_id in statement_ids] if ids
                 else [":(glob)statements/*/endorsements/*"])
    past = LedgerHistory.read(repo.root, pathspecs)
    checks: list[RecordCheck] = []
    by_statement: dict[str, set[str]] = {}
    for path in past.versions:
        parts = path.split("/")
        if len(parts) == 4 and parts[0] == "statements" and parts[2] == "endorsements" and path.endswith(".yaml"):
            by_statement.setdefault(parts[1], set()).add(path)
    for statement_id in statement_ids:
        checks.extend(_verify_statement(repo, statement_id, partners, past, by_statement.get(statement_id, set())))
    for change in past.key_changes:
        if change.problem:
            rel = f"partners/{change.partner}.yaml"
            checks.append(RecordCheck(rel, change.partner, problems=[Problem(rel, None, change.problem)]))
    return checks


@dataclass(frozen=True)
class SignedAt:
    """The commit that first held a record's bytes with a signature beside them, and the registry there."""

    commit: str
    epoch: int
    registry_blob: str | None  # partners/<id>.yaml at that commit
    registry_epoch: int  # when that version of the registry file was committed


@dataclass(frozen=True)
class KeyChange:
    """A key added to (or replacing one in) partners/<id>.yaml by one commit; problem says why it is not authorised."""

    partner: str
    commit: str
    principal: str
    key: object  # accord.signing.PublicKey
    problem: str | None = None


class LedgerHistory:
    """Every committed version of the ledger's and the registry's files, read with two git processes."""

    def __init__(self, versions: dict, signed_in: dict, blobs: dict, key_changes: list, registry_now: dict):
        self.versions = versions  # path -> [(commit, blob id or None where deleted)], parents before children
        self.signed_in = signed_in  # record path -> {blob id: SignedAt}
        self.blobs = blobs  # blob id -> bytes, for records and registry files
        self.key_changes = key_changes  # [KeyChange], oldest first
        self.registry_now = registry_now  # partner id -> blob id of partners/<id>.yaml at HEAD

    @classmethod
    def read(cls, root: Path, pathspecs: list[str]) -> "LedgerHistory":
        from . import history

        changes = history.full_paths_history(root, *pathspecs, "partners", "accord.yaml")
        versions: dict[str, list[tuple[str, str | None]]] = {}
        signed_in: dict[str, dict[str, SignedAt]] = {}
        state: dict[str, str | None] = {}
        committed_at: dict[str, int] = {}
        registry_events = []
        start = 0
        while start < len(changes):
            end = start
            while end < len(changes) and changes[end].commit == changes[start].commit:
                end += 1
            group = changes[start:end]
            commit, epoch = group[0].commit, group[0].epoch
            settings_before = state.get("accord.yaml")
            by_path: dict[str, list] = {}
            for change in group:
                by_path.setdefault(change.path, []).append(change)
                state[change.path] = change.new_blob
                committed_at[change.path] = epoch
            for path, path_changes in by_path.items():
                if path.startswith("statements/"):
                    versions.setdefault(path, []).append((commit, path_changes[0].new_blob))
            for record_path in {path.removesuffix(".sig") for path in by_path if path.startswith("statements/")}:
                if state.get(record_path) and state.get(record_path + ".sig"):
                    partner_file = f"partners/{record_path.rsplit('/', 1)[1]}"
                    signed_in.setdefault(record_path, {}).setdefault(state[record_path], SignedAt(
                        commit, epoch, state.get(partner_file), committed_at.get(partner_file, 0)))
            for path in {path.removesuffix(".sig") for path in by_path if path.startswith("partners/")}:
                if not (path.endswith(".yaml") and path.count("/") == 1 and state.get(path)):
                    continue
                path_changes = by_path.get(path, [])
                if path_changes:
                    # a merge whose file equals one parent's brings in nothing that parent's history did not check
                    if len(path_changes) < max(group[0].parents, 1):
                        continue
                    old_blobs = [c.old_blob for c in path_changes]
                elif not state.get(path + ".sig"):
                    continue
                else:
                    old_blobs = None  # the file is unchanged and signed anew: a ratification of its keys
                registry_events.append(RegistryEvent(commit, path[9:-5], state[path], old_blobs,
                                                     state.get(path + ".sig"), settings_before))
            start = end
        wanted = [blob for path, items in versions.items() if path.endswith(".yaml") for _, blob in items if blob]
        for event in registry_events:
            wanted += [event.new_blob, *(event.old_blobs or ()), event.signature_blob, event.settings_blob]
        registry_now = {path[9:-5]: blob for path, blob in state.items()
                        if path.startswith("partners/") and path.endswith(".yaml") and blob}
        wanted += [*registry_now.values(), *(s.registry_blob for found in signed_in.values() for s in found.values())]
        blobs = history.read_blobs(root, [blob for blob in wanted if blob], env=history.NO_REPLACEMENTS)
        return cls(versions, signed_in, blobs, _judge_registry(blobs, registry_events), registry_now)

    def of(self, relpath: str) -> list[tuple[str, bytes | None]]:
        return [(commit, self.blobs.get(blob) if blob else None) for commit, blob in self.versions.get(relpath, [])]

    def signed_versions(self, relpath: str) -> dict[str, SignedAt]:
        """sha256 of each version of a record that was committed with a signature -> where."""
        return {hashlib.sha256(self.blobs[blob]).hexdigest(): signed_at
                for blob, signed_at in self.signed_in.get(relpath, {}).items() if blob in self.blobs}

    def registry_at(self, partner_id: str, blob: str | None):
        """The partner as partners/<id>.yaml read at some commit, or None when it did not read."""
        from .partners import parse_partner

        data = self.blobs.get(blob) if blob else None
        if data is None:
            return None
        partner, _ = parse_partner(data.decode("utf-8", "replace"), f"partners/{partner_id}.yaml")
        return partner  # with a malformed key of someone else reported by check, the rest still judges

    def unauthorised_key(self, partner_id: str, public_key) -> KeyChange | None:
        """The latest change that put this key into the partner's file, if it was not authorised (nor ratified since)."""
        latest = None
        for change in self.key_changes:
            if change.partner == partner_id and change.key == public_key:
                latest = change
        return latest if latest is not None and latest.problem else None


def _registry_keys(data: bytes | None) -> dict[str, object]:
    """principal -> PublicKey of every signer with a key, read leniently (an old version may not validate)."""
    from .signing import PublicKey

    if data is None:
        return {}
    try:
        tree = load_yaml(data.decode("utf-8", "replace"))
    except YAMLProblem:
        return {}
    signers = tree.get("signers") if isinstance(tree, dict) else None
    keys = {}
    for signer in signers if isinstance(signers, list) else []:
        if isinstance(signer, dict) and isinstance(signer.get("key"), str):
            key = PublicKey.parse(signer["key"])
            if key is not None:
                keys[str(signer.get("principal") or signer.get("name") or "?")] = key
    return keys


def _secretariat_keys(data: bytes | None) -> list:
    from .signing import PublicKey

    if data is None:
        return []
    try:
        tree = load_yaml(data.decode("utf-8", "replace"))
    except YAMLProblem:
        return []
    listed = tree.get("secretariat-keys") if isinstance(tree, dict) else None
    return [key for key in (PublicKey.parse(text) for text in listed if isinstance(text, str))
            if key is not None] if isinstance(listed, list) else []


@dataclass(frozen=True)
class RegistryEvent:
    """A commit that changed partners/<id>.yaml (old_blobs: its versions in the parents) or only signed it anew."""

    commit: str
    partner: str
    new_blob: str
    old_blobs: list | None  # None: the file is unchanged and its signature is new
    signature_blob: str | None
    settings_blob: str | None  # accord.yaml before the commit


def _judge_registry(blobs: dict, events: list[RegistryEvent]) -> list[KeyChange]:
    """Every key added to or replaced in partners/, oldest first, each judged: was the change authorised?

    The design (README, "Who may change a key"): the commit must carry partners/<id>.yaml.sig,
    an SSH signature (namespace accord-registry) of the file's new bytes made with the key of
    another signer of that partner whose key the commit leaves alone (and which was itself
    authorised), or with a secretariat key listed in accord.yaml before the commit. A
    secretariat signature of the file, in a later commit, ratifies every key the file then
    holds: that is how keys committed before this rule, or without authorisation, are vouched for.
    """
    changes: list[KeyChange] = []
    for event in events:
        new_keys = _registry_keys(blobs.get(event.new_blob))
        secretariat = {("secretariat", key) for key in _secretariat_keys(blobs.get(event.settings_blob))}
        tainted = {(c.principal, c.key) for c in changes if c.partner == event.partner and c.problem}
        if event.old_blobs is None:
            problem, authoriser = _registry_signature_problem(blobs, event, secretariat)
            if problem is None:
                changes = _ratify(changes, event.partner, new_keys)
            continue
        old_keys = [_registry_keys(blobs.get(blob)) if blob else {} for blob in event.old_blobs]
        added = {principal: key for principal, key in new_keys.items()
                 if not any(keys.get(principal) == key for keys in old_keys)}
        if not added:
            continue
        others = {(principal, key) for keys in old_keys for principal, key in keys.items()
                  if principal not in added and new_keys.get(principal) == key and (principal, key) not in tainted}
        problem, authoriser = _registry_signature_problem(blobs, event, others | secretariat)
        if problem is None and authoriser == "secretariat":
            changes = _ratify(changes, event.partner, new_keys)
        for principal, key in sorted(added.items()):
            verb = "replaced" if any(principal in keys for keys in old_keys) else "added"
            message = (f"key of {principal} {verb} in commit {event.commit[:7]} without authorisation: {problem}"
                       if problem else None)
            changes.append(KeyChange(event.partner, event.commit, principal, key, message))
    return changes


def _ratify(changes: list[KeyChange], partner_id: str, keys: dict) -> list[KeyChange]:
    return [replace(change, problem=None) if change.partner == partner_id and keys.get(change.principal) == change.key
            else change for change in changes]


def _registry_signature_problem(blobs: dict, event: RegistryEvent, authorisers: set) -> tuple[str | None, str | None]:
    """(why partners/<id>.yaml.sig does not authorise the file's bytes, or None; the principal whose key signed)."""
    from . import signing

    rel = f"partners/{event.partner}.yaml"
    signature = blobs.get(event.signature_blob) if event.signature_blob else None
    if signature is None:
        return (f"no {rel}.sig in that commit; a key change must be signed by another signer of "
                f"'{event.partner}' or by a secretariat key in accord.yaml (accord authorise-keys)"), None
    parsed = signing.Signature.parse(signature)
    if parsed is None or parsed.namespace != signing.REGISTRY_NAMESPACE:
        return f"{rel}.sig in that commit is not an SSH signature in namespace '{signing.REGISTRY_NAMESPACE}'", None
    authoriser = next((principal for principal, key in sorted(authorisers, key=lambda pk: pk[0]) if key == parsed.key),
                      None)
    if authoriser is None:
        return (f"{rel}.sig is signed with a key ({parsed.key.fingerprint}) that may not authorise it: "
                f"only another signer of '{event.partner}' or a secretariat key in accord.yaml may"), None
    line = f'{authoriser} namespaces="{signing.REGISTRY_NAMESPACE}" {parsed.key.line}\n'
    reason = signing.verify(blobs[event.new_blob], signature, line, authoriser, namespace=signing.REGISTRY_NAMESPACE)
    if reason is not None:
        return f"{rel}.sig does not match the file as committed: {reason}", None
    return None, authoriser


def _verify_statement(repo, statement_id: str, partners: dict, past: LedgerHistory, in_history: set[str]) -> list[RecordCheck]:
    folder = repo.endorsements_dir(statement_id)
    folder_rel = f"statements/{statement_id}/endorsements"
    present = set(os.listdir(folder)) if folder.is_dir() else set()
    record_paths = sorted({f"{folder_rel}/{name}" for name in present
                           if name.endswith(".yaml") and not name.startswith(".")} | in_history)
    checks = []
    for record_rel in record_paths:
        name = record_rel.rsplit("/", 1)[1]
        check = RecordCheck(record_rel, name[:-5], present=name in present)
        try:
            current = read_repo_bytes(folder / name) if check.present else None
        except LinkRefused as refused:  # named, never read: it could be any file on the machine
            current = None
            check.problems.append(Problem(refused.path, None, refused.message))
        if current is not None:
            has_signature = name + ".sig" in present
            signed_at = past.signed_in.get(record_rel, {}).get(_git_blob_id(current))
            record = _check_record(repo, check, statement_id, folder / name, current, has_signature, partners,
                                   past, signed_at)
            if signed_at and not has_signature:
                check.problems.append(Problem(record_rel, None, f"signature removed: this record was committed "
                                                                f"with one in commit {signed_at.commit[:7]}"))
            elif record is not None and not has_signature and record.position != "object":
                replaced = past.signed_versions(record_rel).get(record.supersedes)
                if replaced is not None:
                    check.problems.append(Problem(record_rel, None, (
                        f"an unsigned record supersedes the signed record of commit {replaced.commit[:7]}: "
                        "only a signed record (or an objection) may replace a signed position")))
        check.problems.extend(Problem(record_rel, None, message)
                              for message in _chain_problems(past.of(record_rel), current))
        checks.append(check)
    for name in sorted(present):
        if name.endswith(".yaml.sig") and name[:-4] not in present:
            checks.append(RecordCheck(f"{folder_rel}/{name}", name[:-9], problems=[
                Problem(f"{folder_rel}/{name}", None, "signature without its record")]))
    return checks


def _check_record(repo, check: RecordCheck, statement_id: str, path: Path, data: bytes, has_signature: bool,
                  partners: dict, past: LedgerHistory, signed_at: SignedAt | None) -> Record | None:
    record, problems = record_from_bytes(data, check.path, path)
    check.problems.extend(problems)
    if record is not None:
        if record.statement != statement_id:
            check.problems.append(Problem(check.path, None, f"record names statement '{record.statement}', "
                                                            f"but it is filed under '{statement_id}'"))
        if record.partner != check.partner:
            check.problems.append(Problem(check.path, None, f"record names partner '{record.partner}', "
                                                            f"but its file is '{check.partner}.yaml'"))
    if check.partner not in partners:
        check.problems.append(Problem(check.path, None, f"record of unknown partner '{check.partner}'"))
        return record
    if has_signature:
        check.signed = True
        signature_path = path.with_name(path.name + ".sig")
        # the registry as it stood where the signed record was committed (else as committed now; else the files)
        if signed_at is not None:
            registry, at = past.registry_at(check.partner, signed_at.registry_blob), max(signed_at.epoch,
                                                                                        signed_at.registry_epoch)
        else:
            registry, at = past.registry_at(check.partner, past.registry_now.get(check.partner)), None
        judged = {**partners, check.partner: registry or partners[check.partner]}
        message, check.principal = _signature_problem(read_repo_bytes(signature_path), data, check.partner, judged,
                                                      past, at, record)
        if message:
            check.problems.append(Problem(check.path, None, message))
    return record


def _signature_problem(signature: bytes, data: bytes, partner_id: str, partners: dict, past: LedgerHistory | None = None,
                       at: int | None = None, record: Record | None = None) -> tuple[str | None, str | None]:
    """(what is wrong, or None; the principal that signed)."""
    from . import signing
    from .partners import allowed_signers

    parsed = signing.Signature.parse(signature)
    if parsed is None:
        return "the signature file is not an SSH signature", None
    if parsed.namespace != signing.NAMESPACE:
        return f"signed for namespace '{parsed.namespace}', not '{signing.NAMESPACE}'", None
    partner = partners[partner_id]
    signer = _signer_of_key(partner, parsed.key)
    if signer is None:
        for other in partners.values():
            other_signer = _signer_of_key(other, parsed.key)
            if other_signer is not None:
                who = other_signer.principal or other_signer.name
                return f"signed with the key of {who} ({other.label}), who does not sign for {partner.label}", None
        return f"signed with a key ({parsed.key.fingerprint}) that no signer in partners/ holds", None
    if not signer.principal or not signing.is_exact_principal(signer.principal):
        return (f"signed by {signer.name} of {partner.label}, whose principal in partners/{partner_id}.yaml "
                "is missing or not an exact identity"), None
    tainted = past.unauthorised_key(partner_id, parsed.key) if past is not None else None
    if tainted is not None:
        return (f"signed with the key of {signer.principal}, which commit {tainted.commit[:7]} put into "
                f"partners/{partner_id}.yaml without authorisation"), None
    day = dt.datetime.fromtimestamp(at, dt.timezone.utc).date() if at is not None else None
    if day is not None and not signer.valid_on(day):
        window = " ".join(part for part in (f"from {signer.valid_after}" if signer.valid_after else "",
                                            f"before {signer.valid_before}" if signer.valid_before else "") if part)
        return (f"signed with the key of {signer.principal}, valid only {window}, in a record committed "
                f"on {day.isoformat()}"), None
    exact = replace(partner, signers=tuple(s for s in partner.signers
                                           if s.principal and signing.is_exact_principal(s.principal)))
    reason = signing.verify(data, signature, allowed_signers({partner_id: exact}), signer.principal, at=at)
    if reason is not None:
        if "incorrect signature" in reason:
            return "the signature does not match the record: it was changed after it was signed", None
        return f"the signature does not verify: {reason}", None
    if record is not None and not signatory_is(signer, record.signatory):
        return (f"signed by {signer.principal} ({signer.name}), but the record names signatory "
                f"'{record.signatory}'"), None
    return None, signer.principal


def signatory_is(signer, signatory: str) -> bool:
    """Whether a record's signatory text names this registered signer: by principal, or by name
    (alone or followed by a comma and a title)."""
    text = " ".join(signatory.split()).casefold()
    name = " ".join(signer.name.split()).casefold()
    return text == name or text.startswith(name + ",") or bool(signer.principal) and text == signer.principal.casefold()


def _chain_problems(versions: list[tuple[str, bytes | None]], current: bytes | None) -> list[str]:
    """Compare a record file's versions in git (oldest first; None where deleted) and in the tree.

    The chain's head is the newest version that supersedes the head before it. A version
    off the chain (a rollback, an edit in place, a record recreated after a deletion) is
    reported while the file is off the chain; restoring the head (say, by `git revert`)
    or recording a new position that supersedes it mends the chain.
    """
    seen: dict[str, str] = {}  # sha256 of each committed version -> its first commit
    head: tuple[str, str, bytes] | None = None  # (sha256, commit, bytes) of the chain's newest record
    last: tuple[str, str, bytes] | None = None  # the last committed version, on the chain or not
    first_break: str | None = None
    deleted_in: str | None = None
    for commit, data in versions:
        if data is None:
            deleted_in = commit
            continue
        sha = hashlib.sha256(data).hexdigest()
        if head is not None and sha == head[0]:
            first_break = None  # the head is back
        elif _field(data, "supersedes") == (head[0] if head else None):
            head, first_break = (sha, commit, data), None
        elif first_break is None:
            first_break = _break(data, head, seen, f"commit {commit[:7]}", deleted_in)
        seen.setdefault(sha, commit)
        last, deleted_in = (sha, commit, data), None
    if current is None:
        if last is None:
            return []
        position = _field(last[2], "position") or "unknown"
        where = f"in commit {deleted_in[:7]}" if deleted_in else "from the working tree"
        return [f"record deleted {where}; its last version (commit {last[1][:7]}) records position {position}"]
    sha = hashlib.sha256(current).hexdigest()
    if last is not None and sha == last[0] and not deleted_in:
        return [first_break] if first_break else []
    if head is not None and sha == head[0]:
        return []
    if _field(current, "supersedes") == (head[0] if head else None):
        return []
    return [first_break or _break(current, head, seen, "the working tree (uncommitted)", deleted_in)]


def _break(data: bytes, head, seen: dict[str, str], where: str, deleted_in: str | None) -> str:
    """Say how a version fails to supersede the chain's head."""
    if head is None:
        return f"the version in {where} supersedes a record that is not in git history"
    supersedes = _field(data, "supersedes")
    newest = f"the record of commit {head[1][:7]}"
    sha = hashlib.sha256(data).hexdigest()
    if sha in seen:
        return f"rolled back in {where}: it restores the version of commit {seen[sha][:7]}, hiding {newest}"
    if deleted_in:
        return f"recreated in {where} after its deletion in commit {deleted_in[:7]}, without superseding {newest}"
    if supersedes == _field(head[2], "supersedes"):
        return f"edited in {where}: it replaces {newest} without superseding it"
    if supersedes in seen:
        return f"rolled back in {where}: it supersedes the version of commit {seen[supersedes][:7]}, not the newer {newest}"
    return f"supersedes chain broken in {where}: it does not supersede {newest}"


def _field(data: bytes, key: str) -> str | None:
    """One top-level value of a record's bytes, even of an old version that no longer validates."""
    record, _ = record_from_bytes(data, "")
    if record is not None:
        return getattr(record, key)
    text = data.decode("utf-8", "replace")
    try:
        tree = load_yaml(text)
    except YAMLProblem:
        tree = None
    value = tree.get(key) if isinstance(tree, dict) else None
    return value if isinstance(value, str) else None


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
