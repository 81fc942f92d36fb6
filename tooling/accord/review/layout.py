"""Statement source as blocks that remember their lines, and a body rewritten from merged blocks.

The blocks are exactly `statement.markdown_blocks` (a test holds the two
together); each also knows which source lines it came from, so a merge can keep
every block nobody changed byte for byte, with its wrapping and indentation.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from ..statement import _FENCE, _FOOTNOTE_DEF, _HEADING, _SETEXT, _TABLE_RULE, _WS, _is_list_item, _table_row

FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")


@dataclass(frozen=True)
class Block:
    """One block: its collapsed text, and the lines [start, end) of the source it came from."""

    text: str
    start: int = 0
    end: int = 0
    indent: str = ""

    @property
    def kind(self) -> str:
        return block_kind(self.text)


def block_kind(text: str) -> str:
    if text.startswith("|"):
        return "table"
    if _FOOTNOTE_DEF.match(text):
        return "footnote"
    if _HEADING.match(text):
        return "heading"
    if _is_list_item(text):
        return "list"
    if _FENCE.match(text):
        return "code"
    return "paragraph"


def source_blocks(body: str) -> list[Block]:
    """Split a body like `markdown_blocks`, keeping each block's line span and first-line indent."""
    lines = body.split("\n")
    blocks: list[Block] = []
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
            first = lines[span[0]]
            blocks.append(Block(_WS.sub(" ", " ".join(current)).strip(), span[0], span[1],
                                first[:len(first) - len(first.lstrip())]))
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
        fence_match = _FENCE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)
            add(index, line)
            continue
        if current and _SETEXT.fullmatch(line) and not _is_list_item(current[0]) and not current[0].startswith("|"):
            level = "#" if line[0] == "=" else "##"
            current[0] = f"{level} {current[0]}"
            span[1] = index + 1
            flush()
            continue
        if line.startswith("|") or _TABLE_RULE.fullmatch(line) and "|" in line:
            flush()
            first = lines[index]
            blocks.append(Block(_table_row(line), index, index + 1, first[:len(first) - len(first.lstrip())]))
            continue
        if _HEADING.match(line):
            flush()
            add(index, line.rstrip("#").rstrip() if line.rstrip("#").strip() else line)
            flush()
            continue
        if _is_list_item(line) or _FOOTNOTE_DEF.match(line):
            flush()
            if line[0] in "*+" and line[1:2].isspace():
                line = "-" + line[1:]
        add(index, line)
    flush()
    return blocks


@dataclass(frozen=True)
class Piece:
    """One block of a merged body: a block of ours kept verbatim (`keep`), or new text.

    `at` is the block of ours the piece stands in for (for indentation and the
    blank lines around it), or None for a block with no counterpart.
    """

    text: str
    keep: int | None = None
    at: int | None = None
    indent: str = ""


def render_body(ours_body: str, ours: list[Block], pieces: list[Piece]) -> str:
    """Write a body from merged pieces, copying the source lines of every block kept from ours."""
    if not ours:
        return "\n\n".join(piece.indent + piece.text for piece in pieces) + "\n"
    lines = ours_body.split("\n")
    out: list[str] = lines[:ours[0].start]
    previous: Piece | None = None
    for piece in pieces:
        if previous is not None:
            out.extend(_separator(lines, ours, previous, piece))
        if piece.keep is not None:
            block = ours[piece.keep]
            out.extend(lines[block.start:block.end])
        elif piece.at is not None:
            block = ours[piece.at]
            out.extend(rewrap(lines[block.start:block.end], piece.text))
        else:
            out.append(piece.indent + piece.text)
        previous = piece
    out.extend(lines[ours[-1].end:] or [""])
    text = "\n".join(out)
    return text if text.endswith("\n") else text + "\n"


def rewrap(original: list[str], text: str) -> list[str]:
    """An edited block in the shape of the original: unchanged leading and trailing lines kept as they
    were, the lines in between wrapped to the original's width and indentation.

    A block that was one line stays one line; a wrapping that would read as
    different Markdown (a line starting like a list item) falls back to one line.
    """
    indent = original[0][:len(original[0]) - len(original[0].lstrip())]
    if len(original) < 2 or any(_FENCE.match(line.strip()) for line in original):
        return [indent + text]
    texts = [line.strip() for line in original]
    head = 0
    while head < len(texts) - 1 and text.startswith(" ".join(texts[:head + 1]) + " "):
        head += 1
    tail = 0
    while (tail < len(texts) - head - 1
           and text.endswith(" " + " ".join(texts[len(texts) - tail - 1:]))
           and len(" ".join(texts[:head])) + len(" ".join(texts[len(texts) - tail - 1:])) + 2 <= len(text)):
        tail += 1
    continuation = original[1][:len(original[1]) - len(original[1].lstrip())]
    width = max(len(line) for line in original)
    while True:
        start = len(" ".join(texts[:head])) + (1 if head else 0)
        end = len(text) - len(" ".join(texts[len(texts) - tail:])) - (1 if tail else 0)
        wrapped = textwrap.wrap(text[start:end].strip(), width=width,
                                initial_indent=indent if head == 0 else continuation,
                                subsequent_indent=continuation, break_long_words=False, break_on_hyphens=False)
        # A longer middle flows on into the kept lines after it, as re-filling a paragraph would.
        if len(wrapped) <= len(texts) - head - tail or tail == 0:
            break
        tail -= 1
    result = original[:head] + wrapped + (original[len(original) - tail:] if tail else [])
    candidate = source_blocks("\n".join(result))
    if len(candidate) != 1 or candidate[0].text != text:
        return [indent + text]
    return result


def _separator(lines: list[str], ours: list[Block], before: Piece, after: Piece) -> list[str]:
    """The blank lines between two pieces: as in ours where it had them side by side.

    Table rows always stay together (a blank line would end the table); other
    blocks never run together unless both are list items.
    """
    kinds = {block_kind(before.text), block_kind(after.text)}
    if kinds == {"table"}:
        return []
    left, right = _position(before), _position(after)
    if left is not None and right == left + 1:
        return lines[ours[left].end:ours[right].start]
    if left is not None and left + 1 < len(ours) and right is None:
        gap = lines[ours[left].end:ours[left + 1].start]
    elif right is not None and right > 0:
        gap = lines[ours[right - 1].end:ours[right].start]
    else:
        gap = [""]
    if not gap and kinds != {"list"}:
        gap = [""]
    return gap


def _position(piece: Piece) -> int | None:
    return piece.keep if piece.keep is not None else piece.at
