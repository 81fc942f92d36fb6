"""The terminal rendering: changed blocks only, under `@@ section @@` lines, `[-old-]{+new+}` or colour."""

from __future__ import annotations

from .blocks import Token
from .layout import MovePlace, NoteCounter, edge_spaces, list_marker, move_places, plain_text, run_items
from .ops import CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, Counts, NoteChange, Redline, runs

_PLAIN = {DELETE: ("[-", "-]"), INSERT: ("{+", "+}")}
_COLOUR = {DELETE: ("\x1b[31;9m", "\x1b[m"), INSERT: ("\x1b[32m", "\x1b[m")}
_MOVE_COLOUR = ("\x1b[36m", "\x1b[m")


def render_term(redline: Redline, *, color: bool = False, old_label: str = "old", new_label: str = "new",
                labels=None) -> str:
    """Changed blocks of the redline with their section headings; 'No changes.' when there are none.

    `labels` (accord.labels.RedlineLabels) shows each block's paragraph label (`10(j)`) instead of the
    list number the Markdown typed, and the older label where it changed."""
    lines = [f"--- {old_label}", f"+++ {new_label}"]
    if not redline.changed:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    lines.append(summary(redline.counts))
    writer = _Writer(color, move_places(redline.ops), labels)
    section: str | None = None
    shown_section: str | None = None
    for op in redline.ops:
        is_heading = op.block.kind == "heading"
        if op.changed:
            lines.append("")
            if not is_heading and op.block.kind != "title" and section is not None and section != shown_section:
                lines.append(writer.paint_section(section))
                shown_section = section
            lines += writer.block(op)
        if is_heading and op.op not in (DELETE, MOVE_FROM):
            section = plain_text(op.block.tokens)
            if op.changed:
                shown_section = section
    return "\n".join(lines) + "\n"


def summary(counts: Counts) -> str:
    """One line of counts: words in and out, then blocks."""
    def plural(number: int, word: str) -> str:
        return f"{number} {word}{'' if number == 1 else 's'}"

    parts = [f"{plural(counts.words_inserted, 'word')} inserted, {counts.words_deleted} deleted"]
    blocks = []
    if counts.blocks_changed:
        blocks.append(f"{counts.blocks_changed} changed")
    if counts.blocks_inserted:
        blocks.append(f"{counts.blocks_inserted} inserted")
    if counts.blocks_deleted:
        blocks.append(f"{counts.blocks_deleted} deleted")
    if counts.moves:
        blocks.append(f"{counts.moves} moved")
    if blocks:
        parts.append("blocks: " + ", ".join(blocks))
    return "; ".join(parts)


