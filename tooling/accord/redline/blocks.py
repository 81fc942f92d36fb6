"""The document model a redline compares: blocks of word tokens, read from pandoc's JSON AST.

A statement becomes a flat sequence of blocks (the title, headings, paragraphs,
list-item paragraphs, code, rules and tables). Lists and block quotes are not
blocks of their own: each block carries the containers it sits in (`frames`),
so blocks can be aligned as one sequence and containers rebuilt when rendering.
Footnotes ride on their reference token; table cells hold blocks of their own.

Only words and inline formatting are kept, never source layout: re-wrapped
lines, list-marker spelling or heading syntax give the same blocks.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import BuildError
from ..pandoc import run_pandoc, run_pandoc_lua

# The reader the build uses: statements are Markdown without raw HTML or TeX.
MARKDOWN_READER = "markdown-raw_html-raw_attribute-raw_tex"

# Inline formatting, outermost first: nesting order is canonical, so `***a***`
# reads the same whichever way pandoc nested it.
MARK_ORDER = {"link": 0, "strong": 1, "emph": 2, "underline": 3, "strikeout": 4,
              "superscript": 5, "subscript": 6, "smallcaps": 7}
_FORMAT_NODES = {"Strong": "strong", "Emph": "emph", "Underline": "underline", "Strikeout": "strikeout",
                 "Superscript": "superscript", "Subscript": "subscript", "SmallCaps": "smallcaps"}

_WORD = re.compile(r"\w+|\s+|[^\w\s]")
_QUOTES = {"DoubleQuote": ("\u201c", "\u201d"), "SingleQuote": ("\u2018", "\u2019")}


@dataclass(frozen=True)
class Token:
    """One word, space or punctuation mark of a block, with the formatting around it.

    `kind` is text, space, break (a hard line break), code, math, raw, image or note.
    A note token carries the footnote's blocks in `note`; they take no part in
    equality, so a reference stays 'the same word' when only its note changes.
    """

    text: str
    marks: tuple = ()
    kind: str = "text"
    data: tuple = ()
    note: tuple = field(default=(), compare=False)

    @property
    def is_word(self) -> bool:
        """A word (letters or digits), as counted in summaries; punctuation and spaces are not."""
        if self.kind == "text":  # text tokens are one word, one run of spaces or one punctuation mark
            return self.text[:1].isalnum() or self.text[:1] == "_"
        return self.kind in ("code", "math", "image", "raw") and any(ch.isalnum() for ch in self.text)


@dataclass(frozen=True)
class Frame:
    """A container a block sits in: a list (bullet or ordered) or a block quote."""

    kind: str                 # bullet | ordered | quote
    style: str = ""           # ordered: Decimal, LowerAlpha, UpperRoman ...
    delim: str = ""           # ordered: Period, OneParen, TwoParens, DefaultDelim
    start: int = field(default=1, compare=False)

    @property
    def is_list(self) -> bool:
        return self.kind in ("bullet", "ordered")

    @property
    def signature(self) -> str:
        """What must agree for two frames to be the same container (the start number need not)."""
        return f"{self.kind}:{self.style}:{self.delim}"


@dataclass(frozen=True)
class Table:
    """A table: header rows, body rows (each a tuple of cells, a cell a tuple of blocks), caption."""

    head: tuple[tuple[tuple["Block", ...], ...], ...]
    body: tuple[tuple[tuple["Block", ...], ...], ...]
    aligns: tuple[str, ...] = ()
    caption: tuple["Block", ...] = ()

    @property
    def columns(self) -> int:
        return max((len(row) for row in (*self.head, *self.body)), default=0)


@dataclass(frozen=True, eq=False)
class Block:
    """One unit of alignment: the title, a heading, a paragraph, a code block, a rule or a table.

    `frames` are the lists and quotes around the block, outermost first;
    `item_starts` the frame depths at which this block opens a new list item;
    `number` the item's number in its own version (for display only).
    """

    kind: str                       # title | heading | para | code | raw | rule | table
    tokens: tuple[Token, ...] = ()
    level: int = 0
    frames: tuple[Frame, ...] = ()
    item_starts: tuple[int, ...] = ()
    number: int | None = None
    table: Table | None = None

    @property
    def shape(self) -> tuple:
        """What must agree for two blocks to be compared word by word rather than replaced."""
        return (self.kind, self.level, self.frames, self.item_starts)

    @cached_property
    def key(self) -> str:
        """Everything that makes two blocks the same text, notes and cells included, as one string
        (strings cache their hash: keys are compared and looked up a great many times)."""
        shape = repr((self.kind, self.level, [f.signature for f in self.frames], self.item_starts))
        if self.table is not None:
            table = self.table
            return "\x1f".join((shape, _rows_key(table.head), _rows_key(table.body), repr(table.aligns),
                                "\x1e".join(b.key for b in table.caption)))
        return shape + "\x1f" + tokens_key(self.tokens)

    @property
    def text_key(self) -> str:
        """The key without the shape: the same words, wherever the block stands."""
        return self.key.partition("\x1f")[2]

    @cached_property
    def words(self) -> frozenset:
        """The block's distinct words and marks (notes and cells included), for similarity."""
        if self.table is not None:
            return frozenset(w.casefold() for w in block_words(self))
        # distinct strings first, then casefolded: a paragraph repeats its few words many times
        found = {text.casefold() for text in {t.text for t in self.tokens if t.kind != "space" and t.kind != "note"}}
        for token in self.tokens:
            if token.kind == "note":
                for inner in token.note:
                    found.update(inner.words)
        return frozenset(found)

    @property
    def word_count(self) -> int:
        return sum(1 for t in self.tokens if t.is_word)


