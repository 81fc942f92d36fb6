"""HTML: one self-contained page (web/templates/statement/page.html.j2, CSS inlined, images as data URIs
by the filter), under a Content-Security-Policy that lets no script run.

pandoc reads the text once, as for every format, and writes through render/parts.html: each
variable the page shows (the body, the title, accord's metadata as pandoc renders it) between
two markers that carry a nonce, so nothing in the text can forge one. The statement's own HTML
(its body and its title, Markdown a drafter wrote, raw HTML included where allow-raw lets it
in) goes through the allowlist sanitizer; the Jinja2 template lays the page out.
"""

from __future__ import annotations

import re
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..errors import BuildError
from .document import Document
from .source import pandoc_to

# The page needs its inline stylesheet and data: images, nothing else: no script, no frame, no form,
# no request anywhere. A `javascript:` link that got past check and build is dead under it too.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                           "base-uri 'none'; form-action 'none'")
_POLICY_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />'.encode()
_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
PARTS_TEMPLATE = Path(__file__).with_name("parts.html")
# Variables pandoc gives as lists; every other one is a single value, absent when pandoc finds it false.
_LISTS = ("author", "keywords", "header-includes", "include-before", "include-after", "signatories",
          "script-serif", "script-sans")
# The drafter's own HTML: what pandoc made of the body and of the title (Markdown, raw HTML where allowed).
_FROM_THE_TEXT = ("body", "title")


def build_html(document: Document, target: Path) -> bytes:
    from ..web import render

    nonce = secrets.token_hex(16)
    output = pandoc_to(document, ["-t", "html5", "--standalone", f"--template={PARTS_TEMPLATE}", "--wrap=none",
                                  "-V", f"accord-nonce={nonce}"], what="pandoc (HTML)")
    parts = read_parts(output.decode("utf-8"), nonce)
    static = resources.files("accord.web").joinpath("static")
    css = static.joinpath("statement.css").read_text("utf-8").rstrip("\n")
    if parts["dir"] == "rtl":
        css += "\n" + static.joinpath("statement-rtl.css").read_text("utf-8").rstrip("\n")
    page = render("statement/page.html.j2", p=parts, css=Markup(css))
    return with_content_security_policy(page.encode("utf-8"))


def read_parts(output: str, nonce: str) -> dict[str, Any]:
    """pandoc's output through parts.html as {variable: HTML}, lists for list variables, and signatories
    as dicts (name, position-note, signatory, reservations: dicts of paragraph and text)."""
    from ..web import sanitize_html

    parts: dict[str, Any] = {name: [] for name in _LISTS}
    marker = re.escape(f"<!--{nonce}")
    for match in re.finditer(rf"{marker}:([a-z0-9.-]+)-->(.*?){marker}-->", output, re.DOTALL):
        name, value = match.group(1), Markup(match.group(2))
        if name in _FROM_THE_TEXT:
            value = Markup(_void_elements_as_pandoc_writes_them(str(sanitize_html(value, layout=True))))
        signatories = parts["signatories"]
        if name == "signatories":
            signatories.append(_Parts(reservations=[]))
        elif name.startswith("signatories."):
            signatories[-1][name.removeprefix("signatories.")] = value
        elif name == "reservation":
            signatories[-1]["reservations"].append(_Parts())
        elif name.startswith("reservation."):
            signatories[-1]["reservations"][-1][name.removeprefix("reservation.")] = value
        elif name in _LISTS:
            parts[name].append(value)
        else:
            parts[name] = value
    if "body" not in parts:
        raise BuildError("pandoc wrote no HTML body")
    return _Parts(parts)


# Sanitized HTML as html5ever serializes it: every attribute value in double quotes (a quote in it escaped),
# no `<` in text. So this finds exactly the void elements.
_VOID = re.compile(r'<(br|hr|img|col|wbr)((?: [^\s"=>]+(?:="[^"]*")?)*)>')


def _void_elements_as_pandoc_writes_them(html: str) -> str:
    """`<br />` where the sanitizer wrote `<br>` (the same element): the official page keeps pandoc's
    bytes, so a text that needed no sanitizing builds to the same file as before."""
    return _VOID.sub(r"<\1\2 />", html)


class _Parts(dict[str, Any]):
    """A variable pandoc did not write is false, as in a pandoc template."""

    def __missing__(self, key: str) -> None:
        return None


def with_content_security_policy(page: bytes) -> bytes:
    """The page with accord's policy first in its head (kept as is when it is there already).

    A repository's own template may lack it (templates are the repository's files), so the
    build adds it rather than trusting the template to. Another policy in the page cannot
    loosen it: a browser enforces every policy it is given.
    """
    head = _HEAD.search(page)
    if head is None:
        return _POLICY_META + b"\n" + page
    if page[head.end():head.end() + 1 + len(_POLICY_META)].lstrip(b"\n").startswith(_POLICY_META):
        return page
    return page[:head.end()] + b"\n" + _POLICY_META + page[head.end():]
