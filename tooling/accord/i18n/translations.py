"""Translations: statements/ID/statement.LANG.md, the source text each one renders, and whether it is stale.

A statement's source is statements/ID/statement.md. A language version beside it carries
its own title and body and, in its front matter, the text hash of the source it renders
(`translation-of`) and how far it has got (`translation-status`). Everything else (kind,
status, date, symbol, the endorsement policy, paragraph numbering) is the source's:
endorsements bind the source text, and a version is stale as soon as the source's hash is
no longer the one it names.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, StatementError, TranslationError
from ..schema import Field, Schema
from ..yamlio import LineDict, read_text_file

TRANSLATION_STATUSES = ("draft", "checked", "authentic")
# statement.LANG.md: LANG a language tag as file names spell it (fr, pt-br, zh-hant); language tags
# themselves are validated where the source's `language` is.
TRANSLATION_FILE = re.compile(r"statement\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\.md")
LOOKS_LIKE_TRANSLATION = re.compile(r"statement\.[^/]+\.md")

TRANSLATION_FRONT_MATTER = Schema("translation front matter", (
    Field("id", "slug", "The statement id: the folder name, as in the source.", required=True),
    Field("title", "text", "The title in this language; part of this version's text.", required=True),
    Field("short-title", "text", "A short title for running headers, in this language."),
    Field("language", "text", "BCP 47 language tag of this version; the LANG of statement.LANG.md.", required=True),
    Field("translation-of", "sha256", "The text hash of the source (statement.md) this version renders; "
          "`accord translate ID LANG --mark-current` sets it.", required=True),
    Field("translation-status", "text", "draft, checked (reviewed against the source) or authentic "
          "(an equally authentic text).", required=True, choices=TRANSLATION_STATUSES),
))


@dataclass(frozen=True)
class Translation:
    """One language version of a statement, as read from statements/<id>/statement.<lang>.md."""

    id: str
    language: str
    title: str
    body: str
    translation_of: str
    translation_status: str
    display: str
    path: Path | None = None
    short_title: str | None = None
    body_line: int = 1
    front_matter: str = ""
    front_matter_tree: dict | None = dataclasses.field(default=None, compare=False, repr=False)

    def version_of(self, source):
        """The source Statement as this version reads: its title, body and language, all else the source's."""
        return dataclasses.replace(source, title=self.title, short_title=self.short_title, body=self.body,
                                   language=self.language, path=self.path, body_line=self.body_line,
                                   front_matter=self.front_matter, front_matter_tree=self.front_matter_tree,
                                   fields_unchanged_since=frozenset())

    def is_current(self, source) -> bool:
        """Whether this version renders the source as it is now."""
        return self.translation_of == source.text_sha256


def translation_file(repo, statement_id: str, language: str) -> Path:
    return repo.statement_dir(statement_id) / f"statement.{language}.md"


def translation_languages(statement_dir: Path | str) -> list[str]:
    """The LANG of every statement.LANG.md in a statement folder, sorted; one listdir, nothing parsed."""
    try:
        names = os.listdir(statement_dir)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(match.group(1) for match in map(TRANSLATION_FILE.fullmatch, names) if match)


def parse_translation(text: str, display: str, language: str, path: Path | None = None
                      ) -> tuple[Translation | None, list[Problem]]:
    """Parse and validate a language version's text; all problems are returned, none raised."""
    from ..statement import read_front_matter

    found, problems = read_front_matter(text, display)
    if found is None:
        return None, problems
    data, yaml_text, body, body_line = found
    values, problems = TRANSLATION_FRONT_MATTER.validate(data, display, 2)
    if not problems and values["language"] != language:
        problems.append(Problem(display, data.line_of("language", 2) if hasattr(data, "line_of") else 2,
                                f"language '{values['language']}' differs from the file name's '{language}' "
                                f"(a {values['language']} version is statement.{values['language']}.md)"))
    if problems:
        return None, problems
    return Translation(values["id"], language, values["title"], body, values["translation_of"],
                       values["translation_status"], display, path, values["short_title"], body_line, yaml_text,
                       data), []


def read_translation(repo, statement_id: str, language: str) -> tuple[Translation | None, list[Problem]]:
    path = translation_file(repo, statement_id, language)
    display = repo.rel(path)
    text, problem = read_text_file(path, display)
    if problem or text is None:
        return None, [problem] if problem else []
    return parse_translation(text, display, language, path)


