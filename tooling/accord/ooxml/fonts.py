"""Embedded fonts in DOCX: the house faces a document uses, subset to its characters, obfuscated as Word embeds them.

`embed_fonts(docx, font_dir)` is the last step of every DOCX writer. It reads
which font family, weight and slant every run resolves to (direct formatting,
character and paragraph style chains, table styles, document defaults, theme
fonts), in the body, headers, footers, notes and comments, list numbers and the
WordArt watermark; subsets each face found in `font_dir` to the 128-code-point
pages of the characters set in it (see PAGE); and stores it as ECMA-376 Part 1
§17.8.1 describes: an obfuscated part
(/word/fonts/fontN.odttf) related from fontTable.xml, named by a
w:embedRegular / w:embedBold / w:embedItalic / w:embedBoldItalic element whose
w:fontKey is the GUID XORed over the font's first 32 bytes. The key is derived
from the subset's bytes, so the same document gives the same package.

Faces the house does not carry (a family not in `font_dir`) are left named but
not embedded; `fonts_not_carried` lists them, so that a test or a caller can say
so. The bullets pandoc writes in Symbol, Courier New and Wingdings are redrawn
in the house body face, so that a list does not call for a font nobody has.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Any, TypeVar

from lxml import etree

from ..errors import BuildError
from ..outputcache import file_sha256
from .fontfiles import Face, _cmap, _default_cache_dir, _faces_lock, _facts, _shown, house_faces
from .ns import W_NS, w
from .package import Package
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
V_NS = "urn:schemas-microsoft-com:vml"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_TABLE = "word/fontTable.xml"
FONT_TABLE_RELS = "word/_rels/fontTable.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
SETTINGS = "word/settings.xml"
STYLES = "word/styles.xml"
NUMBERING = "word/numbering.xml"
THEME = "word/theme/theme1.xml"
# The parts whose runs are shown: the body, headers, footers, notes and comments.
_SHOWN_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
# (bold, italic) -> the fontTable element that embeds that face, in the order CT_Font requires.
EMBED_ELEMENTS = {(False, False): "embedRegular", (True, False): "embedBold", (False, True): "embedItalic",
                  (True, True): "embedBoldItalic"}
# A subset carries whole 128-code-point pages: every character of the house face in each page the
# document touches, and always the first two (Basic Latin, Latin-1). So page numbers and the
# letters a partner types into a packet render in the house face too, and documents in one
# script share one subset (cached in the process and on disk), which keeps embedding cheap.
PAGE = 128
ALWAYS_INCLUDED = frozenset(chr(c) for c in range(0x20, 0x100))
# Symbol-font bullets pandoc writes, and the house characters that replace them (first one the face has).
_BULLETS = {"Symbol": "•", "Courier New": "◦–", "Wingdings": "▪■–"}
# The start of ECMA-376's CT_Settings sequence, up to the font settings accord adds.
_SETTINGS_ORDER = ("writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
                   "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
                   "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
                   "saveSubsetFonts")
_FONT_CHILDREN_BEFORE_EMBED = ("altName", "panose1", "charset", "family", "notTrueType", "pitch", "sig")


# -- subsets of the house faces (the faces themselves: ooxml.fontfiles) ------------------------------

_subset_cache: dict[str, bytes] = {}
T = TypeVar("T")


def pages_of(characters: set[str]) -> frozenset[int]:
    """The 128-code-point pages a subset carries for these characters (Basic Latin and Latin-1 always)."""
    return frozenset(ord(c) // PAGE for c in characters | ALWAYS_INCLUDED)


def subset_face(path: Path, pages: frozenset[int], *, cache_dir: Path | None | EllipsisType = ...) -> bytes:
    """The font at path cut down to the characters it has in these pages (and what shaping them needs).

    Subsetting costs about half a second a face; a subset is therefore kept in
    memory and in the user's cache folder (cache_dir: default ~/.cache/accord/fonts,
    None for none), named by a hash of the font's bytes, the pages, the fontTools
    version and the options, so a changed font or tool never reuses a stale one.
    """
    path = Path(path)
    key = _subset_key(path, pages)
    with _faces_lock:
        if key in _subset_cache:
            return _subset_cache[key]
    folder = _default_cache_dir() if isinstance(cache_dir, EllipsisType) else cache_dir
    data = _read_cached(folder, key)
    if data is None:
        data = _subset(path, pages)
        _write_cached(folder, key, data)
    with _faces_lock:
        _subset_cache[key] = data
    return data


_SUBSET_OPTIONS = "hinting=0 notdef_outline=1 name_IDs=* name_languages=* page=128"


def _subset_key(path: Path, pages: frozenset[int]) -> str:
    about = f"{file_sha256(path)} {','.join(map(str, sorted(pages)))} fonttools={_fonttools_version()} {_SUBSET_OPTIONS}"
    return hashlib.sha256(about.encode()).hexdigest()


@functools.cache
def _fonttools_version() -> str:
    """fontTools' version, from the name of its installed metadata folder (fonttools-4.68.0.dist-info) beside
    the package: importing fontTools for it loads logging too, 20 ms of a build whose subsets are all cached."""
    spec = importlib.util.find_spec("fontTools")
    if spec is not None and spec.origin is not None:
        site = Path(spec.origin).parent.parent
        found = sorted(site.glob("fonttools-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("fonttools-").removesuffix(".dist-info")
    import fontTools

    return str(fontTools.version)


def _subset(path: Path, pages: frozenset[int]) -> bytes:
    from fontTools import subset

    codes = [code for code in sorted(_cmap(path)) if code // PAGE in pages and code >= 0x20]
    options = subset.Options()
    options.hinting = False            # Word and LibreOffice render embedded faces unhinted well enough
    options.recalc_timestamp = False   # the head table keeps the source font's dates: same input, same bytes
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    try:
        font = subset.load_font(str(path), options, dontLoadGlyphNames=True)
        try:
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codes)
            subsetter.subset(font)
            out = io.BytesIO()
            subset.save_font(font, out, options)
        finally:
            font.close()
    except Exception:  # noqa: BLE001 - a font that parses but cannot be subset is just as unusable
        raise BuildError(f"{_shown(path, path.parent)}: a font accord cannot subset for embedding") from None
    return out.getvalue()


def _read_cached(folder: Path | None, key: str) -> bytes | None:
    """A cached subset, if its file is whole: the font's bytes followed by their SHA-256."""
    from ..outputcache import read_verified

    return (read_verified(folder / f"{key}.ttf") or None) if folder is not None else None


