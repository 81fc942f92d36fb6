"""The ledger's record model: the positions and evidence a record may hold, its schema, and its types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..schema import field, schema_of
from .positions import COUNTING_POSITIONS, POSITIONS, REASONED_POSITIONS, RESERVING_POSITIONS, Position

__all__ = ["COUNTING_POSITIONS", "EVIDENCE", "EVIDENCE_KINDS", "OPEN_STATUSES", "POSITIONS", "REASONED_POSITIONS",
           "RECORD", "RESERVATION", "RESERVING_POSITIONS", "Endorser", "Evidence", "Position", "Record", "Reservation"]

EVIDENCE_KINDS = ("ssh-signature", "letter", "note-verbale", "email", "meeting", "url", "silence", "portal", "none")
OPEN_STATUSES = ("draft", "consultation", "final")  # a text takes positions and review packets in these only

@dataclass(frozen=True)
class Reservation:
    schema_name = "reservation"

    text: str = field("text", "The reservation as the partner worded it.", required=True)
    # a label such as "10(f)"; a plain int in records made before labels
    paragraph: str | int | None = field("label", "The paragraph label (10, 10(f)) the reservation is about, if any.",
                                        default=None)


@dataclass(frozen=True)
class Evidence:
    schema_name = "evidence"

    kind: str = field("text", "What proves the position.", required=True, choices=EVIDENCE_KINDS)
    ref: str | None = field("text", "Where the proof is: a letter reference, a message id, a URL.", default=None)

    @property
    def portal(self) -> bool:
        """Whether this says the partner portal recorded the position (portal:AUDIT-ID): only the portal's
        signature can back that (ledger.verify), and only the portal writes it (ledger.endorse)."""
        return self.kind == "portal"


@dataclass(frozen=True)
class Record:
    """One partner's current record on one statement, as stored in endorsements/<partner>.yaml.

    The fields are declared in the order of the file (DESIGN.md §2), which is also the order problems
    are reported in; those a record may lack are keyword-only, so the constructor reads
    Record(statement, partner, position, text_sha256, signatory, recorded_at, ...).
    """

    schema_name = "endorsement record"

    statement: str = field("slug", "The statement id the record is about.", required=True)
    partner: str = field("slug", "The partner whose position this is.", required=True)
    # a str too: a record read from any source compares and prints as its YAML value
    position: Position = field("text", "The partner's position.", required=True, choices=POSITIONS)
    text_sha256: str = field("sha256", "The canonical text hash the position was taken on.", required=True)
    commit: str | None = field("text", "The git commit whose text was endorsed (a convenience, not trusted).",
                               default=None, kw_only=True)
    signatory: str = field("text", "Who signed for the partner, with their title.", required=True)
    recorded_by: str | None = field("text", "Who typed the record in.", default=None, kw_only=True)
    recorded_at: dt.date = field("date", "When the record was made.", required=True)
    date: dt.date | None = field("date", "The date of the partner's letter, note or meeting that states the position.",
                                 default=None)
    reason: str | None = field("text", "Why the partner objects, abstains or withdraws, as it said.", default=None)
    unregistered_signatory: bool | None = field(
        "bool", "True when the signatory is not a signer in partners/ (said plainly).", default=None)
    reservations: tuple[Reservation, ...] = field("list:map", "Reservations, each optionally tied to a paragraph.",
                                                  of=Reservation, default=())
    evidence: Evidence | None = field("map", "What proves the position.", of=Evidence, default=None)
    supersedes: str | None = field("sha256", "SHA-256 of the bytes of the record this one replaces.", default=None)
    path: Path | None = None
    record_sha256: str | None = None

    def __post_init__(self) -> None:
        if type(self.position) is not Position:
            object.__setattr__(self, "position", Position(self.position))

    @property
    def counting(self) -> bool:
        """Whether the position counts towards the gate (staleness aside)."""
        return self.position.counting

    @property
    def claims_portal(self) -> bool:
        """Whether the record says the partner portal recorded it (Evidence.portal)."""
        return self.evidence is not None and self.evidence.portal

    def filing_problems(self, statement_id: str, partner_id: str) -> list[tuple[str, str]]:
        """(key, message) for each way the record disagrees with where it is filed:
        statements/<statement_id>/endorsements/<partner_id>.yaml. The one home of that rule."""
        problems = []
        if self.statement != statement_id:
            problems.append(("statement", f"record names statement '{self.statement}', "
                                          f"but it is filed under '{statement_id}'"))
        if self.partner != partner_id:
            problems.append(("partner", f"record names partner '{self.partner}', but its file is '{partner_id}.yaml'"))
        return problems


RESERVATION = schema_of(Reservation)
EVIDENCE = schema_of(Evidence)
RECORD = schema_of(Record)


@dataclass(frozen=True)
class Endorser:
    """A partner holding a current counting position: one line of a signatory block, one entry of a release manifest."""

    schema_name = "endorser"

    partner: str = field("slug", "The partner's id.", required=True)
    name: str = field("text", "The partner's name.", required=True)
    short: str | None = field("text", "The partner's short name, if it has one.")
    position: Position = field("text", "The partner's counting position.", required=True, choices=COUNTING_POSITIONS)
    signatory: str = field("text", "Who signed for the partner, with their title.", required=True)
    reservations: tuple[Reservation, ...] = field("list:map", "The partner's reservations.", of=Reservation,
                                                  default=())

    def __post_init__(self) -> None:
        if type(self.position) is not Position:
            object.__setattr__(self, "position", Position(self.position))

    @property
    def partner_id(self) -> str:  # the name the signatory block used before the types were one
        return self.partner

    @property
    def position_note(self) -> str | None:
        """What to print beside the name when the position is not a plain endorsement."""
        return self.position.note

    def as_dict(self) -> dict:
        """The manifest's form (see README, "JSON contracts")."""
        return {"partner": self.partner, "name": self.name, "short": self.short, "position": str(self.position),
                "signatory": self.signatory,
                "reservations": [{"paragraph": r.paragraph, "text": r.text} for r in self.reservations]}
