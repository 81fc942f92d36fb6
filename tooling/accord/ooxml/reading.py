"""Reading DOCX files from outside: safe opening, accepting tracked changes, comments, custom properties.

A returned DOCX is untrusted. It is size-checked before it is opened, its zip
directory is checked (entry count, declared expansion) before anything is
extracted, each part is read with a hard cap, and XML is parsed without DTDs,
entity resolution or network access; a part that declares a DOCTYPE is refused.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import ReviewError
from .ns import w

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
REL_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


# Containers whose content is deleted text (removed on accept) and whose content is inserted (kept).
_DELETED_CONTAINERS = ("del", "moveFrom")
_INSERTED_CONTAINERS = ("ins", "moveTo")
# Markers and change records that carry no text once all changes are accepted.
_CHANGE_RECORDS = ("rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "tblPrExChange", "trPrChange",
                   "tcPrChange", "tblGridChange", "numberingChange", "moveFromRangeStart", "moveFromRangeEnd",
                   "moveToRangeStart", "moveToRangeEnd", "customXmlInsRangeStart", "customXmlInsRangeEnd",
                   "customXmlDelRangeEnd", "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart",
                   "customXmlMoveToRangeEnd")
# Anchors pandoc would turn into empty spans or ignore: noise for a text comparison.
_ANCHORS = ("bookmarkStart", "bookmarkEnd", "commentRangeStart", "commentRangeEnd", "proofErr",
            "permStart", "permEnd")
_TRACKED_CHANGES = ("ins", "del", "moveFrom", "moveTo", "rPrChange", "pPrChange", "cellIns", "cellDel")


@dataclass
class DocxPackage:
    """The parts of a DOCX, read under caps; XML parts are parsed only through `xml()`."""

    display: str
    parts: dict[str, bytes]
    main_part: str
    _trees: dict[str, etree._Element] = field(default_factory=dict, repr=False)
    sha256: str = ""  # of the file's bytes: how a second import of the same file is recognised
    raw: bytes = field(default=b"", repr=False)  # the file itself, for reading a picture on demand

    def has(self, name: str) -> bool:
        return name in self.parts

    def xml(self, name: str) -> etree._Element:
        """A part parsed safely (a fresh tree each call, so callers may change it)."""
        return parse_xml(self.parts[name], self.display, name)

    def related(self, source: str) -> dict[str, str]:
        """The parts a part points at, by relationship type (the last path segment of the type URI)."""
        rels_name = posixpath.join(posixpath.dirname(source), "_rels", posixpath.basename(source) + ".rels")
        if rels_name not in self.parts:
            return {}
        found: dict[str, str] = {}
        for rel in self.xml(rels_name).iter(f"{{{PKG_RELS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = _resolve_target(source, rel.get("Target", ""))
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if target in self.parts:
                found.setdefault(kind, target)
        return found


def _resolve_target(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def open_docx(path: Path, display: str | None = None) -> DocxPackage:
    """Open a DOCX from outside, refusing anything oversized, encrypted, bomb-like or not a DOCX."""
    display = display or str(path)
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReviewError(f"cannot read the file: {exc.strerror}", path=display) from None
    if not path.is_file():
        raise ReviewError("not a file", path=display)
    if size > MAX_FILE_BYTES:
        raise ReviewError(f"file too large ({_megabytes(size)}; the limit is {_megabytes(MAX_FILE_BYTES)})",
                          path=display)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReviewError(f"cannot read the file: {exc.strerror}", path=display) from None
    return open_docx_bytes(data, display)


def open_docx_bytes(data: bytes, display: str) -> DocxPackage:
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_FILE_BYTES:
        raise ReviewError(f"file too large ({_megabytes(len(data))}; the limit is {_megabytes(MAX_FILE_BYTES)})",
                          path=display)
    if data.startswith(OLE2_MAGIC):
        raise ReviewError("password-protected or old-format Word file (OLE2), not a DOCX: remove the password "
                          "or save it as a .docx, then import again", path=display)
    if not data:
        raise ReviewError("file is empty", path=display)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ReviewError("not a DOCX file (not a zip archive)", path=display) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ReviewError(f"refused: the archive has {len(infos)} entries (the limit is {MAX_ENTRIES})",
                              path=display)
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise ReviewError(f"refused: the archive would expand to {_megabytes(declared)} "
                              f"(the limit is {_megabytes(MAX_UNCOMPRESSED_BYTES)}; a zip bomb?)", path=display)
        if any(info.flag_bits & 0x1 for info in infos):
            raise ReviewError("password-protected zip archive, not a DOCX", path=display)
        parts: dict[str, bytes] = {}
        total = 0
        for info in infos:
            if info.is_dir() or not _wanted(info.filename):
                continue
            part = _read_capped(archive, info, display)
            total += len(part)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise ReviewError(f"refused: the archive expands to more than {_megabytes(MAX_UNCOMPRESSED_BYTES)} "
                                  "(a zip bomb?)", path=display)
            parts[info.filename] = part
    for name, part in parts.items():
        _refuse_dtd(part, display, name)
    if "[Content_Types].xml" not in parts:
        raise ReviewError("not a DOCX file (a zip archive without [Content_Types].xml)", path=display)
    package = DocxPackage(display, parts, "", sha256=digest, raw=data)
    main = package.related("").get("officeDocument") if "_rels/.rels" in parts else None
    main = main or ("word/document.xml" if "word/document.xml" in parts else None)
    if main is None or not main.endswith(".xml"):
        raise ReviewError("not a DOCX file (no main document part word/document.xml)", path=display)
    package.main_part = main
    body = package.xml(main).find(w("body"))
    if body is None:
        raise ReviewError(f"not a DOCX file ({main} has no Word body)", path=display)
    return package


def _wanted(name: str) -> bool:
    """Only XML parts are read: media and embedded objects stay in the zip, unextracted."""
    return name.endswith((".xml", ".rels"))


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, display: str) -> bytes:
    # The declared size can lie: read at most the cap, whatever the header says.
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError, ValueError) as exc:
        raise ReviewError(f"damaged zip archive: cannot read {info.filename} ({_one_line(exc)})", path=display) from None
    if len(data) > MAX_PART_BYTES:
        raise ReviewError(f"refused: {info.filename} expands to more than {_megabytes(MAX_PART_BYTES)} "
                          "(a zip bomb?)", path=display)
    return data


_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(data: bytes, display: str, part: str) -> etree._Element:
    """Parse one XML part: no DTD, no entities, no network, no huge trees; a DOCTYPE is refused."""
    _refuse_dtd(data, display, part)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ReviewError(f"{part} is not well-formed XML ({_one_line(exc)})", path=display) from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ReviewError(f"refused: {part} declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), "
                          "which a Word file never does", path=display)
    return root


def _refuse_dtd(data: bytes, display: str, part: str) -> None:
    """Every part is scanned when the file is opened, so no later reader ever meets a DTD."""
    if _DTD_MARKERS.search(data) or _DTD_MARKERS.search(_as_utf8(data)):
        raise ReviewError(f"refused: {part} declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), "
                          "which a Word file never does", path=display)


def _as_utf8(data: bytes) -> bytes:
    """UTF-16 XML re-encoded, so the DOCTYPE scan cannot be dodged by an encoding."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(codec, "replace").encode("utf-8")
    if data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return data.decode("utf-16-le" if data[0] == 0x3C else "utf-16-be", "replace").encode("utf-8")
    return b""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# -- custom properties ---------------------------------------------------------------

