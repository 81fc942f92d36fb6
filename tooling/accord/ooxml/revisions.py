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

from lxml import etree

from .ns import w
from .package import Package

MARKER = "accord-"
MOVE_AUTHOR = {"moveto": "accord-moveto.", "movefrom": "accord-movefrom."}
_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_REVISION_TAGS = ("ins", "del", "moveFrom", "moveTo")
_REVISION_QNAMES = tuple(w(tag) for tag in _REVISION_TAGS)
_INS, _DEL, _ID, _AUTHOR, _HYPERLINK = w("ins"), w("del"), w("id"), w("author"), w("hyperlink")


def paragraph_marker(kind: str, serial: int) -> str:
    """The bookmark name that asks for a paragraph's mark to be tracked as `kind`."""
    return f"{MARKER}p-{kind}-{serial}"


def row_marker(kind: str, serial: int) -> str:
    """The bookmark name that asks for a table row to be tracked as `kind`."""
    return f"{MARKER}r-{kind}-{serial}"


def move_author(direction: str, move: int) -> str:
    """The placeholder author of a span that is one end of move number `move` ('moveto' or 'movefrom')."""
    return f"{MOVE_AUTHOR[direction]}{move}"


def finish_revisions(package: Package, *, author: str, date: str) -> None:
    """Finish a pandoc-written DOCX in place: tracked paragraph marks and rows, native moves, unique ids."""
    trees = [package.edit(name) for name in _PARTS if name in package]
    ids = _Ids(trees)
    for root in trees:
        _apply_markers(root, author, date)
        _make_moves(root, author, date, ids)
        _links_hold_revisions(root)
    for root in trees:
        for element in root.iter(*_REVISION_QNAMES):
            element.set(_ID, str(ids.next()))


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
    for element in list(root.iter(_INS, _DEL)):
        placeholder = element.get(_AUTHOR) or ""
        if not placeholder.startswith(MARKER):  # most revisions: the author's own, no move
            continue
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
    for tracked in list(root.iter(*_REVISION_QNAMES)):
        if next(tracked.iterchildren(_HYPERLINK), None) is None:
            continue
        parent = tracked.getparent()
        if parent is None:
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


def resolved_words(docx: bytes | Package, mode: str = "accept") -> list[str]:
    """The words of a DOCX with all its tracked changes accepted ('accept') or rejected ('reject')."""
    if mode not in ("accept", "reject"):
        raise ValueError(f"mode must be accept or reject, not {mode!r}")
    accepted, rejected = resolved_both(docx)
    return accepted if mode == "accept" else rejected


def resolved_both(docx: bytes | Package) -> tuple[list[str], list[str]]:
    """(words with every change accepted, words with every change rejected), read in one walk."""
    package = docx if isinstance(docx, Package) else Package(docx)
    notes: dict[tuple[str, str], etree._Element] = {}
    for kind in ("footnote", "endnote"):
        part = f"word/{kind}s.xml"
        if part in package:
            for note in package.xml(part).iterchildren(w(kind)):
                notes[kind, note.get(w("id"))] = note
    accept = _Side(hidden={w("del"), w("moveFrom")}, row_gone=w("del"))
    reject = _Side(hidden={w("ins"), w("moveTo")}, row_gone=w("ins"))
    body = package.xml("word/document.xml").find(w("body"))
    if body is not None:
        _walk(body, (accept, reject), notes)
    for side in (accept, reject):
        side.flush()
    return accept.words, reject.words


class _Side:
    """One resolution (accept all or reject all): what it hides, and the words it has read."""

    __slots__ = ("hidden", "row_gone", "words", "parts")

    def __init__(self, hidden: set[str], row_gone: str) -> None:
        self.hidden = frozenset(hidden)
        self.row_gone = row_gone
        self.words: list[str] = []
        self.parts: list[str] = []

    def flush(self) -> None:
        if self.parts:
            self.words.extend("".join(self.parts).split())
            self.parts.clear()


_REVISIONS = frozenset(w(tag) for tag in _REVISION_TAGS)
_P, _TR, _TR_PR, _PPR, _PSTYLE = w("p"), w("tr"), w("trPr"), w("pPr"), w("pStyle")
_NOTE_REFERENCES = {w("footnoteReference"): "footnote", w("endnoteReference"): "endnote"}
_NO_BREAK_HYPHEN, _SYM = w("noBreakHyphen"), w("sym")
# What holds no text of its own but may hold elements the walk reports (tab stops, text boxes):
# skipped whole. (The other _NO_TEXT elements hold none: at most an empty w:ins or w:del marking
# a paragraph mark or a row, which shows or hides nothing.)
_SKIPPED = frozenset({_PPR, w("drawing"), w("pict"), w("object")})
_REPORTED = (*_REVISIONS, *_TEXT, *_SPACES, *_MATH, _P, _TR, *_NOTE_REFERENCES, _NO_BREAK_HYPHEN, _SYM, *_SKIPPED)


def _walk(element: etree._Element, sides: tuple[_Side, ...], notes: dict) -> None:
    """Collect the words under `element` for each side that shows it (both, until a revision hides it from one).

    lxml walks the tree (iterwalk, in C) and reports only the elements that carry text or
    decide what is shown: paragraphs, rows, revisions, text, spaces, note references."""
    shown = sides
    above: list[tuple[_Side, ...]] = []   # what was shown outside each open revision and row
    walker = etree.iterwalk(element, events=("start", "end"), tag=_REPORTED)
    for event, child in walker:
        tag = child.tag
        if event == "end":
            if tag in _REVISIONS or tag == _TR:
                shown = above.pop()
            elif tag == _P:
                for side in shown:
                    side.flush()
            continue
        if tag in _TEXT:
            text = child.text or ""
            for side in shown:
                side.parts.append(text)
        elif tag in _REVISIONS:
            above.append(shown)
            shown = tuple(side for side in shown if tag not in side.hidden)
            if not shown:
                walker.skip_subtree()
        elif tag == _P:
            if _style(child) in _META_STYLES:
                walker.skip_subtree()
        elif tag == _TR:
            above.append(shown)
            properties = child.find(_TR_PR)
            if properties is not None:
                shown = tuple(side for side in shown if properties.find(side.row_gone) is None)
            if not shown:
                walker.skip_subtree()
        elif tag in _SPACES or tag in _MATH:
            for side in shown:
                side.parts.append(" ")
            walker.skip_subtree()
        elif tag in _SKIPPED:
            walker.skip_subtree()
        elif tag in _NOTE_REFERENCES:
            for side in shown:
                side.flush()
            note = notes.get((_NOTE_REFERENCES[tag], child.get(w("id"))))
            if note is not None:
                _walk(note, shown, notes)
        elif tag == _NO_BREAK_HYPHEN:
            for side in shown:
                side.parts.append("\u2011")
        elif tag == _SYM:
            character = chr(int(child.get(w("char"), "20"), 16))
            for side in shown:
                side.parts.append(character)


def _style(paragraph: etree._Element) -> str | None:
    for properties in paragraph.iterchildren(_PPR):
        style = properties.find(_PSTYLE)
        if style is not None:
            return style.get(w("val"))
    return None
