"""Statements: the front matter schema, parsing, validation, and the canonical text and its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from functools import cached_property
from pathlib import Path
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .blockrules import markdown_blocks
from .criticmarkup import find_markers
from .errors import Problem, StatementError
from .i18n.tags import language_problem
from .schema import build, field, schema_of
from .yamlio import MAX_FILE_BYTES, LineDict, YAMLProblem, decode_text, load_yaml, read_text_file

if TYPE_CHECKING:
    from .ledger.records import Record
    from .repo import Repo

KINDS = ("joint-statement", "recommendations")
STATUSES = ("draft", "consultation", "final", "published", "withdrawn")
FINAL_STATUSES = ("final", "published")
RAW_FORMATS = ("openxml", "typst", "html", "latex")
KIND_LABELS = {"joint-statement": "Joint Statement", "recommendations": "Recommendations"}

@dataclass(frozen=True)
class EndorsementPolicy:
    """Who is invited, who is required, and how many counting positions a release needs."""

    schema_name = "endorsement"

    invited: tuple[str, ...] = field("list:slug", "Partner ids asked to endorse the text.", default=())
    required: tuple[str, ...] = field("list:slug", "Partners that must hold a counting position on the current text.",
                                      default=())
    threshold: int = field("int", "Distinct partners with counting positions needed, at least.", default=1, minimum=0)


@dataclass(frozen=True)
class Statement:
    """A statement as read from statements/<id>/statement.md.

    The front matter's fields are declared in the order of the file's schema, which is also the order
    problems are reported in; those a statement may lack, and its body, are keyword-only, so the
    constructor reads Statement(id, title, kind, status, date, body=..., ...).
    """

    schema_name = "statement front matter"

    id: str = field("slug", "The statement id; equals its folder name.", required=True)
    symbol: str | None = field("text", "The official document symbol, e.g. AECT/JS/2010/1.", default=None,
                               kw_only=True)
    title: str = field("text", "The full title; part of the endorsed text.", required=True)
    short_title: str | None = field("text", "A short title for running headers; defaults to the title.",
                                    key="short-title", default=None, kw_only=True)
    kind: str = field("text", "What the text is.", required=True, choices=KINDS)
    status: str = field("text", "Where the text is in its life.", required=True, choices=STATUSES)
    date: dt.date = field("date", "The date the text bears (YYYY-MM-DD).", required=True)
    language: str = field("text", "BCP 47 language tag of the text.", default="en", kw_only=True)
    drafters: tuple[str, ...] = field("list:text", "People who drafted the text.", default=(), kw_only=True)
    endorsement: EndorsementPolicy = field("map", "Who is asked to endorse and what a release needs.",
                                           of=EndorsementPolicy, default_factory=EndorsementPolicy, kw_only=True)
    numbered_paragraphs: bool = field("bool", "Number body paragraphs 1, 2, 3 ... across headings.",
                                      key="numbered-paragraphs", default=False, kw_only=True)
    allow_raw: tuple[str, ...] = field("list:text", "Raw blocks of these formats are allowed in the body.",
                                       key="allow-raw", default=(), choices=RAW_FORMATS, kw_only=True)
    # None: accord.yaml's `release: languages`
    release_languages: tuple[str, ...] | None = field(
        "list:text", "Language versions (statement.LANG.md) a release needs, each current; replaces "
        "`release: languages` of accord.yaml for this text ([] needs none).", key="release-languages", default=None,
        kw_only=True)
    version: int | None = field("int", "The release number, set by `accord release`.", minimum=1, default=None,
                                kw_only=True)
    published: dt.date | None = field("date", "The release date, set by `accord release`.", default=None,
                                      kw_only=True)
    # keyword-only too: mypy takes every schema field for one with a default
    body: str = dc_field(kw_only=True)
    path: Path | None = None
    body_line: int = 1
    front_matter: str = ""
    # The parsed front matter with the line of every key and item, for checks that name a place.
    front_matter_tree: dict[str, Any] | None = dc_field(default=None, compare=False, repr=False)
    # Commits at which the publishing fields were as they are now (set by with_earlier_bindings).
    fields_unchanged_since: frozenset[str] = dc_field(default=frozenset(), compare=False, repr=False)

    @property
    def is_draft(self) -> bool:
        return self.status not in FINAL_STATUSES

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def running_title(self) -> str:
        return self.short_title or self.title

    @cached_property
    def canonical_text(self) -> str:
        return canonical_text(self.title, self.body)

    @cached_property
    def publishing(self) -> dict[str, Any]:
        """The front-matter fields beside the title that change what is published (see PUBLISHING_FIELDS)."""
        return publishing_fields(self.short_title, self.allow_raw, self.numbered_paragraphs, self.title)

    @cached_property
    def text_sha256(self) -> str:
        """The hash a position binds to: the canonical text, and the publishing fields when any is set."""
        return _hash(self.canonical_text, self.publishing)

    @cached_property
    def title_and_body_sha256(self) -> str:
        """The hash of the canonical text alone: what every record made before the publishing fields counted."""
        return _hash(self.canonical_text, {}) if self.publishing else self.text_sha256

    def binds(self, text_hash: str, commit: str | None = None) -> bool:
        """Whether a position taken on text_hash (at commit) is a position on this text as it would be published.

        A record made on the title-and-body hash (every record made before the publishing
        fields were hashed, and any made while the text had none) binds while the fields
        are as they were at the record's commit: see earlier_bindings.
        """
        return text_hash == self.text_sha256 or (
            commit is not None and text_hash == self.title_and_body_sha256 and commit in self.fields_unchanged_since)

ENDORSEMENT_POLICY = schema_of(EndorsementPolicy)
FRONT_MATTER = schema_of(Statement)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split '---' front matter from the body: (yaml, body, first body line), or None."""
    if not text.startswith("---\n"):
        return None
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        return None
    yaml_text = text[4:4 + end.start()]
    rest = text[4 + end.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    body_line = yaml_text.count("\n") + 3
    return yaml_text, body, body_line


def read_front_matter(text: str, display: str) -> tuple[tuple[Any, str, str, int] | None, list[Problem]]:
    """(front matter as YAML data and as text, body, the body's first line) of a statement or a language version,
    or None and the one problem that stops reading it."""
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(display, 1, "no front matter: the file must start with a '---' line, "
                                          "then YAML, then a closing '---' line")]
    yaml_text, body, body_line = parts
    try:
        data = load_yaml(yaml_text, line_offset=1)
    except YAMLProblem as problem:
        return None, [Problem(display, problem.line, problem.message)]
    if data is None:
        return None, [Problem(display, 1, "front matter is empty")]
    return (data, yaml_text, body, body_line), []


