"""Carrying a partner's edits from the DOCX's wording back onto the statement's own Markdown.

Three versions meet here: the source (the statement.md blocks at the base
commit), the sent text (that source as read back from the DOCX we sent) and the
returned text (the partner's DOCX, changes accepted). Sent and returned are both
pandoc's Markdown, so their difference is exactly the partner's edits; each
edited block is mapped to its source block and the edit is carried over word by
word, keeping the source's own markup wherever the partner did not touch it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..textdiff import Matcher, pair_blocks
from .layout import FOOTNOTE_REF, Block, block_kind, is_rule_row
from .merge import merge_words, shorten

_LIST_MARKER = re.compile(r"^(?:[-*+]|\d{1,9}[.)]|#[.)]|\(?[a-zA-Z][.)])\s+")
_ATTRIBUTES = re.compile(r"\{[^{}]*\}")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def plain_key(text: str, *, marker: bool = True) -> str:
    """What a block says, without its markup: the words a reader sees, lower-cased.

    marker=False keeps a leading list number: for a line like "2003. The ..." that
    `markdown_blocks` splits off a paragraph, the number is words, not a marker.
    """
    if is_rule_row(text):  # a table's rule, however its columns are aligned: it has no words to match by
        return "| table rule |"
    definition = re.match(r"\[\^([^\]\s]+)\]:", text)
    prefix = f"note {definition.group(1)} " if definition else ""
    if definition:
        text = text[definition.end():]
    text = FOOTNOTE_REF.sub(" ", text)
    text = _LINK_TARGET.sub("] ", _ATTRIBUTES.sub(" ", text.lstrip("#> ")))
    text = (_LIST_MARKER.sub("", text.strip()) if marker else text.strip()).translate(_QUOTES).lower()
    words = re.findall(r"\w+", text)
    return prefix + " ".join(words) if words else prefix + re.sub(r"\s+", "", text)


def map_blocks(source: list[Block], sent: list[Block]) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Which source block each sent block came from: {sent index: source index}, and the source
    blocks that belong to the same sent block after its first ({sent index: [source indexes]}).

    Blocks of the sent DOCX with no source block (a title page, a signatory
    list the build adds) stay unmapped. A paragraph the canonical splitter cuts
    in two (a line that starts "2003. ...") is one paragraph in the DOCX: both
    source blocks map to it.
    """
    source_keys = [plain_key(block.text) for block in source]
    sent_keys = [plain_key(block.text) for block in sent]
    mapping: dict[int, int] = {}
    joined: dict[int, list[int]] = {}
    for tag, i1, i2, j1, j2 in Matcher(None, source_keys, sent_keys).get_opcodes():
        if tag == "equal":
            mapping.update({j1 + offset: i1 + offset for offset in range(i2 - i1)})
        elif tag == "replace":
            grouped = _split_paragraphs(source, source_keys, sent_keys, i1, i2, j1, j2)
            for j, indexes in grouped.items():
                mapping[j] = indexes[0]
                joined[j] = indexes[1:]
            used = {i for indexes in grouped.values() for i in indexes}
            rest_source = [i for i in range(i1, i2) if i not in used]
            rest_sent = [j for j in range(j1, j2) if j not in grouped]
            for a, b in pair_blocks([source_keys[i] for i in rest_source], [sent_keys[j] for j in rest_sent]):
                mapping[rest_sent[b]] = rest_source[a]
    # Blocks the source keeps elsewhere (a footnote written under its paragraph) match by their words.
    taken = set(mapping.values()) | {i for indexes in joined.values() for i in indexes}
    unmapped_source = defaultdict(list)
    for index, key in enumerate(source_keys):
        if index not in taken:
            unmapped_source[key].append(index)
    for index, key in enumerate(sent_keys):
        if index not in mapping and len(unmapped_source.get(key, ())) == 1:
            mapping[index] = unmapped_source.pop(key)[0]
    return mapping, joined


