"""Three-way merge of statement texts: merge3 on blocks, then on word tokens; conflicts as CriticMarkup.

Edits are placed only where merge3 finds them between blocks (or words) that
all three versions share; nothing is fuzzily patched. Where both sides changed
the same words, the result holds `{~~ours~>theirs~~}` and a Conflict says so.
merge3 finds the regions; which blocks and words match is textdiff's `Matcher`
(the engine every comparison uses), and edited blocks are paired by textdiff's
alignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from merge3 import Merge3

from .. import criticmarkup
from ..textdiff import Matcher, pair_blocks
from .layout import Block, Piece

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
BLOCK_BREAK = "\n\n"


@dataclass(frozen=True)
class Conflict:
    """A place both sides changed differently: what ours and theirs say, and the block it is in."""

    ours: str
    theirs: str
    where: str
    ours_side: str = ""
    theirs_side: str = ""

    def markup(self) -> str:
        return criticmarkup.substitution(self.ours, self.theirs)

    def note(self) -> str:
        """The CriticMarkup comment written after the conflict: who is on each side of the `~>`."""
        return criticmarkup.comment(f"{self.ours_side} ~> {self.theirs_side}") if self.ours_side or self.theirs_side else ""


@dataclass
class WordMerge:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def merge_words(base: str, ours: str, theirs: str, *, theirs_wins: bool = False) -> WordMerge:
    """Merge two edits of one text word by word; where they collide, CriticMarkup (or theirs, if told)."""
    if ours == theirs or theirs == base:
        return WordMerge(ours)
    if ours == base:
        return WordMerge(theirs)
    base_tokens, ours_tokens, theirs_tokens = tokens(base), tokens(ours), tokens(theirs)
    if not theirs_wins:
        pieces = _phrase_merge(base_tokens, ours_tokens, theirs_tokens)
    else:
        merge = Merge3(base_tokens, ours_tokens, theirs_tokens, sequence_matcher=Matcher)
        pieces = []
        for region in merge.merge_regions():
            kind = region[0]
            if kind == "unchanged":
                pieces.extend(base_tokens[region[1]:region[2]])
            elif kind in ("same", "a"):
                pieces.extend(ours_tokens[region[1]:region[2]])
            elif kind == "b":
                pieces.extend(theirs_tokens[region[1]:region[2]])
            else:  # a conflict: (kind, base start, end, ours start, end, theirs start, end)
                theirs_start, theirs_end = cast(tuple[int, ...], region)[5:7]
                pieces.extend(theirs_tokens[theirs_start:theirs_end])
    pieces = _coalesce(pieces)
    text_parts: list[str] = []
    conflicts: list[Conflict] = []
    for piece in pieces:
        if isinstance(piece, _Hunk):
            lead, ours_text, theirs_text, trail = piece.trimmed()
            text_parts.append(lead + criticmarkup.substitution(ours_text, theirs_text) + trail)
            conflicts.append(Conflict(ours_text, theirs_text, ""))
        else:
            text_parts.append(piece)
    text = "".join(text_parts)
    return WordMerge(text, [Conflict(c.ours, c.theirs, shorten(text)) for c in conflicts])


def _changes(base: list[str], side: list[str]) -> tuple[list[tuple[int, int, int, int]], list[int | None]]:
    """The side's edits of base as (base start, base end, side start, side end), edits apart only by
    spaces joined into one phrase; and, for each base token the side kept (and the end), its index there."""
    hunks: list[tuple[int, int, int, int]] = []
    kept: list[int | None] = [None] * (len(base) + 1)
    kept[len(base)] = len(side)
    for tag, i1, i2, j1, j2 in Matcher(None, base, side).get_opcodes():
        if tag == "equal":
            kept[i1:i2] = range(j1, j2)
        elif hunks and all(token.isspace() for token in base[hunks[-1][1]:i1]):
            hunks[-1] = (hunks[-1][0], i2, hunks[-1][2], j2)
        else:
            hunks.append((i1, i2, j1, j2))
    return hunks, kept


def _phrase_merge(base: list[str], ours: list[str], theirs: list[str]) -> list[str | _Hunk]:
    """A three-way word merge whose collisions hold whole phrases.

    Each side's edits are phrases of base (edits apart only by spaces are one
    phrase). Phrases of the two sides that overlap or touch form one region; a
    region both sides changed, differently, is a collision that holds each
    side's full wording of the whole region, so accepting either side gives
    exactly that side's text ("within eighteen months" -> "two years" against
    "twelve months" collides as `two years` against `twelve months`).
    """
    ours_hunks, ours_kept = _changes(base, ours)
    theirs_hunks, theirs_kept = _changes(base, theirs)
    tagged = sorted([(h, 0) for h in ours_hunks] + [(h, 1) for h in theirs_hunks], key=lambda item: item[0][:2])
    regions: list[list[Any]] = []   # [base start, base end, (ours' hunks, theirs' hunks)]
    for hunk, side in tagged:
        if regions and all(token.isspace() for token in base[regions[-1][1]:hunk[0]]):
            region = regions[-1]
            region[1] = max(region[1], hunk[1])
            region[2][side].append(hunk)
        else:
            regions.append([hunk[0], hunk[1], ([], [])])
            regions[-1][2][side].append(hunk)
    pieces: list[str | _Hunk] = []
    position = 0
    for start, end, (ours_in, theirs_in) in regions:
        pieces.extend(base[position:start])
        ours_text = _side_span(ours, ours_in, ours_kept, start, end)
        theirs_text = _side_span(theirs, theirs_in, theirs_kept, start, end)
        if not theirs_in or ours_text == theirs_text:
            pieces.extend(ours_text)
        elif not ours_in:
            pieces.extend(theirs_text)
        else:
            pieces.append(_Hunk(ours_text, theirs_text))
        position = end
    pieces.extend(base[position:])
    return pieces


def _side_span(side: list[str], hunks: list[tuple[int, int, int, int]], kept: list[int | None], start: int,
               end: int) -> list[str]:
    """A side's tokens for base[start:end]: its own edits there, and the base tokens it kept between."""
    # A base token outside this side's hunks is one it kept: its index there is known.
    first = hunks[0][2] if hunks and hunks[0][0] == start else cast(int, kept[start])
    last = hunks[-1][3] if hunks and hunks[-1][1] == end else (cast(int, kept[end - 1]) + 1 if end > start else first)
    return side[first:last]


