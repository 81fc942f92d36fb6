"""statements/<id>/reviews/rounds.yaml: the consultation rounds of a statement, read, checked and written.

One file per statement holds every round, in order: when it was opened, its
deadline (an aware time in the secretariat's time zone), the text and commit it
was opened on, the partners asked, the mode (`comments` or `silence`), the
packets sent, the returns imported and, once closed, the outcome. It is only
ever written as part of a commit, so no log is left uncommitted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, RoundError, UsageError
from ..yamlio import YAMLProblem, dump_yaml, load_yaml, read_text_file

if TYPE_CHECKING:
    import zoneinfo

    from ..repo import Repo

ROUNDS_FILE = "rounds.yaml"
MODES = ("comments", "silence")

# `ACCORD_NOW` (an ISO time with its offset) stands in for the clock, as SOURCE_DATE_EPOCH does for builds:
# a deadline can then be tried, and a run reproduced, without waiting for the real time to pass.
NOW_VARIABLE = "ACCORD_NOW"


@dataclass(frozen=True)
class Packet:
    """A packet written for one partner in a round: where, and the SHA-256 of its bytes."""

    partner: str
    file: str
    docx_sha256: str
    contacts: tuple[str, ...] = ()

    def as_yaml(self) -> dict[str, Any]:
        return {"partner": self.partner, "file": self.file, "docx_sha256": self.docx_sha256,
                **({"contacts": list(self.contacts)} if self.contacts else {})}


@dataclass(frozen=True)
class CommentNote:
    """A partner's comment kept for the compilation: who wrote it, on which words, and what it says."""

    author: str
    anchor: str
    text: str

    def as_yaml(self) -> dict[str, Any]:
        return {"author": self.author, "anchor": self.anchor, "text": self.text}


@dataclass(frozen=True)
class Return:
    """A returned DOCX imported in a round: whose, from which file, and what the import made of it."""

    partner: str
    file: str
    docx_sha256: str
    imported_at: dt.datetime
    branch: str | None = None
    commit: str | None = None
    onto: str | None = None
    edits: int = 0
    conflicts: int = 0
    comments: tuple[CommentNote, ...] = ()

    def as_yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"partner": self.partner, "file": self.file, "docx_sha256": self.docx_sha256,
                "imported_at": self.imported_at.isoformat(), "branch": self.branch, "commit": self.commit,
                "onto": self.onto, "edits": self.edits, "conflicts": self.conflicts}
        if self.comments:
            data["comments"] = [comment.as_yaml() for comment in self.comments]
        return data


@dataclass(frozen=True)
class Closure:
    """How a round ended: when, the outcome, and the partners the close recorded or listed."""

    at: dt.datetime
    outcome: str                     # adopted | not-adopted | closed
    silent: tuple[str, ...] = ()
    objecting: tuple[str, ...] = ()
    commit_note: str = ""

    def as_yaml(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "outcome": self.outcome, "silent": list(self.silent),
                "objecting": list(self.objecting), **({"note": self.commit_note} if self.commit_note else {})}


@dataclass(frozen=True)
class Round:
    """One consultation round of one statement."""

    number: int
    opened: dt.datetime
    deadline: dt.datetime
    timezone: str
    mode: str
    text_sha256: str
    commit: str
    partners: tuple[str, ...]
    note: str | None = None
    packets: tuple[Packet, ...] = ()
    returns: tuple[Return, ...] = ()
    closed: Closure | None = None

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def name(self) -> str:
        return f"round-{self.number}"

    def passed(self, now: dt.datetime) -> bool:
        """Whether the deadline has passed at `now` (both aware, so time zones cannot mislead)."""
        return now > self.deadline

    def returns_of(self, partner_id: str) -> list[Return]:
        return [item for item in self.returns if item.partner == partner_id]

    def as_yaml(self) -> dict[str, Any]:
        data = {"number": self.number, "opened": self.opened.isoformat(), "deadline": self.deadline.isoformat(),
                "timezone": self.timezone, "mode": self.mode, "text_sha256": self.text_sha256,
                "commit": self.commit, "partners": list(self.partners)}
        if self.note:
            data["note"] = self.note
        data["packets"] = [packet.as_yaml() for packet in self.packets]
        data["returns"] = [item.as_yaml() for item in self.returns]
        data["closed"] = self.closed.as_yaml() if self.closed else None
        return data


