"""Review import is exact or explicit: block quotes, tables, pictures and links come back as the partner
left them, and what cannot be carried is listed while the text there stays as it was."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from conftest import STATEMENT, git, make_alliance, run, write
from helpers.review import BRANCH, S, import_docx, on_branch
from helpers.word import WordEdits

EXTRA = """
> A. The first quoted paragraph of the declaration.
>
> B. The second quoted paragraph of the declaration.

See [the preamble](#preamble) and the map below.

![A map of the routes](media/map.png)

| Code | Meaning |
|---|---|
| 1a | First |
| 2b | Second |
"""
ORIGINAL = STATEMENT.format(id="child-protection", status="draft") + EXTRA


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def rich(tmp_path):
    """A repository whose statement has a two-paragraph block quote, an internal link, a picture, a table."""
    root = make_alliance(tmp_path / "alliance", body_extra=EXTRA)
    write(root / "statements/child-protection/media/map.png", tiny_png())
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A map")
    return root


def packet(root) -> bytes:
    result = run("review", "send", "child-protection", "--partner", "unicef", "--repo", str(root))
    assert result.code == 0, result.err
    return (root / "build/review/child-protection-unicef.docx").read_bytes()


def saved_by_word(docx: bytes) -> bytes:
    """As Word saves a file: its pictures renamed word/media/image1.png, image2.png ..."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    names: dict[str, str] = {}
    for info in source.infolist():
        if info.filename.startswith("word/media/"):
            names[info.filename[5:]] = f"media/image{len(names) + 1}.{info.filename.rsplit('.', 1)[-1]}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data, name = source.read(info), info.filename
            if name.startswith("word/media/"):
                name = "word/" + names[name[5:]]
            if name == "word/_rels/document.xml.rels":
                for old, new in names.items():
                    data = data.replace(f'Target="{old}"'.encode(), f'Target="{new}"'.encode())
            target.writestr(name, data)
    return out.getvalue()


def test_a_block_quote_of_two_paragraphs_keeps_its_paragraphs(rich, tmp_path):
    returned = WordEdits(packet(rich)).replace("first quoted", "opening quoted").save()
    result = import_docx(rich, tmp_path, returned)
    assert result.code == 0, result.err
    assert on_branch(rich) == ORIGINAL.replace("first quoted", "opening quoted")
    assert "> A. The opening quoted paragraph of the declaration.\n>\n> B. The second" in on_branch(rich)


def test_a_table_row_inserted_in_word_is_a_row_in_the_table(rich, tmp_path):
    returned = WordEdits(packet(rich)).insert_row_after("First", ("3c", "Third")).save()
    result = import_docx(rich, tmp_path, returned)
    assert result.code == 0, result.err
    assert "  changes applied: 1\n  conflicts: 0\n" in result.out
    assert on_branch(rich) == ORIGINAL.replace("| 1a | First |\n", "| 1a | First |\n| 3c | Third |\n")


def test_a_table_row_deleted_in_word_leaves_the_rest_of_the_table(rich, tmp_path):
    returned = WordEdits(packet(rich)).delete_row("Second").save()
    assert import_docx(rich, tmp_path, returned).code == 0
    assert on_branch(rich) == ORIGINAL.replace("| 2b | Second |\n", "")


def test_an_unchanged_picture_stays_when_word_renames_its_file_and_a_word_changes(rich, tmp_path):
    returned = saved_by_word(WordEdits(packet(rich)).replace("the map below", "the map that follows").save())
    result = import_docx(rich, tmp_path, returned)
    assert result.code == 0, result.err
    assert on_branch(rich) == ORIGINAL.replace("the map below", "the map that follows")
    assert "![A map of the routes](media/map.png)" in on_branch(rich)
    assert "(#preamble)" in on_branch(rich)


def test_a_file_with_only_comments_changes_no_text_at_all(rich, tmp_path):
    returned = saved_by_word(WordEdits(packet(rich)).comment("second quoted", "Keep this?")
                             .comment("Second", "Rename?").save())
    result = import_docx(rich, tmp_path, returned)
    assert result.code == 0, result.err
    assert "  changes applied: 0\n  conflicts: 0\n  comments: 2 " in result.out
    assert on_branch(rich) == ORIGINAL
    assert git(rich, "diff", "--name-only", "main", BRANCH).split() == [
        f"statements/child-protection/reviews/unicef-{__import__('datetime').date.today().isoformat()}.md"]


def without_properties(docx: bytes) -> bytes:
    """The DOCX with docProps/custom.xml deleted, as a partner's 'Remove personal information' does."""
    import re

    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "docProps/custom.xml":
                continue
            data = source.read(info)
            if info.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*custom-properties[^>]*/>", b"", data)
            target.writestr(info, data)
    return out.getvalue()


def test_a_numbered_packet_without_its_properties_and_untracked_edits_imports_only_the_words(tmp_path):
    """Paragraph numbers are not words: switching one off, or losing the properties, edits nothing."""
    from conftest import ROOT

    root = make_alliance(tmp_path / "alliance")
    sample = (ROOT / "statements/2010-child-protection/statement.md").read_text()
    sample = sample.replace("id: 2010-child-protection", "id: child-protection")
    write(root / S, sample)
    git(root, "commit", "-qam", "The sample text")
    head = git(root, "rev-parse", "HEAD").strip()
    edits = WordEdits(packet(root))
    edits.untracked_replace("Children make up", "Minors make up")
    # the paragraph numbers are Word numbering now: a partner who switches one off deletes no word
    numbered = edits.paragraph("Minors make up")
    number = numbered.find(f".//{{{W_NS}}}numPr")
    assert number is not None
    number.getparent().remove(number)
    returned = without_properties(edits.save())
    result = import_docx(root, tmp_path, returned, "--partner", "unicef", "--base", "HEAD")
    assert result.code == 0, result.err
    assert f"made from commit {head[:12]}\n  changes applied: 1\n  conflicts: 0\n" in result.out
    assert on_branch(root) == sample.replace("Children make up", "Minors make up")


def test_a_packet_opens_with_track_changes_on_and_a_note_for_the_partner(repo):
    import datetime as dt

    from lxml import etree

    from accord.repo import Repo
    from accord.review import send_packet

    head = git(repo, "rev-parse", "HEAD").strip()
    sent = send_packet(Repo(repo), "child-protection", "unicef", deadline=dt.date(2026, 12, 15),
                       note="Round 2 of the consultation.")
    with zipfile.ZipFile(sent.path) as docx:
        settings = etree.fromstring(docx.read("word/settings.xml"))
        document = etree.fromstring(docx.read("word/document.xml"))
    names = [etree.QName(child).localname for child in settings]
    assert "trackRevisions" in names and names.index("trackRevisions") < names.index("doNotTrackMoves")
    note = document.find("{*}body")[0]
    assert etree.QName(note).localname == "sdt"
    assert ["".join(t.text for t in p.iter("{*}t")) for p in note.iter("{*}p")] == [
        f"Review copy for UNICEF: Joint Statement on the Protection of Children (child-protection, draft of "
        f"commit {head[:12]}).",
        "Please return it by 15 December 2026.",
        "Round 2 of the consultation.",
        "How to return it: make your changes in this file with Track Changes on (it is on when the file opens) "
        "and add comments where you wish; save it as a .docx and send it back to Test Team. Keep this file's "
        "name and properties: they say which text you reviewed. This note is not part of the text."]
    assert "deadline: '2026-12-15'" in (repo / "statements/child-protection/reviews/sent.yaml").read_text()


@pytest.mark.alliance(sent_to="unicef")
def test_the_note_on_a_returned_packet_is_not_taken_for_text(repo, tmp_path):
    from helpers.alliance import sent_packet

    returned = WordEdits(sent_packet(repo)).replace("without delay", "at once").save()
    result = import_docx(repo, tmp_path, returned)
    assert "  changes applied: 1\n  conflicts: 0\n" in result.out
    assert on_branch(repo) == STATEMENT.format(id="child-protection", status="draft").replace(
        "without delay", "at once")


def test_a_link_whose_target_word_renamed_keeps_its_target_byte_for_byte(rich, tmp_path):
    """Word turns internal links into its own bookmarks (#_Toc402299822); the text's target stays."""
    edits = WordEdits(packet(rich)).replace("the map below", "the map that follows")
    from docx.oxml.ns import qn

    for link in edits.doc.element.body.iter(qn("w:hyperlink")):
        if link.get(qn("w:anchor")) == "preamble":
            link.set(qn("w:anchor"), "_Toc402299822")
    result = import_docx(rich, tmp_path, edits.save())
    assert result.code == 0, result.err
    assert on_branch(rich) == ORIGINAL.replace("the map below", "the map that follows")


def test_a_link_the_partner_did_not_touch_in_an_untouched_paragraph_is_no_edit(rich, tmp_path):
    edits = WordEdits(packet(rich)).comment("Referral", "Fine.")
    from docx.oxml.ns import qn

    for link in edits.doc.element.body.iter(qn("w:hyperlink")):
        link.set(qn("w:anchor"), "_Toc402299822")
    result = import_docx(rich, tmp_path, edits.save())
    assert "  changes applied: 0\n  conflicts: 0\n" in result.out
    assert on_branch(rich) == ORIGINAL


NESTED = """
- Level one, first item.
    - Level two, an inner item with words.
    - Level two, another inner item.
- Level one, second item.
"""


def test_an_edit_in_a_nested_list_keeps_the_nesting(tmp_path):
    root = make_alliance(tmp_path / "alliance", body_extra=NESTED)
    original = STATEMENT.format(id="child-protection", status="draft") + NESTED
    returned = WordEdits(packet(root)).replace("with words", "with more words").save()
    result = import_docx(root, tmp_path, returned)
    assert result.code == 0, result.err
    assert on_branch(root) == original.replace("with words", "with more words")
