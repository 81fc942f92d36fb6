"""Git access, the one module that talks to git: gitpython's persistent `cat-file --batch` for reads, plain processes for plumbing.

Reads of objects (a file at a revision, many blobs at once, what a revision names) go
through one long-lived `git cat-file --batch` per repository, which gitpython keeps
open: a thousand questions cost one process, not a thousand. A command that asks only
a few (a diff: HEAD and one text) gets them from one plain `cat-file --batch` instead,
the same answers read by the same parser. Walks (`git log`),
`git status` and the commands that write (update-index, commit-tree, update-ref) run
as processes of their own (gitpython is imported only to read objects), always with
`-C root` and the environment guards below. Nothing else in accord starts git.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterator

from .errors import GitError

if TYPE_CHECKING:
    from types import ModuleType

    import git as gitpython

# GIT_OPTIONAL_LOCKS=0: a `git status` of ours must never write the index back. Its
# opportunistic refresh can race with another accord process's `git add` and drop the
# entry that process just staged (seen as 1 in ~20 concurrent endorsements failing).
ENV_GUARDS = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
NO_REPLACEMENTS = {"GIT_NO_REPLACE_OBJECTS": "1"}


@dataclass(frozen=True)
class GitResult:
    """What one git command did: its exit code and its output, as bytes."""

    returncode: int
    stdout: bytes
    stderr: bytes


def _gitpython() -> ModuleType:
    """gitpython, imported on first use (`accord --help` and git-free commands never pay for it)."""
    try:
        import git as gitpython
    except ImportError as exc:  # gitpython refuses to import when it cannot run `git version`
        raise GitError(f"cannot run git: {str(exc).splitlines()[0]}") from None
    return gitpython


class _Session:
    """gitpython's command object for one repository, and its persistent `cat-file --batch` behind a lock."""

    # Requests written to cat-file before its answers are read: at most this many bytes, so the
    # write never fills the pipe while cat-file waits for us to read (which would deadlock).
    BATCH_BYTES = 16 * 1024

    def __init__(self, root: Path, env: dict[str, str], identity: tuple[int, int, int] | None):
        self.root = root
        self.identity = identity  # (device, inode) of the git directory: a repository recreated at root is a new one
        self.command: gitpython.Git = _gitpython().Git(str(root))
        self.command.update_environment(**ENV_GUARDS, **env)
        self.lock = threading.Lock()

    def objects(self, names: list[str]) -> list[tuple[str, str, bytes] | None]:
        """(object id, type, bytes) of each object name (`<commit>:<path>`, `HEAD^{commit}`, an id), None where
        git finds none. One persistent process answers all of them, in batches."""
        with self.lock:
            try:
                return self._objects(names)
            except (OSError, ValueError):  # the process died (or was never a repository's): start afresh once
                self.close()
                try:
                    return self._objects(names)
                except (OSError, ValueError) as exc:
                    self.close()
                    raise GitError(f"git cat-file failed in {self.root}: {exc}") from None

    def _objects(self, names: list[str]) -> list[tuple[str, str, bytes] | None]:
        process = self.command._get_persistent_cmd("cat_file_all", "cat_file", batch=True)
        stdin, stdout = process.stdin, process.stdout
        if stdin is None or stdout is None:
            raise ValueError("cat-file has no pipes")
        found: list[tuple[str, str, bytes] | None] = [None] * len(names)
        asked: list[int] = []
        pending = 0
        for index, name in enumerate(names):
            if "\n" not in name and name:  # a newline would split one request into two
                asked.append(index)
                stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
                pending += len(name) + 1
            if asked and (pending >= self.BATCH_BYTES or index == len(names) - 1):
                stdin.flush()
                for at in asked:
                    found[at] = self._answer(stdout)
                asked, pending = [], 0
        return found

    @staticmethod
    def _answer(stdout: IO[bytes]) -> tuple[str, str, bytes] | None:
        header = stdout.readline()
        if not header.endswith(b"\n"):
            raise ValueError("cat-file ended")
        fields = header.split()
        if len(fields) != 3 or not fields[2].isdigit() or fields[2] == b"missing":
            return None  # "<name> missing" or "<name> ambiguous": nothing follows
        size = int(fields[2])
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            raise ValueError("cat-file ended")
        return fields[0].decode(), fields[1].decode(), data[:size]

    def close(self) -> None:
        self.command.clear_cache()  # ends the persistent processes