def _write_cached(folder: Path | None, key: str, data: bytes) -> None:
    """Best effort: a cache that cannot be written costs time, never a build."""
    from ..outputcache import write_verified

    if folder is not None:
        write_verified(folder / f"{key}.ttf", data)


# -- obfuscation (ECMA-376 Part 1, §17.8.1) ------------------------------------------------

def font_key(font_bytes: bytes) -> str:
    """A GUID for w:fontKey, derived from the font's bytes (not random: builds stay reproducible)."""
    digest = hashlib.sha256(font_bytes).hexdigest()[:32].upper()
    return f"{{{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}}}"


def obfuscate(font_bytes: bytes, key: str) -> bytes:
    """XOR the first 32 bytes with the key's 16 bytes, taken from the GUID string's last pair to its first.

    The same operation undoes itself: obfuscate(obfuscate(data, key), key) == data.
    """
    hex_digits = key.strip("{}").replace("-", "")
    key_bytes = bytes.fromhex(hex_digits)[::-1]
    head = bytes(b ^ key_bytes[i % 16] for i, b in enumerate(font_bytes[:32]))
    return head + font_bytes[32:]


# -- which faces a document uses -----------------------------------------------------------

@dataclass(frozen=True)
class _RunStyle:
    """What a style level says about a run; None where it says nothing."""

    family: str | None = None
    bold: bool | None = None
    italic: bool | None = None
    caps: bool | None = None
    # Word's other font slots: hAnsi (Latin beyond ASCII, Georgian, Armenian ...), cs (Arabic, Hebrew), eastAsia.
    h_ansi: str | None = None
    complex_script: str | None = None
    east_asia: str | None = None

    def over(self, base: "_RunStyle") -> "_RunStyle":
        return _RunStyle(_either(self.family, base.family), _either(self.bold, base.bold),
                         _either(self.italic, base.italic), _either(self.caps, base.caps),
                         _either(self.h_ansi, base.h_ansi), _either(self.complex_script, base.complex_script),
                         _either(self.east_asia, base.east_asia))

    def slot_family(self, character: str) -> str | None:
        """The family Word sets this character in: by its script, as Word picks among a run's four fonts."""
        if character < "\x80":
            return self.family
        if unicodedata.bidirectional(character) in ("R", "AL", "AN"):
            return self.complex_script or self.family
        if unicodedata.east_asian_width(character) in ("W", "F"):
            return self.east_asia or self.family
        return self.h_ansi or self.family


