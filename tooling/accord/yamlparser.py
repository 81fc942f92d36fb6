"""The PyYAML side of accord's YAML: the safe loader (line numbers, no aliases, YAML 1.2 booleans) and the
house dumper. accord.yamlio imports it only when a file is not in a plain shape, or when one is written."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .yamlio import LineDict, LineList, YAMLProblem

_BaseLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:  # the C parser is several times faster; status reads thousands of records
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

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


def parse(text: str) -> Any:
    """One YAML document by the parser; YAMLProblem (lines of text) on any fault."""
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
    finally:
        loader.dispose()
    return value


def dump(data: Any) -> str:
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
