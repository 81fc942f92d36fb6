"""What a build reads, and the input stamp that makes an unchanged statement a no-op.

A statement's stamp is a SHA-256 over everything its documents are made from:
its folder (text, ledger, images; not reviews/), the partner registry and
accord.yaml (the signatory block), the templates and fonts, the tool itself, and
whether those inputs differ from the last commit (the footer says so). It is
computed without importing lxml, typst or pypandoc and with one git process per
run, so that a no-op build of a hundred statements stays close to `accord --help`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import __version__
from ..fsutil import read_repo_bytes, refuse_links_under, write_atomic
from ..outputcache import StatMemo, remember_sha256
from ..history import status

STAMP_FILE = ".accord-stamp.json"
# Folders of a statement and of templates/ that no build reads.
STATEMENT_SKIP = ("reviews",)
TEMPLATES_SKIP = ("statements", "ci", "site")
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}


def _hash_tree(digest, root: Path, skip: tuple[str, ...] = (), *, refuse_links: bool = True,
               memo: StatMemo | None = None) -> None:
    """Feed every file under root (relative path and bytes, sorted) into digest; with a memo, a file
    hashed before with the same stat is not read again.

    A symbolic link is refused (LinkRefused names it): a template or registry file read
    through one could carry /etc/passwd into a document. In a statement folder
    (refuse_links=False) a link is hashed by where it points, never read: the filter
    judges the images it may embed.
    """
    if not root.is_dir():
        digest.update(b"\0missing\0")
        return
    if refuse_links:
        refuse_links_under(root)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (folder == str(root) and d in skip))
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            if os.path.islink(path):
                digest.update(b"\0link\0" + os.fsencode(os.readlink(path)))
                continue
            before = os.stat(path)
            known = memo.get(path, before) if memo is not None else None
            if known is None:
                read_at = time.time_ns()
                known = remember_sha256(path, read_repo_bytes(path), before)
                if memo is not None:
                    memo.put(path, before, known, read_at)
            digest.update(known)


def _tool_fingerprint() -> bytes:
    """The tool's version, the code that lays documents out, and the pandoc and typst it runs.

    pandoc and typst are known by their files' sizes and times, which is enough to
    notice an upgrade without reading 250 MB of binaries.
    """
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in [*sorted((package / "render").glob("*.py")), *sorted((package / "render").glob("*.lua")),
                 package / "pandoc.py", package / "ooxml" / "parts.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in ("pypandoc", "typst"):
        spec = importlib.util.find_spec(name)  # a top-level find_spec imports nothing
        for location in (spec.submodule_search_locations or []) if spec else []:
            for entry in sorted(os.scandir(location), key=lambda e: e.name):
                if entry.is_file():
                    stat = entry.stat()
                    digest.update(f"{name}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.digest()


@dataclass
class RepoInputs:
    """The inputs every statement of one build shares, read once per run."""

    root: Path

    @cached_property
    def memo(self) -> StatMemo:
        return StatMemo(self.root)

    @cached_property
    def shared_digest(self) -> bytes:
        digest = hashlib.sha256(_tool_fingerprint())
        settings = self.root / "accord.yaml"
        digest.update(read_repo_bytes(settings) if os.path.lexists(settings) else b"\0no settings\0")
        _hash_tree(digest, self.root / "partners", memo=self.memo)
        _hash_tree(digest, self.root / "templates", TEMPLATES_SKIP, memo=self.memo)
        return digest.digest()

    @cached_property
    def uncommitted(self) -> set[str] | None:
        """Paths with uncommitted changes among the build inputs; None outside git (or without commits)."""
        entries = status(self.root, *input_pathspecs(None))
        return None if entries is None else {path for entry in entries for path in entry.paths}

    def is_dirty(self, statement_id: str, language: str | None = None, *, any_version: bool = False) -> bool:
        """Whether the inputs of this statement's source (or of its `language` version; of any version with
        any_version) differ from HEAD (always True outside git).

        The source is not made of its language versions, so an uncommitted translation leaves
        the source's documents clean; a language version is made of the source and itself.
        """
        if self.uncommitted is None:
            return True
        own = f"statements/{statement_id}/"
        skipped = tuple(f"{own}{name}/" for name in STATEMENT_SKIP)
        for path in self.uncommitted:
            if path.startswith(own):
                if not path.startswith(skipped) and (any_version or not _other_version(path[len(own):], language)):
                    return True
            elif not path.startswith("statements/"):
                return True  # templates, partners, accord.yaml: they shape every statement
        return False

    def stamp(self, statement_id: str, statement_dir: Path) -> str:
        digest = hashlib.sha256(self.shared_digest)
        digest.update(statement_id.encode() + b"\0")
        _hash_tree(digest, statement_dir, STATEMENT_SKIP, refuse_links=False, memo=self.memo)
        digest.update(b"dirty" if self.is_dirty(statement_id, any_version=True) else b"clean")
        return digest.hexdigest()

    def remember_hashes(self) -> None:
        """Keep the hashes this run computed for the next (once per run: the memo is rewritten whole)."""
        if "memo" in self.__dict__:
            self.memo.save()


# statement.LANG.md beside statement.md: a language version (accord/i18n/translations.py)
_VERSION_FILE = re.compile(r"statement\.[^/]+\.md")


def _other_version(relpath: str, language: str | None) -> bool:
    """Whether a path inside a statement folder is a language version other than `language` (None: the source)."""
    return bool(_VERSION_FILE.fullmatch(relpath)) and relpath != f"statement.{language}.md"


def input_pathspecs(statement_id: str | None) -> list[str]:
    """git pathspecs of a statement source's inputs (of every statement's, without an id).

    A statement's language versions are not inputs of its source; a version's inputs are the
    source's and its own file (see version_pathspecs).
    """
    own = [f"statements/{statement_id}", *(f":(exclude)statements/{statement_id}/{name}" for name in STATEMENT_SKIP),
           f":(exclude,glob)statements/{statement_id}/statement.*.md"] if statement_id else ["statements"]
    return [*own, "templates", *(f":(exclude)templates/{name}" for name in TEMPLATES_SKIP), "partners", "accord.yaml"]


def version_pathspecs(statement_id: str, language: str) -> list[str]:
    """git pathspecs of the one file a language version adds to its source's inputs."""
    return [f"statements/{statement_id}/statement.{language}.md"]


