"""Round trips as properties: random edits of a real-looking statement, then (one test, one comparison
per example, both properties asserted separately)

- the DOCX redline accepted gives the new text's words, rejected the old text's (read by
  pandoc, and by the self-check's own reading of the XML);
- the CriticMarkup applied gives the new text's blocks, rejected the old text's.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers.pandoc_reads import document, docx_read, docx_words, markdown_read, read_many
from helpers.redline_texts import SENTENCES, TITLE, Text, sample

from accord.redline import apply_criticmarkup, compare, render_docx, render_markdown
from accord.ooxml.revisions import resolved_words

VOCABULARY = ["guardian", "children", "protection", "États", "co-ordination", "children’s", "promptly",
              "independent", "review", "safeguards", "réfugiés", "best", "interests", "data", "never"]
PLAIN_WORD = re.compile(r"^[A-Za-z]+[.,;:]?$")
EDITS = ["replace-word", "insert-word", "delete-word", "emphasize", "insert-para", "delete-para", "move-para",
         "rewrap", "add-note", "drop-note", "insert-row", "delete-row", "edit-cell", "insert-item", "delete-item",
         "move-item", "edit-title"]

edits = st.lists(st.tuples(st.sampled_from(EDITS), st.integers(0, 999), st.integers(0, 999)), min_size=1, max_size=8)


def texts(text: Text) -> list[tuple[str, object]]:
    """Every editable string: paragraphs, quotes, list items, body cells, notes, as (where, setter)."""
    places = []
    for index, (kind, content) in enumerate(text.blocks):
        if kind in ("para", "quote"):
            places.append((content, lambda value, i=index, k=kind: text.blocks.__setitem__(i, (k, value))))
        elif kind in ("list", "bullets"):
            for number, item in enumerate(content):
                places.append((item, lambda value, items=content, n=number: items.__setitem__(n, value)))
        elif kind == "table":
            for row in content[1:]:
                for column, cell in enumerate(row):
                    places.append((cell, lambda value, r=row, c=column: r.__setitem__(c, value)))
    for label, note in text.notes.items():
        places.append((note, lambda value, key=label: text.notes.__setitem__(key, value)))
    return places


def edit_words(words: list[str], kind: str, a: int, b: int) -> list[str]:
    plain = [i for i, word in enumerate(words) if PLAIN_WORD.match(word)]
    if kind == "insert-word":
        return words[:a % (len(words) + 1)] + [VOCABULARY[b % len(VOCABULARY)]] + words[a % (len(words) + 1):]
    if not plain:
        return words
    index = plain[a % len(plain)]
    word = words[index]
    stem, tail = word.rstrip(".,;:"), word[len(word.rstrip(".,;:")):]
    if kind == "replace-word":
        return words[:index] + [VOCABULARY[b % len(VOCABULARY)] + tail] + words[index + 1:]
    if kind == "delete-word" and len(words) > 3:
        return words[:index] + words[index + 1:]
    if kind == "emphasize":
        return words[:index] + [f"*{stem}*{tail}"] + words[index + 1:]
    return words


def apply(text: Text, title: str, edit: tuple[str, int, int]) -> str:
    """Apply one edit in place; returns the (possibly new) title."""
    kind, a, b = edit
    paragraphs = [i for i, (k, _) in enumerate(text.blocks) if k == "para"]
    lists = [content for k, content in text.blocks if k in ("list", "bullets")]
    table = next(content for k, content in text.blocks if k == "table")
    if kind in ("replace-word", "insert-word", "delete-word", "emphasize", "edit-cell"):
        places = texts(text)
        if kind == "edit-cell":
            places = [p for p in places if any(p[0] is cell for row in table[1:] for cell in row)]
            kind = "replace-word"
        content, setter = places[a % len(places)]
        setter(" ".join(edit_words(content.split(" "), kind, b, a)))
    elif kind == "edit-title":
        return " ".join(edit_words(title.split(" "), "replace-word", a, b))
    elif kind == "insert-para":
        text.blocks.insert(a % (len(text.blocks) + 1), ("para", SENTENCES[b % len(SENTENCES)]))
    elif kind == "delete-para" and len(paragraphs) > 2:
        index = paragraphs[a % len(paragraphs)]
        for label in re.findall(r"\[\^([^\]]+)\]", text.blocks[index][1]):
            text.notes.pop(label, None)
        del text.blocks[index]
    elif kind == "move-para" and paragraphs:
        moved = text.blocks.pop(paragraphs[a % len(paragraphs)])
        text.blocks.insert(b % (len(text.blocks) + 1), moved)
    elif kind == "rewrap":
        text.wrap = 0 if text.wrap else 24 + a % 60
    elif kind == "add-note" and paragraphs:
        label = f"n{len(text.notes) + a}"
        index = paragraphs[a % len(paragraphs)]
        text.blocks[index] = ("para", text.blocks[index][1] + f"[^{label}]")
        text.notes[label] = SENTENCES[b % len(SENTENCES)]
    elif kind == "drop-note":
        for index in paragraphs:
            labels = re.findall(r"\[\^([^\]]+)\]", text.blocks[index][1])
            if labels:
                text.blocks[index] = ("para", text.blocks[index][1].replace(f"[^{labels[0]}]", ""))
                text.notes.pop(labels[0], None)
                break
    elif kind == "insert-row":
        table.insert(1 + a % len(table), [VOCABULARY[b % len(VOCABULARY)], SENTENCES[a % len(SENTENCES)][:40], "Now"])
    elif kind == "delete-row" and len(table) > 2:
        del table[1 + a % (len(table) - 1)]
    elif kind in ("insert-item", "delete-item", "move-item") and lists:
        items = lists[b % len(lists)]
        if kind == "insert-item":
            items.insert(a % (len(items) + 1), SENTENCES[b % len(SENTENCES)])
        elif kind == "delete-item" and len(items) > 1:
            del items[a % len(items)]
        elif kind == "move-item":
            items.insert(b % len(items), items.pop(a % len(items)))
    return title


def edited(changes) -> tuple[Text, Text, str]:
    old = sample()
    new = old.copy()
    title = TITLE
    for change in changes:
        title = apply(new, title, change)
    return old, new, title


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_a_redline_resolves_to_each_side_as_a_docx_and_as_criticmarkup(changes):
    """One comparison per example serves both round trips, and pandoc reads all six documents in one run
    (two readings of the DOCX, four Markdown texts); the assertions stay one per property and side."""
    old, new, title = edited(changes)
    redline = compare(old.markdown(), new.markdown(), old_title=TITLE, new_title=title)
    data = render_docx(redline, author="Ana Pereira", date="2026-01-05T10:00:00Z",
                       reference_doc=ROOT / "templates" / "reference.docx", verify=False)
    marked = render_markdown(redline)
    sides = ((True, new, title), (False, old, TITLE))
    asts = read_many([docx_read(data, "accept"), docx_read(data, "reject")]
                     + [markdown_read(apply_criticmarkup(marked, accept=accept)) for accept, _, _ in sides]
                     + [markdown_read(f"# {heading}\n\n{text.markdown()}") for _, text, heading in sides])

    # the DOCX redline accepted gives the new words and rejected the old, read by pandoc ...
    assert docx_words(asts[0]) == redline.new.words(), "DOCX accepted (pandoc)"
    assert docx_words(asts[1]) == redline.old.words(), "DOCX rejected (pandoc)"
    # ... and by the self-check's in-process reading of the XML
    assert resolved_words(data, "accept") == redline.new.words(), "DOCX accepted (self-check)"
    assert resolved_words(data, "reject") == redline.old.words(), "DOCX rejected (self-check)"
    # the CriticMarkup applied gives the new blocks, and rejected the old
    for (accept, _, _), applied, expected in zip(sides, asts[2:4], asts[4:6]):
        assert [b.key for b in document(applied).blocks] == [b.key for b in document(expected).blocks], \
            f"CriticMarkup {'applied' if accept else 'rejected'}:\n{marked}"
