"""Releases: the publication gate, the release commit and tag, and the reproducible dist/ with its manifest.

A release is all or nothing. The release commit is made as a git object first, with
no branch moved; the documents are built from a clone checked out at that commit,
exactly as anyone can rebuild them from the tag later; only when the build has
succeeded do the branch and the tag move, in one ref transaction, and the built
folder is renamed into dist/ID/vN/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field as dc_field, replace
from pathlib import Path
from typing import Any

from . import history
from .history import release_tag
from .errors import GitError, ReleaseError, UsageError
from .fsutil import LinkRefused, check_output_path, read_repo_bytes, write_atomic
from .ledger.records import Endorser
from .repo import Repo
from .schema import build as from_schema, field, schema_of
from .statement import Statement, statement_from_bytes

RELEASE_FORMATS = ("docx", "pdf", "html")
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class ReleaseFile:
    """One released document, as the manifest lists it."""

    schema_name = "release file"

    name: str = field("text", "The file's name in the release folder.", required=True)
    sha256: str = field("sha256", "SHA-256 of the file's bytes.", required=True)
    size: int = field("int", "The file's size in bytes.", required=True, minimum=0, key="bytes")


@dataclass(frozen=True)
class Release:
    """A release as its manifest in dist/<id>/v<N>/ describes it (the manifest is read with this schema)."""

    schema_name = "release manifest"

    statement: str = field("slug", "The statement released.", required=True)
    version: int = field("int", "The release number N of tag <id>/vN.", required=True, minimum=1)
    tag: str = field("text", "The release tag.", required=True)
    commit: str = field("text", "The release commit.", required=True)
    published: str = field("text", "The publication date, YYYY-MM-DD.", required=True)
    text_sha256: str = field("sha256", "The canonical text hash of the released text.", required=True)
    title: str = field("text", "The statement's title.", required=True)
    symbol: str | None = field("text", "The official document symbol, if any.")
    endorsers: tuple[Endorser, ...] = field("list:map", "The signatory block of the release.", required=True,
                                            of=Endorser)
    files: tuple[ReleaseFile, ...] = field("list:map", "The released documents.", required=True, of=ReleaseFile)
    folder: Path = dc_field(kw_only=True)  # keyword-only: mypy reads each schema field() as one with a default
    # The language versions released beside the source: language, title, translation status, the source
    # text hash each renders and whether that is the released text (a manifest without them has none).
    translations: tuple[dict[str, Any], ...] = field("list:any", "The language versions released beside the source.",
                                           default=())

    def manifest(self) -> dict[str, Any]:
        manifest = {
            "statement": self.statement, "version": self.version, "tag": self.tag, "commit": self.commit,
            "published": self.published, "title": self.title, "symbol": self.symbol,
            "text_sha256": self.text_sha256,
            "endorsers": [endorser.as_dict() for endorser in self.endorsers],
            "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.size} for f in self.files],
        }
        if self.translations:
            manifest["translations"] = list(self.translations)
        return manifest


@dataclass(frozen=True)
class ReleasePlan:
    """What `accord release` would do, and every reason it may not."""

    statement: Statement
    version: int
    tag: str
    published: dt.date
    head: str | None
    endorsers: tuple[Endorser, ...]
    reasons: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return not self.reasons


# -- the gate ---------------------------------------------------------------------

def plan_release(repo: Repo, statement_id: str, today: dt.date | None = None) -> ReleasePlan:
    """Check every condition of a release and name the version, tag and endorsers it would have."""
    from .check import check_repo
    from .ledger import release_gate, verify_ledger

    statement = repo.load_statement(statement_id)
    reasons: list[str] = []
    if statement.status != "final":
        reasons.append(f"status is '{statement.status}'; only a 'final' text can be released")

    problems = check_repo(repo, [statement_id])
    if problems:  # the ledger cannot be judged on files check rejects; their problems are the reasons
        reasons.extend(f"accord check: {problem}" for problem in problems)
    else:
        reasons.extend(release_gate(repo, statement).problems)
        reasons.extend(f"accord verify: {problem}" for check in verify_ledger(repo, [statement_id])
                       for problem in check.problems)

    head = history.head_commit(repo.root)
    if head is None:
        reasons.append("the repository has no commits")
    else:
        changed = history.changed_paths(repo.root)
        if changed:
            shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            reasons.append(f"the working tree has uncommitted changes ({shown}); commit them first")

    version = max([version for version, _ in history.release_tags(repo.root, statement_id)]
                  + [statement.version or 0]) + 1
    tag = release_tag(statement_id, version)
    folder = release_folder(repo, statement_id, version)
    if folder.exists():
        reasons.append(f"{repo.rel(folder)} already exists; a release never overwrites one")
    try:
        check_output_path(repo.root, folder, repo.rel(folder), folder=True, own_folder=True)
    except UsageError as refusal:  # a committed `dist` link would publish the documents elsewhere
        reasons.append(refusal.message)

    endorsers = _endorsers(repo, statement) if not problems else ()
    return ReleasePlan(statement, version, tag, today or dt.date.today(), head, endorsers, tuple(reasons))


def _endorsers(repo: Repo, statement: Statement) -> tuple[Endorser, ...]:
    """The signatory block the builds print, as the manifest and the tag record it."""
    from .ledger import signatories

    return tuple(signatories(repo, statement))


# -- making a release -------------------------------------------------------------

def make_release(repo: Repo, plan: ReleasePlan) -> Release:
    """Commit, tag and build an accepted plan; nothing is left behind if any step fails."""
    if not plan.accepted:
        raise ReleaseError(f"the release of {plan.statement.id} is refused: {plan.reasons[0]}")
    statement = plan.statement
    root = repo.root
    head = plan.head
    assert head is not None  # an accepted plan has a commit: plan_release refuses a repository without one
    relpath = repo.rel(repo.statement_file(statement.id))
    released_text = set_release_fields(history.file_at(root, head, relpath), plan.version, plan.published)
    _check_release_text(released_text, relpath, plan)
    author_name, author_email = _author(root)
    commit = history.commit_files(root, head, {relpath: released_text}, commit_message(plan),
                                  author_name=author_name, author_email=author_email)
    folder = release_folder(repo, statement.id, plan.version)
    with _release_lock(repo), _staging(repo, folder) as staging:
        release = _build_release(repo, statement.id, plan.version, commit, staging)
        tag_ref = f"refs/tags/{plan.tag}"
        tag_object = history.make_tag(root, commit, plan.tag, tag_message(plan))
        history.update_refs(root, [("update", "HEAD", commit, head), ("create", tag_ref, tag_object)],
                            f"accord release {plan.tag}")
        try:
            history.update_worktree(root, head, commit)
            os.rename(staging, folder)
        except BaseException:
            history.update_refs(root, [("update", "HEAD", head, commit), ("delete", tag_ref, tag_object)],
                                f"accord release {plan.tag} undone")
            history.update_worktree(root, commit, head)
            raise
    return replace(release, folder=folder)


def rebuild_release(repo: Repo, statement_id: str, version: int) -> Release:
    """Write dist/<id>/v<N>/ again from the tag <id>/v<N> alone, as CI does when the tag is pushed.

    The documents, the manifest and SHA256SUMS come out byte for byte as the release made them.
    """
    repo.require_statement(statement_id)
    tag = release_tag(statement_id, version)
    try:
        commit = history.resolve_revision(repo.root, f"refs/tags/{tag}")
    except GitError:
        raise ReleaseError(f"no release tag {tag} (git tag --list '{statement_id}/v*' shows the releases)") from None
    folder = release_folder(repo, statement_id, version)
    if folder.exists():
        raise ReleaseError(f"{repo.rel(folder)} already exists; a release never overwrites one")
    check_output_path(repo.root, folder, repo.rel(folder), folder=True, own_folder=True)
    with _release_lock(repo), _staging(repo, folder) as staging:
        release = _build_release(repo, statement_id, version, commit, staging)
        os.rename(staging, folder)
    return replace(release, folder=folder)


# -- finishing a release that was killed after its tag was made ----------------------

@dataclass(frozen=True)
class Interrupted:
    """A release whose commit and tag are in place (HEAD is the release commit) but whose work is not done."""

    statement_id: str
    version: int
    commit: str
    parent: str
    worktree_lags: bool
    dist_missing: bool


def interrupted_release(repo: Repo, statement_id: str) -> Interrupted | None:
    """The release of statement_id that a kill interrupted after its refs moved, or None.

    The refs move in one transaction, then the index and working tree are brought to the
    release commit (`git read-tree -m -u`) and the built folder is renamed into dist/. A
    kill in between leaves HEAD on the tagged release commit, the statement file in the
    index or the work tree still as it was before, and dist/ID/vN/ missing.
    """
    tags = history.release_tags(repo.root, statement_id)
    head = history.head_commit(repo.root)
    if not tags or head is None:
        return None
    version, tag = tags[-1]
    try:
        tagged = history.resolve_revision(repo.root, f"refs/tags/{tag}")
    except GitError:
        return None
    if tagged != head:
        return None
    relpath = repo.rel(repo.statement_file(statement_id))
    parents = history.parents_of(repo.root, head)
    lags = relpath in history.changed_paths(repo.root)
    missing = not release_folder(repo, statement_id, version).exists()
    if not (lags or missing) or len(parents) != 1:
        return None
    return Interrupted(statement_id, version, head, parents[0], lags, missing)


def finish_release(repo: Repo, interrupted: Interrupted) -> Release:
    """Complete an interrupted release: the statement file brought to the release commit, dist/ID/vN/ built.

    The file is restored only when it is, in the index and in the work tree, either as the
    release commit or as its parent has it (what a killed read-tree leaves); anything else
    is someone's work, and is named rather than overwritten.
    """
    root = repo.root
    relpath = repo.rel(repo.statement_file(interrupted.statement_id))
    if interrupted.worktree_lags:
        released = history.file_at(root, interrupted.commit, relpath)
        before = history.file_at(root, interrupted.parent, relpath)
        staged = history.blob_at(root, "", relpath) or b""  # "" names the index
        try:
            on_disk = read_repo_bytes(root / relpath)
        except FileNotFoundError:
            on_disk = None
        if staged not in (released, before) or on_disk not in (released, before):
            raise ReleaseError(f"{relpath} has changes of its own since the release of {interrupted.statement_id} "
                               f"v{interrupted.version} was interrupted; commit or discard them, then run "
                               "`accord release` again")
        write_atomic(root / relpath, released)
        history.reset_paths(root, interrupted.commit, relpath)
    if interrupted.dist_missing:
        return rebuild_release(repo, interrupted.statement_id, interrupted.version)
    return read_manifest(release_folder(repo, interrupted.statement_id, interrupted.version) / MANIFEST,
                         repo.rel(release_folder(repo, interrupted.statement_id, interrupted.version) / MANIFEST))


@contextmanager
def _release_lock(repo: Repo) -> Iterator[None]:
    """One release at a time in this clone; whoever holds the lock may sweep what killed runs left in dist/.

    The lock is an flock on .git/accord/release.lock, which the kernel drops when its holder
    dies, so a killed release never leaves it held.
    """
    import fcntl

    git_dir = repo.root / ".git"
    if not git_dir.is_dir():
        yield
        return
    (git_dir / "accord").mkdir(exist_ok=True)
    fd = os.open(git_dir / "accord" / "release.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReleaseError("another `accord release` is running in this repository; wait for it to finish") from None
        _sweep_staging(repo)
        yield
    finally:
        os.close(fd)


def _sweep_staging(repo: Repo) -> None:
    """Remove the .vN.*.partial folders that killed releases left in dist/ID/ (the lock is held: none is in use)."""
    if not repo.dist_dir.is_dir() or os.path.islink(repo.dist_dir):
        return
    for statement_folder in repo.dist_dir.iterdir():
        if statement_folder.is_dir() and not statement_folder.is_symlink():
            for leftover in statement_folder.glob(".v*.partial"):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)


def release_folder(repo: Repo, statement_id: str, version: int) -> Path:
    return repo.dist_dir / statement_id / f"v{version}"


@contextmanager
def _staging(repo: Repo, folder: Path) -> Iterator[Path]:
    """A folder beside the release folder to build into; removed, with any parent it made, unless renamed."""
    made = [path for path in (repo.dist_dir, folder.parent) if not path.exists()]
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    os.chmod(staging, 0o755)  # published documents, readable like any other output
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for path in reversed(made):
            _remove_if_empty(path)
        raise


def _author(root: Path) -> tuple[str, str]:
    """Who git says is making the release, as the release commit's author."""
    identity = history.author_identity(root)
    if identity is None:
        raise ReleaseError("git does not know who is releasing: set user.name and user.email with git config")
    name, _, email = identity.rpartition("<")
    return name.strip(), email.rstrip(">").strip()


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _check_release_text(data: bytes, relpath: str, plan: ReleasePlan) -> None:
    released = statement_from_bytes(data, relpath)
    if released.text_sha256 != plan.statement.text_sha256:
        raise ReleaseError(f"{relpath}: setting the release fields would change the text hash; nothing was released")
    if (released.status, released.version, released.published) != ("published", plan.version, plan.published):
        raise ReleaseError(f"{relpath}: the release fields could not be set in the front matter; nothing was released")


