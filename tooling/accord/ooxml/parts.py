"""Raw OOXML for official builds: runs, fields, watermark, borders, tab stops and the custom-properties part.

Each helper makes one piece of WordprocessingML (an lxml element from python-docx's
parser) or one package part, or puts one into a python-docx object where its public API
has no place for it; docx post-processing composes them and never writes XML strings or
reaches into python-docx's private attributes itself.

Runs and tab stops stay raw here although python-docx has `add_run` and `tab_stops`:
its `run.bold = True` writes <w:b/> without <w:bCs/> (bold would not reach Arabic or Hebrew
letters, which Word sets with the complex-script properties) and its runs carry
xml:space="preserve" only on text with outer spaces, and its add_tab_stop writes w:pos before
w:val; each changes the bytes of every official DOCX, which must stay reproducible from
one commit to the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.package import Package as DocxPackage
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph
from lxml import etree

if TYPE_CHECKING:
    from .package import Package as ZipPackage


def escape(text: str) -> str:
    """Text for XML character data: & < > escaped (xml.sax.saxutils.escape's output, whose module costs a
    DOCX build 30 ms of imports: it pulls in urllib.request and http.client)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes, as xml.sax.saxutils.quoteattr writes it."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


CUSTOM_PROPERTIES_URI = "/docProps/custom.xml"
CUSTOM_PROPERTIES_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
# The format id every custom property carries (the "user-defined properties" set).
USER_DEFINED_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
VML = ('xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
       'xmlns:w10="urn:schemas-microsoft-com:office:word"')

# Word's own definition of the WordArt shape its watermarks use (shape type 136, text on a path).
_TEXT_PATH_SHAPETYPE = (
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e">'
    '<v:formulas>' + "".join(f'<v:f eqn="{eqn}"/>' for eqn in (
        "sum #0 0 10800", "prod #0 2 1", "sum 21600 0 @1", "sum 0 0 @2", "sum 21600 0 @3", "if @0 @3 0",
        "if @0 21600 @1", "if @0 0 @2", "if @0 @4 21600", "mid @5 @6", "mid @8 @5", "mid @7 @8", "mid @6 @7",
        "sum @6 0 @5")) + '</v:formulas>'
    '<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
    'o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/>'
    '<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/>'
    '</v:shapetype>')


def text_run(text: str, *, bold: bool = False, italic: bool = False, color: str | None = None,
             size_pt: float | None = None, caps: bool = False) -> BaseOxmlElement:
    """A w:r with literal text (tabs become w:tab) and simple formatting."""
    props = "".join([
        "<w:b/><w:bCs/>" if bold else "", "<w:i/><w:iCs/>" if italic else "", "<w:caps/>" if caps else "",
        f'<w:color w:val="{color}"/>' if color else "",
        f'<w:sz w:val="{round(size_pt * 2)}"/><w:szCs w:val="{round(size_pt * 2)}"/>' if size_pt else "",
    ])
    pieces = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(part)}</w:t>' if part else ""
                             for part in text.split("\t"))
    return parse_xml(f'<w:r {nsdecls("w")}>{f"<w:rPr>{props}</w:rPr>" if props else ""}{pieces}</w:r>')


def field(instruction: str, shown: str = "1") -> BaseOxmlElement:
    """A simple field (PAGE, NUMPAGES, ...) that Word and LibreOffice update as pages are laid out."""
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} \\* MERGEFORMAT ">'
                     f'<w:r><w:rPr><w:noProof/></w:rPr><w:t>{escape(shown)}</w:t></w:r></w:fldSimple>')


