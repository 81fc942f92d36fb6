"""The static site: an index with the statements × partners matrix, a page per statement and per partner.

Pages are plain HTML and one stylesheet, with relative links only, so the site works
opened from the file system and served from anywhere. No page carries a script, and a
Content-Security-Policy forbids them: every piece of user text is escaped on the way in,
and the policy stops whatever an escaping mistake would let through.
"""

from __future__ import annotations

import html
import os
import shutil
import string
import tempfile
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

from .i18n.tags import is_rtl
from .errors import BuildError, UsageError
from .fsutil import LinkRefused, check_output_path, read_repo_bytes, write_atomic
from .repo import Repo
from .statement import Statement

SITE_MARKER = ".accord-site"

PARTNER_KIND_LABELS = {
    "igo": "Inter-governmental organization",
    "ngo": "Non-governmental organization",
    "state": "State",
    "partner-state": "Partner State",
    "other": "Other",
}
POSITION_LABELS = {
    "endorse": "endorses",
    "endorse-with-reservations": "endorses with reservations",
    "no-objection": "no objection",
    "abstain": "abstains",
    "object": "objects",
    "withdrawn": "withdrawn",
}
POSITION_MARKS = {"endorse": "✓", "endorse-with-reservations": "✓*", "no-objection": "○", "abstain": "–",
                  "object": "✗", "withdrawn": "↩", "invited": "…"}


# -- HTML that escapes by default ---------------------------------------------------

class Markup(str):
    """HTML made by this module, safe to insert as is; every other str is escaped."""


def esc(value) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def join(items, separator: str = "") -> Markup:
    return Markup(esc(separator).join(esc(item) for item in items if item is not None))


def el(name: str, *children, **attrs) -> Markup:
    """An element; attribute names take '_' for '-' and a trailing '_' for Python keywords (class_)."""
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        parts.append(attr if value is True else f'{attr}="{esc(value)}"')
    if name in _VOID:
        return Markup(f"<{' '.join(parts)}>")
    inner = join(_flatten(children))
    return Markup(f"<{' '.join(parts)}>{inner}</{name}>")


def _flatten(children):
    for child in children:
        if isinstance(child, (list, tuple)):
            yield from _flatten(child)
        elif child is not None:
            yield child


# -- what the pages show ----------------------------------------------------------

@dataclass(frozen=True)
class StatementView:
    """A statement as its page shows it: where it stands in the ledger, and its releases found in dist/."""

    status: object  # accord.ledger.LedgerStatus
    releases: tuple

    @property
    def statement(self) -> Statement:
        return self.status.statement

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


def statement_view(repo: Repo, statement_id: str) -> StatementView:
    """Everything a statement's page shows, read from the text, the ledger and dist/."""
    from .ledger import ledger_status
    from .release import read_releases

    from .history import release_tags

    statement = repo.load_statement(statement_id)
    status = ledger_status(repo, statement)
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
    views = [statement_view(repo, statement_id) for statement_id in repo.statement_ids()]
    layout = _read_layout(repo)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as exc:
        raise UsageError(f"-o {out_dir}: cannot write there: {exc.strerror or exc}") from None
    try:
        pages = _write_site(repo, staging, views, partners, layout)
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


def _read_layout(repo: Repo) -> tuple[string.Template, dict[str, bytes]]:
    """The page template, and the assets beside it (stylesheet, icon, logos) copied as they are."""
    folder = repo.templates_dir / "site"
    try:
        page = read_repo_bytes(folder / "page.html").decode("utf-8")
        assets = {path.name: read_repo_bytes(path) for path in sorted(folder.iterdir())
                  if path.is_file() and path.name != "page.html" and not path.name.startswith(".")}
    except LinkRefused:
        raise
    except OSError as exc:
        raise BuildError(f"cannot read the site template: {repo.rel(Path(exc.filename))}: {exc.strerror}") from None
    return string.Template(page), assets


