"""The ledger cannot be fooled: history walked in full, keys judged as they were, records that may not count."""

from __future__ import annotations

import pytest

from conftest import git, run, write
from helpers.verify import FOLDER, UNICEF, commit_all, endorse, make_key, register, short, verify

# The ledger's tests share one repository: no templates/, and records made on one known day.
pytestmark = [pytest.mark.alliance(templates=False), pytest.mark.usefixtures("fixed_day")]


def release_dry_run(repo):
    return run("release", "child-protection", "--dry-run", "--repo", str(repo))


# -- 1. a signed objection hidden by a merge -----------------------------------------------------

@pytest.mark.parametrize("merge", ["no-ff", "ours"])
def test_a_merge_that_restores_an_old_record_cannot_hide_an_objection(repo, merge):
    endorse(repo)
    endorsed = short(repo)
    endorse(repo, position="object")
    objected = short(repo)
    if merge == "no-ff":
        # a side branch from before the objection, which touches the record there, merged with -s ours
        git(repo, "checkout", "-q", "-b", "side", endorsed)
        write(repo / "statements/child-protection/notes.md", "side work\n")
        commit_all(repo, "Side work")
        git(repo, "checkout", "-q", "main")
        git(repo, "merge", "-q", "--no-ff", "-m", "Merge side", "side")
        git(repo, "checkout", "-q", endorsed, "--", UNICEF)
        git(repo, "commit", "-q", "--amend", "--no-edit")
    else:
        # on the side branch, main is merged with -s ours (keeping the old record); main then takes the side branch
        git(repo, "checkout", "-q", "-b", "side", endorsed)
        write(repo / "statements/child-protection/notes.md", "side work\n")
        commit_all(repo, "Side work")
        git(repo, "merge", "-q", "-s", "ours", "-m", "Merge main, keeping ours", "main")
        git(repo, "checkout", "-q", "main")
        git(repo, "merge", "-q", "--no-ff", "-m", "Merge side", "side")
    assert git(repo, "log", "--format=%h", "--", UNICEF).split() == [endorsed] or merge == "no-ff"
    merged = short(repo) if merge == "no-ff" else short(repo, "side")
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{UNICEF}: rolled back in commit {merged}: it restores the version "
                                            f"of commit {endorsed}, hiding the record of commit {objected}\n")


def test_release_refuses_a_text_whose_objection_a_merge_hid(repo):
    endorse(repo)
    endorsed = short(repo)
    endorse(repo, position="object")
    git(repo, "checkout", "-q", "-b", "side", endorsed)
    git(repo, "merge", "-q", "-s", "ours", "-m", "Merge main, keeping ours", "main")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "side")
    statement = repo / "statements/child-protection/statement.md"
    write(statement, statement.read_text().replace("status: draft", "status: final"))
    commit_all(repo, "Final")
    result = release_dry_run(repo)
    assert result.code == 1
    assert (f"  - accord verify: {UNICEF}: rolled back in commit {short(repo, 'side')}: it restores the version of "
            f"commit {endorsed}" in result.out)


# -- 2. keys trusted from the registry as it was, and key changes that must be authorised ------------

def sign_bytes(data: bytes, key_path, namespace: str = "accord-endorsement") -> bytes:
    import subprocess

    return subprocess.run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key_path)], input=data,
                          capture_output=True, check=True).stdout


def set_key(repo, partner: str, key_path, extra: str = "") -> None:
    """Write the partner's one signer's key (replacing any), uncommitted."""
    path = repo / "partners" / f"{partner}.yaml"
    lines = [line for line in path.read_text().splitlines() if not line.startswith(("    key:", "    valid-"))]
    write(path, "\n".join(lines) + f"\n    key: {key_path.with_suffix('.pub').read_text().strip()}\n{extra}")