def custom_properties(package: DocxPackage) -> dict[str, str]:
    """docProps/custom.xml as {name: text value}; {} when the file has none."""
    name = package.related("").get("custom-properties") or "docProps/custom.xml"
    if not package.has(name):
        return {}
    properties: dict[str, str] = {}
    for prop in package.xml(name).iter(f"{{{CUSTOM_PROPS}}}property"):
        value = next(iter(prop), None)
        key = prop.get("name")
        if key and value is not None:
            properties[key] = (value.text or "").strip()
    return properties


# -- tracked changes -----------------------------------------------------------------

def story_parts(package: DocxPackage) -> list[str]:
    """The main document, then its footnotes and endnotes: the parts whose text the statement is."""
    related = package.related(package.main_part)
    return [package.main_part] + [related[kind] for kind in ("footnotes", "endnotes") if kind in related]


def change_authors(package: DocxPackage) -> Counter[str]:
    """How many tracked changes each author made, over the document, footnotes and endnotes."""
    authors: Counter[str] = Counter()
    for part in story_parts(package):
        for element in package.xml(part).iter(*(w(tag) for tag in _TRACKED_CHANGES)):
            author = _collapse(element.get(w("author")) or "")[:200]
            if author:
                authors[author] += 1
    return authors


def count_paragraphs(package: DocxPackage) -> int:
    """Paragraphs in the main document, tables' and deleted ones included: a cheap measure of its size."""
    return sum(1 for _ in package.xml(package.main_part).iter(w("p")))


