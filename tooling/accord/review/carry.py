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
from dataclasses import dataclass, field

from .layout import FOOTNOTE_REF, Block
from .merge import ExactMatcher, merge_words, pair_blocks, shorten

_LIST_MARKER = re.compile(r"^(?:[-*+]|\d{1,9}[.)]|#[.)]|\(?[a-zA-Z][.)])\s+")
_ATTRIBUTES = re.compile(r"\{[^{}]*\}")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def plain_key(text: str) -> str:
    """What a block says, without its markup: the words a reader sees, lower-cased."""
    definition = re.match(r"\[\^([^\]\s]+)\]:", text)
    prefix = f"note {definition.group(1)} " if definition else ""
    if definition:
        text = text[definition.end():]
    text = FOOTNOTE_REF.sub(" ", text)
    text = _LINK_TARGET.sub("] ", _ATTRIBUTES.sub(" ", text.lstrip("#> ")))
    text = _LIST_MARKER.sub("", text.strip()).translate(_QUOTES).lower()
    words = re.findall(r"\w+", text)
    return prefix + " ".join(words) if words else prefix + re.sub(r"\s+", "", text)


def map_blocks(source: list[Block], sent: list[Block]) -> dict[int, int]:
    """Which source block each sent block came from: {sent index: source index}.

    Blocks of the sent DOCX with no source block (a title page, a signatory
    list the build adds) stay unmapped.
    """
    source_keys = [plain_key(block.text) for block in source]
    sent_keys = [plain_key(block.text) for block in sent]
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in ExactMatcher(None, source_keys, sent_keys).get_opcodes():
        if tag == "equal":
            mapping.update({j1 + offset: i1 + offset for offset in range(i2 - i1)})
        elif tag == "replace":
            for i, j in pair_blocks(source_keys[i1:i2], sent_keys[j1:j2]):
                mapping[j1 + j] = i1 + i
    # Blocks the source keeps elsewhere (a footnote written under its paragraph) match by their words.
    unmapped_source = defaultdict(list)
    for index, key in enumerate(source_keys):
        if index not in mapping.values():
            unmapped_source[key].append(index)
    for index, key in enumerate(sent_keys):
        if index not in mapping and len(unmapped_source.get(key, ())) == 1:
            mapping[index] = unmapped_source.pop(key)[0]
    return mapping


@dataclass
class Carried:
    """The partner's version in the source's Markdown, and edits that had no source block to land in."""

    blocks: list[Block]
    edited: int = 0
    outside: list[str] = field(default_factory=list)


def carry_edits(source: list[Block], sent: list[Block], returned: list[Block]) -> Carried:
    """Apply the sent -> returned edits to the source blocks."""
    mapping = map_blocks(source, sent)
    sent_texts = [block.text for block in sent]
    returned_texts = [block.text for block in returned]
    replaced: dict[int, Block] = {}
    deleted: set[int] = set()
    after: dict[int | None, list[Block]] = defaultdict(list)
    carried = Carried([])
    for tag, j1, j2, k1, k2 in ExactMatcher(None, sent_texts, returned_texts).get_opcodes():
        if tag == "equal":
            continue
        pairs = pair_blocks(sent_texts[j1:j2], returned_texts[k1:k2]) if tag == "replace" else []
        returned_of = {j1 + j: k1 + k for j, k in pairs}
        sent_of = {k: j for j, k in returned_of.items()}
        for j in range(j1, j2):
            source_index = mapping.get(j)
            if j in returned_of:
                new = returned[returned_of[j]]
                if source_index is None:
                    carried.outside.append(shorten(new.text))
                else:
                    replaced[source_index] = carry_block(source[source_index], sent[j], new)
            elif source_index is not None:
                deleted.add(source_index)
        cursor = next((mapping[j] for j in range(j1 - 1, -1, -1) if j in mapping), None)
        for k in range(k1, k2):
            if k in sent_of:
                cursor = mapping.get(sent_of[k], cursor)
            else:
                after[cursor].append(returned[k])
        carried.edited += (j2 - j1) + (k2 - k1) - len(pairs)
    blocks = list(after[None])
    for index, block in enumerate(source):
        if index in replaced:
            blocks.append(replaced[index])
        elif index not in deleted:
            blocks.append(block)
        blocks.extend(after[index])
    carried.blocks = blocks
    return carried


def carry_block(source: Block, sent: Block, returned: Block) -> Block:
    """The returned block's edits on the source block's own wording and markup.

    A three-way word merge with the sent block as base: the source's markup
    (its emphasis style, its footnote labels, a list marker pandoc adds) is one
    side, the partner's edit the other; where they touch, the partner's wins.
    """
    if source.text == sent.text:
        return Block(returned.text, indent=source.indent)
    merged = merge_words(sent.text, source.text, returned.text, theirs_wins=True)
    return Block(merged.text, indent=source.indent)