def _write_site(repo: Repo, staging: Path, views: list[StatementView], partners: dict,
                layout: tuple[string.Template, dict[str, bytes]]) -> list[Path]:
    template, assets = layout
    settings = repo.settings
    footer = _footer(repo)

    def page(relpath: str, title: str, content: Markup, language: str = "en") -> Path:
        root = "../" * relpath.count("/")
        try:
            text = template.substitute(
                lang=esc(language), title=esc(title), root=root, organization=esc(settings.organization),
                team=esc(settings.team), content=content, footer=footer)
        except (KeyError, ValueError) as exc:
            raise BuildError(f"unknown or malformed placeholder {exc} (write $$ for a dollar sign)",
                             path="templates/site/page.html") from None
        path = staging / relpath
        write_atomic(path, text)
        return path

    for name, data in assets.items():
        write_atomic(staging / "assets" / name, data)
    pages = [page("index.html", f"Statements · {settings.organization}", _index(views, partners))]
    for view in views:
        statement = view.statement
        redlines = {}
        for older, newer in zip(view.releases, view.releases[1:]):
            redline = _redline_page(repo, statement, older, newer)
            if redline is not None:
                name = f"redlines/{statement.id}-v{older.version}-v{newer.version}.html"
                write_atomic(staging / name, redline)
                pages.append(staging / name)
                redlines[newer.version] = name
        pages.append(page(f"statements/{statement.id}.html", statement.title,
                          _statement_page(view, partners, _body_html(statement), redlines), statement.language))
        for release in view.releases:
            _copy_release(release, staging / "dist" / statement.id / f"v{release.version}")
    for partner in partners.values():
        pages.append(page(f"partners/{partner.id}.html", partner.name, _partner_page(partner, views)))
    return pages


def _footer(repo: Repo) -> Markup:
    from .history import head_commit

    commit = head_commit(repo.root)
    made = f"from commit {commit[:12]}" if commit else "from an uncommitted repository"
    return Markup(f"Made by accord {esc(made)}. Positions count only while they bind the current text.")


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
            write_atomic(target / name, data)


# -- pages ------------------------------------------------------------------------

def _index(views: list[StatementView], partners: dict) -> Markup:
    rows = []
    for view in views:
        statement = view.statement
        rows.append(el("tr",
                       el("td", el("a", statement.title, href=f"statements/{statement.id}.html")),
                       el("td", statement.symbol or "—"),
                       el("td", statement.kind_label),
                       el("td", _status(statement.status)),
                       el("td", f"v{view.latest_version}" if view.latest_version else "—"),
                       el("td", _endorsement_summary(view))))
    statements_table = el("div", el("table",
                                    el("thead", el("tr", [el("th", h, scope="col") for h in
                                                          ("Title", "Symbol", "Kind", "Status", "Version", "Endorsements")])),
                                    el("tbody", rows), class_="statements"), class_="scroll")
    return join([
        el("h1", "Statements"),
        el("p", f"{len(views)} statement{'s' if len(views) != 1 else ''}, {len(partners)} partners.", class_="lead"),
        statements_table if views else el("p", "No statements yet.", class_="none"),
        el("h2", "Positions of the partners", id="matrix"),
        _matrix(views, partners),
        _legend(),
        el("h2", "Partners", id="partners"),
        el("ul", [el("li", el("a", partner.name, href=f"partners/{partner.id}.html"),
                      f" ({partner.short})" if partner.short else None)
                  for partner in partners.values()]),
    ])


def _matrix(views: list[StatementView], partners: dict) -> Markup:
    head = el("tr", el("th", "Statement", scope="col"),
              [el("th", el("a", partner.short or partner.name, href=f"partners/{partner.id}.html", title=partner.name),
                  scope="col", class_="partner") for partner in partners.values()])
    rows = []
    for view in views:
        statement = view.statement
        cells = [el("td", _cell(view, partner_id)) for partner_id in partners]
        rows.append(el("tr", el("th", el("a", statement.running_title, href=f"statements/{statement.id}.html"),
                                scope="row"), cells))
    return el("div", el("table", el("thead", head), el("tbody", rows), class_="matrix"), class_="scroll")


def _cell(view: StatementView, partner_id: str) -> Markup | str:
    if partner_id in view.standings:
        return _standing_badge(view.standings[partner_id], compact=True)
    if partner_id in view.status.pending:
        if view.statement.status == "published":
            return _badge("none", "·", title="no position recorded before the release")
        return _badge("invited", POSITION_MARKS["invited"], title="invited, no response yet")
    return ""