class _Writer:
    def __init__(self, color: bool, places: dict[int, MovePlace], labels=None) -> None:
        self.color = color
        self.places = places
        self.labels = labels
        self.notes = NoteCounter()

    def paint_section(self, section: str) -> str:
        text = f"@@ {section} @@"
        return f"\x1b[36m{text}\x1b[m" if self.color else text

    def marked(self, op: str, text: str) -> str:
        if op == EQUAL or not text:
            return text
        opening, closing = (_COLOUR if self.color else _PLAIN)[op]
        return f"{opening}{text}{closing}"

    def block(self, op: BlockOp) -> list[str]:
        block = op.block
        prefix = self.prefix(op)
        pending: list[tuple[int, str, NoteChange]] = []
        if block.kind == "table":
            lines = self.table(op, pending)
        elif op.op in (EQUAL, CHANGE):
            lines = [prefix + self.inline(run_items(op), pending)]
        elif op.op == MOVE_TO:
            lines = [self.move_note(op) + " " + prefix + self.inline(run_items(op), pending)]
        else:
            kind = DELETE if op.op in (DELETE, MOVE_FROM) else INSERT
            text = self.marked(kind, prefix + self.inline([(EQUAL, t) for r in op.runs for t in r.tokens],
                                                          pending, kind))
            lines = [self.move_note(op) + " " + text if op.op == MOVE_FROM else text]
        for number, run_op, note in pending:
            lines += self.note(number, run_op, note)
        return lines

    def move_note(self, op: BlockOp) -> str:
        place = self.places.get(op.move)
        if op.op == MOVE_FROM:
            if place is None or place.old_section == place.new_section:
                where = "down" if place is None or place.down else "up"
            else:
                where = f'to "{place.new_section}"'
            text = f"(move {op.move}: moved {where})"
        else:
            if place is None or place.old_section == place.new_section:
                where = "from above" if place is None or place.down else "from below"
            else:
                where = f'from "{place.old_section}"'
            text = f"(move {op.move}: moved here {where})"
        if self.color:
            return f"{_MOVE_COLOUR[0]}{text}{_MOVE_COLOUR[1]}"
        return text

    def prefix(self, op: BlockOp) -> str:
        block = op.block
        if block.kind == "title":
            return "Title: "
        unit, was = self.labels.for_op(op) if self.labels is not None else (None, None)
        if unit is not None or was is not None:
            shown = unit or was
            label = shown.label + ("." if "(" not in shown.label else "")
            note = f" (was {was.label})" if unit is not None and was is not None else ""
            return f"{label}{note} "
        parts = []
        list_depth = 0
        for depth, frame in enumerate(block.frames):
            if frame.kind == "quote":
                parts.append("> ")
                continue
            indent = "   " * list_depth
            list_depth += 1
            if depth == len(block.frames) - 1 or depth in block.item_starts:
                parts.append(indent + (list_marker(frame, block.number) + " " if depth in block.item_starts
                                       else "   "))
        if block.kind == "heading":
            parts.append("#" * block.level + " ")
        return "".join(parts)

    def table(self, op: BlockOp, pending: list) -> list[str]:
        lines = []
        for row in op.rows:
            if row.op == EQUAL:
                continue
            if row.op in (INSERT, DELETE):
                cells = [" ".join(self.inline([(EQUAL, t) for r in b.runs for t in r.tokens], pending, row.op)
                                  for b in cell) for cell in row.cells]
                lines.append(self.marked(row.op, "| " + " | ".join(cells) + " |"))
            else:
                cells = [" ".join(self.cell(b, pending) for b in cell) for cell in row.cells]
                lines.append("| " + " | ".join(cells) + " |")
        for caption in op.caption:
            if caption.changed:
                lines.append("Caption: " + self.cell(caption, pending))
        return lines

    def cell(self, op: BlockOp, pending: list) -> str:
        if op.op in (EQUAL, CHANGE):
            return self.inline(run_items(op), pending)
        kind = DELETE if op.op in (DELETE, MOVE_FROM) else INSERT
        return self.marked(kind, self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], pending, kind))

    def note(self, number: int, run_op: str, note: NoteChange) -> list[str]:
        if run_op == EQUAL and not any(op.changed for op in note.ops):
            return []
        lines = []
        for index, op in enumerate(note.ops):
            label = f"    [^{number}]: " if index == 0 else "    "
            pending: list = []
            if run_op != EQUAL:
                text = self.marked(run_op, self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], pending,
                                                       run_op))
            elif op.op in (EQUAL, CHANGE):
                text = self.prefix(op) + self.inline(run_items(op), pending)
            else:
                kind = DELETE if op.op in (DELETE, MOVE_FROM) else INSERT
                text = self.marked(kind, self.prefix(op) + self.inline(
                    [(EQUAL, t) for r in op.runs for t in r.tokens], pending, kind))
            lines.append(label + text)
            for inner in pending:
                lines += self.note(*inner)
        return lines

    def inline(self, items, pending: list, notes_as: str = EQUAL) -> str:
        out = []
        for index, end, op in runs(items, lambda item: item[0]):
            first, last = edge_spaces(items, index, end) if op != EQUAL else (index, end)
            text = "".join(self.token(items[i][1], pending, op if op != EQUAL else notes_as)
                           for i in range(first, last))
            # A space at the edge of an edit is shown outside its mark: `a {+new+} word`.
            out.append(" " * (first - index) + self.marked(op, text) + " " * (end - last))
        return "".join(out)

    def token(self, token: Token | NoteChange, pending: list, note_op: str) -> str:
        if isinstance(token, NoteChange):
            number = self.notes.next()
            pending.append((number, note_op, token))
            return f"[^{number}]"
        if token.kind == "break":
            return " / "
        if token.kind == "code":
            return f"`{token.text}`"
        if token.kind == "image":
            return f"[image: {token.text}]"
        return token.text

