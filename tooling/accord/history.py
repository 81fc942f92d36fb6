"""Git access: commits, the text of a file at a revision, dirtiness. Plain `git`, one process per question."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import GitError


def git(root: Path, *args: str, input: bytes | None = None, env: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run git in root; GitError with git's first error line when it fails (and check is set)."""
    # GIT_OPTIONAL_LOCKS=0: a `git status` of ours must never write the index back. Its
    # opportunistic refresh can race with another accord process's `git add` and drop the
    # entry that process just staged (seen as 1 in ~20 concurrent endorsements failing).
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", **(env or {})}
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


# -- used by the ledger: who records, committing one's own paths, the history of a folder --------

LOCK_MARKERS = ("index.lock", ".lock': File exists", "cannot lock ref", "Unable to create", "unable to write new index")


def author_identity(root: Path) -> str | None:
    """'Name <email>' of whoever git would record as author here, or None when git knows no one."""
    result = git(root, "var", "GIT_AUTHOR_IDENT", check=False)
    if result.returncode != 0:
        return None
    ident = result.stdout.decode("utf-8", "replace").strip()
    # "Name <email> 1700000000 +0000": drop the time, keep who.
    name, sep, _ = ident.rpartition(">")
    return (name + sep).strip() or None


def commit_only(root: Path, relpaths: list[str], message: str, *, attempts: int = 60) -> str:
    """Commit exactly these paths (added, changed or deleted) and nothing else; returns the commit id.

    The commit is made from git objects with a private index (commit_files), then
    HEAD is moved with a compare-and-swap: if another process committed in the
    meantime, the commit is remade on top of theirs. Two partners' endorsements
    recorded at the same moment both land. The shared index is touched first, for
    these paths alone (`git commit --only` lost a freshly staged path of a
    concurrent process about once in twenty runs of twenty endorsements).
    """
    import random
    import time

    files = {path: (root / path).read_bytes() if (root / path).is_file() else None for path in relpaths}
    _stage_paths(root, list(files), attempts)
    for attempt in range(attempts):
        parent = head_commit(root)
        commit = commit_files(root, parent, files, message)
        moved = git(root, "update-ref", "-m", f"commit: {message.splitlines()[0]}", "HEAD", commit,
                    parent or EMPTY_OLD_VALUE, check=False)
        if moved.returncode == 0:
            return commit
        error = moved.stderr.decode("utf-8", "replace")
        if head_commit(root) == parent and not any(marker in error for marker in LOCK_MARKERS):
            raise GitError(next((line for line in error.splitlines() if line.strip()), "git update-ref failed")
                           .removeprefix("fatal: ").strip())
        if attempt == attempts - 1:
            raise _lock_left_behind(GitError(error.strip())) from None
        time.sleep(0.01 + random.random() * 0.05 * min(attempt + 1, 5))
    raise AssertionError("unreachable")


def _stage_paths(root: Path, relpaths: list[str], attempts: int) -> None:
    """Stage exactly these paths in the shared index, waiting out other processes' locks.

    `update-index` holds the index lock while it reads, changes and writes the
    index, so entries other processes staged meanwhile are kept.
    """
    import random
    import time

    for attempt in range(attempts):
        try:
            git(root, "update-index", "--add", "--remove", "--", *relpaths)
            return
        except GitError as error:
            if not any(marker in error.message for marker in LOCK_MARKERS):
                raise
            if attempt == attempts - 1:
                raise _lock_left_behind(error) from None
            time.sleep(0.02 + random.random() * 0.08 * min(attempt + 1, 5))


def _lock_left_behind(error: GitError) -> GitError:
    """Still locked after every retry: most likely a git process that was killed left its lock file.

    Whether the lock is stale cannot be known for sure (a `git commit` waiting in an editor holds it
    for minutes), so it is not removed; the message says which file it is and what to do.
    """
    import re

    match = re.search(r"'([^']+\.lock)'", error.message)
    if match is None:
        return error
    return GitError(f"git is locked: {match.group(1)} exists; another git command is running in this repository, "
                    "or one was killed and left the file behind: if no git command is running, delete the file "
                    "and run the command again")


