"""Paragraph labels for rounds: the numbering the statement's canonical blocks give, one place to replace.

Every body block of the canonical text that is not a heading gets the next
number; the rows of one table share a number, as do a footnote's definition
and nothing else (a footnote is labelled `note X`). When accord/labels.py (real
labels such as `10(f)`) lands, `paragraph_labels` is the one function to swap.
"""

from __future__ import annotations

from ..blockrules import block_kind, source_blocks


def paragraph_labels(body: str, numbered_paragraphs: bool = False) -> list[str | None]:
    """A label per canonical block of the body ('1', '2', ..., 'note 3'), None for headings.

    The signature is that of `labels.body_labels(body, numbered_paragraphs).block_labels`,
    which replaces it when the labels module lands.
    """
    labels: list[str | None] = []
    number = 0
    previous_kind = None
    for block in source_blocks(body):
        text = block.text
        kind = block_kind(text)
        if kind == "heading":
            labels.append(None)
        elif kind == "footnote":
            labels.append("note " + text[2:text.index("]")])
        elif kind == "table" and previous_kind == "table":
            labels.append(str(number))
        else:
            number += 1
            labels.append(str(number))
        previous_kind = kind
    return labels
