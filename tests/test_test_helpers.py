"""The test suite's own helpers: copies of a test repository share nothing a test can change, the CI
hypothesis profile is derandomized, and the browser tests say why when there is no browser."""

from __future__ import annotations

import os
from dataclasses import astuple

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


def test_a_batch_of_pandoc_reads_gives_what_parse_markdown_and_docx_words_give():
    from accord.redline import compare, parse_markdown, render_docx
    from accord.redline import docx as redline_docx
    from conftest import ROOT
    from helpers import pandoc_reads
    from helpers.redline_texts import TITLE, sample

    old = sample()
    new = old.copy()
    new.blocks[new.find("para")] = ("para", "A *new* paragraph[^fresh] with a [link](https://example.org).")
    new.notes["fresh"] = "A new note."
    redline = compare(old.markdown(), new.markdown(), old_title=TITLE, new_title=TITLE + " Revised")
    data = render_docx(redline, author="Ana Pereira", date="2026-01-05T10:00:00Z",
                       reference_doc=ROOT / "templates" / "reference.docx", verify=False)
    bodies = [old.markdown(), new.markdown()]
    asts = pandoc_reads.read_many([pandoc_reads.docx_read(data, "accept"), pandoc_reads.docx_read(data, "reject"),
                                   *map(pandoc_reads.markdown_read, bodies)])
    assert pandoc_reads.docx_words(asts[0]) == redline_docx.docx_words(data, "accept") == redline.new.words()
    assert pandoc_reads.docx_words(asts[1]) == redline_docx.docx_words(data, "reject") == redline.old.words()
    assert pandoc_reads.docx_words(asts[0]) != pandoc_reads.docx_words(asts[1])
    for body, ast in zip(bodies, asts[2:]):
        batched, alone = pandoc_reads.document(ast, TITLE), parse_markdown(body, TITLE)
        assert [astuple(block) for block in (batched.title, *batched.blocks)] == \
               [astuple(block) for block in (alone.title, *alone.blocks)]
        assert batched.api_version == alone.api_version
