"""Recording a position: `accord endorse`, with its checks, the record's bytes, signing and the commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from collections.abc import Iterable
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import LedgerError, SignatoryError, SigningError, did_you_mean
from ..labels import refuse_unknown_labels
from ..partners import require_partner
from ..yamlio import dump_yaml
from .gate import describe_position
from .reading import record_from_bytes
from .positions import Position
from .records import OPEN_STATUSES, POSITIONS, REASONED_POSITIONS, RESERVING_POSITIONS, Evidence, Record, Reservation

if TYPE_CHECKING:
    from ..partners import Partner, Signer
    from ..repo import Repo
    from ..signing import PublicKey, SigningKey
    from ..statement import Statement


# -- recording a position ----------------------------------------------------------------

TYPED_EVIDENCE_KINDS = ("letter", "note-verbale", "email", "meeting", "url", "silence", "none")  # ssh-signature: --sign


def today() -> dt.date:
    return dt.date.today()


def _today() -> dt.date:
    """today(), looked up on the package when called: a test fixes the day on accord.ledger.today."""
    day: dt.date = sys.modules[__package__].today()
    return day


def parse_position(text: str) -> Position:
    """A position name, or LedgerError with a hint and the list of positions."""
    if text in POSITIONS:
        return Position(text)
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
        raise LedgerError("evidence ssh-signature is made by signing the record ({keyfile} KEYFILE), not typed in",
                          inputs=["keyfile"])
    if kind not in TYPED_EVIDENCE_KINDS:
        _refuse(f"unknown evidence kind '{kind}'", kind, TYPED_EVIDENCE_KINDS,
                f"; use KIND:REF with KIND one of {', '.join(TYPED_EVIDENCE_KINDS[:-1])} (or just none)")
    if kind == "none":
        return Evidence("none", ref or None)
    if not ref:
        raise LedgerError(f"evidence {kind} needs a reference: {kind}:REF")
    return Evidence(kind, _without_controls(ref, f"evidence {kind}"))


def _refuse(message: str, value: str, choices: Iterable[str], tail: str = "") -> NoReturn:
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


def record_position(repo: Repo, statement_id: str, partner_id: str, position: str, signatory: str, *,
                    reservations: tuple[Reservation, ...] | list[Reservation] = (), evidence: Evidence | None = None,
                    recorded_by: str | None = None, keyfile: str | os.PathLike[str] | None = None,
                    commit: bool = True, date: dt.date | None = None, reason: str | None = None,
                    unregistered_signatory: bool = False, portal_keyfile: str | os.PathLike[str] | None = None) -> Recorded:
    """Record a partner's position on the statement's committed text, optionally signed, and commit it.

    portal_keyfile: the record is attested by the partner portal (`accord serve`) and signed with its
    key, which accord.yaml must list under portal-keys; the evidence must then be portal:AUDIT-ID.

    The record binds the canonical text hash of the text at HEAD (a statement with
    uncommitted text changes is refused), names HEAD as its commit, and supersedes the
    partner's last committed record. The commit holds the record (and its signature)
    only, never other work. Every input is checked before anything is written, and the
    read-write-commit of one partner's record holds a lock, so two runs for the same
    partner land one after the other, each superseding the last.
    """
    from .. import history
    from ..statement import require_no_conflict_markers

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
    if position == Position.ENDORSE_WITH_RESERVATIONS and not reservations:
        raise LedgerError("position endorse-with-reservations needs at least one reservation")
    refuse_unknown_labels(statement, [r.paragraph for r in reservations if r.paragraph is not None])
    if reason is not None:
        if position not in REASONED_POSITIONS:
            raise LedgerError(f"a reason is recorded with positions object, abstain or withdrawn, not {position}")
        reason = _one_line(reason, "the reason")
    if evidence is not None and evidence.kind == "silence" and position != Position.NO_OBJECTION:
        raise LedgerError(f"evidence silence means no objection was raised: it goes with position no-objection, "
                          f"not {position}")
    if date is not None and date > _today():
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
            raise LedgerError("cannot tell who is recording this: pass {recorded_by} NAME or set git's user.name",
                              inputs=["recorded_by"])
    recorded_by = _one_line(recorded_by, "recorded-by")

    record_path = repo.endorsements_dir(statement_id) / f"{partner_id}.yaml"
    signature_path = record_path.with_name(record_path.name + ".sig")
    record_rel, signature_rel = repo.rel(record_path), repo.rel(signature_path)
    key: SigningKey | None = None
    signer: Signer | None = None
    if keyfile is not None:
        key, signer = _signing_key_of(partner, keyfile)
    if signer is not None:
        if unregistered_signatory or signer is not signatory_signer:
            raise SigningError(f"the key {keyfile} is the key of {signer.principal} ({signer.name}), but the "
                               f"signatory is '{signatory}': a signed record is signed by its signatory")
        if evidence is None:
            evidence = Evidence("ssh-signature", signer.principal)
    if portal_keyfile is not None:
        if key is not None:
            raise LedgerError("a record is signed by its signatory or attested by the portal, not both")
        key = portal_signing_key(repo, portal_keyfile)
        if evidence is None or not evidence.portal:
            raise LedgerError("a record the portal attests carries evidence portal:AUDIT-ID")
    elif evidence is not None and evidence.portal:
        raise LedgerError("evidence portal is written by the partner portal only, with its key")

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
        if problems or record is None:
            raise LedgerError(f"the record would not read back: {problems[0] if problems else 'no record'}")
        if commit:
            _refuse_uncommitted_work(root, record_path, record_bytes, (record_rel, signature_rel))
        signature = None
        if key is not None:
            from ..signing import sign

            signature = sign(record_bytes, key)

        _write_record(record_path, record_bytes, signature, record_rel)
        summary = f"{describe_position(partner.label, position, statement_id)} (text {statement.text_sha256[:8]})"
        commit_id = None
        if commit:
            from ..errors import GitError

            message = f"Endorsement: {summary}\n\nSignatory: {signatory}\nRecorded by: {recorded_by}\n"
            try:
                commit_id = history.commit_only(root, [record_rel, signature_rel], message)
            except GitError as error:
                raise LedgerError(f"{record_rel} is written but not committed: {error.message}") from None
    return Recorded(record, summary, record_path, signature_path if signature else None,
                    signer.principal if signer else (PORTAL_PRINCIPAL if portal_keyfile is not None else None),
                    commit_id)


def refuse_closed_statement(statement: Statement, action: str) -> None:
    """LedgerError unless the statement is open (draft, consultation or final): a withdrawn or published
    text takes no more positions or review packets."""
    if statement.status not in OPEN_STATUSES:
        raise LedgerError(f"statement '{statement.id}' is {statement.status}; accord does not {action} a "
                          f"{statement.status} text (only draft, consultation and final texts are open)")


def _refuse_uncommitted_text(root: Path, head: str | None, statement: Statement, statement_rel: str) -> None:
    """An endorsement binds committed text only: refuse when the text in the working tree is in no commit."""
    from ..errors import StatementError
    from ..statement import statement_from_bytes

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
    from .. import history

    dirty = [rel for rel in relpaths if history.is_dirty(root, rel)]
    if not dirty:
        return
    try:
        left_by_an_interrupted_run = record_path.read_bytes() == record_bytes
    except OSError:
        left_by_an_interrupted_run = False
    if not left_by_an_interrupted_run:
        raise LedgerError(f"{dirty[0]} has uncommitted changes; commit or discard them first, or pass {{commit}}",
                          inputs={"commit": "commit=False"})


def render_record(statement_id: str, partner_id: str, position: str, text_hash: str, signatory: str, *,
                  recorded_by: str | None = None, recorded_at: dt.date | None = None, commit: str | None = None,
                  reservations: tuple[Reservation, ...] = (), evidence: Evidence | None = None,
                  supersedes: str | None = None, date: dt.date | None = None, reason: str | None = None,
                  unregistered_signatory: bool = False) -> bytes:
    """The bytes of a record in the form accord writes (and the quick reader takes), keys in DESIGN.md order."""
    fields: dict[str, Any] = {"statement": statement_id, "partner": partner_id, "position": str(position),
              "text_sha256": text_hash}
    if commit:
        fields["commit"] = commit
    fields["signatory"] = signatory
    if unregistered_signatory:
        fields["unregistered_signatory"] = True
    if recorded_by:
        fields["recorded_by"] = recorded_by
    fields["recorded_at"] = recorded_at or _today()
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


PORTAL_PRINCIPAL = "portal"  # the principal a portal signature is verified for (its keys are in accord.yaml)


def portal_signing_key(repo: Repo, keyfile: str | os.PathLike[str]) -> SigningKey:
    """The portal's signing key, checked to be listed under portal-keys in accord.yaml."""
    from .. import signing

    key = signing.signing_key(keyfile)
    listed = [signing.PublicKey.parse(text) for text in repo.settings.portal_keys]
    if key.public not in listed:
        raise SigningError(f"the portal key {keyfile} ({key.public.fingerprint}) is not listed under portal-keys "
                           "in accord.yaml")
    return key


def _signing_key_of(partner: Partner, keyfile: str | os.PathLike[str]) -> tuple[SigningKey, Signer]:
    """The key --sign names, checked to belong to a signer of this partner with an exact principal."""
    from .. import signing

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
    from ..fsutil import write_atomic

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


def _signer_of_key(partner: Partner, public_key: PublicKey) -> Signer | None:
    from ..signing import PublicKey

    for signer in partner.signers:
        registered = PublicKey.parse(signer.key) if signer.key else None
        if registered is not None and (registered.type, registered.blob) == (public_key.type, public_key.blob):
            return signer
    return None


def _committed_bytes(root: Path, commit: str, relpath: str) -> bytes | None:
    from ..history import blob_at

    return blob_at(root, commit, relpath)


def signatory_is(signer: Signer, signatory: str) -> bool:
    """Whether a record's signatory text names this registered signer: by principal, or by name
    (alone or followed by a comma and a title)."""
    text = " ".join(signatory.split()).casefold()
    name = " ".join(signer.name.split()).casefold()
    principal = signer.principal or ""
    return text == name or text.startswith(name + ",") or bool(principal) and text == principal.casefold()
