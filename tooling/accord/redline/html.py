"""The HTML rendering: one self-contained page (no scripts, no outside files) with a legend and counts.

The page is a Jinja2 template (accord/web/templates/redline/page.html.j2); the merged text inside it is
written here, a token at a time, with every piece of text through html.escape (as the templates escape).
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources

from .blocks import Token
from .layout import (ListNode, MovePlace, NoteCounter, QuoteNode, edge_spaces, effective_marks, move_places, nest,
                     plain_text, run_items)
from .ops import CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, NoteChange, Redline, runs

_TAGS = {"emph": "em", "strong": "strong", "underline": "u", "strikeout": "s", "superscript": "sup",
         "subscript": "sub"}
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "/", "./", "../")


def render_html(redline: Redline, *, heading: str = "", old_label: str = "old", new_label: str = "new",
                labels=None) -> str:
    """A complete HTML page (web/templates/redline/page.html.j2): header (versions, counts, legend), the merged
    text, its footnotes.

    `labels` (accord.labels.RedlineLabels) puts the newer version's paragraph labels on the
    text, with the older label beside any that changed and on deleted paragraphs."""
    from ..web import Markup, render

    writer = _Writer(move_places(redline.ops), labels)
    body = writer.nodes(nest(list(redline.ops)))
    counts = redline.counts
    renumbered: list[str] = []
    if labels is not None:
        from ..labels import renumbering

        renumbered = renumbering(labels, redline.ops)
    return render("redline/page.html.j2", title=heading or plain_text(redline.new.title.tokens) or "Redline",
                  old_label=old_label, new_label=new_label, changed=redline.changed, renumbered=renumbered,
                  counts=[(counts.words_inserted, "word", "inserted"), (counts.words_deleted, "word", "deleted"),
                          (counts.blocks_changed, "paragraph", "changed"),
                          (counts.blocks_inserted, "paragraph", "inserted"),
                          (counts.blocks_deleted, "paragraph", "deleted"), (counts.moves, "paragraph", "moved")],
                  css=Markup(_stylesheet()), body=Markup(body), notes=Markup(writer.footnotes()))


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return resources.files("accord.web").joinpath("static/redline.css").read_text("utf-8")


class _Writer:
    def __init__(self, places: dict[int, MovePlace], labels=None) -> None:
        self.places = places
        self.labels = labels
        self.counter = NoteCounter()
        self.notes: list[tuple[int, str, NoteChange]] = []

    # -- blocks ------------------------------------------------------------------
    def nodes(self, nodes: list) -> str:
        out = []
        for node in nodes:
            if isinstance(node, ListNode):
                frame = node.frame
                if frame.kind == "bullet":
                    tag, attrs = "ul", ""
                else:
                    tag = "ol"
                    kind = {"LowerAlpha": "a", "UpperAlpha": "A", "LowerRoman": "i", "UpperRoman": "I"}.get(
                        frame.style)
                    start = node.first.block.number or frame.start
                    attrs = (f' start="{start}"' if start and start != 1 else "") + (f' type="{kind}"' if kind else "")
                if self.labels is not None and node.first.block.frames and len(node.first.block.frames) == 1 \
                        and any(self.labels.for_op(op) != (None, None) for op in _item_heads(node)):
                    attrs += ' class="labelled"'
                items = "".join(f"<li>{self.nodes(item)}</li>\n" for item in node.items)
                out.append(f"<{tag}{attrs}>\n{items}</{tag}>\n")
            elif isinstance(node, QuoteNode):
                out.append(f"<blockquote>\n{self.nodes(node.children)}</blockquote>\n")
            else:
                out.append(self.block(node))
        return "".join(out)

    def block(self, op: BlockOp) -> str:
        block = op.block
        css = {EQUAL: "", CHANGE: "changed", INSERT: "inserted", DELETE: "deleted", MOVE_FROM: "moved-from",
               MOVE_TO: "moved-to"}[op.op]
        if op.op == CHANGE and not any(run.op != EQUAL for run in op.runs) and block.table is None:
            css = ""
        anchor = ""
        if op.op == MOVE_FROM:
            anchor = f' id="move-{op.move}-from"'
        elif op.op == MOVE_TO:
            anchor = f' id="move-{op.move}-to"'
        attrs = (f' class="{css}"' if css else "") + anchor
        if block.kind == "table":
            return self.table(op, attrs)
        if block.kind == "rule":
            return f"<hr{attrs}>\n"
        content = self.label(op) + self.move_link(op) + self.content(op)
        if block.kind == "code":
            return f"<pre{attrs}><code>{content}</code></pre>\n"
        if block.kind == "title":
            return f'<h1 class="doc-title{" changed" if css else ""}">{content}</h1>\n'
        if block.kind == "heading":
            level = min(block.level, 6)
            return f"<h{level}{attrs}>{content}</h{level}>\n"
        return f"<p{attrs}>{content}</p>\n"

    def label(self, op: BlockOp) -> str:
        """The unit's label as the newer version has it, and the older one where it differs."""
        if self.labels is None:
            return ""
        unit, was = self.labels.for_op(op)
        out = f'<span class="label">{escape(unit.marker)}</span> ' if unit is not None else ""
        if was is not None:
            text = f"was {was.label}" if unit is not None else f"{was.label}"
            out += f'<span class="label-was">{escape(text)}</span> '
        return out

    def move_link(self, op: BlockOp) -> str:
        if op.op not in (MOVE_FROM, MOVE_TO):
            return ""
        place = self.places.get(op.move)
        if op.op == MOVE_FROM:
            arrow = "\u2193" if place is None or place.down else "\u2191"
            where = f" to \u201c{place.new_section}\u201d" if place and place.new_section != place.old_section else ""
            return (f'<a class="move" href="#move-{op.move}-to">{arrow} moved{escape(where)} '
                    f"(move {op.move})</a>")
        arrow = "\u2191" if place is None or place.down else "\u2193"
        where = f" from \u201c{place.old_section}\u201d" if place and place.new_section != place.old_section else ""
        return f'<a class="move" href="#move-{op.move}-from">{arrow} moved here{escape(where)} (move {op.move})</a>'

    def content(self, op: BlockOp) -> str:
        if op.op in (EQUAL, CHANGE):
            return self.inline(run_items(op))
        if op.op == MOVE_TO:
            edited = any(run.op != EQUAL for run in op.runs)
            inner = self.inline(run_items(op), edit_class="edit") if edited else self.inline(
                [(EQUAL, t) for r in op.runs for t in r.tokens])
            return f'<ins class="moved">{inner}</ins>' if not edited else inner
        kind = DELETE if op.op in (DELETE, MOVE_FROM) else INSERT
        tag = "del" if kind == DELETE else "ins"
        moved = ' class="moved"' if op.op == MOVE_FROM else ""
        return f"<{tag}{moved}>{self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], kind)}</{tag}>"

    def table(self, op: BlockOp, attrs: str) -> str:
        head = [row for row in op.rows if row.head]
        body = [row for row in op.rows if not row.head]

        def rows(selected, cell_tag) -> str:
            out = []
            for row in selected:
                css = {INSERT: ' class="inserted"', DELETE: ' class="deleted"'}.get(row.op, "")
                cells = "".join(f"<{cell_tag}>{''.join(self.cell(b, row.op) for b in cell)}</{cell_tag}>"
                                for cell in row.cells)
                out.append(f"<tr{css}>{cells}</tr>\n")
            return "".join(out)

        caption = "".join(self.cell(c, EQUAL) for c in op.caption)
        return (f"<table{attrs}>\n" + (f"<caption>{caption}</caption>\n" if caption else "")
                + (f"<thead>\n{rows(head, 'th')}</thead>\n" if head else "")
                + f"<tbody>\n{rows(body, 'td')}</tbody>\n</table>\n")

    def cell(self, op: BlockOp, row_op: str) -> str:
        if row_op in (INSERT, DELETE):
            tag = "ins" if row_op == INSERT else "del"
            return f"<{tag}>{self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], row_op)}</{tag}>"
        return self.content(op)

    def footnotes(self) -> str:
        if not self.notes:
            return ""
        items = []
        index = 0
        while index < len(self.notes):  # notes may hold notes' references: the list grows as we go
            number, run_op, note = self.notes[index]
            css = {INSERT: ' class="inserted"', DELETE: ' class="deleted"'}.get(run_op, "")
            if run_op in (INSERT, DELETE):
                tag = "ins" if run_op == INSERT else "del"
                inner = "".join(f"<p><{tag}>{self.inline([(EQUAL, t) for r in op.runs for t in r.tokens], run_op)}"
                                f"</{tag}></p>" for op in note.ops)
            else:
                inner = self.nodes(nest(list(note.ops)))
            items.append(f'<li id="fn-{number}"{css}>{inner}</li>\n')
            index += 1
        return f'<section class="footnotes">\n<ol>\n{"".join(items)}</ol>\n</section>\n'

    # -- inline ------------------------------------------------------------------
    def inline(self, items, notes_as: str = EQUAL, edit_class: str = "") -> str:
        out = []
        for index, end, op in runs(items, lambda item: item[0]):
            first, last = edge_spaces(items, index, end) if op != EQUAL else (index, end)
            chunk = items[first:last]
            text = self.formatted(chunk, effective_marks(chunk), 0, op if op != EQUAL else notes_as)
            if op == EQUAL:
                out.append(text)
            else:  # a space at the edge of an edit is shown outside it: `a <ins>new</ins> word`
                tag = "ins" if op == INSERT else "del"
                css = f' class="{edit_class}"' if edit_class else ""
                out.append(" " * (first - index) + f"<{tag}{css}>{text}</{tag}>" + " " * (end - last))
        return "".join(out)

    def formatted(self, items, marks, depth: int, note_op: str) -> str:
        out = []
        for index, end, mark in runs(marks[:len(items)], lambda mark: mark[depth] if len(mark) > depth else None):
            if mark is None:
                out.append("".join(self.token(items[i][1], note_op) for i in range(index, end)))
            else:
                inner = self.formatted(items[index:end], marks[index:end], depth + 1, note_op)
                out.append(_wrap(mark, inner))
        return "".join(out)

    def token(self, token: Token | NoteChange, note_op: str) -> str:
        if isinstance(token, NoteChange):
            number = self.counter.next()
            self.notes.append((number, note_op, token))
            return f'<sup class="fnref"><a href="#fn-{number}">{number}</a></sup>'
        if token.kind == "break":
            return "<br>"
        if token.kind == "code":
            return f"<code>{escape(token.text)}</code>"
        if token.kind == "image":
            return f"[{escape(token.text or 'image')}]"
        return escape(token.text)


def _item_heads(node: ListNode) -> list[BlockOp]:
    return [item[0] for item in node.items if item and isinstance(item[0], BlockOp)]


def _wrap(mark: tuple, inner: str) -> str:
    name = mark[0]
    if name == "link":
        url = mark[1]
        if not url.lower().startswith(_SAFE_SCHEMES) and ":" in url.split("/")[0]:
            return inner
        return f'<a href="{escape(url)}">{inner}</a>'
    if name == "smallcaps":
        return f'<span style="font-variant: small-caps">{inner}</span>'
    tag = _TAGS.get(name)
    return f"<{tag}>{inner}</{tag}>" if tag else inner
