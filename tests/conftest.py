"""Shared fixtures: real git repositories in tmp dirs, and an in-process CLI runner.

The helpers live in tests/helpers/; the names below stay importable from conftest for the test
modules that import them from here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from helpers.alliance import (PARTNERS, ROOT, SHARED, STATEMENT, STATEMENT_PATH, Result, copy_repository, git,
                              make_alliance, run, write)

__all__ = ["PARTNERS", "ROOT", "STATEMENT", "STATEMENT_PATH", "Result", "copy_repository", "git", "make_alliance",
           "run", "write"]


# Hypothesis profiles. "ci" (chosen when CI=true) draws the same examples on every run, so a red CI run
# is the code's fault and replays as it failed; "dev" keeps hypothesis' defaults, whose example database
# replays a failure found once. Any other profile can be chosen with --hypothesis-profile.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


# -- the slowest files first --------------------------------------------------------------------
# `make test` gives each pytest-xdist worker whole files (--dist loadfile), in collection order
# (--no-loadscope-reorder: xdist's own order, most tests first, started the one-test concurrency file and
# the eight-test fault trials last, and one worker ran them alone at the end). So the files are collected
# slowest first, by their seconds in the last run (pytest's cache); a file not timed yet comes after
# them, most tests first. The order of the tests inside a file is unchanged.

_SECONDS_KEY = "accord/seconds-per-file"
_seconds: dict[str, float] = {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not hasattr(config, "workerinput"):
        return  # not a pytest-xdist worker: the order given (or chosen by --ff and the like) stands
    cache = getattr(config, "cache", None)
    recorded = cache.get(_SECONDS_KEY, {}) if cache is not None else {}
    counts: dict[str, int] = {}
    for item in items:
        counts[item.nodeid.split("::")[0]] = counts.get(item.nodeid.split("::")[0], 0) + 1

    def slowest_first(item):
        file = item.nodeid.split("::")[0]
        seconds = recorded.get(file)
        return (0, -seconds, file) if isinstance(seconds, (int, float)) else (1, -counts[file], file)

    items.sort(key=slowest_first)  # stable: each file's tests keep their order


def pytest_runtest_logreport(report):
    file = report.nodeid.split("::")[0]
    _seconds[file] = _seconds.get(file, 0.0) + report.duration


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)
    if cache is None or hasattr(session.config, "workerinput") or not _seconds:
        return  # a worker's reports reach the controller, which records them once
    cache.set(_SECONDS_KEY, {**cache.get(_SECONDS_KEY, {}), **{f: round(s, 2) for f, s in _seconds.items()}})


# -- the files test repositories share -------------------------------------------------------
# Every repository of helpers.alliance hard-links the house fonts of one read-only copy per process, and
# borrows its template's git objects. A test run as root can write into a read-only file; the guard
# below fails that test, naming the file, and the session fails at its end if any shared file's bytes
# changed at all (tests/test_test_helpers.py performs both attacks).

@pytest.fixture(autouse=True)
def _shared_files_unchanged():
    yield
    changed = SHARED.changed()
    if changed:
        pytest.fail("this test changed a file that every test repository of this process shares (a hard link): "
                    f"{', '.join(changed)}; replace such a file (helpers.alliance.write does), never write into it",
                    pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _shared_files_intact():
    yield
    damaged = SHARED.damaged()
    if damaged:
        pytest.fail(f"the bytes of files that every test repository of this process shares have changed: "
                    f"{', '.join(damaged)}; every test that used them is suspect", pytrace=False)


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