def parse_statement(text: str, display: str, path: Path | None = None) -> tuple[Statement | None, list[Problem]]:
    """Parse and validate a statement's text; all problems are returned, none raised."""
    found, problems = read_front_matter(text, display)
    if found is None:
        return None, problems
    data, yaml_text, body, body_line = found
    values, problems = FRONT_MATTER.validate(data, display, 2)
    language = language_problem(values["language"])
    if language:  # refused here, so that no command builds or records a text in a language the PDF cannot set
        problems.append(Problem(display, data.line_of("language", 1) if isinstance(data, LineDict) else 1, language))
    if problems:
        return None, problems
    statement = build(Statement, values, body=body, path=path, body_line=body_line, front_matter=yaml_text,
                      front_matter_tree=data)
    return statement, []


def load_statement(path: Path, display: str | None = None, data: bytes | None = None) -> Statement:
    """Read a statement file or raise StatementError naming the first problem.

    data: the file's bytes, when the caller has read them through read_repo_bytes (which refuses links)."""
    display = display or str(path)
    if data is not None and len(data) <= MAX_FILE_BYTES:
        text, problem = decode_text(data, display)
    else:
        text, problem = read_text_file(path, display)
    if problem or text is None:
        raise (problem or Problem(display, None, "file is empty")).error(StatementError)
    statement, problems = parse_statement(text, display, path)
    if problems or statement is None:
        raise problems[0].error(StatementError)
    return statement


def statement_from_bytes(data: bytes, display: str) -> Statement:
    """Parse a statement from bytes (e.g. a file at a git revision), raising on any problem."""
    text, problem = decode_text(data, display)
    if problem or text is None:
        raise (problem or Problem(display, None, "file is empty")).error(StatementError)
    statement, problems = parse_statement(text, display)
    if problems or statement is None:
        raise problems[0].error(StatementError)
    return statement


# -- canonical text ---------------------------------------------------------------

_WS = re.compile(r"\s+")