def read_stamps(target: Path) -> dict[str, str]:
    """The stamp each format in target/ was last built from."""
    try:
        data = json.loads((target / STAMP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_stamps(target: Path, stamps: dict[str, str]) -> None:
    write_atomic(target / STAMP_FILE, json.dumps(stamps, indent=1, sort_keys=True) + "\n")


def output_name(statement_id: str, fmt: str, language: str | None = None) -> str:
    """ID.pdf for the source, ID.LANG.pdf for a language version; the stamp key is the name without the id."""
    return f"{statement_id}.{language}.{fmt}" if language else f"{statement_id}.{fmt}"


def stamp_key(fmt: str, language: str | None = None) -> str:
    return f"{language}.{fmt}" if language else fmt


def up_to_date(target: Path, statement_id: str, formats: tuple[str, ...], stamp: str,
               languages: list[str] | tuple[str, ...] = ()) -> bool:
    """Whether every format's output of the source and of each language version exists and was built from
    exactly these inputs (and no output of a version that is gone remains)."""
    stamps = read_stamps(target)
    keys = [(fmt, language) for language in (None, *languages) for fmt in formats]
    if any(key.count(".") and key.partition(".")[0] not in languages for key in stamps):
        return False
    return all(stamps.get(stamp_key(fmt, language)) == stamp
               and (target / output_name(statement_id, fmt, language)).is_file() for fmt, language in keys)


def statement_images(statement_dir: Path) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Image files a statement may embed: {relative path: (absolute path, MIME type)}.

    A symlink whose target lies outside the folder is listed apart, so that the
    filter can name it as outside rather than missing.
    """
    folder = statement_dir.resolve()
    allowed: dict[str, tuple[str, str]] = {}
    outside: list[str] = []
    for current, dirs, files in os.walk(folder):
        if current == str(folder):
            dirs[:] = [d for d in dirs if d not in (*STATEMENT_SKIP, "endorsements")]
        dirs.sort()
        for name in sorted(files):
            mime = IMAGE_TYPES.get(os.path.splitext(name)[1].lower())
            if mime is None:
                continue
            path = Path(current, name)
            relative = path.relative_to(folder).as_posix()
            real = path.resolve()
            if real.is_file() and real.is_relative_to(folder):
                allowed[relative] = (str(real), mime)
            else:
                outside.append(relative)
    return allowed, outside
