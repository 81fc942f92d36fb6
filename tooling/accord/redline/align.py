"""Block alignment: which block of the old version became which of the new, and what moved.

Three passes, each cheap enough for a 60-page text:
1. anchors: blocks whose exact text is unique in both versions, kept in order
   (patience diff), with common runs at either end;
2. between anchors, changed blocks are paired by word similarity with a banded
   dynamic programme (order kept; unpaired blocks are insertions or deletions);
3. moves: an unpaired old paragraph and an unpaired new one with the same or
   near-same text (at least MOVE_MIN_WORDS words) become a move.
Paired blocks are then diffed word by word (words.py), footnotes and table
cells recursively.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .blocks import Block, Document, Token, similarity
from .ops import (CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, Counts, NoteChange, Redline,
                  RowOp, Run, walk_ops)
from .words import diff_tokens

PAIR_THRESHOLD = 0.4      # word-set similarity from which two blocks are one block edited
MOVE_THRESHOLD = 0.75     # ... from which an unpaired old and new paragraph are one block moved
MOVE_MIN_WORDS = 3
MOVABLE = ("para", "heading")
_SMALL = 400             # sequences up to this many block pairs go straight to the programme
_FULL_DP_CELLS = 4096     # regions up to this many cells get the full programme, larger ones a band
_BAND = 16
_MAX_DP_CELLS = 4_000_000
_MAX_MOVE_CANDIDATES = 250_000


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


# -- alignment ----------------------------------------------------------------------

def align(old: Sequence, new: Sequence, *, moves: bool = False) -> list[tuple[int | None, int | None, int]]:
    """Merged order of (old index, new index, move id): both set for a pair, one for a deletion
    or insertion; a non-zero move id marks the two ends of a move."""
    interned: dict = {}
    old_ids = [interned.setdefault(item.key, len(interned)) for item in old]
    new_ids = [interned.setdefault(item.key, len(interned)) for item in new]
    entries: list[tuple[int | None, int | None, int]] = []
    if old_ids == new_ids:
        return [(i, i, 0) for i in range(len(old))]
    segments: list[tuple] = []
    previous_i = previous_j = 0
    small = len(old) * len(new) <= _SMALL
    weights = [1 + len(item.words) for item in old]
    for i, j in ([] if small else _top_anchors(old, new, old_ids, new_ids)):
        segments += _anchor(old_ids, new_ids, weights, previous_i, i, previous_j, j)
        segments.append(("pair", i, j))
        previous_i, previous_j = i + 1, j + 1
    segments += ([("region", 0, len(old), 0, len(new))] if small
                 else _anchor(old_ids, new_ids, weights, previous_i, len(old), previous_j, len(new)))
    for segment in segments:
        if segment[0] == "pair":
            entries.append((segment[1], segment[2], 0))
        else:
            _, alo, ahi, blo, bhi = segment
            entries.extend(_pair_region(old, new, old_ids, new_ids, alo, ahi, blo, bhi))
    if moves:
        entries = _find_moves(old, new, entries)
    return _pair_lone_replacements(old, new, entries)


def _top_anchors(old, new, old_ids, new_ids) -> list[tuple[int, int]]:
    """Blocks that surely stayed in place: exact text unique to one block on each side, or mutual
    best matches by word similarity, kept in order (the longest increasing run of them).

    Counting similar pairs keeps an edited section from being taken for the part that moved
    when the one block that did move is the only one left unchanged."""
    count_old, count_new = Counter(old_ids), Counter(new_ids)
    where_old = {key: i for i, key in enumerate(old_ids) if count_old[key] == 1}
    pairs = {j: where_old[key] for j, key in enumerate(new_ids) if count_new[key] == 1 and key in where_old}
    weight = {j: 1.0 + len(new[j].words) for j in pairs}
    exact_old = set(pairs.values())
    lone_old = [i for i in range(len(old)) if i not in exact_old and old[i].words]
    lone_new = [j for j in range(len(new)) if j not in pairs and new[j].words]
    if lone_old and lone_new:
        new_for_old = _best_matches(old, new, lone_old, lone_new)
        old_for_new = _best_matches(new, old, lone_new, lone_old)
        for j, (i, score) in old_for_new.items():
            if new_for_old.get(i, (None,))[0] == j:
                pairs[j] = i
                weight[j] = score * (1.0 + len(new[j].words))
    return _heaviest_increasing([(i, j, weight[j]) for j, i in sorted(pairs.items())])


def _best_matches(targets, sources, target_indexes, source_indexes) -> dict[int, tuple[int, float]]:
    """For each target block, the most similar source block of the same shape (if similar enough).

    Candidates come from an index of words shared by few blocks, so the cost stays
    near linear however long the text."""
    postings: dict[str, list[int]] = {}
    for i in source_indexes:
        for word in sources[i].words:
            postings.setdefault(word, []).append(i)
    limit = max(8, len(source_indexes) // 50)
    best: dict[int, tuple[int, float]] = {}
    for j in target_indexes:
        target = targets[j]
        shared: Counter = Counter()
        for word in target.words:
            posting = postings.get(word)
            if posting and len(posting) <= limit:
                shared.update(posting)
        top_score, top = PAIR_THRESHOLD, None
        for i, _ in shared.most_common(5):
            if sources[i].shape != target.shape:
                continue
            score = similarity(sources[i], target)
            if score >= top_score and (top is None or score > top_score):
                top_score, top = score, i
        if top is not None:
            best[j] = (top, top_score)
    return best


def _anchor(a: list[int], b: list[int], weights: list[float], alo: int, ahi: int, blo: int, bhi: int) -> list[tuple]:
    """Patience diff: common ends, then unique common blocks in longest increasing order, recursively."""
    head: list[tuple] = []
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        head.append(("pair", alo, blo))
        alo, blo = alo + 1, blo + 1
    tail: list[tuple] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
        tail.append(("pair", ahi, bhi))
    middle: list[tuple] = []
    if alo < ahi or blo < bhi:
        anchors = _unique_anchors(a, b, weights, alo, ahi, blo, bhi)
        if not anchors:
            middle.append(("region", alo, ahi, blo, bhi))
        else:
            i0, j0 = alo, blo
            for i, j in anchors:
                middle.extend(_anchor(a, b, weights, i0, i, j0, j))
                middle.append(("pair", i, j))
                i0, j0 = i + 1, j + 1
            middle.extend(_anchor(a, b, weights, i0, ahi, j0, bhi))
    return head + middle + tail[::-1]


def _unique_anchors(a, b, weights, alo, ahi, blo, bhi) -> list[tuple[int, int]]:
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_a = {a[i]: i for i in range(alo, ahi) if count_a[a[i]] == 1}
    candidates = [(where_a[b[j]], j, weights[where_a[b[j]]]) for j in range(blo, bhi)
                  if count_b[b[j]] == 1 and b[j] in where_a]
    return _heaviest_increasing(candidates)


def _heaviest_increasing(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int]]:
    """The heaviest subsequence of (i, j, weight) triples (sorted by j) whose i also increase.

    Weights are word counts: when blocks changed places, the many words that stayed
    are kept in place and the few that moved are the move (a Fenwick tree of maxima)."""
    if not pairs:
        return []
    ranks = {i: rank for rank, i in enumerate(sorted({i for i, _, _ in pairs}), 1)}
    size = len(ranks)
    tree_best = [0.0] * (size + 1)
    tree_index = [-1] * (size + 1)
    total = [0.0] * len(pairs)
    previous = [-1] * len(pairs)
    for index, (i, _, weight) in enumerate(pairs):
        rank = ranks[i]
        best, best_index = 0.0, -1
        position = rank - 1
        while position > 0:
            if tree_best[position] > best:
                best, best_index = tree_best[position], tree_index[position]
            position -= position & -position
        total[index], previous[index] = best + weight, best_index
        position = rank
        while position <= size:
            if total[index] > tree_best[position]:
                tree_best[position], tree_index[position] = total[index], index
            position += position & -position
    index = max(range(len(pairs)), key=total.__getitem__)
    result = []
    while index != -1:
        result.append(pairs[index][:2])
        index = previous[index]
    return result[::-1]


def _pair_region(old, new, old_ids, new_ids, alo, ahi, blo, bhi) -> list[tuple[int | None, int | None, int]]:
    """Pair changed blocks of one region by similarity, keeping their order (a banded DP)."""
    k, m = ahi - alo, bhi - blo
    if not k or not m:
        return [(alo + x, None, 0) for x in range(k)] + [(None, blo + y, 0) for y in range(m)]
    if k * m > _MAX_DP_CELLS:
        return [(alo + x, None, 0) for x in range(k)] + [(None, blo + y, 0) for y in range(m)]
    full = k * m <= _FULL_DP_CELLS
    minus = -1.0
    rows_back: list[bytearray] = []
    previous = [minus] * (m + 1)
    previous[0] = 0.0
    back = bytearray(m + 1)
    for y in range(1, m + 1):
        previous[y] = 0.0
        back[y] = 2
    rows_back.append(back)
    for x in range(1, k + 1):
        current = [minus] * (m + 1)
        back = bytearray(m + 1)
        if full:
            lo, hi = 0, m
        else:
            lo = max(0, (x - 1) * m // k - _BAND)
            hi = min(m, -(-x * m // k) + _BAND)
        old_item, old_id = old[alo + x - 1], old_ids[alo + x - 1]
        if lo == 0:
            current[0] = previous[0]
            back[0] = 1
        for y in range(max(lo, 1), hi + 1):
            best, step = previous[y], 1
            if current[y - 1] > best:
                best, step = current[y - 1], 2
            if previous[y - 1] >= 0:
                new_item = new[blo + y - 1]
                if new_ids[blo + y - 1] == old_id:
                    score = 1.0 + len(new_item.words)
                elif new_item.shape == old_item.shape:
                    score = similarity(old_item, new_item)
                    score = score * (1.0 + len(new_item.words)) if score >= PAIR_THRESHOLD else 0.0
                else:
                    score = 0.0
                if score > 0.0 and previous[y - 1] + score > best:
                    best, step = previous[y - 1] + score, 3
            if best >= 0:
                current[y], back[y] = best, step
        rows_back.append(back)
        previous = current
    path: list[tuple[int | None, int | None, int]] = []
    x, y = k, m
    while x or y:
        step = rows_back[x][y] if x else 2
        if step == 3:
            path.append((alo + x - 1, blo + y - 1, 0))
            x, y = x - 1, y - 1
        elif step == 2:
            path.append((None, blo + y - 1, 0))
            y -= 1
        else:
            path.append((alo + x - 1, None, 0))
            x -= 1
    path.reverse()
    return _deletions_before_insertions(path)


def _deletions_before_insertions(entries: list) -> list:
    out: list = []
    pending_del: list = []
    pending_ins: list = []
    for entry in entries:
        if entry[0] is not None and entry[1] is None:
            pending_del.append(entry)
        elif entry[0] is None:
            pending_ins.append(entry)
        else:
            out += pending_del + pending_ins + [entry]
            pending_del, pending_ins = [], []
    return out + pending_del + pending_ins


def _find_moves(old, new, entries: list) -> list:
    """Turn an unpaired old block and an unpaired new one with (near) the same text into a move."""
    lone_old = [i for i, j, _ in entries if j is None and _movable(old[i])]
    lone_new = [j for i, j, _ in entries if i is None and _movable(new[j])]
    if not lone_old or not lone_new:
        return entries
    matches: dict[int, int] = {}
    by_key: dict = {}
    for j in lone_new:
        by_key.setdefault((new[j].kind, new[j].text_key), []).append(j)
    for i in lone_old:
        candidates = by_key.get((old[i].kind, old[i].text_key))
        if candidates:
            matches[i] = candidates.pop(0)
    rest_old = [i for i in lone_old if i not in matches]
    taken = set(matches.values())
    rest_new = [j for j in lone_new if j not in taken]
    if rest_old and rest_new and len(rest_old) * len(rest_new) <= _MAX_MOVE_CANDIDATES:
        scored = []
        for i in rest_old:
            for j in rest_new:
                if old[i].kind == new[j].kind:
                    score = similarity(old[i], new[j])
                    if score >= MOVE_THRESHOLD:
                        scored.append((-score, i, j))
        scored.sort()
        for _, i, j in scored:
            if i not in matches and j not in taken:
                matches[i] = j
                taken.add(j)
    if not matches:
        return entries
    numbers: dict[int, int] = {}
    partner_of_new = {j: i for i, j in matches.items()}
    result = []
    for i, j, move in entries:
        if j is None and i in matches:
            number = numbers.setdefault(i, len(numbers) + 1)
            result.append((i, None, number))
        elif i is None and j in partner_of_new:
            number = numbers.setdefault(partner_of_new[j], len(numbers) + 1)
            result.append((None, j, number))
        else:
            result.append((i, j, move))
    return result


def _movable(block) -> bool:
    return getattr(block, "kind", None) in MOVABLE and block.word_count >= MOVE_MIN_WORDS


def _pair_lone_replacements(old, new, entries: list) -> list:
    """One deleted block straight followed by one inserted block of the same shape is an edit of it."""
    out: list = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        following = entries[index + 1] if index + 1 < len(entries) else None
        before = entries[index - 1] if index else None
        after = entries[index + 2] if index + 2 < len(entries) else None
        if (following is not None and entry[1] is None and not entry[2] and following[0] is None
                and not following[2] and old[entry[0]].shape == new[following[1]].shape
                and not _lone(before, "delete") and not _lone(after, "insert")):
            out.append((entry[0], following[1], 0))
            index += 2
            continue
        out.append(entry)
        index += 1
    return out


def _lone(entry, side: str) -> bool:
    if entry is None or entry[2]:
        return False
    return entry[1] is None if side == "delete" else entry[0] is None


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
