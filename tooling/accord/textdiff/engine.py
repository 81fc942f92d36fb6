"""The word-diff engine: diff-match-patch over one character per item, bounded for long inputs.

Every comparison in accord runs here: the redline's word diff (words.py), the
alignment of blocks (blocks.py), the rounds' compilation and the review
import's three-way merges (`Matcher`, which merge3 takes in place of difflib).

diff-match-patch finds the shortest edit script, but its cost grows with the
product of the lengths and the number of edits: a 20,000-word paragraph with 60%
of its words changed takes over a minute. A pair of sequences larger than
_DIRECT_CELLS is therefore anchored first (patience diff on runs of items that occur once in
each side, longest runs first, the longest chain in order), and only the stretches between
anchors, each small, go to diff-match-patch; a long stretch with no anchor at all
is diffed in overlapping windows. The cost grows near-linearly, and ordinary
inputs (up to 500 x 500 items) are diffed exactly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from diff_match_patch import diff_match_patch

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Private-use planes: one character per distinct item of a sequence pair.
_PLANES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))

_DIRECT_CELLS = 500 * 500   # pairs up to this many item pairs go straight to diff-match-patch
_WINDOW = 500               # a stretch with no anchor is diffed in windows of this many items a side
_GRAMS = (8, 4, 2, 1)       # anchors: runs of 8 items that occur once in each side, else of 4, 2, 1

Diffs = list[tuple[int, str]]
Opcode = tuple[str, int, int, int, int]


def new_engine() -> diff_match_patch:
    """diff-match-patch with no time limit: a timeout silently turns a diff into 'all deleted, all inserted'."""
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    return engine


def encode(codes: dict[Hashable, str], items: Sequence[Hashable]) -> str:
    """The items as one character each, equal items as the same character (codes is shared by both sides)."""
    out = []
    for item in items:
        code = codes.get(item)
        if code is None:
            code = codes[item] = nth_char(len(codes))
        out.append(code)
    return "".join(out)


def diff_items(a: Sequence[Hashable], b: Sequence[Hashable]) -> Diffs:
    """The shortest edit script between two sequences of hashable items, as diff-match-patch
    diffs (-1, 0, 1 with one character per item), anchored when they are long."""
    codes: dict[Hashable, str] = {}
    return diff_chars(new_engine(), encode(codes, a), encode(codes, b))


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """difflib-style opcodes (equal, replace, delete, insert with their index ranges) from the engine's diff."""
    result: list[Opcode] = []
    i = j = 0
    for op, chars in diff_items(a, b):
        size = len(chars)
        if op == 0:
            result.append(("equal", i, i + size, j, j + size))
            i, j = i + size, j + size
            continue
        di, dj = (size, 0) if op == -1 else (0, size)
        if result and result[-1][0] != "equal":
            _, i1, i2, j1, j2 = result.pop()
            result.append(("replace", i1, i2 + di, j1, j2 + dj))
        else:
            result.append(("delete" if op == -1 else "insert", i, i + di, j, j + dj))
        i, j = i + di, j + dj
    return result


class Matcher:
    """The engine behind difflib's SequenceMatcher interface, for merge3 (and any code written for difflib).

    Unlike difflib it has no 'autojunk' heuristic (which ignores common words in
    long blocks) and it is bounded: a long pair is anchored, not aligned in
    quadratic time."""

    def __init__(self, isjunk: Callable[[Any], bool] | None = None, a: Sequence[Hashable] = (),
                 b: Sequence[Hashable] = (), autojunk: bool = False) -> None:
        self.a, self.b = a, b
        self._opcodes: list[Opcode] | None = None

    def get_opcodes(self) -> list[Opcode]:
        if self._opcodes is None:
            self._opcodes = opcodes(self.a, self.b)
        return self._opcodes

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        """(i, j, size) for each run of equal items, and (len(a), len(b), 0) to close, as difflib has them."""
        blocks = [(i1, j1, i2 - i1) for tag, i1, i2, j1, _ in self.get_opcodes() if tag == "equal"]
        return [*blocks, (len(self.a), len(self.b), 0)]