PICTURE_TYPES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".gif": "gif"}
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def pictures(package: DocxPackage) -> list[tuple[str, bytes]]:
    """The pictures the main document shows once its changes are accepted, as (extension, bytes),
    in document order; only PNG, JPEG and GIF files, each read under the part cap."""
    main = package.main_part
    rels_name = _rels_name(main)
    if rels_name not in package.parts:
        return []
    targets = {rel.get("Id"): _resolve_target(main, rel.get("Target", ""))
               for rel in package.xml(rels_name).iter(f"{{{PKG_RELS}}}Relationship")
               if rel.get("TargetMode") != "External"}
    found: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(package.raw)) as archive:
        names = set(archive.namelist())
        for blip in accept_all_changes(package.xml(main)).iter(_BLIP):
            target = targets.get(blip.get(_EMBED))
            extension = PICTURE_TYPES.get(posixpath.splitext(target or "")[1].lower())
            if target in names and extension:
                found.append((extension, _read_capped(archive, archive.getinfo(target), package.display)))
    return found


def count_drawings(package: DocxPackage) -> int:
    """Pictures, charts and shapes in the main document, changes accepted (they are not imported)."""
    root = accept_all_changes(package.xml(package.main_part))
    return sum(1 for _ in root.iter(w("drawing"), w("pict"), w("object")))


def accept_all_changes(root: etree._Element) -> etree._Element:
    """Accept every tracked change in a story part, in place, as Word's "Accept All" would.

    Pandoc's own --track-changes=accept mishandles deleted paragraph marks (the
    merged text can land in a footnote), so changes are accepted here, in the XML,
    and pandoc reads a document without any.
    """
    for tag in _DELETED_CONTAINERS:
        for element in list(root.iter(w(tag))):
            if element.getparent() is not None and not _is_mark(element):
                _detach(element)
    for tag in _INSERTED_CONTAINERS:
        for element in list(root.iter(w(tag))):
            if not _is_mark(element):
                _unwrap(element)
    for row in list(root.iter(w("tr"))):
        marks = row.find(w("trPr"))
        if marks is not None and marks.find(w("del")) is not None:
            _detach(row)
    for table in list(root.iter(w("tbl"))):
        if table.find(w("tr")) is None:
            _detach(table)
    for cell in list(root.iter(w("tc"))):
        properties = cell.find(w("tcPr"))
        if properties is not None and properties.find(w("cellDel")) is not None:
            _detach(cell)
    for paragraph in list(root.iter(w("p"))):
        mark = paragraph.find(f"{w('pPr')}/{w('rPr')}")
        if mark is not None and (mark.find(w("del")) is not None or mark.find(w("moveFrom")) is not None):
            _merge_into_next_paragraph(paragraph)
    for tag in (*_CHANGE_RECORDS, "cellIns", "cellDel"):
        for element in list(root.iter(w(tag))):
            _detach(element)
    for mark_tag in ("ins", "del", "moveFrom", "moveTo"):
        for element in list(root.iter(w(mark_tag))):
            if _is_mark(element):
                _detach(element)
    return root


