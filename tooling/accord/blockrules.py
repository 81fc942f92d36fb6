"""Block rules of a statement's Markdown: where one block ends and the next begins, and what kind it is.

A block is a paragraph, heading, list item, table row, footnote definition or
fenced code block, with its whitespace collapsed. The canonical text (and so the
text hash), the review import, the rounds' compilation and the paragraph labels
all split a body with these rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WHITESPACE = re.compile(r"\s+")
HEADING = re.compile(r"#{1,6}(\s|$)")
LIST_ITEM = re.compile(r"([-*+]|\d{1,9}[.)]|#[.)]|\(?[a-zA-Z][.)])\s")
FOOTNOTE_DEF = re.compile(r"\[\^[^\]]+\]:")
FENCE = re.compile(r"(`{3,}|~{3,})")
_SETEXT = re.compile(r"(=+|-+)\s*")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff]")
TABLE_RULE = re.compile(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?")


@dataclass(frozen=True)
class SourceBlock:
    """One block of a body: its collapsed text, and the lines [start, end) and indent it came from."""

    text: str
    start: int = 0
    end: int = 0
    indent: str = ""

    @property
    def kind(self) -> str:
        return block_kind(self.text)


def block_kind(text: str) -> str:
    """heading, list, table, footnote, code or paragraph, from a block's collapsed text."""
    if text.startswith("|"):
        return "table"
    if FOOTNOTE_DEF.match(text):
        return "footnote"
    if HEADING.match(text):
        return "heading"
    if is_list_item(text):
        return "list"
    if FENCE.match(text):
        return "code"
    return "paragraph"


def markdown_blocks(body: str) -> list[str]:
    """Split a Markdown body into blocks, each with its whitespace collapsed.

    A block is a paragraph, heading, list item, table row, footnote definition or
    fenced code block. Only source layout is undone: re-wrapping, indentation and
    trailing spaces vanish, words and markup stay.
    """
    return [text for text, _, _ in _blocks(body.split("\n"))]


def source_blocks(body: str) -> list[SourceBlock]:
    """The blocks of markdown_blocks, each knowing the source lines it came from.

    The review import keeps every block nobody changed byte for byte, with its
    wrapping and indentation, by rewriting only the lines of changed blocks.
    """
    lines = body.split("\n")
    return [SourceBlock(text, start, end, _indent(lines[start])) for text, start, end in _blocks(lines)]


def _blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """(collapsed text, first line, line after the last) of each block of a body's lines.

    Every text hash runs through here, so each rule's regular expression is tried only on a
    line whose first character it could match.
    """
    blocks: list[tuple[str, int, int]] = []
    current: list[str] = []
    start = end = 0
    fence: str | None = None
    for index, raw_line in enumerate(lines):
        line = raw_line.strip()
        if fence:
            if not current:
                start = index
            current.append(line)
            end = index + 1
            if line.startswith(fence):
                fence = None
                blocks.append((_collapsed(current), start, end))
                current = []
            continue
        if not line:
            if current:
                blocks.append((_collapsed(current), start, end))
                current = []
            continue
        first = line[0]
        fence_match = FENCE.match(line) if first in "`~" else None
        if fence_match:
            if current:
                blocks.append((_collapsed(current), start, end))
            fence = fence_match.group(1)
            current = [line]
            start, end = index, index + 1
            continue
        if current and first in "=-" and _SETEXT.fullmatch(line) and not is_list_item(current[0]) \
                and not current[0].startswith("|"):
            current[0] = f"{'#' if first == '=' else '##'} {current[0]}"
            blocks.append((_collapsed(current), start, index + 1))
            current = []
            continue
        if first == "|" or "|" in line and TABLE_RULE.fullmatch(line):
            if current:
                blocks.append((_collapsed(current), start, end))
                current = []
            blocks.append((_table_row(line), index, index + 1))
            continue
        if first == "#" and HEADING.match(line):
            if current:
                blocks.append((_collapsed(current), start, end))
            heading = line.rstrip("#")
            blocks.append((_collapsed([heading.rstrip() if heading.strip() else line]), index, index + 1))
            current = []
            continue
        # As in pandoc, a list cannot interrupt a paragraph: a wrapped line that
        # happens to start with "2003. " continues it.
        starts_item = is_list_item(line) and (not current or is_list_item(current[0]))
        if starts_item or first == "[" and FOOTNOTE_DEF.match(line):
            if current:
                blocks.append((_collapsed(current), start, end))
                current = []
            if first in "*+" and line[1:2].isspace():
                line = "-" + line[1:]
        if not current:
            start = index
        current.append(line)
        end = index + 1
    if current:
        blocks.append((_collapsed(current), start, end))
    return blocks


def _collapsed(lines: list[str]) -> str:
    """A block's lines as one line with its whitespace collapsed (str.split's whitespace is the \\s of re)."""
    return " ".join(join_wrapped_lines(lines).split())


def join_wrapped_lines(lines: list[str]) -> str:
    """The lines of one block as one line: a line break is a space, except between two wide (CJK) characters.

    Chinese and Japanese put no space between words, so a break between two of their
    characters is no space either (as pandoc's `east_asian_line_breaks` reads it, with
    which builds are made): re-wrapping such a text keeps its hash. Hangul is not
    counted, as Korean spaces its words (and Korean builds go without the extension).
    Texts without such a break hash as before.
    """
    if len(lines) < 2 or "".join(lines).isascii():  # no wide character: every break is a space
        return " ".join(lines)
    joined = lines[0]
    for line in lines[1:]:
        if joined and line and _is_wide(joined[-1]) and _is_wide(line[0]):
            joined += line
        else:
            joined += " " + line
    return joined


def _is_wide(character: str) -> bool:
    """A wide character of a script written without spaces: not Hangul, since Korean spaces its words."""
    return unicodedata.east_asian_width(character) in ("W", "F") and not _HANGUL.match(character)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def is_list_item(line: str) -> bool:
    return bool(LIST_ITEM.match(line))


def _table_row(line: str) -> str:
    cells = [" ".join(cell.split()) for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
    if all(re.fullmatch(r":?-+:?", cell) for cell in cells if cell):
        cells = [(":" if cell.startswith(":") else "") + "---" + (":" if cell.endswith(":") and len(cell) > 1 else "")
                 for cell in cells]
    return "| " + " | ".join(cells) + " |"
