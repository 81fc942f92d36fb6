"""Three-way merge of statement texts: merge3 on blocks, then on word tokens; conflicts as CriticMarkup.

Edits are placed only where merge3 finds them between blocks (or words) that
all three versions share; nothing is fuzzily patched. Where both sides changed
the same words, the result holds `{~~ours~>theirs~~}` and a Conflict says so.
"""

from __future__ import annotations

import difflib
from collections import Counter
import re
from dataclasses import dataclass, field

from merge3 import Merge3

from .layout import Block, Piece

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
BLOCK_BREAK = "\n\n"


class ExactMatcher(difflib.SequenceMatcher):
    """difflib without its 'autojunk' heuristic, which would ignore common words in long blocks."""

    def __init__(self, isjunk=None, a="", b="", autojunk=False):
        super().__init__(isjunk, a, b, autojunk=False)


@dataclass(frozen=True)
class Conflict:
    """A place both sides changed differently: what ours and theirs say, and the block it is in."""

    ours: str
    theirs: str
    where: str
    ours_side: str = ""
    theirs_side: str = ""

    def markup(self) -> str:
        return critic_substitution(self.ours, self.theirs)

    def note(self) -> str:
        """The CriticMarkup comment written after the conflict: who is on each side of the `~>`."""
        return f"{{>>{self.ours_side} ~> {self.theirs_side}<<}}" if self.ours_side or self.theirs_side else ""


def critic_substitution(ours: str, theirs: str) -> str:
    return f"{{~~{ours}~>{theirs}~~}}"


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
        merge = Merge3(base_tokens, ours_tokens, theirs_tokens, sequence_matcher=ExactMatcher)
        pieces = []
        for region in merge.merge_regions():
            kind = region[0]
            if kind == "unchanged":
                pieces.extend(base_tokens[region[1]:region[2]])
            elif kind in ("same", "a"):
                pieces.extend(ours_tokens[region[1]:region[2]])
            elif kind == "b":
                pieces.extend(theirs_tokens[region[1]:region[2]])
            else:
                pieces.extend(theirs_tokens[region[5]:region[6]])
    pieces = _coalesce(pieces)
    text_parts: list[str] = []
    conflicts: list[Conflict] = []
    for piece in pieces:
        if isinstance(piece, _Hunk):
            lead, ours_text, theirs_text, trail = piece.trimmed()
            text_parts.append(lead + critic_substitution(ours_text, theirs_text) + trail)
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
    for tag, i1, i2, j1, j2 in ExactMatcher(None, base, side).get_opcodes():
        if tag == "equal":
            kept[i1:i2] = range(j1, j2)
        elif hunks and all(token.isspace() for token in base[hunks[-1][1]:i1]):
            hunks[-1] = (hunks[-1][0], i2, hunks[-1][2], j2)
        else:
            hunks.append((i1, i2, j1, j2))
    return hunks, kept


def _phrase_merge(base: list[str], ours: list[str], theirs: list[str]) -> list:
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
    regions: list[list] = []
    for hunk, side in tagged:
        if regions and all(token.isspace() for token in base[regions[-1][1]:hunk[0]]):
            region = regions[-1]
            region[1] = max(region[1], hunk[1])
            region[2][side].append(hunk)
        else:
            regions.append([hunk[0], hunk[1], ([], [])])
            regions[-1][2][side].append(hunk)
    pieces: list = []
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


def _side_span(side: list[str], hunks, kept: list[int | None], start: int, end: int) -> list[str]:
    """A side's tokens for base[start:end]: its own edits there, and the base tokens it kept between."""
    first = hunks[0][2] if hunks and hunks[0][0] == start else kept[start]
    last = hunks[-1][3] if hunks and hunks[-1][1] == end else (kept[end - 1] + 1 if end > start else first)
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


