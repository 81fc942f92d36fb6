"""Word diff within one block: tokens mapped to characters, diff-match-patch, semantic cleanup."""

from __future__ import annotations

from collections.abc import Sequence

from diff_match_patch import diff_match_patch

from .blocks import Token

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Private-use planes: one character per distinct word of a block pair.
_PLANES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))

Script = list[tuple[str, tuple[Token, ...], tuple[Token, ...]]]


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
    diffs = engine.diff_main(old_chars, new_chars, False)
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
