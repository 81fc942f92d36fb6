"""The text of a DOCX as Markdown blocks (every change accepted), and footnote labels made comparable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..blockrules import FOOTNOTE_DEF
from ..pandoc import run_pandoc
from ..statement import split_front_matter
from ..textdiff import TextBlock, similarity
from .layout import FOOTNOTE_REF, Block, source_blocks

# The Markdown pandoc writes when it reads a DOCX: pipe tables only, one line per block.
PANDOC_MARKDOWN = "markdown-simple_tables-multiline_tables-grid_tables"


@dataclass(frozen=True)
class Version:
    """A statement's text as read back from a DOCX: its title (if styled as one) and its body blocks."""

    title: str | None
    blocks: list[Block]


def read_version(docx: bytes) -> Version:
    """Read a DOCX (tracked changes already accepted in its XML) as title + Markdown blocks."""
    title, markdown = read_markdown(docx)
    # `<!-- -->` is pandoc's own mark between two adjacent lists, not words of the document.
    return Version(title, [block for block in source_blocks(markdown) if block.text != "<!-- -->"])


def read_markdown(docx: bytes) -> tuple[str | None, str]:
    """(title, Markdown body) of a DOCX whose tracked changes are already settled in its XML."""
    from ..ooxml.numbering import strip_label_numbering  # paragraph labels are Word numbering: not list items

    markdown = run_pandoc(["-f", "docx", "--track-changes=accept", "-t", PANDOC_MARKDOWN, "--wrap=none",
                           "--standalone"], strip_label_numbering(docx), what="pandoc (reading the DOCX)").decode("utf-8")
    title = None
    parts = split_front_matter(markdown)
    if parts is not None:
        metadata, markdown, _ = parts
        title = _metadata_title(metadata)
    return title, markdown


def markdown_to_docx(markdown: str, title: str, language: str = "en", *, extra: Sequence[str] = (),
                     reference: Path | None = None) -> bytes:
    """A plain pandoc DOCX of a statement, for texts sent without an official build."""
    args = ["-f", "markdown-raw_html-raw_attribute-raw_tex", "-M", f"title={title}", "-M", f"lang={language}",
            *extra, "-t", "docx", "-o", "-"]
    if reference is not None:
        args.append(f"--reference-doc={reference}")
    return run_pandoc(args, markdown, what="pandoc (DOCX)")


def _metadata_title(metadata: str) -> str | None:
    from ..yamlio import YAMLProblem, load_yaml

    try:
        data = load_yaml(metadata)
    except YAMLProblem:
        return None
    if not isinstance(data, dict) or data.get("title") is None:
        return None
    title = data["title"]
    if isinstance(title, list):
        title = " ".join(str(item) for item in title)
    return " ".join(str(title).split()) or None


# -- footnotes -------------------------------------------------------------------------
# Pandoc numbers footnotes 1, 2, 3 in reading order; the source may call them
# [^age] or [^7]. Before any comparison every version is relabelled to the
# source's labels, so a renumbering is not an edit of every paragraph after it.

def footnote_order(blocks: list[Block]) -> list[str]:
    """Footnote labels in the order their references first appear."""
    labels: list[str] = []
    for block in blocks:
        text = block.text
        definition = FOOTNOTE_DEF.match(text)
        if definition:
            text = text[definition.end():]
        for label in FOOTNOTE_REF.findall(text):
            if label not in labels:
                labels.append(label)
    return labels


def footnote_texts(blocks: list[Block]) -> dict[str, str]:
    """Each footnote definition's text by label."""
    texts = {}
    for block in blocks:
        match = re.match(r"\[\^([^\]\s]+)\]:\s*", block.text)
        if match:
            texts[match.group(1)] = block.text[match.end():]
    return texts


def footnote_labels(blocks: list[Block]) -> set[str]:
    return set(footnote_order(blocks)) | set(footnote_texts(blocks))


def relabel(blocks: list[Block], mapping: dict[str, str]) -> list[Block]:
    if not mapping:
        return blocks
    return [replace(block, text=FOOTNOTE_REF.sub(lambda m: f"[^{mapping.get(m.group(1), m.group(1))}]", block.text))
            for block in blocks]


def label_like_source(source: list[Block], sent: list[Block], returned: list[Block],
                      taken: set[str]) -> tuple[list[Block], list[Block]]:
    """Relabel the sent and returned versions' footnotes with the source's labels.

    The sent text's notes are the source's in the same order. A returned note is
    the sent note with the same text, else the most similar one left; a note the
    partner added gets a label nobody uses.
    """
    sent_map = dict(zip(footnote_order(sent), footnote_order(source)))
    taken = set(taken) | footnote_labels(source) | set(sent_map.values())
    for label in footnote_order(sent):
        if label not in sent_map:
            sent_map[label] = _fresh_label(taken)
    sent = relabel(sent, sent_map)
    sent_texts = footnote_texts(sent)
    returned_texts = footnote_texts(returned)
    returned_map: dict[str, str] = {}
    free = dict(sent_texts)
    for label in footnote_order(returned):
        text = returned_texts.get(label)
        match = next((name for name, sent_text in free.items() if sent_text == text), None)
        if match is not None:
            returned_map[label] = match
            free.pop(match)
    for label in footnote_order(returned):
        if label in returned_map:
            continue
        text = returned_texts.get(label, "")
        scored = sorted(((similarity(TextBlock(text), TextBlock(sent_text)), name) for name, sent_text in free.items()), reverse=True)
        if scored and scored[0][0] >= 0.5:
            returned_map[label] = scored[0][1]
            free.pop(scored[0][1])
        else:
            returned_map[label] = _fresh_label(taken)
    return sent, relabel(returned, returned_map)


def _fresh_label(taken: set[str]) -> str:
    number = 1
    while str(number) in taken:
        number += 1
    taken.add(str(number))
    return str(number)


# -- internal links ----------------------------------------------------------------------
# Word renames the bookmarks internal links point at (#preamble becomes #_Toc402299822)
# without anyone touching the link. A returned link whose words are a sent link's words,
# in the same order, takes the sent link's target back, so only a real edit shows.

_INTERNAL_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\((#[^)\s]*)\)")


def relink_like_sent(sent: list[Block], returned: list[Block]) -> list[Block]:
    from ..textdiff import Matcher

    sent_links = [match.groups() for block in sent for match in _INTERNAL_LINK.finditer(block.text)]
    returned_links = [match.groups() for block in returned for match in _INTERNAL_LINK.finditer(block.text)]
    renamed: dict[str, str] = {}
    refused: set[str] = set()
    matcher = Matcher(None, [text for text, _ in sent_links], [text for text, _ in returned_links])
    for sent_at, returned_at, size in matcher.get_matching_blocks():
        for offset in range(size):
            old, new = sent_links[sent_at + offset][1], returned_links[returned_at + offset][1]
            if old != new and renamed.get(new, old) != old:
                refused.add(new)
            renamed.setdefault(new, old)
    renamed = {new: old for new, old in renamed.items() if new not in refused and new != old}
    if not renamed:
        return returned
    sent_targets = {target for _, target in sent_links}
    renamed = {new: old for new, old in renamed.items() if new not in sent_targets}

    def retarget(match: re.Match[str]) -> str:
        return f"[{match.group(1)}]({renamed.get(match.group(2), match.group(2))})"

    return [replace(block, text=_INTERNAL_LINK.sub(retarget, block.text)) for block in returned]
