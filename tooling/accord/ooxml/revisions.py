"""Raw WordprocessingML for tracked changes: w:ins / w:del / w:moveFrom / w:moveTo, marks and ids.

pandoc writes run-level w:ins and w:del from insertion/deletion spans, but it
reuses ids (a w:del and the following w:ins share one), cannot track a
paragraph mark or a table row, and knows nothing of moves. A redline therefore
marks those places for this module to finish:

- an empty bookmark named `accord-p-<kind>-<n>` inside a paragraph tracks that
  paragraph's mark; `accord-r-<kind>-<n>` inside a table row tracks the row;
  <kind> is `ins`, `del`, `moveto.<move>` or `movefrom.<move>`;
- a w:ins (w:del) whose author is `accord-moveto.<move>` (`accord-movefrom.<move>`)
  becomes a w:moveTo (w:moveFrom) inside a named move range.

pandoc also wraps a whole tracked link as w:ins > w:hyperlink, which the schema
does not allow (a hyperlink is paragraph content, not run content); the tracking
is moved inside the link, as Word writes it. Every revision then gets a unique
w:id, across the body and the notes.

`resolved_words` reads a finished DOCX's words with every change accepted or
rejected, in process: the redline's self-check.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MARKER = "accord-"
MOVE_AUTHOR = {"moveto": "accord-moveto.", "movefrom": "accord-movefrom."}
_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_REVISION_TAGS = ("ins", "del", "moveFrom", "moveTo")


def w(tag: str) -> str:
    """The Clark name of a w: element or attribute."""
    return f"{{{W_NS}}}{tag}"


def paragraph_marker(kind: str, serial: int) -> str:
    """The bookmark name that asks for a paragraph's mark to be tracked as `kind`."""
    return f"{MARKER}p-{kind}-{serial}"


def row_marker(kind: str, serial: int) -> str:
    """The bookmark name that asks for a table row to be tracked as `kind`."""
    return f"{MARKER}r-{kind}-{serial}"


def move_author(direction: str, move: int) -> str:
    """The placeholder author of a span that is one end of move number `move` ('moveto' or 'movefrom')."""
    return f"{MOVE_AUTHOR[direction]}{move}"


def finalize_revisions(docx: bytes, *, author: str, date: str) -> bytes:
    """Finish a pandoc-written DOCX: tracked paragraph marks and rows, native moves, unique ids."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    trees = {name: etree.fromstring(source.read(name), parser) for name in _PARTS if name in source.namelist()}
    ids = _Ids(trees.values())
    for root in trees.values():
        _apply_markers(root, author, date)
        _make_moves(root, author, date, ids)
        _links_hold_revisions(root)
    for root in trees.values():
        for element in root.iter(*(w(tag) for tag in _REVISION_TAGS)):
            element.set(w("id"), str(ids.next()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in trees:
                data = etree.tostring(trees[info.filename], xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, data)
    return out.getvalue()


class _Ids:
    """Revision ids: unique, and clear of the ids bookmarks and comments already use."""

    def __init__(self, roots) -> None:
        self.used: set[int] = set()
        for root in roots:
            for element in root.iter(w("bookmarkStart"), w("commentRangeStart")):
                if not (element.get(w("name")) or "").startswith(MARKER):
                    value = element.get(w("id"))
                    if value and value.lstrip("-").isdigit():
                        self.used.add(int(value))
        self.current = 0

    def next(self) -> int:
        self.current += 1
        while self.current in self.used:
            self.current += 1
        return self.current


def revision(kind: str, author: str, date: str) -> etree._Element:
    """A w:ins, w:del, w:moveFrom or w:moveTo element (its id is set later)."""
    tag = {"ins": "ins", "del": "del"}.get(kind) or ("moveTo" if kind.startswith("moveto") else "moveFrom")
    element = etree.Element(w(tag))
    element.set(w("id"), "0")
    element.set(w("author"), author)
    element.set(w("date"), date)
    return element


def track_paragraph_mark(paragraph: etree._Element, kind: str, author: str, date: str) -> None:
    """Mark a paragraph's mark as inserted/deleted/moved (w:pPr/w:rPr/w:ins ...)."""
    properties = paragraph.find(w("pPr"))
    if properties is None:
        properties = etree.Element(w("pPr"))
        paragraph.insert(0, properties)
    run_properties = properties.find(w("rPr"))
    if run_properties is None:
        run_properties = etree.Element(w("rPr"))
        # w:rPr comes after the other paragraph properties, before w:sectPr and w:pPrChange.
        later = [child for child in properties if child.tag in (w("sectPr"), w("pPrChange"))]
        if later:
            later[0].addprevious(run_properties)
        else:
            properties.append(run_properties)
    run_properties.insert(0, revision(kind, author, date))


def track_row(row: etree._Element, kind: str, author: str, date: str) -> None:
    """Mark a table row as inserted or deleted (w:trPr/w:ins or w:del)."""
    properties = row.find(w("trPr"))
    if properties is None:
        properties = etree.Element(w("trPr"))
        exceptions = row.find(w("tblPrEx"))
        if exceptions is not None:
            exceptions.addnext(properties)
        else:
            row.insert(0, properties)
    change = properties.find(w("trPrChange"))
    element = revision("ins" if kind == "ins" else "del", author, date)
    if change is not None:
        change.addprevious(element)
    else:
        properties.append(element)