def _legend() -> Markup:
    entries = [el("span", _badge(kind, POSITION_MARKS[kind]), " ", label)
               for kind, label in (*POSITION_LABELS.items(), ("invited", "invited, no response yet"))]
    entries.append(el("span", _badge("endorse", POSITION_MARKS["endorse"], stale=True), " taken on an earlier text"))
    return el("p", entries, class_="legend")


def _badge(kind: str, label: str, *, stale: bool = False, title: str | None = None) -> Markup:
    return el("span", label, class_=f"pos pos-{kind}{' stale' if stale else ''}", title=title)


def _standing_badge(standing, *, compact: bool = False) -> Markup:
    """A position as a coloured badge: its words, or in the matrix its mark with the words as a tooltip."""
    record = standing.record
    label = POSITION_LABELS[record.position]
    text = "the current text" if standing.current else "an earlier text"
    title = f"{label}, {record_date_phrase(record)}, on {text}, {'signed' if standing.signed else 'attested'}"
    return _badge(record.position, POSITION_MARKS[record.position] if compact else label,
                  stale=not standing.current, title=title)


def record_date(record):
    """The date a position was taken: the record's `date` (a letter's, for positions from before the
    tool) when it has one, else the day it was recorded."""
    return getattr(record, "date", None) or record.recorded_at


def record_date_phrase(record) -> str:
    date = getattr(record, "date", None)
    return f"dated {date.isoformat()}" if date else f"recorded {record.recorded_at.isoformat()}"


def _status(status: str) -> Markup:
    return el("span", status, class_=f"status status-{status}")


def _endorsement_summary(view: StatementView) -> Markup:
    policy = view.statement.endorsement
    text = counting_phrase(view.status.standings, len(policy.invited))
    if view.statement.status == "published":
        return el("span", text)
    return join([el("span", text, class_="met" if view.status.gate.ok else "unmet"),
                 f" (threshold {policy.threshold})"])


def counting_phrase(standings, invited: int) -> str:
    """What the count counts: `5 endorsements and 1 no-objection of 12 invited` (current positions only)."""
    current = [s for s in standings if s.counting]
    endorsements = sum(1 for s in current if s.record.position in ("endorse", "endorse-with-reservations"))
    no_objections = sum(1 for s in current if s.record.position == "no-objection")
    parts = [f"{endorsements} endorsement{'s' if endorsements != 1 else ''}"]
    if no_objections:
        parts.append(f"{no_objections} no-objection{'s' if no_objections != 1 else ''}")
    text = " and ".join(parts)
    return f"{text} of {invited} invited" if invited else text


def _statement_page(view: StatementView, partners: dict, body: Markup, redlines: dict[int, str]) -> Markup:
    statement = view.statement
    # The site speaks English; the statement's own title and text read in their language and direction.
    direction = "rtl" if is_rtl(statement.language) else None
    facts = [("Symbol", statement.symbol or "—"), ("Kind", statement.kind_label), ("Status", _status(statement.status)),
             ("Date", statement.date.isoformat()), ("Language", statement.language)]
    if view.latest_version:
        facts.append(("Latest release", f"v{view.latest_version}"))
    if statement.drafters:
        facts.append(("Drafted by", ", ".join(statement.drafters)))
    facts.append(("Text SHA-256", el("span", statement.text_sha256, class_="hash")))
    facts.append(("Endorsements", _endorsement_summary(view)))
    if statement.endorsement.required:
        labels = view.status.labels
        facts.append(("Required", ", ".join(labels.get(pid, pid) for pid in statement.endorsement.required)))
    gate = view.status.gate
    if statement.status == "published":
        release = view.releases[-1] if view.releases else None
        when = release.published if release else (statement.published.isoformat() if statement.published else None)
        facts.append(("Ledger", f"published as v{view.latest_version}" + (f" on {when}" if when else "")
                      if view.latest_version else "published"))
    else:
        facts.append(("Ledger", "the required partners and the threshold hold current positions" if gate.ok
                      else el("ul", [el("li", problem) for problem in gate.problems], class_="unmet")))
    return join([
        el("p", el("a", "All statements", href="../index.html")),
        el("h1", statement.title, lang=None if statement.language.startswith("en") else statement.language,
           dir=direction),
        el("dl", [(el("dt", name), el("dd", value)) for name, value in facts], class_="facts"),
        el("h2", "Endorsers and positions", id="positions"),
        _positions_table(view, partners),
        el("h2", "Releases", id="releases"),
        _releases_table(view, redlines),
        el("h2", "Text", id="text"),
        el("article", body, class_="text", lang=statement.language, dir=direction),
    ])