_SESSIONS: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], _Session] = OrderedDict()
_SESSIONS_LOCK = threading.Lock()
_KEEP_SESSIONS = 8  # a process that visits many repositories (the test suite) keeps only the recent ones open


def _git_dir_identity(root: Path) -> tuple[int, int, int] | None:
    """(device, inode, change time) of root/.git (a folder, or a worktree's file), None where root holds no
    repository. The change time tells a repository made again at the same path apart even when the new .git
    reuses the old one's inode (seen under load); a change inside .git only costs a fresh cat-file."""
    try:
        stat = os.stat(os.path.join(root, ".git"))
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_ctime_ns


def _session_key(root: Path, env: dict[str, str] | None) -> tuple[str, tuple[tuple[str, str], ...]]:
    return os.path.abspath(root), tuple(sorted((env or {}).items()))


def _session(root: Path, env: dict[str, str] | None = None) -> _Session:
    """The session for root (and these extra environment variables), made on first use."""
    environment = dict(env or {})
    key = _session_key(root, environment)
    identity = _git_dir_identity(Path(key[0]))
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is not None and session.identity != identity:
            _SESSIONS.pop(key).close()
            session = None
        if session is None:
            session = _SESSIONS[key] = _Session(Path(key[0]), environment, identity)
            while len(_SESSIONS) > _KEEP_SESSIONS:
                _SESSIONS.popitem(last=False)[1].close()
        _SESSIONS.move_to_end(key)
        return session


def _forget_sessions_in_child() -> None:
    """A forked child must not share its parent's cat-file pipes, nor end its processes: drop them unclosed.
    The lock is made anew: another thread of the parent may have held it at the fork."""
    global _SESSIONS_LOCK
    _SESSIONS_LOCK = threading.Lock()
    for session in _SESSIONS.values():
        for name in ("cat_file_all", "cat_file_header"):
            process = getattr(session.command, name, None)
            if process is not None:
                process.proc = None  # its finalizer then leaves the parent's process alone
                setattr(session.command, name, None)
    _SESSIONS.clear()


os.register_at_fork(after_in_child=_forget_sessions_in_child)


def close_sessions() -> None:
    """End every persistent git process this process holds (they also end with it)."""
    with _SESSIONS_LOCK:
        while _SESSIONS:
            _SESSIONS.popitem()[1].close()


def _git_executable() -> str:
    """The git gitpython would run: GIT_PYTHON_GIT_EXECUTABLE where set, else `git` on the PATH."""
    return os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git"


def git(root: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> GitResult:
    """Run one git command in root, with the environment gitpython gives its commands; GitError with git's
    first error line when it fails (and check is set).

    A plain process, not gitpython's runner: importing gitpython costs about 90 ms of CPU and runs
    `git version` twice, which a DOCX build (one `git status`, one `git log`) paid for nothing. gitpython
    stays the reader of objects (read_objects), where its persistent cat-file saves a process per object.
    """
    command = [_git_executable(), "-C", str(root), *args]
    environment = {**os.environ, "LANGUAGE": "C", **ENV_GUARDS, **(env or {})}
    try:
        process = subprocess.run(command, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                                 capture_output=True, env=environment, check=False,
                                 cwd=root if os.access(root, os.X_OK) else None)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from None
    stdout, stderr, returncode = process.stdout, process.stderr, process.returncode
    result = GitResult(returncode, stdout or b"", stderr or b"")
    if check and result.returncode != 0:
        message = next((line for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()),
                       f"git {args[0]} failed")
        raise GitError(message.removeprefix("fatal: ").strip())
    return result


def read_objects(root: Path, names: list[str], env: dict[str, str] | None = None) -> dict[str, tuple[str, bytes]]:
    """name -> (type, bytes) of each object git can name here (missing names are left out); one persistent
    process for all of them, and for every later call in this process."""
    if _git_dir_identity(Path(root)) is None:
        return {}
    wanted = list(dict.fromkeys(names))
    answers = _lookup(root, wanted, env)
    return {name: (answer[1], answer[2]) for name, answer in zip(wanted, answers) if answer is not None}


def _object_id(root: Path, name: str) -> str | None:
    """The id of the object a name (`HEAD^{commit}`, `<rev>:<path>`) resolves to, or None."""
    answer = _lookup(root, [name])[0] if _git_dir_identity(Path(root)) is not None else None
    return answer[0] if answer is not None else None


# A repository's first few lookups, while it has no session, each run one plain `git cat-file --batch`:
# `accord diff` makes five (HEAD three times, two texts), and gitpython's import (about 90 ms of CPU and two
# `git version` runs) would cost more than those processes (2-3 ms each). A larger lookup, or the ninth,
# opens the session, which serves the repository from then on.
_FEW_OBJECTS = 4
_FEW_LOOKUPS = 8
_lookups_without_session: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}