def load_translation(repo, statement_id: str, language: str, source=None) -> Translation:
    """The language version, valid and with the source's paragraph labels; TranslationError naming the fault."""
    repo.require_statement(statement_id)
    if not TRANSLATION_FILE.fullmatch(f"statement.{language}.md"):
        raise TranslationError(f"'{language}' is not a language tag (e.g. fr, ru, pt-BR)")
    path = translation_file(repo, statement_id, language)
    if not os.path.lexists(path):
        have = translation_languages(repo.statement_dir(statement_id))
        listed = f"it has {', '.join(have)}" if have else "it has none yet"
        raise TranslationError(f"'{statement_id}' has no {language} version ({repo.rel(path)}; {listed}); "
                               f"`accord translate {statement_id} {language}` starts one")
    translation, problems = read_translation(repo, statement_id, language)
    if problems:
        raise problems[0].error(TranslationError)
    assert translation is not None
    source = source if source is not None else repo.load_statement(statement_id)
    found = version_problems(source, translation, statement_id)
    if found:
        raise found[0].error(TranslationError)
    return translation


def load_translations(repo, source) -> list[Translation]:
    """Every language version of a statement, each valid; TranslationError on the first fault."""
    return [load_translation(repo, source.id, language, source)
            for language in translation_languages(repo.statement_dir(source.id))]


# -- check ------------------------------------------------------------------------

def translation_problems(repo, statement_id: str, source) -> list[Problem]:
    """`check`'s findings for every language version of one statement (source: its Statement, or None)."""
    from ..statement import conflict_marker_problems

    folder = repo.statement_dir(statement_id)
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    problems: list[Problem] = []
    for name in names:
        if name == "statement.md" or not LOOKS_LIKE_TRANSLATION.fullmatch(name):
            continue
        display = repo.rel(folder / name)
        match = TRANSLATION_FILE.fullmatch(name)
        if match is None:
            problems.append(Problem(display, None, "not a language version: name it statement.LANG.md with a "
                                                   "language tag such as fr, ru or pt-BR"))
            continue
        text, problem = read_text_file(folder / name, display)
        if problem or text is None:
            problems.extend([problem] if problem else [])
            continue
        translation, found = parse_translation(text, display, match.group(1), folder / name)
        problems.extend(found)
        problems.extend(conflict_marker_problems(text, display))
        if translation is not None and source is not None:
            problems.extend(version_problems(source, translation, statement_id))
    return problems


def version_problems(source, translation: Translation, folder: str) -> list[Problem]:
    """What makes a parsed language version unusable beside its source: id, language, labels, unsafe markup."""
    from ..check import body_problems

    display = translation.display
    tree = translation.front_matter_tree

    def line_of(key: str, default: int) -> int | None:
        return tree.line_of(key, default) if isinstance(tree, LineDict) else default

    problems = []
    if translation.id != folder:
        problems.append(Problem(display, line_of("id", 2), f"id '{translation.id}' differs from its folder '{folder}'"))
    if translation.language == source.language:
        problems.append(Problem(display, line_of("language", 2),
                                f"language '{translation.language}' is the source's own (statement.md); "
                                "a language version is in another language"))
    version = translation.version_of(source)
    problems.extend(label_problems(source, version, display))
    problems.extend(body_problems(version, display))
    return problems


def label_problems(source, version, display: str) -> list[Problem]:
    """Every language version has the source's paragraph labels, so that 'paragraph 6' is one paragraph in all."""
    from ..labels import describe_labels, statement_labels
    from ..blockrules import source_blocks

    wanted = statement_labels(source).labels
    labels = statement_labels(version)
    have = labels.labels
    if have == wanted:
        return []
    blocks = source_blocks(version.body)

    def line_of(index: int) -> int:
        block = labels.units[index].block
        return version.body_line + (blocks[block].start if block < len(blocks) else 0)

    source_name = "statement.md"
    whole = f"{source_name} has {describe_labels(wanted)}" if wanted else f"{source_name} has no numbered paragraphs"
    for index, (theirs, ours) in enumerate(zip(wanted, have)):
        if theirs != ours:
            return [Problem(display, line_of(index), f"paragraph {ours} here is paragraph {theirs} in {source_name}: "
                                                     f"a language version has the source's paragraphs ({whole})")]
    if len(have) < len(wanted):
        last = version.body_line + max(len(version.body.rstrip("\n").split("\n")) - 1, 0)
        return [Problem(display, last, f"paragraph {describe_labels(wanted[len(have):])} of {source_name} "
                                       f"{'is' if len(wanted) - len(have) == 1 else 'are'} missing here ({whole})")]
    return [Problem(display, line_of(len(wanted)), f"paragraph {describe_labels(have[len(wanted):])} here "
                                                   f"{'is' if len(have) - len(wanted) == 1 else 'are'} not in "
                                                   f"{source_name} ({whole})")]


