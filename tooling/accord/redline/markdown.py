"""CriticMarkup: a redline as Markdown with {++ ++}, {-- --}, {~~ ~> ~~} and {>> <<} marks, and applying them.

Each block is one line (tables one line per row) and no mark crosses a block
boundary. A block inserted or deleted as a whole carries its marker inside the
mark (`{--## Heading--}`), so applying the marks leaves no empty list item,
heading or table row behind: a line made only of marks that resolve to nothing
is dropped. Moved blocks are a deletion and an insertion, each with a comment
naming the move, so accepting or rejecting every mark gives one text or the other.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import criticmarkup
from .align import whole_runs
from .blocks import Token
from .layout import MovePlace, NoteCounter, effective_marks, list_marker, move_places, run_items
from .ops import CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, NoteChange, Redline, runs

# Backslash-escaped everywhere: they could open markup, or a CriticMarkup mark.
_ESCAPE = frozenset('\\`*_[]{}<>|~^$@&#"\'')
# Backslash-escaped near the start of a block, where they could make a list, quote or heading.
_LEAD_ESCAPE = frozenset("-+>#.):=(!%")
_ALIGN = {"AlignLeft": ":---", "AlignRight": "---:", "AlignCenter": ":---:"}
_OPEN = {INSERT: criticmarkup.INSERT_OPEN, DELETE: criticmarkup.DELETE_OPEN}
_MARK = {INSERT: criticmarkup.insertion, DELETE: criticmarkup.deletion}


def render_markdown(redline: Redline) -> str:
    """The whole newer text as Markdown with CriticMarkup marks; the title is a level-1 heading.

    Applying every mark (`criticmarkup.apply`) gives the newer text's blocks and
    words; rejecting every mark gives the older text's.
    """
    return _Writer(redline.ops).document()


class _Writer:
    def __init__(self, ops: Sequence[BlockOp]) -> None:
        self.ops = ops
        self.counter = NoteCounter()
        self.notes: list[tuple[int, str, NoteChange]] = []
        self.moves: dict[int, MovePlace] = move_places(ops)

    def document(self) -> str:
        chunks = [self.block(op) for op in self.ops]
        while self.notes:
            number, run_op, note = self.notes.pop(0)
            chunks.append(self.note_definition(number, run_op, note))
        return "\n\n".join("\n".join(chunk) for chunk in chunks if chunk) + "\n"

    # -- blocks ------------------------------------------------------------------
    def block(self, op: BlockOp, lead: str = "") -> list[str]:
        """Lines of one block; `lead` is indentation or a note label that stays outside any mark."""
        block = op.block
        indent, marker = self.prefix(op)
        lead = lead + indent
        if block.kind == "table":
            return [lead + line for line in self.table(op)]
        if block.kind == "code":
            return [lead + line for line in self.code(op)]
        if block.kind == "rule":
            return [lead + self.whole(op, marker + "* * *")]
        if op.op in (EQUAL, CHANGE):
            return [lead + marker + self.inline(run_items(op))]
        runs = op.runs if op.op != MOVE_TO else whole_runs(block.tokens, INSERT)
        text = self.inline([(EQUAL, t) for run in runs for t in run.tokens], notes_as=_whole_op(op))
        return [lead + self.whole(op, marker + text)]

    def whole(self, op: BlockOp, text: str) -> str:
        kind = _whole_op(op)
        if kind == EQUAL:
            return text
        line = _MARK[kind](text)
        if op.op in (MOVE_FROM, MOVE_TO):
            line += criticmarkup.comment(self.move_comment(op))
        return line

    def move_comment(self, op: BlockOp) -> str:
        place = self.moves.get(op.move)
        if place is None:
            return f"move {op.move}"
        if op.op == MOVE_FROM:
            where = f' to "{place.new_section}"' if place.new_section != place.old_section else (
                " down" if place.down else " up")
            text = f"moved{where} (move {op.move})"
        else:
            where = f' from "{place.old_section}"' if place.new_section != place.old_section else (
                " from above" if place.down else " from below")
            text = f"moved here{where} (move {op.move})"
        return text

    def prefix(self, op: BlockOp) -> tuple[str, str]:
        """(indentation, marker): spaces that stay outside marks, and the heading/list/quote marker."""
        block = op.block
        if block.kind == "title":
            return "", "# "
        parts: list[str] = []
        for depth, frame in enumerate(block.frames):
            if frame.kind == "quote":
                parts.append("> ")
            elif depth in block.item_starts:
                marker = list_marker(frame, block.number)
                parts.append(marker + " " * max(1, 4 - len(marker)))
            else:
                parts.append("    ")
        if block.kind == "heading":
            parts.append("#" * block.level + " ")
        text = "".join(parts)
        stripped = text.lstrip(" ")
        return text[:len(text) - len(stripped)], stripped

    def code(self, op: BlockOp) -> list[str]:
        def fenced(tokens) -> list[str]:
            text = "".join(t.text for t in tokens)
            fence = "```" if "```" not in text else "~~~~"
            return [fence, *text.split("\n"), fence]

        if op.op == EQUAL:
            return fenced(op.block.tokens)
        lines = []
        if op.op in (CHANGE, DELETE, MOVE_FROM):
            source = op.old if op.op == CHANGE else op.block
            lines += [criticmarkup.deletion(line) for line in fenced(source.tokens)]
        if op.op in (CHANGE, INSERT, MOVE_TO):
            lines += [criticmarkup.insertion(line) for line in fenced(op.block.tokens)]
        return lines

    def table(self, op: BlockOp) -> list[str]:
        columns = max((len(row.cells) for row in op.rows), default=0) or 1
        head = [row for row in op.rows if row.head]
        body = [row for row in op.rows if not row.head]
        lines = []
        # A pipe table needs a header line; a headerless side gets a blank one of its own.
        blank = "|" + "   |" * columns
        new_headless = all(row.op == DELETE for row in head)
        old_headless = all(row.op == INSERT for row in head)
        if (new_headless and old_headless) or _whole_op(op) != EQUAL:
            if new_headless and old_headless:
                lines.append(blank)
        elif new_headless:
            lines.append(criticmarkup.insertion(blank))
        elif old_headless:
            lines.append(criticmarkup.deletion(blank))
        lines += [self.row(row, columns) for row in head]
        aligns = list(op.block.table.aligns) + ["AlignDefault"] * columns
        lines.append("|" + "|".join(_ALIGN.get(a, "---") for a in aligns[:columns]) + "|")
        lines += [self.row(row, columns) for row in body]
        if op.caption:
            lines.append("")
            lines.append(": " + " ".join(self.cell_text(c) for c in op.caption))
        kind = _whole_op(op)
        if kind != EQUAL:  # a whole table in or out: every line goes with it
            lines = [line if not line or line.startswith(_OPEN[kind]) else _MARK[kind](line)
                     for line in lines]
        return lines

    def row(self, row, columns: int) -> str:
        if row.op in (INSERT, DELETE):
            cells = [" ".join(self.inline([(EQUAL, t) for r in b.runs for t in r.tokens], notes_as=row.op)
                              for b in cell) for cell in row.cells]
            cells += [""] * (columns - len(cells))
            return _MARK[row.op]("| " + " | ".join(cells) + " |")
        cells = [" ".join(self.cell_text(op) for op in cell) for cell in row.cells]
        cells += [""] * (columns - len(cells))
        return "| " + " | ".join(cells) + " |"

    def cell_text(self, op: BlockOp) -> str:
        if op.op in (EQUAL, CHANGE):
            return self.inline(run_items(op))
        kind = _whole_op(op)
        text = self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], notes_as=kind)
        return _MARK[kind](text)

    def note_definition(self, number: int, run_op: str, note: NoteChange) -> list[str]:
        lines: list[str] = []
        for index, op in enumerate(note.ops):
            label = f"[^{number}]: " if index == 0 else "    "
            if run_op == EQUAL:
                block_lines = self.block(op, lead=label)
            else:
                # The reference itself is inserted or deleted: the whole definition goes with it.
                indent, marker = self.prefix(op)
                text = self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], notes_as=run_op)
                block_lines = [indent + _MARK[run_op](f"{label}{marker}{text}")]
            if lines:
                lines.append("")
            lines += block_lines
        return lines

    # -- inline ------------------------------------------------------------------
    def inline(self, items: list[tuple[str, Token | NoteChange]], notes_as: str = EQUAL) -> str:
        """Markdown of a block's tokens with critic marks.

        Marks go outside formatting (`{~~*all* children~>*every* child~~}`), except where one
        formatted stretch holds several edits: then the formatting goes outside
        (`*all {++the ++}children*`), so that accepting or rejecting leaves it whole."""
        lead = _lead_positions(items)
        marks = effective_marks(items)
        out: list[str] = []
        plain_start = 0
        for index, end, mark in runs(marks[:len(items)], lambda mark: mark[0] if mark else None):
            if mark is not None and len({items[i][0] for i in range(index, end)}) > 1:
                out.append(self._ops_first(items, marks, plain_start, index, lead, notes_as))
                out.append(self._formatted(items, marks, index, end, 0, mark, lead, notes_as))
                plain_start = end
        out.append(self._ops_first(items, marks, plain_start, len(items), lead, notes_as))
        return "".join(out)

    def _ops_first(self, items, marks, start: int, end: int, lead: set, notes_as: str) -> str:
        out: list[str] = []
        index = start
        while index < end:
            op = items[index][0]
            stop = index + 1
            while stop < end and items[stop][0] == op:
                stop += 1
            text = self._plain(items, marks, index, stop, lead, op if op != EQUAL else notes_as)
            if op == DELETE and stop < end and items[stop][0] == INSERT:
                after = stop + 1
                while after < end and items[after][0] == INSERT:
                    after += 1
                new_text = self._plain(items, marks, stop, after, lead, INSERT)
                out.append(criticmarkup.substitution(text, new_text))
                stop = after
            elif op == EQUAL:
                out.append(text)
            else:
                out.append(_MARK[op](text))
            index = stop
        return "".join(out)

    def _plain(self, items, marks, start: int, end: int, lead: set, note_op: str) -> str:
        """Tokens with their formatting and no critic marks (their notes counted as note_op)."""
        group = list(range(start, end))
        sub_items = [(EQUAL, items[i][1]) for i in group]
        sub_lead = {x for x, i in enumerate(group) if i in lead}
        return self._group(sub_items, [marks[i] for i in group], 0, sub_lead, note_op)

    def _group(self, items, marks, depth: int, lead: set, notes_as: str) -> str:
        out: list[str] = []
        for index, end, mark in runs(marks[:len(items)], lambda mark: mark[depth] if len(mark) > depth else None):
            if mark is None:
                out.append(self._ops(items, index, end, lead, notes_as))
            else:
                out.append(self._formatted(items, marks, index, end, depth, mark, lead, notes_as))
        return "".join(out)

    def _formatted(self, items, marks, start, end, depth, mark, lead, notes_as) -> str:
        group = list(range(start, end))
        ops = {items[i][0] for i in group}
        new_side = [i for i in group if items[i][0] != DELETE]
        old_side = [i for i in group if items[i][0] != INSERT]
        if len(ops) > 1 and _clean_edges(items, new_side) and _clean_edges(items, old_side):
            inner = self._group_subset(items, marks, group, depth + 1, lead, notes_as)
            return _wrap(mark, inner)
        # Mixed edits that would leave the formatting empty or space-edged on one side:
        # show the old and the new formatted stretch whole.
        out = []
        for side, op in ((old_side, DELETE), (new_side, INSERT)):
            if not side:
                continue
            op_here = op if len(ops) > 1 else items[side[0]][0]
            sub = [(EQUAL, items[i][1]) for i in side]
            sub_marks = [marks[i] for i in side]
            left, core, right = _strip_spaces(sub, sub_marks)
            inner = self._group([sub[i] for i in core], [sub_marks[i] for i in core], depth + 1,
                                {x for x in range(len(core)) if side[core[x]] in lead} if core else set(),
                                op_here if op_here != EQUAL else notes_as)
            text = " " * left + _wrap(mark, inner) + " " * right
            out.append(text if op_here == EQUAL else _MARK[op_here](text))
            if op_here == EQUAL:
                break
        return "".join(out)

    def _group_subset(self, items, marks, group, depth, lead, notes_as) -> str:
        sub_items = [items[i] for i in group]
        sub_marks = [marks[i] for i in group]
        sub_lead = {x for x, i in enumerate(group) if i in lead}
        return self._group(sub_items, sub_marks, depth, sub_lead, notes_as)

    def _ops(self, items, start, end, lead, notes_as) -> str:
        out: list[str] = []
        index = start
        while index < end:
            op = items[index][0]
            stop = index + 1
            while stop < end and items[stop][0] == op:
                stop += 1
            text = "".join(self.token(items[i][1], i in lead, op if op != EQUAL else notes_as)
                           for i in range(index, stop))
            if op == EQUAL:
                out.append(text)
            elif op == DELETE and stop < end and items[stop][0] == INSERT:
                after = stop + 1
                while after < end and items[after][0] == INSERT:
                    after += 1
                new_text = "".join(self.token(items[i][1], i in lead, INSERT) for i in range(stop, after))
                out.append(criticmarkup.substitution(text, new_text))
                stop = after
            else:
                out.append(_MARK[op](text))
            index = stop
        return "".join(out)

    def token(self, token: Token | NoteChange, lead: bool, note_op: str) -> str:
        if isinstance(token, NoteChange):
            number = self.counter.next()
            self.notes.append((number, note_op, token))
            return f"[^{number}]"
        kind = token.kind
        if kind == "space":
            return " "
        if kind == "break":
            return "\\\n"
        if kind == "code":
            return _code_span(token.text)
        if kind == "math":
            fence = "$$" if token.data and token.data[0] == "DisplayMath" else "$"
            return f"{fence}{token.text}{fence}"
        if kind == "image":
            src, title = token.data
            title_part = f' "{_escape(title)}"' if title else ""
            return f"![{_escape(token.text)}](<{src}>{title_part})"
        if kind == "note":  # a footnote token outside any run (not produced by compare)
            return ""
        text = _escape(token.text)
        if lead and token.text and all(ch in _LEAD_ESCAPE for ch in token.text):
            text = "".join("\\" + ch for ch in token.text)
        return text


def _whole_op(op: BlockOp) -> str:
    return {INSERT: INSERT, MOVE_TO: INSERT, DELETE: DELETE, MOVE_FROM: DELETE}.get(op.op, EQUAL)


def _lead_positions(items) -> set[int]:
    """Indexes of the first three tokens on either side, where punctuation could start markup."""
    lead: set[int] = set()
    for side in (None, DELETE, INSERT):
        picked = [i for i, (op, _) in enumerate(items) if op != side][:3]
        lead.update(picked)
    return lead


def _clean_edges(items, side: list[int]) -> bool:
    if not side:
        return False
    first, last = items[side[0]][1], items[side[-1]][1]
    return first.kind not in ("space", "break") and last.kind not in ("space", "break")


def _strip_spaces(sub, sub_marks) -> tuple[int, list[int], int]:
    indexes = list(range(len(sub)))
    left = right = 0
    while indexes and sub[indexes[0]][1].kind == "space":
        indexes.pop(0)
        left += 1
    while indexes and sub[indexes[-1]][1].kind == "space":
        indexes.pop()
        right += 1
    return min(left, 1), indexes, min(right, 1)


def _wrap(mark: tuple, inner: str) -> str:
    name = mark[0]
    if name == "emph":
        return f"*{inner}*"
    if name == "strong":
        return f"**{inner}**"
    if name == "strikeout":
        return f"~~{inner}~~"
    if name == "superscript":
        return f"^{inner}^"
    if name == "subscript":
        return f"~{inner}~"
    if name == "underline":
        return f"[{inner}]{{.underline}}"
    if name == "smallcaps":
        return f"[{inner}]{{.smallcaps}}"
    if name == "link":
        _, url, title = mark
        title_part = f' "{_escape(title)}"' if title else ""
        return f"[{inner}](<{url}>{title_part})"
    return inner


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in _ESCAPE else ch for ch in text)


def _code_span(text: str) -> str:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
