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
    return [block.text for block in source_blocks(body)]


def source_blocks(body: str) -> list[SourceBlock]:
    """The blocks of markdown_blocks, each knowing the source lines it came from.

    The review import keeps every block nobody changed byte for byte, with its
    wrapping and indentation, by rewriting only the lines of changed blocks.
    """
    lines = body.split("\n")
    blocks: list[SourceBlock] = []
    current: list[str] = []
    span = [0, 0]
    fence: str | None = None

    def add(index: int, line: str) -> None:
        if not current:
            span[0] = index
        current.append(line)
        span[1] = index + 1

    def flush() -> None:
        if current:
            blocks.append(SourceBlock(WHITESPACE.sub(" ", join_wrapped_lines(current)).strip(), span[0], span[1],
                                      _indent(lines[span[0]])))
            current.clear()

    for index, raw_line in enumerate(lines):
        line = raw_line.strip()
        if fence:
            add(index, line)
            if line.startswith(fence):
                fence = None
                flush()
            continue
        if not line:
            flush()
            continue
        fence_match = FENCE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)
            add(index, line)
            continue
        if current and _SETEXT.fullmatch(line) and not is_list_item(current[0]) and not current[0].startswith("|"):
            current[0] = f"{'#' if line[0] == '=' else '##'} {current[0]}"
            span[1] = index + 1
            flush()
            continue
        if line.startswith("|") or TABLE_RULE.fullmatch(line) and "|" in line:
            flush()
            blocks.append(SourceBlock(_table_row(line), index, index + 1, _indent(raw_line)))
            continue
        if HEADING.match(line):
            flush()
            add(index, line.rstrip("#").rstrip() if line.rstrip("#").strip() else line)
            flush()
            continue
        # As in pandoc, a list cannot interrupt a paragraph: a wrapped line that
        # happens to start with "2003. " continues it.
        starts_item = is_list_item(line) and (not current or is_list_item(current[0]))
        if starts_item or FOOTNOTE_DEF.match(line):
            flush()
            if line[0] in "*+" and line[1:2].isspace():
                line = "-" + line[1:]
        add(index, line)
    flush()
    return blocks


def join_wrapped_lines(lines: list[str]) -> str:
    """The lines of one block as one line: a line break is a space, except between two wide (CJK) characters.

    Chinese and Japanese put no space between words, so a break between two of their
    characters is no space either (as pandoc's `east_asian_line_breaks` reads it, with
    which builds are made): re-wrapping such a text keeps its hash. Hangul is not
    counted, as Korean spaces its words (and Korean builds go without the extension).
    Texts without such a break hash as before.
    """
    joined = lines[0] if lines else ""
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
    cells = [WHITESPACE.sub(" ", cell).strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
    if all(re.fullmatch(r":?-+:?", cell) for cell in cells if cell):
        cells = [(":" if cell.startswith(":") else "") + "---" + (":" if cell.endswith(":") and len(cell) > 1 else "")
                 for cell in cells]
    return "| " + " | ".join(cells) + " |"
