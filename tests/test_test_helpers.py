"""The test suite's own helpers: copies of a test repository share nothing a test can change (and a test
that writes into a shared file fails), the CI hypothesis profile is derandomized, and the browser tests say
why when there is no browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import astuple

from hypothesis import settings

from helpers.alliance import ROOT, STATEMENT_PATH, git, make_alliance, write
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


def test_copies_share_their_fonts_and_objects_and_write_replaces_a_shared_font(tmp_path):
    first, second = make_alliance(tmp_path / "first"), make_alliance(tmp_path / "second")
    font = "templates/fonts/NotoSans-Regular.ttf"
    assert (first / font).stat().st_ino == (second / font).stat().st_ino
    assert not list((first / ".git" / "objects" / "pack").iterdir())
    write(first / font, b"not a font")  # a new file in the first copy: the shared one is left alone
    assert (second / font).read_bytes() == (ROOT / font).read_bytes()
    assert git(second, "status", "--porcelain") == ""


# The attacks a test run as root can make on a shared file, in a session of their own. The first writes into
# a font (its mtime changes): the guard fails that test. The second writes into another one and puts its mode
# and mtime back: no test is failed for it, but the hash check at the end of the session fails the session.
ATTACKS = textwrap.dedent("""\
    import os

    from helpers.alliance import make_alliance


    def attack(path, hide):
        facts = path.stat()
        path.chmod(0o644)  # not needed as root, who writes into a read-only file all the same
        with open(path, "r+b") as handle:
            handle.write(b"XXXX")
        if hide:
            path.chmod(facts.st_mode)
            os.utime(path, ns=(facts.st_atime_ns, facts.st_mtime_ns))


    def test_writes_into_a_shared_font(tmp_path):
        attack(make_alliance(tmp_path / "alliance") / "templates/fonts/NotoSans-Regular.ttf", hide=False)


    def test_writes_into_a_shared_font_and_hides_it(tmp_path):
        attack(make_alliance(tmp_path / "alliance") / "templates/fonts/NotoSerif-Regular.ttf", hide=True)


    def test_innocent(tmp_path):
        make_alliance(tmp_path / "alliance")
""")


def test_a_test_that_writes_into_a_shared_file_fails_and_so_does_its_session(tmp_path):
    (tmp_path / "test_attacks.py").write_text(ATTACKS, encoding="utf-8")
    session = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--rootdir", str(tmp_path), "--basetemp", str(tmp_path / "temp"), "test_attacks.py"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "tests")})
    lines = [re.sub(r"\S*/accord-test-templates-[^/]+/fonts/", "<shared>/", line) for line in session.stdout.splitlines()]
    errors = [(line.strip("_ "), lines[number + 1]) for number, line in enumerate(lines)
              if line.startswith("_") and "ERROR at teardown" in line]
    assert (session.returncode, errors, lines[-1].split(" in ")[0]) == (1, [
        ("ERROR at teardown of test_writes_into_a_shared_font",
         "this test changed a file that every test repository of this process shares (a hard link): "
         "<shared>/NotoSans-Regular.ttf; replace such a file (helpers.alliance.write does), never write into it"),
        ("ERROR at teardown of test_innocent",
         "the bytes of files that every test repository of this process shares have changed: "
         "<shared>/NotoSans-Regular.ttf, <shared>/NotoSerif-Regular.ttf; every test that used them is suspect"),
    ], "3 passed, 2 errors"), session.stdout + session.stderr


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
