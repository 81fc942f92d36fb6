"""The DOCX rendering: native Word tracked changes, built by pandoc from the operations list, then self-checked.

The redline becomes a pandoc AST in which inserted and deleted words are
insertion/deletion spans (pandoc writes them as w:ins/w:del), and places pandoc
cannot track — paragraph marks, table rows, moves — carry markers that
`ooxml.revisions` turns into the real thing. Before the bytes are returned,
the XML to be written is resolved both ways in process, in one walk
(ooxml.revisions.resolved_both, as Word's Accept All / Reject All do):
accepting every change must give the newer text's words and rejecting every
change the older text's, or RedlineError. (`docx_words` reads a DOCX with
pandoc instead; the tests hold the two readings to each other.) pandoc's zip
is read once (ooxml.package.Package): tracked changes, Word numbering, the
self-check and the embedded fonts work on the same parsed parts, and the zip
is written once.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import RedlineError
from ..ooxml.fonts import embed_fonts_in
from ..ooxml.package import Package
from ..ooxml.revisions import finish_revisions, move_author, paragraph_marker, resolved_both, row_marker
from ..pandoc import run_pandoc
from .blocks import Token
from .layout import ListNode, QuoteNode, effective_marks, nest, run_items
from .ops import CHANGE, DELETE, EQUAL, INSERT, MOVE_FROM, MOVE_TO, BlockOp, NoteChange, Redline, runs


_NO_ATTR = ["", [], []]
# pandoc's runtime with a 64 MB allocation area instead of its 1 MB default: writing a long redline
# (thousands of tracked runs) then collects garbage far less often. CPU of the DOCX write, mean of 4:
# 60-page redline 1.01 -> 0.88 s, 2,000 paragraphs 0.36 -> 0.33 s; the bytes are the same.
_PANDOC_RTS = "-A64m"
_FORMAT_NODES = {"strong": "Strong", "emph": "Emph", "underline": "Underline", "strikeout": "Strikeout",
                 "superscript": "Superscript", "subscript": "Subscript", "smallcaps": "SmallCaps"}


def render_docx(redline: Redline, *, author: str, date: str, reference_doc: str | Path | None = None,
                subtitle: str = "", properties: dict[str, str] | None = None, epoch: int | None = None,
                verify: bool = True, labels=None, font_dir: Path | None = None) -> bytes:
    """The redline as a DOCX with tracked changes by `author` at `date` (ISO 8601, e.g. 2026-01-05T10:00:00Z).

    `reference_doc` gives the styles (the official templates/reference.docx),
    `font_dir` the house fonts to embed (templates/fonts; None embeds none),
    `subtitle` a line under the title, `properties` custom document properties,
    `epoch` the timestamp of the package (same inputs, same bytes). `labels`
    (accord.labels.RedlineLabels) numbers the newer version's paragraphs with Word
    numbering, and notes an older label that changed in a comment.
    """
    builder = _Builder(author, date, labels)
    ast = redline_ast(redline, author=author, date=date, subtitle=subtitle, properties=properties, builder=builder)
    args = ["-f", "json", "-t", "docx", "-o", "-"]
    if reference_doc is not None:
        args += ["--reference-doc", str(reference_doc)]
    env = {"GHCRTS": _PANDOC_RTS} | ({"SOURCE_DATE_EPOCH": str(epoch)} if epoch is not None else {})
    # One package from pandoc's zip to the bytes returned: each step below works on the same parsed
    # parts, and the zip is written once.
    source = json.dumps(ast, separators=(",", ":"))
    package = Package(run_pandoc(args, source, env=env, what="pandoc (DOCX redline)"))
    finish_revisions(package, author=author, date=date)
    if builder.label_levels:
        from ..ooxml.numbering import number_bookmarked

        number_bookmarked(package, builder.label_levels, paragraphs_numbered=labels.new_numbered)
    if verify:
        verify_docx(package, redline)
    embed_fonts_in(package, font_dir)
    return package.to_bytes()


def redline_ast(redline: Redline, *, author: str, date: str, subtitle: str = "",
                properties: dict[str, str] | None = None, builder=None) -> dict:
    """The pandoc JSON document of a redline (spans, markers and placeholders included)."""
    builder = builder or _Builder(author, date)
    meta: dict = {"title": {"t": "MetaInlines", "c": builder.inlines(run_items(redline.ops[0]))}}
    if subtitle:
        meta["subtitle"] = {"t": "MetaInlines", "c": _plain_inlines(subtitle)}
    for key, value in (properties or {}).items():
        meta[key] = {"t": "MetaString", "c": value}
    blocks = builder.container(list(redline.ops[1:]), last_tracked=True)
    return {"pandoc-api-version": list(redline.new.api_version), "meta": meta, "blocks": blocks}


# -- the self-check -------------------------------------------------------------------

def verify_docx(docx: bytes | Package, redline: Redline) -> None:
    """Raise RedlineError unless accepting all changes gives the new words and rejecting them the old."""
    accepted, rejected = resolved_both(docx)
    for got, document, side, action in ((accepted, redline.new, "newer", "accepting"),
                                        (rejected, redline.old, "older", "rejecting")):
        expected = document.words()
        if got != expected:
            index = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
            found = got[index] if index < len(got) else "(end of text)"
            wanted = expected[index] if index < len(expected) else "(end of text)"
            raise RedlineError(f"the DOCX redline failed its self-check: {action} all changes does not give the "
                               f"{side} text (word {index + 1}: found '{found}', expected '{wanted}'); "
                               "nothing was written")


def docx_words(data: bytes, mode: str = "accept") -> list[str]:
    """The words of a DOCX as pandoc reads it with --track-changes=accept or reject, in reading order."""
    ast = json.loads(run_pandoc(["-f", "docx", f"--track-changes={mode}", "-t", "json"], data,
                                what="pandoc (reading the DOCX redline)"))
    return ast_words(ast)


def ast_words(ast: dict) -> list[str]:
    """The words of pandoc's JSON of a DOCX: the title's, then the body's in reading order."""
    walker = _WordWalker()
    title = ast.get("meta", {}).get("title")
    if title and title.get("t") == "MetaInlines":
        walker.inlines(title["c"])
        walker.flush()
    walker.blocks(ast.get("blocks", []))
    return walker.words