def _either(mine: T | None, theirs: T | None) -> T | None:
    """What a style level says, else what the level beneath it says."""
    return mine if mine is not None else theirs


def _on(element: Any) -> bool | None:
    """A toggle property (w:b, w:i, w:caps): None when absent, else its w:val (on when missing)."""
    if element is None:
        return None
    return element.get(w("val"), "true").lower() not in ("0", "false", "off", "none")


class _Styles:
    """styles.xml, theme fonts and numbering, enough to resolve a run's family, weight and slant."""

    def __init__(self, package: Package):
        self.theme = _theme_fonts(package.xml(THEME) if THEME in package else None)
        root = package.xml(STYLES) if STYLES in package else None
        self.styles: dict[str | None, tuple[str | None, str | None, _RunStyle, Any]] = {}
        self.default_paragraph: str | None = None
        self.default_character: str | None = None
        self.defaults = _RunStyle()
        if root is not None:
            rpr = root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
            self.defaults = self.run_props(rpr)
            for style in root.iter(w("style")):
                style_id = style.get(w("styleId"))
                kind = style.get(w("type"))
                based = style.find(w("basedOn"))
                self.styles[style_id] = (kind, based.get(w("val")) if based is not None else None,
                                         self.run_props(style.find(w("rPr"))), style)
                if style.get(w("default")) in ("1", "true", "on"):
                    if kind == "paragraph":
                        self.default_paragraph = style_id
                    elif kind == "character":
                        self.default_character = style_id
        self.numbering = _Numbering(package.xml(NUMBERING) if NUMBERING in package else None, self)
        self._chains: dict[str, _RunStyle] = {}
        self._bases: dict[str | None, _RunStyle] = {}
        self._numbering: dict[str | None, Any] = {}
        self._tables: dict[str | None, tuple[bool, bool]] = {}

    def style_numbering(self, style_id: str | None) -> Any:
        """The w:numPr a paragraph style gives its paragraphs, if any."""
        if style_id not in self._numbering:
            entry = self.styles.get(style_id or "")
            self._numbering[style_id] = entry[3].find(f"{w('pPr')}/{w('numPr')}") if entry is not None else None
        return self._numbering[style_id]

    def paragraph_base(self, style_id: str | None) -> _RunStyle:
        """What a paragraph's style chain and the document defaults give its runs."""
        base = self._bases.get(style_id)
        if base is None:
            base = self._bases[style_id] = self.chain(style_id).over(self.defaults)
        return base

    def run_props(self, rpr: Any) -> _RunStyle:
        if rpr is None:
            return _RunStyle()
        family = None
        fonts = rpr.find(w("rFonts"))
        if fonts is not None:
            family = fonts.get(w("ascii")) or fonts.get(w("hAnsi"))
            theme = fonts.get(w("asciiTheme")) or fonts.get(w("hAnsiTheme"))
            if family is None and theme:
                family = self.theme.get("major" if theme.startswith("major") else "minor")
        caps = _on(rpr.find(w("caps")))
        small = _on(rpr.find(w("smallCaps")))
        slots = (fonts.get(w("hAnsi")), fonts.get(w("cs")), fonts.get(w("eastAsia"))) if fonts is not None \
            else (None, None, None)
        return _RunStyle(family, _on(rpr.find(w("b"))), _on(rpr.find(w("i"))),
                         caps if small is None else (small or bool(caps)), *slots)

    def chain(self, style_id: str | None) -> _RunStyle:
        """A style's run properties with its basedOn ancestors' beneath them."""
        if not style_id or style_id not in self.styles:
            return _RunStyle()
        if style_id not in self._chains:
            self._chains[style_id] = _RunStyle()  # a basedOn loop ends here
            seen: set[str | None] = set()
            props = _RunStyle()
            current: str | None = style_id
            while current in self.styles and current not in seen:
                seen.add(current)
                props = props.over(self.styles[current][2])
                current = self.styles[current][1]
            self._chains[style_id] = props
        return self._chains[style_id]

    def table_toggles(self, style_id: str | None) -> tuple[bool, bool]:
        """Whether a table style makes any of its cells bold / italic (header rows, first columns ...)."""
        if style_id in self._tables:
            return self._tables[style_id]
        entry = self.styles.get(style_id or "")
        toggles = (False, False)
        if entry is not None:
            toggles = (any(_on(b) for b in entry[3].iter(w("b"))), any(_on(i) for i in entry[3].iter(w("i"))))
        self._tables[style_id] = toggles
        return toggles


