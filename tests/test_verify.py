"""Signed endorsements and `accord verify`: signatures, exact principals, names, and the history of each record."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from accord import signing

from conftest import STATEMENT, git, run, write
from helpers.verify import FOLDER, UNICEF, commit_all, endorse, make_key, register, short, sign_bytes, verify

# The ledger's tests share one repository: no templates/, and records made on one known day.
pytestmark = [pytest.mark.alliance(templates=False), pytest.mark.usefixtures("fixed_day")]

# -- signing ------------------------------------------------------------------------------------

def test_a_signed_record_verifies(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    result = endorse(repo, "--sign", str(keys / "unicef"))
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [f"Wrote {UNICEF}", f"Wrote {UNICEF}.sig (signed as signer@unicef.example)",
                                           f"Committed {short(repo)}"]
    assert "evidence:\n  kind: ssh-signature\n  ref: signer@unicef.example\n" in (repo / UNICEF).read_text()
    assert git(repo, "show", "--format=", "--name-only", "HEAD").split() == [UNICEF, f"{UNICEF}.sig"]
    assert verify(repo).out == f"{UNICEF}: signed by signer@unicef.example\nOK: 1 record verified (1 signed, 0 attested)\n"
    status = json.loads(run("status", "child-protection", "--json", "--repo", str(repo)).out)
    assert status["endorsements"][0]["signed"] is True


def test_unsigned_records_are_attested_not_failures_and_a_new_unsigned_record_drops_the_old_signature(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    endorse(repo, partner="iom")
    endorse(repo, position="object")  # recorded by the secretariat, unsigned
    assert not (repo / f"{UNICEF}.sig").exists()
    result = verify(repo)
    assert (result.code, result.out) == (0, f"{FOLDER}/iom.yaml: attested (not signed)\n"
                                            f"{UNICEF}: attested (not signed)\n"
                                            "OK: 2 records verified (0 signed, 2 attested)\n")


def test_a_tampered_record_fails_verify(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    signed_in = short(repo)
    write(repo / UNICEF, (repo / UNICEF).read_text().replace("position: endorse", "position: no-objection"))
    result = verify(repo)
    assert (result.code, result.err) == (1, "2 failures in 1 record\n")
    assert result.out == (f"{UNICEF}: the signature does not match the record: it was changed after it was signed\n"
                          f"{UNICEF}: edited in the working tree (uncommitted): it replaces the record of commit "
                          f"{signed_in} without superseding it\n")


def test_a_record_signed_with_another_partners_key_fails_verify(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    register(repo, "iom", make_key(keys, "iom"))
    endorse(repo)
    write(repo / f"{UNICEF}.sig", sign_bytes((repo / UNICEF).read_bytes(), keys / "iom"))
    commit_all(repo)
    result = verify(repo)
    assert result.out == (f"{UNICEF}: signed with the key of signer@iom.example (IOM), who does not sign for UNICEF\n")


def test_a_record_copied_to_another_statement_fails_verify(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    write(repo / "statements/labour-2027/statement.md", STATEMENT.format(id="labour-2027", status="draft"))
    commit_all(repo, "Second text")
    endorse(repo, "--sign", str(keys / "unicef"))
    shutil.copytree(repo / FOLDER, repo / "statements/labour-2027/endorsements")
    commit_all(repo, "Copy")
    result = verify(repo, "labour-2027")
    assert (result.code, result.out) == (1, "statements/labour-2027/endorsements/unicef.yaml: record names statement "
                                            "'child-protection', but it is filed under 'labour-2027'\n")
    assert verify(repo, "child-protection").code == 0


def test_a_deleted_newer_record_fails_verify(repo):
    endorse(repo)
    first = short(repo)
    endorse(repo, position="object")
    objected = short(repo)
    write(repo / UNICEF, git(repo, "show", f"{first}:{UNICEF}"))
    rolled_back = commit_all(repo, "Quietly restore the endorsement")
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{UNICEF}: rolled back in commit {rolled_back}: it restores the version "
                                            f"of commit {first}, hiding the record of commit {objected}\n")


def test_a_deleted_record_fails_verify(repo):
    endorse(repo, position="object")
    recorded = short(repo)
    (repo / UNICEF).unlink()
    assert verify(repo).out == (f"{UNICEF}: record deleted from the working tree; its last version "
                                f"(commit {recorded}) records position object\n")
    deleted = commit_all(repo, "Drop the objection")
    assert verify(repo).out == (f"{UNICEF}: record deleted in commit {deleted}; its last version "
                                f"(commit {recorded}) records position object\n")
    endorse(repo)  # recording a new position after a deletion does not hide it
    assert verify(repo).out == (f"{UNICEF}: recreated in commit {short(repo)} after its deletion in commit {deleted}, "
                                f"without superseding the record of commit {recorded}\n")


def test_restoring_a_deleted_or_hidden_record_mends_the_chain(repo):
    endorse(repo)
    endorse(repo, position="object")
    objection = (repo / UNICEF).read_bytes()
    git(repo, "rm", "-q", UNICEF)
    git(repo, "commit", "-q", "-m", "Drop the objection")
    git(repo, "revert", "--no-edit", "HEAD")
    assert verify(repo).code == 0
    write(repo / UNICEF, git(repo, "show", f"HEAD~3:{UNICEF}"))
    commit_all(repo, "Roll back to the endorsement")
    assert verify(repo).code == 1
    write(repo / UNICEF, objection)
    commit_all(repo, "Restore the objection")
    assert verify(repo).code == 0
    endorse(repo, position="withdrawn")
    assert verify(repo).code == 0


def test_a_record_written_by_hand_over_another_fails_verify(repo):
    endorse(repo)
    first = short(repo)
    write(repo / UNICEF, (repo / UNICEF).read_text().replace("supersedes: null", "supersedes: " + "b" * 64))
    edited = commit_all(repo)
    assert verify(repo).out == (f"{UNICEF}: supersedes chain broken in commit {edited}: it does not supersede "
                                f"the record of commit {first}\n")


def test_a_removed_signature_fails_verify(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    signed = short(repo)
    (repo / f"{UNICEF}.sig").unlink()
    commit_all(repo, "Drop the signature")
    assert verify(repo).out == f"{UNICEF}: signature removed: this record was committed with one in commit {signed}\n"


@pytest.mark.parametrize("signature, message", [
    (b"not a signature\n", "the signature file is not an SSH signature"),
    ("namespace", "signed for namespace 'git', not 'accord-endorsement'"),
    ("stranger", "signed with a key ({fp}) that no signer in partners/ holds"),
])
def test_a_bad_signature_file_fails_verify(repo, keys, signature, message):
    register(repo, "unicef", make_key(keys, "unicef"))
    stranger = make_key(keys, "stranger")
    endorse(repo)
    data = (repo / UNICEF).read_bytes()
    if signature == "namespace":
        signature = sign_bytes(data, keys / "unicef", namespace="git")
    elif signature == "stranger":
        signature = sign_bytes(data, stranger)
    write(repo / f"{UNICEF}.sig", signature)
    fp = signing.PublicKey.parse(stranger.with_suffix(".pub").read_text()).fingerprint
    assert verify(repo).out == f"{UNICEF}: {message.format(fp=fp)}\n"


def test_a_signature_without_its_record_fails_verify(repo):
    write(repo / f"{FOLDER}/iom.yaml.sig", "x")
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{FOLDER}/iom.yaml.sig: signature without its record\n")


def test_a_pattern_principal_never_vouches_for_a_signature(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    registry = repo / "partners" / "unicef.yaml"
    write(registry, registry.read_text().replace("principal: signer@unicef.example", "principal: '*@unicef.example'"))
    result = verify(repo)
    assert result.code == 2
    assert result.err.startswith("Error: partners/unicef.yaml:")
    assert result.err.endswith(": 'principal' must be one exact identity (no spaces, wildcards or lists): "
                               "'*@unicef.example'\n")


def test_verify_json_lists_every_record(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    endorse(repo, partner="iom")
    result = run("verify", "--json", "--repo", str(repo))
    assert json.loads(result.out) == {"ok": True, "records": [
        {"path": f"{FOLDER}/iom.yaml", "partner": "iom", "signed": False, "principal": None, "ok": True, "problems": []},
        {"path": UNICEF, "partner": "unicef", "signed": True, "principal": "signer@unicef.example", "ok": True,
         "problems": []}]}


# -- the remembered walk (.git/accord/ledger-walk) ---------------------------------------------

def _supersedes_nothing(record: str) -> str:
    lines = [line if not line.startswith("supersedes:") else "supersedes: null" for line in record.splitlines()]
    return "\n".join(lines) + "\n"


def test_a_history_rewritten_after_a_cached_verify_is_walked_again_and_its_forgery_caught(repo):
    endorse(repo)
    endorse(repo, position="object")
    endorse(repo, position="endorse")
    objection, last = git(repo, "show", f"HEAD~1:{UNICEF}"), git(repo, "show", f"HEAD:{UNICEF}")
    assert verify(repo).code == 0
    assert (repo / ".git" / "accord" / "ledger-walk").is_file()  # the walk of this history is remembered
    # The forger rewrites the past: the objection becomes an edit in place of the first endorsement (it no
    # longer supersedes it), and the last record is committed again on top: the same tree as before, the same
    # branch, and a history the remembered walk does not describe.
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    write(repo / UNICEF, _supersedes_nothing(objection))
    edited = commit_all(repo, "Objection (rewritten)")
    write(repo / UNICEF, last)
    commit_all(repo, "Endorsement again")
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{UNICEF}: edited in commit {edited}: it replaces the record of commit "
                                            f"{short(repo, 'HEAD~2')} without superseding it\n")
    # and a cache file altered by hand is not believed either
    cache = repo / ".git" / "accord" / "ledger-walk"
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 1
    cache.write_bytes(bytes(data))
    assert verify(repo).out == result.out


def test_a_forgery_committed_on_top_of_a_cached_verify_is_caught(repo):
    endorse(repo)
    first = short(repo)
    endorse(repo, position="object")
    objected = short(repo)
    assert verify(repo).code == 0
    write(repo / UNICEF, git(repo, "show", f"{first}:{UNICEF}"))
    rolled_back = commit_all(repo, "Quietly restore the endorsement")
    assert verify(repo).out == (f"{UNICEF}: rolled back in commit {rolled_back}: it restores the version of commit "
                                f"{first}, hiding the record of commit {objected}\n")


def test_verify_refuses_a_shallow_clone(repo, tmp_path):
    endorse(repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    result = verify(clone)
    assert (result.code, result.err) == (2, "Error: this clone is shallow, and verify needs the ledger's whole git "
                                            "history: run git fetch --unshallow (in CI, check out with fetch-depth: 0)\n")


def test_verify_of_an_unknown_statement_is_an_error(repo):
    assert verify(repo, "nope-text").err == "Error: unknown statement 'nope-text'\n"


# -- keys that cannot sign ----------------------------------------------------------------------

def test_a_key_with_a_passphrase_is_refused_without_a_prompt(repo, keys):
    key = make_key(keys, "locked", passphrase="correct horse")
    register(repo, "unicef", key)
    result = endorse(repo, "--sign", str(key))
    assert (result.code, result.err) == (2, f"Error: the key {key} has a passphrase, and accord never prompts for "
                                            f"one: load it into ssh-agent (ssh-add {key}) and pass its public key "
                                            "to --sign\n")
    assert not (repo / FOLDER).exists()


@pytest.mark.parametrize("make, message", [
    (lambda keys: keys / "missing", "cannot read key {key}: no such file"),
    (lambda keys: keys, "cannot read key {key}: is a directory"),
    (lambda keys: write(keys / "notes.txt", "hello"), "{key} is not an SSH key"),
    (lambda keys: write(keys / "broken", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"),
     "cannot use the key {key}: "),  # and ssh-keygen's reason, which varies by version
    (lambda keys: make_key(keys, "public").with_suffix(".pub"),
     "{key} is a public key, and no ssh-agent is running to sign with its private half: pass the private key file, "
     "or start ssh-agent and ssh-add the key"),
])
def test_a_key_that_cannot_be_used_is_refused(repo, keys, monkeypatch, make, message):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    key = make(keys)
    if key.name == "broken":
        key.chmod(0o600)
    result = endorse(repo, "--sign", str(key))
    expected = f"Error: {message.format(key=key)}"
    assert result.code == 2
    assert result.err.startswith(expected) if expected.endswith(": ") else result.err == expected + "\n"
    assert not (repo / FOLDER).exists()


def test_a_key_of_another_partner_is_refused(repo, keys):
    register(repo, "iom", make_key(keys, "iom"))
    fingerprint = signing.PublicKey.parse((keys / "iom.pub").read_text()).fingerprint
    result = endorse(repo, "--sign", str(keys / "iom"))
    assert result.err == (f"Error: the key {keys / 'iom'} ({fingerprint}) is not the key of a signer of UNICEF "
                          "in partners/unicef.yaml\n")


def test_a_missing_ssh_keygen_is_named(repo, keys, monkeypatch):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    monkeypatch.setattr(signing, "SSH_KEYGEN", str(keys / "no-ssh-keygen-here"))
    message = ("Error: ssh-keygen not found: install OpenSSH 8.2 or later (package openssh-client) "
               "to sign or verify endorsements\n")
    assert endorse(repo, "--sign", str(keys / "unicef"), position="object").err == message
    assert verify(repo).err == message


def test_a_public_key_signs_through_ssh_agent(repo, keys, monkeypatch):
    register(repo, "unicef", make_key(keys, "unicef"))
    socket = keys / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if socket.exists():
                break
            subprocess.run(["sleep", "0.02"])
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket))
        subprocess.run(["ssh-add", "-q", str(keys / "unicef")], check=True, capture_output=True,
                       env={**os.environ, "SSH_AUTH_SOCK": str(socket)})
        result = endorse(repo, "--sign", str(keys / "unicef.pub"))
    finally:
        agent.terminate()
        agent.wait()
    assert result.code == 0, result.err
    assert verify(repo).code == 0
