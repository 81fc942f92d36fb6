"""Word diff within one block: tokens mapped to characters, the engine's diff, semantic cleanup."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol

from .engine import DELETE, EQUAL, INSERT, diff_chars, encode, new_engine


class Token(Protocol):
    """What the word diff reads of a token (the redline's `blocks.Token`): its text, kind and marks."""

    @property
    def text(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def marks(self) -> tuple[Any, ...]: ...
    def __hash__(self) -> int: ...


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
    codes: dict[Hashable, str] = {}
    old_chars = encode(codes, [_key(word) for _, word in old_units])
    new_chars = encode(codes, [_key(word) for _, word in new_units])
    engine = new_engine()
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


def _flatten(units: Sequence[tuple[Token | None, Token]]) -> tuple[Token, ...]:
    out: list[Token] = []
    for space, word in units:
        if space is not None:
            out.append(space)
        out.append(word)
    return tuple(out)


def _key(token: Token) -> Hashable:
    # Plain words are keyed by their (cached-hash) text; a Token never equals a str.
    return token.text if token.kind == "text" and not token.marks else token


def _append(script: Script, op: str, old: tuple[Token, ...], new: tuple[Token, ...]) -> None:
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