POSITION_COLUMNS = ("Position", "Taken on", "Signatory", "Recorded", "Evidence", "Reservations")


def _position_cells(standing) -> list[Markup]:
    record = standing.record
    evidence = "signed" if standing.signed else "attested"
    if record.evidence and record.evidence.kind not in ("none", "ssh-signature"):
        evidence += f" ({record.evidence.kind})"
    return [el("td", _standing_badge(standing)),
            el("td", "the current text" if standing.current else "an earlier text"),
            el("td", record.signatory),
            el("td", record_date(record).isoformat()),
            el("td", evidence),
            el("td", _reservations(record))]


def _no_position_cells(published: bool = False) -> list[Markup]:
    badge = (_badge("none", "no position before the release") if published
             else _badge("invited", "invited, no response yet"))
    return [el("td", badge), *(el("td", "—") for _ in POSITION_COLUMNS[1:])]


def _positions_table(view: StatementView, partners: dict) -> Markup:
    required = set(view.statement.endorsement.required)
    rows = []
    for standing in view.status.standings:
        rows.append(el("tr", el("td", _partner_link(partners, standing.partner, standing.partner in required)),
                       _position_cells(standing)))
    for partner_id in view.status.pending:
        rows.append(el("tr", el("td", _partner_link(partners, partner_id, partner_id in required)),
                       _no_position_cells(view.statement.status == "published")))
    if not rows:
        return el("p", "No partner has been invited or has taken a position yet.", class_="none")
    head = el("tr", [el("th", h, scope="col") for h in ("Partner", *POSITION_COLUMNS)])
    return el("div", el("table", el("thead", head), el("tbody", rows), class_="positions"), class_="scroll")


def _partner_link(partners: dict, partner_id: str, required: bool) -> Markup:
    partner = partners.get(partner_id)
    link = el("a", partner.name, href=f"../partners/{partner_id}.html") if partner else esc(partner_id)
    return join([link, el("br"), el("small", "required")]) if required else link


def _reservations(record) -> Markup | str:
    if not record.reservations:
        return "—"
    from .labels import anchor

    page = f"../statements/{record.statement}.html"
    return el("ul", [el("li", el("a", f"¶ {item.paragraph}", href=f"{page}#text-{anchor(str(item.paragraph))}")
                            if item.paragraph else None, ": " if item.paragraph else None, item.text)
                     for item in record.reservations])


def _releases_table(view: StatementView, redlines: dict[int, str]) -> Markup:
    if not view.releases:
        version = view.statement.version
        if version:
            published = f" on {view.statement.published.isoformat()}" if view.statement.published else ""
            tag = f"{view.statement.id}/v{version}"
            where = (f"its files are not in dist/ here (`accord release {view.statement.id} --rebuild {version}` "
                     f"writes them from the tag {tag})" if view.tagged else
                     "released before accord kept releases: there is no tag or dist/ folder for it")
            return el("p", f"Released as v{version}{published}; {where}.", class_="none")
        return el("p", "Not released yet.", class_="none")
    statement_id = view.statement.id
    rows = []
    previous = None
    for release in view.releases:
        base = f"../dist/{statement_id}/v{release.version}/"
        downloads = [el("li", el("a", f"{item.name.rsplit('.', 1)[-1].upper()}", href=base + item.name, download=item.name,
                                 title=f"{item.name}, {item.size} bytes, SHA-256 {item.sha256}"))
                     for item in release.files]
        downloads.append(el("li", el("a", "manifest", href=base + "manifest.json")))
        downloads.append(el("li", el("a", "SHA256SUMS", href=base + "SHA256SUMS")))
        changes = "—"
        if release.version in redlines:
            changes = el("a", f"changes from v{previous.version}", href=f"../{redlines[release.version]}")
        rows.append(el("tr",
                       el("td", f"v{release.version}"),
                       el("td", release.published),
                       el("td", el("code", release.commit[:12], title=release.commit)),
                       el("td", ", ".join(e.short or e.name for e in release.endorsers) or "—"),
                       el("td", el("ul", downloads, class_="downloads")),
                       el("td", changes)))
        previous = release
    head = el("tr", [el("th", h, scope="col") for h in
                     ("Version", "Published", "Commit", "Endorsed by", "Downloads", "Redline")])
    return el("div", el("table", el("thead", head), el("tbody", list(reversed(rows))), class_="releases"), class_="scroll")


