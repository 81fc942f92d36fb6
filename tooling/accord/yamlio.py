"""Safe YAML for accord files: line numbers, no aliases, YAML 1.2 booleans, no surprises."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from .errors import Problem
from .fsutil import LINK_REFUSAL, LinkRefused, link_on_the_way, read_repo_bytes

MAX_FILE_BYTES = 4 * 1024 * 1024


class YAMLProblem(Exception):
    """A file could not be read as accord YAML; carries a line when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line of each key (1-based, within its text)."""

    line: int = 1
    key_lines: dict[Any, int]

    def line_of(self, key: Any, default: int | None = None) -> int | None:
        line: int | None = self.key_lines.get(key, default if default is not None else self.line)
        return line


class LineList(list[Any]):
    """A sequence that remembers the line of each item."""

    line: int = 1
    item_lines: list[int]


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; YAMLProblem (lines shifted by line_offset) on any fault.

    Lines recorded in the result (LineDict/LineList) are shifted the same way, so a
    front matter parsed on its own reports lines of the whole file. A document in one of
    the plain shapes accord writes is read by the line reader (see load_plain_yaml).
    """
    plain = load_plain_yaml(text, line_offset)
    if plain is not None:
        return plain
    return parse_yaml(text, line_offset)


def parse_yaml(text: str, line_offset: int = 0) -> Any:
    """load_yaml by the parser alone (the tests hold the line reader to what it gives)."""
    from .yamlparser import parse  # PyYAML is imported only when a file needs it

    try:
        value = parse(text)
    except YAMLProblem as problem:
        if problem.line is not None:
            problem.line += line_offset
        raise
    if line_offset:
        shift_lines(value, line_offset)
    return value


# -- the plain reader ---------------------------------------------------------------------
# accord's own files have a few plain shapes: `key: value` lines, flow lists of plain words
# ([unicef, iom]), one level of nested map, and lists of values or of small maps. load_yaml
# reads those line by line, several times faster than the parser, into the very tree the
# parser makes (types, lines); any other form, and any character YAML refuses, goes to the
# parser, which also reports every fault.

class NotPlain(Exception):
    """The text is not in a plain shape the line reader takes; the parser reads it."""


_ASCII_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


@functools.lru_cache(maxsize=1)
def _non_printable() -> re.Pattern[str]:
    # compiled on first use: the class spans all of Unicode and costs ~10 ms to build
    # NEL and the Unicode line and paragraph separators are line breaks to YAML, not to str.split("\n")
    return re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def plain_characters(text: str) -> bool:
    """Whether text holds only characters YAML reads as printable (a tab, a control character or a line
    break YAML knows and str.split does not sends it to the parser)."""
    return not (_ASCII_CONTROL.search(text) or not text.isascii() and _non_printable().search(text))


_PLAIN_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_INDICATORS = "-?:,[]{}#&*!|>%@`"
_FLOW_REFUSED = re.compile(r"[\[\]{}:#]|  |^['\"]")  # in a flow list's item: left to the parser
_SCALARS: dict[str, object] = {}  # a plain scalar's text -> its value: files repeat most of theirs


def plain_scalar(value: str) -> Any:
    """The value the parser gives one plain or simply quoted scalar (str, None, bool, int; [] and {});
    NotPlain for any other."""
    known = _SCALARS.get(value, _SCALARS)
    if known is not _SCALARS:
        return known
    result = _read_scalar(value)
    if not isinstance(result, (list, dict)):  # a fresh [] or {} each time: the caller may fill it
        if len(_SCALARS) >= 50_000:
            _SCALARS.clear()
        _SCALARS[value] = result
    return result


def _read_scalar(value: str) -> Any:
    first = value[0]
    if first == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", ""):
            raise NotPlain
        return inner.replace("''", "'")
    if first == '"':
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != '"' or '"' in inner or "\\" in inner:
            raise NotPlain
        return inner
    if value == "[]":
        return []
    if value == "{}":
        return {}
    if first in _INDICATORS or ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        raise NotPlain
    return _implicit_value(value)


# How the parser types a plain scalar: as text, unless it is one of these words (YAML 1.2's booleans and
# nulls; accord's loader drops YAML 1.1's yes/no/on/off and its timestamps), or it could be a number, a merge
# key or a value key. Those forms use letters only as 0x<hex> or 0b<binary>, or with a '.' (1.5e+3, .inf,
# .nan), so a hash or an id that starts with a digit is text. The tests hold this to the parser's own resolver table
# (accord.yamlparser).
_WORDS: dict[str, Any] = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
                          "~": None, "null": None, "Null": None, "NULL": None}