def _rows_key(rows) -> str:
    return "\x1d".join("\x1c".join("\x1b".join(b.key for b in cell) for cell in row) for row in rows)


def tokens_key(tokens: Sequence[Token]) -> str:
    """One string for a token sequence. A plain word stands for itself; anything else is a repr,
    which holds a space, so it can never equal a word (text tokens hold no spaces)."""
    return "\x1e".join([t.text if t.kind == "text" and not t.marks else _token_key(t) for t in tokens])


def _token_key(token: Token) -> str:
    if token.kind == "text" and not token.marks:
        return token.text
    if token.kind == "space":
        return " "
    key = repr((token.text, token.marks, token.kind, token.data))
    if token.note:
        key += "[" + "\x1a".join(b.key for b in token.note) + "]"
    return key


@dataclass(frozen=True)
class Document:
    """A version of a statement: its title block and body blocks, as pandoc read them."""

    title: Block
    blocks: tuple[Block, ...]
    api_version: tuple = (1, 23, 1)

    def words(self) -> list[str]:
        """Every word in reading order, footnotes at their reference, tables row by row."""
        out: list[str] = []
        for block in (self.title, *self.blocks):
            out.extend(block_words(block))
        return out


# -- words in reading order -------------------------------------------------------

def block_words(block: Block) -> list[str]:
    """The words of a block in reading order, as the self-check compares them."""
    out: list[str] = []
    if block.table is not None:
        for caption in block.table.caption:
            out.extend(block_words(caption))
        for row in (*block.table.head, *block.table.body):
            for cell in row:
                for inner in cell:
                    out.extend(block_words(inner))
        return out
    out.extend(tokens_text_words(block.tokens))
    return out


def tokens_text_words(tokens: Iterable[Token]) -> list[str]:
    """Join tokens into text and split it at whitespace; footnotes expand where they are referenced."""
    parts: list[str] = []
    words: list[str] = []
    for token in tokens:
        if token.kind == "note":
            words.extend("".join(parts).split())
            parts.clear()
            for inner in token.note:
                words.extend(block_words(inner))
        elif token.kind == "math":
            parts.append(" ")  # not compared: DOCX turns TeX into OMML and back differently
        else:
            parts.append(token.text)
    words.extend("".join(parts).split())
    return words


