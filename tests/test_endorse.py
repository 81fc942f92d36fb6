"""`accord endorse`: a record bound to the exact text, chained to the last one, committed alone."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from accord.repo import Repo

from conftest import git, run, write
from test_ledger import S, fixed_day, repo  # noqa: F401  (shared fixtures)

UNICEF = "statements/child-protection/endorsements/unicef.yaml"


def endorse(repo, *args: str, partner: str = "unicef", position: str = "endorse"):
    return run("endorse", "child-protection", partner, "--position", position,
               "--signatory", "Jane Doe, Chief, Child Protection", *args, "--repo", str(repo))


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
        "signatory: Jane Doe, Chief, Child Protection\n"
        "recorded_by: Test Drafter <drafter@aect.example>\nrecorded_at: 2026-11-28\nsupersedes: null\n")
    assert git(repo, "log", "-1", "--format=%s%n%n%b") == (
        f"Endorsement: UNICEF endorses child-protection (text {h[:8]})\n\n"
        "Signatory: Jane Doe, Chief, Child Protection\nRecorded by: Test Drafter <drafter@aect.example>\n\n")
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
    result = endorse(repo, "--reservation", "1:  We read 'guardian' as\n a legal representative.",
                     "--reservation", "Subject to our mandate.", "--evidence", "letter:UNICEF/CP/2026/114",
                     "--recorded-by", "Ana Pereira (secretariat)", position="endorse-with-reservations")
    assert result.out.splitlines()[0] == f"UNICEF endorses child-protection with reservations (text {text_hash(repo)[:8]})"
    text = (repo / UNICEF).read_text()
    assert ("recorded_by: Ana Pereira (secretariat)\nrecorded_at: 2026-11-28\n"
            "reservations:\n- paragraph: '1'\n  text: We read 'guardian' as a legal representative.\n"
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


def test_endorsing_uncommitted_text_binds_the_working_tree_and_says_so(repo):
    committed = text_hash(repo)
    write(repo / S, (repo / S).read_text().replace("without delay", "at once"))
    result = endorse(repo)
    assert result.code == 0
    assert f"text_sha256: {text_hash(repo)}\n" in (repo / UNICEF).read_text()
    assert result.err == (f"Note: {S} has uncommitted changes; the record binds the text in the working tree "
                          f"({text_hash(repo)[:8]}), not the text at HEAD ({committed[:8]})\n")
    assert git(repo, "status", "--porcelain") == f" M {S}\n"


def test_rewrapping_uncommitted_text_needs_no_note(repo):
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
     "Error: reservations need position endorse-with-reservations, not endorse"),
    (["endorse", "child-protection", "unicef"], ["--position", "endorse-with-reservations"],
     "Error: position endorse-with-reservations needs at least one reservation"),
    (["endorse", "child-protection", "unicef"], ["--position", "endorse-with-reservations", "--reservation", "0: x"],
     "Error: reservation on paragraph 0: paragraphs are numbered from 1"),
    (["endorse", "child-protection", "unicef"], ["--evidence", "leter:A/1"],
     "Error: unknown evidence kind 'leter' (did you mean 'letter'?); use KIND:REF with KIND one of letter, email, "
     "url (or just none)"),
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
    defaults = {"--position": "endorse", "--signatory": "Jane Doe"}
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
    write(repo / UNICEF, (repo / UNICEF).read_text().replace("Jane Doe", "Jane Roe"))
    result = endorse(repo, position="object")
    assert (result.code, result.err) == (2, f"Error: {UNICEF} has uncommitted changes; commit or discard them first, "
                                            "or pass --no-commit\n")
    assert "Jane Roe" in (repo / UNICEF).read_text()


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
