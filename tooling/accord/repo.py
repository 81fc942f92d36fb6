"""The accord repository: finding its root, its settings, and listing statements and partners."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .partners import Partner
    from .statement import Statement

from .errors import Problem, RepoError, StatementError, did_you_mean
from .fsutil import LINK_REFUSAL, refuse_links_under, register_repo_root
from .schema import NOT_AN_SSH_PUBLIC_KEY, SLUG, SSH_PUBLIC_KEY, build as from_schema, field as schema_field, schema_of
from .yamlio import LineDict, YAMLProblem, load_yaml, read_text_file

FORMATS = ("docx", "pdf", "html")

@dataclass(frozen=True)
class BuildSettings:
    """accord.yaml's `build:` map: what a build makes when no format is asked for."""

    schema_name = "build settings"

    formats: tuple[str, ...] = schema_field("list:text", "Formats `accord build` makes by default.", default=FORMATS,
                                            choices=FORMATS)
    embed_fonts: bool = schema_field("bool", "Embed the house fonts (templates/fonts), subset, in every DOCX accord "
                                     "writes.", key="embed-fonts", default=True)


@dataclass(frozen=True)
class ReleaseSettings:
    """accord.yaml's `release:` map."""

    schema_name = "release settings"

    languages: tuple[str, ...] = schema_field("list:text", "Language versions (statement.LANG.md) every release "
                                              "needs, each current.", default=())


