"""HTML: one self-contained page from templates/statement.html (CSS inlined by the template,
images as data URIs by the filter)."""

from __future__ import annotations

from pathlib import Path

from .document import Document
from .source import pandoc_to


def build_html(document: Document, target: Path) -> bytes:
    return pandoc_to(document, ["-t", "html5", "--standalone", f"--template={document.templates / 'statement.html'}",
                                "--wrap=none"], what="pandoc (HTML)")
