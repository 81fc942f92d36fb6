"""The review merge in pieces: source blocks and layout, word and block merges, accepting Word's changes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import ROOT
from accord.ooxml.reading import accept_all_changes, read_comments, open_docx_bytes
from accord.review.carry import carry_block, carry_edits, plain_key
from accord.review.layout import Block, Piece, render_body, rewrap, source_blocks
from accord.review.merge import merge_blocks, merge_words
from accord.blockrules import markdown_blocks
from accord.statement import split_front_matter

SAMPLES = sorted((ROOT / "statements").glob("*/statement.md"))

LINES = st.sampled_from([
    "", "", "", "Plain words here.", "more words", "## A heading", "# Top", "- a bullet", "* star bullet",
    "1. first item", "10. tenth item", "   continued line", "| a | b |", "|---|---|", "| c | d |",
    "[^1]: a note", "```", "code line", "Setext", "======", "-----", "> quoted", "a) lettered",
])


@pytest.mark.parametrize("path", SAMPLES, ids=[p.parent.name for p in SAMPLES])
def test_source_blocks_are_the_canonical_blocks_of_each_sample(path):
    body = split_front_matter(path.read_text("utf-8"))[1]
    assert [block.text for block in source_blocks(body)] == markdown_blocks(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=25))
def test_source_blocks_are_the_canonical_blocks_of_any_body(lines):
    body = "\n".join(lines) + "\n"
    assert [block.text for block in source_blocks(body)] == markdown_blocks(body)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.parent.name for p in SAMPLES])
def test_a_body_rendered_from_its_own_blocks_is_byte_for_byte_the_same(path):
    body = split_front_matter(path.read_text("utf-8"))[1]
    blocks = source_blocks(body)
    assert render_body(body, blocks, [Piece(b.text, keep=i) for i, b in enumerate(blocks)]) == body


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Alpha beta.", "Gamma delta.", "- item one", "- item two", "| x | y |",
                                 "## Heading", "Epsilon."]), min_size=1, max_size=8),
       st.data())
def test_merging_onto_an_unchanged_text_gives_the_partners_text(base_texts, data):
    body = "\n\n".join(base_texts) + "\n"
    base = source_blocks(body)
    theirs_texts = data.draw(st.lists(st.sampled_from(base_texts + ["New words.", "Alpha beta gamma."]),
                                      max_size=8))
    theirs = [Block(text) for text in theirs_texts]
    merged = merge_blocks([b.text for b in base], base, theirs)
    assert [p.text for p in merged.pieces] == theirs_texts
    assert not merged.conflicts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Alpha beta.", "Gamma delta.", "- item one", "Epsilon zeta."]), min_size=1,
                max_size=8), st.data())
def test_an_unchanged_partner_text_leaves_ours_exactly(base_texts, data):
    ours_texts = data.draw(st.lists(st.sampled_from(base_texts + ["Ours only."]), max_size=8))
    body = "\n\n".join(ours_texts) + "\n"
    ours = source_blocks(body)
    merged = merge_blocks(base_texts, ours, [Block(text) for text in base_texts])
    assert render_body(body, ours, merged.pieces) == (body if ours else "\n")


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 9), st.data())
def test_edits_to_different_blocks_both_land(size, data):
    base_texts = [f"Paragraph number {n} says something." for n in range(size)]
    ours_at = data.draw(st.integers(0, size - 1))
    theirs_at = data.draw(st.integers(0, size - 1).filter(lambda n: n != ours_at))
    ours_texts = list(base_texts)
    ours_texts[ours_at] = ours_texts[ours_at].replace("says", "ours")
    theirs_texts = list(base_texts)
    theirs_texts[theirs_at] = theirs_texts[theirs_at].replace("something", "theirs")
    body = "\n\n".join(ours_texts) + "\n"
    merged = merge_blocks(base_texts, source_blocks(body), [Block(t) for t in theirs_texts])
    expected = list(ours_texts)
    expected[theirs_at] = theirs_texts[theirs_at]
    assert [p.text for p in merged.pieces] == expected
    assert (merged.applied, merged.conflicts) == (1, [])


def test_words_both_sides_changed_apart_merge_and_words_both_changed_collide():
    base = "States should appoint a guardian without delay."
    assert merge_words(base, base.replace("should", "must"), base.replace("delay", "exception")).text == \
        "States must appoint a guardian without exception."
    collided = merge_words(base, base.replace("without delay", "at once"), base.replace("without delay", "today"))
    assert collided.text == "States should appoint a guardian {~~at once~>today~~}."
    assert [(c.ours, c.theirs) for c in collided.conflicts] == [("at once", "today")]


def test_collisions_separated_only_by_spaces_are_one_conflict():
    base = "one two three"
    merged = merge_words(base, "uno dos three", "eins zwei three")
    assert merged.text == "{~~uno dos~>eins zwei~~} three"
    assert len(merged.conflicts) == 1


def test_a_block_inserted_by_both_sides_at_one_place_is_a_conflict_not_a_guess():
    base = ["First.", "Last."]
    ours = source_blocks("First.\n\nOurs.\n\nLast.\n")
    merged = merge_blocks(base, ours, [Block("First."), Block("Theirs."), Block("Last.")])
    assert [p.text for p in merged.pieces] == ["First.", "{~~Ours.~>Theirs.~~}", "Last."]


def test_a_repeated_paragraph_takes_the_edit_at_the_right_copy():
    base = ["Same text.", "Between.", "Same text.", "End."]
    ours = source_blocks("Same text.\n\nBetween.\n\nSame text.\n\nEnd, ours.\n")
    merged = merge_blocks(base, ours, [Block("Same text."), Block("Between."), Block("Same text, theirs."),
                                       Block("End.")])
    assert [p.text for p in merged.pieces] == ["Same text.", "Between.", "Same text, theirs.", "End, ours."]


def test_an_edit_keeps_the_sources_own_markup_where_the_partner_did_not_touch_it():
    source = Block("States _must_ act[^age] now.")
    sent = Block("States *must* act[^age] now.")
    returned = Block("States *must* act[^age] today.")
    assert carry_block(source, sent, returned).text == "States _must_ act[^age] today."


def test_a_paragraph_number_the_build_adds_is_not_carried_into_the_source():
    source = Block("The partners recall the Convention.")
    assert carry_block(source, Block("4\\. The partners recall the Convention."),
                       Block("4\\. The partners firmly recall the Convention.")).text == \
        "The partners firmly recall the Convention."


def test_words_not_markup_decide_which_source_block_a_sent_block_is():
    assert plain_key("1. *States* should [act](http://x.example)[^1].") == plain_key("States should act.")


def test_a_renumbered_list_is_not_an_edit_of_every_item():
    source = source_blocks("1. One.\n2. Two.\n3. Three.\n")
    sent = [Block("1. One."), Block("2. Two."), Block("3. Three.")]
    carried = carry_edits(source, sent, [Block("1. One."), Block("2. Three.")])
    assert [b.text for b in carried.blocks] == ["1. One.", "3. Three."]
    assert carried.edited == 1


def test_an_edited_wrapped_block_keeps_its_unchanged_lines():
    original = ["1. States should appoint a guardian for every", "   unaccompanied child without delay, and",
                "   in any event within days."]
    text = "1. States should appoint a guardian for every unaccompanied child at once, and in any event within days."
    assert rewrap(original, text) == ["1. States should appoint a guardian for every",
                                      "   unaccompanied child at once, and", "   in any event within days."]


def test_a_wrapping_that_would_start_a_list_falls_back_to_one_line():
    original = ["Some words that wrap", "onto a second line."]
    text = "Some words that wrap - onto a second line."
    assert rewrap(original, text) in (["Some words that wrap - onto a second", "line."], [text])
    assert [b.text for b in source_blocks("\n".join(rewrap(original, text)))] == [text]


# -- Word's tracked changes, accepted in the XML ------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CHANGE = 'w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z"'


def accepted_text(body_xml: str) -> list[str]:
    root = etree.fromstring(f"<w:document {W}><w:body>{body_xml}</w:body></w:document>".encode())
    accept_all_changes(root)
    ns = {"w": W.split('"')[1]}
    return ["".join(p.xpath(".//w:t/text()", namespaces=ns)) for p in root.iter(f"{{{ns['w']}}}p")]


def test_a_deleted_paragraph_mark_runs_the_paragraph_into_the_next():
    assert accepted_text(f'<w:p><w:pPr><w:rPr><w:del {CHANGE}/></w:rPr></w:pPr><w:r><w:t>One </w:t></w:r></w:p>'
                         '<w:p><w:r><w:t>two.</w:t></w:r></w:p>') == ["One two."]


def test_a_whole_deleted_paragraph_leaves_nothing():
    assert accepted_text(f'<w:p><w:pPr><w:rPr><w:del {CHANGE}/></w:rPr></w:pPr><w:del {CHANGE}><w:r>'
                         '<w:delText>Gone.</w:delText></w:r></w:del></w:p><w:p><w:r><w:t>Kept.</w:t></w:r></w:p>') \
        == ["Kept."]


def test_insertions_and_moves_are_kept_and_deletions_and_moved_from_text_dropped():
    assert accepted_text(f'<w:p><w:r><w:t>A </w:t></w:r><w:ins {CHANGE}><w:r><w:t>new </w:t></w:r></w:ins>'
                         f'<w:del {CHANGE}><w:r><w:delText>old </w:delText></w:r></w:del>'
                         f'<w:moveFrom {CHANGE}><w:r><w:t>moved </w:t></w:r></w:moveFrom>'
                         f'<w:r><w:t>text </w:t></w:r><w:moveTo {CHANGE}><w:r><w:t>moved</w:t></w:r></w:moveTo>'
                         '</w:p>') == ["A new text moved"]


def test_a_deleted_table_row_goes_and_a_formatting_change_record_is_dropped():
    xml = (f'<w:tbl><w:tr><w:trPr><w:del {CHANGE}/></w:trPr><w:tc><w:p><w:r><w:t>Row gone</w:t></w:r></w:p></w:tc>'
           f'</w:tr><w:tr><w:tc><w:p><w:r><w:rPr><w:b/><w:rPrChange {CHANGE}><w:rPr/></w:rPrChange></w:rPr>'
           '<w:t>Row kept</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
    assert accepted_text(xml) == ["Row kept"]
    root = etree.fromstring(f"<w:body {W}>{xml}</w:body>".encode())
    accept_all_changes(root)
    assert b"rPrChange" not in etree.tostring(root)


def test_comment_anchors_cross_paragraphs_and_replies_hang_under_their_parent():
    from helpers.word import WordEdits
    from accord.review.extract import markdown_to_docx

    docx = markdown_to_docx("First paragraph.\n\nSecond paragraph.\n", "T")
    edited = (WordEdits(docx).comment("paragraph", "On the first.", author="A", replies=(("B", "Reply."),))
              .comment("Second", "On the second.", author="C").save())
    comments = read_comments(open_docx_bytes(edited, "x.docx"))
    assert [(c.author, c.anchor, c.text, [(r.author, r.text) for r in c.replies]) for c in comments] == [
        ("A", "paragraph", "On the first.", [("B", "Reply.")]), ("C", "Second", "On the second.", [])]


def test_a_paragraph_the_canonical_splitter_cuts_in_two_is_edited_once_not_duplicated():
    source = source_blocks("Entered into force in December\n2003. Specialised units exist.\n\nNext.\n")
    assert len(source) == 2  # "2003. " continues the paragraph, as in pandoc
    sent = [Block("Entered into force in December 2003. Specialised units exist."), Block("Next.")]
    returned = [Block("Entered into force in December 2003. Specialised units abound."), Block("Next.")]
    assert [b.text for b in carry_edits(source, sent, returned).blocks] == [
        "Entered into force in December 2003. Specialised units abound.", "Next."]


def test_a_table_cell_with_two_paragraphs_or_merged_cells_stays_a_pipe_table():
    from accord.ooxml.reading import flatten_tables

    root = etree.fromstring(
        f'<w:body {W}><w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>Both</w:t></w:r></w:p>'
        '</w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>One</w:t></w:r></w:p><w:p><w:r><w:t>two</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl></w:body>'.encode())
    flatten_tables(root)
    ns = {"w": W.split('"')[1]}
    rows = [["".join(cell.xpath(".//w:t/text()", namespaces=ns)) for cell in row.findall("w:tc", ns)]
            for row in root.iter(f"{{{ns['w']}}}tr")]
    assert rows == [["Both", ""], ["One two", ""]]
    assert not root.xpath("//w:gridSpan|//w:vMerge", namespaces=ns)


WORDS = ["within", "eighteen", "months", "two", "years", "twelve", "the", "State", "shall", "report", "yearly"]


def _accept(text: str, side: str) -> str:
    import re

    return re.sub(r"\{~~(.*?)~>(.*?)~~\}", lambda m: m.group(1) if side == "ours" else m.group(2), text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=2, max_size=8, unique=True), st.data())
def test_a_conflict_between_one_edit_on_each_side_gives_each_side_whole_when_accepted(base_words, data):
    """One edit each (new words unlike the base's, so the alignment is not ambiguous)."""
    def edit(words):
        start = data.draw(st.integers(0, len(words)))
        end = data.draw(st.integers(start, min(len(words), start + 3)))
        new = data.draw(st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta"]), max_size=3))
        return words[:start] + new + words[end:]

    base = " ".join(base_words)
    ours, theirs = " ".join(edit(base_words)), " ".join(edit(base_words))
    merged = merge_words(base, ours, theirs)
    if merged.conflicts:
        assert _accept(merged.text, "ours") == ours
        assert _accept(merged.text, "theirs") == theirs


def test_the_eighteen_months_conflict_holds_both_whole_phrases():
    merged = merge_words("within eighteen months", "within two years", "within twelve months")
    assert merged.text == "within {~~two years~>twelve months~~}"
    assert [(c.ours, c.theirs) for c in merged.conflicts] == [("two years", "twelve months")]
