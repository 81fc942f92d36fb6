"""The operations list of a redline: what every renderer (term, md, html, docx) reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ..textdiff import DELETE as DELETE, EQUAL as EQUAL, INSERT as INSERT  # the redline's ops too
from .blocks import Block, Document, Token

T = TypeVar("T")
K = TypeVar("K")

CHANGE, MOVE_FROM, MOVE_TO = "change", "move-from", "move-to"


@dataclass(frozen=True)
class NoteChange:
    """A footnote reference inside a run, with the block operations of the footnote's text."""

    marks: tuple[Any, ...]
    ops: tuple["BlockOp", ...]

    kind = "note"
    text = ""


@dataclass(frozen=True)
class Run:
    """A stretch of one block's tokens that is equal, inserted or deleted."""

    op: str                                   # equal | insert | delete
    tokens: tuple[Token | NoteChange, ...]


@dataclass(frozen=True)
class RowOp:
    """One row of a compared table: its cells' block operations, and whether it is new or gone."""

    op: str                                   # equal | change | insert | delete
    cells: tuple[tuple["BlockOp", ...], ...]
    head: bool = False


@dataclass(frozen=True)
class BlockOp:
    """One block of the merged document, in reading order.

    `op` is equal, change (words differ: see `runs`), insert, delete, move-from
    (where a moved block was) or move-to (where it is now; `runs` hold the word
    diff against its old text). `block` is the block as shown: the new one, or
    the old one for delete and move-from; `old` is the old block of a change or
    move-to. Tables carry `rows` and `caption` instead of runs.
    """

    op: str
    block: Block
    runs: tuple[Run, ...] = ()
    old: Block | None = None
    move: int = 0
    rows: tuple[RowOp, ...] = ()
    caption: tuple["BlockOp", ...] = ()

    @property
    def changed(self) -> bool:
        return self.op != EQUAL


@dataclass(frozen=True)
class Counts:
    """How much changed: words in and out, blocks changed, added, removed and moved."""

    words_inserted: int = 0
    words_deleted: int = 0
    blocks_changed: int = 0
    blocks_inserted: int = 0
    blocks_deleted: int = 0
    moves: int = 0

    @property
    def total(self) -> int:
        return (self.words_inserted + self.words_deleted + self.blocks_changed + self.blocks_inserted
                + self.blocks_deleted + self.moves)

    def as_dict(self) -> dict[str, int]:
        return {"words_inserted": self.words_inserted, "words_deleted": self.words_deleted,
                "blocks_changed": self.blocks_changed, "blocks_inserted": self.blocks_inserted,
                "blocks_deleted": self.blocks_deleted, "moves": self.moves}


@dataclass(frozen=True)
class Redline:
    """The comparison of two versions: the merged operations list, and both documents compared.

    `ops[0]` is always the title. Renderers read only `ops`; `old` and `new`
    are kept so that a rendering can be checked against the texts themselves.
    """

    ops: tuple[BlockOp, ...]
    old: Document
    new: Document
    counts: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return any(op.changed for op in walk_ops(self.ops))


def walk_ops(ops: Iterable[BlockOp]) -> Iterator[BlockOp]:
    """Every block operation, depth first: notes inside runs and cells inside rows included."""
    for op in ops:
        yield op
        for run in op.runs:
            for token in run.tokens:
                if isinstance(token, NoteChange):
                    yield from walk_ops(token.ops)
        for row in op.rows:
            for cell in row.cells:
                yield from walk_ops(cell)
        yield from walk_ops(op.caption)


def side_tokens(op: BlockOp, side: str) -> list[Token | NoteChange]:
    """The tokens of an op's runs seen from one side: 'new' (equal + inserted) or 'old' (equal + deleted)."""
    hidden = DELETE if side == "new" else INSERT
    return [t for run in op.runs if run.op != hidden for t in run.tokens]


def runs(sequence: Sequence[T], key: Callable[[T], K]) -> Iterator[tuple[int, int, K]]:
    """The maximal runs of a sequence whose items share a key: (start, end, key) with end exclusive."""
    start = 0
    current: K | None = None
    for index, item in enumerate(sequence):
        value = key(item)
        if index and value != current:
            yield start, index, cast(K, current)
            start = index
        current = value
    if len(sequence):
        yield start, len(sequence), cast(K, current)
