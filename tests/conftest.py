"""Shared fixtures: real git repositories in tmp dirs, and an in-process CLI runner.

The helpers live in tests/helpers/; the names below stay importable from conftest for the test
modules that import them from here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from helpers.alliance import (PARTNERS, ROOT, STATEMENT, STATEMENT_PATH, Result, copy_repository, git,
                              make_alliance, run, write)

__all__ = ["PARTNERS", "ROOT", "STATEMENT", "STATEMENT_PATH", "Result", "copy_repository", "git", "make_alliance",
           "run", "write"]


# Hypothesis profiles. "ci" (chosen when CI=true) draws the same examples on every run, so a red CI run
# is the code's fault and replays as it failed; "dev" keeps hypothesis' defaults, whose example database
# replays a failure found once. Any other profile can be chosen with --hypothesis-profile.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture
def repo(request, tmp_path) -> Path:
    """A committed accord repository with five partners and one statement, 'child-protection'.

    A module or test marked `@pytest.mark.alliance(**kwargs)` gets make_alliance(**kwargs) instead
    (for example templates=False where nothing reads templates/).
    """
    marker = request.node.get_closest_marker("alliance")
    return make_alliance(tmp_path / "alliance", **(marker.kwargs if marker else {}))


@pytest.fixture
def fixed_day(monkeypatch):
    """Records carry the day they are made; tests that use this make them on one known day."""
    from accord import ledger
    from helpers.ledger import DAY

    monkeypatch.setattr(ledger, "today", lambda: DAY)


@pytest.fixture(scope="session")
def site_repo(tmp_path_factory) -> Path:
    """The repository of helpers.site.make_site_repo with its site written; made once per test process."""
    from helpers.site import make_site_repo

    root = make_site_repo(tmp_path_factory.mktemp("site") / "alliance")
    result = run("site", "--repo", str(root))
    assert result.code == 0, result.err
    return root


@pytest.fixture
def keys(tmp_path):
    """A folder for the SSH keys a test makes."""
    folder = tmp_path / "keys"
    folder.mkdir()
    return folder