@dataclass
class _Hunk:
    ours: list[str]
    theirs: list[str]

    def trimmed(self) -> tuple[str, str, str, str]:
        """Whitespace both sides share at the ends goes outside the markup."""
        ours, theirs = "".join(self.ours), "".join(self.theirs)
        lead = _common_prefix_space(ours, theirs)
        ours, theirs = ours[len(lead):], theirs[len(lead):]
        trail = _common_prefix_space(ours[::-1], theirs[::-1])[::-1]
        if trail:
            ours, theirs = ours[:len(ours) - len(trail)], theirs[:len(theirs) - len(trail)]
        return lead, ours, theirs, trail


def _common_prefix_space(a: str, b: str) -> str:
    size = 0
    while size < len(a) and size < len(b) and a[size] == b[size] and a[size].isspace():
        size += 1
    return a[:size]


def _coalesce(pieces: list[str | _Hunk]) -> list[str | _Hunk]:
    """Two collisions with only spaces between them are one collision: `{~~a b~>c d~~}`, not two."""
    result: list[str | _Hunk] = []
    for piece in pieces:
        if isinstance(piece, _Hunk):
            gap: list[str] = []
            while result and isinstance(result[-1], str) and result[-1].isspace():
                gap.insert(0, cast(str, result.pop()))
            previous = result[-1] if result else None
            if isinstance(previous, _Hunk) and gap:
                result.pop()
                result.append(_Hunk(previous.ours + gap + piece.ours, previous.theirs + gap + piece.theirs))
                continue
            if isinstance(previous, _Hunk) and not gap:
                result.pop()
                result.append(_Hunk(previous.ours + piece.ours, previous.theirs + piece.theirs))
                continue
            result.extend(gap)
        result.append(piece)
    return result