# -- status and the release gate --------------------------------------------------------

@dataclass(frozen=True)
class LanguageVersion:
    """One language version as `status` shows it: the source, or a translation current or stale."""

    language: str
    file: str
    source: bool
    required: bool = False
    translation_status: str | None = None
    translation_of: str | None = None
    current: bool | None = None
    problem: str | None = None

    @property
    def state(self) -> str:
        if self.source:
            return "source"
        if self.problem:
            return "unreadable"
        return "current" if self.current else "stale"

    def as_dict(self) -> dict:
        data: dict = {"language": self.language, "file": self.file, "source": self.source,
                      "required": self.required, "state": self.state}
        if not self.source:
            data.update({"translation_status": self.translation_status, "translation_of": self.translation_of,
                         "current": self.current})
            if self.problem:
                data["error"] = self.problem
        return data


def required_languages(repo, statement) -> tuple[str, ...]:
    """The language versions a release needs: the statement's `release-languages`, else accord.yaml's."""
    own = getattr(statement, "release_languages", None)
    required = own if own is not None else repo.settings.release_languages
    return tuple(language for language in required if language != statement.language)


def language_versions(repo, statement) -> list[LanguageVersion]:
    """The source and every language version of a statement (a full Statement), each current or stale;
    a required language without a file is listed too, as missing."""
    folder = repo.statement_dir(statement.id)
    required = required_languages(repo, statement)
    versions = [LanguageVersion(statement.language, repo.rel(folder / "statement.md"), True, False)]
    languages = translation_languages(folder)
    for language in languages:
        translation, problems = read_translation(repo, statement.id, language)
        display = repo.rel(translation_file(repo, statement.id, language))
        if translation is None:
            versions.append(LanguageVersion(language, display, False, language in required,
                                            problem=f"{problems[0]}; run accord check"))
            continue
        versions.append(LanguageVersion(language, display, False, language in required,
                                        translation.translation_status, translation.translation_of,
                                        translation.is_current(statement)))
    for language in required:
        if language not in languages:
            versions.append(LanguageVersion(language, repo.rel(translation_file(repo, statement.id, language)),
                                            False, True, problem="missing"))
    return versions


def translation_versions(repo, statement) -> list[LanguageVersion]:
    """The language versions beside the source (none when it has none), as language_versions lists them.

    `statement` may be the ledger's remembered summary, which lacks the language fields: the
    statement is read in full only when a version exists or a language could be required.
    """
    full = _full_statement(repo, statement)
    return [version for version in language_versions(repo, full) if not version.source] if full else []


def _full_statement(repo, statement):
    """The Statement itself, or None when the summary's statement has no version and needs none."""
    if hasattr(statement, "release_languages"):
        return statement
    folder = repo.statement_dir(statement.id)
    if (not translation_languages(folder) and not repo.settings.release_languages
            and not _names_release_languages(folder / "statement.md")):
        return None
    try:
        return repo.load_statement(statement.id)
    except StatementError:
        return None  # the ledger reported it already


def language_gate(repo, statement) -> list[str]:
    """Why the required language versions keep the release gate closed: each missing, unreadable or stale one."""
    statement = _full_statement(repo, statement)
    if statement is None or not required_languages(repo, statement):
        return []
    problems = []
    for version in language_versions(repo, statement):
        if not version.required:
            continue
        if version.problem == "missing":
            problems.append(f"required language {version.language} has no version ({version.file}); "
                            f"`accord translate {statement.id} {version.language}` starts one")
        elif version.problem:
            problems.append(f"required language {version.language}: {version.problem}")
        elif not version.current:
            problems.append(f"the {version.language} version is stale: it renders source text "
                            f"{version.translation_of[:12] if version.translation_of else '?'}, not the current "
                            f"{statement.text_sha256[:12]} (see `accord diff {statement.id} --lang "
                            f"{version.language} --since-translation`, then `accord translate {statement.id} "
                            f"{version.language} --mark-current`)")
    return problems