def _build_release(repo: Repo, statement_id: str, version: int, commit: str, staging: Path) -> Release:
    """Build the documents in a fresh clone at the release commit, then write the manifest and checksums.

    Everything recorded comes from that clone, so a rebuild from the tag writes the same bytes.
    """
    from .render.pipeline import build_statement

    with tempfile.TemporaryDirectory(prefix="accord-release-") as work:
        checkout = Repo(Path(work) / "source")
        history.clone_at(repo.root, checkout.root, commit)
        statement = checkout.load_statement(statement_id)
        if (statement.status, statement.version) != ("published", version) or statement.published is None:
            raise ReleaseError(f"commit {commit[:12]} is not the release of {statement_id} v{version}: its front "
                               f"matter lacks status: published, version: {version} and a published date")
        endorsers = _endorsers(checkout, statement)
        translations = _translations(checkout, statement)
        result = build_statement(checkout, statement_id, RELEASE_FORMATS, Path(work) / "out")
        files = []
        for output in result.outputs:
            data = output.read_bytes()
            (staging / output.name).write_bytes(data)
            files.append(ReleaseFile(output.name, hashlib.sha256(data).hexdigest(), len(data)))
    release = Release(statement_id, version, release_tag(statement_id, version), commit,
                      statement.published.isoformat(), statement.text_sha256, statement.title, statement.symbol,
                      endorsers, tuple(files), folder=staging, translations=translations)
    manifest = (json.dumps(release.manifest(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (staging / MANIFEST).write_bytes(manifest)
    sums = [*((f.sha256, f.name) for f in files), (hashlib.sha256(manifest).hexdigest(), MANIFEST)]
    (staging / CHECKSUMS).write_text("".join(f"{digest}  {name}\n" for digest, name in sums), "utf-8")
    return release


def _translations(repo: Repo, statement: Statement) -> tuple[dict[str, Any], ...]:
    """The language versions as the manifest records them."""
    from .i18n.translations import load_translations

    return tuple({"language": t.language, "title": t.title, "translation_status": t.translation_status,
                  "translation_of": t.translation_of, "current": t.is_current(statement)}
                 for t in load_translations(repo, statement))


def commit_message(plan: ReleasePlan) -> str:
    statement = plan.statement
    names = ", ".join(e.short or e.name for e in plan.endorsers)
    return (f"Release {statement.id} v{plan.version}\n\n"
            f"Publish \"{statement.title}\" as endorsed: status published, version {plan.version}, "
            f"published {plan.published.isoformat()}. Only the front matter changes; the text hash stays "
            f"{statement.text_sha256}, so every endorsement stays current.\n\nEndorsed by: {names}\n")


def tag_message(plan: ReleasePlan) -> str:
    statement = plan.statement
    lines = [f"{statement.id} v{plan.version}: {statement.title}", ""]
    if statement.symbol:
        lines.append(f"Symbol: {statement.symbol}")
    lines += [f"Text SHA-256: {statement.text_sha256}", f"Published: {plan.published.isoformat()}", "",
              "Endorsed by:"]
    for endorser in plan.endorsers:
        lines.append(f"- {endorser.partner}: {endorser.position} ({endorser.name}; signed for by {endorser.signatory})")
    return "\n".join(lines) + "\n"


# -- the front matter edit --------------------------------------------------------

def set_release_fields(data: bytes, version: int, published: dt.date) -> bytes:
    """The statement file with `status: published`, `version: N` and `published: DATE` set.

    The YAML is edited as text, line by line, so comments, key order, quoting and the
    body stay byte for byte as they were; absent keys are added before the closing '---'.
    """
    text = data.decode("utf-8")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").lstrip("\ufeff") != "---":
        raise ReleaseError("the statement has no front matter")
    end = next((index for index, line in enumerate(lines[1:], 1) if line.rstrip("\r\n").rstrip() in ("---", "...")), None)
    if end is None:
        raise ReleaseError("the statement's front matter is not closed")
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    values = {"status": "published", "version": str(version), "published": published.isoformat()}
    for key, value in values.items():
        pattern = re.compile(rf"^{key}:[ \t]*(?P<value>[^#\r\n]*?)(?P<rest>[ \t]+#[^\r\n]*)?(?P<eol>\r?\n?)$")
        found = [index for index in range(1, end) if lines[index].startswith(f"{key}:")]
        if found:
            match = pattern.match(lines[found[0]])
            if match is None or not match.group("value"):
                raise ReleaseError(f"cannot set '{key}': write it on one line as '{key}: value'")
            lines[found[0]] = f"{key}: {value}{match.group('rest') or ''}{match.group('eol') or newline}"
        else:
            lines.insert(end, f"{key}: {value}{newline}")
            end += 1
    return "".join(lines).encode("utf-8")


# -- reading releases back --------------------------------------------------------

def read_releases(repo: Repo, statement_id: str) -> list[Release]:
    """The releases of a statement found in dist/<id>/v<N>/, oldest first; folders without a manifest are skipped."""
    folder = repo.dist_dir / statement_id
    releases: list[Release] = []
    if not folder.is_dir():
        return releases
    for entry in folder.iterdir():
        match = re.fullmatch(r"v([1-9][0-9]*)", entry.name)
        if not match or not (entry / MANIFEST).is_file():
            continue
        releases.append(read_manifest(entry / MANIFEST, repo.rel(entry / MANIFEST)))
    return sorted(releases, key=lambda release: release.version)


def read_manifest(path: Path, display: str) -> Release:
    try:
        data = json.loads(read_repo_bytes(path).decode("utf-8"))
    except LinkRefused:
        raise
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"unreadable release manifest ({type(exc).__name__}: {exc})", path=display) from None
    values, problems = schema_of(Release).validate(data, display)
    if problems:
        raise ReleaseError(f"unreadable release manifest: {problems[0].message}", path=display)
    release: Release = from_schema(Release, {**values, "folder": path.parent,
                                             "translations": tuple(values["translations"] or ())})
    for item in release.files:
        if not _FILE_NAME.fullmatch(item.name):
            raise ReleaseError(f"release manifest names a file outside its folder: '{item.name}'", path=display)
    return release


_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
