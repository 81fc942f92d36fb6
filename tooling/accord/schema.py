"""Declarative schemas: typed fields with docstrings, validated all at once with line numbers.

A data type is declared once, as a dataclass whose fields carry their schema in metadata
(`field("slug", "The statement id.", required=True)`); `schema_of(cls)` reads it. A field of a
long-lived signed record that is renamed keeps its old key in `renamed_from`: a record with the old
key is still read, with a DeprecationWarning naming both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import warnings
from dataclasses import dataclass, field as dc_field
from typing import Any

from .errors import Problem, did_you_mean
from .yamlio import LineDict, LineList

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
SHA256 = re.compile(r"[0-9a-f]{64}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# An SSH public key as partners/ and accord.yaml hold it, and what a value that is none is told.
SSH_PUBLIC_KEY = r"(ssh-|ecdsa-|sk-)[a-z0-9@.-]+ [A-Za-z0-9+/]+=*( .*)?"
NOT_AN_SSH_PUBLIC_KEY = "is not an SSH public key (expected 'ssh-ed25519 AAAA...')"


@dataclass(frozen=True)
class Field:
    """One key of a YAML mapping: its type, whether it is required, and what it means."""

    key: str
    type: str  # text | slug | int | bool | date | sha256 | label | any | map | list:<type> | list:map
    doc: str
    required: bool = False
    choices: tuple = ()
    schema: "Schema | None" = None
    default: Any = None
    minimum: int | None = None
    pattern: str | None = None  # a regular expression text values must match in full
    pattern_hint: str = ""      # what a matching value looks like, for the error message
    name: str | None = None     # the attribute, when it is not the key with '-' as '_'
    renamed_from: tuple[str, ...] = ()  # keys this field had before; read with a DeprecationWarning

    @property
    def attr(self) -> str:
        return self.name or self.key.replace("-", "_")


@dataclass(frozen=True)
class Schema:
    """An ordered set of fields; unknown keys are errors with a did-you-mean hint."""

    name: str
    fields: tuple[Field, ...] = dc_field(default_factory=tuple)

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def validate(self, data: Any, path: str, line: int | None = None) -> tuple[dict, list[Problem]]:
        """Return (values by attribute name, problems). Values of bad fields are their defaults."""
        problems: list[Problem] = []
        plan = self._plan
        values = {attr: f.default for f, attr in plan}
        if not isinstance(data, dict):
            problems.append(Problem(path, _line(data, line), f"expected a mapping of keys for {self.name}, found {_kind(data)}"))
            return values, problems
        if self._renames:
            data = self._renamed(data, path)
        known = self._known
        for key in data:
            if key not in known:
                problems.append(Problem(path, _key_line(data, key, line),
                                        f"unknown key '{key}' in {self.name}{did_you_mean(key, self.keys())}"))
        # the key lines of a mapping read with them (a LineDict); of a plain dict, the line given
        key_lines = data.key_lines if isinstance(data, LineDict) else None
        for f, attr in plan:
            value = data.get(f.key)
            if value is None:
                if f.required:
                    problems.append(Problem(path, _line(data, line), f"missing required key '{f.key}' in {self.name}"))
                continue
            at = key_lines.get(f.key, data.line) if key_lines is not None else line
            value, found = _convert(f, f.type, value, path, at, f.key)
            if found:
                problems.extend(found)
            else:
                values[attr] = value
        return values, problems

    @functools.cached_property
    def _plan(self) -> tuple[tuple[Field, str], ...]:
        """Each field with its attribute name, worked out once (validate runs for each of thousands of records)."""
        return tuple((f, f.attr) for f in self.fields)

    @functools.cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.keys())

    @functools.cached_property
    def _renames(self) -> bool:
        return any(f.renamed_from for f in self.fields)

    def _renamed(self, data: dict, path: str) -> dict:
        """data with each old key of a renamed field read as its new key (warning once per key)."""
        for f in self.fields:
            for old in f.renamed_from:
                if old in data and f.key not in data:
                    warnings.warn(f"{path}: '{old}' in {self.name} is now called '{f.key}'; "
                                  f"it is read as '{f.key}'", DeprecationWarning, stacklevel=3)
                    renamed = {f.key if key == old else key: value for key, value in data.items()}
                    if isinstance(data, LineDict):
                        with_lines = LineDict(renamed)
                        with_lines.line = data.line
                        with_lines.key_lines = {f.key if key == old else key: line for key, line in data.key_lines.items()}
                        renamed = with_lines
                    data = renamed
        return data


def field(type: str, doc: str, *, required: bool = False, choices: tuple = (), of: type | None = None,
          minimum: int | None = None, pattern: str | None = None, pattern_hint: str = "", key: str | None = None,
          renamed_from: tuple[str, ...] = (), **dataclass_args: Any) -> Any:
    """A dataclass field that declares its schema too: its type, meaning, and rules (see Field).

    of: the dataclass a map (or list:map) holds; key: the YAML or JSON key, when it is not the
    attribute's name; dataclass_args go to dataclasses.field (default, kw_only...).
    """
    spec = {"type": type, "doc": doc, "required": required, "choices": choices, "of": of, "minimum": minimum,
            "pattern": pattern, "pattern_hint": pattern_hint, "key": key, "renamed_from": renamed_from}
    return dc_field(metadata={"accord": spec}, **dataclass_args)


_SCHEMAS: dict[type, Schema] = {}


def schema_of(cls: type, name: str | None = None) -> Schema:
    """The Schema of a dataclass declared with `field`: its fields in declaration order, those without
    a schema (computed attributes such as a record's path) left out."""
    if cls in _SCHEMAS:
        return _SCHEMAS[cls]
    fields = []
    for item in dataclasses.fields(cls):
        spec = item.metadata.get("accord")
        if spec is None:
            continue
        default = item.default if item.default is not dataclasses.MISSING else None
        if item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        key = spec["key"] or item.name
        fields.append(Field(key, spec["type"], spec["doc"], required=spec["required"], choices=spec["choices"],
                            schema=schema_of(spec["of"]) if spec["of"] else None, default=default,
                            minimum=spec["minimum"], pattern=spec["pattern"], pattern_hint=spec["pattern_hint"],
                            name=item.name if key.replace("-", "_") != item.name else None,
                            renamed_from=spec["renamed_from"]))
    schema = Schema(name or str(getattr(cls, "schema_name", cls.__name__)), tuple(fields))
    _SCHEMAS[cls] = schema
    return schema


def build(cls: type, values: dict, **extra: Any) -> Any:
    """An instance of a dataclass declared with `field` from validated values (extra: its attributes without a
    schema), nested maps made too and lists made tuples, so that the instance is hashable like its defaults."""
    made = dict(values)
    plan = _BUILD_PLANS.get(cls)
    if plan is None:
        plan = _BUILD_PLANS[cls] = _build_plan(cls)
    for name, is_list, of in plan:
        value = made.get(name)
        if value is None:
            continue
        if is_list:
            made[name] = tuple(build(of, one) if of else one for one in value)
        elif of and isinstance(value, dict):  # not a default, which is an instance already
            made[name] = build(of, value)
    return cls(**made, **extra)


# a dataclass -> (name, a list?, the dataclass its items or its map hold) of each field with a schema, in order:
# dataclasses.fields() and the metadata lookups once per class, not once per statement read
_BUILD_PLANS: dict[type, tuple[tuple[str, bool, type | None], ...]] = {}


def _build_plan(cls: type) -> tuple[tuple[str, bool, type | None], ...]:
    plan = []
    for item in dataclasses.fields(cls):
        spec = item.metadata.get("accord")
        if spec is not None:
            plan.append((item.name, spec["type"].startswith("list:"), spec["of"]))
    return tuple(plan)


def _convert(f: Field, type_: str, value: Any, path: str, line: int | None, label: str) -> tuple[Any, list[Problem]]:
    if type_.startswith("list:"):
        if not isinstance(value, list):
            return None, [Problem(path, line, f"'{label}' must be a list, found {_kind(value)}")]
        items, problems = [], []
        item_lines = getattr(value, "item_lines", None) or [line] * len(value)
        for index, item in enumerate(value):
            converted, found = _convert(f, type_[5:], item, path, item_lines[index], f"{label}[{index + 1}]")
            problems.extend(found)
            items.append(converted)
        return items, problems
    if type_ == "map":
        assert f.schema is not None
        return f.schema.validate(value, path, line)
    if type_ == "any":
        return value, []
    if type_ == "label":  # a paragraph label: 10, 10(f); a plain whole number is how records said it before labels
        from .labels import parse_label

        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value, []
        if isinstance(value, str) and parse_label(value):
            return parse_label(value), []
        return None, [Problem(path, line, f"'{label}' must be a paragraph label such as 10 or 10(f), found {_show(value)}")]
    if type_ == "bool":
        if isinstance(value, bool):
            return value, []
        return None, [Problem(path, line, f"'{label}' must be true or false, found {_show(value)}")]
    if type_ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, [Problem(path, line, f"'{label}' must be a whole number, found {_show(value)}")]
        if f.minimum is not None and value < f.minimum:
            return None, [Problem(path, line, f"'{label}' must be at least {f.minimum}, found {value}")]
        return value, []
    if not isinstance(value, str):
        return None, [Problem(path, line, f"'{label}' must be text, found {_show(value)}")]
    if type_ == "text":
        if not value.strip():
            return None, [Problem(path, line, f"'{label}' must not be empty")]
    elif type_ == "slug":
        if not SLUG.fullmatch(value):
            return None, [Problem(path, line, f"'{label}' is not a valid id: {_show(value)} (use a-z, 0-9 and '-', 2 to 63 characters)")]
    elif type_ == "date":
        try:
            if not DATE.fullmatch(value):
                raise ValueError
            value = dt.date.fromisoformat(value)
        except ValueError:
            return None, [Problem(path, line, f"'{label}' is not a valid date: {_show(value)} (use YYYY-MM-DD)")]
        return value, []
    elif type_ == "sha256":
        if not SHA256.fullmatch(value):
            return None, [Problem(path, line, f"'{label}' is not a SHA-256 hash: {_show(value)} (64 lowercase hex digits)")]
    if f.pattern and not re.fullmatch(f.pattern, value):
        return None, [Problem(path, line, f"'{label}' {f.pattern_hint or 'has the wrong form'}: {_show(value)}")]
    if f.choices and type_ != "any" and value not in f.choices:
        return None, [Problem(path, line, f"'{label}' must be one of {', '.join(f.choices)}; "
                                          f"found {_show(value)}{did_you_mean(value, f.choices)}")]
    return value, []


def _line(value: Any, default: int | None) -> int | None:
    return getattr(value, "line", None) or default


def _key_line(data: Any, key: Any, default: int | None) -> int | None:
    if isinstance(data, LineDict):
        return data.key_lines.get(key, data.line)
    return default


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, LineDict)):
        return "a mapping"
    if isinstance(value, (list, LineList)):
        return "a list"
    return _show(value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