def _split_paragraphs(source: list[Block], source_keys: list[str], sent_keys: list[str], i1: int, i2: int, j1: int,
                      j2: int) -> dict[int, list[int]]:
    """Runs of two or more source blocks whose words, read on, are exactly one sent block's."""
    groups: dict[int, list[int]] = {}
    start = i1
    for j in range(j1, j2):
        for first in range(start, i2 - 1):
            words = source_keys[first]
            for last in range(first + 1, i2):
                words = f"{words} {plain_key(source[last].text, marker=False)}".strip()
                if words == sent_keys[j]:
                    groups[j] = list(range(first, last + 1))
                    break
                if not sent_keys[j].startswith(words):
                    break
            if j in groups:
                start = groups[j][-1] + 1
                break
    return groups


@dataclass
class Carried:
    """The partner's version in the source's Markdown, and edits that had no source block to land in."""

    blocks: list[Block]
    edited: int = 0
    outside: list[str] = field(default_factory=list)


def carry_edits(source: list[Block], sent: list[Block], returned: list[Block]) -> Carried:
    """Apply the sent -> returned edits to the source blocks."""
    mapping, joined = map_blocks(source, sent)
    sent_texts = [unnumbered(block.text) for block in sent]
    returned_texts = [unnumbered(block.text) for block in returned]
    replaced: dict[int, Block] = {}
    deleted: set[int] = set()
    after: dict[int | None, list[Block]] = defaultdict(list)
    carried = Carried([])
    source_of_returned: dict[int, int] = {}
    # Source blocks the sent reading lost (pandoc drops a table with only empty cells, say): a
    # returned block that is one of them, where it stood, is that block unchanged, not an insertion.
    sent_lost = set(range(len(source))) - set(mapping.values()) - {i for rest in joined.values() for i in rest}
    for tag, j1, j2, k1, k2 in Matcher(None, sent_texts, returned_texts).get_opcodes():
        if tag == "equal":
            source_of_returned.update({k1 + n: mapping[j1 + n] for n in range(j2 - j1) if j1 + n in mapping})
            continue
        pairs = pair_blocks(sent_texts[j1:j2], returned_texts[k1:k2]) if tag == "replace" else []
        returned_of = {j1 + j: k1 + k for j, k in pairs}
        source_of_returned.update({k: mapping[j] for j, k in returned_of.items() if j in mapping})
        sent_of = {k: j for j, k in returned_of.items()}
        for j in range(j1, j2):
            source_index = mapping.get(j)
            if j in returned_of:
                new = returned[returned_of[j]]
                if source_index is None:
                    carried.outside.append(not_carried(returned_of[j], new.text))
                else:
                    replaced[source_index] = carry_block(_joined(source, source_index, joined.get(j, ())),
                                                         sent[j], new)
                    deleted.update(joined.get(j, ()))
            elif source_index is not None:
                deleted.add(source_index)
                deleted.update(joined.get(j, ()))
        # A new block goes after the block it follows in the DOCX; one that follows page
        # furniture (the signatory block) is not part of the statement's text.
        previous = j1 - 1
        anchor: int | None = mapping.get(previous) if previous >= 0 else -1
        found_again = 0
        for k in range(k1, k2):
            if k in sent_of:
                previous = sent_of[k]
                anchor = mapping.get(previous)
                continue
            if _splits_a_table(returned, k):
                carried.outside.append(f"¶ {k + 1} of the returned file: a table split in two or begun right "
                                       f"after another could not be carried; the tables stay as they were: "
                                       f"\"{shorten(returned[k - 1].text)}\"")
                continue
            lost = _lost_block_at(source, sent_lost, anchor, returned[k].text)
            if lost is not None:
                sent_lost.discard(lost)
                anchor = lost
                if unnumbered(source[lost].text) == unnumbered(returned[k].text):
                    found_again += 1
                else:  # a row of a table that was empty when sent, now filled in
                    replaced[lost] = Block(returned[k].text, indent=source[lost].indent)
            elif anchor == -1:
                after[None].append(returned[k])
            elif anchor is not None:
                after[anchor].append(returned[k])
            else:
                carried.outside.append(not_carried(k, returned[k].text))
        carried.edited += (j2 - j1) + (k2 - k1) - len(pairs) - found_again
    if carried.edited:
        _number_list_starts(source, returned, source_of_returned, replaced)
        # A block the DOCX reading never showed (an empty list item, say) cannot be compared:
        # whether the partner kept it is unknown, so it stays, and the summary says so.
        carried.outside += [f"¶ {index + 1} of the statement, \"{shorten(source[index].text)}\", has no paragraph "
                            "in the DOCX as read, so whether the partner kept it cannot be told; it stays"
                            for index in sorted(sent_lost) if block_kind(source[index].text) != "table"]
    blocks = list(after[None])
    for index, block in enumerate(source):
        if index in replaced:
            blocks.append(replaced[index])
        elif index not in deleted:
            blocks.append(block)
        blocks.extend(after[index])
    carried.blocks = blocks
    return carried


