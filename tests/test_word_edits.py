"""The Word-like DOCX editor of tests/helpers/word.py records edits as Word would."""

from __future__ import annotations

from helpers.word import WordEdits


# -- the editor is Word-like ---------------------------------------------------------------

def _sample_docx() -> bytes:
    from accord.review.extract import markdown_to_docx

    return markdown_to_docx("First paragraph with some words.\n\nSecond paragraph here.[^1]\n\n"
                            "[^1]: A note.\n", "A Title")


def _read(docx: bytes, mode: str) -> str:
    from accord.pandoc import run_pandoc

    return run_pandoc(["-f", "docx", f"--track-changes={mode}", "-t", "plain", "--wrap=none"], docx).decode()


def test_tracked_edits_are_seen_by_a_reader_as_word_would_record_them():
    original = _sample_docx()
    edited = (WordEdits(original).replace("some", "many").insert_after("Second", " long")
              .replace("A note", "A longer note").save())
    assert "First paragraph with many words." in _read(edited, "accept")
    assert "Second long paragraph" in _read(edited, "accept")
    assert "A longer note" in _read(edited, "accept")
    assert _read(edited, "reject") == _read(original, "reject")


def test_comments_and_replies_are_written_with_their_ranges():
    edited = WordEdits(_sample_docx()).comment("some words", "Which words?", replies=(("Ann Lee", "These."),)).save()
    all_view = _read(edited, "all")
    assert "Which words?" in all_view
    assert "First paragraph with some words." in _read(edited, "accept")
