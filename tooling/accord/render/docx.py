"""DOCX: pandoc with templates/reference.docx, then what styles cannot carry, added with python-docx.

Stages: pandoc (body, title, footnotes, tables) -> title block -> paragraph numbers
-> signatory block -> header, footer and DRAFT watermark -> properties -> a zip
whose times come from the commit, so the same commit gives the same bytes -> the
house fonts it uses, embedded (ooxml.fonts).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import _Footer, _Header
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

from ..ooxml.fonts import embed_fonts_in, house_font_dir
from ..ooxml.package import Package
from ..ooxml.parts import (append_to, cell_paragraphs, clear_story, field, layout_table, move_after,
                           paragraph_border, set_custom_properties, set_paragraph_property, set_paragraph_style_id,
                           spacer_paragraph, story_element, tab_stops, text_run, watermark_run)
from ..errors import BuildError
from ..labels import ITEM
from ..ooxml.numbering import add_label_list, set_paragraph_number
from ..ooxml.scripts import has_rtl_letters, make_right_to_left, set_script_fonts
from .document import Document
from .source import pandoc_to

ACCENT = "2E4053"      # as in statement.typ and statement.css
MUTED = "5F5F5F"
ALERT = "8B1A1A"
SANS = "Noto Sans"
SERIF = "Noto Serif"
TEXT_WIDTH = 9072      # twips between the margins of reference.docx (A4, 2.5 cm margins)
HEADER_COLUMNS = [3836, 1400, 3836]  # symbol | status | short title, as the PDF's (1fr, auto, 1fr)
RULE = "B3B3B3"
LABEL_BOOKMARK = "accord_label_"  # as build/labels.lua names them


def build_docx(document: Document, target: Path) -> bytes:
    reference = document.templates / "reference.docx"
    raw = pandoc_to(document, ["-t", "docx", f"--reference-doc={reference}", "-o", "-"],
                    metadata={"title": document.statement.title, "lang": document.statement.language,
                              **({"dir": "rtl"} if document.rtl else {})},
                    what="pandoc (DOCX)")
    package = Package(post_process(document, raw))
    embed_fonts_in(package, house_font_dir(document.templates, document.settings.embed_fonts))
    return reproducible_zip(package, document.provenance.epoch)


def post_process(document: Document, docx_bytes: bytes) -> bytes:
    doc = open_docx(io.BytesIO(docx_bytes))
    styles = StyleIds(doc)
    add_title_block(doc, document, styles)
    number_labelled_units(doc, document)
    add_signatory_block(doc, document, styles)
    add_page_furniture(doc, document, styles)
    set_properties(doc, document)
    set_scripts(doc, document)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- title block ---------------------------------------------------------------------

def add_title_block(doc: WordDocument, document: Document, styles: StyleIds) -> None:
    """Organization and symbol, team and date above a rule; the kind over the title; the status under it."""
    statement, settings = document.statement, document.settings
    title = next((p for p in doc.paragraphs if p.style is not None and p.style.style_id == "Title"), None)
    if title is None:
        return
    top = _paragraph_before(title, styles["Author"], [
        text_run(settings.organization, bold=True, caps=True, color=ACCENT, size_pt=9),
        text_run("\t"), text_run(document.isolated(statement.symbol or ""), bold=True, size_pt=11, color="000000")])
    second = _paragraph_before(title, styles["Author"], [
        text_run(settings.team, size_pt=8), text_run("\t"), text_run(document.date_label, size_pt=9)])
    for paragraph in (top, second):
        set_paragraph_property(paragraph, tab_stops(("right", TEXT_WIDTH)))
    set_paragraph_property(second, paragraph_border("bottom", color=ACCENT, size_eighths=12, space_pt=4))
    second.paragraph_format.space_after = Pt(18)
    kind = _paragraph_before(title, styles["Subtitle"], [text_run(document.kind_label, bold=True, caps=True, size_pt=9.5)])
    kind.paragraph_format.space_after = Pt(4)
    last = title
    if statement.is_draft:
        line = document.furniture.label("status-line", status=document.status_label)
        status = _paragraph_after(doc, title, styles["Author"], [text_run(line, bold=True, color=ALERT, size_pt=9)])
        last = status
    set_paragraph_property(last, paragraph_border("bottom", space_pt=8))
    last.paragraph_format.space_after = Pt(14)


# -- numbered paragraphs -------------------------------------------------------------

def number_labelled_units(doc: WordDocument, document: Document) -> int:
    """Give every labelled unit real Word numbering: paragraphs 1., 2. ... and their items (a), (b) ...

    build/labels.lua marks the first paragraph of each unit with a bookmark
    `accord_label_<n>` (n counts accord's labels, accord/labels.py); here each marked
    paragraph gets numPr in one list definition and the bookmark goes. Word then shows
    the numbers: a partner cannot delete or retype one by accident, and they renumber
    as Word renumbers. Returns the number of units numbered.
    """
    units = document.labels.units
    if not units:
        return 0
    num_id = add_label_list(doc.part.numbering_part.element,
                            paragraphs_numbered=document.statement.numbered_paragraphs)
    found: list[str] = []
    for p in doc.element.body.iterchildren(qn("w:p")):
        for start in p.findall(qn("w:bookmarkStart")):
            name = start.get(qn("w:name")) or ""
            if not name.startswith(LABEL_BOOKMARK):
                continue
            unit = units[int(name[len(LABEL_BOOKMARK):]) - 1]
            found.append(unit.label)
            ilvl = 1 if unit.kind == ITEM and document.statement.numbered_paragraphs else 0
            set_paragraph_number(p, num_id, ilvl)
            _remove_bookmark(p, start)
    if found != [unit.label for unit in units]:
        raise BuildError(f"DOCX: {len(found)} of {len(units)} labelled paragraphs found after pandoc; "
                         "the numbering would be wrong", path=document.source_display)
    return len(found)


def _remove_bookmark(p: etree._Element, start: etree._Element) -> None:
    bookmark_id = start.get(qn("w:id"))
    for end in p.findall(qn("w:bookmarkEnd")):
        if end.get(qn("w:id")) == bookmark_id:
            p.remove(end)
    p.remove(start)


# -- signatory block -----------------------------------------------------------------

def add_signatory_block(doc: WordDocument, document: Document, styles: StyleIds) -> None:
    """Who endorsed the current text, from the ledger: names, marked positions, reservations as notes."""
    heading = doc.add_paragraph(document.furniture.label("endorsed-by"))
    set_paragraph_style_id(heading, styles["Heading 2"])
    set_paragraph_property(heading, paragraph_border("bottom", space_pt=2))
    if not document.signatories:
        empty = doc.add_paragraph()
        append_to(empty, text_run(document.furniture.label("no-endorsements"), italic=True, color=MUTED))
        return
    for entry in document.signatories:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.keep_together = True
        paragraph.paragraph_format.space_after = Pt(2 if entry.reservations else 9)
        append_to(paragraph, text_run(document.isolated(entry.name), bold=True))
        note = document.position_note(entry)
        if note:
            append_to(paragraph, text_run(f" ({note})", italic=True, color=MUTED))
        if entry.signatory:
            paragraph.add_run().add_break()
            append_to(paragraph, text_run(document.isolated(entry.signatory), size_pt=9.5))
        for index, reservation in enumerate(entry.reservations):
            line = doc.add_paragraph()
            # the start side: python-docx's left_indent is w:ind w:left, which Word reads as the start in a bidi paragraph
            line.paragraph_format.left_indent = Cm(0.6)
            line.paragraph_format.space_after = Pt(9 if index == len(entry.reservations) - 1 else 2)
            append_to(line, text_run(document.reservation_line(reservation), size_pt=9))


# -- header, footer, watermark -------------------------------------------------------

def add_page_furniture(doc: WordDocument, document: Document, styles: StyleIds) -> None:
    """As in the PDF: from page 2 a header with symbol, status and short title; a footer with the
    provenance line and Page X of Y on every page; on a draft, a diagonal DRAFT on every page."""
    statement = document.statement
    section = doc.sections[-1]
    section.different_first_page_header_footer = True
    watermarks = iter(range(1, 3))

    first = _reset(section.first_page_header, styles["Header"])
    mark = document.furniture.label("draft-mark")
    mark_font = _face_for(document, mark)
    if statement.is_draft:
        append_to(first, watermark_run(mark, font=mark_font, shape_id=next(watermarks)))

    header = section.header
    header.is_linked_to_previous = False
    clear_story(header)
    # A table rather than tab stops: a long short title wraps inside its own column, as in the PDF.
    row = layout_table(HEADER_COLUMNS, ["left", "center", "right"], style="Header", rule=RULE)
    left, middle, right = cell_paragraphs(row)
    left.append(text_run(document.isolated(statement.symbol or "")))
    if statement.is_draft:
        shown = statement.status if document.furniture.is_english else document.status_label
        middle.append(text_run(shown, bold=True, caps=True, color=ALERT))
    right.append(text_run(plain_text(statement.running_title)))
    story_element(header).append(row)
    trailer = spacer_paragraph("Header")
    if statement.is_draft:
        trailer.append(watermark_run(mark, font=mark_font, shape_id=next(watermarks)))
    story_element(header).append(trailer)

    for footer_part in (section.first_page_footer, section.footer):
        footer = _reset(footer_part, styles["Footer"])
        set_paragraph_property(footer, tab_stops(("right", TEXT_WIDTH)))
        set_paragraph_property(footer, paragraph_border("top"))
        before, between, after = document.furniture.label_parts("page", "page", "pages")
        append_to(footer, text_run(document.isolated(document.provenance.line) + "\t" + before))
        append_to(footer, field("PAGE"))
        append_to(footer, text_run(between))
        append_to(footer, field("NUMPAGES"))
        if after:
            append_to(footer, text_run(after))


def _reset(part: _Header | _Footer, style_id: str | None) -> Paragraph:
    """Empty a header or footer part (the reference document's included) and give it one paragraph."""
    part.is_linked_to_previous = False
    clear_story(part)
    paragraph = part.add_paragraph()
    set_paragraph_style_id(paragraph, style_id)
    return paragraph


# -- scripts and direction ---------------------------------------------------------

def set_scripts(doc: WordDocument, document: Document) -> None:
    """Right to left throughout for Arabic and Hebrew (pandoc marks its own paragraphs; this marks the
    furniture's too), and each script's faces named in the styles beside the house faces."""
    if document.rtl:
        make_right_to_left(doc.element.body)
        for section in doc.sections:
            for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
                make_right_to_left(story_element(part))
    fonts = document.fonts
    if fonts.extra_serif:
        set_script_fonts(doc.styles.element, {SERIF: _slots(fonts.extra_serif), SANS: _slots(fonts.extra_sans)})


def _face_for(document: Document, text: str) -> str:
    """The sans family a whole label is set in: the house one, or the face of the label's script
    (a WordArt watermark names one font for all its letters)."""
    for family in document.fonts.extra_sans:
        slot = _slots((family,))
        if "cs" in slot and has_rtl_letters(text) or "eastAsia" in slot and any(
                unicodedata.east_asian_width(c) in ("W", "F") for c in text):
            return family
    return SANS


def _slots(families: tuple[str, ...]) -> dict[str, str]:
    """Word's font slot of each script face: complex script (Arabic, Hebrew), East Asian, or hAnsi."""
    slots: dict[str, str] = {}
    for family in families:
        slot = "cs" if family.endswith(("Arabic", "Hebrew")) else "eastAsia" if " CJK " in family else "hAnsi"
        slots.setdefault(slot, family)
    return slots


# -- properties ----------------------------------------------------------------------

def set_properties(doc: WordDocument, document: Document) -> None:
    """Core properties (title, author, subject, keywords, commit time) and accord's custom properties."""
    core = doc.core_properties
    when = dt.datetime.fromtimestamp(document.provenance.epoch, dt.timezone.utc).replace(tzinfo=None)
    core.title = plain_text(document.statement.title)
    core.author = document.author
    core.last_modified_by = document.author
    core.subject = document.subject
    core.keywords = "; ".join(document.keywords)
    core.language = document.statement.language
    core.created = core.modified = when
    core.revision = document.statement.version or 1
    set_custom_properties(doc.part.package, document.provenance.properties())


def reproducible_zip(package: Package, epoch: int) -> bytes:
    """The same entries in the same order, each stamped with the commit's time (zip has no zones: UTC)
    and written as a Unix file of mode 644, whatever wrote the package."""
    when = dt.datetime.fromtimestamp(max(epoch, 315532800), dt.timezone.utc)  # zip times start in 1980
    date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    return package.to_bytes(date_time=date_time, create_system=3, external_attr=0o100644 << 16)


# -- small helpers -------------------------------------------------------------------

_MARKUP = re.compile(r"\\(.)|[*_`]")


def plain_text(markdown: str) -> str:
    """A title's Markdown without its emphasis marks and escapes, for headers and properties."""
    return _MARKUP.sub(lambda m: m.group(1) or "", markdown).strip()


class StyleIds:
    """Paragraph style ids by name, each found once per document, as python-docx's `style=` finds them (None
    for the default style): it looks the name up and scans every style for the default on each paragraph,
    a fifth of the post-processing of a 3-page text."""

    def __init__(self, doc: WordDocument) -> None:
        self.styles = doc.styles
        default = self.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.default_id = default.style_id if default is not None else None
        self.found: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str | None:
        if name not in self.found:
            style = self.styles[name]  # KeyError naming it, as python-docx's `style=` raised
            if style.type != WD_STYLE_TYPE.PARAGRAPH:
                raise ValueError(f"assigned style is type {style.type}, need type {WD_STYLE_TYPE.PARAGRAPH}")
            self.found[name] = None if style.style_id == self.default_id else style.style_id
        return self.found[name]


def _paragraph_after(doc: WordDocument, anchor: Paragraph, style_id: str | None,
                     runs: list[BaseOxmlElement]) -> Paragraph:
    paragraph = doc.add_paragraph()
    set_paragraph_style_id(paragraph, style_id)
    append_to(paragraph, *runs)
    move_after(paragraph, anchor)
    return paragraph


def _paragraph_before(anchor: Paragraph, style_id: str | None, runs: list[BaseOxmlElement]) -> Paragraph:
    paragraph = anchor.insert_paragraph_before()
    set_paragraph_style_id(paragraph, style_id)
    append_to(paragraph, *runs)
    return paragraph
