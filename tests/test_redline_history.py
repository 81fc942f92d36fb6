"""A statement's history of ten and more commits: every consecutive pair gives a redline that passes
its self-check, carries the author and date of the newer commit, and a pure re-wrap shows no change."""

from __future__ import annotations

import io
import os
import subprocess
import zipfile

import pytest
from lxml import etree

from conftest import PARTNERS, git, run, write
from helpers.alliance import borrow_font_objects, copy_templates
from helpers.pandoc_reads import docx_read, docx_words, read_many
from helpers.redline_texts import SENTENCES, TITLE, sample, statement_md

from accord.redline.versions import diff_statement, render_statement_diff
from accord.repo import Repo

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STATEMENT = "statements/child-protection/statement.md"


def commit(root, text, title, message: str, author: str, day: int) -> str:
    (root / STATEMENT).parent.mkdir(parents=True, exist_ok=True)
    (root / STATEMENT).write_text(statement_md(text, title=title), encoding="utf-8")
    stamp = f"2026-03-{day:02d}T09:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.split()[0].lower()}@aect.example",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "-C", str(root), "add", STATEMENT], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, env=env)
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True, env=env).stdout.strip()


def history_steps():
    """(message, edit) pairs; each edit changes the text (and maybe the title) in place."""
    def insert_paragraph(text, title):
        text.blocks.insert(text.find("para", "primary"), ("para", SENTENCES[0]))

    def delete_paragraph(text, title):
        del text.blocks[text.find("para", "remains open")]

    def move_paragraph(text, title):
        moved = text.blocks.pop(text.find("para", "deep concern"))
        text.blocks.insert(text.find("para", "right to be heard") + 1, moved)

    def edit_cells(text, title):
        table = text.blocks[text.find("table")][1]
        table[1][1] = "Guardianship, alternative care and legal aid"
        table[3][2] = "Every year"

    def edit_footnote(text, title):
        text.notes["age"] = "Where any doubt remains, the person should be presumed to be a child."

    def rewrap(text, title):
        text.wrap = 52

    def edit_list_items(text, title):
        items = text.blocks[text.find("list")][1]
        items[0] = items[0].replace("twenty-four hours", "forty-eight hours")
        items[2] = items[2].replace("never", "not")

    def rows_in_and_out(text, title):
        table = text.blocks[text.find("table")][1]
        table.insert(2, ["Courts", "Judicial review of decisions", "Within two years"])
        del table[4]

    def add_footnote(text, title):
        index = text.find("para", "annual")
        text.blocks[index] = ("para", text.blocks[index][1] + "[^data]")
        text.notes["data"] = SENTENCES[1]

    def retitle(text, title):
        return title.replace("Joint Statement", "Joint Statement and Call to Action")

    def move_item_and_unwrap(text, title):
        items = text.blocks[text.find("list")][1]
        items.insert(0, items.pop(3))
        text.wrap = 0

    def rewrite_section(text, title):
        index = text.find("heading", "Follow-up")
        text.blocks[index] = ("heading", "Follow-up and review")
        text.blocks.insert(index + 1, ("quote", "What gets measured gets done."))
        del text.blocks[text.find("bullets")][1][1]

    return [("Insert a paragraph", insert_paragraph), ("Delete a paragraph", delete_paragraph),
            ("Move a paragraph", move_paragraph), ("Edit table cells", edit_cells),
            ("Edit a footnote", edit_footnote), ("Re-wrap the text", rewrap),
            ("Edit list items", edit_list_items), ("A row in, a row out", rows_in_and_out),
            ("Add a footnote", add_footnote), ("Retitle", retitle),
            ("Move an item, unwrap", move_item_and_unwrap), ("Rewrite the follow-up", rewrite_section)]


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A repository whose statement has thirteen commits, one author each."""
    root = tmp_path_factory.mktemp("history") / "alliance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    copy_templates(root / "templates")
    borrow_font_objects(root)
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\n")
    for partner_id, (name, short, kind) in PARTNERS.items():
        write(root / "partners" / f"{partner_id}.yaml", f"id: {partner_id}\nname: \"{name}\"\nshort: {short}\n"
                                                        f"kind: {kind}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Registry")
    text, title = sample(), TITLE
    commits = [(commit(root, text, title, "First draft", "Ana Pereira", 1), "Ana Pereira", 1, "First draft")]
    for day, (message, step) in enumerate(history_steps(), 2):
        title = step(text, title) or title
        author = ["Ben Okafor", "Chloé Martin", "Dmitri Ivanov"][day % 3]
        commits.append((commit(root, text, title, message, author, day), author, day, message))
    return root, commits


def test_the_history_has_at_least_ten_commits_of_a_multi_page_statement(history):
    root, commits = history
    assert len(commits) >= 10
    words = len((root / STATEMENT).read_text("utf-8").split())
    assert 900 < words < 2000, words  # two to four pages, at about 450 words a page


def test_every_consecutive_pair_passes_the_self_check_with_the_newer_commits_author(history):
    root, commits = history
    repo = Repo(root)
    redlines = []
    for (older, *_), (newer, *_) in zip(commits, commits[1:]):
        diff = diff_statement(repo, "child-protection", from_rev=older, to_rev=newer)
        redlines.append((diff, render_statement_diff(repo, diff, "docx")))  # RedlineError if the self-check fails
    # pandoc reads every redline, accepted and rejected, in one process
    asts = iter(read_many([docx_read(data, mode) for _, data in redlines for mode in ("accept", "reject")]))
    for (diff, data), (_, author, day, message) in zip(redlines, commits[1:]):
        assert docx_words(next(asts)) == diff.redline.new.words(), message
        assert docx_words(next(asts)) == diff.redline.old.words(), message
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = [etree.fromstring(package.read(name)) for name in ("word/document.xml", "word/footnotes.xml")]
        stamps = {(e.get(W + "author"), e.get(W + "date"))
                  for part in parts for e in part.iter(W + "ins", W + "del", W + "moveFrom", W + "moveTo")}
        if message != "Re-wrap the text":
            assert stamps == {(author, f"2026-03-{day:02d}T09:00:00Z")}, message


def test_each_kind_of_edit_shows_as_what_it_is(history):
    root, commits = history
    repo = Repo(root)
    kinds = {}
    for (older, *_), (newer, _, _, message) in zip(commits, commits[1:]):
        counts = diff_statement(repo, "child-protection", from_rev=older, to_rev=newer).redline.counts
        kinds[message] = counts
    assert kinds["Insert a paragraph"].blocks_inserted == 1 and kinds["Insert a paragraph"].blocks_deleted == 0
    assert kinds["Delete a paragraph"].blocks_deleted == 1 and kinds["Delete a paragraph"].blocks_inserted == 0
    assert kinds["Move a paragraph"].moves == 1 and kinds["Move a paragraph"].words_inserted == 0
    assert kinds["Edit table cells"].blocks_changed == 2
    assert kinds["Edit a footnote"].blocks_changed == 1
    assert kinds["Move an item, unwrap"].moves == 1
    assert kinds["Retitle"].blocks_changed == 1 and kinds["Retitle"].words_inserted == 4


def test_a_pure_rewrap_shows_no_change(history):
    root, commits = history
    index = next(i for i, entry in enumerate(commits) if entry[3] == "Re-wrap the text")
    older, newer = commits[index - 1][0], commits[index][0]
    result = run("diff", "child-protection", "--from", older, "--to", newer, "--repo", str(root))
    assert (result.code, result.err) == (0, "")
    assert result.out == (f"--- child-protection: {older[:7]} (2026-03-{index:02d})\n"
                          f"+++ child-protection: {newer[:7]} (2026-03-{index + 1:02d})\n"
                          "No changes.\n")