def rounds_path(repo: Repo, statement_id: str) -> Path:
    return repo.statement_dir(statement_id) / "reviews" / ROUNDS_FILE


def read_rounds(repo: Repo, statement_id: str) -> list[Round]:
    """Every round of a statement, oldest first; [] when it never had one. RoundError names the bad line."""
    path = rounds_path(repo, statement_id)
    if not path.exists():
        return []
    display = repo.rel(path)
    text, problem = read_text_file(path, display)
    if problem or text is None:
        raise (problem or Problem(display, None, "file is empty")).error(RoundError)
    try:
        data = load_yaml(text)
    except YAMLProblem as exc:
        raise RoundError(exc.message, path=display, line=exc.line) from None
    if not isinstance(data, dict) or not isinstance(data.get("rounds"), list):
        raise RoundError("expected a mapping with a list under 'rounds'", path=display, line=1)
    rounds = []
    for item in data["rounds"]:
        line = getattr(item, "line", 1)
        try:
            rounds.append(_round(item))
        except (KeyError, TypeError, ValueError) as exc:
            raise RoundError(f"a round that accord did not write: {_reason(exc)}", path=display, line=line) from None
    return rounds


def rounds_problems(repo: Repo, statement_id: str) -> list[Problem]:
    """What `accord check` reports about a statement's rounds.yaml: nothing, or the one problem reading it."""
    if not rounds_path(repo, statement_id).exists():
        return []
    try:
        read_rounds(repo, statement_id)
    except RoundError as error:
        return [Problem(error.path or repo.rel(rounds_path(repo, statement_id)), error.line, error.message)]
    return []


def _reason(exc: Exception) -> str:
    return f"missing '{exc.args[0]}'" if isinstance(exc, KeyError) else str(exc)


def _round(item: dict[str, Any]) -> Round:
    mode = str(item["mode"])
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not '{mode}'")
    closed = item.get("closed")
    return Round(
        number=int(item["number"]), opened=_aware(item["opened"]), deadline=_aware(item["deadline"]),
        timezone=str(item["timezone"]), mode=mode, text_sha256=str(item["text_sha256"]),
        commit=str(item["commit"]), partners=tuple(str(p) for p in item["partners"]),
        note=item.get("note"),
        packets=tuple(Packet(str(p["partner"]), str(p["file"]), str(p["docx_sha256"]),
                             tuple(p.get("contacts") or ())) for p in item.get("packets") or ()),
        returns=tuple(_return(r) for r in item.get("returns") or ()),
        closed=Closure(_aware(closed["at"]), str(closed["outcome"]), tuple(closed.get("silent") or ()),
                       tuple(closed.get("objecting") or ()), str(closed.get("note") or "")) if closed else None,
    )


def _return(item: dict[str, Any]) -> Return:
    return Return(str(item["partner"]), str(item["file"]), str(item["docx_sha256"]), _aware(item["imported_at"]),
                  item.get("branch"), item.get("commit"), item.get("onto"), int(item.get("edits") or 0),
                  int(item.get("conflicts") or 0),
                  tuple(CommentNote(str(c.get("author", "")), str(c.get("anchor", "")), str(c.get("text", "")))
                        for c in item.get("comments") or ()))


def _aware(value: object) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"time {value} has no UTC offset")
    return moment


def render_rounds(rounds: list[Round]) -> bytes:
    return dump_yaml({"rounds": [item.as_yaml() for item in rounds]}).encode("utf-8")


def open_round_of(rounds: list[Round]) -> Round | None:
    return next((item for item in rounds if item.is_open), None)


def require_open_round(repo: Repo, statement_id: str) -> tuple[list[Round], Round]:
    rounds = read_rounds(repo, statement_id)
    current = open_round_of(rounds)
    if current is None:
        last = f" (round {rounds[-1].number} is closed)" if rounds else ""
        raise RoundError(f"{statement_id} has no open consultation round{last}; open one with "
                         f"`accord round open {statement_id} --deadline YYYY-MM-DD`")
    return rounds, current


def latest_round(repo: Repo, statement_id: str) -> tuple[list[Round], Round]:
    """The open round, else the last one closed: compile and merge work on either."""
    rounds = read_rounds(repo, statement_id)
    if not rounds:
        raise RoundError(f"{statement_id} has had no consultation round; open one with "
                         f"`accord round open {statement_id} --deadline YYYY-MM-DD`")
    return rounds, open_round_of(rounds) or rounds[-1]


