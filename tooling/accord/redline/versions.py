"""Which versions `accord diff` compares: revisions, release tags, the working tree, the text a partner endorsed."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import criticmarkup
from ..errors import GitError, LedgerError, RedlineError, StatementError, TranslationError, UsageError
from ..fsutil import read_repo_bytes
from ..history import (commits_touching, current_author, file_at, head_commit, last_commit_touching, read_blobs,
                       release_tags, resolve_revision)
from ..partners import require_partner
from ..statement import endorsable_hashes, split_front_matter, text_sha256
from ..yamlio import YAMLProblem, decode_text, load_yaml
from .ops import Redline

FORMATS = ("term", "html", "md", "docx")


@dataclass(frozen=True)
class Version:
    """One version of a statement's text, where it comes from, and who made it when.

    `author` and `epoch` are those of the commit that last changed the file (for
    the working tree: of whoever git would record, now, if the file has changes).
    """

    label: str
    title: str
    body: str
    commit: str | None
    author: str
    epoch: int
    numbered_paragraphs: bool = False  # how the version numbers its paragraphs (accord/labels.py)

    @cached_property
    def text_sha256(self) -> str:
        return text_sha256(self.title, self.body)

    @property
    def date_iso(self) -> str:
        """The date as Word revisions carry it: ISO 8601 in UTC, to the second."""
        return dt.datetime.fromtimestamp(self.epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def day(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, dt.timezone.utc).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class StatementDiff:
    """The redline of one statement between two versions."""

    statement_id: str
    old: Version
    new: Version
    redline: Redline

    @property
    def old_label(self) -> str:
        return f"{self.statement_id}: {self.old.label}"

    @property
    def new_label(self) -> str:
        return f"{self.statement_id}: {self.new.label}"

    @cached_property
    def labels(self):
        """The paragraph labels of both versions on the redline's blocks (read once: a DOCX written
        to a file asks for them twice, for its numbers and for the Renumbered line)."""
        from ..labels import body_labels, redline_labels

        return redline_labels(self.redline, body_labels(self.old.body, self.old.numbered_paragraphs),
                              body_labels(self.new.body, self.new.numbered_paragraphs),
                              self.old.numbered_paragraphs, self.new.numbered_paragraphs)


def diff_statement(repo, statement_id: str, *, from_rev: str | None = None, to_rev: str | None = None,
                   since_endorsement: str | None = None, since_translation: str | None = None) -> StatementDiff:
    """Compare two versions of a statement: --from (default: last release tag, else first commit), the text
    a partner last endorsed, or the source text a language version renders, with --to (default: the
    working tree)."""
    from . import compare

    repo.require_statement(statement_id)
    chosen = [name for name, value in (("since_endorsement", since_endorsement), ("from_rev", from_rev),
                                       ("since_translation", since_translation)) if value is not None]
    if len(chosen) > 1:
        raise UsageError(f"{{{chosen[0]}}} and {{{chosen[1]}}} cannot be used together", inputs=chosen[:2])
    new = version_at(repo, statement_id, to_rev, option="to_rev") if to_rev is not None else working_version(
        repo, statement_id)
    if since_endorsement is not None:
        old = endorsed_version(repo, statement_id, since_endorsement)
    elif since_translation is not None:
        old = translated_version(repo, statement_id, since_translation)
    elif from_rev is not None:
        old = version_at(repo, statement_id, from_rev, option="from_rev")
    else:
        revision, label = base_revision(repo, statement_id)
        old = version_at(repo, statement_id, revision, label=label)
    redline = compare(old.body, new.body, old_title=old.title, new_title=new.title)
    return StatementDiff(statement_id, old, new, redline)


# -- versions -------------------------------------------------------------------------

def working_version(repo, statement_id: str) -> Version:
    """The statement as it is in the working tree, validated like every command validates it."""
    statement = repo.load_statement(statement_id)
    relpath = _relpath(repo, statement_id)
    data = read_repo_bytes(repo.statement_file(statement_id))
    made = None
    if head_commit(repo.root) is not None:
        committed = _files_at(repo.root, ["HEAD"], relpath).get("HEAD")
        if committed is not None and _same_text(committed, data):
            made = last_commit_touching(repo.root, relpath)
    if made is not None:
        author, epoch = made.author, made.epoch
    else:
        author, epoch = current_author(repo.root) or ("accord", int(time.time()))
    return Version("working tree", statement.title, statement.body, None, author, epoch,
                   statement.numbered_paragraphs)


def version_at(repo, statement_id: str, revision: str, *, label: str | None = None, option: str = "") -> Version:
    """The statement at a revision (commit, tag, branch); GitError naming the input (option) and revision if missing."""
    relpath = _relpath(repo, statement_id)
    where = "{" + option + "}: " if option else ""
    try:
        commit = resolve_revision(repo.root, revision)
        data = file_at(repo.root, revision, relpath)
    except GitError as error:
        raise GitError(f"{where}{error.message}", inputs=[option] if option else [], value=revision) from None
    title, body = read_statement_text(data, f"{relpath} at {revision}")
    made = last_commit_touching(repo.root, relpath, commit)
    author, epoch = (made.author, made.epoch) if made else ("accord", 0)
    day = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d")
    short = commit[:7]
    if label is not None:
        label = f"{label} ({short}, {day})"
    elif commit.startswith(revision.lower()):
        label = f"{short} ({day})"
    else:
        label = f"{revision} ({short}, {day})"
    return Version(label, title, body, commit, author, epoch, _numbered_paragraphs(data))


def _numbered_paragraphs(data: bytes) -> bool:
    """The `numbered-paragraphs` flag of a statement file's bytes, read leniently (False when unreadable)."""
    text, problem = decode_text(data, "statement")
    parts = split_front_matter(text.replace("\r\n", "\n").lstrip("\ufeff")) if not problem else None
    if parts is None:
        return False
    try:
        front = load_yaml(parts[0])
    except YAMLProblem:
        return False
    return isinstance(front, dict) and front.get("numbered-paragraphs") is True