def canonical_text(title: str, body: str) -> str:
    """The endorsed text: NFC, title then body blocks, whitespace collapsed, one blank line between."""
    title = _WS.sub(" ", unicodedata.normalize("NFC", title)).strip()
    body = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    return "\n\n".join([title, *markdown_blocks(body)]) + "\n"


# -- the text hash ----------------------------------------------------------------

# Front-matter fields that change what is published, beside the title (which opens the canonical
# text): the running header, raw blocks that turn code into live HTML/Typst/OOXML, paragraph
# numbers. Each is hashed only when it differs from its default, so that a statement without
# them keeps the hash of its canonical text alone. Not covered: status, version, published and
# date (set by the release, which must not stale what it publishes), symbol, kind, language,
# drafters and the endorsement policy (furniture and process, not the endorsed text).
PUBLISHING_FIELDS = ("short-title", "allow-raw", "numbered-paragraphs")


def publishing_fields(short_title: str | None, allow_raw: Iterable[str], numbered_paragraphs: bool,
                      title: str) -> dict[str, Any]:
    """The publishing fields that differ from their defaults, in canonical form."""
    fields: dict[str, Any] = {}
    if short_title is not None:
        short = _WS.sub(" ", unicodedata.normalize("NFC", short_title)).strip()
        if short != _WS.sub(" ", unicodedata.normalize("NFC", title)).strip():
            fields["short-title"] = short
    if allow_raw:
        fields["allow-raw"] = sorted(set(allow_raw))
    if numbered_paragraphs:
        fields["numbered-paragraphs"] = True
    return fields


def _hash(canonical: str, publishing: dict[str, Any]) -> str:
    """SHA-256 of the canonical text, preceded, when any publishing field is set, by those fields.

    The fields come first as one JSON line ended by a NUL byte; no text can contain NUL, so
    no body, however written, hashes like another body with different fields.
    """
    if not publishing:
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    import json

    head = json.dumps(publishing, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"accord-publishing {head}\0{canonical}".encode("utf-8")).hexdigest()


def text_sha256(title: str, body: str, publishing: dict[str, Any] | None = None) -> str:
    return _hash(canonical_text(title, body), publishing or {})


def with_earlier_bindings(repo: Repo, statement: Statement, records: Iterable[Record]) -> Statement:
    """The statement, knowing at which of the records' commits its publishing fields were as they are now.

    A record on the title-and-body hash was made when the publishing fields were not
    hashed (or the text had none). It still binds if, at the commit it names, the text
    had this title and body and these same fields; a field added or changed since then
    (a short title, `allow-raw`) makes it stale, as a changed word would.
    """
    import dataclasses

    legacy = statement.title_and_body_sha256
    if legacy == statement.text_sha256:
        return statement
    commits = sorted({str(record.commit) for record in records
                      if record.text_sha256 == legacy and record.commit and _COMMIT.fullmatch(str(record.commit))})
    if not commits:
        return statement
    at_commits = _publishing_at(repo.root, commits, f"statements/{statement.id}/statement.md")
    unchanged = frozenset(commit for commit in commits if at_commits.get(commit) == [legacy, statement.publishing])
    return dataclasses.replace(statement, fields_unchanged_since=unchanged)


_COMMIT = re.compile(r"[0-9a-f]{7,40}")
_PUBLISHING_CACHE: dict[str, dict[str, Any]] = {}


def _publishing_at(root: Path, commits: list[str], relpath: str) -> dict[str, list[Any] | None]:
    """[title-and-body hash, publishing fields] of the statement file at each commit (None where unreadable).

    Commits never change, so answers are kept in .git/accord/publishing-at.json: status
    and check stay at one git process for all the commits they have not seen before.
    """
    import json

    from .fsutil import write_atomic
    from .history import read_blobs

    cache_path = root / ".git" / "accord" / "publishing-at.json"
    cache = _PUBLISHING_CACHE.get(str(root))
    if cache is None:
        try:
            cache = json.loads(cache_path.read_bytes()) if (root / ".git").is_dir() else {}
        except (OSError, ValueError):
            cache = {}
        cache = cache if isinstance(cache, dict) else {}
        _PUBLISHING_CACHE[str(root)] = cache
    keys = {commit: f"{commit}:{relpath}" for commit in commits}
    unseen = [key for key in keys.values() if key not in cache]
    if unseen:
        blobs = read_blobs(root, unseen)
        for key in unseen:
            found = publishing_of(blobs[key]) if key in blobs else None
            cache[key] = list(found[:2]) if found else None
        if (root / ".git").is_dir():
            try:
                write_atomic(cache_path, json.dumps(cache, sort_keys=True))
            except OSError:
                pass  # only speed is lost
    return {commit: cache.get(key) for commit, key in keys.items()}


