"""The test suite's own helpers: copies of a test repository share nothing a test can change, the CI
hypothesis profile is derandomized, and the browser tests say why when there is no browser."""

from __future__ import annotations

import os

from hypothesis import settings

from helpers.alliance import STATEMENT_PATH, git, make_alliance, write
from helpers.browser import find_chromium


def test_what_a_test_does_to_its_repository_leaves_the_next_copy_as_it_was(tmp_path):
    first = make_alliance(tmp_path / "first")
    head = git(first, "rev-parse", "HEAD")
    original = (first / STATEMENT_PATH).read_text("utf-8")
    write(first / STATEMENT_PATH, original.replace("without delay", "at once"))
    (first / "templates" / "reference.docx").write_bytes(b"not a docx")
    git(first, "commit", "-q", "-am", "Changed in the first copy")
    loose = list((first / ".git" / "objects").glob("??/*"))
    assert loose
    for path in loose:  # as root can, whatever the file's mode
        path.chmod(0o644)
        path.write_bytes(b"overwritten in place")

    second = make_alliance(tmp_path / "second")
    assert git(second, "rev-parse", "HEAD") == head
    assert (second / STATEMENT_PATH).read_text("utf-8") == original
    assert (second / "templates" / "reference.docx").read_bytes()[:2] == b"PK"
    assert git(second, "status", "--porcelain", "--untracked-files=all") == ""
    git(second, "fsck", "--strict", "--no-dangling")


def test_the_hypothesis_profile_is_derandomized_exactly_when_ci_is_true():
    assert settings.default.derandomize == (os.environ.get("CI") == "true")


def test_without_chromium_the_browser_tests_are_told_why(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == (None, "chromium is not installed (.ci/run installs it: apt-get install chromium)")
