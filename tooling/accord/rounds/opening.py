"""`accord round open`: one packet and one e-mail draft per partner, and the round committed in rounds.yaml."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import RoundError, UsageError
from ..fsutil import write_atomic
from .model import (MODES, Packet, Round, commit_together, now, open_round_of, parse_deadline, read_rounds, render_rounds,
                    round_files, rounds_path, show_time)

PROPERTY_ROUND = "accord.round"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@dataclass(frozen=True)
class Opened:
    """What `open_round` did: the round recorded, where its files are, and the commit that holds it."""

    round: Round
    folder: Path
    commit: str
    missing_contacts: tuple[str, ...]


def open_round(repo, statement_id: str, *, deadline: str, time: str | None = None, timezone: str | None = None,
               partners: list[str] | None = None, silence: bool = False, note: str | None = None) -> Opened:
    from ..history import author_identity, head_commit, is_dirty
    from ..partners import require_partner
    from ..review.packet import (PROPERTY_BASE, PROPERTY_PARTNER, PROPERTY_STATEMENT, PROPERTY_TEXT_HASH,
                                 official_docx, packet_docx)

    statement = repo.load_statement(statement_id)
    statement_file = repo.statement_file(statement_id)
    statement_rel = repo.rel(statement_file)
    root = repo.root
    head = head_commit(root)
    if head is None or is_dirty(root, statement_file):
        raise RoundError(f"{statement_rel} has uncommitted changes; commit them first, so every packet names "
                         "the commit its text comes from")
    refuse_conflict_markers(statement_file.read_text(encoding="utf-8"), statement_rel)
    rounds = read_rounds(repo, statement_id)
    current = open_round_of(rounds)
    if current is not None:
        raise RoundError(f"round {current.number} of {statement_id} is still open (deadline "
                         f"{show_time(current.deadline, current.timezone)}); close it first with "
                         f"`accord round close {statement_id}`")
    log_path = rounds_path(repo, statement_id)
    log_rel = repo.rel(log_path)
    if is_dirty(root, log_rel):
        raise RoundError(f"{log_rel} has uncommitted changes; commit or discard them first")
    timezone = timezone or repo.settings.timezone
    moment = now()
    due = parse_deadline(deadline, time, timezone)
    if due <= moment:
        raise UsageError(f"the deadline {show_time(due, timezone)} has already passed")
    note = _one_line_note(note)
    registry = repo.partners()
    chosen = _partners(statement, partners, registry, statement_rel)
    sender = author_identity(root)
    if sender is None:
        raise RoundError("cannot tell who sends the packets: set git's user.name and user.email")

    number = (rounds[-1].number if rounds else 0) + 1
    files = round_files(repo, statement_id, number)
    _clear_leftovers(files.folder)
    official = official_docx(repo, statement)
    shown_deadline = show_time(due, timezone)
    packets, missing = [], []
    for partner_id in chosen:
        partner = require_partner(registry, partner_id)
        properties = {PROPERTY_STATEMENT: statement_id, PROPERTY_PARTNER: partner_id, PROPERTY_BASE: head,
                      PROPERTY_TEXT_HASH: statement.text_sha256, PROPERTY_ROUND: str(number)}
        docx = packet_docx(repo, statement, properties, deadline=shown_deadline, note=note, built=official)
        message = packet_email(repo, statement, partner, number, shown_deadline, note, docx, sender, moment)
        _write(files.docx(partner_id), docx)
        _write(files.eml(partner_id), message)
        if not partner.contacts:
            missing.append(partner_id)
        packets.append(Packet(partner_id, repo.rel(files.docx(partner_id)), hashlib.sha256(docx).hexdigest(),
                              tuple(contact.email for contact in partner.contacts)))

    opened = Round(number=number, opened=moment.astimezone(due.tzinfo).replace(microsecond=0), deadline=due,
                   timezone=timezone, mode="silence" if silence else "comments", text_sha256=statement.text_sha256,
                   commit=head, partners=tuple(chosen), note=note, packets=tuple(packets))
    summary = (f"Round {number} of {statement_id} opened: {len(chosen)} partner{'s' if len(chosen) != 1 else ''}, "
               f"{opened.mode} mode, deadline {shown_deadline}")
    body = [summary, "", f"Text {statement.text_sha256} at commit {head}.", "Packets:"]
    body += [f"- {packet.partner}: {packet.file} (sha256 {packet.docx_sha256[:16]})" for packet in packets]
    commit = commit_together(repo, {log_rel: render_rounds([*rounds, opened])}, "\n".join(body) + "\n")
    return Opened(opened, files.folder, commit, tuple(missing))


def _clear_leftovers(folder: Path) -> None:
    """Files an earlier attempt at this very round left (it was never committed): not packets of this round."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.suffix in (".docx", ".eml", ".html"):
                path.unlink()


