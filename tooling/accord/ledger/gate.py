"""Positions, staleness and the gate: where each statement stands in the ledger, and its signatory block."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LedgerError, Problem
from ..fsutil import link_on_the_way
from ..statement import Statement, with_earlier_bindings
from .memo import ParseMemo, StatementSummary
from .reading import bulk_reading, read_record, read_records
from .positions import POSITION_LETTERS, Position
from .records import Endorser, Record

if TYPE_CHECKING:
    from ..partners import Partner
    from ..repo import Repo
    from ..statement import Statement


SignatoryEntry = Endorser  # the signatory block's line and the manifest's endorser are one type


def signatories(repo: Repo, statement: Statement) -> list[Endorser]:
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
            raise LedgerError(f"unknown partner '{partner_id}'", path=repo.rel(record.path) if record.path else None)
    entries = [Endorser(s.partner, s.name, s.short, s.record.position, s.record.signatory, s.record.reservations)
               for s in evaluate(with_earlier_bindings(repo, statement, records.values()), records, partners).standings
               if s.counting]
    settings = repo.settings
    order = {pid: index for index, pid in enumerate(settings.partners_order)} if settings.signatory_order == "registry" else {}
    return sorted(entries, key=lambda e: (order.get(e.partner, len(order)), e.name.casefold()))


# -- positions, staleness and the gate -------------------------------------------------

__all__ = ["POSITION_LETTERS", "Endorser", "Gate", "LedgerStatus", "SignatoryEntry", "Standing", "UnreadableStatement",
           "describe_position", "evaluate", "ledger_status", "ledger_statuses", "release_gate", "signatories",
           "status_reason"]


def describe_position(partner_label: str, position: str, statement_id: str) -> str:
    """'UNICEF endorses 2010-child-protection': the position as a sentence."""
    return Position(position).phrase(partner_label, statement_id)


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
    short: str | None = None  # the partner's short name, None when it has none (label is then its name)

    @property
    def vouched(self) -> str:
        """How the record is vouched for, in a word: 'signed' by a signer of the partner, 'portal' (signed with
        the partner portal's key for a user it signed in: the portal attests, the partner did not sign),
        or 'attested' (no signature)."""
        if not self.signed:
            return "attested"
        return "portal" if self.record.claims_portal else "signed"

    @property
    def counting(self) -> bool:
        """Counts towards the gate: a counting position taken on the current text by an invited partner."""
        return self.current and self.record.counting and self.invited

    @property
    def objecting(self) -> bool:
        """An objection stays in force across text changes until the partner records another position."""
        return self.record.position.binding_across_versions

    def as_dict(self) -> dict[str, Any]:
        """One entry of `status --json` (see README, "JSON contracts")."""
        record = self.record
        return {
            "partner": self.partner, "name": self.name, "short": self.short, "position": str(record.position),
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

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems)}


@dataclass(frozen=True)
class LedgerStatus:
    """Where a statement stands: its text hash, each partner's position, who is pending, the gate."""

    statement: Statement | StatementSummary
    standings: tuple[Standing, ...]
    pending: tuple[str, ...]
    gate: Gate
    labels: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return self.statement.id

    def as_dict(self) -> dict[str, Any]:
        statement = self.statement
        positions = [standing.as_dict() for standing in self.standings]
        return {
            "id": statement.id, "title": statement.title, "status": statement.status,
            "text_sha256": statement.text_sha256,
            # each made once: the endorsements are copies of their positions' entries
            "endorsements": [dict(entry) for standing, entry in zip(self.standings, positions)
                             if standing.record.counting],
            "positions": positions,
            "pending": list(self.pending), "gate": self.gate.as_dict(),
        }


def evaluate(statement: Statement, records: dict[str, Record], partners: dict[str, Partner],
             signed: set[str] | frozenset[str] = frozenset(),
             record_problems: list[Problem] | tuple[Problem, ...] = (), order: list[str] | None = None,
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
        misfiled = record.filing_problems(statement.id, partner_id)
        if misfiled:
            problems.append(f"{_display(record)}: {misfiled[0][1]}")
            continue
        partner = partners.get(partner_id)
        if partner is None:
            problems.append(f"{_display(record)}: record of unknown partner '{partner_id}'")
            continue
        standings.append(Standing(partner_id, partner.label, partner.name, record,
                                  current=statement.binds(record.text_sha256, record.commit),
                                  signed=partner_id in signed, invited=partner_id in statement.endorsement.invited,
                                  short=partner.short))
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


def _gate(statement: Statement, standings: list[Standing], labels: dict[str, str],
          record_problems: list[str]) -> tuple[bool, tuple[str, ...]]:
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


def _partner_order(repo: Repo) -> list[str]:
    settings = repo.settings
    if settings.signatory_order != "registry":
        return []
    return list(settings.partners_order)


def ledger_status(repo: Repo, statement: Statement | str, lifecycle: bool = False,
                  memo: ParseMemo | None = None) -> LedgerStatus:
    """Where a statement (a Statement, or its id) stands in the ledger. Reads files only, never git.

    memo: a ParseMemo to read the records through (a caller that asks about many statements opens one)."""
    if isinstance(statement, str):
        statement = repo.load_statement(statement)
    partners = repo.partners()
    return _status_of(repo, statement, partners, _partner_order(repo), memo, lifecycle=lifecycle)


def release_gate(repo: Repo, statement: Statement | str) -> Gate:
    """The ledger's part of a release: required partners current, threshold met, no objection in force
    (the release checks the text's status itself)."""
    return ledger_status(repo, statement).gate


@dataclass(frozen=True)
class UnreadableStatement:
    """A statement `status` over all statements could not read; `accord check` names the fault."""

    id: str
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "error": self.problem}


def ledger_statuses(repo: Repo, ids: list[str] | tuple[str, ...] = (), lifecycle: bool = False) -> list[LedgerStatus | UnreadableStatement]:
    """The ledger status of every statement (or those named); an unreadable one does not hide the rest.

    Parse results are remembered by content hash between runs (see ParseMemo), so a
    repository of thousands of records is read, not re-parsed.
    """
    from ..errors import StatementError

    partners = repo.partners()
    order = _partner_order(repo)
    memo = ParseMemo.open(repo)
    results: list[LedgerStatus | UnreadableStatement] = []
    with bulk_reading():
        for statement_id in repo.resolve_ids(list(ids)):
            try:
                statement = memo.statement(repo, statement_id)
            except StatementError as error:
                results.append(UnreadableStatement(statement_id, str(error)))
                continue
            results.append(_status_of(repo, statement, partners, order, memo, lifecycle))
        memo.save(complete=not ids)
    return results


def _status_of(repo: Repo, statement: Statement, partners: dict[str, Partner], order: list[str], memo: "ParseMemo | None" = None,
               lifecycle: bool = False) -> LedgerStatus:
    folder = repo.endorsements_dir(statement.id)
    records: dict[str, Record] = {}
    problems: list[Problem] = []
    signed: set[str] = set()
    try:
        # iterdir: each entry's Path made from the listing, not parsed again as `folder / name` would (10,000 records)
        paths = {path.name: path for path in folder.iterdir()}
    except (FileNotFoundError, NotADirectoryError):
        paths = {}
    entries = sorted(paths)
    names = paths.keys()
    display_folder = f"statements/{statement.id}/endorsements"
    folder_checked = bool(entries) and link_on_the_way(folder) is None  # once for all its records
    folder_name = os.fspath(folder)
    for name in entries:
        if not name.endswith(".yaml") or name.startswith("."):
            continue
        partner_id = name[:-5]
        display = f"{display_folder}/{name}"
        record, found = (memo.record(paths[name], display, folder_checked, f"{folder_name}{os.sep}{name}") if memo
                         else read_record(paths[name], display))
        problems.extend(found)
        if record is not None:
            records[partner_id] = record
            if f"{name}.sig" in names:
                signed.add(partner_id)
    statement = with_earlier_bindings(repo, statement, records.values())
    status = evaluate(statement, records, partners, signed, problems, order, lifecycle)
    from ..i18n.translations import language_gate

    languages = language_gate(repo, statement)  # required language versions, missing or stale
    if languages:
        status = replace(status, gate=Gate(False, (*status.gate.problems, *languages)))
    return status