def diff_chars(engine: diff_match_patch, a: str, b: str) -> list[tuple[int, str]]:
    """diff-match-patch's diff of two strings (one character per item), anchored when they are long."""
    if len(a) * len(b) <= _DIRECT_CELLS:
        direct: Diffs = engine.diff_main(a, b, False)
        return direct
    out: list[tuple[int, str]] = []
    stack: list[tuple[str | None, str]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is None:                       # an anchor's equal text, in its turn
            out.append((0, y))
            continue
        if not x or not y:
            out.extend(([(-1, x)] if x else []) + ([(1, y)] if y else []))
            continue
        head = engine.diff_commonPrefix(x, y)
        if head:
            out.append((0, x[:head]))
            x, y = x[head:], y[head:]
        tail = engine.diff_commonSuffix(x, y)
        if tail:
            stack.append((None, x[len(x) - tail:]))
            x, y = x[:len(x) - tail], y[:len(y) - tail]
        if len(x) * len(y) <= _DIRECT_CELLS:
            out.extend(engine.diff_main(x, y, False))
            continue
        anchors = _anchors(x, y)
        if not anchors:
            out.extend(_windowed(engine, x, y))
            continue
        pieces: list[tuple[str | None, str]] = []
        i0 = j0 = 0
        for i, j in anchors:
            pieces.append((x[i0:i], y[j0:j]))
            pieces.append((None, x[i]))
            i0, j0 = i + 1, j + 1
        pieces.append((x[i0:], y[j0:]))
        stack.extend(reversed(pieces))
    engine.diff_cleanupMerge(out)
    return out


def _anchors(x: str, y: str) -> list[tuple[int, int]]:
    """Positions (i, j) with x[i] == y[j] where a run of items starting there occurs once in x and
    once in y, the longest chain increasing in both. Long runs are tried first, shorter ones only
    when no long one is shared: a shorter run is weaker evidence (it may be shared by chance)."""
    for size in _GRAMS:
        if size > min(len(x), len(y)):
            continue
        grams_x = [x[i:i + size] for i in range(len(x) - size + 1)]
        grams_y = [y[j:j + size] for j in range(len(y) - size + 1)]
        count_x, count_y = Counter(grams_x), Counter(grams_y)
        where = {gram: i for i, gram in enumerate(grams_x) if count_x[gram] == 1}
        candidates = [((where[gram], j), 1) for j, gram in enumerate(grams_y)
                      if count_y[gram] == 1 and gram in where]
        if candidates:
            return _heaviest_chain(candidates)
    return []


def _heaviest_chain(candidates: list[tuple[tuple[int, int], int]]) -> list[tuple[int, int]]:
    """The heaviest subsequence of ((i, j), weight) items, sorted by j, whose i and j both increase."""
    if not candidates:
        return []
    ranks = sorted({i for (i, _), _ in candidates})
    size = len(ranks)
    tree = [(0, -1)] * (size + 1)           # Fenwick tree of (best total, item index) over ranks of i
    total, previous = [0] * len(candidates), [-1] * len(candidates)
    for index, ((i, _), weight) in enumerate(candidates):
        rank = bisect_left(ranks, i) + 1
        best, best_index, position = 0, -1, rank - 1
        while position > 0:
            if tree[position][0] > best:
                best, best_index = tree[position]
            position -= position & -position
        total[index], previous[index] = best + weight, best_index
        position = rank
        while position <= size:
            if total[index] > tree[position][0]:
                tree[position] = (total[index], index)
            position += position & -position
    index = max(range(len(candidates)), key=total.__getitem__)
    chain = []
    while index != -1:
        chain.append(candidates[index][0])
        index = previous[index]
    return chain[::-1]


def _windowed(engine: diff_match_patch, x: str, y: str) -> list[tuple[int, str]]:
    """A diff of two long strings with no anchor, in overlapping windows: each window is diffed
    whole, and kept up to its last equality that starts in its first three quarters."""
    out: list[tuple[int, str]] = []
    i = j = 0
    while True:
        rest_x, rest_y = len(x) - i, len(y) - j
        if min(rest_x, rest_y) <= _WINDOW or rest_x * rest_y <= _DIRECT_CELLS:
            out.extend(engine.diff_main(x[i:], y[j:], False))
            return out
        if rest_x <= rest_y:
            wide_x, wide_y = _WINDOW, _WINDOW * rest_y // rest_x
        else:
            wide_x, wide_y = _WINDOW * rest_x // rest_y, _WINDOW
        window_x, window_y = x[i:i + wide_x], y[j:j + wide_y]
        diffs = ([(-1, window_x), (1, window_y)] if set(window_x).isdisjoint(window_y)
                 else engine.diff_main(window_x, window_y, False))
        cut, ci, cj = 0, 0, 0
        used_x = used_y = 0
        for index, (op, text) in enumerate(diffs):
            if op == 0 and used_x < wide_x * 3 // 4 and used_y < wide_y * 3 // 4:
                cut, ci, cj = index + 1, used_x + len(text), used_y + len(text)
            if op != 1:
                used_x += len(text)
            if op != -1:
                used_y += len(text)
        if cut:
            out.extend(diffs[:cut])
        else:
            ci, cj = wide_x // 2, wide_y // 2
            out.extend([(-1, x[i:i + ci]), (1, y[j:j + cj])])
        i, j = i + ci, j + cj


def nth_char(n: int) -> str:
    for low, high in _PLANES:
        if n <= high - low:
            return chr(low + n)
        n -= high - low + 1
    raise OverflowError("too many distinct items to compare")
