"""The pandoc stage shared by every format: reader extensions, metadata, filter and environment."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from ..pandoc import FilterRefusal, run_pandoc
from ..statement import may_hold_script_links
from .document import Document

FILTER = Path(__file__).with_name("statement.lua")
LABELS_FILTER = Path(__file__).with_name("labels.lua")
QUOTES_FILTER = Path(__file__).with_name("quotes.lua")
_WIDE = "[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"  # compiled only for a text that may hold one
# The body's own YAML blocks, raw HTML/TeX and raw attributes are off: metadata comes
# only from accord, and raw blocks only where the front matter allows their format.
READER = "markdown-yaml_metadata_block-raw_html-raw_attribute-raw_tex"
RAW_EXTENSIONS = {"html": "+raw_html", "latex": "+raw_tex"}


def reader(document: Document) -> str:
    allowed = document.statement.allow_raw
    extensions = READER + east_asian_line_breaks(document)
    if not allowed:
        return extensions
    return extensions + "+raw_attribute" + "".join(RAW_EXTENSIONS[f] for f in allowed if f in RAW_EXTENSIONS)


def east_asian_line_breaks(document: Document) -> str:
    """A line break between two Chinese or Japanese characters is no space (blockrules.join_wrapped_lines
    hashes it so); Korean, which spaces its words, keeps its breaks as spaces."""
    body = document.statement.body
    if document.furniture.primary == "ko" or not body or max(body) < "\u2e80" or not re.search(_WIDE, body):
        return ""
    return "+east_asian_line_breaks"


def quotes_filter_args(document: Document) -> tuple[list[str], dict[str, str]]:
    """Quotation marks of the statement's language in every format (pandoc and Typst would differ otherwise);
    English keeps pandoc's and Typst's own, which are already English."""
    if document.furniture.is_english or '"' not in document.statement.body and "'" not in document.statement.body:
        return [], {}
    return [f"--lua-filter={QUOTES_FILTER}"], {"ACCORD_QUOTES": json.dumps(document.furniture.quotes)}


def filter_args(document: Document) -> list[str]:
    """The filter, when the body can hold what it guards: an image needs `![`, a raw block `allow-raw`,
    a link that runs code the name of its scheme.

    Walking a long document in Lua costs a tenth of a second or more per format; a
    text without images under the default reader has nothing for it to refuse.
    """
    body = document.statement.body
    if "![" in body or document.statement.allow_raw or may_hold_script_links(body):
        return [f"--lua-filter={FILTER}"]
    return []


def label_filter_args(document: Document) -> list[str]:
    """The labels filter, when the text has labelled units (accord/labels.py computes them, the filter places them)."""
    return [f"--lua-filter={LABELS_FILTER}"] if document.labels.units else []


def pandoc_to(document: Document, writer_args: list[str], *, what: str, cwd: Path | None = None,
              metadata: dict | None = None) -> bytes:
    """Run pandoc once on the statement body with accord's metadata and filter; return its output."""
    values = document.template_values() if metadata is None else metadata
    with tempfile.TemporaryDirectory(prefix="accord-") as scratch:
        metadata_file = Path(scratch) / "metadata.json"
        metadata_file.write_text(json.dumps(values, ensure_ascii=False), "utf-8")
        quotes, quotes_env = quotes_filter_args(document)
        args = ["-f", reader(document), f"--metadata-file={metadata_file}", *filter_args(document),
                *label_filter_args(document), *quotes, *writer_args]
        env = {"SOURCE_DATE_EPOCH": str(document.provenance.epoch), "ACCORD_FILTER": document.filter_settings(),
               "ACCORD_LABELS": document.label_settings(what), **quotes_env}
        try:
            return run_pandoc(args, document.statement.body, cwd=cwd, env=env, what=what)
        except FilterRefusal as refusal:
            raise FilterRefusal(refusal.message, path=document.source_display) from None