_ORDERED_MARKER = re.compile(r"^\d{1,9}(?=[.)]\s)")


def _lost_block_at(source: list[Block], lost: set[int], anchor: int | None, text: str) -> int | None:
    """The first lost source block right after `anchor` (lost blocks only in between) that says `text`."""
    if anchor is None:
        return None
    index = anchor + 1
    while index in lost:
        if unnumbered(source[index].text) == unnumbered(text) or _same_table_shape(source[index].text, text):
            return index
        index += 1
    return None


def _splits_a_table(returned: list[Block], k: int) -> bool:
    """Whether the new block k is the rule of a table that begins right where another ends (a
    table split in two, or a new one joined on): blocks do not say where a table ends, so such a
    rule would land inside the table before it."""
    return (is_rule_row(returned[k].text) and k >= 2 and block_kind(returned[k - 1].text) == "table"
            and block_kind(returned[k - 2].text) == "table")


def _same_table_shape(old: str, new: str) -> bool:
    """Two table rows with as many cells, the old one empty (its cells blank or rules), the new one a row."""
    if block_kind(old) != "table" or block_kind(new) != "table" or is_rule_row(new):
        return False
    old_cells, new_cells = old.strip("|").split("|"), new.strip("|").split("|")
    return len(old_cells) == len(new_cells) and all(re.fullmatch(r"\s*:?-*:?\s*", cell) for cell in old_cells)


def not_carried(index: int, text: str) -> str:
    """How an edit that was not carried is listed: its paragraph in the returned file (counted as
    read, from 1) and its words."""
    return f"¶ {index + 1} of the returned file, outside the statement text: \"{shorten(text)}\""


def _number_list_starts(source: list[Block], returned: list[Block], source_of_returned: dict[int, int],
                        replaced: dict[int, Block]) -> None:
    """A list's first number is the one thing about numbering Markdown keeps: where the partner's list
    starts with another number (its first item deleted, say), the source's first item takes it."""
    for k, block in enumerate(returned):
        number = _ORDERED_MARKER.match(block.text)
        if not number or (k > 0 and block_kind(returned[k - 1].text) == "list") or k not in source_of_returned:
            continue
        index = source_of_returned[k]
        current = replaced.get(index, source[index])
        own_number = _ORDERED_MARKER.match(current.text)
        if own_number and own_number.group(0) != number.group(0):
            replaced[index] = Block(_ORDERED_MARKER.sub(number.group(0), current.text), indent=current.indent)


def unnumbered(text: str) -> str:
    """A block with its ordered-list number blanked: Word renumbers a list, the partner did not type it."""
    return _ORDERED_MARKER.sub("#", text)


def _joined(source: list[Block], first: int, rest: Sequence[int]) -> Block:
    if not rest:
        return source[first]
    return Block(" ".join(source[index].text for index in (first, *rest)), indent=source[first].indent)


def carry_block(source: Block, sent: Block, returned: Block) -> Block:
    """The returned block's edits on the source block's own wording and markup.

    A three-way word merge with the sent block as base: the source's markup
    (its emphasis style, its footnote labels, a list marker pandoc adds) is one
    side, the partner's edit the other; where they touch, the partner's wins.
    """
    sent_number = _ORDERED_MARKER.match(sent.text)
    returned_text = returned.text
    if sent_number and _ORDERED_MARKER.match(returned_text):
        returned_text = _ORDERED_MARKER.sub(sent_number.group(0), returned_text)
    if source.text == sent.text:
        return Block(returned_text, indent=source.indent)
    merged = merge_words(sent.text, source.text, returned_text, theirs_wins=True)
    return Block(merged.text, indent=source.indent)