def _theme_fonts(root: Any) -> dict[str, str]:
    if root is None:
        return {}
    fonts = {}
    for which in ("major", "minor"):
        latin = root.find(f".//{{{A_NS}}}{which}Font/{{{A_NS}}}latin")
        if latin is not None and latin.get("typeface"):
            fonts[which] = latin.get("typeface")
    return fonts


class _Numbering:
    """numbering.xml: for (numId, ilvl), the number's text pattern, format and run properties."""

    def __init__(self, root: Any, styles: "_Styles"):
        self.levels: dict[tuple[str, str], tuple[str, str, _RunStyle]] = {}
        if root is None:
            return
        abstract = {}
        for node in root.iter(w("abstractNum")):
            abstract[node.get(w("abstractNumId"))] = node
        for num in root.iter(w("num")):
            ref = num.find(w("abstractNumId"))
            node = abstract.get(ref.get(w("val"))) if ref is not None else None
            if node is None:
                continue
            for lvl in node.iter(w("lvl")):
                text = lvl.find(w("lvlText"))
                fmt = lvl.find(w("numFmt"))
                self.levels[(num.get(w("numId")), lvl.get(w("ilvl")))] = (
                    text.get(w("val"), "") if text is not None else "",
                    fmt.get(w("val"), "decimal") if fmt is not None else "decimal",
                    styles.run_props(lvl.find(w("rPr"))))


@dataclass
class FontUse:
    """The faces a document's shown text resolves to, each with the characters set in it."""

    characters: dict[Face, set[str]]

    def add(self, face: Face, text: str, *, caps: bool = False) -> None:
        chars = self.characters.setdefault(face, set())
        chars.update(text)
        if caps:
            chars.update(text.upper())


def font_use(package: Package, styles: _Styles | None = None) -> FontUse:
    """Which faces the shown parts of a package use, and for which characters."""
    styles = styles or _Styles(package)
    use = FontUse({})
    for name in sorted(package.names()):
        if _SHOWN_PARTS.fullmatch(name):
            _collect(package.xml(name), styles, use)
    return use


_P, _R, _PPR, _RPR, _PSTYLE, _RSTYLE, _TBL = (w(tag) for tag in ("p", "r", "pPr", "rPr", "pStyle", "rStyle", "tbl"))
_T, _DEL_T, _NO_BREAK_HYPHEN = w("t"), w("delText"), w("noBreakHyphen")
_TEXT_TAGS = frozenset({_T, _DEL_T})
_TABLE_STYLE = f"{w('tblPr')}/{w('tblStyle')}"
_NUM_PR = w("numPr")


