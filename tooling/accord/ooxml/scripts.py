"""Scripts and direction in WordprocessingML: right-to-left paragraphs, runs and sections, and the fonts
Word uses for complex (Arabic, Hebrew), East Asian and other non-Latin text."""

from __future__ import annotations

import unicodedata
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from .parts import insert_in_pPr

# CT_RPr's sequence after w:rtl, and CT_SectPr's after w:bidi: the new element goes before the first present.
_AFTER_RTL = ("w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_SECTION_BIDI = ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")
_AFTER_BIDI_VISUAL = ("w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing",
                      "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def has_rtl_letters(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def make_right_to_left(root: Any) -> None:
    """Every paragraph under root reads right to left (w:bidi), every run holding Arabic or Hebrew
    letters is a right-to-left run (w:rtl), tables lay their columns out from the right
    (w:bidiVisual) and sections are right-to-left sections. Runs of Latin text stay as they are,
    so that Word's bidi algorithm keeps them, their digits and full stops, in their own order."""
    for paragraph in root.iter(qn("w:p")):
        ppr = paragraph.get_or_add_pPr() if hasattr(paragraph, "get_or_add_pPr") else _child(paragraph, "w:pPr", 0)
        if ppr.find(qn("w:bidi")) is None:
            insert_in_pPr(ppr, OxmlElement("w:bidi"))
    for run in root.iter(qn("w:r")):
        text = "".join(node.text or "" for node in run.iter(qn("w:t")))
        if has_rtl_letters(text):
            rpr = run.find(qn("w:rPr"))
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                run.insert(0, rpr)
            if rpr.find(qn("w:rtl")) is None:
                _insert_before(rpr, OxmlElement("w:rtl"), _AFTER_RTL)
    for table_props in root.iter(qn("w:tblPr")):
        if table_props.find(qn("w:bidiVisual")) is None:
            _insert_before(table_props, OxmlElement("w:bidiVisual"), _AFTER_BIDI_VISUAL)
    for section in root.iter(qn("w:sectPr")):
        if section.find(qn("w:bidi")) is None:
            _insert_before(section, OxmlElement("w:bidi"), _AFTER_SECTION_BIDI)


def set_script_fonts(styles_root: Any, fonts: dict[str, dict[str, str]]) -> None:
    """Name each house family's script faces in every w:rFonts of styles.xml.

    fonts maps a house family ("Noto Serif") to the slots to set: {"cs": "Noto Naskh Arabic",
    "eastAsia": "Noto Sans CJK SC", "hAnsi": "Noto Serif Georgian"}. Word sets Arabic and Hebrew in
    the complex-script font, Chinese and Japanese in the East Asian one, other scripts (Georgian,
    Armenian) in the hAnsi one, falling back glyph by glyph where that face has none.
    """
    for fonts_element in styles_root.iter(qn("w:rFonts")):
        house = fonts_element.get(qn("w:ascii"))
        slots = fonts.get(house or "")
        if not slots:
            continue
        for slot, family in slots.items():
            if slot == "eastAsia":
                fonts_element.attrib.pop(qn("w:eastAsiaTheme"), None)
            fonts_element.set(qn(f"w:{slot}"), family)


def _child(parent: Any, tag: str, index: int) -> Any:
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert(index, found)
    return found


def _insert_before(parent: Any, element: Any, successors: tuple[str, ...]) -> None:
    for name in successors:
        found = parent.find(qn(name))
        if found is not None:
            found.addprevious(element)
            return
    parent.append(element)
