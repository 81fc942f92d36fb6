"""The static site: an index with the statements × partners matrix, a page per statement and per partner.

Pages are plain HTML and one stylesheet, with relative links only, so the site works
opened from the file system and served from anywhere. No page carries a script, and a
Content-Security-Policy forbids them: the pages are accord.web's Jinja2 templates (site/),
which escape every piece of user text, a statement's own HTML goes through the allowlist
sanitizer, and the policy stops whatever a mistake would let through. This module gathers
what each page shows; the templates decide how it looks.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BuildError, UsageError
from .fsutil import LinkRefused, check_output_path, read_repo_bytes
from .history import release_tag
from .ledger.memo import ParseMemo
from .ledger.positions import Position
from .repo import Repo
from .statement import Statement

if TYPE_CHECKING:
    from .ledger.gate import LedgerStatus
    from markupsafe import Markup

SITE_MARKER = ".accord-site"

PARTNER_KIND_LABELS = {
    "igo": "Inter-governmental organization",
    "ngo": "Non-governmental organization",
    "state": "State",
    "partner-state": "Partner State",
    "other": "Other",
}
POSITION_LABELS = {position.value: position.label for position in Position}
POSITION_MARKS = {**{position.value: position.mark for position in Position}, "invited": "…"}


# -- what the pages show ----------------------------------------------------------

@dataclass(frozen=True)
class StatementView:
    """A statement as its page shows it: where it stands in the ledger, and its releases found in dist/."""

    status: LedgerStatus
    releases: tuple

    @property
    def statement(self) -> Statement:
        statement = self.status.statement
        assert isinstance(statement, Statement)  # a view is made from the whole text (statement_view)
        return statement

    @cached_property
    def standings(self) -> dict:
        return {standing.partner: standing for standing in self.status.standings}

    @property
    def counting(self) -> int:
        return sum(1 for standing in self.status.standings if standing.counting)

    tagged: bool = False  # whether the release tag of the statement's version is in this clone

    @property
    def latest_version(self) -> int | None:
        return self.releases[-1].version if self.releases else self.statement.version


@dataclass(frozen=True)
class SiteResult:
    """Where the site went, the pages written, and how many statements and partners they cover."""

    out_dir: Path
    pages: tuple[Path, ...]
    statements: int
    partners: int


def statement_view(repo: Repo, statement_id: str, memo: ParseMemo | None = None) -> StatementView:
    """Everything a statement's page shows, read from the text, the ledger and dist/ (the records through memo)."""
    from .ledger import ledger_status
    from .release import read_releases

    from .history import release_tags

    statement = repo.load_statement(statement_id)
    status = ledger_status(repo, statement, memo=memo)
    releases = tuple(read_releases(repo, statement_id))
    tagged = bool(statement.version) and not releases and any(
        version == statement.version for version, _tag in release_tags(repo.root, statement_id))
    return StatementView(status, releases, tagged)


# -- the site ---------------------------------------------------------------------

def build_site(repo: Repo, out_dir: Path | None = None) -> SiteResult:
    """Write the whole site into out_dir (default: site/), replacing a previous site there and nothing else."""
    out_dir = Path(out_dir or repo.root / "site").absolute()
    _check_target(repo, out_dir)
    partners = ordered_partners(repo)
    memo = ParseMemo.open(repo)  # records parsed by status before are not parsed again, nor those parsed here
    views = [statement_view(repo, statement_id, memo) for statement_id in repo.statement_ids()]
    memo.save(complete=False)
    assets = _read_layout(repo)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as exc:
        raise UsageError(f"-o {out_dir}: cannot write there: {exc.strerror or exc}") from None
    try:
        pages = _write_site(repo, staging, views, partners, assets)
        (staging / SITE_MARKER).write_text("written by `accord site`; the whole folder is replaced on each run\n")
        _replace_folder(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteResult(out_dir, tuple(out_dir / page.relative_to(staging) for page in pages), len(views), len(partners))


def ordered_partners(repo: Repo) -> dict:
    """The partners in the order `accord status` shows them: `partners-order` of accord.yaml first,
    then the others alphabetically by their short name."""
    partners = repo.partners()
    order = {pid: index for index, pid in enumerate(repo.settings.partners_order)}
    ranked = sorted(partners.values(), key=lambda p: (order.get(p.id, len(order)), p.label.casefold()))
    return {partner.id: partner for partner in ranked}


def _check_target(repo: Repo, out_dir: Path) -> None:
    check_output_path(repo.root, out_dir, repo.rel(out_dir), folder=True, own_folder=out_dir == repo.root / "site")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{repo.rel(out_dir)} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).exists():
        raise UsageError(f"{repo.rel(out_dir)} is not empty and holds no accord site; choose another folder with -o DIR")
    if out_dir == repo.root.absolute() or out_dir in repo.root.absolute().parents:
        raise UsageError(f"{out_dir} holds the repository; choose another folder with -o DIR")


