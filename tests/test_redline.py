"""Redline library: alignment, word diff, moves, and the term / md / html / docx renderings."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from lxml import etree

from conftest import ROOT
from helpers.redline_texts import TITLE, sample

from accord.errors import RedlineError
from accord.redline import (apply_criticmarkup, compare, parse_markdown, render_docx, render_html, render_markdown,
                            render_term)
from accord.redline.docx import docx_words
from accord.redline.ops import CHANGE, DELETE, INSERT, MOVE_FROM, MOVE_TO, walk_ops

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REFERENCE = ROOT / "templates" / "reference.docx"
AUTHOR, DATE = "Ana Pereira", "2026-01-05T10:00:00Z"


def redline_of(old: str, new: str, old_title: str = "T", new_title: str = "T"):
    return compare(old, new, old_title=old_title, new_title=new_title)


def term(old: str, new: str, **titles) -> str:
    return render_term(redline_of(old, new, **titles))


def docx_parts(data: bytes) -> dict[str, etree._Element]:
    package = zipfile.ZipFile(io.BytesIO(data))
    return {name: etree.fromstring(package.read(name)) for name in ("word/document.xml", "word/footnotes.xml")
            if name in package.namelist()}


# -- what is and is not a change ----------------------------------------------------------

def test_rewrapped_lines_and_changed_markdown_spacing_are_not_changes():
    old = sample().markdown()
    rewrapped = sample()
    rewrapped.wrap = 38
    new = (rewrapped.markdown().replace("- non-discrimination", "*   non-discrimination")
           .replace("## Principles", "Principles\n----------").replace("1. States", "1.  States"))
    assert new != old
    redline = redline_of(old, new)
    assert not redline.changed
    assert render_term(redline, old_label="a", new_label="b") == "--- a\n+++ b\nNo changes.\n"


def test_a_changed_word_is_shown_in_place_under_its_section():
    old = sample().markdown()
    new = old.replace("within twenty-four hours", "within forty-eight hours")
    assert term(old, new) == (
        "--- old\n+++ new\n"
        "2 words inserted, 2 deleted; blocks: 1 changed\n"
        "\n@@ Recommendations @@\n"
        "1. States should appoint a qualified and independent guardian for every unaccompanied child "
        "within [-twenty-four-]{+forty-eight+} hours of identification.\n")


def test_on_a_terminal_edits_are_coloured_instead_of_bracketed():
    out = render_term(redline_of("One two three.\n", "One two four.\n"), color=True)
    assert out.endswith("One two \x1b[31;9mthree\x1b[m\x1b[32mfour\x1b[m.\n") and "[-" not in out


def test_a_title_change_is_part_of_the_comparison():
    text = sample().markdown()
    redline = redline_of(text, text, old_title=TITLE, new_title=TITLE.replace("Joint", "Common"))
    assert redline.changed
    assert render_term(redline).splitlines()[-1] == (
        "Title: [-Joint-]{+Common+} Statement on the Protection of Children on the Move")


def test_a_replaced_phrase_reads_as_one_replacement():
    old = "The partners will report on the implementation at the annual meeting.\n"
    new = "The partners will report on progress at the annual meeting.\n"
    assert term(old, new).splitlines()[-1] == (
        "The partners will report on [-the implementation-]{+progress+} at the annual meeting.")


def test_inserted_and_deleted_paragraphs_are_whole_blocks():
    text = sample()
    new = text.copy()
    new.blocks.insert(3, ("para", "A new paragraph about guardians."))
    del new.blocks[new.find("para", "remains open")]
    redline = redline_of(text.markdown(), new.markdown())
    ops = [op.op for op in redline.ops]
    assert ops.count(INSERT) == 1 and ops.count(DELETE) == 1
    lines = render_term(redline).splitlines()
    assert "{+A new paragraph about guardians.+}" in lines
    assert ("[-This statement remains open for endorsement by other organizations and States that share its aims "
            "and commit to its recommendations.-]") in lines


def test_a_moved_paragraph_is_a_move_not_a_deletion_and_an_insertion():
    text = sample()
    new = text.copy()
    moved = new.blocks.pop(new.find("para", "deep concern"))
    new.blocks.insert(new.find("para", "right to be heard"), moved)
    redline = redline_of(text.markdown(), new.markdown())
    moves = [op for op in redline.ops if op.op in (MOVE_FROM, MOVE_TO)]
    assert [op.op for op in moves] == [MOVE_FROM, MOVE_TO] and moves[0].move == moves[1].move == 1
    assert redline.counts.moves == 1
    assert (redline.counts.blocks_inserted, redline.counts.blocks_deleted, redline.counts.words_inserted) == (0, 0, 0)
    lines = render_term(redline).splitlines()
    assert any(line.startswith('(move 1: moved to "Principles") [-The partners note') for line in lines)
    assert any(line.startswith('(move 1: moved here from "Preamble") The partners note') for line in lines)


def test_a_moved_and_edited_paragraph_is_a_move_with_its_edits_shown():
    text = sample()
    new = text.copy()
    moved = new.blocks.pop(new.find("para", "annual meeting"))
    new.blocks.insert(1, ("para", moved[1].replace("annual meeting", "yearly meeting")))
    redline = redline_of(text.markdown(), new.markdown())
    target = next(op for op in redline.ops if op.op == MOVE_TO)
    assert "[-annual-]{+yearly+} meeting" in render_term(redline)
    assert target.old is not None and redline.counts.moves == 1


def test_a_short_paragraph_that_moves_is_not_taken_for_a_move():
    old = "Yes indeed.\n\nA longer paragraph that stays where it is.\n"
    new = "A longer paragraph that stays where it is.\n\nYes indeed.\n"
    redline = redline_of(old, new)
    assert redline.counts.moves == 0
    assert (redline.counts.blocks_inserted, redline.counts.blocks_deleted) == (1, 1)


def test_table_cells_are_compared_cell_by_cell_and_new_rows_are_whole():
    text = sample()
    new = text.copy()
    table = new.blocks[new.find("table")][1]
    table[2][1] = "Identification, referral and care"
    table.append(["Courts", "Judicial review", "Within two years"])
    lines = render_term(redline_of(text.markdown(), new.markdown())).splitlines()
    assert lines[-2:] == ["| Agencies | Identification [-and referral-]{+, referral and care+} | Within six months |",
                          "{+| Courts | Judicial review | Within two years |+}"]


def test_a_footnote_edit_is_shown_inside_the_note():
    text = sample()
    new = text.copy()
    new.notes["age"] = "Where any doubt remains after an assessment, the person should be treated as a child."
    redline = redline_of(text.markdown(), new.markdown())
    changed = [op for op in walk_ops(redline.ops) if op.op == CHANGE and any(r.op != "equal" for r in op.runs)]
    assert len(changed) == 1
    assert render_term(redline).splitlines()[-1] == (
        "    [^1]: Where {+any+} doubt remains after an assessment, the person should be treated as a child.")


# -- CriticMarkup ------------------------------------------------------------------------

def test_criticmarkup_marks_words_and_whole_blocks_without_crossing_blocks():
    old = "## Aims\n\nWe protect *all* children.\n\n1. First item.\n2. Second item.\n"
    new = "## Aims\n\nWe protect *every* child.\n\n1. First item.\n2. A new item.\n3. Second item.\n"
    assert render_markdown(redline_of(old, new)) == (
        "# T\n\n## Aims\n\n"
        "We protect {~~*all* children~>*every* child~~}.\n\n"
        "1.  First item.\n\n"
        "{++2.  A new item.++}\n\n"
        "3.  Second item.\n")


def test_criticmarkup_applied_gives_the_new_text_and_rejected_the_old():
    text = sample()
    new = text.copy()
    first = new.find("para", "undersigned")
    new.blocks[first] = ("para", new.blocks[first][1].replace("trafficking and exploitation", "exploitation"))
    new.blocks.insert(new.find("bullets"), ("para", "States should *never* separate children from their families."))
    new.blocks[new.find("list")][1].pop(1)
    new.notes["heard"] = "Interpretation should be free."
    redline = redline_of(text.markdown(), new.markdown(), old_title=TITLE, new_title=TITLE + " and Families")
    marked = render_markdown(redline)
    for accept, body, title in ((True, new, TITLE + " and Families"), (False, text, TITLE)):
        applied = parse_markdown(apply_criticmarkup(marked, accept=accept))
        expected = parse_markdown(f"# {title}\n\n" + body.markdown())
        assert [b.key for b in applied.blocks] == [b.key for b in expected.blocks]


def test_applying_criticmarkup_honours_escapes_and_drops_emptied_lines():
    text = "a {++b++}\\{++c++} {--d--}{~~e~>f~~}{>>note<<}\n{--| x | y |--}\n| z |\n"
    assert apply_criticmarkup(text) == "a b\\{++c++} f\n| z |\n"
    assert apply_criticmarkup(text, accept=False) == "a \\{++c++} de\n| x | y |\n| z |\n"


# -- HTML ----------------------------------------------------------------------------------

def test_the_html_page_is_self_contained_with_a_legend_and_counts():
    text = sample()
    new = text.copy()
    best = new.find("para", "primary")
    new.blocks[best] = ("para", new.blocks[best][1].replace("primary", "paramount"))
    page = render_html(redline_of(text.markdown(), new.markdown()), heading="Child protection",
                       old_label="v1", new_label="v2")
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert "<style>" in page and not re.search(r"<script|<link|\ssrc=|@import|url\(", page)
    assert '<p class="legend"><span>Legend:</span> <ins>inserted</ins> <del>deleted</del>' in page
    assert "<li><b>1</b> word inserted</li><li><b>1</b> word deleted</li>" in page
    assert "<del>primary</del><ins>paramount</ins>" in page
    assert "From <b>v1</b> to <b>v2</b>" in page


def test_html_escapes_the_text_and_drops_unsafe_links():
    page = render_html(redline_of("Plain.\n", "A <b>tag</b> & [link](javascript:alert(1)).\n"))
    assert "&lt;b&gt;tag&lt;/b&gt; &amp;" in page and "javascript:" not in page


# -- DOCX ----------------------------------------------------------------------------------

def edited_sample():
    text = sample()
    new = text.copy()
    concern = new.find("para", "deep concern")
    new.blocks[concern] = ("para", new.blocks[concern][1].replace("too often", "often"))
    new.blocks.insert(concern + 2, ("para", "Children who have been trafficked should be granted a reflection period."))
    moved = new.blocks.pop(new.find("para", "remains open"))
    new.blocks.insert(1, moved)
    new.blocks[new.find("table")][1].append(["Courts", "Judicial review", "Within two years"])
    new.notes["risks"] = "See the annual report."
    return redline_of(text.markdown(), new.markdown(), old_title=TITLE, new_title=TITLE + " (revised)")


@pytest.fixture(scope="module")
def redline_docx():
    redline = edited_sample()
    return redline, render_docx(redline, author=AUTHOR, date=DATE, reference_doc=REFERENCE)


def test_accepting_the_docx_gives_the_new_words_and_rejecting_the_old(redline_docx):
    redline, data = redline_docx
    assert docx_words(data, "accept") == redline.new.words()
    assert docx_words(data, "reject") == redline.old.words()


def test_every_revision_has_a_unique_id_an_author_and_a_date(redline_docx):
    _, data = redline_docx
    revisions = [element for root in docx_parts(data).values()
                 for element in root.iter(W + "ins", W + "del", W + "moveFrom", W + "moveTo")]
    ids = [element.get(W + "id") for element in revisions]
    assert len(revisions) > 10 and len(ids) == len(set(ids))
    assert {(e.get(W + "author"), e.get(W + "date")) for e in revisions} == {(AUTHOR, DATE)}


def test_an_inserted_paragraph_has_its_mark_tracked_and_a_new_row_its_row(redline_docx):
    _, data = redline_docx
    body = docx_parts(data)["word/document.xml"]
    inserted = [p for p in body.iter(W + "p") if p.find(f"{W}pPr/{W}rPr/{W}ins") is not None]
    assert any("reflection period" in "".join(p.itertext()) for p in inserted)
    rows = [row for row in body.iter(W + "tr") if row.find(f"{W}trPr/{W}ins") is not None]
    assert ["".join(row.itertext()) for row in rows] == ["CourtsJudicial reviewWithin two years"]
    assert not any(el.get(W + "name", "").startswith("accord-") for el in body.iter(W + "bookmarkStart"))


def test_a_move_is_a_native_word_move(redline_docx):
    _, data = redline_docx
    body = docx_parts(data)["word/document.xml"]
    sources = ["".join(e.itertext()) for e in body.iter(W + "moveFrom") if len(e)]
    targets = ["".join(e.itertext()) for e in body.iter(W + "moveTo") if len(e)]
    assert sources == targets and sources[0].startswith("This statement remains open")
    names = {e.get(W + "name") for e in body.iter(W + "moveFromRangeStart", W + "moveToRangeStart")}
    assert names == {"move1"}


def test_a_tracked_link_keeps_its_revision_inside_the_hyperlink_as_word_writes_it():
    redline = redline_of("Intro.\n\nSee [the link text](https://x.org) here.\n", "Intro.\n")
    data = render_docx(redline, author=AUTHOR, date=DATE)
    body = docx_parts(data)["word/document.xml"]
    links = list(body.iter(W + "hyperlink"))
    assert len(links) == 1 and links[0].getparent().tag == W + "p"
    assert [child.tag for child in links[0]] == [W + "del"]
    assert docx_words(data, "reject") == ["T", "Intro.", "See", "the", "link", "text", "here."]


def test_the_docx_uses_the_reference_document_styles(redline_docx):
    redline, data = redline_docx
    house_font = "Noto Serif"  # templates/reference.docx sets it; pandoc's own reference does not
    assert house_font in zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode("utf-8")
    plain = render_docx(redline, author=AUTHOR, date=DATE, verify=False)
    assert house_font not in zipfile.ZipFile(io.BytesIO(plain)).read("word/styles.xml").decode("utf-8")


def test_the_same_redline_gives_the_same_docx_bytes():
    redline = redline_of("One two three.\n", "One two four.\n")
    first = render_docx(redline, author=AUTHOR, date=DATE, epoch=1700000000, verify=False)
    assert first == render_docx(redline, author=AUTHOR, date=DATE, epoch=1700000000, verify=False)


def test_a_docx_that_fails_its_self_check_is_refused(monkeypatch):
    from accord.redline import docx as docx_module

    from accord.ooxml.ns import w

    real = docx_module.finish_revisions

    def lose_deletions(package, **kwargs):  # a writer bug: deleted words silently dropped
        real(package, **kwargs)
        for deletion in list(package.edit("word/document.xml").iter(w("del"))):
            if deletion.getparent().tag == w("p"):
                deletion.getparent().remove(deletion)

    monkeypatch.setattr(docx_module, "finish_revisions", lose_deletions)
    with pytest.raises(RedlineError) as failure:
        render_docx(redline_of("One two three.\n", "One two four.\n"), author=AUTHOR, date=DATE)
    assert str(failure.value) == ("the DOCX redline failed its self-check: rejecting all changes does not give the "
                                  "older text (word 4: found '.', expected 'three.'); nothing was written")
