"""Word numbering for paragraph labels: one list definition (numbering.xml), numPr on paragraphs, and a
reader that resolves the numbers Word shows, so tests and tools can compare them with accord's labels."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..labels import letters
from .ns import W_NS, w
from .package import parse_xml_part

# Plain lxml, not python-docx: the redline numbers its paragraphs without importing python-docx
# (about 0.1 s). Elements made here and put into a python-docx tree serialize the same.
_W_DECLARATION = f'xmlns:w="{W_NS}"'


def qn(prefixed: str) -> str:
    """The Clark name of "w:tag"."""
    return w(prefixed.removeprefix("w:"))


def nsdecls(_prefix: str) -> str:
    return _W_DECLARATION


def parse_xml(xml: str) -> etree._Element:
    return parse_xml_part(xml.encode("utf-8"))

# The one abstract list of a statement: level 0 numbers paragraphs `1.`, `2.` ... hung in the margin;
# level 1 letters their sub-items `(a)`, `(b)` ..., and restarts after every paragraph, as Word
# restarts a lower level. Twips: a paragraph number hangs 510 into the margin (0.9 cm), a letter
# stands at the text's edge with the item's text 567 (1 cm) in.
LABEL_LIST_NAME = "accord paragraph labels"          # level 0 numbers paragraphs, level 1 letters items
ITEM_LIST_NAME = "accord list item labels"           # without numbered paragraphs: level 0 numbers items
_LEVELS = (
    # ilvl, numFmt, lvlText, left, hanging
    (0, "decimal", "%1.", 0, 510),
    (1, "lowerLetter", "(%2)", 567, 567),
)
_ITEM_LEVEL_DECIMAL = (0, "decimal", "%1.", 567, 567)


def add_label_list(numbering: Any, *, paragraphs_numbered: bool) -> int:
    """Add accord's list definition to a numbering part's element; return its w:numId.

    Without numbered paragraphs the labelled units are numbered list items, so level 0 is
    `1.` at the items' indent rather than hung in the margin.
    """
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in numbering.iterchildren(qn("w:abstractNum"))]
    num_ids = [int(n.get(qn("w:numId"))) for n in numbering.iterchildren(qn("w:num"))]
    abstract_id = max(abstract_ids, default=0) + 1
    num_id = max(num_ids, default=0) + 1
    levels = _LEVELS if paragraphs_numbered else (_ITEM_LEVEL_DECIMAL, _LEVELS[1])
    xml = [f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">',
           f'<w:nsid w:val="{0xACC0 + abstract_id:08X}"/><w:multiLevelType w:val="multilevel"/>',
           f'<w:name w:val="{LABEL_LIST_NAME if paragraphs_numbered else ITEM_LIST_NAME}"/>']
    for ilvl, fmt, text, left, hanging in levels:
        xml.append(f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                   f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                   f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr></w:lvl>')
    xml.append("</w:abstractNum>")
    abstract = parse_xml("".join(xml))
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:        # every abstractNum comes before the first num (schema order)
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                               f'<w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def set_paragraph_number(p: Any, num_id: int, ilvl: int) -> None:
    """Give a w:p the numbering (num_id, ilvl), replacing any it had, and drop a direct indent
    so the list level's indent applies."""
    _set_number(p.get_or_add_pPr(), num_id, ilvl)


# -- reading numbers back ------------------------------------------------------------------

def _format(fmt: str, value: int) -> str:
    if fmt == "lowerLetter":
        return letters(value)
    if fmt == "upperLetter":
        return letters(value).upper()
    if fmt == "lowerRoman":
        return _roman(value).lower()
    if fmt == "upperRoman":
        return _roman(value)
    if fmt in ("bullet", "none"):
        return ""
    return str(value)


def _roman(value: int) -> str:
    out = ""
    for number, glyph in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += glyph
            value -= number
    return out


def resolved_numbers(document_element: Any, numbering_element: Any) -> list[tuple[str, str]]:
    """(number text as Word shows it, paragraph text) for every numbered body paragraph, in order.

    Resolves w:numPr through w:num and w:abstractNum (start, numFmt, lvlText), counting per
    list with lower levels restarting after a higher one, as Word does.
    """
    abstract_of: dict[str, Any] = {}
    for abstract in numbering_element.iterchildren(qn("w:abstractNum")):
        abstract_of[abstract.get(qn("w:abstractNumId"))] = abstract
    levels_of: dict[str, dict[int, tuple[int, str, str]]] = {}
    for num in numbering_element.iterchildren(qn("w:num")):
        abstract = abstract_of.get(num.find(qn("w:abstractNumId")).get(qn("w:val")))
        levels = {}
        for lvl in abstract.iterchildren(qn("w:lvl")) if abstract is not None else ():
            start = lvl.find(qn("w:start"))
            fmt = lvl.find(qn("w:numFmt"))
            text = lvl.find(qn("w:lvlText"))
            levels[int(lvl.get(qn("w:ilvl")))] = (int(start.get(qn("w:val"))) if start is not None else 1,
                                                  fmt.get(qn("w:val")) if fmt is not None else "decimal",
                                                  text.get(qn("w:val")) if text is not None else "")
        levels_of[num.get(qn("w:numId"))] = levels
    counters: dict[str, dict[int, int]] = {}
    out = []
    for p in document_element.iter(qn("w:p")):
        num_pr = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is None:
            continue
        num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
        ilvl_element = num_pr.find(qn("w:ilvl"))
        ilvl = int(ilvl_element.get(qn("w:val"))) if ilvl_element is not None else 0
        levels = levels_of.get(num_id, {})
        counts = counters.setdefault(num_id, {})
        start = levels.get(ilvl, (1, "decimal", ""))[0]
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [level for level in counts if level > ilvl]:
            del counts[deeper]
        text = levels.get(ilvl, (1, "decimal", ""))[2]
        for level, (level_start, fmt, _) in levels.items():
            text = text.replace(f"%{level + 1}", _format(fmt, counts.get(level, level_start)))
        out.append((text, "".join(t.text or "" for t in p.iter(qn("w:t")))))
    return out


