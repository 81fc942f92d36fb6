"""Twenty partners' endorsements recorded at the same moment, by twenty `accord endorse` processes, all land."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import git, run, write

PARTNER_IDS = [f"partner-{number:02d}" for number in range(1, 21)]
ACCORD = str(Path(sys.executable).with_name("accord"))


def alliance_of_twenty(root: Path) -> Path:
    git(root.parent, "init", "-q", "-b", "main", str(root))
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\n")
    for number, partner_id in enumerate(PARTNER_IDS, 1):
        write(root / "partners" / f"{partner_id}.yaml",
              f"id: {partner_id}\nname: Partner Organization {number}\nshort: P{number}\nkind: ngo\n"
              f"signers:\n  - name: Signer {number}\n    principal: signer@{partner_id}.example\n")
    write(root / "statements/joint-text/statement.md", textwrap.dedent(f"""\
        ---
        id: joint-text
        title: Joint Statement of Twenty
        kind: joint-statement
        status: consultation
        date: 2026-11-28
        endorsement:
          invited: [{", ".join(PARTNER_IDS)}]
          threshold: 20
        ---

        Twenty partners agree on one sentence.
        """))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial text")
    return root


def test_twenty_endorsements_started_together_all_land_and_the_ledger_verifies(tmp_path):
    repo = alliance_of_twenty(tmp_path / "alliance")
    processes = [subprocess.Popen([ACCORD, "endorse", "joint-text", partner_id, "--position", "endorse",
                                   "--signatory", f"Signer {number}", "--repo", str(repo)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for number, partner_id in enumerate(PARTNER_IDS, 1)]
    outcomes = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert outcomes == [(0, "")] * 20

    subjects = git(repo, "log", "--format=%s").splitlines()
    assert len(subjects) == 21
    assert sorted(subjects[:20]) == sorted(f"Endorsement: P{n} endorses joint-text (text {subjects[0][-9:-1]})"
                                           for n in range(1, 21))
    committed = git(repo, "ls-tree", "--name-only", "HEAD", "statements/joint-text/endorsements/").split()
    assert committed == [f"statements/joint-text/endorsements/{p}.yaml" for p in PARTNER_IDS]
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (repo / ".git" / "index.lock").exists()

    check = run("check", "--repo", str(repo))
    assert (check.code, check.out) == (0, "OK: 1 statement checked\n")
    verify = run("verify", "--repo", str(repo))
    assert verify.code == 0
    assert verify.out.endswith("OK: 20 records verified (0 signed, 20 attested)\n")
    status = run("status", "joint-text", "--repo", str(repo))
    assert status.out.endswith("Gate: closed\n  - status is 'consultation'; only a 'final' text can be released\n")
