"""`accord site`: an index with the statements × partners matrix, a page per statement and per partner,
the releases found in dist/, and every piece of user text escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path


from conftest import git, run, write
from helpers.release import SID
from helpers.site import HOSTILE


def page(root: Path, relpath: str) -> str:
    return (root / "site" / relpath).read_text("utf-8")


def test_the_site_has_an_index_and_a_page_per_statement_and_per_partner(site_repo):
    files = sorted(p.relative_to(site_repo / "site").as_posix() for p in (site_repo / "site").rglob("*") if p.is_file())
    expected = [".accord-site", "assets/favicon.svg", "assets/style.css",
                *(f"dist/{SID}/v{n}/{name}" for n in (1, 2) for name in
                  ("SHA256SUMS", f"{SID}.docx", f"{SID}.html", f"{SID}.pdf", "manifest.json")),
                "index.html", *(f"partners/{p}.html" for p in ("ecpat", "evil", "iom", "lastrada", "unicef", "unodc")),
                f"redlines/{SID}-v1-v2.html", *(f"statements/{s}.html" for s in (SID, HOSTILE))]
    assert files == sorted(expected)


def test_the_site_command_says_what_it_wrote(site_repo, tmp_path):
    result = run("site", "-o", str(tmp_path / "public"), "--repo", str(site_repo))
    pages = len([p for p in (tmp_path / "public").rglob("*.html") if "dist" not in p.parts])
    assert (result.code, result.out) == (0, f"Wrote {tmp_path / 'public'}/: {pages} pages (2 statements, 6 partners); "
                                            f"open {tmp_path / 'public' / 'index.html'}\n")


def test_the_index_lists_every_statement_with_symbol_status_version_and_endorsements(site_repo):
    index = page(site_repo, "index.html")
    row = re.search(r'<tr><td><a href="statements/child-protection.html">(.*?)</tr>', index).group(0)
    assert row == ('<tr><td><a href="statements/child-protection.html">Joint Statement on the Protection of Children'
                   '</a></td><td>AECT/JS/2010/1</td><td>Joint Statement</td>'
                   '<td><span class="status status-published">published</span></td><td>v2</td>'
                   '<td><span class="met">2 of 4 invited</span> (threshold 2)</td></tr>')
    assert '<a href="statements/hostile-text.html">' in index


def test_the_matrix_has_a_row_per_statement_and_a_column_per_partner(site_repo):
    index = page(site_repo, "index.html")
    matrix = index[index.index('<table class="matrix">'):]
    matrix = matrix[:matrix.index("</table>")]
    headers = re.findall(r'<th scope="col" class="partner"><a href="partners/([a-z]+)\.html"', matrix)
    assert headers == ["ecpat", "evil", "iom", "lastrada", "unicef", "unodc"]
    rows = re.findall(r'<tr><th scope="row">(.*?)</tr>', matrix)
    assert len(rows) == 2
    cells = re.findall(r"<td>(.*?)</td>", rows[0])
    assert [re.sub(r"<[^>]+>", "", cell) for cell in cells] == ["✓*", "", "✓", "", "✓", "…"]
    assert 'class="pos pos-endorse-with-reservations stale"' in cells[0]  # ECPAT endorsed v1's text only
    assert 'class="pos pos-endorse"' in cells[2]


def test_a_statement_page_shows_text_positions_reservations_and_release_downloads(site_repo):
    html = page(site_repo, f"statements/{SID}.html")
    assert "<h1>Joint Statement on the Protection of Children</h1>" in html
    assert "<dt>Required</dt><dd>UNICEF</dd>" in html
    assert "States should appoint a guardian for every unaccompanied child within 24 hours." in html
    assert "<li>On paragraph 2, age assessment.</li>" in html
    assert '<a href="../partners/unicef.html">United Nations Children&#x27;s Fund</a><br><small>required</small>' in html
    for version in (1, 2):
        for ext in ("docx", "pdf", "html"):
            assert f'href="../dist/{SID}/v{version}/{SID}.{ext}" download="{SID}.{ext}"' in html
            copied = site_repo / "site" / "dist" / SID / f"v{version}" / f"{SID}.{ext}"
            assert copied.read_bytes() == (site_repo / "dist" / SID / f"v{version}" / f"{SID}.{ext}").read_bytes()
    manifest = json.loads((site_repo / "dist" / SID / "v2" / "manifest.json").read_text())
    assert f'<code title="{manifest["commit"]}">{manifest["commit"][:12]}</code>' in html


def test_each_release_after_the_first_links_to_the_redline_from_its_predecessor(site_repo):
    html = page(site_repo, f"statements/{SID}.html")
    assert f'<td><a href="../redlines/{SID}-v1-v2.html">changes from v1</a></td>' in html
    redline = page(site_repo, f"redlines/{SID}-v1-v2.html")
    assert "<del>without delay</del>" in redline and "<ins>within 24 hours</ins>" in redline
    from accord.site import REDLINE_POLICY

    diff = run("diff", SID, "--from", f"{SID}/v1", "--to", f"{SID}/v2", "--format", "html", "--repo", str(site_repo))
    assert redline.replace(REDLINE_POLICY + "\n", "") == diff.out  # exactly `accord diff`, with scripts forbidden


def test_a_partner_page_lists_its_positions(site_repo):
    html = page(site_repo, "partners/ecpat.html")
    assert "<h1>ECPAT International</h1>" in html
    assert f'<a href="../statements/{SID}.html">' in html
    assert "an earlier text" in html and "On paragraph 2, age assessment." in html
    assert "signer@ecpat.example" not in html  # principals are addresses, not for publication


class _Audit(HTMLParser):
    """Everything in a page that could run code."""

    def __init__(self):
        super().__init__()
        self.findings = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "base", "form"):
            self.findings.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"{tag} {name}=")
            if name in ("href", "src") and value and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                self.findings.append(f"{tag} {name}={value}")


def test_user_text_is_escaped_on_every_page(site_repo):
    pages = sorted((site_repo / "site").rglob("*.html"))
    pages = [p for p in pages if "/dist/" not in p.as_posix()]
    assert len(pages) >= 9
    for path in pages:
        audit = _Audit()
        audit.feed(path.read_text("utf-8"))
        assert audit.findings == [], path
    hostile = page(site_repo, f"statements/{HOSTILE}.html")
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt; Statement on &lt;b&gt;bold&lt;/b&gt; claims" in hostile
    assert "Plain &lt;script&gt;window.__xss = 1&lt;/script&gt; text." in hostile
    assert '<a href="https://example.org/">a fine one</a>' in hostile
    assert "<a>a javascript link</a>" in hostile and "<a>a data link</a>" in hostile
    assert "evil.example" not in hostile  # remote images would leak who reads the text
    assert "&lt;i&gt;EVIL&lt;/i&gt;" in page(site_repo, "index.html")


def test_a_second_run_replaces_the_previous_site_entirely(site_repo, tmp_path):
    out = tmp_path / "public"
    assert run("site", "-o", str(out), "--repo", str(site_repo)).code == 0
    write(out / "stale.html", "left over\n")
    assert run("site", "-o", str(out), "--repo", str(site_repo)).code == 0
    assert not (out / "stale.html").exists()
    assert (out / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_a_folder_that_holds_something_else_is_never_overwritten(site_repo, tmp_path):
    out = tmp_path / "mine"
    write(out / "thesis.docx", "precious\n")
    result = run("site", "-o", str(out), "--repo", str(site_repo))
    assert (result.code, result.err) == (2, f"Error: {out} is not empty and holds no accord site; "
                                            "choose another folder with -o DIR\n")
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_the_pages_do_not_change_between_two_runs(site_repo, tmp_path):
    for name in ("one", "two"):
        assert run("site", "-o", str(tmp_path / name), "--repo", str(site_repo)).code == 0
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two


def test_a_repository_without_statements_gets_an_index_that_says_so(repo, tmp_path):
    git(repo, "rm", "-q", "-r", "statements")
    result = run("site", "-o", str(tmp_path / "s"), "--repo", str(repo))
    assert result.code == 0, result.err
    assert "No statements yet." in (tmp_path / "s" / "index.html").read_text("utf-8")


def test_a_site_folder_that_cannot_be_written_is_one_error_line(tmp_path):
    from conftest import ROOT

    result = run("site", "-o", "/proc/accord-site", "--repo", str(ROOT))
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("Error: -o /proc/accord-site: cannot write there: ")
    assert result.err.count("\n") == 1
