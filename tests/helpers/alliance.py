"""Real git repositories for tests, and the accord CLI run in-process.

`make_alliance` builds each distinct repository once per test process (a committed template in a
private temporary folder) and gives every caller its own copy. A copy is small: its git borrows the
template's objects (alternates), and its house fonts (5.8 MB) are hard links to one read-only copy per
process, which SharedFiles checks after every test and hashes at the end of the session.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import shutil
import stat
import subprocess
import tempfile
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accord.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent

os.environ.update({
    "GIT_AUTHOR_NAME": "Test Drafter", "GIT_AUTHOR_EMAIL": "drafter@aect.example",
    "GIT_COMMITTER_NAME": "Test Drafter", "GIT_COMMITTER_EMAIL": "drafter@aect.example",
    "GIT_CONFIG_NOSYSTEM": "1",
    # No `git maintenance run --auto` after each `git commit` of a test (a second git process per commit,
    # 2.7 ms of CPU; accord itself commits with plumbing, which never starts it): test repositories live
    # for seconds and never need housekeeping.
    "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "maintenance.auto", "GIT_CONFIG_VALUE_0": "false",
})


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str) -> Result:
    """Run the accord CLI in-process, as a user would, capturing its output and exit code."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


PARTNERS = {
    "unicef": ("United Nations Children's Fund", "UNICEF", "igo"),
    "iom": ("International Organization for Migration", "IOM", "igo"),
    "unodc": ("United Nations Office on Drugs and Crime", "UNODC", "igo"),
    "ecpat": ("ECPAT International", "ECPAT", "ngo"),
    "lastrada": ("La Strada International", "LSI", "ngo"),
}

STATEMENT = textwrap.dedent("""\
    ---
    id: {id}
    symbol: AECT/JS/2010/1
    title: Joint Statement on the Protection of Children
    kind: joint-statement
    status: {status}
    date: 2010-10-18
    language: en
    drafters: [Ana Pereira]
    endorsement:
      invited: [unicef, iom, unodc, ecpat]
      required: [unicef]
      threshold: 2
    ---

    ## Preamble

    Children on the move face risks of trafficking at every stage of their
    journey, and the partners of the alliance share a duty to protect them.

    ## Recommendations

    1. States should appoint a guardian for every unaccompanied child without delay.
    2. Age assessment should be a last resort.[^1]

    | Actor | Responsibility |
    |---|---|
    | States | Guardianship |
    | Agencies | Referral |

    [^1]: Where doubt remains, the person should be treated as a child.
    """)

