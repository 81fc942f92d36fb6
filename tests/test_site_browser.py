"""The site in a real browser: headless Chromium opens it from the file system and from a server,
follows a statement link and a download, finds no console error and no broken link, runs no
script a statement smuggles in, and shows a page that is not blank."""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from helpers.browser import find_chromium, ink_fraction, launched
from helpers.release import SID
from helpers.site import HOSTILE


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[test]')")
    executable, why_not = find_chromium()
    if executable is None:
        pytest.skip(f"no headless browser: {why_not}")
    with launched(executable, tmp_path_factory.mktemp("downloads")) as running:
        yield running


@pytest.fixture(scope="module")
def served(site_repo):
    handler = functools.partial(_QuietHandler, directory=str(site_repo / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def site_url(site_repo: Path, served: str, how: str) -> str:
    return (site_repo / "site").as_uri() + "/" if how == "file" else served


def exists(url: str) -> bool:
    """Whether a link target is there: a file on disk, or a 200 from the server."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path)).is_file()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
            return response.status == 200
    except urllib.error.URLError:
        return False


LINKS = "[...document.querySelectorAll('a[href], link[href], img[src]')].map(e => e.href || e.src)"
DEAD_FRAGMENTS = ("[...document.querySelectorAll('a[href^=\"#\"]')]"
                  ".filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1))))"
                  ".map(a => a.getAttribute('href'))")


def crawl(page, start: str) -> tuple[list[str], list[str]]:
    """Open every page of the site reachable from start; return the pages and every problem met."""
    base = start.rsplit("/", 1)[0] + "/"
    queue, seen, problems = [start], set(), []
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page.errors.clear()
        page.goto(url)
        problems += [f"{url}: {error}" for error in page.errors]
        problems += [f"{url}: no element for {href}" for href in page.evaluate(DEAD_FRAGMENTS)]
        for link in page.evaluate(LINKS):
            target = urldefrag(link).url
            if not target.startswith(base) or target in seen:
                continue
            if not exists(target):
                problems.append(f"{url}: broken link to {target}")
            elif target.endswith(".html") and "/dist/" not in target:
                queue.append(target)
    return sorted(seen), problems


@pytest.mark.parametrize("how", ["file", "http"])
def test_every_page_opens_without_a_console_error_or_a_broken_link(browser, site_repo, served, how):
    pages, problems = crawl(browser.new_page(), site_url(site_repo, served, how) + "index.html")
    assert problems == []
    names = {url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1] for url in pages}
    assert {f"statements/{SID}.html", f"statements/{HOSTILE}.html", "partners/unicef.html"} <= names
    assert len(pages) >= 9


@pytest.mark.parametrize("how", ["file", "http"])
def test_the_index_leads_to_a_statement_and_its_download(browser, site_repo, served, how, tmp_path):
    page = browser.new_page()
    root = site_url(site_repo, served, how)
    page.goto(root + "index.html")
    assert page.evaluate("getComputedStyle(document.querySelector('.masthead')).backgroundColor") == "rgb(31, 78, 140)"
    page.click_and_wait(f'a[href="statements/{SID}.html"]')
    assert page.url == root + f"statements/{SID}.html"
    assert page.evaluate("document.querySelector('h1').textContent") == "Joint Statement on the Protection of Children"
    downloaded = page.click_and_download(f'a[href="../dist/{SID}/v2/{SID}.docx"]')
    assert downloaded.read_bytes() == (site_repo / "dist" / SID / "v2" / f"{SID}.docx").read_bytes()
    downloaded.unlink()
    assert page.errors == []


def test_a_screenshot_of_the_index_is_not_blank(browser, site_repo, tmp_path):
    page = browser.new_page()
    page.goto((site_repo / "site" / "index.html").as_uri())
    shot = tmp_path / "index.png"
    shot.write_bytes(page.screenshot())
    assert shot.stat().st_size > 10_000
    ink, colours = ink_fraction(page.screenshot(scale=0.25))
    assert ink > 0.05 and colours > 50, (ink, colours)


def test_a_statement_that_carries_scripts_runs_none_of_them(browser, site_repo):
    page = browser.new_page()
    for relpath in (f"statements/{HOSTILE}.html", "index.html", "partners/evil.html"):
        page.errors.clear()
        page.goto((site_repo / "site" / relpath).as_uri())
        assert page.evaluate("window.__xss === undefined"), relpath
        assert page.evaluate("document.scripts.length") == 0, relpath
        assert page.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes]"
                             ".some(a => a.name.startsWith('on'))).length") == 0, relpath
        assert page.errors == [], relpath
    page.goto((site_repo / "site" / f"statements/{HOSTILE}.html").as_uri())
    title = page.evaluate("document.querySelector('h1').textContent")
    assert title == "<script>window.__xss = 1</script> Statement on <b>bold</b> claims"
