"""Generate templates/reference.docx, the pandoc reference document of the accord house style.

    python templates/make_reference_docx.py            # rewrite templates/reference.docx
    python templates/make_reference_docx.py --check    # exit 1 if the committed file is stale

The starting point is pandoc's own default reference.docx, so every style the
DOCX writer uses (First Paragraph, Compact, Block Text, Table, ...) is present;
this script only restyles it. The output is byte-for-byte reproducible: fixed
core-property dates, and a zip rewritten with sorted entries and fixed times.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENTATION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "reference.docx"

SERIF = "Noto Serif"
SANS = "Noto Sans"
ACCENT = RGBColor(0x2E, 0x40, 0x53)  # dark blue-grey, as in statement.typ and statement.css
MUTED = RGBColor(0x5F, 0x5F, 0x5F)
RULE = "8C8C8C"
HEADER_FILL = "E3E8EE"
FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def pandoc_default_reference() -> bytes:
    """pandoc's built-in reference.docx, from the pandoc that builds use."""
    try:
        import pypandoc

        pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        pandoc = shutil.which("pandoc")
    if not pandoc:
        sys.exit("make_reference_docx: pandoc not found (install pypandoc-binary)")
    return subprocess.run([pandoc, "--print-default-data-file", "reference.docx"],
                          check=True, capture_output=True).stdout


# Schema order of the properties this script adds by hand (Word rejects misordered ones).
PBDR_SUCCESSORS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                   "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                   "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                   "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                   "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
SZCS_SUCCESSORS = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
                   "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")


def set_fonts(style, family: str) -> None:
    """Name one font for Latin, Greek, Cyrillic and complex scripts, dropping theme fonts that would win."""
    style.font.name = family
    rFonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme"):
        rFonts.attrib.pop(qn(theme_attr), None)
    rFonts.set(qn("w:cs"), family)


def set_color(style, color: RGBColor) -> None:
    style.font.color.rgb = color
    color_element = style.element.get_or_add_rPr().find(qn("w:color"))
    for theme_attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
        color_element.attrib.pop(qn(theme_attr), None)


def set_size(style, points: float) -> None:
    """Size for Latin and complex scripts alike (w:sz and w:szCs), in half points."""
    style.font.size = Pt(points)
    rPr = style.element.get_or_add_rPr()
    for old in rPr.findall(qn("w:szCs")):
        rPr.remove(old)
    rPr.insert_element_before(parse_xml(f'<w:szCs {nsdecls("w")} w:val="{round(points * 2)}"/>'), *SZCS_SUCCESSORS)


def set_left_rule(style, color: str) -> None:
    pPr = style.element.get_or_add_pPr()
    for old in pPr.findall(qn("w:pBdr")):
        pPr.remove(old)
    pPr.insert_element_before(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="12" w:space="8" w:color="{color}"/></w:pBdr>'),
        *PBDR_SUCCESSORS)


def style_named(doc, name: str):
    """A style by its name as stored; python-docx would rewrite "Caption" to Word's "caption"."""
    return next(style for style in doc.styles if style.name == name)


