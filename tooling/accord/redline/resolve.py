"""The DOCX redline's words with every tracked change accepted, or rejected, read from its own XML in process.

This is what Word does with "Accept All" / "Reject All": accepting drops w:del and
w:moveFrom content and rows whose w:trPr holds w:del, keeping w:ins and w:moveTo;
rejecting does the opposite (deleted text is in w:delText). Words are collected as
`blocks.block_words` collects them from the compared texts: text joined within a
paragraph and split at whitespace, a footnote's words where it is referenced, table
rows in order, math as a space. Title comes first (pandoc writes it as the first,
Title-styled paragraph); Subtitle, Author, Date and Abstract paragraphs are the
document's metadata, not its text.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from ..ooxml.revisions import W_NS, w

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_META_STYLES = frozenset({"Subtitle", "Author", "Date", "Abstract"})
_TEXT = frozenset({w("t"), w("delText")})
_SPACES = frozenset({w("tab"), w("br"), w("cr"), w("ptab")})
_NO_TEXT = frozenset({w("pPr"), w("rPr"), w("trPr"), w("tcPr"), w("tblPr"), w("tblGrid"), w("sectPr"),
                      w("instrText"), w("delInstrText"), w("footnoteRef"), w("endnoteRef"), w("drawing"),
                      w("pict"), w("object"), w("commentReference")})
_MATH = frozenset({f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"})


def resolved_words(data: bytes, mode: str = "accept") -> list[str]:
    """The words of a DOCX (bytes) with all its tracked changes accepted ('accept') or rejected ('reject')."""
    package = zipfile.ZipFile(io.BytesIO(data))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    names = set(package.namelist())
    document = etree.fromstring(package.read("word/document.xml"), parser)
    notes: dict[tuple[str, str], etree._Element] = {}
    for kind in ("footnote", "endnote"):
        part = f"word/{kind}s.xml"
        if part in names:
            for note in etree.fromstring(package.read(part), parser).iterchildren(w(kind)):
                notes[kind, note.get(w("id"))] = note
    reader = _Reader(mode, notes)
    body = document.find(w("body"))
    if body is not None:
        reader.walk(body)
    reader.flush()
    return reader.words


class _Reader:
    def __init__(self, mode: str, notes: dict) -> None:
        if mode not in ("accept", "reject"):
            raise ValueError(f"mode must be accept or reject, not {mode!r}")
        self.hidden = frozenset({w("del"), w("moveFrom")} if mode == "accept" else {w("ins"), w("moveTo")})
        self.row_gone = w("del") if mode == "accept" else w("ins")
        self.notes = notes
        self.words: list[str] = []
        self.parts: list[str] = []

    def flush(self) -> None:
        if self.parts:
            self.words.extend("".join(self.parts).split())
            self.parts.clear()

    def walk(self, element: etree._Element) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in self.hidden or tag in _NO_TEXT:
                continue
            if tag in _TEXT:
                self.parts.append(child.text or "")
            elif tag in _SPACES or tag in _MATH:
                self.parts.append(" ")
            elif tag == w("p"):
                if _style(child) not in _META_STYLES:
                    self.walk(child)
                self.flush()
            elif tag == w("tr"):
                properties = child.find(w("trPr"))
                if properties is None or properties.find(self.row_gone) is None:
                    self.walk(child)
            elif tag == w("footnoteReference") or tag == w("endnoteReference"):
                self.flush()
                note = self.notes.get((tag.rsplit("}", 1)[1][:-len("Reference")], child.get(w("id"))))
                if note is not None:
                    self.walk(note)
            elif tag == w("noBreakHyphen"):
                self.parts.append("\u2011")
            elif tag == w("sym"):
                self.parts.append(chr(int(child.get(w("char"), "20"), 16)))
            else:
                self.walk(child)


def _style(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    return None if style is None else style.get(w("val"))


__all__ = ["W_NS", "resolved_words"]
