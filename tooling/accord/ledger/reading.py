"""Reading records: the full YAML reader, and the quick line reader for the form accord writes."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from ..errors import LedgerError, Problem
from ..fsutil import read_repo_bytes
from ..yamlio import MAX_FILE_BYTES, YAMLProblem, decode_text, load_yaml, read_text_file
from .records import RECORD, Evidence, Record, Reservation


def parse_record(data_bytes: bytes, text: str, display: str, path: Path | None = None) -> tuple[Record | None, list[Problem]]:
    try:
        data = load_yaml(text)
    except YAMLProblem as problem:
        return None, [Problem(display, problem.line, problem.message)]
    values, problems = RECORD.validate(data, display, 1)
    if problems:
        return None, problems
    values["reservations"] = tuple(Reservation(**item) for item in values["reservations"] or ())
    values["evidence"] = Evidence(**values["evidence"]) if values["evidence"] else None
    return Record(**values, path=path, record_sha256=hashlib.sha256(data_bytes).hexdigest()), []


def read_record(path: Path, display: str) -> tuple[Record | None, list[Problem]]:
    try:
        data_bytes = read_repo_bytes(path) if path.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        data_bytes = None
    if data_bytes is None:  # let the general reader name the fault (missing, too large, unreadable)
        text, problem = read_text_file(path, display)
        if problem or text is None:
            return None, [problem] if problem else []
        return parse_record(path.read_bytes(), text, display, path)
    return record_from_bytes(data_bytes, display, path)


def record_from_bytes(data_bytes: bytes, display: str, path: Path | None = None) -> tuple[Record | None, list[Problem]]:
    """A record from its bytes: the quick reader for the form accord writes, the full YAML reader otherwise."""
    text, problem = decode_text(data_bytes, display)
    if problem or text is None:
        return None, [problem] if problem else []
    record = _quick_record(data_bytes, text, path)
    if record is not None:
        return record, []
    return parse_record(data_bytes, text, display, path)


def load_record(path: Path, display: str) -> Record:
    record, problems = read_record(path, display)
    if problems or record is None:
        raise problems[0].error(LedgerError) if problems else LedgerError(f"{display}: cannot be read")
    return record


def record_versions(repo, statement_id: str, partner_id: str) -> list[Record]:
    """A partner's record on a statement as the working tree holds it, then each committed version, newest first.

    Every version is read by the one record reader; a version it cannot read (it no longer passes the
    record schema, or is not a record at all) is left out, since nothing it says can be trusted.
    """
    from .. import history

    path = repo.endorsements_dir(statement_id) / f"{partner_id}.yaml"
    relpath = repo.rel(path)
    versions: list[bytes] = []
    if path.is_file():
        versions.append(read_repo_bytes(path))
    commits = history.commits_touching(repo.root, relpath)
    blobs = history.read_blobs(repo.root, [f"{commit}:{relpath}" for commit in commits])
    versions += [blobs[f"{commit}:{relpath}"] for commit in commits if f"{commit}:{relpath}" in blobs]
    records = []
    for data in versions:
        record, _ = record_from_bytes(data, relpath)
        if record is not None:
            records.append(record)
    return records


def read_records(repo, statement_id: str) -> tuple[dict[str, Record], list[Problem]]:
    """Every record filed under statements/<id>/endorsements/, by partner id, with problems found."""
    folder = repo.endorsements_dir(statement_id)
    records: dict[str, Record] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return records, problems
    for path in sorted(folder.glob("*.yaml")):
        record, found = read_record(path, repo.rel(path))
        problems.extend(found)
        if record is not None:
            records[path.stem] = record
    return records, problems


# -- the quick reader ---------------------------------------------------------------
# `status` reads thousands of records per run, and a full YAML parse costs about 0.25 ms
# each. Records accord writes have one plain shape (flat keys, one list of maps, one map),
# which a line reader takes in a tenth of that. Anything else, and any record with a
# problem, goes to the full reader, which also knows the lines to report.

class _NotPlain(Exception):
    """The text is not in the plain shape the quick reader handles."""


_KEY = r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?"
_TOP_LINE = re.compile(_KEY)
_ITEM_LINE = re.compile(r"( *)- " + _KEY)
_NESTED_LINE = re.compile(r"( +)" + _KEY)
_ASCII_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")


@functools.lru_cache(maxsize=1)
def _non_printable() -> re.Pattern:
    # compiled on first use: the class spans all of Unicode and costs ~10 ms to build
    # NEL and the Unicode line and paragraph separators are line breaks to YAML, not to str.split("\n")
    return re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_NULLS = ("~", "null", "Null", "NULL")
_INDICATORS = "-?:,[]{}#&*!|>%@`"


def _quick_record(data_bytes: bytes, text: str, path: Path | None) -> Record | None:
    try:
        data = _plain_yaml(text)
    except _NotPlain:
        return None
    values, problems = RECORD.validate(data, "", 1)
    if problems:
        return None
    values["reservations"] = tuple(Reservation(**item) for item in values["reservations"] or ())
    values["evidence"] = Evidence(**values["evidence"]) if values["evidence"] else None
    return Record(**values, path=path, record_sha256=hashlib.sha256(data_bytes).hexdigest())


def _plain_yaml(text: str) -> dict:
    # Characters YAML refuses must reach the full reader, which reports them.
    if _ASCII_CONTROL.search(text) or not text.isascii() and _non_printable().search(text):
        raise _NotPlain
    root: dict = {}
    open_key = None  # the top-level key whose block (list or map) the indented lines belong to
    block_indent = item_indent = -1
    for line in text.split("\n"):
        line = line.rstrip(" ")
        if not line or line.lstrip(" ").startswith("#"):
            continue
        if line[0] not in " -":
            match = _TOP_LINE.fullmatch(line)
            if match is None or match.group(1) in root:
                raise _NotPlain
            key, value = match.groups()
            root[key] = _plain_scalar(value) if value else None
            open_key = None if value else key
            continue
        if open_key is None:
            raise _NotPlain
        block = root[open_key]
        match = _ITEM_LINE.fullmatch(line)
        if match:
            indent, key, value = len(match.group(1)), match.group(2), match.group(3)
            if block is None:
                root[open_key] = block = []
                block_indent = indent
            if not isinstance(block, list) or indent != block_indent or not value:
                raise _NotPlain
            block.append({key: _plain_scalar(value)})
            item_indent = indent + 2
            continue
        match = _NESTED_LINE.fullmatch(line)
        if match is None or not match.group(3):
            raise _NotPlain
        indent, key, value = len(match.group(1)), match.group(2), match.group(3)
        if block is None:
            root[open_key] = block = {}
            block_indent = indent
        if isinstance(block, list) and block and indent == item_indent:
            target = block[-1]
        elif isinstance(block, dict) and indent == block_indent:
            target = block
        else:
            raise _NotPlain
        if key in target:
            raise _NotPlain
        target[key] = _plain_scalar(value)
    return root


_SCALARS: dict[str, object] = {}  # a plain scalar's text -> its value: records repeat most of theirs


def _plain_scalar(value: str):
    known = _SCALARS.get(value, _SCALARS)
    if known is not _SCALARS:
        return known
    result = _read_scalar(value)
    if not isinstance(result, (list, dict)):  # a fresh [] or {} each time: the caller may fill it
        if len(_SCALARS) >= 50_000:
            _SCALARS.clear()
        _SCALARS[value] = result
    return result


def _read_scalar(value: str):
    first = value[0]
    if first == "'":
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != "'" or "'" in inner.replace("''", ""):
            raise _NotPlain
        return inner.replace("''", "'")
    if first == '"':
        inner = value[1:-1]
        if len(value) < 2 or value[-1] != '"' or '"' in inner or "\\" in inner:
            raise _NotPlain
        return inner
    if value == "[]":
        return []
    if value == "{}":
        return {}
    if first in _INDICATORS or ": " in value or " #" in value or value.endswith(":") or "\t" in value:
        raise _NotPlain
    tag = _implicit_tag(value)
    if tag == "str":
        return value
    if tag == "null" and value in _NULLS:
        return None
    if tag == "bool":
        return value.lower() == "true"
    if tag == "int" and _DECIMAL.fullmatch(value):
        return int(value)
    raise _NotPlain


def _implicit_tag(value: str) -> str:
    """The type the full reader gives a plain scalar, from its own resolver table."""
    for tag, regexp in _RESOLVERS.get(value[0], _RESOLVERS[None]):
        if regexp.match(value):
            return tag
    return "str"


def _resolver_table() -> dict:
    from ..yamlio import _Loader  # the full reader's own table, so the two readers cannot disagree

    table = _Loader.yaml_implicit_resolvers
    wildcard = table.get(None, [])
    return {first: [(tag.rsplit(":", 1)[-1], regexp) for tag, regexp in [*resolvers, *wildcard]]
            for first, resolvers in {**table, None: []}.items()}


_RESOLVERS = _resolver_table()