def paragraph_style(doc, name: str, *, family=None, size=None, bold=None, italic=None, color=None,
                    before=None, after=None, line=None, align=None, keep_with_next=None):
    style = style_named(doc, name)
    font, fmt = style.font, style.paragraph_format
    if family:
        set_fonts(style, family)
    if size:
        set_size(style, size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        set_color(style, color)
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if line is not None:
        fmt.line_spacing = line
    if align is not None:
        fmt.alignment = align
    if keep_with_next is not None:
        fmt.keep_with_next = keep_with_next
    return style


def drop_paragraph_overrides(style, *tags: str) -> None:
    pPr = style.element.pPr
    for tag in tags:
        for child in pPr.findall(qn(tag)) if pPr is not None else ():
            pPr.remove(child)


def style_page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENTATION.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.header_distance = section.footer_distance = Cm(1.25)


def style_defaults(doc) -> None:
    """Document defaults and Normal: Noto Serif 10.5 pt, single lines, 4 pt after, as statement.typ sets the body.

    Noto's own line height is 1.36 em, so single spacing already gives the PDF's
    line pitch (about 14 pt); 11 pt at 1.15 lines made the DOCX a page or two longer.
    """
    rPrDefault = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rFonts = rPrDefault.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme"):
        rFonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rFonts.set(qn(attr), SERIF)
    rPrDefault.find(qn("w:sz")).set(qn("w:val"), "21")
    rPrDefault.find(qn("w:szCs")).set(qn("w:val"), "21")
    pPrDefault = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    pPrDefault.find(qn("w:spacing")).set(qn("w:after"), "120")

    normal = paragraph_style(doc, "Normal", family=SERIF, size=10.5, before=0, after=4, line=1.0)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.paragraph_format.widow_control = True
    # Body Text and First Paragraph are what pandoc writes for body paragraphs: exactly Normal.
    for name in ("Body Text", "First Paragraph"):
        drop_paragraph_overrides(doc.styles[name], "w:spacing")
    paragraph_style(doc, "Compact", before=0, after=2)


def style_headings(doc) -> None:
    sizes = {1: 14, 2: 12.5, 3: 11, 4: 11, 5: 11, 6: 11, 7: 11, 8: 11, 9: 11}
    space_before = {1: 18, 2: 14, 3: 10}
    for level, size in sizes.items():
        for name in (f"Heading {level}", f"Heading {level} Char"):
            style = doc.styles[name]
            set_fonts(style, SANS)
            set_size(style, size)
            style.font.bold = True
            style.font.italic = level >= 4
            set_color(style, ACCENT)
        fmt = doc.styles[f"Heading {level}"].paragraph_format
        fmt.space_before = Pt(space_before.get(level, 8))
        fmt.space_after = Pt(4 if level > 1 else 6)
        fmt.line_spacing = 1.0
        fmt.keep_with_next = True
    toc = doc.styles["TOC Heading"]
    set_fonts(toc, SANS)
    set_color(toc, ACCENT)


def style_title_block(doc) -> None:
    for name in ("Title", "Title Char"):
        style = doc.styles[name]
        set_fonts(style, SANS)
        set_size(style, 18)
        style.font.bold = True
        set_color(style, ACCENT)
    title = doc.styles["Title"].paragraph_format
    title.alignment = WD_ALIGN_PARAGRAPH.LEFT
    title.space_before, title.space_after, title.line_spacing = Pt(0), Pt(6), 1.0
    title.keep_with_next = True

    subtitle = doc.styles["Subtitle"]
    drop_paragraph_overrides(subtitle, "w:numPr")
    for name in ("Subtitle", "Subtitle Char"):
        style = doc.styles[name]
        set_fonts(style, SANS)
        set_size(style, 12)
        style.font.bold = False
        set_color(style, MUTED)
    for name in ("Author", "Date"):
        paragraph_style(doc, name, family=SANS, size=10, bold=False, color=MUTED, after=2,
                        align=WD_ALIGN_PARAGRAPH.LEFT)
    paragraph_style(doc, "Abstract", size=10, after=12)
    paragraph_style(doc, "Abstract Title", family=SANS, size=10, bold=True, color=ACCENT)


def style_quotes_notes_captions(doc) -> None:
    block = paragraph_style(doc, "Block Text", size=10.5, before=4, after=8)
    block.paragraph_format.left_indent = Cm(1.0)
    block.paragraph_format.right_indent = Cm(1.0)
    block.paragraph_format.first_line_indent = Cm(0)
    set_left_rule(block, "BFBFBF")

    notes = paragraph_style(doc, "Footnote Text", size=9, before=0, after=2, line=1.0)
    notes.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph_style(doc, "Footnote Block Text", size=9)

    for name in ("Caption", "Table Caption", "Image Caption"):
        paragraph_style(doc, name, family=SANS, size=9, italic=False, color=MUTED, before=6, after=4)
    style_named(doc, "Table Caption").paragraph_format.keep_with_next = True

    link = doc.styles["Hyperlink"]
    set_color(link, ACCENT)
    link.font.underline = True


def style_table(doc) -> None:
    """pandoc's "Table" style: thin grey grid, shaded bold header row."""
    table_style = doc.styles["Table"].element
    tblPr = table_style.find(qn("w:tblPr"))
    for old in tblPr.findall(qn("w:tblBorders")):
        tblPr.remove(old)
    edges = "".join(f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>'
                    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"))
    borders = parse_xml(f'<w:tblBorders {nsdecls("w")}>{edges}</w:tblBorders>')
    tblPr.find(qn("w:tblCellMar")).addprevious(borders)
    margins = tblPr.find(qn("w:tblCellMar"))
    margins.find(qn("w:top")).set(qn("w:w"), "40")
    margins.find(qn("w:bottom")).set(qn("w:w"), "40")

    for old in table_style.findall(qn("w:tblStylePr")):
        table_style.remove(old)
    table_style.append(parse_xml(
        f'<w:tblStylePr {nsdecls("w")} w:type="firstRow">'
        f'<w:pPr><w:keepNext/></w:pPr>'
        f'<w:rPr><w:b/><w:bCs/></w:rPr>'
        f'<w:tblPr/>'
        f'<w:trPr><w:tblHeader/></w:trPr>'
        f'<w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="{RULE}"/></w:tcBorders>'
        f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/><w:vAlign w:val="bottom"/></w:tcPr>'
        f'</w:tblStylePr>'))


def add_page_footer(doc) -> None:
    """Footer "Page X of Y" on every page; builds may add the provenance line before it."""
    footer_style = word_builtin_style(doc, "Footer", "footer")
    set_fonts(footer_style, SANS)
    set_size(footer_style, 8)
    set_color(footer_style, MUTED)
    footer_style.paragraph_format.space_after = Pt(0)
    footer_style.paragraph_format.line_spacing = 1.0
    footer_style.paragraph_format.tab_stops.add_tab_stop(Cm(16.0), WD_TAB_ALIGNMENT.RIGHT)
    word_builtin_style(doc, "Header", "header", based_on="Footer")

    footer = doc.sections[0].footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = footer_style
    paragraph.add_run("\tPage ")
    paragraph._p.append(_field("PAGE", "1"))
    paragraph.add_run(" of ")
    paragraph._p.append(_field("NUMPAGES", "1"))


def word_builtin_style(doc, style_id: str, word_name: str, based_on: str = "Normal"):
    """A paragraph style with Word's own id and name (python-docx's add_style would make id "footer")."""
    existing = [style for style in doc.styles if style.style_id == style_id]
    if existing:
        return existing[0]
    doc.styles.element.append(parse_xml(
        f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="{style_id}">'
        f'<w:name w:val="{word_name}"/><w:basedOn w:val="{based_on}"/><w:uiPriority w:val="99"/>'
        f'<w:unhideWhenUsed/></w:style>'))
    return next(style for style in doc.styles if style.style_id == style_id)


def _field(instruction: str, shown: str):
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} \\* MERGEFORMAT ">'
                     f'<w:r><w:rPr><w:noProof/></w:rPr><w:t>{shown}</w:t></w:r></w:fldSimple>')


