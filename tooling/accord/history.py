"""Git access: commits, the text of a file at a revision, dirtiness. Plain `git`, one process per question."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .errors import GitError


def git(root: Path, *args: str, input: bytes | None = None, env: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run git in root; GitError with git's first error line when it fails (and check is set)."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        result = subprocess.run(["git", "-C", str(root), *args], input=input, capture_output=True,
                                env=full_env, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from None
    if check and result.returncode != 0:
        message = next((line for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()),
                       f"git {args[0]} failed")
        raise GitError(message.removeprefix("fatal: ").strip())
    return result


def git_text(root: Path, *args: str) -> str:
    return git(root, *args).stdout.decode("utf-8").strip()


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at, or None in a repository with no commits (or no git)."""
    result = git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def resolve_revision(root: Path, revision: str) -> str:
    """The full commit id of a revision, or GitError naming it."""
    if revision.startswith("-"):
        raise GitError(f"unknown revision '{revision}'")
    result = git(root, "rev-parse", "--verify", "-q", f"{revision}^{{commit}}", check=False)
    if result.returncode != 0:
        raise GitError(f"unknown revision '{revision}'")
    return result.stdout.decode().strip()


def commit_epoch(root: Path, revision: str = "HEAD") -> int | None:
    """The committer time of a revision as a Unix epoch, or None without commits."""
    result = git(root, "log", "-1", "--format=%ct", revision, "--", check=False)
    text = result.stdout.decode().strip()
    return int(text) if result.returncode == 0 and text else None


def is_dirty(root: Path, *paths: Path | str) -> bool:
    """Whether the working tree differs from HEAD (or is untracked) under the given paths."""
    args = ["status", "--porcelain", "--untracked-files=all", "--"]
    args += [str(Path(p).relative_to(root)) if Path(p).is_absolute() else str(p) for p in paths] or ["."]
    result = git(root, *args, check=False)
    if result.returncode != 0:
        return True
    return bool(result.stdout.strip())


def file_at(root: Path, revision: str, relpath: str) -> bytes:
    """The bytes of a file at a revision; GitError when the revision or the file is missing."""
    commit = resolve_revision(root, revision)
    result = git(root, "show", f"{commit}:{relpath}", check=False)
    if result.returncode != 0:
        raise GitError(f"{relpath} does not exist at {revision}")
    return result.stdout
