"""The statement model: front matter, canonical text, and the hash that endorsements bind to."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from accord.statement import FRONT_MATTER, canonical_text, parse_statement, text_sha256

from conftest import STATEMENT

BODY = STATEMENT.format(id="child-protection", status="draft").split("---\n", 2)[2]
TITLE = "Joint Statement on the Protection of Children"


def test_a_statement_parses_into_typed_fields():
    statement, problems = parse_statement(STATEMENT.format(id="child-protection", status="final"), "s.md")
    assert problems == []
    assert statement.id == "child-protection"
    assert statement.date == dt.date(2010, 10, 18)
    assert statement.endorsement.invited == ("unicef", "iom", "unodc", "ecpat")
    assert statement.endorsement.required == ("unicef",)
    assert statement.endorsement.threshold == 2
    assert not statement.is_draft
    assert statement.body.startswith("\n## Preamble")


def test_every_field_of_the_schema_has_a_docstring():
    assert all(field.doc.strip() for field in FRONT_MATTER.fields)


def test_rewrapping_lines_does_not_change_the_hash():
    rewrapped = BODY.replace("journey, and the partners", "journey,\nand the\n   partners")
    rewrapped = rewrapped.replace("Children on the move face risks of trafficking at every stage of their\njourney",
                                  "Children on the move face risks of trafficking at every stage of their journey")
    assert rewrapped != BODY
    assert text_sha256(TITLE, rewrapped) == text_sha256(TITLE, BODY)


def test_crlf_bom_and_trailing_spaces_do_not_change_the_hash():
    variant = "\ufeff" + BODY.replace("\n", "  \r\n")
    assert text_sha256(TITLE, variant) == text_sha256(TITLE, BODY)


def test_table_padding_and_bullet_style_do_not_change_the_hash():
    padded = BODY.replace("| States | Guardianship |", "|   States   |Guardianship|").replace("|---|---|", "|:-------|--------|")
    assert text_sha256(TITLE, padded) != text_sha256(TITLE, BODY)  # alignment is markup: ':' changes it
    padded = BODY.replace("| States | Guardianship |", "|   States   |Guardianship|").replace("|---|---|", "|-------|--------|")
    assert text_sha256(TITLE, padded) == text_sha256(TITLE, BODY)
    assert text_sha256("T", "* a\n* b\n") == text_sha256("T", "- a\n- b\n")


def test_changing_one_word_changes_the_hash():
    assert text_sha256(TITLE, BODY.replace("guardian", "guardians")) != text_sha256(TITLE, BODY)


def test_changing_the_title_changes_the_hash():
    assert text_sha256(TITLE + " Today", BODY) != text_sha256(TITLE, BODY)


def test_moving_a_word_across_a_paragraph_break_changes_the_hash():
    assert text_sha256("T", "one two\n\nthree\n") != text_sha256("T", "one\n\ntwo three\n")


def test_canonical_text_has_one_block_per_paragraph_item_and_row():
    text = canonical_text("Title", "# Head\nsome\ntext\n\n- a\n- b\n  more\n\n| x | y |\n|---|---|\n| 1 | 2 |\n")
    assert text == "Title\n\n# Head\n\nsome text\n\n- a\n\n- b more\n\n| x | y |\n\n| --- | --- |\n\n| 1 | 2 |\n"


def test_unicode_is_compared_in_nfc():
    assert text_sha256("T", "Caf\u00e9 au lait\n") == text_sha256("T", "Cafe\u0301 au lait\n")


words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéß", min_size=1, max_size=8), min_size=1, max_size=30)


@given(words, st.lists(st.integers(min_value=1, max_value=5), min_size=30, max_size=30))
def test_any_rewrapping_of_a_paragraph_keeps_the_hash(paragraph, breaks):
    flat = " ".join(paragraph)
    wrapped = []
    for index, word in enumerate(paragraph):
        separator = "\n" if breaks[index] == 1 and index else (" " * breaks[index] if index else "")
        wrapped.append(separator + word)
    assert text_sha256("T", "".join(wrapped) + "\n") == text_sha256("T", flat + "\n")


def test_a_wrapped_line_that_starts_like_a_list_item_continues_its_paragraph():
    body = "The plan was adopted in\n2003. It has since been revised.\n\n1. first\n2. second\n"
    assert canonical_text("T", body) == "T\n\nThe plan was adopted in 2003. It has since been revised.\n\n1. first\n\n2. second\n"
