"""The comments of a returned DOCX as a Markdown file: anchor quoted, author, date, text, replies."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..ooxml.reading import Comment


def render_comments(comments: list[Comment], *, statement_id: str, partner: str, source_name: str,
                    base_commit: str, imported_on: str, sha256: str = "", not_carried: Sequence[str] = ()) -> str:
    """reviews/P-DATE.md: the record of one import (the file and its SHA-256, what was not carried)
    and the partner's comments, every word from the file escaped as plain text."""
    lines = [f"# Comments from {partner} on {statement_id}", "",
             f"Imported on {imported_on} from `{source_name.replace('`', '')}`, made from commit {base_commit[:12]}.",
             *([f"DOCX SHA-256: {sha256}."] if sha256 else []),
             f"{len(comments)} comment{'s' if len(comments) != 1 else ''}, "
             f"{sum(len(c.replies) for c in comments)} repl{'ies' if sum(len(c.replies) for c in comments) != 1 else 'y'}.",
             ""]
    if not_carried:
        lines += ["## Not carried into the text", "",
                  "These edits of the partner's are not in the branch; the text there is as it was.", ""]
        lines += [f"- {escape_markdown(item)}" for item in not_carried] + [""]
    for number, comment in enumerate(comments, 1):
        lines += [f"## {number}. {_heading(comment)}", ""]
        if comment.anchor:
            lines += [f"> {escape_markdown(comment.anchor)}", ""]
        else:
            lines += ["_(no text selected)_", ""]
        lines += _paragraphs(comment.text)
        for reply in comment.replies:
            lines += [f"**Reply from {_heading(reply)}:**", ""]
            lines += _paragraphs(reply.text)
    return "\n".join(lines).rstrip("\n") + "\n"


def escape_markdown(text: str) -> str:
    """Text from a partner's file as literal Markdown: one line, every character that could be markup
    (emphasis, links, raw HTML, headings, CriticMarkup, tables) escaped."""
    return re.sub(r"([\\`*_{}\[\]<>#|~!&])", r"\\\1", " ".join(text.split()))


def _heading(comment: Comment) -> str:
    parts = [escape_markdown(comment.author)]
    if comment.date:
        parts.append(escape_markdown(display_date(comment.date)))
    text = ", ".join(parts)
    return text + " (resolved)" if comment.resolved else text


def display_date(value: str) -> str:
    """Word's `2026-11-20T10:05:00Z` as `2026-11-20 10:05`; anything else as it is."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?Z?", value)
    if not match:
        return value
    return match.group(1) if match.group(2) == "00:00" else f"{match.group(1)} {match.group(2)}"


def _paragraphs(text: str) -> list[str]:
    if not text.strip():
        return ["_(empty comment)_", ""]
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        # A comment is plain text: nothing in it may read as Markdown, not even a leading list marker.
        paragraph = re.sub(r"^(\d+)([.)]) ", r"\1\\\2 ", re.sub(r"^([-+]) ", r"\\\1 ", escape_markdown(paragraph)))
        lines += [paragraph, ""]
    return lines
