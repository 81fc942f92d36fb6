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


# -- file hashes kept across runs, by the files' full stat, as git's index keeps them --------------------

_STAT_MEMO_FORMAT = 1
_RACY_NS = 2_000_000_000   # a file changed within 2 s of its reading is not remembered
_STAT_MEMO_ENTRIES = 20_000


class StatMemo:
    """SHA-256 of the files under one folder by their full stat (device, inode, size, modification and
    change times), kept in the cache folder across runs as git's index keeps its hashes: a build stamps
    its inputs without reading 6 MB of house fonts again (12 ms of a 3-page DOCX build's 380).

    The change time cannot be set by a user (`touch -d` and `git checkout` both move it), so a file
    whose bytes changed has another stat. A file whose times are within 2 s of its reading is not
    remembered: a write in the same clock tick as the reading would leave the same stat behind
    (git's "racy" files). A damaged memo is an empty one; a hit is remembered for `file_sha256` too,
    so the fonts' cached facts and subsets are found without reading the fonts.
    """

    def __init__(self, folder: Path | str) -> None:
        scope = hashlib.sha256(os.fsencode(os.path.abspath(folder))).hexdigest()[:32]
        self.path = cache_root() / "stat-hashes" / f"{_STAT_MEMO_FORMAT}-{scope}.json"
        self._lock = threading.Lock()
        self._entries: dict[str, list[int | str]] = self._load()
        self._changed = False

    def _load(self) -> dict[str, list[int | str]]:
        import json

        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(stored, dict):
            return {}
        return {path: entry for path, entry in stored.items()
                if isinstance(entry, list) and len(entry) == 6 and all(type(value) is int for value in entry[:5])
                and isinstance(entry[5], str) and len(entry[5]) == 64}

    @staticmethod
    def _key(stat: os.stat_result) -> list[int]:
        return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]

    def get(self, path: str, stat: os.stat_result) -> bytes | None:
        """The SHA-256 of the file at path if it was hashed with this very stat, else None."""
        with self._lock:
            entry = self._entries.get(path)
        if entry is None or entry[:5] != self._key(stat):
            return None
        hexdigest = str(entry[5])
        try:
            digest = bytes.fromhex(hexdigest)
        except ValueError:
            return None
        with _hashes_lock:
            _file_hashes[(path, stat.st_size, stat.st_mtime_ns)] = hexdigest
        return digest

    def put(self, path: str, stat: os.stat_result, digest: bytes, read_at_ns: int) -> None:
        """Remember a file's hash, its stat taken before the reading that began at read_at_ns."""
        if max(stat.st_mtime_ns, stat.st_ctime_ns) > read_at_ns - _RACY_NS:
            return
        with self._lock:
            self._entries[path] = [*self._key(stat), digest.hex()]
            self._changed = True

    def save(self) -> None:
        """Write the memo if it learned something (best effort; the newest entries when it grew too long)."""
        import json

        with self._lock:
            if not self._changed:
                return
            entries = dict(list(self._entries.items())[-_STAT_MEMO_ENTRIES:])
            self._changed = False
        write_best_effort(self.path, json.dumps(entries, separators=(",", ":")).encode("utf-8"))


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