def base_revision(repo, statement_id: str) -> tuple[str, str]:
    """The default from_rev: the last release tag <id>/vN, else the first commit holding the statement."""
    tags = release_tags(repo.root, statement_id)
    if tags:
        tag = tags[-1][1]
        return resolve_revision(repo.root, tag), tag.rpartition("/")[2]
    commits = commits_touching(repo.root, _relpath(repo, statement_id))
    if not commits:
        raise RedlineError(f"{_relpath(repo, statement_id)} has no committed version to compare with; "
                           "commit it first or pass {from_rev} REV", inputs=["from_rev"])
    return commits[-1], "first version"


def endorsed_version(repo, statement_id: str, partner_id: str) -> Version:
    """The text a partner last endorsed: the newest commit whose text hash is the one in its record.

    The record's `commit` is used when its text has that hash; a record whose
    position is no longer a counting one sends us back through the record's own
    history to the last counting position."""
    require_partner(repo.partners(), partner_id)
    endorsed = last_endorsement(repo, statement_id, partner_id)
    if endorsed is None:
        raise LedgerError(f"partner '{partner_id}' has never endorsed '{statement_id}'")
    wanted_hash, record_commit = endorsed
    relpath = _relpath(repo, statement_id)
    label = f"as endorsed by {partner_id}"
    candidates = commits_touching(repo.root, relpath)
    if record_commit:
        try:
            preferred = resolve_revision(repo.root, record_commit)
        except GitError:
            preferred = None
        if preferred is not None:
            candidates = [preferred, *[c for c in candidates if c != preferred]]
    texts = _files_at(repo.root, candidates, relpath)
    for commit in candidates:
        data = texts.get(commit)
        if data is None:
            continue
        if wanted_hash in endorsable_hashes(data):
            return version_at(repo, statement_id, commit, label=label)
    current = working_version(repo, statement_id)
    if repo.load_statement(statement_id).binds(wanted_hash):
        return Version(f"{label} (working tree)", current.title, current.body, None, current.author, current.epoch,
                       current.numbered_paragraphs)
    raise RedlineError(f"the text {partner_id} endorsed (sha256 {wanted_hash[:12]}) is in no commit of {relpath}")


def translated_version(repo, statement_id: str, language: str) -> Version:
    """The source text a language version renders: the newest commit of statement.md whose text hash is the
    version's `translation-of` (else the working tree, when the version renders it)."""
    from ..i18n.translations import read_translation, translation_file

    source = repo.load_statement(statement_id)
    if language == source.language:
        raise UsageError(f"{{language}} {language}: statement.md is the {language} version, the source itself",
                         inputs=["language"], value=language)
    translation, problems = read_translation(repo, statement_id, language) if os.path.lexists(
        translation_file(repo, statement_id, language)) else (None, [])
    if translation is None:
        if problems:
            raise problems[0].error(TranslationError)
        from ..i18n.translations import load_translation

        load_translation(repo, statement_id, language, source)  # names the missing file and what exists
    assert translation is not None
    wanted_hash = translation.translation_of
    relpath = _relpath(repo, statement_id)
    label = f"as the {language} version renders it"
    candidates = commits_touching(repo.root, relpath)
    texts = _files_at(repo.root, candidates, relpath)
    for commit in candidates:
        data = texts.get(commit)
        if data is not None and wanted_hash in endorsable_hashes(data):
            return version_at(repo, statement_id, commit, label=label)
    if source.text_sha256 == wanted_hash:
        current = working_version(repo, statement_id)
        return Version(f"{label} (working tree)", current.title, current.body, None, current.author, current.epoch,
                       current.numbered_paragraphs)
    raise RedlineError(f"the source text the {language} version renders (translation-of {wanted_hash[:12]}) is in "
                       f"no commit of {relpath}; its translator must compare it with the source by hand, then run "
                       f"`accord translate {statement_id} {language} --mark-current`")


