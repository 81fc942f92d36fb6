"""Raw WordprocessingML for review packets: Track Changes on when the file opens, and the note for the partner.

The note is a locked content control tagged `accord.review-note` at the top of
the body; `reading.strip_review_note` removes it again before a returned file
is compared, so it is never taken for text of the statement.
"""

from __future__ import annotations

from lxml import etree

from .ns import w

NOTE_TAG = "accord.review-note"

# Children of w:settings that the schema puts before w:trackRevisions (CT_Settings is a sequence).
_BEFORE_TRACK_REVISIONS = (
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
    "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles",
    "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView")


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def track_changes_on(settings_xml: bytes) -> bytes:
    """word/settings.xml with w:trackRevisions, in its place in the schema's order."""
    root = _parse(settings_xml)
    if root.find(w("trackRevisions")) is None:
        before = {w(tag) for tag in _BEFORE_TRACK_REVISIONS}
        position = 0
        for index, child in enumerate(root):
            if child.tag in before:
                position = index + 1
        root.insert(position, etree.Element(w("trackRevisions")))
    return _serialize(root)


def with_review_note(document_xml: bytes, lines: list[str]) -> bytes:
    """word/document.xml with the note for the partner first in the body: a shaded, locked box."""
    root = _parse(document_xml)
    body = root.find(w("body"))
    if body is None:  # pandoc's document.xml always has one; a part without it gets no note rather than a crash
        return document_xml
    sdt = etree.Element(w("sdt"))
    properties = etree.SubElement(sdt, w("sdtPr"))
    etree.SubElement(properties, w("alias")).set(w("val"), "Note for the reviewer")
    etree.SubElement(properties, w("tag")).set(w("val"), NOTE_TAG)
    etree.SubElement(properties, w("lock")).set(w("val"), "sdtContentLocked")
    content = etree.SubElement(sdt, w("sdtContent"))
    for index, line in enumerate(lines):
        paragraph = etree.SubElement(content, w("p"))
        paragraph_properties = etree.SubElement(paragraph, w("pPr"))
        borders = etree.SubElement(paragraph_properties, w("pBdr"))
        for edge in ("top", "left", "bottom", "right"):
            border = etree.SubElement(borders, w(edge))
            for key, value in (("val", "single"), ("sz", "4"), ("space", "4"), ("color", "808080")):
                border.set(w(key), value)
        shading = etree.SubElement(paragraph_properties, w("shd"))
        for key, value in (("val", "clear"), ("color", "auto"), ("fill", "F2F2F2")):
            shading.set(w(key), value)
        spacing = etree.SubElement(paragraph_properties, w("spacing"))
        spacing.set(w("after"), "240" if index == len(lines) - 1 else "0")
        run = etree.SubElement(paragraph, w("r"))
        if index == 0:
            etree.SubElement(etree.SubElement(run, w("rPr")), w("b"))
        text = etree.SubElement(run, w("t"))
        text.text = line
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    body.insert(0, sdt)
    return _serialize(root)