@contextmanager
def path_lock(root: Path, name: str, timeout: float = 120.0):
    """Hold an exclusive lock named name for this repository (a file in its git directory, locked with flock).

    Two processes that read, change and commit the same file hold it in turn, so the
    second reads what the first committed. The kernel drops the lock when a process
    dies, so a killed run never leaves it behind.
    """
    import fcntl
    import time

    result = git(root, "rev-parse", "--absolute-git-dir", check=False)
    if result.returncode != 0:  # not a git repository: nothing to commit, nothing to race
        yield
        return
    folder = Path(result.stdout.decode().strip()) / "accord" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(folder / f"{name}.lock", "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GitError(f"another accord process has held {folder / name}.lock for {timeout:.0f} s") from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_shallow(root: Path) -> bool:
    """Whether this clone lacks older history (CI checkouts often fetch one commit)."""
    result = git(root, "rev-parse", "--is-shallow-repository", check=False)
    return result.returncode == 0 and result.stdout.strip() == b"true"


NO_REPLACEMENTS = {"GIT_NO_REPLACE_OBJECTS": "1"}


@dataclass(frozen=True)
class PathChange:
    """One file changed by one commit, against one of its parents (a merge gives one per parent it differs from)."""

    commit: str
    epoch: int  # committer time
    parents: int
    path: str
    old_blob: str | None  # None where the parent lacks the file
    new_blob: str | None  # None where the commit deletes it


def full_paths_history(root: Path, *pathspecs: str) -> list[PathChange]:
    """Every change to files under the pathspecs in the whole commit graph, parents before children.

    Unlike a plain `git log -- PATH`, nothing is simplified away: `--full-history` keeps both sides of
    every merge, and each merge is compared with each of its parents (`-m`), so a merge
    whose result restores an old version of a file shows as that change. Replacement refs
    (`git replace`), which could splice a commit out of the history a walk sees, are ignored.
    One git process.
    """
    if head_commit(root) is None:
        return []
    result = git(root, "log", "--full-history", "--topo-order", "--reverse", "-m", "--format=%x00%H %ct %P", "--raw",
                 "--no-abbrev", "--no-renames", "-z", "HEAD", "--", *pathspecs, env=NO_REPLACEMENTS)
    changes: list[PathChange] = []
    commit, epoch, parents = "", 0, 0
    fields = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(fields):
        item = fields[index].strip("\n")
        index += 1
        if not item:
            continue
        if item.startswith(":"):
            # ":<old mode> <new mode> <old blob> <new blob> <status>", then the path as the next field
            parts = item[1:].split()
            path = fields[index]
            index += 1
            old = None if set(parts[2]) == {"0"} else parts[2]
            new = None if parts[4].startswith("D") else parts[3]
            changes.append(PathChange(commit, epoch, parents, path, old, new))
        else:
            commit, stamp, *parent_ids = item.split(" ")
            epoch, parents = int(stamp), len(parent_ids)
    return changes


def read_blobs(root: Path, blob_ids: list[str], env: dict | None = None) -> dict[str, bytes]:
    """The contents of several blobs in one git process (env: e.g. NO_REPLACEMENTS)."""
    wanted = list(dict.fromkeys(blob_ids))
    if not wanted:
        return {}
    output = git(root, "cat-file", "--batch", input="".join(f"{blob}\n" for blob in wanted).encode(), env=env).stdout
    blobs: dict[str, bytes] = {}
    position = 0
    for blob in wanted:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        position = header_end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[blob] = output[position:position + size]
        position += size + 1
    return blobs


# -- writing commits without a working tree ------------------------------------------
# `accord review import` lands a partner's edits on a branch of their own. It
# builds the commit from git objects alone (a private index file, write-tree,
# commit-tree, update-ref), so the working tree, the real index and the current
# branch are never touched, whatever state they are in.

EMPTY_OLD_VALUE = ""


def branch_exists(root: Path, name: str) -> bool:
    return git(root, "rev-parse", "--verify", "-q", f"refs/heads/{name}", check=False).returncode == 0


def free_branch_name(root: Path, name: str) -> str:
    """name, or name-2, name-3 ... : the first that is not a branch yet."""
    candidate, number = name, 1
    while branch_exists(root, candidate):
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def path_exists_at(root: Path, revision: str, relpath: str) -> bool:
    return git(root, "cat-file", "-e", f"{revision}:{relpath}", check=False).returncode == 0


def commit_files(root: Path, parent: str | None, files: dict[str, bytes | None], message: str, *,
                 author_name: str | None = None, author_email: str | None = None) -> str:
    """A new commit: parent's tree with files (repo-relative path -> bytes, or None to remove) written in.

    Uses a temporary index file, never the repository's own index. Without an
    author, git's own identity is used. Returns the commit id; no ref moves.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="accord-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if parent:
            git(root, "read-tree", parent, env=env)
        for relpath, data in files.items():
            if data is None:
                git(root, "update-index", "--force-remove", "--", relpath, env=env)
                continue
            blob = git(root, "hash-object", "-w", "--stdin", input=data).stdout.decode().strip()
            mode = _file_mode(root, parent, relpath) if parent else "100644"
            git(root, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{relpath}", env=env)
        tree = git(root, "write-tree", env=env).stdout.decode().strip()
    author = {"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email} if author_name else {}
    parents = ["-p", parent] if parent else []
    return git(root, "commit-tree", tree, *parents, "-F", "-", input=message.encode("utf-8"),
               env=author).stdout.decode().strip()


def _file_mode(root: Path, revision: str, relpath: str) -> str:
    listing = git(root, "ls-tree", revision, "--", relpath).stdout.decode().split()
    return listing[0] if listing and listing[0] in ("100644", "100755") else "100644"


def create_branch(root: Path, name: str, commit: str) -> str:
    """Point a new branch (name, or name-2, -3 ... if taken) at commit; never moves an existing one."""
    for _ in range(100):
        candidate = free_branch_name(root, name)
        result = git(root, "update-ref", f"refs/heads/{candidate}", commit, EMPTY_OLD_VALUE, check=False)
        if result.returncode == 0:
            return candidate
        if not branch_exists(root, candidate):
            message = next((line for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()),
                           "git update-ref failed")
            raise GitError(message.removeprefix("fatal: ").strip())
    raise GitError(f"cannot find a free branch name for {name}")


def current_branch(root: Path) -> str | None:
    """The branch HEAD is on, or None when HEAD is detached."""
    result = git(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    return result.stdout.decode().strip() or None if result.returncode == 0 else None


# -- used by releases: the release commit and tag made as objects first, then moved in one transaction ---------

def changed_paths(root: Path) -> list[str]:
    """Every path with uncommitted changes, staged or not, and every untracked path, as git status names them."""
    result = git(root, "status", "--porcelain", "-z", "--untracked-files=all")
    entries = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    paths = []
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if not entry:
            continue
        if entry[0] in "RC":  # a rename or copy: the original path follows as its own field
            index += 1
        paths.append(entry[3:])
    return paths


def release_tags(root: Path, statement_id: str) -> list[tuple[int, str]]:
    """The release tags of a statement (<id>/v<N>) as (N, tag), lowest N first."""
    import re

    result = git(root, "tag", "--list", f"{statement_id}/v*", check=False)
    pattern = re.compile(rf"{re.escape(statement_id)}/v([1-9][0-9]*)")
    found = [(int(match.group(1)), name) for name in result.stdout.decode("utf-8", "replace").split()
             if (match := pattern.fullmatch(name))]
    return sorted(found)


def make_tag(root: Path, commit: str, name: str, message: str) -> str:
    """An annotated tag object for commit, tagged by the committer; no ref points at it yet."""
    tagger = git_text(root, "var", "GIT_COMMITTER_IDENT")
    body = f"object {commit}\ntype commit\ntag {name}\ntagger {tagger}\n\n{message}"
    return git(root, "mktag", input=body.encode("utf-8")).stdout.decode().strip()


def update_refs(root: Path, changes: list[tuple[str, ...]], message: str) -> None:
    """Move several refs in one transaction: all of them move or none does.

    Each change is ("update", ref, new, old), ("create", ref, new) or ("delete", ref, old);
    an update whose ref no longer holds old fails, so a concurrent commit is never lost.
    HEAD is followed to the branch it names.
    """
    commands = "".join(" ".join(change) + "\n" for change in changes)
    git(root, "update-ref", "-m", message, "--stdin", input=commands.encode("utf-8"))


def update_worktree(root: Path, old: str, new: str) -> None:
    """Bring the index and working tree from commit old to commit new; refuses to overwrite local changes.

    The index's stat data is refreshed first (our own `git status` calls never write it back),
    so a file merely touched since the last refresh is not mistaken for a local change.
    """
    git(root, "update-index", "-q", "--refresh", check=False)
    git(root, "read-tree", "-m", "-u", old, new)


def clone_at(root: Path, target: Path, commit: str) -> None:
    """A fresh clone of root in target, checked out (detached) at commit, sharing root's objects."""
    git(root, "clone", "--quiet", "--shared", "--no-checkout", str(root), str(target))
    git(target, "checkout", "--quiet", "--detach", commit)


# -- used by redlines: the versions of one file, who made them and when ---------------------

@dataclass(frozen=True)
class CommitInfo:
    """Who authored a commit, and when (author time, Unix epoch)."""

    commit: str
    author: str
    email: str
    epoch: int


def _commit_info(line: str) -> CommitInfo | None:
    parts = line.split("\x00")
    if len(parts) < 4 or not parts[0]:
        return None
    return CommitInfo(parts[0], parts[1], parts[2], int(parts[3]))


def last_commit_touching(root: Path, relpath: str, revision: str = "HEAD") -> CommitInfo | None:
    """The newest commit at or before revision that changed relpath: the one that made its text."""
    result = git(root, "log", "-1", "--format=%H%x00%an%x00%ae%x00%at", revision, "--", relpath, check=False)
    if result.returncode != 0:
        return None
    return _commit_info(result.stdout.decode("utf-8", "replace").strip())


def commits_touching(root: Path, relpath: str, revision: str = "HEAD") -> list[str]:
    """Commits at or before revision that changed relpath, newest first ([] without commits)."""
    result = git(root, "log", "--format=%H", revision, "--", relpath, check=False)
    if result.returncode != 0:
        return []
    return result.stdout.decode().split()


def current_author(root: Path) -> tuple[str, int] | None:
    """(name, now as epoch) of whoever git would record as author here, or None if git knows no one."""
    result = git(root, "var", "GIT_AUTHOR_IDENT", check=False)
    ident = result.stdout.decode("utf-8", "replace").strip()
    name, sep, rest = ident.rpartition("<")
    stamp = rest.partition(">")[2].split()
    if result.returncode != 0 or not sep or not stamp or not stamp[0].isdigit():
        return None
    return name.strip(), int(stamp[0])