def reject_all_changes(root: etree._Element) -> etree._Element:
    """Reject every tracked change in a story part, in place, as Word's "Reject All" would: the text
    the reviewer started from. (Formatting changes keep their new look: only the text matters here.)"""
    for tag in _INSERTED_CONTAINERS:
        for element in list(root.iter(w(tag))):
            if element.getparent() is not None and not _is_mark(element):
                _detach(element)
    for tag in _DELETED_CONTAINERS:
        for element in list(root.iter(w(tag))):
            if not _is_mark(element):
                _unwrap(element)
    for old, new in (("delText", "t"), ("delInstrText", "instrText")):
        for element in list(root.iter(w(old))):
            element.tag = w(new)
    for row in list(root.iter(w("tr"))):
        marks = row.find(w("trPr"))
        if marks is not None and marks.find(w("ins")) is not None:
            _detach(row)
    for table in list(root.iter(w("tbl"))):
        if table.find(w("tr")) is None:
            _detach(table)
    for cell in list(root.iter(w("tc"))):
        properties = cell.find(w("tcPr"))
        if properties is not None and properties.find(w("cellIns")) is not None:
            _detach(cell)
    for paragraph in list(root.iter(w("p"))):
        mark = paragraph.find(f"{w('pPr')}/{w('rPr')}")
        if mark is not None and (mark.find(w("ins")) is not None or mark.find(w("moveTo")) is not None):
            _merge_into_next_paragraph(paragraph)
    for tag in (*_CHANGE_RECORDS, "cellIns", "cellDel"):
        for element in list(root.iter(w(tag))):
            _detach(element)
    for mark_tag in ("ins", "del", "moveFrom", "moveTo"):
        for element in list(root.iter(w(mark_tag))):
            if _is_mark(element):
                _detach(element)
    return root


def _detach(element: etree._Element) -> None:
    """Remove an element from its parent (an element without one, the root, stays)."""
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _is_mark(element: etree._Element) -> bool:
    """A w:ins/w:del inside properties marks a paragraph mark or row, it does not wrap content."""
    parent = element.getparent()
    return parent is not None and parent.tag in (w("rPr"), w("trPr"), w("tcPr"))


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


_BETWEEN_PARAGRAPHS = {w(tag) for tag in _ANCHORS} | {w(tag) for tag in _CHANGE_RECORDS}


def _merge_into_next_paragraph(paragraph: etree._Element) -> None:
    """A deleted paragraph mark joins the paragraph to the next one, which keeps its own properties."""
    following = paragraph.getnext()
    while following is not None and following.tag in _BETWEEN_PARAGRAPHS:
        following = following.getnext()
    content = [child for child in paragraph if child.tag != w("pPr")]
    if following is None or following.tag != w("p"):
        if not "".join(str(text) for text in paragraph.itertext()).strip():
            _detach(paragraph)
        return
    properties = following.find(w("pPr"))
    position = following.index(properties) + 1 if properties is not None else 0
    for offset, child in enumerate(content):
        following.insert(position + offset, child)
    _detach(paragraph)


def strip_anchors(root: etree._Element) -> etree._Element:
    """Remove bookmarks, comment ranges and references, proofing marks: noise for pandoc's reading."""
    for tag in _ANCHORS:
        for element in list(root.iter(w(tag))):
            _detach(element)
    for reference in list(root.iter(w("commentReference"))):
        run = reference.getparent()
        if run is None:
            continue
        run.remove(reference)
        if run.tag == w("r") and all(child.tag == w("rPr") for child in run):
            _detach(run)
    return root


def flatten_tables(root: etree._Element) -> etree._Element:
    """Tables as a Markdown pipe table can hold them: one paragraph per cell, no merged cells.

    A statement's tables are pipe tables; a partner who presses Enter in a cell
    or merges cells would otherwise come back as an HTML table. The paragraphs
    of a cell are joined with a space; a merged cell is split into plain cells.
    """
    for cell in list(root.iter(w("tc"))):
        paragraphs = cell.findall(w("p"))
        for paragraph in paragraphs[1:]:
            content = [child for child in paragraph if child.tag != w("pPr")]
            if content and "".join(str(text) for text in paragraph.itertext()).strip():
                space = etree.SubElement(paragraphs[0], w("r"))
                blank = etree.SubElement(space, w("t"))
                blank.text = " "
                blank.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                paragraphs[0].extend(content)
            cell.remove(paragraph)
        properties = cell.find(w("tcPr"))
        if properties is None:
            continue
        for merge in properties.findall(w("vMerge")):
            properties.remove(merge)
        span = properties.find(w("gridSpan"))
        if span is not None:
            properties.remove(span)
            count = int(span.get(w("val"), "1")) if span.get(w("val"), "1").isdigit() else 1
            for _ in range(min(count, 64) - 1):
                extra = etree.Element(w("tc"))
                etree.SubElement(extra, w("p"))
                cell.addnext(extra)
    return root


