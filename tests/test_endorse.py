"""`accord endorse`: a record bound to the exact text, chained to the last one, committed alone."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from accord.repo import Repo

from conftest import git, run, write
from helpers.ledger import S

# The ledger's tests share one repository: no templates/, and records made on one known day.
pytestmark = [pytest.mark.alliance(templates=False), pytest.mark.usefixtures("fixed_day")]

UNICEF = "statements/child-protection/endorsements/unicef.yaml"


def endorse(repo, *args: str, partner: str = "unicef", position: str = "endorse"):
    return run("endorse", "child-protection", partner, "--position", position,
               "--signatory", "Signer of UNICEF, Director", *args, "--repo", str(repo))


def text_hash(repo) -> str:
    return Repo(repo).load_statement("child-protection").text_sha256


def head(repo, short: bool = True) -> str:
    return git(repo, "rev-parse", *(["--short=7"] if short else []), "HEAD").strip()


def test_endorse_writes_a_record_bound_to_the_current_text_and_commits_it(repo):
    base = head(repo, short=False)
    result = endorse(repo)
    h = text_hash(repo)
    assert (result.code, result.err) == (0, "")
    assert result.out == (f"UNICEF endorses child-protection (text {h[:8]})\n"
                          f"Wrote {UNICEF}\n"
                          f"Committed {head(repo)}\n")
    assert (repo / UNICEF).read_text() == (
        "statement: child-protection\npartner: unicef\nposition: endorse\n"
        f"text_sha256: {h}\ncommit: {base}\n"
        "signatory: Signer of UNICEF, Director\n"
        "recorded_by: Test Drafter <drafter@aect.example>\nrecorded_at: 2026-11-28\nsupersedes: null\n")
    assert git(repo, "log", "-1", "--format=%s%n%n%b") == (
        f"Endorsement: UNICEF endorses child-protection (text {h[:8]})\n\n"
        "Signatory: Signer of UNICEF, Director\nRecorded by: Test Drafter <drafter@aect.example>\n\n")
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == UNICEF + "\n"
    assert run("check", "--repo", str(repo)).code == 0


def test_the_commit_leaves_other_staged_and_uncommitted_work_alone(repo):
    write(repo / "partners/iom.yaml", (repo / "partners/iom.yaml").read_text() + "# staged note\n")
    git(repo, "add", "partners/iom.yaml")
    write(repo / "partners/unodc.yaml", (repo / "partners/unodc.yaml").read_text() + "# unstaged note\n")
    write(repo / "notes.txt", "untracked\n")
    assert endorse(repo).code == 0
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == UNICEF + "\n"
    assert git(repo, "status", "--porcelain") == "M  partners/iom.yaml\n M partners/unodc.yaml\n?? notes.txt\n"


@pytest.mark.parametrize("position, phrase", [
    ("endorse", "UNICEF endorses child-protection"),
    ("no-objection", "UNICEF raises no objection to child-protection"),
    ("abstain", "UNICEF abstains on child-protection"),
    ("object", "UNICEF objects to child-protection"),
    ("withdrawn", "UNICEF withdraws its position on child-protection"),
])
def test_each_position_is_recorded_and_described(repo, position, phrase):
    result = endorse(repo, position=position)
    assert result.out.splitlines()[0] == f"{phrase} (text {text_hash(repo)[:8]})"
    assert f"position: {position}\n" in (repo / UNICEF).read_text()


def test_reservations_are_tied_to_paragraphs_and_evidence_is_kept(repo):
    result = endorse(repo, "--reservation", "4:  We read 'guardian' as\n a legal representative.",
                     "--reservation", "Subject to our mandate.", "--evidence", "letter:UNICEF/CP/2026/114",
                     "--recorded-by", "Ana Pereira (secretariat)", position="endorse-with-reservations")
    assert result.out.splitlines()[0] == f"UNICEF endorses child-protection with reservations (text {text_hash(repo)[:8]})"
    text = (repo / UNICEF).read_text()
    assert ("recorded_by: Ana Pereira (secretariat)\nrecorded_at: 2026-11-28\n"
            "reservations:\n- paragraph: 4\n  text: We read 'guardian' as a legal representative.\n"
            "- text: Subject to our mandate.\n"
            "evidence:\n  kind: letter\n  ref: UNICEF/CP/2026/114\n") in text


def test_a_new_position_supersedes_the_bytes_of_the_last_record(repo):
    endorse(repo, position="object")
    first = (repo / UNICEF).read_bytes()
    assert endorse(repo, position="withdrawn").code == 0
    assert f"supersedes: {hashlib.sha256(first).hexdigest()}\n" in (repo / UNICEF).read_text()
    assert git(repo, "log", "--format=%s", "--", UNICEF).splitlines()[0].startswith("Endorsement: UNICEF withdraws")


def test_no_commit_writes_the_record_and_leaves_committing_to_the_user(repo):
    result = endorse(repo, "--no-commit")
    assert result.out.endswith(f"Wrote {UNICEF}\nNot committed (--no-commit)\n")
    assert git(repo, "status", "--porcelain") == "?? statements/child-protection/endorsements/\n"
    again = endorse(repo, "--no-commit", position="object")
    assert again.code == 0
    assert "supersedes: null\n" in (repo / UNICEF).read_text()  # the uncommitted first try was never history


@pytest.mark.parametrize("no_commit", [False, True])
def test_endorsing_a_statement_with_uncommitted_text_changes_is_refused_naming_the_file(repo, no_commit):
    write(repo / S, (repo / S).read_text().replace("without delay", "at once"))
    result = endorse(repo, *(["--no-commit"] if no_commit else []))
    assert (result.code, result.out, result.err) == (2, "", f"Error: {S} has uncommitted changes to its text; commit "
                                                            "them first, as an endorsement binds committed text only\n")
    assert not (repo / UNICEF).exists()
    assert git(repo, "status", "--porcelain") == f" M {S}\n"


def test_rewrapping_uncommitted_text_binds_the_same_committed_text(repo):
    write(repo / S, (repo / S).read_text().replace("every stage of their\njourney", "every stage of their journey"))
    result = endorse(repo)
    assert (result.code, result.err) == (0, "")


BAD_INPUT = [
    (["endorse", "child-protectoin", "unicef"], [],
     "Error: unknown statement 'child-protectoin' (did you mean 'child-protection'?)"),
    (["endorse", "child-protection", "unicf"], [], "Error: unknown partner 'unicf' (did you mean 'unicef'?)"),
    (["endorse", "child-protection", "lastrada"], [],
     "Error: partner 'lastrada' is not invited to endorse 'child-protection' (invited: unicef, iom, unodc, ecpat); "
     f"add it to endorsement.invited in {S}"),
    (["endorse", "child-protection", "unicef"], ["--position", "endorsed"],
     "Error: unknown position 'endorsed' (did you mean 'endorse'?); positions are endorse, "
     "endorse-with-reservations, no-objection, abstain, object, withdrawn"),
    (["endorse", "child-protection", "unicef"], ["--reservation", "Not quite."],
     "Error: reservations need position endorse-with-reservations or no-objection, not endorse"),
    (["endorse", "child-protection", "unicef"], ["--position", "object", "--reservation", "Not quite."],
     "Error: reservations need position endorse-with-reservations or no-objection, not object"),
    (["endorse", "child-protection", "unicef"], ["--reason", "Too long."],
     "Error: a reason is recorded with positions object, abstain or withdrawn, not endorse"),
    (["endorse", "child-protection", "unicef"], ["--evidence", "silence:AECT/SP/2026/3"],
     "Error: evidence silence means no objection was raised: it goes with position no-objection, not endorse"),
    (["endorse", "child-protection", "unicef"], ["--date", "28.11.2026"], "Error: '28.11.2026' is not a date: use YYYY-MM-DD"),
    (["endorse", "child-protection", "unicef"], ["--date", "2026-12-25"],
     "Error: the date of the partner's position (2026-12-25) is in the future"),
    (["endorse", "child-protection", "iom"], ["--signatory", "Amy Pope, Director General"],
     "Error: 'Amy Pope, Director General' is not a registered signer of IOM in partners/iom.yaml (it lists Signer of "
     "IOM); name a signer by name or principal, or record the signatory as unregistered (--unregistered-signatory)"),
    (["endorse", "child-protection", "unicef"], ["--position", "endorse-with-reservations"],
     "Error: position endorse-with-reservations needs at least one reservation"),
    (["endorse", "child-protection", "unicef"], ["--position", "endorse-with-reservations", "--reservation", "0: x"],
     "Error: reservation on paragraph 0: paragraphs are numbered from 1"),
    (["endorse", "child-protection", "unicef"], ["--evidence", "leter:A/1"],
     "Error: unknown evidence kind 'leter' (did you mean 'letter'?); use KIND:REF with KIND one of letter, "
     "note-verbale, email, meeting, url, silence (or just none)"),
    (["endorse", "child-protection", "unicef"], ["--evidence", "email"],
     "Error: evidence email needs a reference: email:REF"),
    (["endorse", "child-protection", "unicef"], ["--evidence", "ssh-signature:x"],
     "Error: evidence ssh-signature is made by signing the record (--sign KEYFILE), not typed in"),
    (["endorse", "child-protection", "unicef"], ["--signatory", "  "], "Error: the signatory must not be empty"),
    (["endorse", "child-protection", "unicef"], ["--recorded-by", "A\nB"], "Error: recorded-by must be one line"),
    (["endorse", "child-protection"], [], "Error: Missing argument 'PARTNER'."),
]


@pytest.mark.parametrize("words, options, message", BAD_INPUT, ids=[case[2][7:50] for case in BAD_INPUT])
def test_bad_input_is_refused_with_one_line_and_nothing_written(repo, words, options, message):
    defaults = {"--position": "endorse", "--signatory": "Signer of UNICEF"}
    for option in options:
        defaults.pop(option, None)
    args = [*words, *options, *(item for pair in defaults.items() for item in pair)]
    before = head(repo)
    result = run(*args, "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", message + "\n")
    assert not (repo / "statements/child-protection/endorsements").exists()
    assert head(repo) == before


def test_a_record_with_uncommitted_changes_is_not_overwritten(repo):
    endorse(repo)
    write(repo / UNICEF, (repo / UNICEF).read_text().replace("Signer of UNICEF", "Someone Else"))
    result = endorse(repo, position="object")
    assert (result.code, result.err) == (2, f"Error: {UNICEF} has uncommitted changes; commit or discard them first, "
                                            "or pass --no-commit\n")
    assert "Someone Else" in (repo / UNICEF).read_text()


def test_a_failed_write_leaves_the_last_record_whole(repo, monkeypatch):
    import accord.fsutil

    endorse(repo)
    before = (repo / UNICEF).read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(accord.fsutil.os, "replace", disk_full)
    result = endorse(repo, position="object")
    assert (result.code, result.err) == (2, f"Error: cannot write {UNICEF}: No space left on device\n")
    assert (repo / UNICEF).read_bytes() == before
    assert sorted(p.name for p in (repo / UNICEF).parent.iterdir()) == ["unicef.yaml"]
    assert git(repo, "status", "--porcelain") == ""


def test_endorsements_for_different_partners_at_the_same_moment_all_land(repo):
    partners = ["unicef", "iom", "unodc", "ecpat"]
    command = [sys.executable, "-c", "from accord.cli import run; run()"]
    runs = [subprocess.Popen([*command, "endorse", "child-protection", partner, "--position", "endorse",
                              "--signatory", f"Signer of {partner}", "--repo", str(repo)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for partner in partners]
    outcomes = []
    for process in runs:
        _, err = process.communicate(timeout=60)
        outcomes.append((process.returncode, err.decode()))
    assert outcomes == [(0, "")] * len(partners)
    committed = git(repo, "ls-tree", "--name-only", "HEAD", "statements/child-protection/endorsements/")
    assert committed.split() == [f"statements/child-protection/endorsements/{p}.yaml" for p in sorted(partners)]
    assert len(git(repo, "log", "--format=%H").split()) == 1 + len(partners)
    assert git(repo, "status", "--porcelain") == ""


# -- who signs, when the partner said it, why, and on what kind of evidence ---------------------------

def test_a_signatory_is_named_by_principal_or_name_or_said_plainly_to_be_unregistered(repo):
    by_principal = run("endorse", "child-protection", "iom", "--position", "endorse", "--signatory",
                       "signer@iom.example", "--repo", str(repo))
    assert by_principal.code == 0, by_principal.err
    unregistered = run("endorse", "child-protection", "unodc", "--position", "endorse", "--signatory",
                       "Amy Pope, Director General", "--unregistered-signatory", "--repo", str(repo))
    assert unregistered.code == 0, unregistered.err
    text = (repo / "statements/child-protection/endorsements/unodc.yaml").read_text()
    assert "signatory: Amy Pope, Director General\nunregistered_signatory: true\n" in text
    status = run("status", "child-protection", "--json", "--repo", str(repo)).out
    assert '"unregistered_signatory": true' in status
    registered_anyway = endorse(repo, "--unregistered-signatory")  # a registered name is never marked unregistered
    assert registered_anyway.code == 0
    assert "unregistered_signatory" not in (repo / UNICEF).read_text()


def test_the_date_of_the_letter_the_reason_and_new_evidence_kinds_are_kept_apart_from_recorded_at(repo):
    result = endorse(repo, "--date", "2026-11-20", "--reason", "Paragraph 4 conflicts with our mandate.",
                     "--evidence", "note-verbale:UNICEF/NV/2026/88", position="object")
    assert result.code == 0, result.err
    text = (repo / UNICEF).read_text()
    assert ("recorded_at: 2026-11-28\ndate: 2026-11-20\nreason: Paragraph 4 conflicts with our mandate.\n"
            "evidence:\n  kind: note-verbale\n  ref: UNICEF/NV/2026/88\n") in text
    record = Repo(repo)
    from accord.ledger import read_records

    records, problems = read_records(record, "child-protection")
    assert problems == []
    assert (str(records["unicef"].date), records["unicef"].reason) == ("2026-11-20", "Paragraph 4 conflicts with our mandate.")
    assert endorse(repo, "--evidence", "meeting:Coordination meeting of 2026-11-27", position="no-objection").code == 0
    assert endorse(repo, "--evidence", "silence:AECT/SP/2026/3", position="no-objection").code == 0
    assert run("check", "--repo", str(repo)).code == 0


def test_no_objection_carries_reservations(repo):
    result = endorse(repo, "--reservation", "4: We read 'guardian' narrowly.", position="no-objection")
    assert result.code == 0, result.err
    assert "reservations:\n- paragraph: 4\n" in (repo / UNICEF).read_text()


@pytest.mark.parametrize("status", ["withdrawn", "published"])
def test_a_withdrawn_or_published_statement_takes_no_positions_and_no_review_packets(repo, tmp_path, status):
    write(repo / S, (repo / S).read_text().replace("status: draft", f"status: {status}"))
    git(repo, "commit", "-q", "-am", status.capitalize())
    message = (f"statement 'child-protection' is {status}; accord does not {{}} a {status} text "
               "(only draft, consultation and final texts are open)")
    result = endorse(repo)
    assert (result.code, result.err) == (2, "Error: " + message.format("record a position on") + "\n")
    assert not (repo / UNICEF).exists()
    sent = run("review", "send", "child-protection", "--partner", "unicef", "-o", str(tmp_path / "p.docx"),
               "--repo", str(repo))
    assert (sent.code, sent.err) == (2, "Error: " + message.format("send a review packet for") + "\n")
    assert not (tmp_path / "p.docx").exists()
