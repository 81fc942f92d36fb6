"""The ledger cannot be fooled: history walked in full, keys judged as they were, records that may not count."""

from __future__ import annotations

import pytest

from conftest import git, run, write
from test_ledger import fixed_day, repo  # noqa: F401  (shared fixtures)
from test_verify import FOLDER, UNICEF, commit_all, endorse, keys, make_key, register, short, verify  # noqa: F401


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
