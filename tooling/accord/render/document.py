"""What one build of a statement knows: the text, its signatories, its provenance, its template values."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..history import git
from ..ledger import SignatoryEntry, signatories
from ..repo import Repo, Settings
from ..statement import Statement, require_no_conflict_markers
from .inputs import RepoInputs, input_pathspecs, statement_images, version_pathspecs

NO_SIGNATORIES = "No endorsements recorded"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# Markdown punctuation; a backslash before each keeps names and symbols literal in pandoc metadata.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~^$@&\"'=:;%/,?])")


@dataclass(frozen=True)
class Provenance:
    """Which text, which commit and which release a document was built from."""

    statement_id: str
    version: int | None
    commit: str | None
    text_sha256: str
    epoch: int
    dirty: bool
    is_draft: bool = True
    translation_of: str | None = None   # a language version: the source text hash it renders
    language: str | None = None         # a language version's language (None: the source)

    @property
    def version_name(self) -> str:
        """The release number; without one, `draft` (or `unversioned` for a final text not yet released)."""
        if self.version:
            return str(self.version)
        return "draft" if self.is_draft else "unversioned"

    @property
    def version_label(self) -> str:
        return f"version {self.version}" if self.version else self.version_name

    @property
    def short_commit(self) -> str:
        return self.commit[:7] if self.commit else "none"

    @property
    def line(self) -> str:
        """The footer line: `draft · commit 1a2b3c4 · text 9f8e7d6c`, and a warning when built from changes."""
        parts = [self.version_label, f"commit {self.short_commit}", f"text {self.text_sha256[:8]}"]
        if self.translation_of:
            parts.append(f"{self.language} translation of {self.translation_of[:8]}")
        if self.dirty:
            parts.append("uncommitted changes")
        return " · ".join(parts)

    def properties(self) -> dict[str, str]:
        """The provenance as DOCX custom properties, PDF keywords and HTML meta tags carry it."""
        return {
            "accord.statement": self.statement_id,
            "accord.version": self.version_name,
            "accord.commit": (self.commit or "none") + ("+uncommitted" if self.dirty else ""),
            "accord.text_sha256": self.text_sha256,
            **({"accord.translation_of": self.translation_of} if self.translation_of else {}),
        }


@dataclass(frozen=True)
class Document:
    """Everything the DOCX, PDF and HTML builders of one statement read."""

    statement: Statement
    settings: Settings
    signatories: tuple[SignatoryEntry, ...]
    provenance: Provenance
    source_display: str                 # statements/<id>/statement.md, for error messages
    folder_display: str                 # statements/<id>
    images: dict[str, tuple[str, str]] = field(default_factory=dict)
    outside_images: tuple[str, ...] = ()
    templates: Path = Path("templates")

    @property
    def author(self) -> str:
        return f"{self.settings.team}, {self.settings.organization}"

    @property
    def date_label(self) -> str:
        date = self.statement.date
        if self.statement.language.lower().startswith("en"):
            return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
        return date.isoformat()

    @property
    def subject(self) -> str:
        statement = self.statement
        name = f"{statement.kind_label} {statement.symbol}" if statement.symbol else statement.kind_label
        return f"{name} ({statement.id}), {self.provenance.line}, text sha256 {self.provenance.text_sha256}"

    @property
    def keywords(self) -> list[str]:
        # Word keeps at most 255 characters of keywords: a language version's source hash is in the
        # custom properties and the footer, not here.
        return [f"{key}={value}" for key, value in self.provenance.properties().items()
                if key != "accord.translation_of"]

    @property
    def labels(self):
        """The statement's paragraph labels (accord/labels.py), which every format shows."""
        from ..labels import statement_labels

        return statement_labels(self.statement)

    def label_settings(self, what: str) -> str:
        """The ACCORD_LABELS value build/labels.lua reads."""
        from ..labels import filter_settings

        return filter_settings(self.labels, self.statement.numbered_paragraphs, what)

    def filter_settings(self) -> str:
        """The ACCORD_FILTER value the Lua filter reads: which images and raw formats are let in."""
        return json.dumps({"folder": self.folder_display, "images": self.images,
                           "outside": list(self.outside_images), "raw": list(self.statement.allow_raw)})

    def template_values(self) -> dict:
        """The variables of templates/statement.typ and of the HTML page (render/parts.html; see templates/README.md)."""
        statement = self.statement
        values = {
            "title": statement.title,                    # Markdown, as in the front matter
            "short-title": statement.running_title,
            "date": literal(self.date_label),
            "kind-label": literal(statement.kind_label),
            "status": literal(statement.status),
            "organization": literal(self.settings.organization),
            "team": literal(self.settings.team),
            "author": [literal(self.author)],
            "subject": literal(self.subject),
            "keywords": [literal(keyword) for keyword in self.keywords],
            "provenance": literal(self.provenance.line),
            **{key.replace(".", "-").replace("_", "-"): literal(value)
               for key, value in self.provenance.properties().items()},
            "draft": statement.is_draft,
            "numbered-paragraphs": statement.numbered_paragraphs,
            "lang": statement.language,
            "signatories": [_signatory_value(entry) for entry in self.signatories],
            "no-signatories": NO_SIGNATORIES,
        }
        if statement.symbol:
            values["symbol"] = literal(statement.symbol)
        return values