def _apply_markers(root: etree._Element, author: str, date: str) -> None:
    markers = [bookmark for bookmark in root.iter(w("bookmarkStart"))
               if (bookmark.get(w("name")) or "").startswith(MARKER)]
    for bookmark in markers:
        _, scope, kind, _serial = bookmark.get(w("name")).split("-", 3)
        kind = kind.replace(".", "-")
        bookmark_id = bookmark.get(w("id"))
        paragraph = next(bookmark.iterancestors(w("p")), None)
        _remove_bookmark(bookmark, bookmark_id)
        if paragraph is None:
            continue
        if scope == "p":
            track_paragraph_mark(paragraph, kind, author, date)
        elif scope == "r":
            row = next(paragraph.iterancestors(w("tr")), None)
            if row is not None:
                track_row(row, kind, author, date)


def _remove_bookmark(start: etree._Element, bookmark_id: str | None) -> None:
    for sibling in start.itersiblings():
        if sibling.tag == w("bookmarkEnd") and sibling.get(w("id")) == bookmark_id:
            sibling.getparent().remove(sibling)
            break
    start.getparent().remove(start)


def _make_moves(root: etree._Element, author: str, date: str, ids: _Ids) -> None:
    ends: dict[tuple[str, str], list[etree._Element]] = {}
    for element in list(root.iter(w("ins"), w("del"))):
        placeholder = element.get(w("author")) or ""
        for direction, prefix in MOVE_AUTHOR.items():
            if placeholder.startswith(prefix):
                element.tag = w("moveTo" if direction == "moveto" else "moveFrom")
                element.set(w("author"), author)
                if direction == "movefrom":
                    for text in element.iter(w("delText")):
                        text.tag = w("t")
                    for text in element.iter(w("delInstrText")):
                        text.tag = w("instrText")
                ends.setdefault((direction, placeholder[len(prefix):]), []).append(element)
    for (direction, move), elements in ends.items():
        range_id = str(ids.next())
        tag = "moveToRange" if direction == "moveto" else "moveFromRange"
        start = etree.Element(w(tag + "Start"))
        start.set(w("id"), range_id)
        start.set(w("author"), author)
        start.set(w("date"), date)
        start.set(w("name"), f"move{move}")
        end = etree.Element(w(tag + "End"))
        end.set(w("id"), range_id)
        elements[0].addprevious(start)
        elements[-1].addnext(end)


def _links_hold_revisions(root: etree._Element) -> None:
    """w:del > (runs, w:hyperlink > runs) becomes w:del > runs, w:hyperlink > w:del > runs."""
    tags = tuple(w(tag) for tag in _REVISION_TAGS)
    for tracked in list(root.iter(*tags)):
        parent = tracked.getparent()
        if parent is None or tracked.find(w("hyperlink")) is None:
            continue
        pieces: list[etree._Element] = []
        current = None
        for child in list(tracked):
            if child.tag == w("hyperlink"):
                inner = _empty_copy(tracked)
                for run in list(child):
                    inner.append(run)
                child.append(inner)
                pieces.append(child)
                current = None
            else:
                if current is None:
                    current = _empty_copy(tracked)
                    pieces.append(current)
                current.append(child)
        index = parent.index(tracked)
        parent.remove(tracked)
        for offset, piece in enumerate(pieces):
            parent.insert(index + offset, piece)


def _empty_copy(element: etree._Element) -> etree._Element:
    copy = etree.Element(element.tag)
    for name, value in element.attrib.items():
        copy.set(name, value)
    return copy


# -- accept all / reject all, read in process (the DOCX redline's self-check) -----------------
#
# What Word does with "Accept All" / "Reject All": accepting drops w:del and w:moveFrom
# content and rows whose w:trPr holds w:del, keeping w:ins and w:moveTo; rejecting does the
# opposite (deleted text is in w:delText). Words are collected as redline.blocks.block_words
# collects them from the compared texts: text joined within a paragraph and split at
# whitespace, a footnote's words where it is referenced, table rows in order, math as a
# space. The title comes first (pandoc writes it as the first, Title-styled paragraph);
# Subtitle, Author, Date and Abstract paragraphs are the document's metadata, not its text.

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
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    names = set(package.namelist())
    document = etree.fromstring(package.read("word/document.xml"), parser)
    notes: dict[tuple[str, str], etree._Element] = {}
    for kind in ("footnote", "endnote"):
        part = f"word/{kind}s.xml"
        if part in names:
            for note in etree.fromstring(package.read(part), parser).iterchildren(w(kind)):
                notes[kind, note.get(w("id"))] = note
    reader = _ResolvedReader(mode, notes)
    body = document.find(w("body"))
    if body is not None:
        reader.walk(body)
    reader.flush()
    return reader.words


class _ResolvedReader:
    """Collects the words of a DOCX's story parts with one side of every tracked change."""

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