def refuse_conflict_markers(text: str, display: str) -> None:
    """A text with conflict markers in it is not a text anyone can be asked to review."""
    from ..criticmarkup import find_markers

    found = find_markers(text)
    if found:
        raise RoundError(f"conflict marker '{found[0].mark}' in the text; resolve the conflict and "
                         "commit before opening a round", path=display, line=found[0].line)


def _one_line_note(note: str | None) -> str | None:
    if note is None:
        return None
    import unicodedata

    text = " ".join(note.split())
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise UsageError("{note} must not contain control characters", inputs=["note"])
    return text or None


def _partners(statement, asked: list[str] | None, registry: dict, statement_rel: str) -> list[str]:
    from ..partners import require_partner

    invited = list(statement.endorsement.invited)
    if not asked:
        if not invited:
            raise RoundError(f"no partner is invited to endorse {statement.id}; add them to endorsement.invited "
                             f"in {statement_rel}, or pass {{partners}}", inputs=["partners"])
        return invited
    chosen = []
    for partner_id in asked:
        require_partner(registry, partner_id)
        if partner_id not in invited:
            raise RoundError(f"partner '{partner_id}' is not invited to endorse {statement.id} (invited: "
                             f"{', '.join(invited) or 'nobody'}); add it to endorsement.invited in {statement_rel}")
        if partner_id not in chosen:
            chosen.append(partner_id)
    return chosen


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise RoundError(f"cannot write {path}: {exc.strerror or exc}") from None


def packet_email(repo, statement, partner, number: int, deadline: str, note: str | None, docx: bytes,
                 sender: str, moment: dt.datetime) -> bytes:
    """A ready-to-send RFC 5322 draft: to the partner's contacts, the packet attached, CRLF line ends."""
    from email import policy
    from email.message import EmailMessage
    from email.utils import format_datetime, formataddr, make_msgid, parseaddr

    message = EmailMessage(policy=policy.SMTP)
    name, address = parseaddr(sender)
    what = f"{statement.symbol}: {statement.title}" if statement.symbol else statement.title
    try:
        message["From"] = formataddr((repo.settings.team if not name else name, address))
        if partner.contacts:
            message["To"] = ", ".join(formataddr((contact.name, contact.email)) for contact in partner.contacts)
        message["Subject"] = f"Consultation round {number}: {what} (reply by {deadline})"
    except ValueError as exc:  # a line break in a name would start a new header: never written
        raise RoundError(f"partners/{partner.id}.yaml: cannot address the e-mail: {exc}") from None
    message["Date"] = format_datetime(moment.replace(microsecond=0))
    message["Message-ID"] = make_msgid(f"round{number}.{statement.id}", domain=address.rpartition("@")[2] or None)
    message["X-Unsent"] = "1"  # Outlook opens it as a draft to send, not as a received message
    lines = [f"Dear colleagues at {partner.name},", "",
             f"{repo.settings.team} invites {partner.label} to review {what}.",
             f"Please return the attached file, with your changes tracked and your comments in Word comments, "
             f"by {deadline}."]
    if note:
        lines += ["", note]
    lines += ["", "With best regards,", repo.settings.team, repo.settings.organization]
    message.set_content("\n".join(lines) + "\n")
    message.add_attachment(docx, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1],
                           filename=f"{statement.id}-{partner.id}.docx")
    return message.as_bytes()


__all__ = ["MODES", "Opened", "open_round", "refuse_conflict_markers"]