def _names_release_languages(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"\nrelease-languages:" in handle.read()
    except OSError:
        return False


# -- scaffold and mark current -------------------------------------------------------------

@dataclass(frozen=True)
class Marked:
    """What `accord translate --mark-current` did."""

    path: Path
    previous: str
    current: str
    commit: str | None

    @property
    def changed(self) -> bool:
        return self.previous != self.current


def scaffold_translation(repo, statement_id: str, language: str) -> Path:
    """Start statements/ID/statement.LANG.md: the source's title and body to translate, as a draft of the
    current source text. Never overwrites a file."""
    from ..fsutil import write_atomic

    source = repo.load_statement(statement_id)
    if not TRANSLATION_FILE.fullmatch(f"statement.{language}.md"):
        raise TranslationError(f"'{language}' is not a language tag (e.g. fr, ru, pt-BR)")
    if language == source.language:
        raise TranslationError(f"'{statement_id}' is written in {language}: statement.md is that version")
    path = translation_file(repo, statement_id, language)
    if os.path.lexists(path):
        raise TranslationError(f"{repo.rel(path)} exists already; after reviewing it against the source, "
                               f"`accord translate {statement_id} {language} --mark-current` records it as current")
    lines = ["---", f"id: {statement_id}", f"title: {_yaml_text(source.title)}"]
    if source.short_title:
        lines.append(f"short-title: {_yaml_text(source.short_title)}")
    lines += [f"language: {language}", f"translation-of: {source.text_sha256}", "translation-status: draft", "---"]
    text = "\n".join(lines) + "\n" + ("\n" if not source.body.startswith("\n") else "") + source.body
    translation, problems = parse_translation(text, repo.rel(path), language, path)
    if problems:
        raise problems[0].error(TranslationError)
    write_atomic(path, text)
    return path


def mark_current(repo, statement_id: str, language: str, *, commit: bool = True) -> Marked:
    """Record in the version's front matter that it renders the source text as committed now, and commit it.

    The source must have no uncommitted text changes (the hash recorded is of committed text,
    as an endorsement's is); the version must be valid, with the source's paragraphs. The
    commit holds the language version's file only, as the translator left it.
    """
    from .. import history
    from ..fsutil import write_atomic
    from ..statement import require_no_conflict_markers

    source = repo.load_statement(statement_id)
    translation = load_translation(repo, statement_id, language, source)
    require_no_conflict_markers(translation.version_of(source), translation.display)
    source_rel = repo.rel(repo.statement_file(statement_id))
    root = repo.root
    head = history.head_commit(root)
    if commit:
        _refuse_uncommitted_source(root, head, source, source_rel)
    path = translation_file(repo, statement_id, language)
    data = path.read_bytes()
    updated = _set_translation_of(data, source.text_sha256, translation.display)
    if updated != data:
        write_atomic(path, updated)
    commit_id = None
    if commit and (updated != data or history.is_dirty(root, translation.display)):
        from ..errors import GitError

        message = (f"Translation: the {language} version of {statement_id} renders source text "
                   f"{source.text_sha256[:8]}\n\nStatus: {translation.translation_status}\n"
                   f"Was: translation of {translation.translation_of[:8]}\n")
        try:
            commit_id = history.commit_only(root, [translation.display], message)
        except GitError as error:
            raise TranslationError(f"{translation.display} is written but not committed: {error.message}") from None
    return Marked(path, translation.translation_of, source.text_sha256, commit_id)


def _refuse_uncommitted_source(root: Path, head: str | None, source, source_rel: str) -> None:
    from ..history import file_at
    from ..statement import statement_from_bytes

    if head is None:
        raise TranslationError(f"{source_rel} is not committed yet; commit the source first, as a translation "
                               "renders committed text")
    try:
        committed = statement_from_bytes(file_at(root, head, source_rel), source_rel).text_sha256
    except (StatementError, Exception):  # missing at HEAD, or unreadable there
        committed = None
    if committed != source.text_sha256:
        raise TranslationError(f"{source_rel} has uncommitted changes to its text; commit them first, as a "
                               "translation renders committed text (or pass {commit})", inputs={"commit": "commit=False"})


_TRANSLATION_OF = re.compile(rb"^translation-of:[^\n]*$", re.MULTILINE)


def _set_translation_of(data: bytes, text_hash: str, display: str) -> bytes:
    """The file's bytes with its front matter's `translation-of` set to text_hash; nothing else changes."""
    end = re.search(rb"^(?:---|\.\.\.)[ \t]*\r?$", data[4:], re.MULTILINE)
    head_end = 4 + end.start() if end else 0
    match = _TRANSLATION_OF.search(data, 0, head_end)
    if match is None:
        raise TranslationError("no `translation-of:` line in the front matter to update", path=display)
    newline = b"\r" if match.group(0).endswith(b"\r") else b""
    return data[:match.start()] + f"translation-of: {text_hash}".encode() + newline + data[match.end():]


def _yaml_text(text: str) -> str:
    """A title as a YAML scalar: double-quoted, with JSON's escapes (which YAML reads)."""
    import json

    return json.dumps(text, ensure_ascii=False)
