"""Review import does bounded work on hostile or damaged files: huge comment counts, huge documents,
corrupt compressed data. Each is answered in seconds with one line, never an internal error."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from helpers.alliance import sent_packet
from helpers.review import import_docx

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def with_paragraphs_and_unclosed_comments(packet: bytes, paragraphs: int, comments: int) -> bytes:
    """The packet with `paragraphs` more paragraphs and `comments` comment ranges opened among them
    that never close: each range runs to the end of the document, over all the others."""
    source = zipfile.ZipFile(io.BytesIO(packet))
    document = source.read("word/document.xml").decode()
    step = max(1, paragraphs // max(comments, 1))
    added = []
    for n in range(paragraphs):
        opened = f'<w:commentRangeStart w:id="{n // step}"/>' if n % step == 0 and n // step < comments else ""
        added.append(f"<w:p>{opened}<w:r><w:t>Added paragraph {n}.</w:t></w:r></w:p>")
    at = document.rindex("<w:sectPr")
    document = document[:at] + "".join(added) + document[at:]
    comment_xml = "".join(f'<w:comment w:id="{i}" w:author="Reviewer"><w:p><w:r><w:t>Note {i}</w:t></w:r></w:p>'
                          "</w:comment>" for i in range(comments))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = document.encode()
            elif info.filename == "word/comments.xml":
                data = f"<w:comments {W_NS}>{comment_xml}</w:comments>".encode()
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.alliance(sent_to="unicef")
def test_eight_thousand_unclosed_overlapping_comment_ranges_are_imported_in_seconds(repo, tmp_path):
    returned = with_paragraphs_and_unclosed_comments(sent_packet(repo), 2000, 8000)
    started = time.monotonic()
    result = import_docx(repo, tmp_path, returned)
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    assert "  comments: 8000 (statements/child-protection/reviews/unicef-" in result.out
    assert "  edits outside the statement text, not carried: 2000\n" in result.out
    assert "    … and 1950 more\n" in result.out
    assert elapsed < 30, f"took {elapsed:.1f} s"


@pytest.mark.alliance(sent_to="unicef")
def test_a_document_of_a_hundred_thousand_paragraphs_is_refused_in_seconds(repo, tmp_path):
    returned = with_paragraphs_and_unclosed_comments(sent_packet(repo), 100_000, 10)
    started = time.monotonic()
    result = import_docx(repo, tmp_path, returned)
    elapsed = time.monotonic() - started
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"Error: {tmp_path / 'returned.docx'}: refused: the DOCX has 100,020 paragraphs, but "
                          "the text sent had 18; more than 2,036 is not a review of this text "
                          "(is this the right file?)\n")
    assert elapsed < 20, f"took {elapsed:.1f} s"


@pytest.mark.alliance(sent_to="unicef")
def test_a_corrupt_deflate_stream_is_one_error_line(repo, tmp_path):
    packet = bytearray(sent_packet(repo))
    at = packet.find(b"word/document.xml") + len(b"word/document.xml")
    packet[at + 10:at + 40] = b"\xff" * 30  # inside document.xml's compressed data, after its local header
    result = import_docx(repo, tmp_path, bytes(packet))
    assert result.code == 2
    assert result.err.startswith(f"Error: {tmp_path / 'returned.docx'}: damaged zip archive: cannot read "
                                 "word/document.xml (")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_pairing_hundreds_of_rewritten_paragraphs_is_linear_not_quadratic():
    from accord.textdiff import pair_blocks

    old = [f"Paragraph {n} says something about topic {n % 7} in plain words." for n in range(600)]
    new = [text.replace("plain", "simple") for text in old] + [f"Added paragraph {n}." for n in range(1800)]
    started = time.monotonic()
    pairs = pair_blocks(old, new)
    assert time.monotonic() - started < 5
    assert pairs == [(n, n) for n in range(600)]


def test_one_huge_block_against_its_edit_is_scored_in_bounded_time():
    """A 237 kB Mac Word file with one insertion took 58 s in pairing: difflib aligned 40,000 words each side.
    Blocks are scored by the Dice coefficient of their word sets (the redline's similarity): linear."""
    import random

    from accord.textdiff import TextBlock, pair_blocks, similarity

    rng = random.Random(7)
    words = [f"w{rng.randrange(3000)}" for _ in range(40_000)]
    text, edited = " ".join(words), " ".join([*words[:20_000], "two", "words", *words[20_000:]])
    started = time.monotonic()
    inserted = similarity(TextBlock(text), TextBlock(edited))
    rewritten = similarity(TextBlock(text), TextBlock(" ".join(reversed(words))))
    pairs = pair_blocks([text, "A short paragraph."], [edited, "A short paragraph."])
    assert time.monotonic() - started < 5
    distinct = len(set(words))
    assert inserted == 2 * distinct / (2 * distinct + 2)
    assert rewritten == 1.0
    assert pairs == [(0, 0), (1, 1)]
    for a, b, expected in [("a b c d", "a x c d", 0.75), ("one two three", "three two one", 1.0), ("", "x y", 0.0),
                           ("same words", "same words", 1.0)]:
        assert similarity(TextBlock(a), TextBlock(b)) == expected
