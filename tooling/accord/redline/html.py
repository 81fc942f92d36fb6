"""The HTML rendering: one self-contained page (no scripts, no outside files) with a legend and counts."""

from __future__ import annotations

from html import escape

from .blocks import Token
from .layout import (ListNode, MovePlace, NoteCounter, QuoteNode, edge_spaces, effective_marks, move_places, nest,
                     plain_text, run_items)
from .ops import CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, NoteChange, Redline, runs

_CSS = """
:root { --ins: #0b6e2f; --ins-bg: #e3f6e8; --del: #a3161c; --del-bg: #fde7e8; --move: #1f4e9c; --move-bg: #e6eefc; }
* { box-sizing: border-box; }
body { font: 17px/1.55 Georgia, "Times New Roman", serif; color: #1b1b1b; margin: 0; background: #fafafa; }
header.redline, main, section.footnotes { max-width: 46rem; margin: 0 auto; padding: 0 1.5rem; }
header.redline { padding-top: 2rem; padding-bottom: 1rem; border-bottom: 1px solid #ddd;
  font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 15px; }
header.redline .kicker { text-transform: uppercase; letter-spacing: .08em; color: #666; margin: 0; }
header.redline h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; }
.versions { margin: 0 0 .8rem; }
.counts { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; list-style: none; padding: 0; margin: 0 0 .8rem; }
.counts b { font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; margin: 0; }
main { background: #fff; padding-top: 1.5rem; padding-bottom: 2rem; }
ins { color: var(--ins); background: var(--ins-bg); text-decoration: underline; }
del { color: var(--del); background: var(--del-bg); text-decoration: line-through; }
.moved-from del, del.moved { color: var(--move); background: var(--move-bg); text-decoration: line-through double; }
.moved-to ins, ins.moved { color: var(--move); background: var(--move-bg); text-decoration: underline double; }
.moved-to ins.edit { color: var(--ins); background: var(--ins-bg); text-decoration: underline; }
.moved-to del.edit { color: var(--del); background: var(--del-bg); }
.changed, .inserted, .deleted, .moved-from, .moved-to {
  border-left: 3px solid #bbb; padding-left: .6rem; margin-left: -.9rem; }
.inserted { border-color: var(--ins); } .deleted { border-color: var(--del); }
.moved-from, .moved-to { border-color: var(--move); }
a.move { font: 12px system-ui, sans-serif; color: var(--move); text-decoration: none; border: 1px solid var(--move);
  border-radius: 3px; padding: 0 .3rem; margin-right: .3rem; white-space: nowrap; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: .3rem .6rem; vertical-align: top; text-align: left; }
tr.inserted td { background: var(--ins-bg); } tr.deleted td { background: var(--del-bg); }
pre { background: #f4f4f4; padding: .6rem; overflow-x: auto; }
section.footnotes { font-size: .9rem; border-top: 1px solid #ddd; padding-top: 1rem; padding-bottom: 2rem; }
h1.doc-title { font-size: 1.6rem; }
main { padding-left: 4rem; }
main > p, main > .changed, main > .inserted, main > .deleted { position: relative; }
main > p > .label:first-child { position: absolute; left: -3rem; width: 2.4rem; text-align: right; color: #666;
  font-size: .9em; }
ol.labelled, ul.labelled { list-style: none; padding-left: 2.4rem; }
ol.labelled > li > p, ul.labelled > li > p { position: relative; }
ol.labelled > li > p > .label:first-child, ul.labelled > li > p > .label:first-child { position: absolute;
  left: -2.4rem; }
.label-was { font: 12px system-ui, sans-serif; color: #666; border: 1px dashed #999; border-radius: 3px;
  padding: 0 .3rem; margin-right: .3rem; white-space: nowrap; }
"""

_TAGS = {"emph": "em", "strong": "strong", "underline": "u", "strikeout": "s", "superscript": "sup",
         "subscript": "sub"}
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "/", "./", "../")


def render_html(redline: Redline, *, heading: str = "", old_label: str = "old", new_label: str = "new",
                labels=None) -> str:
    """A complete HTML page: header (versions, counts, legend), the merged text, its footnotes.

    `labels` (accord.labels.RedlineLabels) puts the newer version's paragraph labels on the
    text, with the older label beside any that changed and on deleted paragraphs."""
    writer = _Writer(move_places(redline.ops), labels)
    body = writer.nodes(nest(list(redline.ops)))
    counts = redline.counts
    title = heading or plain_text(redline.new.title.tokens) or "Redline"
    items = [(counts.words_inserted, "word", "inserted"), (counts.words_deleted, "word", "deleted"),
             (counts.blocks_changed, "paragraph", "changed"), (counts.blocks_inserted, "paragraph", "inserted"),
             (counts.blocks_deleted, "paragraph", "deleted"), (counts.moves, "paragraph", "moved")]
    count_html = "".join(f"<li><b>{number}</b> {noun}{'' if number == 1 else 's'} {verb}</li>"
                         for number, noun, verb in items)
    notes = writer.footnotes()
    status = "" if redline.changed else '<p class="nochange">No changes: both versions have the same text.</p>'
    if labels is not None:
        from ..labels import renumbering

        moves = renumbering(labels, redline.ops)
        if moves:
            status += f'<p class="renumbered">Renumbered: {escape("; ".join(moves))}</p>\n'
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Changes: {escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        '<header class="redline">\n<p class="kicker">Redline</p>\n'
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="versions">From <b>{escape(old_label)}</b> to <b>{escape(new_label)}</b></p>\n'
        f'<ul class="counts">{count_html}</ul>\n'
        '<p class="legend"><span>Legend:</span> <ins>inserted</ins> <del>deleted</del> '
        '<del class="moved">moved away</del> <ins class="moved">moved here</ins></p>\n'
        f"{status}</header>\n<main>\n{body}</main>\n{notes}</body>\n</html>\n"
    )


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
