"""`accord round status`: per partner, sent, returned, position in the round, late or overdue; and the deadline.

Deadlines are aware times: a partner is overdue only once the deadline has
passed in the round's own time zone, and a position recorded on a later day
than the deadline's (in that zone) is late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..ledger.positions import Position
from .model import Return, Round, latest_round, now, open_round_of, read_rounds, show_time, time_left, zone

if TYPE_CHECKING:
    from ..repo import Repo


@dataclass(frozen=True)
class PartnerState:
    """Where one partner of a round stands."""

    partner: str
    label: str
    sent: bool
    returns: tuple[Return, ...]
    position: str | None = None
    position_on_round_text: bool = False
    recorded_at: dt.date | None = None
    late: bool = False
    overdue: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.returns) or self.position_on_round_text or self.position == Position.OBJECT

    def as_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "label": self.label, "sent": self.sent,
                "returned": [{"file": r.file, "branch": r.branch, "imported_at": r.imported_at.isoformat(),
                              "edits": r.edits, "conflicts": r.conflicts, "comments": len(r.comments)}
                             for r in self.returns],
                "position": self.position, "position_on_round_text": self.position_on_round_text,
                "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
                "late": self.late, "overdue": self.overdue}


@dataclass(frozen=True)
class RoundStatus:
    """A round as it stands at `at`: its deadline, time left, and every partner's state."""

    statement_id: str
    round: Round
    at: dt.datetime
    partners: tuple[PartnerState, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return self.round.passed(self.at)

    @property
    def deadline(self) -> str:
        return show_time(self.round.deadline, self.round.timezone)

    @property
    def time_left(self) -> str:
        return time_left(self.round.deadline, self.at)

    @property
    def overdue(self) -> list[PartnerState]:
        return [state for state in self.partners if state.overdue]

    @property
    def late(self) -> list[PartnerState]:
        return [state for state in self.partners if state.late]

    @property
    def returned(self) -> list[PartnerState]:
        return [state for state in self.partners if state.returns]

    def as_dict(self) -> dict[str, Any]:
        item = self.round
        return {"statement": self.statement_id, "round": item.number, "open": item.is_open, "mode": item.mode,
                "opened": item.opened.isoformat(), "deadline": item.deadline.isoformat(),
                "timezone": item.timezone, "deadline_passed": self.passed, "time_left": self.time_left,
                "text_sha256": item.text_sha256, "commit": item.commit,
                "closed": item.closed.as_yaml() if item.closed else None,
                "partners": [state.as_dict() for state in self.partners]}


def round_status(repo: Repo, statement_id: str, *, at: dt.datetime | None = None) -> RoundStatus:
    """The open round of a statement (else its last round) as it stands now."""
    repo.require_statement(statement_id)
    _, item = latest_round(repo, statement_id)
    return status_of(repo, statement_id, item, at=at)


def status_of(repo: Repo, statement_id: str, item: Round, *, at: dt.datetime | None = None) -> RoundStatus:
    from ..ledger import read_records

    moment = at or now()
    records, _ = read_records(repo, statement_id)
    registry = repo.partners()
    sent = {packet.partner for packet in item.packets}
    deadline_day = item.deadline.astimezone(zone(item.timezone)).date()
    states = []
    for partner_id in item.partners:
        partner = registry.get(partner_id)
        record = records.get(partner_id)
        on_text = record is not None and record.text_sha256 == item.text_sha256
        position = record.position if record is not None and (on_text or record.position == Position.OBJECT) else None
        returns = tuple(item.returns_of(partner_id))
        recorded_at = record.recorded_at if record is not None else None
        late = on_text and recorded_at is not None and recorded_at > deadline_day
        state = PartnerState(partner_id, partner.label if partner else partner_id, partner_id in sent, returns,
                             position, on_text, recorded_at if position else None, late)
        overdue = item.passed(moment) and not state.answered and item.closed is None
        states.append(PartnerState(**{**state.__dict__, "overdue": overdue}))
    return RoundStatus(statement_id, item, moment, tuple(states))


def open_rounds(repo: Repo, *, at: dt.datetime | None = None) -> list[RoundStatus]:
    """The open round of every statement that has one, by statement id."""
    moment = at or now()
    result = []
    for statement_id in repo.statement_ids():
        item = open_round_of(read_rounds(repo, statement_id))
        if item is not None:
            result.append(status_of(repo, statement_id, item, at=moment))
    return result


def status_lines(repo: Repo, statement_id: str) -> list[str]:
    """What `accord status ID` adds about rounds: the open round's deadline, who is overdue, who was late."""
    rounds = read_rounds(repo, statement_id)
    if not rounds:
        return []
    item = open_round_of(rounds) or rounds[-1]
    state = status_of(repo, statement_id, item)
    lines = []
    if item.is_open:
        lines.append(f"Round {item.number} open ({item.mode} mode): deadline {state.deadline}, {state.time_left}")
        if state.overdue:
            lines.append(f"Overdue: {', '.join(p.label for p in state.overdue)}")
    for partner in state.late:
        lines.append(f"Late: {partner.label} recorded {partner.position} on "
                     f"{partner.recorded_at.isoformat() if partner.recorded_at else '?'}, "
                     f"after the round {item.number} deadline")
    return lines


def status_json(repo: Repo, statement_id: str) -> dict[str, Any] | None:
    """The latest round of a statement for `accord status ID --json`, or None when it has had none."""
    rounds = read_rounds(repo, statement_id)
    if not rounds:
        return None
    return status_of(repo, statement_id, open_round_of(rounds) or rounds[-1]).as_dict()
