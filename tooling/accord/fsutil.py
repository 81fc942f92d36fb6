"""The file system at accord's edges: atomic writes, guarded reads of repository files, checked output paths."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import RepoError, UsageError

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, data: bytes | str, *, exclusive: bool = False) -> None:
    """Write data to path so that readers see the old file or the new one, never a torn one.

    With exclusive=True the write fails with FileExistsError if path already exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile  # here: a command that writes nothing need not import it

    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; a written file should look like any other
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temp_name, path)  # fails if path exists; no window for a second writer
            os.unlink(temp_name)
        else:
            os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


# -- reading repository files: nothing through a link, nothing from outside ---------------------------------

LINK_REFUSAL = "is a symbolic link; accord reads no file through a link (it could lead outside the repository)"

# The roots of the repositories this process works on (Repo registers its own), so that every read of
# a file under one of them is checked, whichever module reads it and whatever it was given.
_REPO_ROOTS: set[str] = set()


def register_repo_root(root: Path | str) -> None:
    """Have read_repo_bytes guard every file under root (an absolute path without links)."""
    _REPO_ROOTS.add(os.path.normpath(str(root)))


def _root_of(lexical: str) -> str | None:
    """The longest registered root that holds lexical (an absolute, normalised path), or None."""
    best = None
    for root in _REPO_ROOTS:
        if (lexical == root or lexical.startswith(root.rstrip(os.sep) + os.sep)) and (best is None or len(root) > len(best)):
            best = root
    return best


def link_on_the_way(path: Path | str, root: Path | str | None = None) -> str | None:
    """The repository-relative name of the first symbolic link on the way from root to path, or None.

    Without root, the registered repository that holds path is used; a path in no repository has no way to check.
    """
    lexical = os.path.abspath(path)
    base = os.path.normpath(str(root)) if root is not None else _root_of(lexical)
    if base is None or not (lexical == base or lexical.startswith(base.rstrip(os.sep) + os.sep)):
        return None
    # plain string steps, no relpath/join per part: status reads thousands of records through here
    current = base.rstrip(os.sep)
    start = len(current) + 1
    for part in lexical[start:].split(os.sep):
        if not part:
            continue
        current = f"{current}{os.sep}{part}"
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return current[start:].replace(os.sep, "/")
        except OSError:
            return None  # missing or unreadable: the read itself says so
    return None


class LinkRefused(RepoError, OSError):
    """A repository file was not read because a symbolic link lies on its way; `name` is the link.

    It is an OSError too, so that code which treats an unreadable file as a problem treats this one so.
    """

    def __init__(self, name: str):
        RepoError.__init__(self, LINK_REFUSAL, path=name)
        self.name = name


def read_repo_bytes(path: Path | str, root: Path | str | None = None, *, folder_checked: bool = False) -> bytes:
    """The bytes of a file inside the repository; LinkRefused if any part of its path is a symbolic link.

    Every read of a repository file goes through here, so that a committed link to
    /etc/passwd, ~/.git-credentials or /proc/self/environ is named, never read. The
    last step is opened with O_NOFOLLOW, so a link made after the check is refused too.
    folder_checked: the caller has found no link on the way to the file's folder (once for the
    many files it reads there); the file itself is still opened without following a link.
    """
    link = None if folder_checked else link_on_the_way(path, root)
    if link is not None:
        raise LinkRefused(link)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LinkRefused(_display(path, root)) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def refuse_links_under(folder: Path | str, root: Path | str | None = None) -> None:
    """LinkRefused naming the first symbolic link at or below folder (sorted walk), if there is one."""
    link = link_on_the_way(folder, root)
    if link is not None:
        raise LinkRefused(link)
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            if os.path.islink(os.path.join(current, name)):
                raise LinkRefused(_display(os.path.join(current, name), root))


def _display(path: Path | str, root: Path | str | None) -> str:
    lexical = os.path.abspath(path)
    base = os.path.normpath(str(root)) if root is not None else _root_of(lexical)
    return os.path.relpath(lexical, base).replace(os.sep, "/") if base else str(path)


# -- output paths: never into .git/, never over a tracked file, never through a link -----------------------

def check_output_path(root: Path | str, path: Path | str, shown: str, *, folder: bool = False,
                      own_folder: bool = False, inputs: Iterable[str] = ()) -> None:
    """UsageError unless accord may write path (a file, or with folder=True a folder of outputs).

    Inside the repository an output must not lie in .git/, overwrite a file git tracks
    (or, for a folder, hold one), or be reached through a symbolic link (a committed
    `build` or `dist` link would send outputs anywhere). `shown` is how the message
    names the path, e.g. "{output} statement.md" or "build", with inputs the caller's inputs it
    names (see AccordError: the CLI spells {output} as its flag). Outside the repository the user's
    choice stands. own_folder=True marks accord's own output folders (build/, site/, dist/):
    a repository may track what accord writes there, and rebuilding it is what it asks for.
    """
    root = os.path.normpath(str(root))
    lexical = os.path.abspath(path)
    real = os.path.realpath(lexical)
    if _inside(lexical, root):
        link = link_on_the_way(lexical, root)
        if link is not None:
            which = "" if link == os.path.relpath(lexical, root).replace(os.sep, "/") else f"{link} "
            raise UsageError(f"{shown}: {which}is a symbolic link; accord writes no output through a link", inputs=inputs)
    real_root = os.path.realpath(root)
    if not _inside(real, real_root):
        return
    relative = os.path.relpath(real, real_root)
    parts = relative.split(os.sep)
    if parts[0] == ".git":
        raise UsageError(f"{shown}: is inside .git/, git's own folder; accord never writes there", inputs=inputs)
    if relative == ".":
        raise UsageError(f"{shown}: is the repository itself; choose a folder for outputs only", inputs=inputs)
    tracked = [] if own_folder else _tracked(real_root, relative.replace(os.sep, "/"))
    if tracked and folder:
        raise UsageError(f"{shown}: holds files tracked by git ({tracked[0]}); choose a folder for outputs only", inputs=inputs)
    if tracked:
        raise UsageError(f"{shown}: is a file tracked by git; accord never overwrites one (choose another file)", inputs=inputs)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _tracked(root: str, relative: str) -> list[str]:
    """Files git tracks at relative (a file) or below it (a folder); [] outside git."""
    from .history import tracked_files

    return tracked_files(Path(root), relative)