def watermark_run(text: str, *, font: str, shape_id: int, color: str = "#D9D9D9") -> BaseOxmlElement:
    """A run holding a diagonal WordArt watermark centred on the page, as Word's own watermarks are made.

    It belongs in a header paragraph: a header repeats on every page of its kind.
    """
    style = ("position:absolute;margin-left:0;margin-top:0;width:470pt;height:156pt;rotation:315;"
             "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
             "mso-position-vertical:center;mso-position-vertical-relative:margin")
    return parse_xml(
        f'<w:r {nsdecls("w")} {VML}><w:rPr><w:noProof/></w:rPr><w:pict>{_TEXT_PATH_SHAPETYPE}'
        f'<v:shape id="AccordWatermark{shape_id}" o:spid="_x0000_s{2048 + shape_id}" type="#_x0000_t136" '
        f'style="{style}" o:allowincell="f" fillcolor="{color}" stroked="f">'
        f'<v:fill opacity=".6"/>'
        f'<v:textpath style="font-family:&quot;{escape(font)}&quot;;font-size:1pt;font-weight:bold" '
        f'string={quoteattr(text)}/>'
        f'<w10:wrap anchorx="margin" anchory="margin"/>'
        f'</v:shape></w:pict></w:r>')


def paragraph_border(edge: str, *, color: str = "B3B3B3", size_eighths: int = 4, space_pt: int = 4) -> BaseOxmlElement:
    """A w:pBdr with one rule (edge: top or bottom), for the lines under the header and over the footer."""
    return parse_xml(f'<w:pBdr {nsdecls("w")}><w:{edge} w:val="single" w:sz="{size_eighths}" '
                     f'w:space="{space_pt}" w:color="{color}"/></w:pBdr>')


def tab_stops(*stops: tuple[str, int]) -> BaseOxmlElement:
    """A w:tabs element from (alignment, position in twips) pairs."""
    tabs = "".join(f'<w:tab w:val="{alignment}" w:pos="{position}"/>' for alignment, position in stops)
    return parse_xml(f'<w:tabs {nsdecls("w")}>{tabs}</w:tabs>')


def append_to(paragraph: Paragraph, *elements: etree._Element) -> None:
    """Runs, fields or watermarks (text_run, field, watermark_run) appended to a python-docx Paragraph."""
    p = paragraph._p
    for element in elements:
        p.append(element)


def set_paragraph_property(paragraph: Paragraph, element: etree._Element) -> None:
    """A w:pBdr or w:tabs (paragraph_border, tab_stops) set on a python-docx Paragraph, in schema order."""
    insert_in_pPr(paragraph._p.get_or_add_pPr(), element)


def set_paragraph_style_id(paragraph: Paragraph, style_id: str | None) -> None:
    """Give a python-docx Paragraph a style by its id (None: the default style), as its `style` setter does once
    it has looked a name up (render.docx.StyleIds looks each name up once)."""
    paragraph._p.style = style_id


def move_after(paragraph: Paragraph, anchor: Paragraph) -> None:
    """Move a python-docx Paragraph to just after another (python-docx only inserts before)."""
    anchor._p.addnext(paragraph._p)


def story_element(part: Any) -> BaseOxmlElement:
    """The w:hdr or w:ftr element of a python-docx header or footer, for content its API cannot add
    (a layout table, a watermark paragraph)."""
    element: BaseOxmlElement = part._element
    return element


def clear_story(part: Any) -> None:
    """Empty a python-docx header or footer of everything the reference document put in it."""
    element = part._element
    for child in list(element):
        element.remove(child)


def insert_in_pPr(pPr: Any, element: etree._Element) -> None:
    """Put a w:pBdr or w:tabs where the schema wants it in a w:pPr (Word rejects misordered ones)."""
    order = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
             "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
             "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
             "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
             "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
             "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
    tag = element.tag
    for old in pPr.findall(tag):
        pPr.remove(old)
    successors = order[order.index(_prefixed(tag)) + 1:]
    pPr.insert_element_before(element, *successors)


def _prefixed(tag: str) -> str:
    return "w:" + tag.split("}", 1)[1] if tag.startswith("{") else tag


