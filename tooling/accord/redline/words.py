"""Word diff within one block: tokens mapped to characters, diff-match-patch, semantic cleanup.

diff-match-patch finds the shortest edit script, but its cost grows with the
product of the lengths and the number of edits: a 20,000-word paragraph with 60%
of its words changed takes over a minute. A block pair larger than _DIRECT_CELLS
is therefore anchored first (patience diff on runs of words that occur once in
each side, longest runs first, the longest chain in order), and only the stretches between
anchors, each small, go to diff-match-patch; a long stretch with no anchor at all
is diffed in overlapping windows. The cost grows near-linearly, and ordinary
blocks (up to 500 x 500 words) are diffed exactly as before.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence

from diff_match_patch import diff_match_patch

from .blocks import Token

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Private-use planes: one character per distinct word of a block pair.
_PLANES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))

Script = list[tuple[str, tuple[Token, ...], tuple[Token, ...]]]

_DIRECT_CELLS = 500 * 500   # block pairs up to this many word pairs go straight to diff-match-patch
_WINDOW = 500               # a stretch with no anchor is diffed in windows of this many words a side
_GRAMS = (8, 4, 2, 1)       # anchors: runs of 8 words that occur once in each side, else of 4, 2, 1


def diff_tokens(old: Sequence[Token], new: Sequence[Token]) -> Script:
    """The edit script from old tokens to new: (op, old tokens, new tokens) triples in order.

    An equal triple has both sides (same words; footnote content may differ), an
    insert only new tokens, a delete only old ones. Words are diffed, not spaces:
    each word (with the space before it riding along) is one character for
    diff-match-patch, so edits fall on word boundaries and the diff is half as
    long. It runs with no time limit (one block is small), then semantic cleanup
    merges edits split by a lone common word into one readable replacement.
    """
    old, new = tuple(old), tuple(new)
    if old == new:
        return [(EQUAL, old, new)] if old else []
    old_units, new_units = _units(old), _units(new)
    codes: dict = {}
    old_chars = "".join(_code(codes, word) for _, word in old_units)
    new_chars = "".join(_code(codes, word) for _, word in new_units)
    engine = diff_match_patch()
    engine.Diff_Timeout = 0
    diffs = diff_chars(engine, old_chars, new_chars)
    engine.diff_cleanupSemantic(diffs)
    script: Script = []
    i = j = 0
    for op, chars in diffs:
        size = len(chars)
        if op == 0:
            for (old_space, old_word), (new_space, new_word) in zip(old_units[i:i + size], new_units[j:j + size]):
                if old_space is not None and new_space is not None:
                    _append(script, EQUAL, (old_space,), (new_space,))
                elif new_space is not None:
                    _append(script, INSERT, (), (new_space,))
                elif old_space is not None:
                    _append(script, DELETE, (old_space,), ())
                _append(script, EQUAL, (old_word,), (new_word,))
            i, j = i + size, j + size
        elif op == -1:
            _append(script, DELETE, _flatten(old_units[i:i + size]), ())
            i += size
        else:
            _append(script, INSERT, (), _flatten(new_units[j:j + size]))
            j += size
    return _spaces_outside(_deletions_first(script))


def diff_chars(engine: diff_match_patch, a: str, b: str) -> list[tuple[int, str]]:
    """diff-match-patch's diff of two strings (one character per word), anchored when they are long."""
    if len(a) * len(b) <= _DIRECT_CELLS:
        return engine.diff_main(a, b, False)
    out: list[tuple[int, str]] = []
    stack: list[tuple[str, str]] = [(a, b)]
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
        pieces = []
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
    """Positions (i, j) with x[i] == y[j] where a run of words starting there occurs once in x and
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


def _heaviest_chain(candidates: list) -> list[tuple[int, int]]:
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


def _units(tokens: tuple[Token, ...]) -> list[tuple[Token | None, Token]]:
    """(space before or None, word) pairs; a space with no word after it stands alone."""
    units: list[tuple[Token | None, Token]] = []
    space = None
    for token in tokens:
        if token.kind == "space":
            if space is not None:
                units.append((None, space))
            space = token
        else:
            units.append((space, token))
            space = None
    if space is not None:
        units.append((None, space))
    return units


def _flatten(units) -> tuple[Token, ...]:
    out: list[Token] = []
    for space, word in units:
        if space is not None:
            out.append(space)
        out.append(word)
    return tuple(out)


def _code(codes: dict, token: Token) -> str:
    # Plain words are keyed by their (cached-hash) text; a Token never equals a str.
    key = token.text if token.kind == "text" and not token.marks else token
    code = codes.get(key)
    if code is None:
        code = codes[key] = _nth_char(len(codes))
    return code


def _nth_char(n: int) -> str:
    for low, high in _PLANES:
        if n <= high - low:
            return chr(low + n)
        n -= high - low + 1
    raise OverflowError("too many distinct words in one block")


def _append(script: Script, op: str, old: tuple, new: tuple) -> None:
    if script and script[-1][0] == op:
        _, prev_old, prev_new = script[-1]
        script[-1] = (op, prev_old + old, prev_new + new)
    else:
        script.append((op, old, new))


def _deletions_first(script: Script) -> Script:
    """Within each stretch of edits between equal runs, put the deletion before the insertion."""
    out: Script = []
    for entry in script:
        if entry[0] == DELETE and out and out[-1][0] == INSERT:
            inserted = out.pop()
            _append(out, DELETE, entry[1], ())
            out.append(inserted)
        else:
            _append(out, *entry)
    return out


def _spaces_outside(script: Script) -> Script:
    """`a[- b-]{+ x+} c` reads better as `a [-b-]{+x+} c`: a space both sides of a replacement
    start with belongs to the text before it."""
    out: Script = []
    index = 0
    while index < len(script):
        entry = script[index]
        if (entry[0] == DELETE and index + 1 < len(script) and script[index + 1][0] == INSERT
                and out and out[-1][0] == EQUAL):
            deleted, inserted = entry[1], script[index + 1][2]
            if deleted[0].kind == "space" and inserted[0].kind == "space":
                _append(out, EQUAL, deleted[:1], inserted[:1])
                if deleted[1:]:
                    out.append((DELETE, deleted[1:], ()))
                if inserted[1:]:
                    out.append((INSERT, (), inserted[1:]))
                index += 2
                continue
        out.append(entry)
        index += 1
    return out