def _partner_page(partner, views: list[StatementView]) -> Markup:
    facts = [("Short name", partner.short or "—"), ("Kind", PARTNER_KIND_LABELS.get(partner.kind, partner.kind))]
    if partner.signers:
        facts.append(("May sign", ", ".join(f"{s.name}, {s.title}" if s.title else s.name for s in partner.signers)))
    rows = []
    for view in views:
        link = el("td", el("a", view.statement.title, href=f"../statements/{view.statement.id}.html"))
        standing = view.standings.get(partner.id)
        if standing is not None:
            rows.append(el("tr", link, _position_cells(standing)))
        elif partner.id in view.status.pending:
            rows.append(el("tr", link, _no_position_cells(view.statement.status == "published")))
    head = el("tr", [el("th", h, scope="col") for h in ("Statement", *POSITION_COLUMNS)])
    table = (el("div", el("table", el("thead", head), el("tbody", rows), class_="positions"), class_="scroll")
             if rows else el("p", "Not invited to any statement yet.", class_="none"))
    return join([
        el("p", el("a", "All statements", href="../index.html")),
        el("h1", partner.name),
        el("dl", [(el("dt", name), el("dd", value)) for name, value in facts], class_="facts"),
        el("h2", "Positions"),
        table,
    ])


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
    # The page escapes every text itself; the policy forbids scripts should anything slip through.
    return page.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + REDLINE_POLICY, 1)


# -- the statement text -----------------------------------------------------------

def _body_html(statement: Statement) -> Markup:
    """The text as HTML, read as the official builds read it but with raw blocks always off."""
    from .render.source import LABELS_FILTER, READER
    from .labels import filter_settings, statement_labels
    from .pandoc import run_pandoc

    labels = statement_labels(statement)
    label_args = [f"--lua-filter={LABELS_FILTER}"] if labels.units else []
    fragment = run_pandoc(["-f", READER, "-t", "html5", "--wrap=none", "--id-prefix", "text-", *label_args],
                          statement.body, what="pandoc (site HTML)",
                          env={"ACCORD_LABELS": filter_settings(labels, statement.numbered_paragraphs, "site")})
    return sanitize_html(fragment.decode("utf-8"))


_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "frame", "frameset"}
_VOID = {"br", "hr", "img", "col", "wbr", "input", "source", "track", "area", "meta", "link", "base", "param"}
_URL_ATTRS = {"href", "src", "cite", "action", "formaction", "poster", "xlink:href"}
_SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Sanitizer(HTMLParser):
    """Re-serialises pandoc's HTML: drops scripts, event handlers and unsafe URLs, re-escapes all text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROP_WITH_CONTENT:
            self.skipping += 1
            return
        if self.skipping or tag in {"meta", "link", "base", "form", "input", "button"}:
            return
        if tag == "img":
            src = dict(attrs).get("src") or ""
            if not src.startswith("data:image/"):
                alt = dict(attrs).get("alt")
                if alt:
                    self.out.append(f"[{esc(alt)}]")
                return
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                continue
            if name in _URL_ATTRS and not _safe_url(value or ""):
                continue
            kept.append(f' {esc(name)}="{esc(value or "")}"' if value is not None else f" {esc(name)}")
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _DROP_WITH_CONTENT:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag in _VOID or tag in {"meta", "link", "base", "form", "input", "button"}:
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(esc(data))


def _safe_url(url: str) -> bool:
    compact = "".join(url.split()).lower()
    if ":" not in compact.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True  # relative or a fragment
    return compact.startswith(_SAFE_SCHEMES)


def sanitize_html(fragment: str) -> Markup:
    """An HTML fragment with scripts, event handlers, styles and unsafe URLs removed and text re-escaped."""
    sanitizer = _Sanitizer()
    sanitizer.feed(fragment)
    sanitizer.close()
    return Markup("".join(sanitizer.out))