def publishing_of(data: bytes) -> tuple[str, dict[str, Any], str] | None:
    """(title-and-body hash, publishing fields, full hash) of a statement file's bytes, read leniently
    (only the title must be there, as in an old version); None if unreadable."""
    text, problem = decode_text(data, "statement")
    parts = split_front_matter(text) if text is not None else None
    if parts is None:
        return None
    yaml_text, body, _ = parts
    try:
        front = load_yaml(yaml_text)
    except YAMLProblem:
        return None
    if not isinstance(front, dict) or front.get("title") is None:
        return None
    title = str(front["title"])
    listed = front.get("allow-raw")
    allow_raw = listed if isinstance(listed, list) else []
    short_title = front.get("short-title")
    publishing = publishing_fields(None if short_title is None else str(short_title), [str(f) for f in allow_raw],
                                   front.get("numbered-paragraphs") is True, title)
    canonical = canonical_text(title, body)
    return _hash(canonical, {}), publishing, _hash(canonical, publishing)


def endorsable_hashes(data: bytes) -> set[str]:
    """The hashes a position on this statement file (e.g. at an old commit) may carry: the full hash, and the
    title-and-body hash of a record made before the publishing fields were hashed. Empty if unreadable."""
    found = publishing_of(data)
    return {found[0], found[2]} if found else set()


# -- link targets that run code -------------------------------------------------------

SCRIPT_SCHEMES = ("javascript", "vbscript", "data")
SCRIPT_LINK_REFUSAL = ("is not allowed: javascript:, vbscript: and data: links run code or hide content "
                       "where the text is read (browsers, Word)")
_LINK_TARGETS = (
    re.compile(r"\]\(\s*<([^>\n]*)>"),                    # [text](<target>)
    re.compile(r"\]\(\s*((?:[^\s()]|\([^\s()]*\))+)"),     # [text](target "title"), parentheses balanced
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)"),       # [ref]: target
    re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*)>"),  # <scheme:target>
)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]+")


def script_scheme(target: str) -> str | None:
    """The scheme of a link target when it is one that runs code (read as a browser reads it), else None."""
    import html

    for candidate in (target, html.unescape(target)):
        compact = _CONTROL_OR_SPACE.sub("", candidate).lower()
        scheme = compact.split(":", 1)[0] if ":" in compact else ""
        if scheme in SCRIPT_SCHEMES:
            return scheme
    return None


def script_links(body: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, target) of every link in a Markdown body whose target runs code, in order.

    A quick scan of the source for `check`; the build's filter judges the links
    pandoc actually reads, so a link this scan misses is still refused there.
    """
    found = []
    for number, line in enumerate(body.split("\n"), first_line):
        if ":" not in line and "&" not in line:
            continue
        for pattern in _LINK_TARGETS:
            for match in pattern.finditer(line):
                if script_scheme(match.group(1)):
                    found.append((number, match.group(1)))
    return sorted(dict.fromkeys(found), key=lambda item: item[0])


def shown_target(target: str) -> str:
    """A link target as an error message may print it: control characters made visible, at most 60 characters."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in target)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def may_hold_script_links(body: str) -> bool:
    """Whether a body could hold a link that runs code once pandoc decodes it (entities, escapes, spaces)."""
    if "&" in body:  # an entity needs one; without, the html module (its 2,000 entities) is not loaded
        import html

        body = html.unescape(body)
    compact = _CONTROL_OR_SPACE.sub("", body.replace("\\", "")).lower()
    return any(f"{scheme}:" in compact for scheme in SCRIPT_SCHEMES)


# -- conflict markers -----------------------------------------------------------------

def conflict_marker_problems(text: str, display: str) -> list[Problem]:
    """`check`'s findings for a statement file's whole text: one problem per marked line."""
    return [Problem(display, marker.line, marker.what) for marker in find_markers(text)]


def require_no_conflict_markers(statement: Statement, display: str) -> None:
    """Refuse a statement whose title or body holds a conflict marker, naming the first one's line."""
    found = find_markers(statement.front_matter, 2) + find_markers(statement.body, statement.body_line)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise StatementError(found[0].what + more, path=display, line=found[0].line)