def _coalesce(pieces: list) -> list:
    """Two collisions with only spaces between them are one collision: `{~~a b~>c d~~}`, not two."""
    result: list = []
    for piece in pieces:
        if isinstance(piece, _Hunk):
            gap: list[str] = []
            while result and isinstance(result[-1], str) and result[-1].isspace():
                gap.insert(0, result.pop())
            if result and isinstance(result[-1], _Hunk) and gap:
                previous = result.pop()
                result.append(_Hunk(previous.ours + gap + piece.ours, previous.theirs + gap + piece.theirs))
                continue
            if result and isinstance(result[-1], _Hunk) and not gap:
                previous = result.pop()
                result.append(_Hunk(previous.ours + piece.ours, previous.theirs + piece.theirs))
                continue
            result.extend(gap)
        result.append(piece)
    return result


def shorten(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


# Past this many word comparisons between the differing middles of two blocks, similarity counts shared
# words instead of aligning them: one block of a 200-page annex against its edit must not cost a minute.
SIMILARITY_CELLS = 250_000


def similarity(a: str, b: str) -> float:
    """2·matched / total words of the two blocks (difflib's ratio), in bounded time.

    The common first and last words are matched without search; only the middles are aligned, and
    middles too large to align are scored by the words they share (an upper bound of the ratio).
    """
    x, y = a.split(), b.split()
    total = len(x) + len(y)
    if not total:
        return 1.0
    head = 0
    limit = min(len(x), len(y))
    while head < limit and x[head] == y[head]:
        head += 1
    tail = 0
    while tail < limit - head and x[-1 - tail] == y[-1 - tail]:
        tail += 1
    middle_x, middle_y = x[head:len(x) - tail], y[head:len(y) - tail]
    if not middle_x or not middle_y:
        matched = 0
    elif len(middle_x) * len(middle_y) <= SIMILARITY_CELLS:
        blocks = difflib.SequenceMatcher(None, middle_x, middle_y, autojunk=False).get_matching_blocks()
        matched = sum(block.size for block in blocks)
    else:
        matched = sum((Counter(middle_x) & Counter(middle_y)).values())
    return 2.0 * (head + tail + matched) / total


# Past this many (old, new) comparisons, pairing walks both lists in step instead: a partner who
# rewrote hundreds of paragraphs at once must not cost minutes (the full pairing is quadratic).
PAIRING_CELLS = 40_000


def _pair_in_step(old: list[str], new: list[str], threshold: float) -> list[tuple[int, int]]:
    """Pairs found walking both lists in step, looking one block ahead on either side: linear."""
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < len(old) and j < len(new):
        if similarity(old[i], new[j]) >= threshold:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif j + 1 < len(new) and similarity(old[i], new[j + 1]) >= threshold:
            j += 1
        elif i + 1 < len(old) and similarity(old[i + 1], new[j]) >= threshold:
            i += 1
        else:
            i, j = i + 1, j + 1
    return pairs


def pair_blocks(old: list[str], new: list[str], threshold: float = 0.5) -> list[tuple[int, int]]:
    """Pairs (i, j), in order, of old and new blocks similar enough to be one block edited."""
    if len(old) == len(new) == 1:
        return [(0, 0)] if similarity(old[0], new[0]) >= threshold * 0.6 else []
    rows, cols = len(old), len(new)
    if rows * cols > PAIRING_CELLS:
        return _pair_in_step(old, new, threshold)
    score = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if difflib.SequenceMatcher(None, old[i].split(), new[j].split()).quick_ratio() >= threshold:
                ratio = similarity(old[i], new[j])
                if ratio >= threshold:
                    best = max(best, score[i + 1][j + 1] + ratio)
            score[i][j] = best
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < rows and j < cols:
        if score[i][j] == score[i + 1][j]:
            i += 1
        elif score[i][j] == score[i][j + 1]:
            j += 1
        else:
            pairs.append((i, j))
            i, j = i + 1, j + 1
    return pairs


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
    merge = Merge3(base, ours_texts, theirs_texts, sequence_matcher=ExactMatcher)
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
        text = critic_substitution(BLOCK_BREAK.join(ours_texts), BLOCK_BREAK.join(theirs_texts))
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