def layout_table(widths: list[int], alignments: list[str], *, style: str, rule: str | None = None) -> BaseOxmlElement:
    """A one-row borderless table for page furniture: cells of fixed widths (twips), each one
    paragraph of the given style and alignment (left, center, right), bottom-aligned; with
    `rule`, a hairline of that colour under the row. Fill each cell's paragraph with runs."""
    bottom = f'w:val="single" w:sz="4" w:space="0" w:color="{rule}"' if rule else 'w:val="nil"'
    cells = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="bottom"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:spacing w:before="0" w:after="40"/><w:jc w:val="{align}"/></w:pPr>'
        f'</w:p></w:tc>'
        for width, align in zip(widths, alignments))
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return parse_xml(
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom {bottom}/>'
        f'<w:right w:val="nil"/><w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders>'
        f'<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        f'<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        f'w:noHBand="1" w:noVBand="1"/></w:tblPr>'
        f'<w:tblGrid>{grid}</w:tblGrid><w:tr>{cells}</w:tr></w:tbl>')


def cell_paragraphs(table: etree._Element) -> list[Any]:
    """The first paragraph of each cell of a layout_table, in order."""
    return [tc.find(qn("w:p")) for tc in table.iter(qn("w:tc"))]


def spacer_paragraph(style: str) -> BaseOxmlElement:
    """A paragraph that takes (almost) no room: Word wants one after a table in a header,
    and it carries the watermark, which is positioned on the page, not in the text."""
    return parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="{style}"/>'
                     f'<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
                     f'<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')


def custom_properties_xml(properties: dict[str, str]) -> bytes:
    """docProps/custom.xml holding text properties, in the order given."""
    items = "".join(
        f'<property fmtid="{USER_DEFINED_FMTID}" pid="{pid}" name={quoteattr(name)}>'
        f'<vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(properties.items(), start=2))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f'{items}</Properties>').encode("utf-8")


def set_custom_properties(package: DocxPackage, properties: dict[str, str]) -> None:
    """Make the package's custom-properties part hold exactly these properties (replacing pandoc's)."""
    blob = custom_properties_xml(properties)
    for rel in package.rels.values():
        if rel.reltype == RT.CUSTOM_PROPERTIES and not rel.is_external:
            rel.target_part._blob = blob
            return
    part = Part(PackURI(CUSTOM_PROPERTIES_URI), CUSTOM_PROPERTIES_TYPE, blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


# -- a note at the top of a packet's first page -------------------------------------------------

def boxed_note_paragraphs(lines: list[str]) -> list[BaseOxmlElement]:
    """Paragraphs in a shaded box, the first line bold: the note a review packet opens with."""
    paragraphs = []
    for index, line in enumerate(lines):
        borders = "".join(f'<w:{edge} w:val="single" w:sz="6" w:space="4" w:color="7F7F7F"/>'
                          for edge in ("top", "left", "bottom", "right"))
        paragraph = parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:keepNext/><w:pBdr>{borders}</w:pBdr>'
                              '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>'
                              '<w:spacing w:before="0" w:after="60"/></w:pPr></w:p>')
        paragraph.append(text_run(line, bold=index == 0, size_pt=10))
        paragraphs.append(paragraph)
    return paragraphs


# Paragraph styles pandoc reads as the document's metadata, as long as they open the body.
METADATA_STYLES = ("Title", "Subtitle", "Author", "Date", "Abstract", "AbstractTitle")


def insert_at_body_start(docx: bytes, elements: list[etree._Element]) -> bytes:
    """The DOCX with these body elements at the top of word/document.xml, after the title block (the
    paragraphs pandoc reads as metadata must stay first to be read so); every other part byte for byte."""
    from .package import Package

    package = Package(docx)
    if not put_at_body_start(package, elements):
        return docx
    return package.to_bytes()


def put_at_body_start(package: ZipPackage, elements: list[etree._Element]) -> bool:
    """insert_at_body_start on a package being written; False (and nothing put) when the document has no body."""
    body = package.edit("word/document.xml").find(qn("w:body"))
    if body is None:  # every document.xml has one; without it there is nowhere to put the elements
        return False
    start = 0
    for child in body:
        style = child.find(f'{qn("w:pPr")}/{qn("w:pStyle")}')
        if child.tag != qn("w:p") or style is None or style.get(qn("w:val")) not in METADATA_STYLES:
            break
        start += 1
    for offset, element in enumerate(elements):
        body.insert(start + offset, element)
    return True