_NUMBER_STARTS = frozenset("0123456789+-.<=")
_NO_LETTERS = re.compile(r"[0-9+\-._:]+")
_BINARY_OR_HEX = re.compile(r"[-+]?0(?:b[0-1_]+|x[0-9a-fA-F_]+)")
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # text to the parser: a number has no '-' inside


def _implicit_value(value: str) -> Any:
    """The parser's value of a plain scalar: text, True/False, None or a decimal int; NotPlain for another."""
    if value in _WORDS:
        return _WORDS[value]
    if value[0] in _NUMBER_STARTS:
        if _DECIMAL.fullmatch(value):
            return int(value)
        could_be_number = ("." in value or value in ("<<", "=") or _BINARY_OR_HEX.fullmatch(value)
                           or _NO_LETTERS.fullmatch(value) and not _DATE_LIKE.fullmatch(value))
        if could_be_number:
            raise NotPlain  # a float, an octal, a base-60 number, a merge key...: the parser knows
    return value


def load_plain_yaml(text: str, line_offset: int = 0, *, lines: bool = True) -> Any:
    """What load_yaml(text, line_offset) gives, when text is a mapping in one of the plain shapes; else None.

    With lines=False the tree is made of plain dicts and lists, equal to the one with lines but cheaper to
    make (the ledger reads thousands of records this way and reports nothing from them)."""
    if not plain_characters(text):
        return None
    try:
        return _plain_tree(text, line_offset, lines)
    except NotPlain:
        return None


# What the reader makes of one line (files repeat most of theirs, records above all), by the line's text:
# (kind, indent, key, value, item_indent), _SKIP for a blank line or a comment, _NOT_PLAIN for any other form.
# A value is a scalar, _OPEN (a top-level key with nothing after it: its block follows, or it is null) or a
# _Flow (a flow list's items, made a fresh list each time it is read).
_LINES: dict[str, tuple[Any, ...]] = {}
_SKIP: tuple[Any, ...] = ("skip",)
_NOT_PLAIN: tuple[Any, ...] = ("not plain",)
_TOP, _ITEM, _ITEM_KEY, _NESTED = range(4)  # `key: ...`, `- value`, `- key: value`, an indented `key: value`
_OPEN = object()


class _Flow(tuple[Any, ...]):
    """The items of a flow list on one line."""


def _line_parts(line: str) -> tuple[Any, ...]:
    try:
        parts = _read_line(line)
    except NotPlain:
        parts = _NOT_PLAIN
    if len(_LINES) >= 50_000:
        _LINES.clear()
    _LINES[line] = parts
    return parts


def _read_line(line: str) -> tuple[Any, ...]:
    line = line.rstrip(" ")
    content = line.lstrip(" ")
    if not content or content[0] == "#":
        return _SKIP
    indent = len(line) - len(content)
    if indent == 0 and not content.startswith("- "):
        key, value = _key_value(content)
        return _TOP, 0, key, _line_value(value) if value else _OPEN, -1
    if content.startswith("- "):  # an item of a block list: a value, or the first key of a map
        item_text = content[2:].lstrip(" ")
        if _PLAIN_KEY.fullmatch(item_text) is None:
            return _ITEM, indent, None, _line_value(item_text, flow=False), -1
        key, value = _key_value(item_text)
        if not value:
            raise NotPlain
        return _ITEM_KEY, indent, key, _line_value(value), indent + len(content) - len(item_text)
    key, value = _key_value(content)
    if not value:
        raise NotPlain
    return _NESTED, indent, key, _line_value(value), -1


def _key_value(text: str) -> tuple[str, str | None]:
    """The key and the value's text of `key: value`; NotPlain unless the parser reads the key as text
    (`true:` and `null:` are a bool and None to it)."""
    match = _PLAIN_KEY.fullmatch(text)
    if match is None or match.group(1) in _WORDS:
        raise NotPlain
    return match.group(1), match.group(2)


def _line_value(text: str, flow: bool = True) -> Any:
    """A value on one line: a plain scalar, or (where flow) a flow list of plain words."""
    if text[0] == "[":
        if not flow or text[-1] != "]":
            raise NotPlain
        words = []
        inner = text[1:-1]
        if inner:
            for word in inner.split(","):
                word = word.strip(" ")
                if not word or _FLOW_REFUSED.search(word):
                    raise NotPlain
                words.append(plain_scalar(word))
        return _Flow(words)
    value = plain_scalar(text)
    if isinstance(value, (list, dict)):  # {} (and [] where no flow list may be) are left to the parser
        raise NotPlain
    return value