def fix_properties(doc) -> None:
    props = doc.core_properties
    props.title = "accord reference document"
    props.author = "accord"
    props.last_modified_by = "accord"
    props.comments = "Generated by templates/make_reference_docx.py; do not edit by hand."
    props.revision = 1
    props.created = props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME


def theme_fonts(xml: bytes) -> bytes:
    """Point the theme's heading and body fonts at the house fonts, for anything still using them."""
    text = xml.decode("utf-8")
    text = re.sub(r'(<a:majorFont>\s*<a:latin typeface=")[^"]*(")', rf"\g<1>{SANS}\g<2>", text)
    text = re.sub(r'(<a:minorFont>\s*<a:latin typeface=")[^"]*(")', rf"\g<1>{SERIF}\g<2>", text)
    return text.encode("utf-8")


def reproducible_zip(docx: bytes) -> bytes:
    """Rewrite a docx with sorted entries, fixed timestamps and fixed attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist()):
            data = source.read(name)
            if name == "word/theme/theme1.xml":
                data = theme_fonts(data)
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            target.writestr(info, data, compresslevel=9)
    return out.getvalue()


def build_reference_docx() -> bytes:
    doc = Document(io.BytesIO(pandoc_default_reference()))
    style_page(doc)
    style_defaults(doc)
    style_headings(doc)
    style_title_block(doc)
    style_quotes_notes_captions(doc)
    style_table(doc)
    add_page_footer(doc)
    fix_properties(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if OUTPUT differs from a fresh build")
    args = parser.parse_args(argv)
    fresh = build_reference_docx()
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != fresh:
            print(f"{args.output} is stale: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    with tempfile.NamedTemporaryFile(dir=args.output.parent, delete=False) as tmp:
        tmp.write(fresh)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