class _Collector:
    """Gathers a part's text by the faces it resolves to.

    A run's faces depend only on its paragraph's style, its table's style and its own
    w:rPr, and most runs share one of a few combinations (pandoc writes few run
    properties): the text of the runs is gathered per combination as the part is
    walked, and each combination is resolved, and its text split by face, once at the end.
    """

    def __init__(self, styles: _Styles, use: FontUse) -> None:
        self.styles = styles
        self.use = use
        self.runs: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any, list[str]]] = {}
        self.table_styles: dict[Any, str | None] = {}

    def paragraph(self, paragraph: Any) -> tuple[Any, ...]:
        """(paragraph style, base run style, in a table, table style, w:pPr) of a paragraph."""
        ppr = paragraph.find(_PPR)
        pstyle = ppr.find(_PSTYLE) if ppr is not None else None
        paragraph_style = pstyle.get(w("val")) if pstyle is not None else self.styles.default_paragraph
        table = next(paragraph.iterancestors(_TBL), None)
        table_style = None
        if table is not None:
            # Kept per table (the dict holds the element, so lxml hands back the same object for it).
            if table in self.table_styles:
                table_style = self.table_styles[table]
            else:
                tstyle = table.find(_TABLE_STYLE)
                table_style = self.table_styles[table] = tstyle.get(w("val")) if tstyle is not None else None
        return paragraph_style, self.styles.paragraph_base(paragraph_style), table is not None, table_style, ppr

    def run(self, context: Any, rpr: Any, text: str) -> None:
        paragraph_style, _base, in_table, table_style, _ppr = context
        key = (paragraph_style, in_table, table_style, etree.tostring(rpr) if rpr is not None else None)
        gathered = self.runs.get(key)
        if gathered is None:
            self.runs[key] = (context, rpr, [text])
        else:
            gathered[2].append(text)

    def number(self, context: tuple[Any, ...]) -> None:
        paragraph_style, base, _in_table, _table_style, ppr = context
        _collect_number(ppr, paragraph_style, base, self.styles, self.use)

    def finish(self) -> None:
        styles = self.styles
        texts: dict[tuple[Face, bool], list[str]] = {}
        for (context, rpr, pieces) in self.runs.values():
            _paragraph_style, base, in_table, table_style, _ppr = context
            rstyle = rpr.find(_RSTYLE) if rpr is not None else None
            character = styles.chain(rstyle.get(w("val")) if rstyle is not None else styles.default_character)
            props = styles.run_props(rpr).over(character).over(base)
            table_bold, table_italic = styles.table_toggles(table_style) if in_table else (False, False)
            caps = bool(props.caps)
            for family, characters in _by_family(props, "".join(pieces)).items():
                for face in _faces(props, table_bold, table_italic, family):
                    texts.setdefault((face, caps), []).append(characters)
        for (face, caps), pieces in texts.items():
            self.use.add(face, "".join(pieces), caps=caps)


def _collect(root: Any, styles: _Styles, use: FontUse) -> None:
    collector = _Collector(styles, use)
    if any(next(paragraph.iterancestors(_P), None) is not None for paragraph in root.iter(_P)):
        _collect_nested(root, collector)
    else:
        _collect_flat(root, collector)
    collector.finish()
    for textpath in root.iter(f"{{{V_NS}}}textpath"):
        style = dict(part.split(":", 1) for part in (textpath.get("style") or "").split(";") if ":" in part)
        family = style.get("font-family", "").strip().strip('"').strip("'")
        if family and textpath.get("string"):
            use.add(Face(family, style.get("font-weight", "").strip() == "bold",
                         style.get("font-style", "").strip() == "italic"), textpath.get("string"))


