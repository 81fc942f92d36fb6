"""Safe YAML for accord files: line numbers, no aliases, YAML 1.2 booleans, no surprises."""

from __future__ import annotations

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
    front matter parsed on its own reports lines of the whole file.
    """
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