def last_endorsement(repo, statement_id: str, partner_id: str) -> tuple[str, str | None] | None:
    """(text_sha256, commit) of the partner's newest record with a counting position, or None."""
    from ..ledger import record_versions  # here: every other diff does without the ledger's import (70 ms)

    for record in record_versions(repo, statement_id, partner_id):
        if record.counting:
            return record.text_sha256, record.commit
    return None


def read_statement_text(data: bytes, display: str) -> tuple[str, str]:
    """(title, body) of a statement file's bytes, read leniently: an old version is compared even if
    its front matter no longer passes today's schema, as long as it has a title."""
    text, problem = decode_text(data, display)
    if problem:
        raise problem.error(StatementError)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    parts = split_front_matter(text)
    if parts is None:
        raise StatementError("no front matter: the file must start with a '---' line", path=display)
    yaml_text, body, _ = parts
    try:
        data_map = load_yaml(yaml_text, line_offset=1)
    except YAMLProblem as problem:
        raise StatementError(problem.message, path=display, line=problem.line) from None
    title = data_map.get("title") if isinstance(data_map, dict) else None
    if title is None:
        raise StatementError("missing required key 'title'", path=display)
    return str(title), body


def _files_at(root: Path, revisions: list[str], relpath: str) -> dict[str, bytes]:
    """relpath at each revision where it exists, read by one git process."""
    blobs = read_blobs(root, [f"{revision}:{relpath}" for revision in revisions])
    return {revision: blobs[f"{revision}:{relpath}"] for revision in revisions if f"{revision}:{relpath}" in blobs}


def _same_text(left: bytes, right: bytes) -> bool:
    return left.replace(b"\r\n", b"\n") == right.replace(b"\r\n", b"\n")


def _relpath(repo, statement_id: str) -> str:
    return repo.rel(repo.statement_file(statement_id))


# -- rendering --------------------------------------------------------------------------

def render_statement_diff(repo, diff: StatementDiff, fmt: str, *, color: bool = False) -> str | bytes:
    """The diff in one format: term and md and html give text, docx gives bytes."""
    from ..ooxml.fonts import house_font_dir
    from . import render_docx, render_html, render_markdown, render_term

    if fmt == "term":
        text = render_term(diff.redline, color=color, old_label=diff.old_label, new_label=diff.new_label,
                           labels=diff.labels)
        moves = renumbered(diff)
        if moves:  # after the counts line: what the changes do to the paragraph numbers
            lines = text.split("\n")
            text = "\n".join([*lines[:3], f"Renumbered: {'; '.join(moves)}", *lines[3:]])
        return text
    if fmt == "md":
        header = criticmarkup.comment(f"Changes to {diff.statement_id}: {diff.old.label} -> {diff.new.label}")
        return header + "\n\n" + render_markdown(diff.redline)
    if fmt == "html":
        return render_html(diff.redline, heading=diff.new.title, old_label=diff.old_label, new_label=diff.new_label,
                           labels=diff.labels)
    if fmt == "docx":
        reference = repo.templates_dir / "reference.docx"
        properties = {
            "accord-statement": diff.statement_id,
            "accord-redline-from": diff.old.label, "accord-redline-to": diff.new.label,
            "accord-redline-from-sha256": diff.old.text_sha256, "accord-redline-to-sha256": diff.new.text_sha256,
        }
        if diff.old.commit:
            properties["accord-redline-from-commit"] = diff.old.commit
        if diff.new.commit:
            properties["accord-redline-to-commit"] = diff.new.commit
        return render_docx(diff.redline, author=diff.new.author, date=diff.new.date_iso,
                           reference_doc=reference if reference.is_file() else None,
                           subtitle=f"Changes from {diff.old.label} to {diff.new.label}",
                           properties=properties, epoch=diff.new.epoch, labels=diff.labels,
                           font_dir=house_font_dir(repo.templates_dir, repo.settings.embed_fonts))
    raise UsageError(f"{{fmt}}: unknown format '{fmt}' (choose from {', '.join(FORMATS)})", inputs=["fmt"], value=fmt)


def renumbered(diff: StatementDiff) -> list[str]:
    """`paragraphs 7–13 are now 8–14` and the like: what the changes do to the labels."""
    from ..labels import renumbering

    return renumbering(diff.labels, diff.redline.ops)