class _WordWalker:
    """Collects words from pandoc JSON the way blocks.tokens_text_words does from tokens."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.parts: list[str] = []

    def flush(self) -> None:
        self.words.extend("".join(self.parts).split())
        self.parts.clear()

    def blocks(self, nodes: list) -> None:
        for node in nodes:
            self.block(node)

    def block(self, node: dict) -> None:
        kind, content = node["t"], node.get("c")
        if kind in ("Para", "Plain"):
            self.inlines(content)
        elif kind == "Header":
            self.inlines(content[2])
        elif kind == "CodeBlock":
            self.parts.append(content[1])
        elif kind == "RawBlock":
            self.parts.append(content[1])
        elif kind == "BlockQuote":
            self.blocks(content)
        elif kind in ("BulletList", "OrderedList"):
            for item in content if kind == "BulletList" else content[1]:
                self.blocks(item)
        elif kind == "DefinitionList":
            for term, definitions in content:
                self.inlines(term)
                self.flush()
                for definition in definitions:
                    self.blocks(definition)
        elif kind == "LineBlock":
            for line in content:
                self.inlines(line)
                self.parts.append(" ")
        elif kind == "Table":
            _attr, (_short, caption), _specs, head, bodies, foot = content
            self.blocks(caption)
            rows = list(head[1])
            for body in bodies:
                rows += body[2] + body[3]
            rows += foot[1]
            for row in rows:
                for cell in row[1]:
                    self.blocks(cell[4])
        elif kind == "Figure":
            self.blocks(content[2])
            self.blocks(content[1][1])
        elif kind == "Div":
            self.blocks(content[1])
        self.flush()

    def inlines(self, nodes: list) -> None:
        for node in nodes:
            kind, content = node["t"], node.get("c")
            if kind == "Str":
                self.parts.append(content)
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                self.parts.append(" ")
            elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
                self.inlines(content)
            elif kind in ("Link", "Image"):
                self.inlines(content[1])
            elif kind in ("Span", "Cite"):
                self.inlines(content[1])
            elif kind == "Quoted":
                opening, closing = ("\u201c", "\u201d") if content[0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
                self.parts.append(opening)
                self.inlines(content[1])
                self.parts.append(closing)
            elif kind in ("Code", "RawInline"):
                self.parts.append(content[1])
            elif kind == "Math":
                self.parts.append(" ")
            elif kind == "Note":
                self.flush()
                self.blocks(content)


# -- building the AST -----------------------------------------------------------------

class _Builder:
    def __init__(self, author: str, date: str, labels=None) -> None:
        self.author = author
        self.date = date
        self.serial = 0
        self.labels = labels
        self.label_levels: dict[str, int] = {}   # bookmark name -> Word list level, numbered after pandoc
        self.comments = 0

    def label_inlines(self, op: BlockOp) -> list:
        """A bookmark that becomes the paragraph's Word number, and a comment naming an older label."""
        if self.labels is None:
            return []
        unit, was = self.labels.for_op(op)
        out = []
        if unit is not None:
            name = f"accord_label_{len(self.label_levels) + 1}"
            self.label_levels[name] = self.labels.level(unit)
            out.append({"t": "Span", "c": [[name, [], []], []]})
        if was is not None:
            text = f"was paragraph {was.label}" if unit is not None else f"paragraph {was.label} of the older text"
            attrs = [["id", str(self.comments)], ["author", "accord"], ["date", self.date]]
            out.append({"t": "Span", "c": [["", ["comment-start"], attrs], _plain_inlines(text)]})
            out.append({"t": "Span", "c": [["", ["comment-end"], [["id", str(self.comments)]]], []]})
            self.comments += 1
        return out

    def marker(self, name_for) -> dict:
        self.serial += 1
        return {"t": "Span", "c": [[name_for(self.serial), [], []], []]}

    def container(self, ops: list[BlockOp], *, last_tracked: bool = False, plain: bool = False) -> list:
        """Blocks of a body, cell or note; the last paragraph mark of a cell or note is never tracked.
        Table cells hold Plain blocks (pandoc's compact cell style), as a build makes them."""
        untracked = None if last_tracked or not ops else ops[-1]
        return self.nodes(nest(ops), untracked, plain)

    def nodes(self, nodes: list, untracked, plain: bool = False) -> list:
        out = []
        for node in nodes:
            if isinstance(node, ListNode):
                items = [self.nodes(item, untracked, plain) for item in node.items]
                frame = node.frame
                if frame.kind == "bullet":
                    out.append({"t": "BulletList", "c": items})
                else:
                    start = node.first.block.number or frame.start or 1
                    attrs = [start, {"t": frame.style or "DefaultStyle"}, {"t": frame.delim or "DefaultDelim"}]
                    out.append({"t": "OrderedList", "c": [attrs, items]})
            elif isinstance(node, QuoteNode):
                out.append({"t": "BlockQuote", "c": self.nodes(node.children, untracked, plain)})
            else:
                out.append(self.block(node, node is not untracked, plain))
        return out

    def block(self, op: BlockOp, track_mark: bool, plain: bool = False) -> dict:
        block = op.block
        if block.kind == "table":
            return self.table(op)
        if block.kind == "rule":
            return {"t": "HorizontalRule"}
        if block.kind == "code" and op.op == EQUAL:
            return {"t": "CodeBlock", "c": [_NO_ATTR, "".join(t.text for t in block.tokens)]}
        inlines = [*self.label_inlines(op), *self.op_inlines(op)]
        whole = {INSERT: "ins", DELETE: "del", MOVE_TO: f"moveto.{op.move}", MOVE_FROM: f"movefrom.{op.move}"}
        if op.op in whole and track_mark:
            inlines = [self.marker(lambda n: paragraph_marker(whole[op.op], n)), *inlines]
        if block.kind == "heading":
            return {"t": "Header", "c": [block.level, _NO_ATTR, inlines]}
        if block.kind == "raw" and op.op == EQUAL and block.tokens:
            return {"t": "RawBlock", "c": [block.tokens[0].data[0], block.tokens[0].text]}
        return {"t": "Plain" if plain else "Para", "c": inlines}

    def op_inlines(self, op: BlockOp) -> list:
        block = op.block
        code = block.kind == "code"
        if op.op in (EQUAL, CHANGE):
            return self.inlines(run_items(op), code=code)
        if op.op == MOVE_TO:
            tokens = [(EQUAL, t) for run in op.runs if run.op != DELETE for t in run.tokens]
            inner = self.inlines(_whole_notes(tokens, INSERT), code=code)
            return [self.span(INSERT, inner, move_author("moveto", op.move))] if inner else []
        kind = INSERT if op.op == INSERT else DELETE
        author = move_author("movefrom", op.move) if op.op == MOVE_FROM else None
        inner = self.inlines([(EQUAL, t) for run in op.runs for t in run.tokens], notes_as=kind, code=code)
        return [self.span(kind, inner, author)] if inner else []

    def span(self, op: str, inlines: list, author: str | None = None) -> dict:
        css = "insertion" if op == INSERT else "deletion"
        attrs = [["author", author or self.author], ["date", self.date]]
        return {"t": "Span", "c": [["", [css], attrs], inlines]}

    def table(self, op: BlockOp) -> dict:
        columns = max((len(row.cells) for row in op.rows), default=0) or 1
        aligns = list(op.block.table.aligns) + ["AlignDefault"] * columns
        specs = [[{"t": aligns[c]}, {"t": "ColWidthDefault"}] for c in range(columns)]
        head, body = [], []
        for row in op.rows:
            cells = []
            for cell in row.cells:
                cells.append(self.container(list(cell), plain=True))
            cells += [[] for _ in range(columns - len(cells))]
            if row.op in (INSERT, DELETE):
                kind = "ins" if row.op == INSERT else "del"
                marker = self.marker(lambda n: row_marker(kind, n))
                first = cells[0]
                if first and first[0]["t"] in ("Para", "Plain"):
                    first[0] = {"t": first[0]["t"], "c": [marker, *first[0]["c"]]}
                else:
                    first.insert(0, {"t": "Plain", "c": [marker]})
            pandoc_row = [_NO_ATTR, [[_NO_ATTR, {"t": "AlignDefault"}, 1, 1, blocks] for blocks in cells]]
            (head if row.head else body).append(pandoc_row)
        caption = self.container(list(op.caption))
        return {"t": "Table", "c": [_NO_ATTR, [None, caption], specs, [_NO_ATTR, head],
                                    [[_NO_ATTR, 0, [], body]], [_NO_ATTR, []]]}

    # -- inline ------------------------------------------------------------------
    def inlines(self, items, *, notes_as: str = EQUAL, code: bool = False) -> list:
        out: list = []
        for index, end, op in runs(items, _item_op):
            chunk = items[index:end]
            note_op = op if op != EQUAL else notes_as
            if any(token.marks for _op, token in chunk):
                nodes = self.formatted(chunk, effective_marks(chunk), 0, note_op, code)
            else:  # most text has no formatting to group by
                nodes = []
                for _op, token in chunk:
                    self.leaf(token, note_op, code, nodes)
            out.extend(nodes if op == EQUAL else [self.span(op, nodes)])
        return out

    def formatted(self, items, marks, depth: int, note_op: str, code: bool) -> list:
        out: list = []
        if not any(len(mark) > depth for mark in marks[:len(items)]):  # most text: no (further) formatting
            for _op, token in items:
                self.leaf(token, note_op, code, out)
            return out
        for index, end, mark in runs(marks[:len(items)], lambda mark: mark[depth] if len(mark) > depth else None):
            if mark is None:
                for i in range(index, end):
                    self.leaf(items[i][1], note_op, code, out)
            else:
                inner = self.formatted(items[index:end], marks[index:end], depth + 1, note_op, code)
                out.append(_wrap(mark, inner))
        return out

    def leaf(self, token: Token | NoteChange, note_op: str, code: bool, out: list) -> None:
        if isinstance(token, NoteChange):
            ops = list(token.ops)
            if note_op == INSERT or note_op == DELETE:
                ops = [op if op.op == note_op else _as_whole(op, note_op) for op in ops]
            out.append({"t": "Note", "c": self.container(ops)})
            return
        kind = token.kind
        if kind == "text" and not code:  # the common case first; the same as the last branch below
            if out and out[-1]["t"] == "Str":
                out[-1] = {"t": "Str", "c": out[-1]["c"] + token.text}
            elif len(out) > 1 and out[-1]["t"] == "Space" and out[-2]["t"] == "Str":
                # `a b` as one Str, not Str Space Str: pandoc writes the same run for both, and reads
                # the JSON in half the time. (A Space before a span or at the end stays a node: pandoc
                # writes it as a run of its own, and the DOCX stays byte-identical.)
                out.pop()
                out[-1] = {"t": "Str", "c": out[-1]["c"] + " " + token.text}
            else:
                out.append({"t": "Str", "c": token.text})
        elif code and kind in ("text", "space"):
            out.append({"t": "Code", "c": [_NO_ATTR, token.text]})
        elif kind == "space":
            out.append({"t": "Space"})
        elif kind == "break":
            out.append({"t": "LineBreak"})
        elif kind == "code":
            out.append({"t": "Code", "c": [_NO_ATTR, token.text]})
        elif kind == "math":
            out.append({"t": "Math", "c": [{"t": token.data[0]}, token.text]})
        elif kind == "raw":
            out.append({"t": "RawInline", "c": [token.data[0], token.text]})
        elif kind == "image":
            out.append({"t": "Emph", "c": [{"t": "Str", "c": token.text}]} if token.text else {"t": "Str", "c": ""})
        elif kind == "note":
            out.append({"t": "Note", "c": []})
        elif out and out[-1]["t"] == "Str":
            out[-1] = {"t": "Str", "c": out[-1]["c"] + token.text}
        else:
            out.append({"t": "Str", "c": token.text})


def _item_op(item: tuple) -> str:
    return item[0]


def _whole_notes(items, op: str):
    """Tokens of a moved block with their footnotes shown whole (a moved note is new there)."""
    out = []
    for item_op, token in items:
        if isinstance(token, NoteChange):
            token = NoteChange(token.marks, tuple(_as_whole(o, op) for o in token.ops if o.op != _opposite(op)))
        out.append((item_op, token))
    return out


def _opposite(op: str) -> str:
    return DELETE if op == INSERT else INSERT


def _as_whole(op: BlockOp, kind: str) -> BlockOp:
    from .align import whole_op

    return whole_op(op.block if kind == INSERT or op.old is None else op.old, kind)


def _wrap(mark: tuple, inner: list) -> dict:
    name = mark[0]
    if name == "link":
        return {"t": "Link", "c": [_NO_ATTR, inner, [mark[1], mark[2]]]}
    return {"t": _FORMAT_NODES[name], "c": inner}


def _plain_inlines(text: str) -> list:
    out: list = []
    for index, word in enumerate(text.split()):
        if index:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out
