"""Headless Chromium for the site tests, driven by Playwright for Python.

Debian's chromium package is the browser (Playwright's own browser downloads are not used): `.ci/run`
installs it, and the tests that need it skip, saying why, when it or Playwright is missing.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# As root, in a sandbox with no network but the loopback: no setuid sandbox, and none of the background
# connections that the closed network would refuse.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                 "--disable-quic", "--hide-scrollbars"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIEWPORT = {"width": 1280, "height": 900}


def find_chromium() -> tuple[str | None, str]:
    """The Chromium executable, or None and why there is none."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path, ""
    return None, "chromium is not installed (.ci/run installs it: apt-get install chromium)"


@contextmanager
def launched(executable: str, downloads: Path) -> Iterator[Browser]:
    """A headless Chromium for the length of the with-block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield Browser(chromium.new_context(viewport=VIEWPORT, accept_downloads=True), downloads)
        finally:
            chromium.close()


class Browser:
    """One browser context: its pages share a profile and a downloads folder."""

    def __init__(self, context: Any, downloads: Path):
        self.context = context
        self.downloads = downloads

    def new_page(self) -> Page:
        return Page(self.context.new_page(), self.downloads)


class Page:
    """One tab: navigation, evaluation, screenshots, and every error the page reported."""

    def __init__(self, page: Any, downloads: Path):
        self.page = page
        self.downloads = downloads
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", self._request_failed)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "assert"):
            self.errors.append(f"console.{message.type}: {message.text}")

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if failure != "net::ERR_ABORTED":  # a navigation that became a download, or was replaced
            self.errors.append(f"loading failed: {failure} ({request.resource_type})")

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")

    def evaluate(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    @property
    def url(self) -> str:
        return self.page.url

    def click_and_wait(self, selector: str) -> None:
        """Click the first element matching selector and wait for the page it opens to load."""
        with self.page.expect_navigation(wait_until="load"):
            self.page.locator(selector).first.click()

    def click_and_download(self, selector: str) -> Path:
        """Click a download link and wait for the file to arrive; returns its path."""
        with self.page.expect_download() as download_info:
            self.page.locator(selector).first.click()
        download = download_info.value
        path = self.downloads / download.suggested_filename
        download.save_as(path)
        return path

    def screenshot(self, *, scale: float = 1.0) -> bytes:
        """A PNG of the viewport, scaled down by scale (through the DevTools protocol, which can)."""
        if scale == 1.0:
            return self.page.screenshot()
        import base64

        session = self.page.context.new_cdp_session(self.page)
        clip = {"x": 0, "y": 0, **VIEWPORT, "scale": scale}
        data = session.send("Page.captureScreenshot", {"format": "png", "clip": clip})["data"]
        session.detach()
        return base64.b64decode(data)


# -- is a screenshot blank? -------------------------------------------------------------------------

def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or RGBA PNG: (width, height, rows of raw pixel bytes)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, idat = 8, b""
    width = height = channels = 0
    while position < len(data):
        length, kind = struct.unpack("!I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack("!IIBB", chunk[:10])
            if depth != 8 or color not in (2, 6):
                raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {color})")
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                upper_left = previous[i - channels] if i >= channels else 0
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def ink_fraction(png: bytes) -> tuple[float, int]:
    """The share of pixels that differ from the most common colour, and how many colours there are."""
    width, height, rows = png_pixels(png)
    channels = len(rows[0]) // width
    counts: dict[bytes, int] = {}
    for row in rows:
        for x in range(0, len(row), channels):
            pixel = row[x:x + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    background = max(counts.values())
    return 1 - background / (width * height), len(counts)