def replaced(rounds: list[Round], updated: Round) -> list[Round]:
    return [updated if item.number == updated.number else item for item in rounds]


def with_returns(item: Round, returns: list[Return]) -> Round:
    return replace(item, returns=item.returns + tuple(returns))


def commit_together(repo: Repo, files: dict[str, bytes | None], message: str) -> str:
    """Write these files (None removes one) and commit exactly them, in one commit; if the commit
    fails, every file is put back as it was, so no half-made round is left in the working tree."""
    from ..fsutil import write_atomic
    from ..history import commit_only

    before = {rel: (repo.root / rel).read_bytes() if (repo.root / rel).is_file() else None for rel in files}
    try:
        for rel, data in files.items():
            if data is None:
                (repo.root / rel).unlink(missing_ok=True)
            else:
                write_atomic(repo.root / rel, data)
        return commit_only(repo.root, list(files), message)
    except BaseException:
        for rel, data in before.items():
            if data is None:
                (repo.root / rel).unlink(missing_ok=True)
            else:
                write_atomic(repo.root / rel, data)
        raise


# -- time -------------------------------------------------------------------------------------

def now() -> dt.datetime:
    """The current time, aware; ACCORD_NOW (ISO 8601 with offset) replaces the clock when set."""
    value = os.environ.get(NOW_VARIABLE)
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    try:
        return _aware(value)
    except ValueError:
        raise UsageError(f"{NOW_VARIABLE}={value}: expected an ISO 8601 time with its offset, "
                         "e.g. 2026-12-01T09:00:00+01:00") from None


def zone(name: str) -> zoneinfo.ZoneInfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{{timezone}} {name}: unknown time zone (use an IANA name such as Europe/Vienna, "
                         "or UTC)", inputs=["timezone"], value=name) from None


def parse_deadline(day: str, time: str | None, timezone: str) -> dt.datetime:
    """A deadline day YYYY-MM-DD [and time HH:MM] in a time zone: the aware moment it names (end of day by default)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day or ""):
        raise UsageError(f"{{deadline}} {day}: expected a date as YYYY-MM-DD", inputs=["deadline"], value=day)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise UsageError(f"{{deadline}} {day}: no such date", inputs=["deadline"], value=day) from None
    clock = time or "23:59"
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", clock)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError(f"{{time}} {clock}: expected a time of day as HH:MM (00:00 to 23:59)", inputs=["time"],
                         value=clock)
    tz = zone(timezone)
    moment = dt.datetime(date.year, date.month, date.day, int(match.group(1)), int(match.group(2)), tzinfo=tz)
    # A wall time the clocks skip (spring forward) does not exist: say so rather than guess.
    if moment.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise UsageError(f"{{deadline}} {day} {{time}} {clock}: that time does not exist in {timezone} "
                         "(the clocks skip it)", inputs=["deadline", "time"])
    return moment


def show_time(moment: dt.datetime, timezone: str) -> str:
    """'2026-12-15 18:00 CET (Europe/Vienna)': a deadline as the secretariat reads it."""
    local = moment.astimezone(zone(timezone))
    abbreviation = local.tzname() or ""
    suffix = f" {abbreviation}" if abbreviation and abbreviation != timezone else ""
    return f"{local:%Y-%m-%d %H:%M}{suffix} ({timezone})"


def time_left(deadline: dt.datetime, moment: dt.datetime) -> str:
    """'3 days 4 hours left', '2 hours 5 minutes left' or 'passed 1 day 2 hours ago'."""
    seconds = int((deadline - moment).total_seconds())
    text = _span(abs(seconds))
    return f"{text} left" if seconds >= 0 else f"passed {text} ago"


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours or days:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts[:2])


@dataclass
class RoundFiles:
    """Paths of one round's outputs under build/review/<id>/round-N/."""

    folder: Path
    names: dict[str, str] = field(default_factory=dict)

    def docx(self, partner_id: str) -> Path:
        return self.folder / f"{partner_id}.docx"

    def eml(self, partner_id: str) -> Path:
        return self.folder / f"{partner_id}.eml"


def round_files(repo: Repo, statement_id: str, number: int) -> RoundFiles:
    return RoundFiles(repo.build_dir / "review" / statement_id / f"round-{number}")