# -- reading pandoc's AST ----------------------------------------------------------

def parse_markdown(body: str, title: str = "") -> Document:
    """Read a Markdown body (and a plain-text title) into a Document, with pandoc."""
    return parse_many([(body, title)])[0]


def parse_many(versions: Sequence[tuple[str, str]]) -> list[Document]:
    """Parse several (body, title) pairs, read by one pandoc process."""
    datas = _pandoc_json_many([body for body, _ in versions])
    return [document_from_ast(json.loads(data), title) for data, (_, title) in zip(datas, versions)]


# pandoc's AST of recent bodies, kept as bytes (a tenth of the parsed size): the same versions
# are often compared again in one process (history walks, review packets, tests).
_READ: OrderedDict[str, bytes] = OrderedDict()
_KEEP_READ = 32
_READ_LOCK = threading.Lock()
# Each text's byte length, then the texts one after the other, on standard input; one compact AST
# per line out. pandoc.read with an empty file list is sandboxed as `pandoc --sandbox` is, and
# gives the AST `pandoc -f MARKDOWN_READER -t json` gives (tests/test_redline_read.py).
_READ_PROGRAM = """\
local data, at = io.read('a'), 1
for _, size in ipairs({%s}) do
  io.write(pandoc.write(pandoc.read(data:sub(at, at + size - 1), '%s', nil, {}), 'json'), '\\n')
  at = at + size
end
"""


def clear_read_cache() -> None:
    """Forget the ASTs read so far (for measuring)."""
    with _READ_LOCK:
        _READ.clear()


def _pandoc_json_many(bodies: Sequence[str]) -> list[bytes]:
    """pandoc's AST (JSON bytes) of each body. The bodies not read before are read by one process:
    two texts in one `pandoc lua` cost 0.31 s of CPU where two `pandoc -t json` cost 0.40 s (the
    500-row table of bench_redline; most of the difference is the second process's heap)."""
    with _READ_LOCK:
        got = {body: _READ[body] for body in bodies if body in _READ}
    missing = [body for body in dict.fromkeys(bodies) if body not in got]
    if len(missing) == 1:
        got[missing[0]] = run_pandoc(["-f", MARKDOWN_READER, "-t", "json"], missing[0],
                                     what="pandoc (reading Markdown)")
    elif missing:
        texts = [body.encode("utf-8") for body in missing]
        program = _READ_PROGRAM % (", ".join(str(len(text)) for text in texts), MARKDOWN_READER)
        lines = run_pandoc_lua(program, b"".join(texts), what="pandoc (reading Markdown)").split(b"\n")
        if len(lines) != len(missing) + 1:
            raise BuildError(f"pandoc (reading Markdown) gave {len(lines) - 1} texts for {len(missing)}")
        got.update((body, line + b"\n") for body, line in zip(missing, lines))
    with _READ_LOCK:
        for body in bodies:
            _READ[body] = got[body]
            _READ.move_to_end(body)
        while len(_READ) > _KEEP_READ:
            _READ.popitem(last=False)
    return [got[body] for body in bodies]


def document_from_ast(ast: dict, title: str = "") -> Document:
    """A Document from pandoc's JSON AST and the statement's title (plain text, as builds use it)."""
    reader = _Reader()
    blocks = reader.blocks(ast.get("blocks", []), ())
    return Document(title=Block("title", title_tokens(title)), blocks=tuple(blocks),
                    api_version=tuple(ast.get("pandoc-api-version", (1, 23, 1))))


def title_tokens(title: str) -> tuple[Token, ...]:
    """A plain-text title as tokens: whitespace collapsed, as the canonical text has it."""
    return tuple(_split_text(" ".join(title.split()), ()))


