"""Which fonts set a text: the house faces per script, the optional CJK pack, and the check that every
character has a glyph (the PDF engine falls back to its own fonts, or to empty boxes, without a word)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import threading
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
    needed = {c for part in parts for c in part.text if not _ignorable(c)} - serif_cmap
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


# -- the fonts' character maps: read with fontTools once, then from a small cache file ----------------
#
# Importing fontTools and reading 24 name tables costs about half a second of CPU per build process;
# a PDF or HTML build needs neither otherwise. So the maps are cached beside the DOCX font subsets
# (~/.cache/accord/fonts), keyed by the house files' names and bytes (the CJK pack's path, size and
# time); a cache that cannot be read or written costs time, never a build.

_CACHE_VERSION = b"accord-cmaps-1"
_lock = threading.Lock()
_memo: dict[bytes, dict[str, frozenset[str]]] = {}


def _family_cmap(font_dir: Path, family: str) -> frozenset[str]:
    """The characters the Regular face of a house family has glyphs for (empty when the house lacks it)."""
    files = sorted(p for p in Path(font_dir).iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    return _cmaps(files, lambda: _read_house_cmaps(font_dir), by_content=True).get(family, frozenset())


def _collection_cmap(path: Path, family: str) -> frozenset[str]:
    return _cmaps([path], lambda: _read_collection_cmaps(path)).get(family, frozenset())


def _cmaps(files: list[Path], read, *, by_content: bool = False) -> dict[str, frozenset[str]]:
    """The maps of files, from this process's memo, the cache file, or read (and cached).

    The cache file is keyed by the files' paths, sizes and times, or with by_content by their names and
    bytes: the house folder is copied with every clone of a repository (and into every test repository),
    and a copy finds the maps its twin cached: 11 ms of CPU instead of fontTools' 60 ms."""
    stamp = repr([(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]).encode()
    with _lock:
        if stamp in _memo:
            return _memo[stamp]
        if by_content:
            # whether each is a file of its folder too: a link out never shares a key with a file of the same
            # bytes, so house_faces reads, and refuses, it as on a first build
            identity = repr([(p.name, p.resolve().parent == p.parent.resolve(), hashlib.sha256(p.read_bytes()).hexdigest())
                             for p in files]).encode()
        else:
            identity = stamp
        key = hashlib.sha256(_CACHE_VERSION + identity).hexdigest()
        ranges = _read_cache(key)
        if ranges is None:
            ranges = {family: _to_ranges(codes) for family, codes in read().items()}
            _write_cache(key, ranges)
        _memo[stamp] = {family: frozenset(chr(code) for first, last in spans for code in range(first, last + 1))
                        for family, spans in ranges.items()}
        return _memo[stamp]


def _read_house_cmaps(font_dir: Path) -> dict[str, list[int]]:
    from fontTools.ttLib import TTFont

    from ..ooxml.fonts import house_faces

    cmaps = {}
    for face, path in house_faces(font_dir).items():  # validates the folder (no links out, real fonts)
        if not face.bold and not face.italic:
            with TTFont(io.BytesIO(path.read_bytes()), lazy=True) as font:
                cmaps[face.family] = sorted(font.getBestCmap())
    return cmaps


def _read_collection_cmaps(path: Path) -> dict[str, list[int]]:
    from fontTools.ttLib import TTCollection

    cmaps = {}
    with TTCollection(io.BytesIO(path.read_bytes()), lazy=True) as collection:
        for font in collection.fonts:
            names = font["name"]
            cmaps[str(names.getDebugName(16) or names.getDebugName(1))] = sorted(font.getBestCmap())
    return cmaps


def _to_ranges(codes: list[int]) -> list[list[int]]:
    spans: list[list[int]] = []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return spans


def _cache_file(key: str) -> Path:
    from ..outputcache import cache_root

    return cache_root() / "fonts" / f"cmaps-{key}.json"


def _read_cache(key: str) -> dict[str, list[list[int]]] | None:
    try:
        data = json.loads(_cache_file(key).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_cache(key: str, ranges: dict[str, list[list[int]]]) -> None:
    from ..outputcache import write_best_effort

    write_best_effort(_cache_file(key), json.dumps(ranges).encode("utf-8"))
