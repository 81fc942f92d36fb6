"""Safe YAML for accord files: line numbers, no aliases, YAML 1.2 booleans, no surprises."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem
from .fsutil import LINK_REFUSAL, LinkRefused, link_on_the_way, read_repo_bytes

_BaseLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:  # the C parser is several times faster; status reads thousands of records
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

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


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]  # the one base the C parser allows
    """Safe loader: strings stay strings unless YAML 1.2 would say otherwise."""


# YAML 1.1 reads `no`, `on`, `yes` as booleans (a partner id `no` for Norway) and
# `2010-13-45` as a crashing timestamp. Keep only true/false and let the schema parse dates.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise YAMLProblem("YAML merge keys (<<) are not allowed", key_node.start_mark.line + 1)
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise YAMLProblem("a mapping key must be a plain value", key_node.start_mark.line + 1) from None
        if key in result:
            raise YAMLProblem(f"duplicate key '{key}'", key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _refuse_aliases(root: yaml.Node) -> None:
    """Aliases make a small file expand without bound (the 'billion laughs'); we refuse them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise YAMLProblem("YAML anchors and aliases (&name, *name) are not allowed", node.start_mark.line + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


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
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = (exc.problem or exc.context or "invalid YAML").strip()
            raise YAMLProblem(f"YAML syntax error: {message}", mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise YAMLProblem(f"YAML syntax error: {str(exc).splitlines()[0]}") from None
        if node is None:
            return None
        _refuse_aliases(node)
        try:
            value = loader.construct_document(node)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            raise YAMLProblem(f"YAML error: {exc.problem}", mark.line + 1 if mark else None) from None
        except (ValueError, TypeError, OverflowError) as exc:
            raise YAMLProblem(f"YAML error: {exc}", node.start_mark.line + 1) from None
    except YAMLProblem as problem:
        if problem.line is not None:
            problem.line += line_offset
        raise
    finally:
        loader.dispose()
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
_NULLS = ("~", "null", "Null", "NULL")
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
    tag = _implicit_tag(value)
    if tag == "str":
        return value
    if tag == "null" and value in _NULLS:
        return None
    if tag == "bool":
        return value.lower() == "true"
    if tag == "int" and _DECIMAL.fullmatch(value):
        return int(value)
    raise NotPlain


def _implicit_tag(value: str) -> str:
    """The type the parser gives a plain scalar, from its own resolver table."""
    for tag, regexp in _RESOLVERS.get(value[0], _RESOLVERS[None]):
        if regexp.match(value):
            return str(tag)
    return "str"


def _resolver_table() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    table = _Loader.yaml_implicit_resolvers  # the parser's own table, so the two readers cannot disagree
    wildcard = table.get(None, [])
    return {first: [(tag.rsplit(":", 1)[-1], regexp) for tag, regexp in [*resolvers, *wildcard]]
            for first, resolvers in {**table, None: []}.items()}


_RESOLVERS = _resolver_table()


def load_plain_yaml(text: str, line_offset: int = 0) -> LineDict | None:
    """What load_yaml(text, line_offset) gives, when text is a mapping in one of the plain shapes; else None."""
    if not plain_characters(text):
        return None
    try:
        return _plain_tree(text, line_offset)
    except NotPlain:
        return None


def _line_dict(line: int) -> LineDict:
    made = LineDict()
    made.line = line
    made.key_lines = {}
    return made


def _line_list(line: int) -> LineList:
    made = LineList()
    made.line = line
    made.item_lines = []
    return made


def _plain_tree(text: str, offset: int) -> LineDict | None:
    root: LineDict | None = None
    open_key: str | None = None  # the top-level key whose block (map or list) the indented lines belong to
    block: Any = None
    block_indent = item_indent = -1
    for number, line in enumerate(text.split("\n"), 1 + offset):
        line = line.rstrip(" ")
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        indent = len(line) - len(content)
        if indent == 0 and not content.startswith("- ") and content != "-":
            match = _PLAIN_KEY.fullmatch(line)
            if match is None:
                raise NotPlain
            key, value = match.groups()
            _plain_key(key)
            if root is None:
                root = _line_dict(number)
            elif key in root:
                raise NotPlain
            root.key_lines[key] = number
            root[key] = _plain_value(value, number) if value else None
            open_key, block = (None, None) if value else (key, None)
            continue
        if open_key is None or root is None:
            raise NotPlain
        if content.startswith("- "):  # an item of a block list: a value, or the first key of a map
            if block is None:
                block = root[open_key] = _line_list(number)
                block_indent = indent
            if not isinstance(block, LineList) or indent != block_indent:
                raise NotPlain
            item_text = content[2:].lstrip(" ")
            item_indent = indent + len(content) - len(item_text)
            match = _PLAIN_KEY.fullmatch(item_text)
            if match is None:
                item = _plain_value(item_text, number, flow=False)
                item_indent = -1
            else:
                key, value = match.groups()
                _plain_key(key)
                if not value:
                    raise NotPlain
                item = _line_dict(number)
                item.key_lines[key] = number
                item[key] = _plain_value(value, number)
            block.append(item)
            block.item_lines.append(number)
            continue
        match = _PLAIN_KEY.fullmatch(content)
        if match is None or not match.group(2):
            raise NotPlain
        key, value = match.groups()
        _plain_key(key)
        if block is None:
            block = root[open_key] = _line_dict(number)
            block_indent = indent
        if isinstance(block, LineList) and block and indent == item_indent and isinstance(block[-1], LineDict):
            target = block[-1]
        elif isinstance(block, LineDict) and indent == block_indent:
            target = block
        else:
            raise NotPlain
        if key in target:
            raise NotPlain
        target.key_lines[key] = number
        target[key] = _plain_value(value, number)
    return root


_TEXT_KEYS: set[str] = set()


def _plain_key(key: str) -> None:
    """NotPlain unless the parser reads key as text (`true:` and `null:` are a bool and None to it)."""
    if key not in _TEXT_KEYS:
        if _implicit_tag(key) != "str":
            raise NotPlain
        _TEXT_KEYS.add(key)


def _plain_value(text: str, line: int, flow: bool = True) -> Any:
    """A value on one line: a plain scalar, or (where flow) a flow list of plain words."""
    if text[0] == "[":
        if not flow or text[-1] != "]":
            raise NotPlain
        items = _line_list(line)
        inner = text[1:-1]
        if inner:
            for word in inner.split(","):
                word = word.strip(" ")
                if not word or _FLOW_REFUSED.search(word):
                    raise NotPlain
                items.append(plain_scalar(word))
                items.item_lines.append(line)
        return items
    value = plain_scalar(text)
    if isinstance(value, (list, dict)):  # {} (and [] where no flow list may be) are left to the parser
        raise NotPlain
    return value


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
    return yaml.dump(_plain(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Block-style dumper that quotes strings YAML 1.1 readers could misread."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if re.fullmatch(r"(?i)(y|n|yes|no|on|off|true|false|null|~)", value):
        style = "'"
    if "\n" in value:
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
