"""Reading records: the full YAML reader, and the quick line reader for the form accord writes."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

from ..errors import LedgerError, Problem
from ..fsutil import read_repo_bytes
from ..yamlio import MAX_FILE_BYTES, YAMLProblem, decode_text, load_plain_yaml, load_yaml, read_text_file
from ..schema import Schema, _convert
from .positions import Position
from .records import RECORD, Evidence, Record, Reservation


@contextmanager
def bulk_reading() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while thousands of files are read.

    Reading a record makes a dozen small objects, none in a reference cycle (reference
    counting frees them), yet each few hundred of them set off a collection that walks every
    object still alive: at 10,000 records that was an eighth of a cold `status`. Whatever
    cycles there are get collected when the collector runs again, after the block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def record_from_bytes(data_bytes: bytes, display: str, path: Path | None = None, record_sha256: str | None = None
                      ) -> tuple[Record | None, list[Problem]]:
    """A record from its bytes: the quick reader for the form accord writes, the full YAML reader otherwise.

    record_sha256: the SHA-256 of data_bytes, when the caller has it (the parse memo's key)."""
    text, problem = decode_text(data_bytes, display)
    if problem or text is None:
        return None, [problem] if problem else []
    record = _quick_record(data_bytes, text, path, record_sha256)
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
# which yamlio's line reader takes in a tenth of that (as plain dicts: no lines to keep).
# Anything else, and any record with a problem, goes to the full reader, which also knows
# the lines to report.

def _quick_record(data_bytes: bytes, text: str, path: Path | None, record_sha256: str | None = None) -> Record | None:
    data = load_plain_yaml(text, lines=False)
    if data is None:
        return None
    values = _valid_values(RECORD, data)
    if values is None:
        return None
    reservations = values["reservations"]
    values["reservations"] = tuple(Reservation(**item) for item in reservations) if reservations else ()
    evidence = values["evidence"]
    values["evidence"] = _validated(Evidence, evidence) if evidence else None
    values["position"] = Position(values["position"])  # what Record.__post_init__ makes of it
    values["path"] = path
    values["record_sha256"] = record_sha256 or hashlib.sha256(data_bytes).hexdigest()
    return _validated(Record, values)


_Made = TypeVar("_Made")
_FIELDS: dict[type, frozenset[str]] = {cls: frozenset(f.name for f in fields(cls)) for cls in (Record, Evidence)}


def _validated(cls: type[_Made], values: dict) -> _Made:
    """cls(**values) for values _valid_values has checked and converted: the same object, made without the frozen
    dataclass's __init__ (a call of object.__setattr__ per field: at 10,000 records two thirds of making them).
    Values that are not exactly the fields go to the constructor, which says what is wrong; tests/test_ledger.py
    holds the records equal to the full reader's."""
    if values.keys() != _FIELDS[cls]:
        return cls(**values)
    instance = object.__new__(cls)
    vars(instance).update(values)
    return instance


# -- the quick validation ----------------------------------------------------------------
# What Schema.validate gives a plain record that has no problem. A scalar's conversion (a
# date parsed, a hash or an id checked) depends on its field and its value alone, and records
# repeat most of theirs (the statement, the partner, the position, the day), so each is worked
# out once per run. Any problem sends the record to the full reader, which names it.

_FAILED = object()


def _valid_values(schema: Schema, data: dict) -> dict | None:
    """schema.validate(data)'s values when it would find no problem; None when it would find one (or when the
    data is not plain: lists of anything but maps, renamed keys), so that the caller reads the record in full."""
    plan = _plans.get(id(schema))
    if plan is None or plan[0] is not schema:
        plan = _plans[id(schema)] = _plan(schema)
    _, by_key, defaults, required = plan
    if by_key is None or not required <= data.keys():
        return None
    values = dict(defaults)
    for key, value in data.items():
        entry = by_key.get(key)
        if entry is None:  # an unknown key
            return None
        f, attr, cache = entry
        if value is None:
            if f.required:
                return None
            continue
        if isinstance(value, dict):
            if f.type != "map" or f.schema is None:
                return None
            value = _valid_values(f.schema, value)
            if value is None:
                return None
        elif isinstance(value, list):
            if f.type != "list:map" or f.schema is None:
                return None
            items = []
            for item in value:
                if not isinstance(item, dict):
                    return None
                item = _valid_values(f.schema, item)
                if item is None:
                    return None
                items.append(item)
            value = items
        else:
            # a string by itself; any other value with its class (1 == True, but not as a field's value)
            cache_key = value if value.__class__ is str else (value.__class__, value)
            converted = cache.get(cache_key, cache)
            if converted is cache:
                converted, problems = _convert(f, f.type, value, "", 1, f.key)
                if problems:
                    converted = _FAILED
                if len(cache) >= 10_000:
                    cache.clear()
                cache[cache_key] = converted
            if converted is _FAILED:
                return None
            value = converted
        values[attr] = value
    return values


_plans: dict[int, tuple] = {}  # by the schema's id (a Schema hashes all its fields, nested schemas too)


def _plan(schema: Schema) -> tuple:
    """(the schema, field, attribute and conversions by key, the defaults by attribute, the required keys); no fields
    for a schema with renamed keys (the full reader warns about those)."""
    if any(f.renamed_from for f in schema.fields):
        return schema, None, {}, frozenset()
    # each field with its conversions: the value -> the value converted, or _FAILED
    return (schema, {f.key: (f, f.attr, {}) for f in schema.fields}, {f.attr: f.default for f in schema.fields},
            frozenset(f.key for f in schema.fields if f.required))


