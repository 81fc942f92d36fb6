"""The ledger's record model: the positions and evidence a record may hold, its schema, and its types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..schema import Field, Schema

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