def _lookup(root: Path, names: list[str], env: dict[str, str] | None = None) -> list[tuple[str, str, bytes] | None]:
    """(object id, type, bytes) of each name, None where git finds none: _Session.objects' answers."""
    key = _session_key(root, env)
    with _SESSIONS_LOCK:
        few = key not in _SESSIONS and len(names) <= _FEW_OBJECTS
        if few:
            done = _lookups_without_session.get(key, 0)
            few = done < _FEW_LOOKUPS
            _lookups_without_session[key] = done + 1
    return _objects_once(root, names, env) if few else _session(root, env).objects(names)


def _objects_once(root: Path, names: list[str], env: dict[str, str] | None) -> list[tuple[str, str, bytes] | None]:
    """The answers of one `git cat-file --batch` process to these names."""
    found: list[tuple[str, str, bytes] | None] = [None] * len(names)
    asked = [at for at, name in enumerate(names) if name and "\n" not in name]  # a newline: two requests
    if not asked:
        return found
    result = git(root, "cat-file", "--batch", input=b"".join(names[at].encode("utf-8", "surrogateescape") + b"\n"
                                                            for at in asked), env=env)
    output = io.BytesIO(result.stdout)
    try:
        for at in asked:
            found[at] = _Session._answer(output)
    except ValueError:
        raise GitError(f"git cat-file failed in {root}: its output ended early") from None
    return found


def git_text(root: Path, *args: str) -> str:
    return git(root, *args).stdout.decode("utf-8").strip()


def head_commit(root: Path) -> str | None:
    """The commit HEAD points at, or None in a repository with no commits (or no git)."""
    return _object_id(root, "HEAD^{commit}")


def resolve_revision(root: Path, revision: str) -> str:
    """The full commit id of a revision, or GitError naming it."""
    commit = None if revision.startswith("-") else _object_id(root, f"{revision}^{{commit}}")
    if commit is None:
        raise GitError(f"unknown revision '{revision}'")
    return commit


def commit_epoch(root: Path, revision: str = "HEAD") -> int | None:
    """The committer time of a revision as a Unix epoch, or None without commits."""
    found = read_objects(root, [f"{revision}^{{commit}}"]) if not revision.startswith("-") else {}
    _, data = found.get(f"{revision}^{{commit}}", ("", b""))
    for line in data.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"committer "):
            stamp = line.rsplit(b" ", 2)[-2]
            return int(stamp) if stamp.isdigit() else None
    return None


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
    data = blob_at(root, resolve_revision(root, revision), relpath)
    if data is None:
        raise GitError(f"{relpath} does not exist at {revision}")
    return data


def blob_at(root: Path, commit: str, relpath: str) -> bytes | None:
    """The bytes of a file in a commit (or, with commit "", in the index), None where there is no such file."""
    name = f"{commit}:{relpath}"
    kind, data = read_objects(root, [name]).get(name, ("", b""))
    return data if kind == "blob" else None


