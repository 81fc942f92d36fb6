"""The pandoc stage shared by every format: reader extensions, metadata, filter and environment."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..pandoc import FilterRefusal, run_pandoc
from ..statement import may_hold_script_links
from .document import Document

FILTER = Path(__file__).with_name("statement.lua")
LABELS_FILTER = Path(__file__).with_name("labels.lua")
# The body's own YAML blocks, raw HTML/TeX and raw attributes are off: metadata comes
# only from accord, and raw blocks only where the front matter allows their format.
READER = "markdown-yaml_metadata_block-raw_html-raw_attribute-raw_tex"
RAW_EXTENSIONS = {"html": "+raw_html", "latex": "+raw_tex"}


def reader(document: Document) -> str:
    allowed = document.statement.allow_raw
    if not allowed:
        return READER
    return READER + "+raw_attribute" + "".join(RAW_EXTENSIONS[f] for f in allowed if f in RAW_EXTENSIONS)


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
        args = ["-f", reader(document), f"--metadata-file={metadata_file}", *filter_args(document),
                *label_filter_args(document), *writer_args]
        env = {"SOURCE_DATE_EPOCH": str(document.provenance.epoch), "ACCORD_FILTER": document.filter_settings(),
               "ACCORD_LABELS": document.label_settings(what)}
        try:
            return run_pandoc(args, document.statement.body, cwd=cwd, env=env, what=what)
        except FilterRefusal as refusal:
            raise FilterRefusal(refusal.message, path=document.source_display) from None