def _collect_flat(root: Any, collector: _Collector) -> None:
    """One pass in document order over paragraphs, runs, their w:rPr and text: for parts without
    paragraphs inside paragraphs (text boxes), where every run belongs to the last paragraph begun.
    (collector.run, inlined: this loop sees every run of the document.)"""
    gathered = collector.runs
    context: Any = None
    paragraph_key: tuple[Any, ...] = ()
    run = rpr = None
    pieces: list[str] = []
    for element in root.iter(_P, _R, _RPR, _T, _DEL_T, _NO_BREAK_HYPHEN):
        tag = element.tag
        if tag in _TEXT_TAGS:
            if element.getparent() is run:
                pieces.append(element.text or "")
            continue
        if tag == _NO_BREAK_HYPHEN:
            if run is not None:
                pieces.append("\u2011")
            continue
        if tag == _RPR:
            if run is not None and element.getparent() is run:
                rpr = element
            continue
        if pieces:
            key = (*paragraph_key, etree.tostring(rpr) if rpr is not None else None)
            entry = gathered.get(key)
            if entry is None:
                gathered[key] = (context, rpr, ["".join(pieces)])
            else:
                entry[2].append("".join(pieces))
            pieces.clear()
        if tag == _P:
            if context is not None:
                collector.number(context)
            context = collector.paragraph(element)
            paragraph_key = (context[0], context[2], context[3])
            run = rpr = None
        else:
            run, rpr = element, None
    if pieces:
        collector.run(context, rpr, "".join(pieces))
    if context is not None:
        collector.number(context)


def _collect_nested(root: Any, collector: _Collector) -> None:
    """Paragraph by paragraph, each run with the paragraph it belongs to (text boxes hold paragraphs)."""
    for paragraph in root.iter(_P):
        context = collector.paragraph(paragraph)
        for run in paragraph.iter(_R):
            if next(run.iterancestors(_P)) is not paragraph:
                continue  # a run of a paragraph nested in this one is counted with its own
            text = "".join(node.text or "" for node in run.iterchildren(_T, _DEL_T))
            text += "".join("\u2011" for _ in run.iter(_NO_BREAK_HYPHEN))
            if text:
                collector.run(context, run.find(_RPR), text)
        collector.number(context)


def _by_family(props: _RunStyle, text: str) -> dict[str | None, str]:
    """The characters of runs by the family each is set in (most runs: all in one)."""
    if not text:
        return {}
    if text.isascii() or not (props.h_ansi or props.complex_script or props.east_asia):
        return {props.family: text}
    families: dict[str | None, list[str]] = {}
    for character in set(text):  # each distinct character once: only which ones, not how often, matters
        families.setdefault(props.slot_family(character), []).append(character)
    return {family: "".join(characters) for family, characters in families.items()}


def _faces(props: _RunStyle, table_bold: bool, table_italic: bool, family: str | None = None) -> list[Face]:
    family = family or props.family
    if not family:
        return []
    bold, italic = bool(props.bold), bool(props.italic)
    boldness = {bold, True} if table_bold and props.bold is None else {bold}
    slants = {italic, True} if table_italic and props.italic is None else {italic}
    return [Face(family, b, i) for b in sorted(boldness) for i in sorted(slants)]


def _collect_number(ppr: Any, paragraph_style: str | None, base: _RunStyle, styles: _Styles, use: FontUse) -> None:
    """The list number or bullet of a paragraph: its level's text in the paragraph mark's face."""
    numpr = ppr.find(_NUM_PR) if ppr is not None else None
    if numpr is None:
        numpr = styles.style_numbering(paragraph_style)
    if numpr is None:
        return
    num_id, ilvl = numpr.find(w("numId")), numpr.find(w("ilvl"))
    key = (num_id.get(w("val")) if num_id is not None else None, ilvl.get(w("val")) if ilvl is not None else "0")
    if key not in styles.numbering.levels:
        return
    pattern, fmt, level_props = styles.numbering.levels[key]
    mark = styles.run_props(ppr.find(w("rPr")) if ppr is not None else None)
    props = level_props.over(mark).over(base)
    text = re.sub(r"%\d", "", pattern)
    if "letter" in fmt.lower() or "roman" in fmt.lower():
        text += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if props.family and text:
        use.add(Face(props.family, bool(props.bold), bool(props.italic)), text, caps=bool(props.caps))


# -- the package ----------------------------------------------------------------------------

def fonts_not_carried(docx: bytes, font_dir: Path) -> list[str]:
    """The faces a DOCX sets text in that are neither in font_dir nor embedded in it, e.g. ['Consolas Regular']."""
    package = Package(docx)
    embedded = _embedded_faces(package.xml(FONT_TABLE) if FONT_TABLE in package else None)
    house = house_faces(font_dir)
    return sorted(face.label for face in font_use(package).characters
                  if face not in house and face not in embedded)