def has_review_note(package: DocxPackage) -> bool:
    """Whether the main document still holds the note `review send` puts on a packet."""
    return any(tag.get(w("val")) == "accord.review-note" for tag in package.xml(package.main_part).iter(w("tag")))


def strip_review_note(root: etree._Element) -> etree._Element:
    """Remove the note `review send` put at the top of a packet: it is accord's, not the statement's."""
    for tag in list(root.iter(w("tag"))):
        properties = tag.getparent()
        if tag.get(w("val")) == "accord.review-note" and properties is not None and properties.tag == w("sdtPr"):
            sdt = properties.getparent()
            if sdt is not None:
                _detach(sdt)
    return root


def accepted_package(package: DocxPackage, *, reject: bool = False) -> bytes:
    """A clean DOCX for pandoc: only the parts it needs, every change accepted (or, with reject=True,
    rejected), every part re-serialized.

    Nothing leaves the zip unparsed: parts are written from the safe trees, so
    pandoc never sees a byte of the partner's file that lxml did not accept.
    """
    settle = reject_all_changes if reject else accept_all_changes
    related = package.related(package.main_part)
    stories = set(story_parts(package))
    keep = ["[Content_Types].xml", "_rels/.rels", package.main_part]
    keep += [related[kind] for kind in ("styles", "numbering", "footnotes", "endnotes") if kind in related]
    keep += [_rels_name(part) for part in list(keep) if _rels_name(part) in package.parts]
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in dict.fromkeys(keep):
            if part not in package.parts:
                continue
            root = package.xml(part)
            if part in stories:
                flatten_tables(strip_anchors(settle(strip_review_note(root))))
            archive.writestr(part, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
    return output.getvalue()


def _rels_name(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


# -- text and comments ---------------------------------------------------------------

def run_text(element: etree._Element, *, deleted: bool = False) -> str:
    """The visible text under an element: w:t (or w:delText when deleted=True), tabs and breaks as spaces."""
    pieces = []
    text_tag = w("delText") if deleted else w("t")
    for node in element.iter(text_tag, w("tab"), w("br"), w("cr"), w("noBreakHyphen")):
        if node.tag == text_tag:
            pieces.append(node.text or "")
        elif node.tag == w("noBreakHyphen"):
            pieces.append("-")
        else:
            pieces.append(" ")
    return "".join(pieces)


@dataclass
class Comment:
    """One Word comment: who, when, what it says, the text it is anchored to, and its replies."""

    id: str
    author: str
    date: str
    text: str
    anchor: str = ""
    initials: str = ""
    resolved: bool = False
    parent: str | None = None
    replies: list["Comment"] = field(default_factory=list)


def read_comments(package: DocxPackage) -> list[Comment]:
    """Every top-level comment with its anchor text and replies, in document order."""
    related = package.related(package.main_part)
    comments_part = related.get("comments")
    if comments_part is None:
        return []
    comments: dict[str, Comment] = {}
    by_para_id: dict[str, str] = {}
    for element in package.xml(comments_part).iter(w("comment")):
        comment_id = element.get(w("id"), "")
        paragraphs = element.findall(f".//{w('p')}")
        if next(element.iter(*_REVISION_CONTAINERS), None) is not None:
            accept_all_changes(element)
        text = "\n\n".join(t for t in (_collapse(run_text(p)) for p in element.iter(w("p"))) if t)
        comments[comment_id] = Comment(
            id=comment_id, author=_collapse(element.get(w("author")) or "")[:200] or "Unknown",
            date=_collapse(element.get(w("date")) or "")[:40],
            initials=_collapse(element.get(w("initials")) or "")[:20],
            text=text)
        if paragraphs:
            para_id = paragraphs[-1].get(f"{{{W14}}}paraId")
            if para_id:
                by_para_id[para_id.upper()] = comment_id
    extended = related.get("commentsExtended")
    if extended:
        for entry in package.xml(extended).iter(f"{{{W15}}}commentEx"):
            extended_id = by_para_id.get((entry.get(f"{{{W15}}}paraId") or "").upper())
            if extended_id is None:
                continue
            comments[extended_id].resolved = entry.get(f"{{{W15}}}done") in ("1", "true")
            parent = by_para_id.get((entry.get(f"{{{W15}}}paraIdParent") or "").upper())
            if parent and parent != extended_id:
                comments[extended_id].parent = parent
    order: list[str] = []
    for part in story_parts(package):
        for comment_id, anchor in _comment_anchors(package.xml(part)).items():
            if comment_id in comments:
                comments[comment_id].anchor = anchor
                order.append(comment_id)
    placed = set(order)
    order += [comment_id for comment_id in comments if comment_id not in placed]
    top: list[Comment] = []
    for comment_id in order:
        comment = comments[comment_id]
        root = comment
        seen = {comment_id}
        while root.parent and root.parent in comments and root.parent not in seen:
            seen.add(root.parent)
            root = comments[root.parent]
        if root is comment:
            top.append(comment)
        else:
            root.replies.append(comment)
    return top


ANCHOR_CHARACTERS = 400
_REVISION_CONTAINERS = tuple(w(tag) for tag in ("ins", "del", "moveFrom", "moveTo"))
_ANCHOR_NODES = tuple(w(tag) for tag in ("commentRangeStart", "commentRangeEnd", "commentReference", "t", "delText",
                                         "tab", "br", "p"))
_RANGE_START, _RANGE_END, _REFERENCE, _TEXT, _DELETED_TEXT = _ANCHOR_NODES[:5]
_ID = w("id")


def _comment_anchors(root: etree._Element) -> dict[str, str]:
    """The text between each comment's range start and end, in document order (accepted text first).

    One pass over the text builds two streams (kept and deleted text); a comment
    holds positions in them, never copies, and its anchor is read back capped at
    ANCHOR_CHARACTERS. So thousands of overlapping or unclosed ranges over a long
    document cost a pass and a short read each, not a copy of the text per range.
    """
    kept: list[str] = []
    deleted: list[str] = []
    starts: dict[str, tuple[int, int]] = {}
    ends: dict[str, tuple[int, int]] = {}
    order: list[str] = []
    for node in root.iter(*_ANCHOR_NODES):
        tag = node.tag
        if tag == _RANGE_START:
            comment_id = node.get(_ID, "")
            if comment_id not in starts:
                starts[comment_id] = (len(kept), len(deleted))
                order.append(comment_id)
        elif tag == _RANGE_END:
            comment_id = node.get(_ID, "")
            if comment_id in starts and comment_id not in ends:
                ends[comment_id] = (len(kept), len(deleted))
        elif tag == _REFERENCE:
            comment_id = node.get(_ID, "")
            if comment_id not in starts:
                starts[comment_id] = ends[comment_id] = (len(kept), len(deleted))
                order.append(comment_id)
        else:
            # Word writes deleted (and moved-away) text as w:delText; everything else reads as kept.
            text = (node.text or "") if tag in (_TEXT, _DELETED_TEXT) else " "
            if text:
                (deleted if tag == _DELETED_TEXT else kept).append(text)
    anchors = {}
    for comment_id in order:
        (kept_start, deleted_start), (kept_end, deleted_end) = starts[comment_id], ends.get(
            comment_id, (len(kept), len(deleted)))
        anchors[comment_id] = (_capped_text(kept, kept_start, kept_end)
                               or _capped_text(deleted, deleted_start, deleted_end))
    return anchors


def _capped_text(pieces: list[str], start: int, end: int) -> str:
    collected: list[str] = []
    size = 0
    for index in range(start, end):
        collected.append(pieces[index])
        size += len(pieces[index])
        if size > ANCHOR_CHARACTERS * 2:
            break
    text = _collapse("".join(collected))
    return text if len(text) <= ANCHOR_CHARACTERS else text[:ANCHOR_CHARACTERS - 1].rstrip() + "…"


def _collapse(text: str) -> str:
    return " ".join(text.split())
