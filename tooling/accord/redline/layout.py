"""Helpers every renderer shares: rebuilding lists and quotes, list markers, formatting groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .blocks import Frame, Token
from .ops import DELETE, INSERT, MOVE_FROM, BlockOp, NoteChange


@dataclass
class ListNode:
    """A list rebuilt from consecutive blocks sharing a list frame: items, each a list of nodes."""

    frame: Frame
    items: list[list]
    first: BlockOp


@dataclass
class QuoteNode:
    """A block quote rebuilt from consecutive blocks sharing a quote frame."""

    children: list


def nest(ops: Sequence[BlockOp], depth: int = 0) -> list:
    """Group a flat run of block operations into BlockOps, ListNodes and QuoteNodes by their frames."""
    out: list = []
    index = 0
    while index < len(ops):
        frames = ops[index].block.frames
        if len(frames) <= depth:
            out.append(ops[index])
            index += 1
            continue
        frame = frames[depth]
        end = index + 1
        while end < len(ops) and len(ops[end].block.frames) > depth and ops[end].block.frames[depth] == frame:
            end += 1
        group = ops[index:end]
        if frame.is_list:
            items: list[list[BlockOp]] = []
            for op in group:
                if depth in op.block.item_starts or not items:
                    items.append([])
                items[-1].append(op)
            out.append(ListNode(frame, [nest(item, depth + 1) for item in items], group[0]))
        else:
            out.append(QuoteNode(nest(group, depth + 1)))
        index = end
    return out


# -- list markers --------------------------------------------------------------------

def list_marker(frame: Frame, number: int | None) -> str:
    """The Markdown marker of an item: '-' or '3.', 'b)', '(iv)' ..."""
    if frame.kind == "bullet":
        return "-"
    number = number or frame.start or 1
    label = _number_label(frame.style, number)
    if frame.delim == "OneParen":
        return f"{label})"
    if frame.delim == "TwoParens":
        return f"({label})"
    return f"{label}."


def _number_label(style: str, number: int) -> str:
    if style in ("LowerAlpha", "UpperAlpha") and 1 <= number <= 26:
        label = chr(ord("a") + number - 1)
        return label.upper() if style == "UpperAlpha" else label
    if style in ("LowerRoman", "UpperRoman") and number >= 1:
        label = _roman(number)
        return label if style == "UpperRoman" else label.lower()
    return str(number)


def _roman(number: int) -> str:
    out = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


# -- tokens in runs -----------------------------------------------------------------

def run_items(op: BlockOp) -> list[tuple[str, Token | NoteChange]]:
    """(op, token) pairs of a block's runs; whole-block ops give every token that op."""
    whole = {INSERT: INSERT, DELETE: DELETE, MOVE_FROM: DELETE}.get(op.op)
    return [(whole or run.op, token) for run in op.runs for token in run.tokens]


def effective_marks(items: Sequence[tuple[str, Token | NoteChange]]) -> list[tuple]:
    """Marks for grouping: a space between two words sharing formatting takes that formatting,
    so `[two words](url)` stays one link and `*two words*` one emphasis."""
    marks = [token.marks for _, token in items]
    for index, (_, token) in enumerate(items):
        if token.kind == "space" and 0 < index < len(items) - 1:
            before, after = marks[index - 1], items[index + 1][1].marks
            common = []
            for left, right in zip(before, after):
                if left != right:
                    break
                common.append(left)
            marks[index] = tuple(common)
    return marks


def edge_spaces(items, start: int, end: int) -> tuple[int, int]:
    """items[start:end] without its leading and trailing spaces, as (first, last), if any word is left.
    Display renderers show those spaces outside an edit's mark: `a {+new+} word`."""
    first, last = start, end
    while first < last and items[first][1].kind == "space":
        first += 1
    while last > first and items[last - 1][1].kind == "space":
        last -= 1
    return (first, last) if first < last else (start, end)


class NoteCounter:
    """Numbers footnotes in the order a renderer meets them."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        self.count += 1
        return self.count


# -- moves ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MovePlace:
    """Where a moved block came from and went to: the sections around both ends."""

    old_section: str
    new_section: str
    down: bool


def plain_text(tokens) -> str:
    """The text of tokens without footnotes, whitespace collapsed."""
    return " ".join("".join(t.text for t in tokens if t.kind != "note").split())


def move_places(ops: Sequence[BlockOp]) -> dict[int, MovePlace]:
    """For each move id, the heading above its old place (in the old text) and its new place."""
    old_section = new_section = ""
    sources: dict[int, tuple[int, str]] = {}
    targets: dict[int, tuple[int, str]] = {}
    for index, op in enumerate(ops):
        if op.block.kind == "heading":
            if op.op in ("equal", "change", "delete", "move-from"):
                old_section = plain_text(op.old.tokens if op.old is not None else op.block.tokens)
            if op.op in ("equal", "change", "insert", "move-to"):
                new_section = plain_text(op.block.tokens)
        if op.op == "move-from":
            sources[op.move] = (index, old_section)
        elif op.op == "move-to":
            targets[op.move] = (index, new_section)
    return {move: MovePlace(sources[move][1], targets[move][1], targets[move][0] > sources[move][0])
            for move in sources if move in targets}