def _replace_folder(staging: Path, out_dir: Path) -> None:
    """Swap the new site into place so that a reader never sees half of one."""
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
        os.replace(out_dir, old / "site")
        os.replace(staging, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


def _read_layout(repo: Repo) -> dict[str, bytes]:
    """The assets of every page: accord's stylesheet, then the repository's own files in templates/site/
    (icon, logos, or a stylesheet of its own in place of accord's), copied as they are."""
    assets = {"style.css": resources.files("accord.web").joinpath("static/site.css").read_bytes()}
    folder = repo.templates_dir / "site"
    try:
        if folder.is_dir():
            assets.update((path.name, read_repo_bytes(path)) for path in sorted(folder.iterdir())
                          if path.is_file() and not path.name.startswith("."))
    except LinkRefused:
        raise
    except OSError as exc:
        raise BuildError(f"cannot read the site template: {repo.rel(Path(exc.filename))}: {exc.strerror}") from None
    return assets


def _write_site(repo: Repo, staging: Path, views: list[StatementView], partners: dict,
                assets: dict[str, bytes]) -> list[Path]:
    from .web import render

    settings = repo.settings
    made = _made(repo)

    def page(relpath: str, title: str, template: str, language: str = "en", **content) -> Path:
        text = render(f"site/{template}", lang=language, title=title, root="../" * relpath.count("/"),
                      organization=settings.organization, team=settings.team, made=made, **content)
        path = staging / relpath
        _write_staged(path, text.encode("utf-8"))
        return path

    for name, data in assets.items():
        _write_staged(staging / "assets" / name, data)
    pages = [page("index.html", f"Statements · {settings.organization}", "index.html.j2", **_index(views, partners))]
    for view in views:
        statement = view.statement
        redlines = {}
        for older, newer in zip(view.releases, view.releases[1:]):
            redline = _redline_page(repo, statement, older, newer)
            if redline is not None:
                name = f"redlines/{statement.id}-v{older.version}-v{newer.version}.html"
                _write_staged(staging / name, redline.encode("utf-8"))
                pages.append(staging / name)
                redlines[newer.version] = name
        versions = _language_versions(repo, statement)
        links = _version_links(statement, versions)
        pages.append(page(f"statements/{statement.id}.html", statement.title, "statement.html.j2", statement.language,
                          languages=links, **_statement_page(view, partners, _body_html(statement), redlines)))
        for translation in versions:
            version = translation.version_of(statement)
            pages.append(page(f"statements/{statement.id}.{translation.language}.html", version.title,
                              "translation.html.j2", translation.language, languages=links,
                              **_translation_page(statement, translation, _body_html(version))))
        for release in view.releases:
            _copy_release(release, staging / "dist" / statement.id / f"v{release.version}")
    for partner in partners.values():
        pages.append(page(f"partners/{partner.id}.html", partner.name, "partner.html.j2", **_partner_page(partner, views)))
    return pages


def _write_staged(path: Path, data: bytes) -> None:
    """A file of the site in its staging folder: no one sees that folder until it replaces the old site whole
    (_replace_folder), so a plain write does what write_atomic's temporary file and fsync per page did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _language_versions(repo: Repo, statement: Statement) -> list:
    """The statement's language versions (accord/i18n/translations.py), each valid, or TranslationError."""
    from .i18n.translations import load_translations

    return load_translations(repo, statement)


def _version_links(statement: Statement, translations: list) -> list[tuple[str, str, str]]:
    """(language, page, title) of every language version, the source first; [] when it has none."""
    if not translations:
        return []
    return [(statement.language, f"{statement.id}.html", statement.title),
            *((t.language, f"{statement.id}.{t.language}.html", t.title) for t in translations)]


def _translation_page(statement: Statement, translation, body) -> dict:
    """What a language version's page shows: what it renders (current or stale), and its text."""
    renders = ("the current source text" if translation.is_current(statement) else
               f"source text {translation.translation_of[:12]}, not the current {statement.text_sha256[:12]}: "
               "stale until its translator carries over the changes")
    return {"heading": translation.title, "translation_status": translation.translation_status, "renders": renders,
            "source_href": f"{statement.id}.html", "source_language": statement.language,
            "source_title": statement.title, "body": body}


def _made(repo: Repo) -> str:
    from .history import head_commit

    commit = head_commit(repo.root)
    return f"from commit {commit[:12]}" if commit else "from an uncommitted repository"


def _copy_release(release, target: Path) -> None:
    from .release import CHECKSUMS, MANIFEST

    target.mkdir(parents=True, exist_ok=True)
    for name in (*(f.name for f in release.files), MANIFEST, CHECKSUMS):
        source = release.folder / name
        if source.is_file():
            data = read_repo_bytes(source)
            if name.endswith(".html"):  # the site serves it beside its own pages: no script may run in it
                from .render.html import with_content_security_policy

                data = with_content_security_policy(data)
            _write_staged(target / name, data)


# -- what each page shows (templates in accord/web/templates/site/ lay it out) -----

def _index(views: list[StatementView], partners: dict) -> dict:
    statements = [{"id": view.statement.id, "title": view.statement.title, "symbol": view.statement.symbol or "—",
                   "kind": view.statement.kind_label, "status": view.statement.status,
                   "version": f"v{view.latest_version}" if view.latest_version else "—",
                   "summary": _endorsement_summary(view)}
                  for view in views]
    matrix = [{"id": view.statement.id, "title": view.statement.running_title,
               "cells": [_cell(view, partner_id) for partner_id in partners]}
              for view in views]
    legend = [(kind, POSITION_MARKS[kind], label, False)
              for kind, label in (*POSITION_LABELS.items(), ("invited", "invited, no response yet"))]
    legend.append(("endorse", POSITION_MARKS["endorse"], "taken on an earlier text", True))
    return {"statements": statements, "matrix": matrix, "legend": legend, "partners": list(partners.values())}


def _cell(view: StatementView, partner_id: str) -> dict | None:
    if partner_id in view.standings:
        return _standing_badge(view.standings[partner_id], compact=True)
    if partner_id in view.status.pending:
        if view.statement.status == "published":
            return _badge("none", "·", title="no position recorded before the release")
        return _badge("invited", POSITION_MARKS["invited"], title="invited, no response yet")
    return None


def _badge(kind: str, label: str, *, stale: bool = False, title: str | None = None) -> dict:
    return {"kind": kind, "label": label, "stale": stale, "title": title}


def _standing_badge(standing, *, compact: bool = False) -> dict:
    """A position as a coloured badge: its words, or in the matrix its mark with the words as a tooltip."""
    record = standing.record
    label = POSITION_LABELS[record.position]
    text = "the current text" if standing.current else "an earlier text"
    title = f"{label}, {record_date_phrase(record)}, on {text}, {_VOUCHED[standing.vouched]}"
    return _badge(record.position, POSITION_MARKS[record.position] if compact else label,
                  stale=not standing.current, title=title)


_VOUCHED = {"signed": "signed", "portal": "signed by the partner portal", "attested": "attested"}


def record_date(record):
    """The date a position was taken: the record's `date` (a letter's, for positions from before the
    tool) when it has one, else the day it was recorded."""
    return getattr(record, "date", None) or record.recorded_at


def record_date_phrase(record) -> str:
    date = getattr(record, "date", None)
    return f"dated {date.isoformat()}" if date else f"recorded {record.recorded_at.isoformat()}"


def _endorsement_summary(view: StatementView) -> dict:
    """The count of current positions; `met` (the gate's verdict) is None on a published statement."""
    policy = view.statement.endorsement
    text = counting_phrase(view.status.standings, len(policy.invited))
    met = None if view.statement.status == "published" else view.status.gate.ok
    return {"text": text, "met": met, "threshold": policy.threshold}


def counting_phrase(standings, invited: int) -> str:
    """What the count counts: `5 endorsements and 1 no-objection of 12 invited` (current positions only)."""
    current = [s for s in standings if s.counting]
    endorsements = sum(1 for s in current if s.record.position.endorsing)
    no_objections = sum(1 for s in current if s.record.position == Position.NO_OBJECTION)
    parts = [f"{endorsements} endorsement{'s' if endorsements != 1 else ''}"]
    if no_objections:
        parts.append(f"{no_objections} no-objection{'s' if no_objections != 1 else ''}")
    text = " and ".join(parts)
    return f"{text} of {invited} invited" if invited else text


def _statement_page(view: StatementView, partners: dict, body: Markup, redlines: dict[int, str]) -> dict:
    """The facts (name, kind, value: kind says how the template shows the value), positions, releases and text."""
    statement = view.statement
    facts: list[tuple[str, str, object]] = [("Symbol", "text", statement.symbol or "—"), ("Kind", "text", statement.kind_label),
             ("Status", "status", statement.status), ("Date", "text", statement.date.isoformat()),
             ("Language", "text", statement.language)]
    if view.latest_version:
        facts.append(("Latest release", "text", f"v{view.latest_version}"))
    if statement.drafters:
        facts.append(("Drafted by", "text", ", ".join(statement.drafters)))
    facts.append(("Text SHA-256", "hash", statement.text_sha256))
    facts.append(("Endorsements", "summary", _endorsement_summary(view)))
    if statement.endorsement.required:
        labels = view.status.labels
        facts.append(("Required", "text", ", ".join(labels.get(pid, pid) for pid in statement.endorsement.required)))
    gate = view.status.gate
    if statement.status == "published":
        release = view.releases[-1] if view.releases else None
        when = release.published if release else (statement.published.isoformat() if statement.published else None)
        facts.append(("Ledger", "text", f"published as v{view.latest_version}" + (f" on {when}" if when else "")
                      if view.latest_version else "published"))
    elif gate.ok:
        facts.append(("Ledger", "text", "the required partners and the threshold hold current positions"))
    else:
        facts.append(("Ledger", "problems", list(gate.problems)))
    return {"heading": statement.title, "facts": facts, "columns": POSITION_COLUMNS,
            "positions": _positions(view, partners), "releases": _releases(view, redlines),
            "no_releases": _no_releases(view), "text_language": statement.language, "body": body}


POSITION_COLUMNS = ("Position", "Taken on", "Signatory", "Recorded", "Evidence", "Reservations")


def _position_cells(standing) -> dict:
    record = standing.record
    evidence = "signed" if standing.signed else "attested"
    if record.evidence and record.evidence.kind not in ("none", "ssh-signature"):
        evidence += f" ({record.evidence.kind})"
    return {"standing": True, "badge": _standing_badge(standing),
            "taken_on": "the current text" if standing.current else "an earlier text",
            "signatory": record.signatory, "date": record_date(record).isoformat(), "evidence": evidence,
            "reservations": _reservations(record)}


def _no_position_cells(published: bool = False) -> dict:
    badge = (_badge("none", "no position before the release") if published
             else _badge("invited", "invited, no response yet"))
    return {"standing": False, "badge": badge, "blanks": len(POSITION_COLUMNS) - 1}


def _positions(view: StatementView, partners: dict) -> list[dict]:
    required = set(view.statement.endorsement.required)
    rows = []
    for standing in view.status.standings:
        rows.append({"partner": _partner_link(partners, standing.partner, standing.partner in required),
                     **_position_cells(standing)})
    for partner_id in view.status.pending:
        rows.append({"partner": _partner_link(partners, partner_id, partner_id in required),
                     **_no_position_cells(view.statement.status == "published")})
    return rows


def _partner_link(partners: dict, partner_id: str, required: bool) -> dict:
    partner = partners.get(partner_id)
    return {"id": partner_id, "name": partner.name if partner else None, "required": required}


def _reservations(record) -> list[dict]:
    from .labels import anchor

    page = f"../statements/{record.statement}.html"
    return [{"paragraph": item.paragraph, "text": item.text,
             "href": f"{page}#text-{anchor(str(item.paragraph))}" if item.paragraph else None}
            for item in record.reservations or ()]


def _no_releases(view: StatementView) -> str:
    version = view.statement.version
    if version:
        published = f" on {view.statement.published.isoformat()}" if view.statement.published else ""
        tag = release_tag(view.statement.id, version)
        where = (f"its files are not in dist/ here (`accord release {view.statement.id} --rebuild {version}` "
                 f"writes them from the tag {tag})" if view.tagged else
                 "released before accord kept releases: there is no tag or dist/ folder for it")
        return f"Released as v{version}{published}; {where}."
    return "Not released yet."


def _releases(view: StatementView, redlines: dict[int, str]) -> list[dict]:
    """The releases, newest first, with their downloads and the redline from the one before."""
    rows = []
    previous = None
    for release in view.releases:
        rows.append({"version": release.version, "published": release.published, "commit": release.commit,
                     "endorsers": ", ".join(e.short or e.name for e in release.endorsers) or "—",
                     "base": f"../dist/{view.statement.id}/v{release.version}/", "files": release.files,
                     "redline": redlines.get(release.version), "previous": previous.version if previous else None})
        previous = release
    return list(reversed(rows))


def _partner_page(partner, views: list[StatementView]) -> dict:
    facts = [("Short name", "text", partner.short or "—"),
             ("Kind", "text", PARTNER_KIND_LABELS.get(partner.kind, partner.kind))]
    if partner.signers:
        facts.append(("May sign", "text",
                      ", ".join(f"{s.name}, {s.title}" if s.title else s.name for s in partner.signers)))
    rows = []
    for view in views:
        link = {"statement_id": view.statement.id, "statement_title": view.statement.title}
        standing = view.standings.get(partner.id)
        if standing is not None:
            rows.append({**link, **_position_cells(standing)})
        elif partner.id in view.status.pending:
            rows.append({**link, **_no_position_cells(view.statement.status == "published")})
    return {"heading": partner.name, "facts": facts, "columns": POSITION_COLUMNS, "positions": rows}


REDLINE_POLICY = ('<meta http-equiv="Content-Security-Policy" '
                  """content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'">""")


def _redline_page(repo: Repo, statement: Statement, older, newer) -> str | None:
    """`accord diff --format html` between two releases, or None when their tags are not in this clone."""
    from .errors import GitError
    from .redline.versions import diff_statement, render_statement_diff

    try:
        diff = diff_statement(repo, statement.id, from_rev=older.tag, to_rev=newer.tag)
    except GitError:
        return None
    page = render_statement_diff(repo, diff, "html")
    assert isinstance(page, str)  # html is text (only docx is bytes)
    # The page escapes every text itself; the policy forbids scripts should anything slip through.
    return page.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + REDLINE_POLICY, 1)


# -- the statement text -----------------------------------------------------------

def _body_html(statement: Statement) -> Markup:
    """The text as HTML, read as the official builds read it but with raw blocks always off."""
    from .render.source import LABELS_FILTER, READER
    from .labels import filter_settings, statement_labels
    from .pandoc import run_pandoc_cached
    from .web import sanitize_html

    labels = statement_labels(statement)
    label_args = [f"--lua-filter={LABELS_FILTER}"] if labels.units else []
    fragment = run_pandoc_cached(["-f", READER, "-t", "html5", "--wrap=none", "--id-prefix", "text-", *label_args],
                          statement.body, what="pandoc (site HTML)",
                          env={"ACCORD_LABELS": filter_settings(labels, statement.numbered_paragraphs, "site")})
    return sanitize_html(fragment.decode("utf-8"))
