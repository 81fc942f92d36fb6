"""A content-addressed cache of tool outputs in the user's cache folder (~/.cache/accord/<kind>/)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path


def cache_root() -> Path:
    """$XDG_CACHE_HOME/accord, else ~/.cache/accord."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "accord"


_hashes_lock = threading.Lock()
_file_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, computed once per process for each (path, size, mtime): the key of what a
    cache holds about a file (a font's facts, subsets and character map), so a copy of the same file
    elsewhere (another clone, a moved repository) finds it, and a changed file never does."""
    stat = os.stat(path)
    stamp = (str(path), stat.st_size, stat.st_mtime_ns)
    with _hashes_lock:
        digest = _file_hashes.get(stamp)
    if digest is None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        with _hashes_lock:
            _file_hashes[stamp] = digest
    return digest


def remember_sha256(path: Path | str, data: bytes, before: os.stat_result) -> bytes:
    """SHA-256 of bytes just read from path (`before`: its stat taken before the read), remembered for
    file_sha256 when the file still has that size and time: a build hashes the templates for its input
    stamp, then the house fonts for their cached facts and subsets, and 6 MB of fonts are read once."""
    raw = hashlib.sha256(data).digest()
    try:
        after = os.stat(path)
    except OSError:
        return raw
    if len(data) == before.st_size == after.st_size and before.st_mtime_ns == after.st_mtime_ns:
        with _hashes_lock:
            _file_hashes[(str(path), after.st_size, after.st_mtime_ns)] = raw.hex()
    return raw


def write_best_effort(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all (a temporary file renamed over it); a cache that cannot be
    written costs time, never a result."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".entry-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def write_verified(path: Path, data: bytes) -> None:
    """A cache file holding data followed by its own SHA-256 (read back with read_verified)."""
    write_best_effort(path, data + hashlib.sha256(data).digest())


def read_verified(path: Path) -> bytes | None:
    """The data of a file write_verified made, or None when it is missing, torn or altered."""
    try:
        stored = path.read_bytes()
    except OSError:
        return None
    data, digest = stored[:-32], stored[-32:]
    return data if len(stored) >= 32 and hashlib.sha256(data).digest() == digest else None


class OutputCache:
    """Outputs keyed by a SHA-256 over their inputs; each file holds the output followed by its own SHA-256,
    so a torn or altered file is a miss, never a wrong answer. Best effort: a cache that cannot be read or
    written costs time only."""

    def __init__(self, kind: str, folder: Path | None = None):
        self.folder = folder if folder is not None else cache_root() / kind

    @staticmethod
    def key(parts: Iterable[bytes]) -> str:
        digest = hashlib.sha256()
        for part in parts:  # each part's length first: no two lists of parts run together alike
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()

    def get(self, key: str) -> bytes | None:
        return read_verified(self.folder / key[:2] / key)

    def put(self, key: str, data: bytes) -> None:
        write_verified(self.folder / key[:2] / key, data)

    def get_or_make(self, parts: Iterable[bytes], make: Callable[[], bytes]) -> bytes:
        key = self.key(parts)
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found
