"""Which fonts set a text: the house faces per script, the optional CJK pack, and the check that every
character has a glyph (the PDF engine falls back to its own fonts, or to empty boxes, without a word)."""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from .tags import primary_language, tag_script

SERIF = "Noto Serif"
SANS = "Noto Sans"
# (serif family, sans family) of each script the house carries beside Latin, Greek and Cyrillic (templates/fonts).
SCRIPT_FAMILIES = (
    ("Noto Naskh Arabic", "Noto Sans Arabic"),
    ("Noto Serif Hebrew", "Noto Sans Hebrew"),
    ("Noto Serif Georgian", "Noto Sans Georgian"),
    ("Noto Serif Armenian", "Noto Sans Armenian"),
)
# The optional font pack for Chinese, Japanese and Korean: `pip install 'accord[cjk]'`.
CJK_PACK = "noto-cjk-sans-otc"
CJK_MODULE = "noto_cjk_sans_otc"
CJK_FILE = "NotoSansCJK-Regular.ttc"
# The face of the collection a language reads best in (the same character differs between them).
CJK_FAMILIES = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "zh-Hant": "Noto Sans CJK TC",
                "zh-HK": "Noto Sans CJK HK", "zh": "Noto Sans CJK SC"}
_CJK_ORDER = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP", "Noto Sans CJK KR")
# Scripts of the pack, by Unicode name: what makes a missing glyph a missing pack rather than a missing character.
_CJK_NAMES = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "FULLWIDTH", "HALFWIDTH")


@dataclass(frozen=True)
class TextPart:
    """A piece of what a document shows, and where a user finds it: a file line, and a name for it."""

    text: str
    line: int | None = None
    where: str = ""


@dataclass(frozen=True)
class ScriptFonts:
    """The fonts one document is set in: family chains for body and furniture, and where their files are."""

    serif: tuple[str, ...]
    sans: tuple[str, ...]
    font_paths: tuple[Path, ...]

    @property
    def extra_serif(self) -> tuple[str, ...]:
        return self.serif[1:]

    @property
    def extra_sans(self) -> tuple[str, ...]:
        return self.sans[1:]


def cjk_pack_dir() -> Path | None:
    """The folder of the installed CJK font pack, or None (found without importing it)."""
    spec = importlib.util.find_spec(CJK_MODULE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / CJK_FILE).is_file():
            return Path(location)
    return None


def cjk_family(language: str) -> str:
    """The face of the pack for a language: Japanese, Korean, traditional or simplified Chinese."""
    primary = primary_language(language)
    if primary == "zh":
        script = tag_script(language)
        region = next((p for p in language.split("-")[1:] if len(p) == 2 and p.isalpha()), "").upper()
        if script == "Hant" or region in ("TW", "MO") or (region == "HK" and script != "Hans"):
            return CJK_FAMILIES["zh-HK"] if region == "HK" else CJK_FAMILIES["zh-Hant"]
        return CJK_FAMILIES["zh"]
    return CJK_FAMILIES.get(primary, CJK_FAMILIES["zh"])


def choose_fonts(parts: list[TextPart], language: str, font_dir: Path, display: str | None = None) -> ScriptFonts:
    """The fonts that set every character of parts: the house serif and sans, then each script's faces
    the text needs, in a fixed order (so the same text gives the same chains, and a text that needs
    none of them gives exactly the house chains).

    Raises BuildError naming the pack when CJK characters need it and it is not installed, and
    naming the character and where it stands when no font has a glyph for it.
    """
    if not Path(font_dir).is_dir():  # a repository without the house fonts: the engines' own fonts, unchecked, as ever
        return ScriptFonts((SERIF,), (SANS,), (font_dir,))
    serif_cmap = _family_cmap(font_dir, SERIF)
    # each distinct character once: a 60-page text has a quarter of a million characters but a hundred kinds
    needed = {c for c in set().union(*(part.text for part in parts)) if not _ignorable(c)} - serif_cmap
    serif, sans, paths = [SERIF], [SANS], [font_dir]
    if not needed:
        return ScriptFonts(tuple(serif), tuple(sans), tuple(paths))
    for serif_family, sans_family in SCRIPT_FAMILIES:
        covered = needed & _family_cmap(font_dir, serif_family)
        if covered:
            serif.append(serif_family)
            sans.append(sans_family)
            needed -= covered
    if needed:
        pack = cjk_pack_dir()
        wants_pack = any(_is_cjk(c) for c in needed)
        if pack is not None:
            preferred = cjk_family(language)
            cmap = _collection_cmap(pack / CJK_FILE, preferred)
            if needed & cmap:
                serif.append(preferred)
                sans.append(preferred)
                paths.append(pack)
                needed -= cmap
        elif wants_pack:
            first = _first(parts, {c for c in needed if _is_cjk(c)})
            raise BuildError("the text is in Chinese, Japanese or Korean script, which needs the optional font "
                             f"pack: pip install 'accord[cjk]' (the {CJK_PACK} package)",
                             path=display, line=first.line if first else None)
    if needed:
        part = _first(parts, needed)
        assert part is not None
        character = next(c for c in part.text if c in needed)
        where = f" in {part.where}" if part.where else ""
        raise BuildError(f"no font has a glyph for {_describe(character)}{where}: "
                         f"\"{_excerpt(part.text, character)}\"", path=display, line=part.line)
    return ScriptFonts(tuple(serif), tuple(sans), tuple(paths))


def _ignorable(character: str) -> bool:
    """Characters no glyph is drawn for: spaces a font need not carry, controls, joiners, direction marks."""
    if character in " \n\t\r":
        return True
    category = unicodedata.category(character)
    return category in ("Cc", "Cf", "Zl", "Zp") or "\ufe00" <= character <= "\ufe0f"


def _is_cjk(character: str) -> bool:
    name = unicodedata.name(character, "")
    return name.startswith(_CJK_NAMES) or unicodedata.east_asian_width(character) in ("W", "F")


def _first(parts: list[TextPart], characters: set[str]) -> TextPart | None:
    return next((part for part in parts if characters & set(part.text)), None)


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    return f"'{character}' (U+{ord(character):04X}{', ' + name if name else ''})"


def _excerpt(text: str, character: str, width: int = 50) -> str:
    index = text.index(character)
    start = max(0, index - width // 2)
    excerpt = text[start:start + width]
    return ("…" if start else "") + excerpt + ("…" if start + width < len(text) else "")


# -- the fonts' character maps: the font facts of ooxml.fonts, the one cache of what a font maps ----------
#
# Importing fontTools and reading 24 name tables costs about half a second of CPU per build process;
# a PDF or HTML build needs neither otherwise. The facts are cached beside the DOCX font subsets
# (~/.cache/accord/fonts), one file per font; a cache that cannot be read or written costs time, never a build.


def _family_cmap(font_dir: Path, family: str) -> frozenset[str]:
    """The characters the Regular face of a house family has glyphs for (empty when the house lacks it)."""
    from ..ooxml.fontfiles import house_face_codes  # validates the folder (no links out, real fonts)

    return _characters(house_face_codes(font_dir, family))


def _collection_cmap(path: Path, family: str) -> frozenset[str]:
    from ..ooxml.fontfiles import collection_codes

    return _characters(collection_codes(path).get(family, frozenset()))


@functools.lru_cache(maxsize=64)
def _characters(codes: frozenset[int]) -> frozenset[str]:
    return frozenset(map(chr, codes))
