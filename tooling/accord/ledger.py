"""The endorsement ledger: records of which partner took which position on which exact text."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import LedgerError, Problem
from .schema import Field, Schema
from .yamlio import YAMLProblem, load_yaml, read_text_file

POSITIONS = ("endorse", "endorse-with-reservations", "no-objection", "abstain", "object", "withdrawn")
COUNTING_POSITIONS = ("endorse", "endorse-with-reservations", "no-objection")
EVIDENCE_KINDS = ("ssh-signature", "letter", "email", "url", "none")

RESERVATION = Schema("reservation", (
    Field("paragraph", "int", "The paragraph the reservation is about, if any.", minimum=1),
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
    Field("reservations", "list:map", "Reservations, each optionally tied to a paragraph.", default=(), schema=RESERVATION),
    Field("evidence", "map", "What proves the position.", schema=EVIDENCE),
    Field("supersedes", "sha256", "SHA-256 of the bytes of the record this one replaces."),
))


@dataclass(frozen=True)
class Reservation:
    text: str
    paragraph: int | None = None


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
    text, problem = read_text_file(path, display)
    if problem:
        return None, [problem]
    return parse_record(path.read_bytes(), text, display, path)


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
    """
    records, problems = read_records(repo, statement.id)
    if problems:
        raise problems[0].error(LedgerError)
    partners = repo.partners()
    entries = []
    for partner_id, record in records.items():
        if not record.counting or record.text_sha256 != statement.text_sha256:
            continue
        partner = partners.get(partner_id)
        if partner is None:
            raise LedgerError(f"unknown partner '{partner_id}'", path=repo.rel(record.path))
        entries.append(SignatoryEntry(partner_id, partner.name, partner.short, record.position,
                                      record.signatory, record.reservations))
    settings = repo.settings
    order = {pid: index for index, pid in enumerate(settings.partners_order)} if settings.signatory_order == "registry" else {}
    return sorted(entries, key=lambda e: (order.get(e.partner_id, len(order)), e.name.casefold()))
