"""HTML: one self-contained page from templates/statement.html (CSS inlined by the template,
images as data URIs by the filter), under a Content-Security-Policy that lets no script run."""

from __future__ import annotations

import re
from pathlib import Path

from .document import Document
from .source import pandoc_to

# The page needs its inline stylesheet and data: images, nothing else: no script, no frame, no form,
# no request anywhere. A `javascript:` link that got past check and build is dead under it too.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                           "base-uri 'none'; form-action 'none'")
_POLICY_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />'.encode()
_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)


def build_html(document: Document, target: Path) -> bytes:
    page = pandoc_to(document, ["-t", "html5", "--standalone", f"--template={document.templates / 'statement.html'}",
                                "--wrap=none"], what="pandoc (HTML)")
    return with_content_security_policy(page)


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
