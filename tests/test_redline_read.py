"""The redline reads both versions in one pandoc process (`pandoc lua`, pandoc.read in its sandbox): the ASTs
are byte for byte the ones `pandoc --sandbox -f MARKDOWN_READER -t json` gives each text alone."""

from __future__ import annotations

import pytest

from accord.pandoc import run_pandoc
from accord.redline import blocks
from accord.redline.blocks import MARKDOWN_READER, parse_markdown, parse_many

TEXTS = [
    "A\ttab\tand words.\n\n- item\n\n\tcode\twith a tab\n\n1.\tnumbered\n",
    "\ufeffA BOM first,\r\nCRLF lines\r\n\r\nand a\u00a0no-break space.\n",
    "| a\t| b |\n|---|---|\n| \u0645\u0631\u062d\u0628\u0627 | \u4e2d\u6587\u5b57 |\n\nNote.[^1]\n\n[^1]: A note.\n",
    "",
    "<div>raw HTML is text here</div>\n\n$x^2$ and `code` and **strong *emph***\n",
    '{"pandoc-api-version":[1,23],"blocks":[]}\n\n%s %d ]] \\n end\n',  # looks like the framing: is text
]


def test_one_process_reads_every_text_as_pandoc_reads_it_alone():
    blocks.clear_read_cache()
    together = blocks._pandoc_json_many(TEXTS)
    alone = [run_pandoc(["-f", MARKDOWN_READER, "-t", "json"], text) for text in TEXTS]
    assert together == alone
    blocks.clear_read_cache()
    both = parse_many([(TEXTS[2], "T"), (TEXTS[0], "T")])
    blocks.clear_read_cache()
    each = [parse_markdown(TEXTS[2], "T"), parse_markdown(TEXTS[0], "T")]
    assert [[b.key for b in doc.blocks] for doc in both] == [[b.key for b in doc.blocks] for doc in each]
    assert [doc.words() for doc in both] == [doc.words() for doc in each]


def test_texts_read_once_are_not_read_again(monkeypatch):
    blocks.clear_read_cache()
    first = [doc.words() for doc in parse_many([(TEXTS[0], "Old"), (TEXTS[1], "New")])]

    def no_pandoc(*args, **kwargs):
        raise AssertionError("pandoc ran again")

    monkeypatch.setattr(blocks, "run_pandoc", no_pandoc)
    monkeypatch.setattr(blocks, "run_pandoc_lua", no_pandoc)
    assert [doc.words() for doc in parse_many([(TEXTS[0], "Old"), (TEXTS[1], "New")])] == first
    with pytest.raises(AssertionError, match="pandoc ran again"):
        parse_many([(TEXTS[0], "Old"), (TEXTS[4], "New")])