@dataclass(frozen=True)
class Settings:
    """Repository-wide settings from accord.yaml."""

    schema_name = "accord.yaml"

    organization: str = schema_field("text", "The organization that publishes the texts.", default="Alliance")
    team: str = schema_field("text", "The team that drafts and records them.", default="Co-ordination Team")
    signatory_order: str = schema_field("text", "How signatories are ordered: the partners-order list first, or by "
                                        "name.", key="signatory-order", default="registry",
                                        choices=("registry", "alphabetical"))
    partners_order: tuple[str, ...] = schema_field("list:slug", "Partner ids in the order signatory lists print them.",
                                                   key="partners-order", default=())
    build: BuildSettings = schema_field("map", "Defaults for `accord build`.", of=BuildSettings,
                                        default_factory=BuildSettings)
    secretariat_keys: tuple[str, ...] = schema_field(
        "list:text", "SSH public keys of the secretariat, which may authorise key changes in partners/ (see "
        "accord.partners.authorise_registry).", key="secretariat-keys", default=(), pattern=SSH_PUBLIC_KEY,
        pattern_hint=NOT_AN_SSH_PUBLIC_KEY)
    portal_keys: tuple[str, ...] = schema_field(
        "list:text", "SSH public keys of the partner portal (`accord serve`): a record signed with one was attested "
        "by the portal for a signed-in partner user (evidence portal:AUDIT-ID).", key="portal-keys", default=(),
        pattern=SSH_PUBLIC_KEY, pattern_hint=NOT_AN_SSH_PUBLIC_KEY)
    timezone: str = schema_field("text", "The secretariat's time zone (IANA name, e.g. Europe/Vienna): round "
                                 "deadlines are in it.", default="UTC")
    release: ReleaseSettings = schema_field("map", "What `accord release` needs beside the ledger.",
                                            of=ReleaseSettings, default_factory=ReleaseSettings)

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats a build makes by default (an empty `formats:` list means all)."""
        return self.build.formats or FORMATS

    @property
    def embed_fonts(self) -> bool:
        return self.build.embed_fonts

    @property
    def release_languages(self) -> tuple[str, ...]:
        return self.release.languages


BUILD_SETTINGS = schema_of(BuildSettings)
RELEASE_SETTINGS = schema_of(ReleaseSettings)
SETTINGS = schema_of(Settings)


@dataclass
class Repo:
    """A content repository: statements/, partners/, templates/ and accord.yaml under one root."""

    root: Path
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        register_repo_root(self.root)  # every read of a file under root now refuses links

    @classmethod
    def find(cls, start: str | os.PathLike[str] | None = None) -> "Repo":
        """The repo at start, or the git top level above the working directory."""
        if start is not None:
            root = Path(start)
            if not root.is_dir():
                raise RepoError(f"{{repo}} {start}: no such directory", inputs=["repo"], value=start)
            root = root.resolve()
            outer = _enclosing_repository(root)
            if outer is not None:  # git would commit to the outer repository, into its ledger
                raise RepoError(f"{{repo}} {start}: is a folder inside the git repository {outer}, not a repository "
                                "of its own; pass the top level of an accord repository", inputs=["repo"], value=start)
            return cls(root)
        here = Path.cwd().resolve()
        for candidate in (here, *here.parents):
            if (candidate / ".git").exists():
                return cls(candidate)
        raise RepoError(f"not inside a git repository ({here}); run accord in an accord repository or pass {{repo}} DIR",
                       inputs=["repo"])

    # -- places -------------------------------------------------------------
    @cached_property
    def statements_dir(self) -> Path:  # made once: every statement's places start here
        return self.root / "statements"

    @property
    def partners_dir(self) -> Path:
        return self.root / "partners"

    @property
    def templates_dir(self) -> Path:
        """templates/, checked once to hold no symbolic link (pandoc and Typst read its files by name)."""
        folder = self.root / "templates"
        if "templates checked" not in self._cache:
            if os.path.lexists(folder):
                refuse_links_under(folder, self.root)
            self._cache["templates checked"] = True
        return folder

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def statement_dir(self, statement_id: str) -> Path:
        return self.statements_dir / statement_id

    def statement_file(self, statement_id: str) -> Path:
        return self.statements_dir.joinpath(statement_id, "statement.md")

    def endorsements_dir(self, statement_id: str) -> Path:
        return self.statements_dir.joinpath(statement_id, "endorsements")

    def rel(self, path: Path) -> str:
        """A path as shown to users: relative to the repo root, with forward slashes."""
        path = Path(path)
        try:  # paths made from root need no resolving (which costs a realpath per call)
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # -- listing ------------------------------------------------------------
    def statement_ids(self) -> list[str]:
        """Every folder under statements/ that holds a statement.md, sorted."""
        if not self.statements_dir.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(self.statements_dir)
                      if entry.is_dir() and os.path.exists(os.path.join(entry.path, "statement.md")))

    def resolve_ids(self, ids: tuple[str, ...] | list[str]) -> list[str]:
        """The ids asked for (all when none), each checked to exist; unknown ids raise with a hint."""
        known = self.statement_ids()
        if not ids:
            return known
        for statement_id in ids:
            self.require_statement(statement_id, known)
        return list(dict.fromkeys(ids))

    def require_statement(self, statement_id: str, known: list[str] | None = None) -> None:
        if not SLUG.fullmatch(statement_id):
            raise StatementError(f"'{statement_id}' is not a valid statement id (use a-z, 0-9 and '-', 2 to 63 characters)")
        folder = self.statement_dir(statement_id)
        # Asking about one statement looks at its folder alone: listing them all for each of a
        # thousand statements made status and check quadratic. The list is read for the hint only.
        exists = statement_id in known if known is not None else (
            os.path.isdir(folder) and os.path.exists(folder / "statement.md"))
        if not exists:
            known = self.statement_ids() if known is None else known
            raise StatementError(f"unknown statement '{statement_id}'{did_you_mean(statement_id, known)}")
        for path in (folder, folder / "statement.md", folder / "endorsements", folder / "reviews"):
            if os.path.islink(path):  # records and review logs would be written, and read, outside
                raise StatementError(LINK_REFUSAL, path=self.rel(path))

    # -- loading ------------------------------------------------------------
    def load_statement(self, statement_id: str, data: bytes | None = None) -> Statement:
        """The statement with this id, validated; StatementError if unknown or invalid.

        data: the file's bytes, when the caller has just read them (through read_repo_bytes)."""
        from .statement import load_statement

        self.require_statement(statement_id)
        path = self.statement_file(statement_id)
        statement = load_statement(path, self.rel(path), data)
        if statement.id != statement_id:
            raise StatementError(f"id '{statement.id}' differs from its folder '{statement_id}'",
                                 path=self.rel(path), line=_key_line(statement.front_matter, "id"))
        return statement

    def partners(self) -> dict[str, Partner]:
        """The partner registry by id; PartnerError on the first invalid file."""
        if "partners" not in self._cache:
            from .partners import load_partners

            self._cache["partners"] = load_partners(self.partners_dir, self.root)
        partners: dict[str, Partner] = self._cache["partners"]
        return partners

    @cached_property
    def settings(self) -> Settings:
        settings, problems = self.read_settings()
        if problems:
            raise problems[0].error(RepoError)
        return settings

    def read_settings(self) -> tuple[Settings, list[Problem]]:
        path = self.root / "accord.yaml"
        if not path.exists():
            return Settings(), []
        text, problem = read_text_file(path, "accord.yaml")
        if problem or text is None:
            return Settings(), [problem] if problem else []
        try:
            data = load_yaml(text)
        except YAMLProblem as exc:
            return Settings(), [Problem("accord.yaml", exc.line, exc.message)]
        values, problems = SETTINGS.validate(data, "accord.yaml", 1)
        if problems:
            return Settings(), problems
        # only a zone the file names is looked up: the default, UTC, needs no zoneinfo (6 ms of every build)
        if isinstance(data, LineDict) and "timezone" in data and not known_timezone(values["timezone"]):
            return Settings(), [Problem("accord.yaml", data.line_of("timezone", 1),
                                        f"unknown time zone '{values['timezone']}' (use an IANA name such as "
                                        "Europe/Vienna, or UTC)")]
        return from_schema(Settings, values), []


def _enclosing_repository(root: Path) -> Path | None:
    """The git repository that holds root as a subfolder, or None when root is a top level (or in no repository)."""
    if (root / ".git").exists():
        return None
    return next((parent for parent in root.parents if (parent / ".git").exists()), None)


def known_timezone(name: str) -> bool:
    """Whether zoneinfo knows this IANA time zone name."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _key_line(yaml_text: str, key: str) -> int:
    for number, line in enumerate(yaml_text.split("\n"), 2):
        if line.startswith(f"{key}:"):
            return number
    return 2