# -- reading a DOCX back -------------------------------------------------------------------

def strip_label_numbering(docx: bytes) -> bytes:
    """A DOCX whose paragraph labels read as Markdown did before it was built, for pandoc's DOCX reader.

    Pandoc reads any Word numbering as a list: numbered paragraphs would come back as
    `1.` list items (and a paragraph a partner adds after one, numbered by Word, too).
    Here numbered paragraphs lose accord's numbering (they are plain paragraphs in the
    Markdown) and lettered items move to level 0 (a plain numbered list item each).
    Other numbering, and a DOCX without accord's, is left as it is.
    """
    from .package import Package

    package = Package(docx)
    if "word/numbering.xml" not in package or "word/document.xml" not in package:
        return docx
    numbering = package.xml("word/numbering.xml")
    modes = {}
    for abstract in numbering.iterchildren(qn("w:abstractNum")):
        name = abstract.find(qn("w:name"))
        if name is not None and name.get(qn("w:val")) in (LABEL_LIST_NAME, ITEM_LIST_NAME):
            modes[abstract.get(qn("w:abstractNumId"))] = name.get(qn("w:val"))
    num_modes = {num.get(qn("w:numId")): modes[abstract_id]
                 for num in numbering.iterchildren(qn("w:num"))
                 if (abstract_id := _abstract_id_of(num)) is not None and abstract_id in modes}
    if not num_modes:
        return docx
    _unlabel(package.edit("word/document.xml"), package.edit("word/numbering.xml"), num_modes)
    return package.to_bytes()


def _abstract_id_of(num: etree._Element) -> str | None:
    """The w:abstractNumId a w:num refers to, or None."""
    found = num.find(qn("w:abstractNumId"))
    return found.get(qn("w:val")) if found is not None else None


def _unlabel(document: Any, numbering: Any, num_modes: dict[str | None, str | None]) -> None:
    """Numbered paragraphs lose their numbering; each run of lettered items becomes a numbered list
    starting at its first letter's number (as the Markdown typed it: 1, then 5 after a heading)."""
    next_num = max((int(n.get(qn("w:numId"))) for n in numbering.iterchildren(qn("w:num"))), default=0) + 1
    letter = 0
    run_num = None
    for p in document.iter(qn("w:p")):
        num_pr = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        num_id = num_pr.find(qn("w:numId")) if num_pr is not None else None
        mode = num_modes.get(num_id.get(qn("w:val")) if num_id is not None else None)
        if mode != LABEL_LIST_NAME or num_id is None:
            if "".join(t.text or "" for t in p.iter(qn("w:t"))).strip():
                run_num = None  # a heading or plain paragraph ends a run of items
            continue
        ilvl = num_pr.find(qn("w:ilvl"))
        if ilvl is None or ilvl.get(qn("w:val")) == "0":
            num_pr.getparent().remove(num_pr)
            letter, run_num = 0, None
            continue
        letter += 1
        if run_num is None:
            abstract_id = numbering.find(f"{qn('w:num')}[@{qn('w:numId')}='{num_id.get(qn('w:val'))}']/"
                                         f"{qn('w:abstractNumId')}").get(qn("w:val"))
            run_num = str(next_num)
            next_num += 1
            numbering.append(parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{run_num}"><w:abstractNumId w:val="{abstract_id}"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{letter}"/></w:lvlOverride></w:num>'))
        ilvl.set(qn("w:val"), "0")
        num_id.set(qn("w:val"), run_num)


def number_bookmarked(package: Any, levels: dict[str, int], *, paragraphs_numbered: bool) -> None:
    """Give each paragraph holding one of the named bookmarks accord's label numbering at its level,
    and remove those bookmarks; for DOCX written by pandoc without python-docx (the redline).
    `package` is an ooxml.package.Package, changed in place."""
    if "word/numbering.xml" not in package or not levels:
        return  # pandoc writes numbering.xml into every DOCX; without it, leave the file alone
    document = package.edit("word/document.xml")
    num_id = add_label_list(package.edit("word/numbering.xml"), paragraphs_numbered=paragraphs_numbered)
    ends: dict[str | None, list[Any]] = {}
    for end in document.iter(qn("w:bookmarkEnd")):
        ends.setdefault(end.get(qn("w:id")), []).append(end)
    for start in list(document.iter(qn("w:bookmarkStart"))):
        name = start.get(qn("w:name"))
        if name not in levels:
            continue
        p = start.getparent()
        while p is not None and p.tag != qn("w:p"):
            p = p.getparent()
        if p is not None:
            pPr = p.find(qn("w:pPr"))
            if pPr is None:
                pPr = etree.SubElement(p, qn("w:pPr"))
                p.insert(0, pPr)
            _set_number(pPr, num_id, levels[name])
        start.getparent().remove(start)
        for end in ends.pop(start.get(qn("w:id")), []):
            end.getparent().remove(end)


def _set_number(pPr: Any, num_id: int, ilvl: int) -> None:
    for old in pPr.findall(qn("w:numPr")) + pPr.findall(qn("w:ind")):
        pPr.remove(old)
    num_pr = parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    anchor = None
    for tag in ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl"):
        found = pPr.find(qn(tag))
        if found is not None:
            anchor = found
    if anchor is not None:
        anchor.addnext(num_pr)
    else:
        pPr.insert(0, num_pr)
