"""The comments of a returned DOCX as a Markdown file: anchor quoted, author, date, text, replies."""

from __future__ import annotations

import re

from ..ooxml.reading import Comment


def render_comments(comments: list[Comment], *, statement_id: str, partner: str, source_name: str,
                    base_commit: str, imported_on: str) -> str:
    lines = [f"# Comments from {partner} on {statement_id}", "",
             f"Imported on {imported_on} from `{source_name}`, made from commit {base_commit[:12]}.",
             f"{len(comments)} comment{'s' if len(comments) != 1 else ''}, "
             f"{sum(len(c.replies) for c in comments)} repl{'ies' if sum(len(c.replies) for c in comments) != 1 else 'y'}.",
             ""]
    for number, comment in enumerate(comments, 1):
        lines += [f"## {number}. {_heading(comment)}", ""]
        if comment.anchor:
            lines += [f"> {comment.anchor}", ""]
        else:
            lines += ["_(no text selected)_", ""]
        lines += _paragraphs(comment.text)
        for reply in comment.replies:
            lines += [f"**Reply from {_heading(reply)}:**", ""]
            lines += _paragraphs(reply.text)
    return "\n".join(lines).rstrip("\n") + "\n"


def _heading(comment: Comment) -> str:
    parts = [comment.author]
    if comment.date:
        parts.append(display_date(comment.date))
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
        # A comment is plain text: keep a leading '#', '>' or list marker from reading as Markdown syntax.
        lines += [re.sub(r"^([#>|]|[-*+] |\d+[.)] )", r"\\\1", paragraph.strip()), ""]
    return lines
