"""Redlines: word-level comparison of two versions of a statement, and its renderings.

Library API (no git, no click; the CLI and `versions` add those):

    redline = compare(old_body, new_body, old_title=..., new_title=...)
    redline.ops            # the merged operations list every renderer reads
    redline.counts         # words inserted/deleted, blocks changed/inserted/deleted, moves
    render_term(redline, color=False)      -> str   ([-old-]{+new+}, or ANSI colour)
    render_markdown(redline)               -> str   (CriticMarkup; apply_criticmarkup() undoes it)
    render_html(redline, title=..., ...)   -> str   (one self-contained page)
    render_docx(redline, author=..., date=..., reference_doc=...) -> bytes
                                                    (native w:ins/w:del; self-checked in process)

How it works: both versions are read by pandoc into blocks (blocks.py), blocks
are aligned and moves found (align.py), paired blocks are diffed word by word
with diff-match-patch (words.py; long blocks are anchored first), and the
resulting operations (ops.py) are rendered (term.py, markdown.py, html.py,
docx.py; the DOCX checks itself by resolving its own XML).
"""

from __future__ import annotations

from .blocks import Block, Document, Token, parse_many, parse_markdown
from .ops import Counts, Redline


def compare(old: str, new: str, *, old_title: str = "", new_title: str = "") -> Redline:
    """Compare two Markdown bodies (and their plain-text titles), returning the Redline."""
    from .align import compare_documents

    old_doc, new_doc = parse_many([(old, old_title), (new, new_title)])
    return compare_documents(old_doc, new_doc)


def compare_documents(old: Document, new: Document) -> Redline:
    """Compare two already parsed Documents."""
    from .align import compare_documents as _compare

    return _compare(old, new)


def render_term(redline: Redline, *, color: bool = False, old_label: str = "old", new_label: str = "new",
                labels=None) -> str:
    """The changed blocks only, grouped under their headings, for a terminal."""
    from .term import render_term as _render

    return _render(redline, color=color, old_label=old_label, new_label=new_label, labels=labels)


def render_markdown(redline: Redline) -> str:
    """The newer text with CriticMarkup marks (see criticmarkup.apply)."""
    from .markdown import render_markdown as _render

    return _render(redline)


def apply_criticmarkup(text: str, *, accept: bool = True) -> str:
    """Accept (or reject) every CriticMarkup mark in a text."""
    from ..criticmarkup import apply

    return apply(text, accept=accept)


def render_html(redline: Redline, *, heading: str = "", old_label: str = "old", new_label: str = "new",
                labels=None) -> str:
    """A self-contained HTML page: the newer text with <ins>/<del>, a legend and a summary of counts
    (`labels`, from accord.labels.redline_labels, numbers the paragraphs)."""
    from .html import render_html as _render

    return _render(redline, heading=heading, old_label=old_label, new_label=new_label, labels=labels)


def render_docx(redline: Redline, *, author: str, date: str, reference_doc=None, subtitle: str = "",
                properties: dict[str, str] | None = None, epoch: int | None = None, verify: bool = True,
                labels=None, font_dir=None) -> bytes:
    """A Word document with native tracked changes by `author` at `date` (ISO 8601, UTC).

    Raises RedlineError if accepting all its changes does not give the newer
    text's words, or rejecting them the older text's (verify=False skips that).
    """
    from .docx import render_docx as _render

    return _render(redline, author=author, date=date, reference_doc=reference_doc, subtitle=subtitle,
                   properties=properties, epoch=epoch, verify=verify, labels=labels, font_dir=font_dir)


__all__ = ["Block", "Counts", "Document", "Redline", "Token", "apply_criticmarkup", "compare",
           "compare_documents", "parse_markdown", "render_docx", "render_html", "render_markdown", "render_term"]