def shorten(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


@dataclass
class BlockMerge:
    """The merged body as pieces, with how many of the partner's block edits landed and what collided."""

    pieces: list[Piece]
    applied: int = 0
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def merge_blocks(base: list[str], ours: list[Block], theirs: list[Block]) -> BlockMerge:
    """Merge theirs (an edit of base) onto ours (another edit of base), block by block."""
    ours_texts = [block.text for block in ours]
    theirs_texts = [block.text for block in theirs]
    merge = Merge3(base, ours_texts, theirs_texts, sequence_matcher=Matcher)
    result = BlockMerge([])
    iz = ia = ib = 0
    for zmatch, zend, amatch, aend, bmatch, bend in merge.find_sync_regions():
        if amatch > ia or bmatch > ib:
            _merge_region(result, base[iz:zmatch], ours, ia, amatch, theirs[ib:bmatch])
        result.pieces.extend(Piece(ours[index].text, keep=index) for index in range(amatch, aend))
        iz, ia, ib = zend, aend, bend
    return result


def _merge_region(result: BlockMerge, base: list[str], ours: list[Block], a0: int, a1: int,
                  theirs: list[Block]) -> None:
    ours_texts = [block.text for block in ours[a0:a1]]
    theirs_texts = [block.text for block in theirs]
    keep_ours = [Piece(ours[index].text, keep=index) for index in range(a0, a1)]
    if ours_texts == theirs_texts:
        result.pieces.extend(keep_ours)
        result.already += max(len(base), len(theirs_texts))
        return
    if theirs_texts == base:
        result.pieces.extend(keep_ours)
        return
    if ours_texts == base:
        at = {j: a0 + i for i, j in pair_blocks(base, theirs_texts)}
        result.pieces.extend(Piece(block.text, at=at.get(j), indent=block.indent) for j, block in enumerate(theirs))
        result.applied += len(base) + len(theirs_texts) - len(at)
        return
    if len(base) == len(ours_texts) == len(theirs_texts):
        for offset, (base_text, theirs_block) in enumerate(zip(base, theirs)):
            index = a0 + offset
            ours_text = ours[index].text
            if theirs_block.text in (base_text, ours_text):
                result.pieces.append(Piece(ours_text, keep=index))
                if theirs_block.text == ours_text != base_text:
                    result.already += 1
                continue
            merged = merge_words(base_text, ours_text, theirs_block.text)
            result.pieces.append(Piece(merged.text, at=index))
            result.conflicts.extend(merged.conflicts)
            result.applied += not merged.conflicts
        return
    merged = merge_words(BLOCK_BREAK.join(base), BLOCK_BREAK.join(ours_texts), BLOCK_BREAK.join(theirs_texts))
    if any(BLOCK_BREAK in c.ours or BLOCK_BREAK in c.theirs for c in merged.conflicts):
        text = criticmarkup.substitution(BLOCK_BREAK.join(ours_texts), BLOCK_BREAK.join(theirs_texts))
        result.pieces.append(Piece(text, at=a0 if a1 > a0 else None))
        result.conflicts.append(Conflict(BLOCK_BREAK.join(ours_texts), BLOCK_BREAK.join(theirs_texts),
                                         shorten(text)))
        return
    texts = [text for text in merged.text.split(BLOCK_BREAK) if text.strip()]
    at = {j: a0 + i for i, j in pair_blocks(ours_texts, texts)}
    for j, text in enumerate(texts):
        if j in at and ours[at[j]].text == text:
            result.pieces.append(Piece(text, keep=at[j]))
        else:
            result.pieces.append(Piece(text, at=at.get(j)))
    for conflict in merged.conflicts:
        where = next((text for text in texts if conflict.markup() in text), conflict.where)
        result.conflicts.append(Conflict(conflict.ours, conflict.theirs, shorten(where)))
    if not merged.conflicts:
        result.applied += max(len(base), len(theirs_texts))