SPACE = Token(" ", (), "space")
BREAK = Token("\n", (), "break")
_WORDS: dict[tuple[str, tuple], Token] = {}


def word_token(text: str, marks: tuple = ()) -> Token:
    """The text token for a word or mark, shared: a long text repeats the same few thousand words."""
    token = _WORDS.get((text, marks))
    if token is None:
        if len(_WORDS) > 200_000:
            _WORDS.clear()
        token = _WORDS[(text, marks)] = Token(text, marks)
    return token


def _split_text(text: str, marks: tuple) -> Iterable[Token]:
    for piece in _WORD.findall(text):
        if not piece.strip(" \t\n"):
            yield SPACE
        else:
            yield word_token(piece, marks)


_SPLIT: dict[tuple[str, tuple], tuple[Token, ...]] = {}


def split_text(text: str, marks: tuple) -> tuple[Token, ...]:
    """The tokens of one pandoc Str, remembered: a long text repeats the same few thousand strings,
    and the reader splits each only once (a third of its time on long texts)."""
    found = _SPLIT.get((text, marks))
    if found is None:
        if len(_SPLIT) > 200_000:
            _SPLIT.clear()
        found = _SPLIT[(text, marks)] = tuple(_split_text(text, marks))
    return found


def add_mark(marks: tuple, mark: tuple) -> tuple:
    if mark in marks:
        return marks
    return tuple(sorted((*marks, mark), key=lambda m: MARK_ORDER[m[0]]))


def inline_text(nodes: list) -> str:
    """Plain text of inline nodes (for image alt text)."""
    return "".join(t.text for t in _Reader().inlines(nodes, ()) if t.kind != "note")