def tracked_files(root: Path, relative: str) -> list[str]:
    """Files git tracks at relative (a file) or below it (a folder); [] outside git."""
    result = git(root, "ls-files", "-z", "--", f":(literal){relative}", check=False)
    if result.returncode != 0:
        return []
    return [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def last_change(root: Path, *pathspecs: str) -> tuple[str, int] | None:
    """(commit, committer epoch) of the last commit that changed anything under the pathspecs, or None."""
    result = git(root, "log", "-1", "--format=%H %ct", "--", *pathspecs, check=False)
    fields = result.stdout.decode().split()
    if result.returncode != 0 or len(fields) != 2:
        return None
    return fields[0], int(fields[1])


# -- used by the ledger: who records, committing one's own paths, the history of a folder --------

LOCK_MARKERS = ("index.lock", ".lock': File exists", "cannot lock ref", "Unable to create", "unable to write new index")


def config_value(root: Path, key: str) -> str | None:
    """A git config value as this repository sees it, or None when it is not set."""
    result = git(root, "config", "--get", key, check=False)
    return result.stdout.decode("utf-8", "replace").strip() if result.returncode == 0 else None


def branch_names(root: Path, prefix: str = "") -> list[str]:
    """Short names of the local branches under refs/heads/PREFIX (e.g. "review/")."""
    listed = git(root, "for-each-ref", "--format=%(refname:short)", f"refs/heads/{prefix}").stdout
    return listed.decode("utf-8", "replace").split()


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
def path_lock(root: Path, name: str, timeout: float = 120.0) -> Iterator[None]:
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


def full_paths_history(root: Path, *pathspecs: str, cache: Path | None = None) -> list[PathChange]:
    """Every change to files under the pathspecs in the whole commit graph, parents before children.

    Unlike a plain `git log -- PATH`, nothing is simplified away: every commit is listed, and
    each merge is compared with each of its parents (`-m`), so a merge whose result restores an
    old version of a file shows as that change. Replacement refs (`git replace`), which could
    splice a commit out of the history a walk sees, are ignored. The pathspecs are literal
    paths or `:(glob)` patterns (see _pathspec_matcher). Two git processes, one after the other.

    With cache (a file, e.g. in .git/accord/), the walk is remembered under the commit it
    started from: the same commit is answered from the file, and a history that only grew
    by a line of ordinary commits on top of it is walked from there on (see _walk_cache).
    """
    head = head_commit(root)
    if head is None:
        return []
    if cache is None:
        return _walk(root, head, None, pathspecs)
    known = _read_walk_cache(cache, pathspecs)
    if known is not None and known[0] == head:
        return known[1]
    changes = None
    if known is not None and known[1] and _linear_extension(root, known[0], head):
        changes = known[1] + _walk(root, head, known[0], pathspecs)
    if changes is None:
        changes = _walk(root, head, None, pathspecs)
    _write_walk_cache(cache, head, pathspecs, changes)
    return changes


def _walk(root: Path, head: str, since: str | None, pathspecs: tuple[str, ...]) -> list[PathChange]:
    """full_paths_history's walk, of head's whole history, or of since..head: two git processes.

    `git rev-list` lists the commits, parents first, with their parents; `git diff-tree --stdin`
    compares each commit with each of its parents once, and the changes under the pathspecs are kept
    (_pathspec_matcher). A `git log -- PATHS` compared every commit twice (once to decide whether to show it,
    once for its diff), and git matches a pathspec against every entry of every tree it compares: with a
    thousand statement folders in statements/, in 11,000 commits, those two costs were most of a cold
    verify (git's CPU time 2.3 s, against 0.9 s for one comparison without a pathspec). What git
    still does per commit is compare the statements/ trees of the commit and its parent, entry by entry
    (git stores whole trees); each entry costs tens of nanoseconds there.
    Commit-graph files are not used for the listing: without them rev-list sorts exactly as
    `git log --topo-order -- PATHS` did (git sorts a limited walk whole), so the changes come in the same
    order, and every message that names a first commit stays what it was.
    """
    wanted = _pathspec_matcher(pathspecs)
    tip = [f"^{since}", head] if since else [head]
    # Literal paths alone (verify ID) are handed to git as well, read literally whatever the environment says, so
    # that it writes only their changes; a glob costs git more to match than the comparison it saves.
    literal = bool(pathspecs) and not any(spec.startswith(":") for spec in pathspecs)
    limit = ["--", *pathspecs] if literal else []
    exact = {**NO_REPLACEMENTS, "GIT_LITERAL_PATHSPECS": "1", "GIT_ICASE_PATHSPECS": "0", "GIT_GLOB_PATHSPECS": "0",
             "GIT_NOGLOB_PATHSPECS": "0"}
    with _git_into_file(root, "-c", "core.commitGraph=false", "rev-list", "--topo-order", "--reverse", "--parents",
                        *tip, env=NO_REPLACEMENTS) as listed, \
            _git_into_file(root, "diff-tree", "--stdin", "-r", "-m", "--root", "--format=%x00%H %ct %P", "--raw",
                           "--no-abbrev", "--no-renames", "-z", *limit, stdin=listed, env=exact) as output:
        return [change for change in _parse_raw(output.read()) if wanted(change.path)]


def _git_into_file(root: Path, *args: str, stdin: IO[bytes] | None = None,
                   env: dict[str, str] | None = None) -> IO[bytes]:
    """Run one git command whose output goes straight into a temporary file, returned open at its start;
    GitError with git's first error line when it fails. For large outputs: a pipe read by Python wakes it
    for every few hundred bytes git writes (6,500 times, 0.2 s of CPU, for the 2.7 MB of the walk of
    11,000 commits); a file costs nothing until it is read, in one go. The environment is the one git()
    gives its commands."""
    import tempfile

    command = [_git_executable(), "-C", str(root), *args]
    environment = {**os.environ, "LANGUAGE": "C", **ENV_GUARDS, **(env or {})}
    output = tempfile.TemporaryFile()
    try:
        with tempfile.TemporaryFile() as errors:
            try:
                finished = subprocess.run(command, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                          stdout=output, stderr=errors, env=environment)
            except OSError as exc:
                raise GitError(f"cannot run git: {exc.strerror}") from None
            if finished.returncode != 0:
                errors.seek(0)
                message = next((line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()),
                               f"git {args[0]} failed")
                raise GitError(message.removeprefix("fatal: ").strip())
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def _pathspec_matcher(pathspecs: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a path is under the pathspecs, as git matches them: a literal path names that file or
    everything below that folder; `:(glob)` patterns match whole paths, `*` within one path component.
    Nothing else is accepted (the walk's callers use no other form). Matched here rather than by git, so
    that GIT_ICASE_PATHSPECS or GIT_LITERAL_PATHSPECS in the environment cannot change what verify sees."""
    alternatives = []
    for spec in pathspecs:
        if spec.startswith(":(glob)") and "**" not in spec and not set(spec[7:]) & set("?[\\"):
            alternatives.append("/".join("[^/]*".join(map(re.escape, part.split("*")))
                                         for part in spec[7:].split("/")))
        elif spec and not spec.startswith(":") and not set(spec) & set("*?[\\"):
            alternatives.append(re.escape(spec.removesuffix("/")) + "(?:/.*)?")
        else:
            raise ValueError(f"pathspec not supported by the history walk: {spec!r}")
    if not alternatives:
        return lambda path: True
    pattern = re.compile("|".join(f"(?:{alternative})" for alternative in alternatives), re.S)
    return lambda path: pattern.fullmatch(path) is not None


def _parse_raw(output: bytes) -> list[PathChange]:
    """The changes in `--format=%x00%H %ct %P --raw -z` output: a header, then each changed file as its
    ":<old mode> <new mode> <old blob> <new blob> <status>" field and its path as the next field."""
    changes: list[PathChange] = []
    commit, epoch, parents = "", 0, 0
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(fields):
        item = fields[index].strip("\n")
        index += 1
        if not item:
            continue
        if item.startswith(":"):
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


# -- the walk cache ---------------------------------------------------------------------
# A commit id names its whole history (each commit holds its parents' ids), so a walk
# remembered under the commit it started from can be trusted for that commit and no
# other. When HEAD has moved on by a line of commits with one parent each, ending at
# the remembered commit, every commit of the old walk comes before every new one in
# any parents-first order, and git's order of the old part is the one it gave before
# (the new commits are emitted first and hand on to the remembered commit alone): the
# old walk plus a walk of the new commits is the whole walk, in the same order. Any
# other move (a merge, a rebase, a reset, an amended or rewritten history) walks
# everything again. The file carries its own SHA-256 (outputcache.write_verified), and
# names the commit and pathspecs it answers for; anything else is a miss.

_WALK_CACHE_VERSION = 1


def _linear_extension(root: Path, old: str, head: str) -> bool:
    """Whether head descends from old by commits with exactly one parent each (no merge, nothing else)."""
    result = git(root, "rev-list", "--parents", f"{old}..{head}", env=NO_REPLACEMENTS, check=False)
    if result.returncode != 0:
        return False
    lines = [line.split() for line in result.stdout.decode("ascii", "replace").splitlines()]
    if not lines or lines[0][0] != head:
        return False
    for number, line in enumerate(lines):
        following = lines[number + 1][0] if number + 1 < len(lines) else old
        if len(line) != 2 or line[1] != following:
            return False
    return True


def _read_walk_cache(cache: Path, pathspecs: tuple[str, ...]) -> tuple[str, list[PathChange]] | None:
    import json

    from .outputcache import read_verified

    data = read_verified(cache)
    if data is None:
        return None
    try:
        stored = json.loads(data)
        if stored["version"] != _WALK_CACHE_VERSION or stored["pathspecs"] != list(pathspecs):
            return None
        head = stored["head"]
        changes = [PathChange(commit, epoch, parents, path, old, new)
                   for commit, epoch, parents, files in stored["commits"] for path, old, new in files]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(head, str) or not re.fullmatch("[0-9a-f]{40}|[0-9a-f]{64}", head):
        return None
    return head, changes


def _write_walk_cache(cache: Path, head: str, pathspecs: tuple[str, ...], changes: list[PathChange]) -> None:
    import json

    from .outputcache import write_verified

    commits: list[tuple[str, int, int, list[tuple[str, str | None, str | None]]]] = []
    for change in changes:
        if not commits or commits[-1][0] != change.commit:
            commits.append((change.commit, change.epoch, change.parents, []))
        commits[-1][3].append((change.path, change.old_blob, change.new_blob))
    write_verified(cache, json.dumps({"version": _WALK_CACHE_VERSION, "head": head, "pathspecs": list(pathspecs),
                                      "commits": commits}, separators=(",", ":")).encode())


def read_blobs(root: Path, blob_ids: list[str], env: dict[str, str] | None = None) -> dict[str, bytes]:
    """The contents of several blobs (ids, or `<commit>:<path>` names), read by the persistent cat-file
    (env: e.g. NO_REPLACEMENTS, which gets a process of its own)."""
    return {name: data for name, (_, data) in read_objects(root, blob_ids, env).items()}


# -- writing commits without a working tree ------------------------------------------
# `accord review import` lands a partner's edits on a branch of their own. It
# builds the commit from git objects alone (a private index file, write-tree,
# commit-tree, update-ref), so the working tree, the real index and the current
# branch are never touched, whatever state they are in.

EMPTY_OLD_VALUE = ""


def branch_exists(root: Path, name: str) -> bool:
    return _object_id(root, f"refs/heads/{name}") is not None


def free_branch_name(root: Path, name: str) -> str:
    """name, or name-2, name-3 ... : the first that is not a branch yet."""
    candidate, number = name, 1
    while branch_exists(root, candidate):
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def path_exists_at(root: Path, revision: str, relpath: str) -> bool:
    return not revision.startswith("-") and _object_id(root, f"{revision}:{relpath}") is not None


def commit_files(root: Path, parent: str | None, files: dict[str, bytes | None], message: str, *,
                 author_name: str | None = None, author_email: str | None = None) -> str:
    """A new commit: parent's tree with files (repo-relative path -> bytes, or None to remove) written in.

    Uses a temporary index file, never the repository's own index. Without an
    author, git's own identity is used. Returns the commit id; no ref moves.
    Five git processes, whatever the number of files (read-tree, hash-object,
    update-index, write-tree, commit-tree): the modes the files keep are read from
    parent's trees by the persistent cat-file.
    """
    import tempfile

    written = [relpath for relpath, data in files.items() if data is not None]
    with tempfile.TemporaryDirectory(prefix="accord-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if parent:
            git(root, "read-tree", parent, env=env)
        blobs = dict(zip(written, _write_blobs(root, Path(scratch), [files[relpath] or b"" for relpath in written])))
        modes = _file_modes(root, parent, written) if parent else {}
        changes: list[str] = []
        for relpath, data in files.items():
            if data is None:
                changes += ["--force-remove", relpath if not relpath.startswith("-") else f"./{relpath}"]
            else:
                changes += ["--cacheinfo", f"{modes.get(relpath, '100644')},{blobs[relpath]},{relpath}"]
        if changes:
            git(root, "update-index", "--add", *changes, env=env)  # in files' order, as one process
        tree = git(root, "write-tree", env=env).stdout.decode().strip()
    author = {name: value for name, value in (("GIT_AUTHOR_NAME", author_name), ("GIT_AUTHOR_EMAIL", author_email))
              if value is not None} if author_name else {}
    parents = ["-p", parent] if parent else []
    return git(root, "commit-tree", tree, *parents, "-F", "-", input=message.encode("utf-8"),
               env=author).stdout.decode().strip()


def _write_blobs(root: Path, scratch: Path, contents: list[bytes]) -> list[str]:
    """Store each content as a blob (as given: no filter, no end-of-line conversion); their ids, in order."""
    if not contents:
        return []
    paths = []
    for number, data in enumerate(contents):
        path = scratch / f"blob-{number}"
        path.write_bytes(data)
        paths.append(str(path))
    listing = "".join(f"{path}\n" for path in paths).encode("utf-8", "surrogateescape")
    ids = git(root, "hash-object", "-w", "--no-filters", "--stdin-paths", input=listing).stdout.decode().split()
    if len(ids) != len(contents):
        raise GitError(f"git hash-object stored {len(ids)} of {len(contents)} files")
    return ids


def _file_modes(root: Path, revision: str, relpaths: list[str]) -> dict[str, str]:
    """The mode each path keeps: the file's own in revision where it is an executable or a plain file there,
    100644 for a new one. Read from the trees of its folders, by the persistent cat-file."""
    folders = {relpath: relpath.rpartition("/")[0] for relpath in relpaths}
    names = [f"{revision}:{folder}" if folder else f"{revision}^{{tree}}" for folder in dict.fromkeys(folders.values())]
    if any("\n" in name for name in names):
        return {relpath: _file_mode(root, revision, relpath) for relpath in relpaths}
    entries = {}
    for folder, tree in zip(dict.fromkeys(folders.values()), _lookup(root, names)):
        entries[folder] = _tree_modes(tree[2], len(tree[0]) // 2) if tree is not None and tree[1] == "tree" else {}
    modes = {}
    for relpath, folder in folders.items():
        mode = entries[folder].get(relpath.rpartition("/")[2].encode("utf-8", "surrogateescape"), 0)
        modes[relpath] = "100755" if mode & 0o170000 == 0o100000 and mode & 0o100 else "100644"
    return modes


def _tree_modes(data: bytes, id_bytes: int) -> dict[bytes, int]:
    """name -> mode of each entry of a tree object (`<octal mode> <name>\\0<binary id>`, repeated)."""
    modes = {}
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        end = data.index(b"\0", space)
        modes[data[space + 1:end]] = int(data[at:space], 8)
        at = end + 1 + id_bytes
    return modes


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

@dataclass(frozen=True)
class StatusEntry:
    """One line of `git status --porcelain -z`: its two status letters, its path, and for a rename or copy the
    path it came from."""

    code: str
    path: str
    source: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path this change touches: a rename changes the file it left too."""
        return (self.path, self.source) if self.source else (self.path,)


def parse_porcelain(output: bytes) -> list[StatusEntry]:
    """The entries of `git status --porcelain=v1 -z` output (a `--branch` header line is skipped)."""
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    entries: list[StatusEntry] = []
    index = 0
    while index < len(fields):
        field = fields[index]
        index += 1
        if len(field) < 4 or field.startswith("## "):
            continue
        source = None
        if field[0] in "RC" or field[1] in "RC":  # the original path follows as its own field
            source = fields[index] if index < len(fields) else None
            index += 1
        entries.append(StatusEntry(field[:2], field[3:], source))
    return entries


def status(root: Path, *pathspecs: str) -> list[StatusEntry] | None:
    """Uncommitted changes, staged or not, and untracked files (under the pathspecs), as git status names them;
    None outside git or in a repository without commits."""
    result = git(root, "status", "--porcelain=v1", "-z", "--branch", "--untracked-files=all", "--", *pathspecs,
                 check=False)
    if result.returncode != 0 or result.stdout.startswith(b"## No commits yet"):
        return None
    return parse_porcelain(result.stdout)


def changed_paths(root: Path) -> list[str]:
    """Every path with uncommitted changes, staged or not, and every untracked path (both paths of a rename)."""
    result = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    return [path for entry in parse_porcelain(result.stdout) for path in entry.paths]


def release_tag(statement_id: str, version: int) -> str:
    """The tag of a statement's release: `<id>/v<N>` (the one place that knows the form)."""
    return f"{statement_id}/v{version}"


def release_tags(root: Path, statement_id: str) -> list[tuple[int, str]]:
    """The release tags of a statement (<id>/v<N>) as (N, tag), lowest N first."""
    result = git(root, "tag", "--list", release_tag(statement_id, 0)[:-1] + "*", check=False)
    pattern = re.compile(re.escape(release_tag(statement_id, 0)[:-1]) + "([1-9][0-9]*)")
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


def reset_paths(root: Path, commit: str, *relpaths: str) -> None:
    """Set these paths in the index to what commit has (`git reset -q commit -- paths`); the work tree is left alone."""
    git(root, "reset", "-q", commit, "--", *relpaths)


def parents_of(root: Path, commit: str) -> list[str]:
    """The parent commits of a commit, read from the commit object itself."""
    kind, data = read_objects(root, [f"{commit}^{{commit}}"]).get(f"{commit}^{{commit}}", ("", b""))
    if kind != "commit":
        raise GitError(f"unknown revision '{commit}'")
    head = data.split(b"\n\n", 1)[0]
    return [line[7:].decode() for line in head.split(b"\n") if line.startswith(b"parent ")]


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


def last_author_of(root: Path, relpath: str, revisions: str, adding: str | None = None) -> tuple[str, str] | None:
    """(commit, author name) of the newest commit in a range (`base..head`) that changed relpath, or with
    adding, that changed how often the file holds that text (`git log -S`); None when there is none."""
    pickaxe = [f"-S{adding}"] if adding is not None else []
    result = git(root, "log", "-1", "--format=%H%x00%an", *pickaxe, revisions, "--", relpath, check=False)
    found = result.stdout.decode("utf-8", "replace").strip()
    if result.returncode != 0 or "\x00" not in found:
        return None
    commit, author = found.split("\x00", 1)
    return commit, author


def commits_with_message_line(root: Path, line: str) -> list[str]:
    """Commits on any ref whose message has this exact line, newest first."""
    result = git(root, "log", "--all", "--fixed-strings", f"--grep={line}", "--format=%H%x00%B%x01", check=False)
    commits = []
    for entry in result.stdout.decode("utf-8", "replace").split("\x01"):
        commit, _, message = entry.strip("\n").partition("\x00")
        if commit and line in message.splitlines():
            commits.append(commit)
    return commits


def branches_containing(root: Path, commit: str) -> list[str]:
    """Short names of the branches whose history holds commit."""
    result = git(root, "for-each-ref", "--contains", commit, "--format=%(refname:short)", "refs/heads", check=False)
    return result.stdout.decode("utf-8", "replace").split()