STATEMENT_PATH = "statements/child-protection/statement.md"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def write(path: Path, text: str | bytes) -> Path:
    """Write a file (a new one where path is a hard link: a file that copies share is replaced, never changed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_symlink() and path.is_file() and path.stat().st_nlink > 1:
        path.unlink()
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def make_alliance(root: Path, *, status: str = "draft", templates: bool = True, signers: bool = True,
                  gitignore: str | None = None, body_extra: str = "", message: str = "Initial text",
                  sent_to: str | None = None) -> Path:
    """A committed accord repository at root: five partners and one statement, 'child-protection'.

    templates=False leaves templates/ out; signers=False gives partners no signers. sent_to=PARTNER
    gives the repository as `accord review send child-protection --partner PARTNER` leaves it (its
    packet in build/review/, the send logged in reviews/sent.yaml, uncommitted): the real command, run
    once per process instead of once per test (see sent_packet). root must not exist yet. Each caller
    gets its own copy of a repository made once per process for these arguments, so what a test does
    to its copy touches no other test.
    """
    key = ("alliance", status, templates, signers, gitignore, body_extra, message, sent_to)
    return copy_of_template(key, root, lambda where: _build_alliance(
        where, status=status, templates=templates, signers=signers, gitignore=gitignore, body_extra=body_extra,
        message=message, sent_to=sent_to))


def sent_packet(root: Path, partner: str = "unicef") -> bytes:
    """The packet `accord review send` wrote into build/review/ of a make_alliance(sent_to=partner) copy."""
    return (root / "build" / "review" / f"child-protection-{partner}.docx").read_bytes()


def copy_of_template(key: tuple, root: Path, build: Callable[[Path], Path]) -> Path:
    """A copy at root of the repository build(folder) makes: built, and sealed, once per process for each key
    (which must name everything build depends on), so what a test does to its copy touches no other test."""
    template = _TEMPLATES.get(key)
    if template is None:
        template = build(Path(tempfile.mkdtemp(prefix="template-", dir=_template_folder())) / "repository")
        seal(template)
        _TEMPLATES[key] = template
    return _copy(template, root, objects=template / ".git" / "objects")


def seal(root: Path) -> None:
    """Make a template of the repository at root: its objects in one pack that every copy borrows (git's
    alternates: git reads objects there, and writes nothing but a new mtime), read-only and watched by
    SHARED; no sample hooks; and core.trustctime off, because a hard link changes the ctime of the fonts
    every copy shares, and git would otherwise read them all again at each `git status` (29 ms instead of 4).
    """
    git(root, "repack", "-a", "-d", "-q")  # -a: objects borrowed from another template too, so it can go
    (root / ".git" / "objects" / "info" / "alternates").unlink(missing_ok=True)
    git(root, "config", "core.trustctime", "false")
    for sample in (root / ".git" / "hooks").glob("*.sample"):
        sample.unlink()
    for path in sorted((root / ".git" / "objects").rglob("*")):
        if path.is_file():
            SHARED.watch(path, mtime=False)


def copy_repository(source: Path, root: Path) -> Path:
    """A copy of the repository at source, at root (which must not exist), that shares with it only what
    no test may change: the files SHARED watches (the house fonts, a template's objects) are hard links."""
    return _copy(source, root, objects=None)


def copy_templates(target: Path) -> Path:
    """The project's templates/ at target, its fonts hard links to this process's sealed copy of them:
    5.8 MB that no test writes, so no test copies them (or deletes them) again."""
    fonts = _shared_fonts()

    def copy_or_link(source: str, destination: str) -> None:
        if Path(source).parent == ROOT / "templates" / "fonts":
            os.link(fonts / Path(source).name, destination)
        else:
            shutil.copy2(source, destination)

    shutil.copytree(ROOT / "templates", target, copy_function=copy_or_link)
    return target


def _copy(source: Path, root: Path, *, objects: Path | None) -> Path:
    """Copy the tree at source to root: symbolic links as links, SHARED's files as hard links, the rest as
    copies (mtimes kept, so git's index still matches). With objects, the folder of git's objects is
    not copied: root's git borrows it (objects/info/alternates)."""
    root.mkdir(parents=True)  # FileExistsError where root exists, as copytree gave
    skipped = str(objects) if objects is not None else None
    for folder, dirs, files in os.walk(source):
        target = os.path.join(root, os.path.relpath(folder, source))
        if folder == skipped:
            dirs.clear()
            os.mkdir(os.path.join(target, "info"))
            os.mkdir(os.path.join(target, "pack"))
            with open(os.path.join(target, "info", "alternates"), "w", encoding="utf-8") as alternates:
                alternates.write(f"{objects}\n")
            continue
        for name in dirs:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), os.path.join(target, name))
            else:
                os.mkdir(os.path.join(target, name))
        for name in files:
            path = os.path.join(folder, name)
            facts = os.lstat(path)
            if stat.S_ISLNK(facts.st_mode):
                os.symlink(os.readlink(path), os.path.join(target, name))
            elif (facts.st_dev, facts.st_ino) in SHARED.inodes:
                os.link(path, os.path.join(target, name))
            else:
                shutil.copy2(path, os.path.join(target, name))
    return root


class SharedFiles:
    """The files that test repositories share by hard links or alternates, and the guard that they stay as they were.

    They are read-only, so a test that writes into one fails at once; but a test run as root (CI
    containers) writes into a read-only file all the same, and would change every copy at once. So the
    size, mode and (for the fonts) mtime of each are checked after every test (tests/conftest.py fails
    the test that changed one, naming the file), and its SHA-256 at the end of the session, which fails
    if any differs from what it was when shared, even where a writer put the size and mtime back.
    A template's pack keeps no mtime: git refreshes it (utime) when it writes an object the pack has.
    """

    def __init__(self) -> None:
        self.files: dict[Path, tuple[tuple[int, ...], str]] = {}  # path -> (what stat says, sha256)
        self.mtime_kept: set[Path] = set()
        self.inodes: set[tuple[int, int]] = set()

    def watch(self, path: Path, *, mtime: bool) -> Path:
        """Make path read-only and watch it from now on (its mtime too, where mtime is set)."""
        path.chmod(0o444)
        if mtime:
            self.mtime_kept.add(path)
        facts = path.stat()
        self.files[path] = (self._facts(path), _sha256(path))
        self.inodes.add((facts.st_dev, facts.st_ino))
        return path

    def changed(self) -> list[str]:
        """The files whose size, mode or mtime is no longer what it was (each told once: it is then taken as
        it is now, and the hash check at the end still finds it)."""
        found = []
        for path, (facts, digest) in self.files.items():
            now = self._facts(path)
            if now != facts:
                found.append(str(path))
                self.files[path] = (now, digest)
        return found

    def damaged(self) -> list[str]:
        """The files whose bytes are no longer what they were when shared."""
        return [str(path) for path, (_, digest) in self.files.items() if _sha256(path) != digest]

    def _facts(self, path: Path) -> tuple[int, ...]:
        try:
            facts = path.stat()
        except FileNotFoundError:
            return ()
        return (facts.st_size, facts.st_mode, facts.st_mtime_ns if path in self.mtime_kept else 0)


