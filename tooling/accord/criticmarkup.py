"""CriticMarkup: writing its marks, accepting or rejecting them, and finding unresolved ones (and git's).

The marks are `{++inserted++}`, `{--deleted--}`, `{~~old~>new~~}`,
`{>>comment<<}` and `{==highlight==}`. The redline writes them (`accord diff
--format md`), a review import writes a substitution where two edits collide,
and `check`, `build`, `endorse` and `round open` refuse a text that still holds
one, or a git merge marker, naming its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .blockrules import FENCE

INSERT_OPEN, INSERT_CLOSE = "{++", "++}"
DELETE_OPEN, DELETE_CLOSE = "{--", "--}"
SUBSTITUTE_OPEN, SUBSTITUTE_ARROW, SUBSTITUTE_CLOSE = "{~~", "~>", "~~}"
COMMENT_OPEN, COMMENT_CLOSE = "{>>", "<<}"
HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "{==", "==}"


# -- writing ----------------------------------------------------------------------------

def insertion(text: str) -> str:
    return INSERT_OPEN + text + INSERT_CLOSE


def deletion(text: str) -> str:
    return DELETE_OPEN + text + DELETE_CLOSE


def substitution(old: str, new: str) -> str:
    return SUBSTITUTE_OPEN + old + SUBSTITUTE_ARROW + new + SUBSTITUTE_CLOSE


def comment(text: str) -> str:
    """A comment mark; a closing `<<}` inside the text would end it early, so it is dropped."""
    return COMMENT_OPEN + text.replace(COMMENT_CLOSE, "") + COMMENT_CLOSE


# -- accepting and rejecting --------------------------------------------------------------

def apply(text: str, *, accept: bool = True) -> str:
    """Accept (or reject) every CriticMarkup mark of a text.

    Comments and highlight marks are removed, keeping highlighted text. A line
    made only of marks that resolves to nothing (a block inserted or deleted as
    a whole) is dropped with its line end, as an editor would.
    """
    kept = []
    for line in text.split("\n"):
        pieces = _scan(line)
        only_marks = any(piece[0] != "text" for piece in pieces) and all(
            not piece[1].strip() for piece in pieces if piece[0] == "text")
        if only_marks and not _resolve(pieces, accept).strip():
            continue
        kept.append(line)
    return _resolve(_scan("\n".join(kept)), accept)


def _resolve(pieces: list[tuple[str, ...]], accept: bool) -> str:
    out = []
    for kind, *parts in pieces:
        if kind == "text" or kind == "highlight":
            out.append(parts[0])
        elif kind == "insert":
            out.append(parts[0] if accept else "")
        elif kind == "delete":
            out.append("" if accept else parts[0])
        elif kind == "substitute":
            out.append(parts[1] if accept else parts[0])
    return "".join(out)


_MARKS = {INSERT_OPEN: ("insert", INSERT_CLOSE), DELETE_OPEN: ("delete", DELETE_CLOSE),
          SUBSTITUTE_OPEN: ("substitute", SUBSTITUTE_CLOSE), COMMENT_OPEN: ("comment", COMMENT_CLOSE),
          HIGHLIGHT_OPEN: ("highlight", HIGHLIGHT_CLOSE)}


def _scan(text: str) -> list[tuple[str, ...]]:
    """Split text into ('text', s) and mark pieces; backslash escapes are kept and never open or close a mark."""
    pieces: list[tuple[str, ...]] = []
    plain: list[str] = []
    index = 0
    while index < len(text):
        ch = text[index]
        if ch == "\\" and index + 1 < len(text):
            plain.append(text[index:index + 2])
            index += 2
            continue
        opener = text[index:index + 3]
        if opener in _MARKS:
            kind, closer = _MARKS[opener]
            end = _find(text, closer, index + 3)
            if end != -1:
                if plain:
                    pieces.append(("text", "".join(plain)))
                    plain = []
                content = text[index + 3:end]
                if kind == "substitute":
                    arrow = _find(content, SUBSTITUTE_ARROW, 0)
                    old, new = (content[:arrow], content[arrow + 2:]) if arrow != -1 else (content, "")
                    pieces.append((kind, old, new))
                else:
                    pieces.append((kind, content))
                index = end + 3
                continue
        plain.append(ch)
        index += 1
    if plain:
        pieces.append(("text", "".join(plain)))
    return pieces


def _find(text: str, needle: str, start: int) -> int:
    index = start
    while index <= len(text) - len(needle):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(needle, index):
            return index
        index += 1
    return -1


# -- finding unresolved marks ---------------------------------------------------------------
# An unresolved change must never reach an official output: CriticMarkup (which a review
# import writes for a conflict) and git's merge markers are found with their line.

_CRITIC = re.compile(r"\{(\+\+|--|~~|==|>>)|(\+\+|--|~~|==|<<)\}")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_GIT_OPEN = re.compile(r"<{7}(?:\s|$)")
_GIT_BASE = re.compile(r"\|{7}(?:\s|$)")
_GIT_CLOSE = re.compile(r">{7}(?:\s|$)")
_GIT_ADVICE = "(the file is in the middle of a merge); resolve the conflict and remove the markers"


@dataclass(frozen=True)
class Marker:
    """An unresolved mark: its line, the mark itself (`{~~`, `<<<<<<<`), and what it is, as `check` says it."""

    line: int
    mark: str
    what: str


def find_markers(text: str, first_line: int = 1) -> list[Marker]:
    """Every CriticMarkup mark and git conflict marker line in a text, in order.

    Git's `=======` is also a setext heading underline; it counts as a marker only
    inside a `<<<<<<<` ... `>>>>>>>` region or when no text line stands above it.
    CriticMarkup inside `code` and fenced code blocks is left alone.
    """
    found: list[Marker] = []
    fence: str | None = None
    in_merge = False
    previous = ""
    for number, raw in enumerate(text.split("\n"), first_line):
        line = raw.rstrip()
        if _GIT_OPEN.match(line):
            in_merge = True
            found.append(Marker(number, "<<<<<<<", f"git conflict marker '<<<<<<<' {_GIT_ADVICE}"))
        elif _GIT_CLOSE.match(line) or _GIT_BASE.match(line):
            in_merge = in_merge and not _GIT_CLOSE.match(line)
            found.append(Marker(number, line[:7], f"git conflict marker '{line[:7]}' {_GIT_ADVICE}"))
        elif line == "=======" and (in_merge or not previous.strip()):
            found.append(Marker(number, "=======", f"git conflict marker '=======' {_GIT_ADVICE}"))
        else:
            stripped = line.strip()
            fence_match = FENCE.match(stripped)
            if fence and stripped.startswith(fence):
                fence = None
            elif fence is None and fence_match:
                fence = fence_match.group(1)
            elif fence is None:
                critic = _CRITIC.search(_CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line))
                if critic:
                    found.append(Marker(number, critic.group(0),
                                        f"CriticMarkup '{critic.group(0)}' (an unresolved change or review "
                                        "conflict); accept or reject it in the text"))
        previous = line
    return found


def conflict_markers(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, what) for every unresolved mark of a text (see find_markers)."""
    return [(marker.line, marker.what) for marker in find_markers(text, first_line)]