def _embedded_faces(root: Any) -> set[Face]:
    if root is None:
        return set()
    return {Face(font.get(w("name")), bold, italic) for font in root.iter(w("font"))
            for (bold, italic), tag in EMBED_ELEMENTS.items() if font.find(w(tag)) is not None}


def house_font_dir(templates_dir: Path, enabled: bool = True) -> Path | None:
    """templates/fonts, when embedding is on (accord.yaml `build: embed-fonts`) and the folder exists."""
    font_dir = Path(templates_dir) / "fonts"
    return font_dir if enabled and font_dir.is_dir() else None


def embed_fonts(docx: bytes, font_dir: Path | None) -> bytes:
    """The DOCX with every house face its text uses embedded (subset, obfuscated); other parts unchanged.

    With font_dir None (embedding off), a DOCX that already embeds fonts, or one
    that uses no face in font_dir, the bytes come back as they were. Zip entries
    keep their order and times; new ones take the first entry's time.
    """
    if font_dir is None:
        return docx
    package = Package(docx)
    return package.to_bytes() if embed_fonts_in(package, font_dir) else docx


def embed_fonts_in(package: Package, font_dir: Path | None) -> bool:
    """embed_fonts on a package read once (its other steps share the parsed parts); True if it changed."""
    if font_dir is None:
        return False
    if FONT_TABLE_RELS in package and FONT_RELATIONSHIP.encode() in package.read(FONT_TABLE_RELS):
        return False
    house = house_faces(font_dir)
    styles = _Styles(package)
    body_family = styles.paragraph_base(styles.default_paragraph).family
    redrawn = []
    if NUMBERING in package and body_family:
        redrawn = _house_bullets(package.xml(NUMBERING), house, body_family)
        if redrawn:
            styles.numbering = _Numbering(package.xml(NUMBERING), styles)
    use = font_use(package, styles)
    chosen = sorted((face for face in use.characters if face in house),
                    key=lambda f: (f.family, f.bold, f.italic))
    if not chosen:
        for element, name, value in redrawn:  # nothing is embedded: the bullets stay as they were too
            element.set(name, value)
        return False
    if redrawn:
        package.edit(NUMBERING)
    fonts: list[tuple[Face, str, bytes]] = []
    for face in chosen:
        subset = subset_face(house[face], pages_of(use.characters[face]))
        key = font_key(subset)
        fonts.append((face, key, obfuscate(subset, key)))
    relationships = [(f"rId{number}", f"fonts/font{number}.odttf", face, key)
                     for number, (face, key, _data) in enumerate(fonts, 1)]
    had_font_table = FONT_TABLE in package
    _font_table(package, relationships, house)
    package.write(FONT_TABLE_RELS, _relationships(relationships))
    for number, (_face, _key, data) in enumerate(fonts, 1):
        package.write(f"word/fonts/font{number}.odttf", data)
    _content_types(package.edit(CONTENT_TYPES), has_font_table=had_font_table)
    if SETTINGS in package:
        _settings(package.edit(SETTINGS))
    if not had_font_table:
        _add_font_table_relationship(package.edit("word/_rels/document.xml.rels"))
    return True


def _house_bullets(root: Any, house: dict[Face, Path], family: str) -> list[tuple[Any, ...]]:
    """Bullets drawn from Symbol, Courier New or Wingdings, redrawn in the house body face in the
    numbering tree; returns (element, attribute, old value) of each change, to undo them."""
    path = house.get(Face(family, False, False))
    if path is None:
        return []
    cmap = _cmap(path)
    changed: list[tuple[Any, ...]] = []
    for lvl in root.iter(w("lvl")):
        fmt, text, fonts = lvl.find(w("numFmt")), lvl.find(w("lvlText")), lvl.find(f"{w('rPr')}/{w('rFonts')}")
        if fmt is None or fmt.get(w("val")) != "bullet" or text is None or fonts is None:
            continue
        candidates = _BULLETS.get(fonts.get(w("ascii")) or "")
        bullet = next((c for c in candidates or "" if ord(c) in cmap), None)
        if bullet is None:
            continue
        changed.append((text, w("val"), text.get(w("val"))))
        text.set(w("val"), bullet)
        for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
            if fonts.get(w(attr)) is not None:
                changed.append((fonts, w(attr), fonts.get(w(attr))))
                fonts.set(w(attr), family)
    return changed