def _new_dict(line: int, lines: bool) -> dict[Any, Any]:
    if not lines:
        return {}
    made = LineDict()
    made.line = line
    made.key_lines = {}
    return made


def _new_list(line: int, lines: bool, items: Any = ()) -> list[Any]:
    if not lines:
        return list(items)
    made = LineList(items)
    made.line = line
    made.item_lines = [line] * len(made)
    return made


def _plain_tree(text: str, offset: int, lines: bool) -> Any:
    root: Any = None
    open_key: str | None = None  # the top-level key whose block (map or list) the indented lines belong to
    block: Any = None
    block_indent = item_indent = -1
    number = offset
    for line in text.split("\n"):
        number += 1
        parts = _LINES.get(line) or _line_parts(line)
        if parts is _SKIP:
            continue
        if parts is _NOT_PLAIN:
            raise NotPlain
        kind, indent, key, value, key_indent = parts
        if value.__class__ is _Flow:
            value = _new_list(number, lines, value)
        if kind == _TOP:
            if root is None:
                root = _new_dict(number, lines)
            elif key in root:
                raise NotPlain
            if lines:
                root.key_lines[key] = number
            if value is _OPEN:
                root[key] = None
                open_key = key
            else:
                root[key] = value
                open_key = None
            block = None
            continue
        if open_key is None:
            raise NotPlain
        if kind != _NESTED:
            if block is None:
                block = root[open_key] = _new_list(number, lines)
                block_indent = indent
            if isinstance(block, dict) or indent != block_indent:  # a map, not a list, is open
                raise NotPlain
            if kind == _ITEM_KEY:
                item: Any = _new_dict(number, lines)
                if lines:
                    item.key_lines[key] = number
                item[key] = value
                item_indent = key_indent
            else:
                item, item_indent = value, -1
            block.append(item)
            if lines:
                block.item_lines.append(number)
            continue
        if block is None:
            block = root[open_key] = _new_dict(number, lines)
            block_indent = indent
        target: Any
        if isinstance(block, list) and block and indent == item_indent and isinstance(block[-1], dict):
            target = block[-1]
        elif isinstance(block, dict) and indent == block_indent:
            target = block
        else:
            raise NotPlain
        if key in target:
            raise NotPlain
        if lines:
            target.key_lines[key] = number
        target[key] = value
    return root


def shift_lines(value: Any, offset: int) -> None:
    """Shift every recorded line of a parsed tree by offset (front matter starts after '---')."""
    if isinstance(value, LineDict):
        value.line += offset
        value.key_lines = {key: line + offset for key, line in value.key_lines.items()}
        for item in value.values():
            shift_lines(item, offset)
    elif isinstance(value, LineList):
        value.line += offset
        value.item_lines = [line + offset for line in value.item_lines]
        for item in value:
            shift_lines(item, offset)


def read_text_file(path: Path, display: str) -> tuple[str | None, Problem | None]:
    """Read a UTF-8 text file as accord expects: BOM dropped, CRLF made LF; or say what is wrong."""
    try:
        link = link_on_the_way(path)
        if link is not None:  # named before anything else: a link's target is never read, sized or shown
            return None, Problem(link, None, LINK_REFUSAL)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Problem(display, None, f"file is too large ({size} bytes; the limit is {MAX_FILE_BYTES})")
        data = read_repo_bytes(path)
    except LinkRefused as refused:
        return None, Problem(refused.name, None, LINK_REFUSAL)
    except FileNotFoundError:
        return None, Problem(display, None, "file not found")
    except IsADirectoryError:
        return None, Problem(display, None, "is a directory, not a file")
    except OSError as exc:
        return None, Problem(display, None, f"cannot read file: {exc.strerror}")
    return decode_text(data, display)


def decode_text(data: bytes, display: str) -> tuple[str | None, Problem | None]:
    if not data.strip():
        return None, Problem(display, None, "file is empty")
    if b"\x00" in data:
        return None, Problem(display, None, "binary file (contains NUL bytes), expected UTF-8 text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(display, line, f"invalid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def dump_yaml(data: Any) -> str:
    """Dump plain data in accord's house form: block style, keys in the given order, UTF-8."""
    from .yamlparser import dump

    return dump(data)
