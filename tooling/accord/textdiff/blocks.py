"""Block alignment: which block of the old version became which of the new, and what moved.

Three passes, each cheap enough for a 60-page text:
1. anchors: blocks whose exact text is unique in both versions, kept in order
   (patience diff), with common runs at either end;
2. between anchors, changed blocks are paired by word similarity with a banded
   dynamic programme (order kept; unpaired blocks are insertions or deletions);
3. moves: an unpaired old paragraph and an unpaired new one with the same or
   near-same text (at least MOVE_MIN_WORDS words) become a move.

The items are the redline's blocks and table rows, or any text blocks
(`TextBlock`, which the review import and the rounds' compilation pair with
`pair_blocks`): whatever has a `key` (equal keys, equal blocks), a set of
`words` and a `shape` (blocks of different shapes are never one block edited).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

PAIR_THRESHOLD = 0.4      # word-set similarity from which two blocks are one block edited
MOVE_THRESHOLD = 0.75     # ... from which an unpaired old and new paragraph are one block moved
MOVE_MIN_WORDS = 3
MOVABLE = ("para", "heading")
_SMALL = 400             # sequences up to this many block pairs go straight to the programme
_FULL_DP_CELLS = 4096     # regions up to this many cells get the full programme, larger ones a band
_BAND = 16
_MAX_DP_CELLS = 4_000_000
_MAX_MOVE_CANDIDATES = 250_000

Entry = tuple[int | None, int | None, int]     # (old index, new index, move id)
Segment = tuple[Any, ...]                      # ("pair", i, j) or ("region", alo, ahi, blo, bhi)


class Item(Protocol):
    """What alignment reads of a block: its key, its distinct words and its shape."""

    @property
    def key(self) -> str: ...
    @property
    def words(self) -> frozenset[str]: ...
    @property
    def shape(self) -> Any: ...


_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True, eq=False)
class TextBlock:
    """A block of Markdown text as an alignable item: its words are its word and punctuation tokens."""

    key: str
    shape = ()

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(_WORD.findall(self.key.casefold()))


def pair_blocks(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j), in order, of old and new text blocks that are one block edited (or kept)."""
    entries = align([TextBlock(text) for text in old], [TextBlock(text) for text in new])
    return [(i, j) for i, j, _ in entries if i is not None and j is not None]


def similarity(a: Item, b: Item) -> float:
    """Dice coefficient of the two blocks' word sets: 1.0 same words, 0.0 none shared."""
    if not a.words and not b.words:
        return 1.0 if a.key == b.key else 0.0
    shared = len(a.words & b.words)
    return 2.0 * shared / (len(a.words) + len(b.words))



def align(old: Sequence[Item], new: Sequence[Item], *, moves: bool = False) -> list[Entry]:
    """Merged order of (old index, new index, move id): both set for a pair, one for a deletion
    or insertion; a non-zero move id marks the two ends of a move."""
    interned: dict[str, int] = {}
    old_ids = [interned.setdefault(item.key, len(interned)) for item in old]
    new_ids = [interned.setdefault(item.key, len(interned)) for item in new]
    entries: list[Entry] = []
    if old_ids == new_ids:
        return [(i, i, 0) for i in range(len(old))]
    segments: list[Segment] = []
    previous_i = previous_j = 0
    small = len(old) * len(new) <= _SMALL
    weights = [1.0 + len(item.words) for item in old]
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


def _top_anchors(old: Sequence[Item], new: Sequence[Item], old_ids: list[int],
                 new_ids: list[int]) -> list[tuple[int, int]]:
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


def _best_matches(targets: Sequence[Item], sources: Sequence[Item], target_indexes: list[int],
                  source_indexes: list[int]) -> dict[int, tuple[int, float]]:
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
        shared: Counter[int] = Counter()
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


def _anchor(a: list[int], b: list[int], weights: list[float], alo: int, ahi: int, blo: int,
            bhi: int) -> list[Segment]:
    """Patience diff: common ends, then unique common blocks in longest increasing order, recursively."""
    head: list[Segment] = []
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        head.append(("pair", alo, blo))
        alo, blo = alo + 1, blo + 1
    tail: list[Segment] = []
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
        tail.append(("pair", ahi, bhi))
    middle: list[Segment] = []
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


def _unique_anchors(a: list[int], b: list[int], weights: list[float], alo: int, ahi: int, blo: int,
                    bhi: int) -> list[tuple[int, int]]:
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


def _pair_region(old: Sequence[Item], new: Sequence[Item], old_ids: list[int], new_ids: list[int], alo: int, ahi: int,
                 blo: int, bhi: int) -> list[Entry]:
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
    path: list[Entry] = []
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


def _deletions_before_insertions(entries: list[Entry]) -> list[Entry]:
    out: list[Entry] = []
    pending_del: list[Entry] = []
    pending_ins: list[Entry] = []
    for entry in entries:
        if entry[0] is not None and entry[1] is None:
            pending_del.append(entry)
        elif entry[0] is None:
            pending_ins.append(entry)
        else:
            out += pending_del + pending_ins + [entry]
            pending_del, pending_ins = [], []
    return out + pending_del + pending_ins


def _find_moves(old: Sequence[Any], new: Sequence[Any], entries: list[Entry]) -> list[Entry]:
    """Turn an unpaired old block and an unpaired new one with (near) the same text into a move
    (blocks with a `kind` among MOVABLE, a `text_key` and a `word_count`: the redline's)."""
    lone_old = [i for i, j, _ in entries if j is None and i is not None and _movable(old[i])]
    lone_new = [j for i, j, _ in entries if i is None and j is not None and _movable(new[j])]
    if not lone_old or not lone_new:
        return entries
    matches: dict[int, int] = {}
    by_key: dict[tuple[Any, str], list[int]] = {}
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
        scored: list[tuple[float, int, int]] = []
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
    result: list[Entry] = []
    for old_index, new_index, move in entries:
        if new_index is None and old_index is not None and old_index in matches:
            number = numbers.setdefault(old_index, len(numbers) + 1)
            result.append((old_index, None, number))
        elif old_index is None and new_index is not None and new_index in partner_of_new:
            number = numbers.setdefault(partner_of_new[new_index], len(numbers) + 1)
            result.append((None, new_index, number))
        else:
            result.append((old_index, new_index, move))
    return result


def _movable(block: Any) -> bool:
    return getattr(block, "kind", None) in MOVABLE and block.word_count >= MOVE_MIN_WORDS


def _pair_lone_replacements(old: Sequence[Item], new: Sequence[Item], entries: list[Entry]) -> list[Entry]:
    """One deleted block straight followed by one inserted block of the same shape is an edit of it."""
    out: list[Entry] = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        following = entries[index + 1] if index + 1 < len(entries) else None
        before = entries[index - 1] if index else None
        after = entries[index + 2] if index + 2 < len(entries) else None
        deleted, inserted = entry[0], following[1] if following is not None else None
        if (following is not None and deleted is not None and inserted is not None and entry[1] is None
                and not entry[2] and following[0] is None and not following[2] and old[deleted].shape == new[inserted].shape
                and not _lone(before, "delete") and not _lone(after, "insert")):
            out.append((deleted, inserted, 0))
            index += 2
            continue
        out.append(entry)
        index += 1
    return out


def _lone(entry: Entry | None, side: str) -> bool:
    if entry is None or entry[2]:
        return False
    return entry[1] is None if side == "delete" else entry[0] is None
