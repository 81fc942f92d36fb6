"""`accord round close`: the round ends; in silence mode, silence becomes `no-objection`, unless it was broken.

The OSCE's silence procedure: a text is adopted unless someone breaks silence
by the deadline. A partner with no position on the round's text gets a
`no-objection` record with evidence `silence:round-N`, bound to the round's text
hash (so a text changed since can never inherit silence), dated the deadline's
day; all of them and the closed round go into one commit. A partner whose
`object` was recorded by the deadline has broken silence: nothing is recorded
and the close says the text is not adopted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..errors import RoundError
from ..ledger.positions import Position
from .model import Closure, Round, commit_together, now, render_rounds, replaced, require_open_round, rounds_path, zone
from .status import status_of

if TYPE_CHECKING:
    from ..ledger.records import Record
    from ..repo import Repo

SILENCE_SIGNATORY = "Silence procedure, round {number}"


@dataclass(frozen=True)
class Closed:
    """What `close_round` did: the closed round, who was silent, who objected, the commit, a note."""

    statement_id: str
    round: Round
    silent: tuple[str, ...]
    objecting: tuple[str, ...]
    commit: str
    records: tuple[str, ...] = ()
    note: str | None = None

    @property
    def adopted(self) -> bool:
        return self.round.closed is not None and self.round.closed.outcome == "adopted"


def close_round(repo: Repo, statement_id: str, *, early: bool = False) -> Closed:
    from ..history import author_identity, is_dirty

    statement = repo.load_statement(statement_id)
    rounds, item = require_open_round(repo, statement_id)
    moment = now()
    state = status_of(repo, statement_id, item, at=moment)
    if not state.passed and not early:
        raise RoundError(f"round {item.number} of {statement_id} runs until {state.deadline} "
                         f"({state.time_left}); pass {{early}} to close it before the deadline",
                         inputs={"early": "early=True"})
    root = repo.root
    log_path = rounds_path(repo, statement_id)
    log_rel = repo.rel(log_path)
    if is_dirty(root, log_rel):
        raise RoundError(f"{log_rel} has uncommitted changes; commit or discard them first")
    from ..ledger import read_records

    records, problems = read_records(repo, statement_id)
    if problems:
        raise problems[0].error(RoundError)
    deadline_day = item.deadline.astimezone(zone(item.timezone)).date()
    objecting = tuple(pid for pid in item.partners
                      if pid in records and records[pid].position == Position.OBJECT
                      and records[pid].recorded_at <= deadline_day)
    unanswered = tuple(p.partner for p in state.partners if not p.position_on_round_text
                       and p.position != Position.OBJECT)
    written: dict[str, bytes | None] = {}
    note = None
    before_deadline = not state.passed
    if item.mode == "silence" and not objecting and not before_deadline:
        recorder = author_identity(root)
        if recorder is None:
            raise RoundError("cannot tell who is closing the round: set git's user.name and user.email")
        written = _silence_records(repo, statement_id, item, unanswered, records, recorder, deadline_day)
        if statement.text_sha256 != item.text_sha256:
            note = (f"the text changed since round {item.number} opened: the no-objection records bind the round's "
                    f"text ({item.text_sha256[:12]}), not the current one ({statement.text_sha256[:12]}), "
                    "so they do not count for it")
    if item.mode == "silence" and objecting:
        outcome = "not-adopted"
    elif item.mode == "silence" and not before_deadline:
        outcome = "adopted"
    else:  # comments mode; or silence closed early, when silence has not yet run its course
        outcome = "closed"
    closure = Closure(moment.astimezone(zone(item.timezone)).replace(microsecond=0), outcome,
                      unanswered if not objecting else (), objecting)
    if item.mode == "silence" and before_deadline and not objecting:
        note = ("closed before the deadline: silence has not run its course, so nobody's silence is taken as "
                "no objection")
    closed_round = replace(item, closed=closure)
    message = _message(statement_id, closed_round, unanswered, objecting, repo)
    commit = commit_together(repo, {log_rel: render_rounds(replaced(rounds, closed_round)), **written}, message)
    return Closed(statement_id, closed_round, unanswered, objecting, commit, tuple(written), note)


def _silence_records(repo: Repo, statement_id: str, item: Round, silent: tuple[str, ...], records: dict[str, Record],
                     recorder: str, deadline_day: dt.date) -> dict[str, bytes | None]:
    """One no-objection record per silent partner, each superseding the partner's committed record."""
    from ..history import file_at, head_commit, is_dirty, path_exists_at
    from ..ledger import Evidence, record_from_bytes, render_record

    root = repo.root
    head = head_commit(root)
    if head is None:  # a round opens on a commit; a repository without one has no round to close
        raise RoundError("the repository has no commits")
    planned = []
    for partner_id in silent:
        path = repo.endorsements_dir(statement_id) / f"{partner_id}.yaml"
        rel = repo.rel(path)
        if is_dirty(root, rel) or is_dirty(root, rel + ".sig"):
            raise RoundError(f"{rel} has uncommitted changes; commit or discard them first")
        previous = file_at(root, head, rel) if path_exists_at(root, head, rel) else None
        data = render_record(statement_id, partner_id, Position.NO_OBJECTION, item.text_sha256,
                             SILENCE_SIGNATORY.format(number=item.number), recorded_by=recorder,
                             recorded_at=deadline_day, commit=item.commit,
                             evidence=Evidence("silence", f"round-{item.number}"),
                             supersedes=hashlib.sha256(previous).hexdigest() if previous is not None else None)
        record, problems = record_from_bytes(data, rel, path)
        if problems:
            raise RoundError(f"the silence record would not read back: {problems[0]}")
        planned.append((path, rel, data))
    files: dict[str, bytes | None] = {}
    for _path, rel, data in planned:
        files[rel] = data
        if path_exists_at(root, head, rel + ".sig"):  # it signs the partner's old record, which this one replaces
            files[rel + ".sig"] = None
    return files


def _message(statement_id: str, item: Round, silent: tuple[str, ...], objecting: tuple[str, ...], repo: Repo) -> str:
    labels = {pid: partner.label for pid, partner in repo.partners().items()}

    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(labels.get(pid, pid) for pid in ids) or "none"

    assert item.closed is not None  # the message of a round being closed
    outcome = {"adopted": "adopted under the silence procedure", "not-adopted": "silence broken, not adopted",
               "closed": "closed"}[item.closed.outcome]
    lines = [f"Round {item.number} of {statement_id} closed: {outcome}", "",
             f"Text {item.text_sha256} (commit {item.commit}), deadline {item.deadline.isoformat()}."]
    if objecting:
        lines.append(f"Silence broken by: {names(objecting)}")
    elif item.mode == "silence" and item.closed.outcome == "adopted":
        lines.append(f"No objection by silence (evidence silence:round-{item.number}): {names(silent)}")
    else:
        lines.append(f"Never answered: {names(silent)}")
    return "\n".join(lines) + "\n"