class _Reader:
    """Walks pandoc JSON, producing blocks with their frames and item starts."""

    def __init__(self) -> None:
        self.pending_starts: list[int] = []
        self.pending_number: int | None = None

    def _emit(self, out: list, block_kwargs: dict, frames: tuple) -> None:
        starts = tuple(self.pending_starts)
        number = self.pending_number if starts else None
        self.pending_starts.clear()
        self.pending_number = None
        out.append(Block(frames=frames, item_starts=starts, number=number, **block_kwargs))

    def blocks(self, nodes: list, frames: tuple) -> list[Block]:
        out: list[Block] = []
        for node in nodes:
            self.block(node, frames, out)
        return out

    def block(self, node: dict, frames: tuple, out: list) -> None:
        kind, content = node["t"], node.get("c")
        if kind in ("Para", "Plain"):
            self._emit(out, {"kind": "para", "tokens": tuple(self.inlines(content, ()))}, frames)
        elif kind == "Header":
            self._emit(out, {"kind": "heading", "level": content[0],
                             "tokens": tuple(self.inlines(content[2], ()))}, frames)
        elif kind == "CodeBlock":
            tokens = tuple(Token(m.group(), (), "break" if m.group() == "\n" else
                                 "space" if m.group().isspace() else "text")
                           for m in re.finditer(r"\n|[ \t]+|[^\s]+", content[1]))
            self._emit(out, {"kind": "code", "tokens": tokens}, frames)
        elif kind == "RawBlock":
            self._emit(out, {"kind": "raw", "tokens": (Token(content[1], (), "raw", (content[0],)),)}, frames)
        elif kind == "HorizontalRule":
            self._emit(out, {"kind": "rule"}, frames)
        elif kind == "BlockQuote":
            for inner in content:
                self.block(inner, (*frames, Frame("quote")), out)
        elif kind in ("BulletList", "OrderedList"):
            if kind == "OrderedList":
                (start, style, delim), items = content
                frame = Frame("ordered", style["t"], delim["t"], start)
            else:
                start, items = 1, content
                frame = Frame("bullet")
            depth = len(frames)
            for number, item in enumerate(items, start):
                self.pending_starts.append(depth)
                self.pending_number = number
                if item:
                    for inner in item:
                        self.block(inner, (*frames, frame), out)
                else:
                    self._emit(out, {"kind": "para"}, (*frames, frame))
        elif kind == "DefinitionList":
            for term, definitions in content:
                self._emit(out, {"kind": "para", "tokens": tuple(self.inlines(term, ()))}, frames)
                for definition in definitions:
                    for inner in definition:
                        self.block(inner, (*frames, Frame("quote")), out)
        elif kind == "LineBlock":
            tokens: list[Token] = []
            for index, line in enumerate(content):
                if index:
                    tokens.append(BREAK)
                tokens.extend(self.inlines(line, ()))
            self._emit(out, {"kind": "para", "tokens": tuple(tokens)}, frames)
        elif kind == "Table":
            self._emit(out, {"kind": "table", "table": self.table(content)}, frames)
        elif kind == "Figure":
            _attr, (_short, caption), inner = content
            for block in inner:
                self.block(block, frames, out)
            for block in caption:
                self.block(block, frames, out)
        elif kind == "Div":
            for inner in content[1]:
                self.block(inner, frames, out)
        # Null and unknown blocks carry no words.

    def table(self, content: list) -> Table:
        _attr, (_short, caption), colspecs, head, bodies, foot = content
        aligns = tuple(spec[0]["t"] for spec in colspecs)

        def rows(row_nodes):
            return tuple(tuple(self._cell(cell) for cell in row[1]) for row in row_nodes)

        body_rows: list = []
        for body in bodies:
            body_rows.extend(rows(body[2]))
            body_rows.extend(rows(body[3]))
        body_rows.extend(rows(foot[1]))
        return Table(head=rows(head[1]), body=tuple(body_rows), aligns=aligns,
                     caption=tuple(_Reader().blocks(caption, ())))

    def _cell(self, cell: list) -> tuple[Block, ...]:
        return tuple(_Reader().blocks(cell[4], ()))

    def inlines(self, nodes: list, marks: tuple) -> list[Token]:
        out: list[Token] = []
        for node in nodes:
            kind = node["t"]
            if kind == "Str":  # most nodes: words and spaces, read here without a call per node
                out.extend(split_text(node["c"], marks))
            elif kind == "Space" or kind == "SoftBreak":
                out.append(SPACE)
            else:
                self._inline(node, marks, out)
        return out

    def _inline(self, node: dict, marks: tuple, out: list) -> None:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            out.extend(split_text(content, marks))
        elif kind in ("Space", "SoftBreak"):
            out.append(SPACE)  # spaces carry no formatting: `*a* *b*` is `*a b*`
        elif kind == "LineBreak":
            out.append(BREAK)
        elif kind in _FORMAT_NODES:
            for inner in content:
                self._inline(inner, add_mark(marks, (_FORMAT_NODES[kind],)), out)
        elif kind == "Quoted":
            opening, closing = _QUOTES[content[0]["t"]]
            out.append(word_token(opening, marks))
            for inner in content[1]:
                self._inline(inner, marks, out)
            out.append(word_token(closing, marks))
        elif kind == "Cite":
            for inner in content[1]:
                self._inline(inner, marks, out)
        elif kind == "Code":
            out.append(Token(content[1], marks, "code"))
        elif kind == "Math":
            out.append(Token(content[1], marks, "math", (content[0]["t"],)))
        elif kind == "RawInline":
            out.append(Token(content[1], marks, "raw", (content[0],)))
        elif kind == "Link":
            _attr, inner, (url, title) = content
            link_marks = add_mark(marks, ("link", url, title))
            for item in inner:
                self._inline(item, link_marks, out)
        elif kind == "Image":
            _attr, inner, (src, title) = content
            out.append(Token(inline_text(inner), marks, "image", (src, title)))
        elif kind == "Note":
            out.append(Token("", marks, "note", note=tuple(_Reader().blocks(content, ()))))
        elif kind == "Span":
            for inner in content[1]:
                self._inline(inner, marks, out)