def test_a_key_slipped_into_the_registry_with_a_signed_record_is_not_trusted(repo, keys):
    register(repo, "iom", make_key(keys, "iom"))  # the secretariat key exists; unicef has no key yet
    set_key(repo, "unicef", make_key(keys, "attacker"))
    endorse(repo, "--sign", str(keys / "attacker"), "--no-commit")
    attack = commit_all(repo, "Endorsement")
    result = verify(repo)
    assert (result.code, result.out) == (1, (
        f"{UNICEF}: signed with the key of signer@unicef.example, which commit {attack} put into partners/unicef.yaml "
        "without authorisation\n"
        f"partners/unicef.yaml: key of signer@unicef.example added in commit {attack} without authorisation: "
        "no partners/unicef.yaml.sig in that commit; a key change must be signed by another signer of 'unicef' or by "
        "a secretariat key in accord.yaml (accord authorise-keys)\n"))


def test_a_replaced_key_signed_by_the_replaced_key_itself_is_not_authorised(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"))
    set_key(repo, "unicef", make_key(keys, "attacker"))
    write(repo / "partners/unicef.yaml.sig", sign_bytes((repo / "partners/unicef.yaml").read_bytes(), keys / "attacker",
                                                        "accord-registry"))
    attack = commit_all(repo, "Rotate")
    fingerprint = signing_fingerprint(keys / "attacker")
    result = verify(repo)
    assert (result.code, result.out) == (1, (
        f"{UNICEF}: signed by signer@unicef.example\n"  # made with the key registered when it was committed
        f"partners/unicef.yaml: key of signer@unicef.example replaced in commit {attack} without authorisation: "
        f"partners/unicef.yaml.sig is signed with a key ({fingerprint}) that may not authorise it: only another "
        "signer of 'unicef' or a secretariat key in accord.yaml may\n"))


def signing_fingerprint(key_path) -> str:
    from accord.signing import PublicKey

    return PublicKey.parse(key_path.with_suffix(".pub").read_text()).fingerprint


def test_another_signer_of_the_partner_may_authorise_a_key(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    path = repo / "partners/unicef.yaml"
    write(path, path.read_text() + "  - name: Second Signer\n    principal: second@unicef.example\n"
                                   f"    key: {make_key(keys, 'second').with_suffix('.pub').read_text().strip()}\n")
    result = run("authorise-keys", "unicef", "--sign", str(keys / "unicef"), "--repo", str(repo))
    assert (result.code, result.out) == (0, "Wrote partners/unicef.yaml.sig: commit it with partners/unicef.yaml\n")
    commit_all(repo, "A second signer")
    assert endorse(repo, "--sign", str(keys / "second"), signatory="Second Signer, Deputy").code == 0
    assert verify(repo).out.splitlines()[0] == f"{UNICEF}: signed by second@unicef.example"


def test_authorise_keys_refuses_a_key_that_may_not_authorise(repo, keys):
    stranger = make_key(keys, "stranger")
    result = run("authorise-keys", "unicef", "--sign", str(stranger), "--repo", str(repo))
    assert (result.code, result.err) == (2, (
        f"Error: the key {stranger} ({signing_fingerprint(stranger)}) is neither a secretariat key in accord.yaml "
        "nor the key of a signer in partners/unicef.yaml, so it cannot authorise a key change\n"))
    assert not (repo / "partners/unicef.yaml.sig").exists()


# -- 13. key rotation: old signatures stay good, windows are kept ----------------------------------

def test_rotating_a_key_keeps_old_signatures_good_and_new_records_use_the_new_key(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"), partner="unicef")
    set_key(repo, "unicef", make_key(keys, "unicef-2027"))
    assert run("authorise-keys", "unicef", "--sign", str(keys / "secretariat"), "--repo", str(repo)).code == 0
    commit_all(repo, "Rotate UNICEF's key")
    assert verify(repo).out == f"{UNICEF}: signed by signer@unicef.example\nOK: 1 record verified (1 signed, 0 attested)\n"
    old_key = endorse(repo, "--sign", str(keys / "unicef"), position="object")
    assert old_key.code == 2 and "is not the key of a signer of UNICEF" in old_key.err
    assert endorse(repo, "--sign", str(keys / "unicef-2027"), position="object").code == 0
    assert verify(repo).code == 0


def test_a_key_is_judged_by_its_validity_window_at_the_records_commit(repo, keys, monkeypatch):
    # the registry's commits are dated too: a record is judged at the later of its commit and its registry's
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-30T10:00:00Z")
    make_key(keys, "unicef")
    register(repo, "unicef", keys / "unicef")
    set_key(repo, "unicef", keys / "unicef", "    valid-before: 2026-12-01\n")
    assert run("authorise-keys", "unicef", "--sign", str(keys / "secretariat"), "--repo", str(repo)).code == 0
    commit_all(repo, "UNICEF's key expires")
    data = hand_made_record(repo)  # endorse itself refuses an expired key; someone holding it signs by hand
    write(repo / f"{UNICEF}.sig", sign_bytes(data, keys / "unicef"))
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-12-02T10:00:00Z")
    commit_all(repo, "Signed by hand")
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{UNICEF}: signed with the key of signer@unicef.example, valid only "
                                            "before 2026-12-01, in a record committed on 2026-12-02\n")


# -- 3. an unsigned record may not supersede a signed one --------------------------------------------

def test_an_unsigned_record_superseding_a_signed_objection_fails_verify_and_closes_release(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    endorse(repo, "--sign", str(keys / "unicef"), position="object")
    objected = short(repo)
    endorse(repo)  # attested by the secretariat
    message = (f"{UNICEF}: an unsigned record supersedes the signed record of commit {objected}: only a signed "
               "record (or an objection) may replace a signed position")
    result = verify(repo)
    assert (result.code, result.out) == (1, message + "\n")
    assert f"  - accord verify: {message}\n" in release_dry_run(repo).out


# -- 12. the signed principal is the signatory --------------------------------------------------------

def hand_made_record(repo, signatory: str = "Signer of UNICEF") -> bytes:
    import datetime as dt

    from accord.ledger import render_record
    from accord.repo import Repo

    text_hash = Repo(repo).load_statement("child-protection").text_sha256
    data = render_record("child-protection", "unicef", "endorse", text_hash, signatory,
                         recorded_at=dt.date(2026, 11, 28))
    write(repo / UNICEF, data)
    return data


def test_a_record_signed_by_one_signer_that_names_another_fails_verify(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    data = hand_made_record(repo, "Amy Pope, Director General")
    write(repo / f"{UNICEF}.sig", sign_bytes(data, keys / "unicef"))
    commit_all(repo, "By hand")
    assert verify(repo).out == (f"{UNICEF}: signed by signer@unicef.example (Signer of UNICEF), but the record names "
                                "signatory 'Amy Pope, Director General'\n")


# -- 4. a record of a partner not invited --------------------------------------------------------------

def test_a_hand_written_record_of_a_partner_not_invited_is_reported_by_check_and_never_counts(repo):
    from accord.ledger import ledger_status
    from accord.repo import Repo

    endorse(repo)
    data = (repo / UNICEF).read_text().replace("partner: unicef", "partner: lastrada").replace(
        "Signer of UNICEF", "Signer of LSI").replace("supersedes: null", "supersedes: null")
    write(repo / f"{FOLDER}/lastrada.yaml", data)
    commit_all(repo, "By hand")
    result = run("check", "--repo", str(repo))
    assert (result.code, result.out) == (1, f"{FOLDER}/lastrada.yaml:2: partner 'lastrada' is not invited to endorse "
                                            "'child-protection'; its record never counts\n")
    gate = ledger_status(Repo(repo), "child-protection").gate
    assert gate.problems == ("1 partner holds a counting position on the current text; 2 are needed",
                                 "LSI is not invited to endorse this text; its endorse does not count")


# -- 16. a malformed key fails check --------------------------------------------------------------------

@pytest.mark.parametrize("key", ["ssh-ed25519 NOTAKEY", "ssh-ed25519 AAAA", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIDnm"])
def test_a_malformed_key_fails_check(repo, key):
    path = repo / "partners/unicef.yaml"
    write(path, path.read_text() + f"    key: {key}\n")
    result = run("check", "--repo", str(repo))
    assert (result.code, result.out) == (1, "partners/unicef.yaml:9: 'key' of Signer of UNICEF is not a valid SSH "
                                            "public key: its key data does not decode\n")


# -- 10. two endorse runs for the same partner at once ---------------------------------------------------

def test_two_endorse_runs_for_the_same_partner_at_once_always_chain_and_leave_a_clean_index(repo):
    import subprocess
    import sys
    from pathlib import Path

    accord = str(Path(sys.executable).with_name("accord"))
    for round_number in range(6):
        runs = [subprocess.Popen([accord, "endorse", "child-protection", "unicef", "--position", position,
                                  "--signatory", "Signer of UNICEF", "--repo", str(repo)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                for position in ("endorse", "object")]
        outcomes = [(process.wait(timeout=120), process.stderr.read().decode()) for process in runs]
        for process in runs:
            process.stderr.close()
        assert outcomes == [(0, "")] * 2, f"round {round_number}"
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == "", f"round {round_number}"
        result = verify(repo)
        assert (result.code, result.out) == (0, f"{UNICEF}: attested (not signed)\n"
                                                "OK: 1 record verified (0 signed, 1 attested)\n"), f"round {round_number}"
    assert len(git(repo, "log", "--format=%H", "--", UNICEF).split()) == 12


def test_a_record_signed_with_one_signers_key_for_another_signatory_is_refused(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    path = repo / "partners/unicef.yaml"
    write(path, path.read_text() + "  - name: Amira Haddad\n    principal: amira.haddad@unicef.example\n")
    commit_all(repo, "A second signer, without a key")
    result = endorse(repo, "--sign", str(keys / "unicef"), signatory="Amira Haddad, Chief")
    assert (result.code, result.err) == (2, f"Error: the key {keys / 'unicef'} is the key of signer@unicef.example "
                                            "(Signer of UNICEF), but the signatory is 'Amira Haddad, Chief': a signed "
                                            "record is signed by its signatory\n")
    unregistered = endorse(repo, "--sign", str(keys / "unicef"), "--unregistered-signatory", signatory="Amy Pope")
    assert unregistered.code == 2 and "but the signatory is 'Amy Pope'" in unregistered.err
    assert not (repo / UNICEF).exists()


def test_an_expired_key_does_not_sign(repo, keys):
    register(repo, "unicef", make_key(keys, "unicef"))
    set_key(repo, "unicef", keys / "unicef", "    valid-before: 2020-01-01\n")
    assert run("authorise-keys", "unicef", "--sign", str(keys / "secretariat"), "--repo", str(repo)).code == 0
    commit_all(repo, "Expire the key")
    result = endorse(repo, "--sign", str(keys / "unicef"))
    assert (result.code, result.err) == (2, f"Error: the key {keys / 'unicef'} of signer@unicef.example is valid only "
                                            "before 2020-01-01 (partners/unicef.yaml)\n")


def test_keys_committed_without_authorisation_are_ratified_by_a_later_secretariat_signature(repo, keys):
    from helpers.verify import secretariat_key

    secretariat = secretariat_key(repo, keys)
    set_key(repo, "unicef", make_key(keys, "unicef"))
    added = commit_all(repo, "A key, the old way")
    endorse(repo, "--sign", str(keys / "unicef"))
    assert verify(repo).out.splitlines()[-1].startswith(f"partners/unicef.yaml: key of signer@unicef.example added "
                                                        f"in commit {added} without authorisation")
    assert run("authorise-keys", "unicef", "--sign", str(secretariat), "--repo", str(repo)).code == 0
    commit_all(repo, "The secretariat vouches for UNICEF's key")
    assert verify(repo).out == f"{UNICEF}: signed by signer@unicef.example\nOK: 1 record verified (1 signed, 0 attested)\n"


def test_a_replacement_ref_cannot_splice_an_objection_out_of_history(repo):
    endorse(repo)
    endorsed = short(repo)
    endorse(repo, position="object")
    objected = short(repo)
    git(repo, "checkout", "-q", endorsed, "--", UNICEF)
    rolled_back = commit_all(repo, "Restore")
    fake = git(repo, "commit-tree", "HEAD^{tree}", "-p", endorsed, "-m", "Restore").strip()
    git(repo, "replace", "HEAD", fake)  # `git log` would now walk endorsed -> fake, never seeing the objection
    result = verify(repo)
    assert (result.code, result.out) == (1, f"{UNICEF}: rolled back in commit {rolled_back}: it restores the version "
                                            f"of commit {endorsed}, hiding the record of commit {objected}\n")


# -- 6. accord.yaml's own keys: the root of the ledger's trust --------------------------------------

def add_setting_key(repo, setting: str, key_path) -> None:
    """Append a key to accord.yaml's secretariat-keys or portal-keys (uncommitted)."""
    settings = repo / "accord.yaml"
    public = key_path.with_suffix(".pub").read_text().strip()
    text = settings.read_text()
    if f"{setting}:\n" in text:
        text = text.replace(f"{setting}:\n", f"{setting}:\n  - {public}\n")
    else:
        text += f"{setting}:\n  - {public}\n"
    write(settings, text)


def portal_endorse(repo, portal_key):
    from accord.ledger import Evidence
    from accord.ledger.endorse import record_position
    from accord.repo import Repo

    record_position(Repo(repo), "child-protection", "unicef", "endorse", "Signer of UNICEF",
                    recorded_by="someone@unicef.example", evidence=Evidence("portal", "1"), portal_keyfile=portal_key)


def test_a_portal_key_added_without_the_secretariats_signature_signs_nothing(repo, keys):
    from helpers.verify import secretariat_key

    secretariat_key(repo, keys)
    forged = make_key(keys, "forged-portal")
    add_setting_key(repo, "portal-keys", forged)
    added = commit_all(repo, "A portal key, unsigned")
    portal_endorse(repo, forged)
    result = verify(repo)
    assert (result.code, result.out) == (1, (
        f"{UNICEF}: signed with the portal key {fingerprint(forged)}, which commit {added} put into accord.yaml "
        "without authorisation\n"
        f"accord.yaml: portal-key {fingerprint(forged)} added in commit {added} without authorisation: no "
        "accord.yaml.sig in that commit; a key added to accord.yaml must be signed by a secretariat key listed "
        "before it (accord authorise-keys --settings)\n"))


def test_a_portal_key_the_secretariat_signed_for_signs_positions(repo, keys):
    from helpers.verify import secretariat_key

    secretariat = secretariat_key(repo, keys)
    portal = make_key(keys, "portal")
    add_setting_key(repo, "portal-keys", portal)
    signed = run("authorise-keys", "--settings", "--sign", str(secretariat), "--repo", str(repo))
    assert (signed.code, signed.out) == (0, "Wrote accord.yaml.sig: commit it with accord.yaml\n")
    commit_all(repo, "The portal's key, authorised")
    portal_endorse(repo, portal)
    result = verify(repo)
    assert (result.code, result.out) == (0, f"{UNICEF}: signed by the portal (for someone@unicef.example, audit 1)\n"
                                            "OK: 1 record verified (1 signed, 0 attested)\n")


def test_a_secretariat_key_added_without_authorisation_cannot_authorise_a_partners_key(repo, keys):
    from helpers.verify import secretariat_key

    secretariat_key(repo, keys)
    intruder = make_key(keys, "intruder")
    add_setting_key(repo, "secretariat-keys", intruder)
    added = commit_all(repo, "Another secretariat key, unsigned")
    set_key(repo, "unicef", make_key(keys, "unicef"))
    # the intruder's key is in accord.yaml at HEAD, so authorise-keys takes it; verify judges the commit
    assert run("authorise-keys", "unicef", "--sign", str(intruder), "--repo", str(repo)).code == 0
    keyed = commit_all(repo, "UNICEF's key, 'authorised'")
    endorse(repo, "--sign", str(keys / "unicef"))
    lines = verify(repo).out.splitlines()
    assert lines[0] == (f"{UNICEF}: signed with the key of signer@unicef.example, which commit {keyed} put into "
                        "partners/unicef.yaml without authorisation")
    assert lines[1].startswith(f"partners/unicef.yaml: key of signer@unicef.example added in commit {keyed} without "
                               f"authorisation: partners/unicef.yaml.sig is signed with a key ({fingerprint(intruder)})")
    assert lines[2].startswith(f"accord.yaml: secretariat-key {fingerprint(intruder)} added in commit {added} "
                               "without authorisation")


def test_removing_every_secretariat_key_first_does_not_make_the_next_key_a_first_one(repo, keys):
    from helpers.verify import secretariat_key

    secretariat_key(repo, keys)
    settings = repo / "accord.yaml"
    write(settings, settings.read_text().split("secretariat-keys:")[0])
    commit_all(repo, "No secretariat keys any more")
    intruder = make_key(keys, "intruder")
    add_setting_key(repo, "secretariat-keys", intruder)
    added = commit_all(repo, "A 'first' secretariat key")
    result = verify(repo)
    assert result.code == 1
    assert result.out.startswith(f"accord.yaml: secretariat-key {fingerprint(intruder)} added in commit {added} "
                                 "without authorisation: no accord.yaml.sig in that commit")


def test_a_key_merged_in_from_a_side_branch_is_judged_where_it_was_added(repo, keys):
    from helpers.verify import secretariat_key

    secretariat_key(repo, keys)
    git(repo, "checkout", "-q", "-b", "side")
    forged = make_key(keys, "forged-portal")
    add_setting_key(repo, "portal-keys", forged)
    added = commit_all(repo, "A portal key on a side branch")
    git(repo, "checkout", "-q", "main")
    write(repo / "statements/child-protection/notes.md", "main work\n")
    commit_all(repo, "Main work")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge side", "side")
    portal_endorse(repo, forged)
    result = verify(repo)
    assert result.code == 1
    assert f"accord.yaml: portal-key {fingerprint(forged)} added in commit {added} without authorisation" in result.out


def test_keys_added_to_accord_yaml_unsigned_are_vouched_for_by_a_later_secretariat_signature(repo, keys):
    from helpers.verify import secretariat_key

    secretariat = secretariat_key(repo, keys)
    portal = make_key(keys, "portal")
    add_setting_key(repo, "portal-keys", portal)
    commit_all(repo, "The portal's key, the old way")
    assert verify(repo).code == 1
    assert run("authorise-keys", "--settings", "--sign", str(secretariat), "--repo", str(repo)).code == 0
    commit_all(repo, "The secretariat vouches for the portal's key")
    portal_endorse(repo, portal)
    assert verify(repo).code == 0


def test_authorise_keys_settings_needs_a_committed_secretariat_key(repo, keys):
    stranger = make_key(keys, "stranger")
    first = run("authorise-keys", "--settings", "--sign", str(stranger), "--repo", str(repo))
    assert (first.code, first.err) == (2, "Error: accord.yaml as committed lists no secretariat key, so no signature "
                                          "is needed yet: commit the first secretariat keys as they are\n")
    from helpers.verify import secretariat_key

    secretariat_key(repo, keys)
    add_setting_key(repo, "secretariat-keys", stranger)  # listed in the working tree only
    refused = run("authorise-keys", "--settings", "--sign", str(stranger), "--repo", str(repo))
    assert (refused.code, refused.err) == (2, f"Error: the key {stranger} ({fingerprint(stranger)}) is not a "
                                              "secretariat key in accord.yaml as committed, so it cannot authorise a "
                                              "change to its keys\n")
    both = run("authorise-keys", "unicef", "--settings", "--sign", str(stranger), "--repo", str(repo))
    assert (both.code, both.err) == (2, "Error: give PARTNER, or --settings for accord.yaml's own keys (not both)\n")
    assert not (repo / "accord.yaml.sig").exists()


def fingerprint(key_path) -> str:
    from accord.signing import PublicKey

    key = PublicKey.parse(key_path.with_suffix(".pub").read_text())
    assert key is not None
    return key.fingerprint