def _font_table(package: Package, relationships: list[tuple[str, str, Face, str]], house: dict[Face, Path]) -> None:
    if FONT_TABLE in package:
        root = package.edit(FONT_TABLE)
    else:
        root = etree.Element(w("fonts"), nsmap={"w": W_NS, "r": R_NS})
        package.set_xml(FONT_TABLE, root)
    for rel_id, _target, face, key in relationships:
        font = next((f for f in root.iter(w("font")) if f.get(w("name")) == face.family), None)
        if font is None:
            font = etree.SubElement(root, w("font"))
            font.set(w("name"), face.family)
            _describe_font(font, house[face])
        embed = etree.Element(w(EMBED_ELEMENTS[(face.bold, face.italic)]))
        embed.set(f"{{{R_NS}}}id", rel_id)
        embed.set(w("fontKey"), key)
        embed.set(w("subsetted"), "1")
        order = list(_FONT_CHILDREN_BEFORE_EMBED) + list(EMBED_ELEMENTS.values())
        rank = order.index(EMBED_ELEMENTS[(face.bold, face.italic)])
        later = next((child for child in font if etree.QName(child).localname in order
                      and order.index(etree.QName(child).localname) > rank), None)
        if later is not None:
            later.addprevious(embed)
        else:
            font.append(embed)


def _describe_font(element: Any, path: Path) -> None:
    """panose1, charset, family, pitch and sig from the font's OS/2 table, as Word writes them."""
    facts = _facts(path, str(path))
    for tag, text in (("panose1", facts.panose), ("charset", "00"), ("family", "roman" if facts.serif else "swiss"),
                      ("pitch", "variable")):
        etree.SubElement(element, w(tag)).set(w("val"), text)
    sig = etree.SubElement(element, w("sig"))
    for index, value in enumerate(facts.ranges):
        sig.set(w(f"usb{index}"), f"{value:08X}")
    for index, value in enumerate(facts.code_pages):
        sig.set(w(f"csb{index}"), f"{value:08X}")


def _relationships(relationships: list[tuple[str, str, Face, str]]) -> bytes:
    default_namespace: Any = {None: PKG_REL_NS}  # lxml takes None for the default namespace; its stub does not
    root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap=default_namespace)
    for rel_id, target, _face, _key in relationships:
        etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", Id=rel_id, Type=FONT_RELATIONSHIP, Target=target)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types(root: Any, *, has_font_table: bool) -> None:
    if not any(d.get("Extension", "").lower() == "odttf" for d in root.iter(f"{{{CT_NS}}}Default")):
        first_override = root.find(f"{{{CT_NS}}}Override")
        default = etree.Element(f"{{{CT_NS}}}Default", Extension="odttf", ContentType=OBFUSCATED_FONT_TYPE)
        if first_override is not None:
            first_override.addprevious(default)
        else:
            root.append(default)
    if not has_font_table:
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName="/" + FONT_TABLE,
                         ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml")


def _settings(root: Any) -> None:
    """w:embedTrueTypeFonts and w:saveSubsetFonts, so that Word keeps the fonts when a partner saves."""
    for tag in ("embedTrueTypeFonts", "saveSubsetFonts"):
        if root.find(w(tag)) is not None:
            continue
        earlier = _SETTINGS_ORDER[:_SETTINGS_ORDER.index(tag)]
        anchor = next((child for child in root if not (isinstance(child.tag, str)
                                                       and etree.QName(child).localname in earlier)), None)
        if anchor is not None:
            anchor.addprevious(etree.Element(w(tag)))
        else:
            root.append(etree.Element(w(tag)))


def _add_font_table_relationship(root: Any) -> None:
    used = {rel.get("Id") for rel in root}
    number = 1
    while f"rId{number}" in used:
        number += 1
    etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", Id=f"rId{number}",
                     Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable",
                     Target="fontTable.xml")