def _signatory_value(entry: SignatoryEntry) -> dict:
    value = {"name": literal(entry.name), "signatory": literal(entry.signatory),
             "reservations": [{"text": literal(r.text), **({"paragraph": literal(str(r.paragraph))} if r.paragraph else {})}
                              for r in entry.reservations]}
    if entry.position_note:
        value["position-note"] = literal(entry.position_note)
    return value


def literal(text: str) -> str:
    """Text for pandoc metadata that stays literal: no emphasis, lists or links are read into it."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def provenance_commit(root: Path, statement_id: str, language: str | None = None) -> tuple[str | None, int | None]:
    """The last commit that changed any input of the statement's source (or of its `language` version: the
    source's inputs and its own file), and its committer time."""
    found = _last_commit(root, input_pathspecs(statement_id))
    if language is not None:
        own = _last_commit(root, version_pathspecs(statement_id, language))
        if own[1] is not None and (found[1] is None or own[1] > found[1]):
            found = own
    return found


def _last_commit(root: Path, pathspecs: list[str]) -> tuple[str | None, int | None]:
    result = git(root, "log", "-1", "--format=%H %ct", "--", *pathspecs, check=False)
    fields = result.stdout.decode().split()
    if result.returncode != 0 or len(fields) != 2:
        return None, None
    return fields[0], int(fields[1])


def load_document(repo: Repo, statement_id: str, dirty: bool | None = None, language: str | None = None) -> Document:
    """Read a statement (or one of its language versions), its ledger and its provenance: stage one of every build.

    A language version is the source with its own title, body and language; the signatories
    are the source's, whose text the endorsements bind.
    """
    if dirty is None:
        dirty = RepoInputs(repo.root).is_dirty(statement_id, language)
    source = repo.load_statement(statement_id)
    statement, display, translation_of = source, repo.rel(repo.statement_file(statement_id)), None
    if language is not None:
        from ..i18n.translations import load_translation

        translation = load_translation(repo, statement_id, language, source)
        statement, display, translation_of = translation.version_of(source), translation.display, \
            translation.translation_of
    require_no_conflict_markers(statement, display)
    entries = tuple(signatories(repo, source))
    commit, epoch = provenance_commit(repo.root, statement_id, language)
    if epoch is None:
        epoch = _fallback_epoch(statement.date)
    provenance = Provenance(statement.id, statement.version, commit, statement.text_sha256, epoch, dirty,
                            statement.is_draft, translation_of, language)
    folder = repo.statement_dir(statement_id)
    images, outside = statement_images(folder)
    return Document(statement, repo.settings, entries, provenance, display,
                    repo.rel(folder), images, tuple(outside), repo.templates_dir)


def _fallback_epoch(date: dt.date) -> int:
    """Outside git: SOURCE_DATE_EPOCH if set, else midnight UTC of the statement's date; never the clock."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc).timestamp())
