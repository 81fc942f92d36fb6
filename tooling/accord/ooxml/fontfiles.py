"""Font files: the house faces in templates/fonts and the facts accord reads from each font (its face,
the code points it maps, what fontTable.xml says of it), read with fontTools once and cached, in
memory and in ~/.cache/accord/fonts, for every reader: DOCX font embedding (ooxml.fonts) and the
check that every character of a text has a glyph (i18n.scripts).

No lxml here: a PDF or HTML build asks which fonts set its text without loading the DOCX machinery.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path

from ..errors import BuildError
from ..outputcache import file_sha256

@dataclass(frozen=True)
class Face:
    """One style of a family: (family, bold, italic)."""

    family: str
    bold: bool
    italic: bool

    @property
    def label(self) -> str:
        style = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic",
                 (True, True): "Bold Italic"}[(self.bold, self.italic)]
        return f"{self.family} {style}"


# -- the house faces ----------------------------------------------------------------------

_faces_lock = threading.Lock()
_faces_cache: dict[tuple[tuple[str, int, int], ...], dict[Face, Path]] = {}
_facts_cache: dict[str, "_FontFacts"] = {}


def house_faces(font_dir: Path) -> dict[Face, Path]:
    """The TrueType faces in font_dir by (family, bold, italic), read from each file's own name table.

    A file that is no font, or a link that leaves font_dir, is a BuildError naming it:
    the fonts are the repository's, and a DOCX must not carry what it happens to point at.
    """
    font_dir = Path(font_dir)
    files = sorted(p for p in font_dir.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    key = tuple((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in files)
    with _faces_lock:
        if key in _faces_cache:
            return _faces_cache[key]
    inside = font_dir.resolve()
    faces: dict[Face, Path] = {}
    for path in files:
        shown = _shown(path, font_dir)
        if path.resolve().parent != inside:
            raise BuildError(f"{shown}: a link to a file outside {_shown(font_dir, font_dir)}; "
                             "the house fonts must be files in that folder")
        facts = _facts(path, shown)
        faces.setdefault(Face(facts.family, facts.bold, facts.italic), path)
    with _faces_lock:
        _faces_cache[key] = faces
    return faces


def _shown(path: Path, font_dir: Path) -> str:
    """A path as users know it: templates/fonts/X.ttf (relative to the folder above templates/)."""
    try:
        return Path(path).relative_to(Path(font_dir).parent.parent).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class _FontFacts:
    """What accord reads from a font file: its face, the code points it maps, and what fontTable.xml
    says of it (OS/2 panose, Unicode ranges, code pages, serif or not).

    The code points are kept as runs of consecutive ones (first, last, first, last ...) and made a set
    only when asked: a DOCX build reads the facts of all 24 house faces to learn their faces, and asks
    for the code points of two or three (the 29,000 code points of the house faces are 1,440 runs)."""

    family: str
    bold: bool
    italic: bool
    runs: tuple[int, ...]
    panose: str
    ranges: tuple[int, ...]
    code_pages: tuple[int, ...]
    serif: bool

    @cached_property
    def codes(self) -> frozenset[int]:
        return frozenset(chain.from_iterable(map(range, self.runs[0::2], (last + 1 for last in self.runs[1::2]))))


def code_runs(codes: frozenset[int] | set[int]) -> tuple[int, ...]:
    """Code points as the runs of consecutive ones: (first, last, first, last ...), in order."""
    runs: list[int] = []
    for code in sorted(codes):
        if runs and runs[-1] == code - 1:
            runs[-1] = code
        else:
            runs += (code, code)
    return tuple(runs)


_FACTS_FORMAT = 2  # 2: code points as runs


def _facts(path: Path, shown: str, number: int = 0) -> _FontFacts:
    """A font file's facts (of its font `number`, in a collection), read once and kept, like subsets, in
    memory and in the cache folder under the hash of the font's bytes (so a changed font is read again);
    BuildError if it is no font. The one reading of fonts: embedding, and the script check's glyphs
    (accord.i18n.scripts), use it.

    Reading them takes fontTools and about 25 ms a face, which every DOCX build and redline paid."""
    font_hash = file_sha256(path)
    key = font_hash if number == 0 else f"{font_hash}-{number}"
    with _faces_lock:
        if key in _facts_cache:
            return _facts_cache[key]
    folder = _default_cache_dir()
    cached = folder / f"facts-{_FACTS_FORMAT}-{key}.json"
    facts = _read_facts(cached)
    if facts is None:
        facts = _read_font_facts(path, shown, number)
        _write_facts(cached, facts)
    with _faces_lock:
        _facts_cache[key] = facts
    return facts


def house_face_codes(font_dir: Path, family: str) -> frozenset[int]:
    """The code points the Regular face of a house family maps (empty when the house lacks it)."""
    path = house_faces(font_dir).get(Face(family, False, False))
    return _facts(path, _shown(path, Path(font_dir))).codes if path is not None else frozenset()


def collection_codes(path: Path) -> dict[str, frozenset[int]]:
    """The code points of each font of a font collection (.ttc, e.g. the CJK pack) by family name."""
    with open(path, "rb") as file:
        header = file.read(12)
    count = int.from_bytes(header[8:12], "big") if header[:4] == b"ttcf" else 1
    return {facts.family: facts.codes for facts in (_facts(path, str(path), number) for number in range(count))}


def _read_font_facts(path: Path, shown: str, number: int = 0) -> _FontFacts:
    from fontTools.ttLib import TTFont

    try:  # read whole first: a constructor that raises would leave its file open
        with TTFont(io.BytesIO(path.read_bytes()), lazy=True, fontNumber=number) as font:
            names = font["name"]
            family = str(names.getDebugName(16) or names.getDebugName(1))
            os2 = font["OS/2"]
            runs = code_runs(set(font.getBestCmap()))
            panose = os2.panose
            panose_hex = "".join(f"{getattr(panose, field):02X}" for field in (
                "bFamilyType", "bSerifStyle", "bWeight", "bProportion", "bContrast", "bStrokeVariation",
                "bArmStyle", "bLetterForm", "bMidline", "bXHeight"))
            return _FontFacts(
                family=family, bold=bool(os2.fsSelection & 0x20), italic=bool(os2.fsSelection & 0x01), runs=runs,
                panose=panose_hex,
                ranges=(os2.ulUnicodeRange1, os2.ulUnicodeRange2, os2.ulUnicodeRange3, os2.ulUnicodeRange4),
                code_pages=(getattr(os2, "ulCodePageRange1", 0), getattr(os2, "ulCodePageRange2", 0)),
                serif=panose.bSerifStyle not in (11, 12, 13))  # 11-13: sans serif styles
    except Exception:  # noqa: BLE001 - fontTools raises many kinds on a damaged file; all mean the same here
        raise BuildError(f"{shown}: not a TrueType or OpenType font accord can read") from None


def _read_facts(cached: Path) -> _FontFacts | None:
    """Facts from the cache folder, if the file is whole and of this format."""
    import json

    try:
        stored = json.loads(cached.read_text(encoding="utf-8"))
        runs = stored["runs"]
        # checked with C-level calls: a DOCX build reads every house face
        if not isinstance(runs, list) or len(runs) % 2 or not set(map(type, runs)) <= {int} \
                or any(first > last for first, last in zip(runs[0::2], runs[1::2])):
            return None
        return _FontFacts(family=str(stored["family"]), bold=stored["bold"] is True, italic=stored["italic"] is True,
                          runs=tuple(runs), panose=str(stored["panose"]),
                          ranges=tuple(int(value) for value in stored["ranges"]),
                          code_pages=tuple(int(value) for value in stored["code_pages"]),
                          serif=stored["serif"] is True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_facts(cached: Path, facts: _FontFacts) -> None:
    """Best effort, as for subsets: a cache that cannot be written costs time, never a build."""
    import json

    from ..outputcache import write_best_effort

    data = json.dumps({"family": facts.family, "bold": facts.bold, "italic": facts.italic,
                       "runs": list(facts.runs), "panose": facts.panose, "ranges": list(facts.ranges),
                       "code_pages": list(facts.code_pages), "serif": facts.serif}).encode("utf-8")
    write_best_effort(cached, data)


def _cmap(path: Path) -> frozenset[int]:
    """The code points a font file maps."""
    return _facts(path, str(path)).codes


def _default_cache_dir() -> Path:
    from ..outputcache import cache_root

    return cache_root() / "fonts"
