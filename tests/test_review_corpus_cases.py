"""Minimal reproductions of what the real-DOCX corpus (test_review_corpus.py) found wrong in the import.

Each names the corpus file it comes from. They run the carrying and the rendering
directly on Markdown, as pandoc writes it when it reads a DOCX: no pandoc, no git.
"""

from __future__ import annotations

from accord.review.carry import carry_edits
from accord.review.layout import Piece, render_body, source_blocks


def texts(blocks) -> list[str]:
    return [block.text for block in blocks]


def test_an_empty_table_row_is_a_row_not_a_rule():
    assert texts(source_blocks("| a | b |\n|---|:--|\n|   |   |\n| c | d |\n")) == [
        "| a | b |", "| --- | :--- |", "|  |  |", "| c | d |"]


def test_a_table_deleted_whole_in_word_leaves_no_rule_behind():
    # libreoffice--tdf145091.docx: pandoc writes the rule's alignment differently from the source's.
    source = source_blocks("|   |   |\n|:--|:--|\n| a |   |\n| b |   |\n")
    sent = source_blocks("|     |     |\n|:----|-----|\n| a   |     |\n| b   |     |\n")
    carried = carry_edits(source, sent, [])
    assert (texts(carried.blocks), carried.outside) == ([], [])


def test_a_table_split_in_two_is_listed_and_the_tables_stay():
    # libreoffice--TC-table-Separate-Move.docx: Word splits a table and moves its last row into the
    # new one; the base has an empty table right after. Carried, the rule of the second table landed
    # inside the first, which then read "---" as words.
    source = source_blocks("| a | b |\n|---|---|\n| d | e |\n| g | h |\n\n|   |   |\n|---|---|\n")
    sent = source_blocks("| a | b |\n|---|---|\n| d | e |\n| g | h |\n")
    returned = source_blocks("| a | b |\n|---|---|\n| d | e |\n|   |   |\n\n| g | h |\n|---|---|\n")
    carried = carry_edits(source, sent, returned)
    assert texts(carried.blocks) == ["| a | b |", "| --- | --- |", "| d | e |", "|  |  |", "| g | h |",
                                     "|  |  |", "| --- | --- |"]
    assert carried.outside == ['¶ 6 of the returned file: a table split in two or begun right after another could '
                               'not be carried; the tables stay as they were: "| g | h |"']


def test_two_tables_side_by_side_stay_two_tables_when_the_body_is_rewritten():
    body = "| a |\n|---|\n| b |\n\n| c |\n|---|\n| d |\n\nText.\n"
    ours = source_blocks(body)
    pieces = [Piece(block.text, keep=index) for index, block in enumerate(ours)]
    pieces[-1] = Piece("More text.", at=len(ours) - 1)
    assert render_body(body, ours, pieces) == body.replace("Text.", "More text.")


def test_an_empty_list_item_the_docx_never_showed_is_listed_and_stays():
    # libreoffice--tdf138899.docx: pandoc's DOCX drops an empty list item, so the sent reading has no
    # paragraph for it, and a partner's deletion of it cannot be told from its absence.
    source = source_blocks("1.  Where do you look?\n\n- \n\n- Internet\n")
    sent = source_blocks("1.  Where do you look?\n\n- Internet\n")
    returned = source_blocks("1.  Where do you look? (Several answers.)\n\n- Internet\n")
    carried = carry_edits(source, sent, returned)
    assert texts(carried.blocks) == ["1. Where do you look? (Several answers.)", "-", "- Internet"]
    assert carried.outside == ['¶ 2 of the statement, "-", has no paragraph in the DOCX as read, so whether the '
                               'partner kept it cannot be told; it stays']
