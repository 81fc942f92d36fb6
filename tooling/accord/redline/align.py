"""The redline's operations: blocks aligned (textdiff.blocks), paired blocks diffed word by word
(textdiff.words), footnotes and table cells recursively, and the counts of what changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ..textdiff import align, diff_tokens
from .blocks import Block, Document, Token
from .ops import (CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, Counts, NoteChange, Redline,
                  RowOp, Run, walk_ops)


def compare_documents(old: Document, new: Document) -> Redline:
    """The redline of two documents: the title, then every block in merged reading order."""
    ops = (pair_op(old.title, new.title), *compare_blocks(old.blocks, new.blocks, moves=True))
    return Redline(ops=ops, old=old, new=new, counts=count_ops(ops))


def compare_blocks(old: Sequence[Block], new: Sequence[Block], *, moves: bool = False) -> list[BlockOp]:
    """Block operations turning the old sequence into the new one, in merged order."""
    if len(old) == len(new) and all(a.key == b.key for a, b in zip(old, new)):
        return [pair_op(a, b) for a, b in zip(old, new)]
    entries = align(old, new, moves=moves)
    ops: list[BlockOp] = []
    for i, j, move in entries:
        if i is not None and j is not None:
            ops.append(pair_op(old[i], new[j]))
        elif move:
            ops.append(BlockOp(MOVE_FROM, old[i], whole_runs(old[i].tokens, DELETE), move=move)
                       if i is not None else move_to_op(entries, old, new[j], move))
        elif i is not None:
            ops.append(whole_op(old[i], DELETE))
        else:
            ops.append(whole_op(new[j], INSERT))
    return ops


def move_to_op(entries, old, block: Block, move: int) -> BlockOp:
    source = next(old[i] for i, j, m in entries if m == move and i is not None)
    return BlockOp(MOVE_TO, block, word_runs(source.tokens, block.tokens), old=source, move=move)


# -- operations for one block ------------------------------------------------------

def pair_op(old: Block, new: Block) -> BlockOp:
    """Equal, or a change with its word diff (tables row by row, cell by cell)."""
    if new.table is not None and old.table is not None:
        return _table_op(old, new)
    if old.key == new.key:
        return BlockOp(EQUAL, new, whole_runs(new.tokens, EQUAL, old.tokens), old=old)
    return BlockOp(CHANGE, new, word_runs(old.tokens, new.tokens), old=old)


def whole_op(block: Block, op: str) -> BlockOp:
    """A block inserted or deleted as a whole (footnotes and cells likewise)."""
    if block.table is not None:
        table = block.table
        rows = [RowOp(op, tuple(tuple(whole_op(b, op) for b in cell) for cell in row), head=True)
                for row in table.head]
        rows += [RowOp(op, tuple(tuple(whole_op(b, op) for b in cell) for cell in row)) for row in table.body]
        return BlockOp(op, block, rows=tuple(rows), caption=tuple(whole_op(b, op) for b in table.caption))
    return BlockOp(op, block, whole_runs(block.tokens, op))


def whole_runs(tokens: Sequence[Token], op: str, old_tokens: Sequence[Token] | None = None) -> tuple[Run, ...]:
    """One run of all the tokens; footnotes inside become all-equal, all-inserted or all-deleted."""
    if not tokens:
        return ()
    old_tokens = tokens if old_tokens is None else old_tokens
    return (Run(op, _with_notes(old_tokens, tokens, op)),)


def _with_notes(old: Sequence[Token], new: Sequence[Token], op: str) -> tuple:
    """The tokens, each footnote replaced by the NoteChange comparing (or wholly marking) its text."""
    if not any(t.kind == "note" for t in new):
        return tuple(new)
    return tuple(_note_change(o, n, op) for o, n in zip(old, new))


def word_runs(old: Sequence[Token], new: Sequence[Token]) -> tuple[Run, ...]:
    script = diff_tokens(old, new)
    if not any(t.kind == "note" for t in old) and not any(t.kind == "note" for t in new):
        return tuple(Run(op, new_part if op != DELETE else old_part) for op, old_part, new_part in script)
    runs = []
    for op, old_part, new_part in script:
        if op == EQUAL:
            runs.append(Run(EQUAL, _with_notes(old_part, new_part, EQUAL)))
        elif op == INSERT:
            runs.append(Run(INSERT, _with_notes(new_part, new_part, INSERT)))
        else:
            runs.append(Run(DELETE, _with_notes(old_part, old_part, DELETE)))
    return tuple(runs)


def _note_change(old: Token, new: Token, op: str):
    if new.kind != "note":
        return new
    if op == EQUAL:
        return NoteChange(new.marks, tuple(compare_blocks(old.note, new.note)))
    return NoteChange(new.marks, tuple(whole_op(b, op) for b in new.note))


def _table_op(old: Block, new: Block) -> BlockOp:
    rows: list[RowOp] = []
    for old_rows, new_rows, head in ((old.table.head, new.table.head, True), (old.table.body, new.table.body, False)):
        old_items, new_items = [_Row(r) for r in old_rows], [_Row(r) for r in new_rows]
        for i, j, _ in align(old_items, new_items):
            if i is not None and j is not None:
                rows.append(_row_op(old_rows[i], new_rows[j], head))
            elif i is not None:
                rows.append(RowOp(DELETE, tuple(tuple(whole_op(b, DELETE) for b in c) for c in old_rows[i]), head))
            else:
                rows.append(RowOp(INSERT, tuple(tuple(whole_op(b, INSERT) for b in c) for c in new_rows[j]), head))
    caption = tuple(compare_blocks(old.table.caption, new.table.caption))
    unchanged = all(r.op == EQUAL for r in rows) and not any(op.changed for op in caption)
    return BlockOp(EQUAL if unchanged and old.key == new.key else CHANGE, new, old=old,
                   rows=tuple(rows), caption=caption)


def _row_op(old_row, new_row, head: bool) -> RowOp:
    cells = []
    for column in range(max(len(old_row), len(new_row))):
        old_cell = old_row[column] if column < len(old_row) else ()
        new_cell = new_row[column] if column < len(new_row) else ()
        cells.append(tuple(compare_blocks(old_cell, new_cell)))
    same = len(old_row) == len(new_row) and not any(op.changed for cell in cells for op in cell)
    return RowOp(EQUAL if same else CHANGE, tuple(cells), head)


@dataclass(frozen=True, eq=False)
class _Row:
    """A table row seen as an alignable item."""

    cells: tuple

    shape = ("row",)
    kind = "row"

    @cached_property
    def key(self) -> str:
        return "\x1c".join("\x1b".join(b.key for b in cell) for cell in self.cells)

    @cached_property
    def words(self):
        return frozenset(w for cell in self.cells for b in cell for w in b.words)

    @property
    def word_count(self) -> int:
        return len(self.words)


# -- counts -------------------------------------------------------------------------

def count_ops(ops) -> Counts:
    inserted = deleted = changed = blocks_in = blocks_out = moves = 0
    for op in walk_ops(ops):
        if op.block.table is not None:
            continue
        if op.op == CHANGE and any(run.op != EQUAL for run in op.runs):
            changed += 1
        elif op.op == INSERT:
            blocks_in += 1
        elif op.op == DELETE:
            blocks_out += 1
        elif op.op == MOVE_TO:
            moves += 1
        if op.op == MOVE_FROM:
            continue
        for run in op.runs:
            if run.op == EQUAL:
                continue
            words = sum(1 for t in run.tokens if not isinstance(t, NoteChange) and t.is_word)
            if run.op == INSERT:
                inserted += words
            else:
                deleted += words
    return Counts(inserted, deleted, changed, blocks_in, blocks_out, moves)