def _sha256(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        return "missing"


SHARED = SharedFiles()
_TEMPLATES: dict[tuple, Path] = {}
_FOLDER: list[Path] = []


def _template_folder() -> Path:
    """A folder of this process's own (so pytest-xdist workers never share one), removed at exit."""
    if not _FOLDER:
        folder = Path(tempfile.mkdtemp(prefix="accord-test-templates-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _FOLDER.append(folder)
    return _FOLDER[0]


def borrow_font_objects(root: Path) -> None:
    """Let the new repository at root borrow (git's alternates) this process's packed objects of the house
    fonts: its `git add` then finds their blobs there instead of compressing 5.8 MB again, and seal's repack
    copies them from that pack as they are (0.6 s of CPU for each template with templates/ before, 0.1 s now).
    seal makes the repository whole again (its own pack) and drops the alternates."""
    alternates = root / ".git" / "objects" / "info" / "alternates"
    alternates.parent.mkdir(parents=True, exist_ok=True)
    with open(alternates, "a", encoding="utf-8") as handle:
        handle.write(f"{_font_objects()}\n")


def _font_objects() -> Path:
    """A git object store of this process holding the blobs of the house fonts in one pack, sealed."""
    store = _template_folder() / "font-objects.git"
    if not store.exists():
        fonts = sorted(str(path) for path in _shared_fonts().iterdir())
        subprocess.run(["git", "init", "-q", "--bare", str(store)], check=True, capture_output=True)
        blobs = subprocess.run(["git", "-C", str(store), "hash-object", "-w", "--stdin-paths"], input="\n".join(fonts),
                               check=True, capture_output=True, text=True).stdout
        subprocess.run(["git", "-C", str(store), "pack-objects", "-q", str(store / "objects" / "pack" / "pack")],
                       input=blobs, check=True, capture_output=True, text=True)
        git(store, "prune-packed")
        for path in sorted((store / "objects" / "pack").iterdir()):
            SHARED.watch(path, mtime=False)
    return store / "objects"


def _shared_fonts() -> Path:
    """This process's copy of templates/fonts, sealed: every repository's fonts are hard links to it."""
    fonts = _template_folder() / "fonts"
    if not fonts.exists():
        shutil.copytree(ROOT / "templates" / "fonts", fonts)
        for path in sorted(fonts.iterdir()):
            SHARED.watch(path, mtime=True)
    return fonts


def _build_alliance(root: Path, *, status: str, templates: bool, signers: bool, gitignore: str | None,
                    body_extra: str, message: str, sent_to: str | None = None) -> Path:
    if sent_to is not None:  # the repository without the send, then the real send
        make_alliance(root, status=status, templates=templates, signers=signers, gitignore=gitignore,
                      body_extra=body_extra, message=message)
        sent = run("review", "send", "child-protection", "--partner", sent_to, "--repo", str(root))
        assert sent.code == 0, sent.err
        return root
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    if templates:
        copy_templates(root / "templates")
        borrow_font_objects(root)
    if gitignore is not None:
        write(root / ".gitignore", gitignore)
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\n")
    for partner_id, (name, short, kind) in PARTNERS.items():
        signer = (f"signers:\n  - name: Signer of {short}\n    title: Director\n"
                  f"    principal: signer@{partner_id}.example\n") if signers else ""
        write(root / "partners" / f"{partner_id}.yaml",
              f"id: {partner_id}\nname: \"{name}\"\nshort: {short}\nkind: {kind}\n" + signer)
    write(root / "statements" / "child-protection" / "statement.md",
          STATEMENT.format(id="child-protection", status=status) + body_extra)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root
