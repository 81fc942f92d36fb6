"""Statement source as blocks that remember their lines, and a body rewritten from merged blocks.

The blocks are `blockrules.source_blocks`, the very blocks of the canonical text;
each knows which source lines it came from, so a merge can keep every block
nobody changed byte for byte, with its wrapping and indentation.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from ..blockrules import FENCE, FOOTNOTE_DEF, HEADING, SourceBlock, is_list_item
from ..blockrules import block_kind as block_kind
from ..blockrules import source_blocks as canonical_blocks

Block = SourceBlock   # the review's name for one block of a statement's source

FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_EMPTY_ROW = re.compile(r"\|(?:[ \t]*\|)+")
_RULE_ROW = re.compile(r"\| ?:?-+:?(?: \| :?-+:?)* ?\|")


def source_blocks(body: str) -> list[Block]:
    """The canonical blocks, but a table row whose cells are all empty reads `|  |  |`, not `| --- | --- |`.

    The canonical text writes both an empty row and a table's rule as `| --- |`; the
    import must tell them apart: a rule starts a table's body, an empty row is a row
    (written back as a rule it would read as a row of dashes).
    """
    lines = body.split("\n")
    blocks = canonical_blocks(body)
    for index, block in enumerate(blocks):
        if block.end == block.start + 1 and _EMPTY_ROW.fullmatch(lines[block.start].strip()):
            cells = lines[block.start].strip().count("|") - 1
            blocks[index] = Block("|" + "  |" * cells, block.start, block.end, block.indent)
    return blocks


def is_rule_row(text: str) -> bool:
    """A table's rule (`| --- | :--- |`), as a block's text reads it."""
    return bool(_RULE_ROW.fullmatch(text))


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
    if len(original) > 1 and all(line.lstrip().startswith(">") for line in original):
        return _requote(original, text, indent)
    if len(original) < 2 or any(FENCE.match(line.strip()) for line in original):
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
    if (len(candidate) != 1 or candidate[0].text != text
            or any(_starts_a_block(line.strip()) for line in result[1:])):
        return [indent + text]
    return result


_QUOTE_MARK = re.compile(r"(?:^|(?<=\s))>(?=\s|$)")


def _requote(original: list[str], text: str, indent: str) -> list[str]:
    """A block quote of several lines (several paragraphs, `>` lines between them) in its own line shape.

    A block's text holds every line's `>`; the ones that began a line in the
    original begin a line again, counted in order, so an edited quote keeps its
    paragraphs instead of running them into one line of literal `> >`.
    """
    old_text = " ".join(line.strip() for line in original)
    old_marks = [m.start() for m in _QUOTE_MARK.finditer(old_text)]
    line_starts, offset = set(), 0
    for line in original:
        line_starts.add(offset)
        offset += len(line.strip()) + 1
    breaking = [n for n, at in enumerate(old_marks) if at in line_starts and n > 0]
    new_marks = [m.start() for m in _QUOTE_MARK.finditer(text)]
    if len(new_marks) != len(old_marks):
        breaking = list(range(1, len(new_marks)))
    cuts = [0] + [new_marks[n] for n in breaking] + [len(text)]
    lines = [text[start:end].strip() for start, end in zip(cuts, cuts[1:])]
    return [indent + line for line in lines if line]


def _starts_a_block(line: str) -> bool:
    """Whether a wrapped line would start a new block in some Markdown reader (pandoc's or Word's import)."""
    return bool(is_list_item(line) or HEADING.match(line) or FOOTNOTE_DEF.match(line)
                or line.startswith(("|", ">")))


def _separator(lines: list[str], ours: list[Block], before: Piece, after: Piece) -> list[str]:
    """The blank lines between two pieces: as in ours where it had them side by side.

    Table rows always stay together (a blank line would end the table); other
    blocks never run together unless both are list items.
    """
    kinds = {block_kind(before.text), block_kind(after.text)}
    left, right = _position(before), _position(after)
    if kinds == {"table"}:  # two tables side by side in ours keep the blank line between them
        return lines[ours[left].end:ours[right].start] if left is not None and right == left + 1 else []
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
