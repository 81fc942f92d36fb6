"""Paragraph labels (`10`, `10(f)`): the one numbering every output, reservation and diff uses.

The model, as UN and OSCE documents number their paragraphs:

- In a text with `numbered-paragraphs: true`, every body paragraph is numbered
  1, 2, 3 ... straight through the text, across headings. Every item of a list
  (bulleted or numbered in the Markdown) is a sub-item of the paragraph before
  it, lettered (a), (b) ... (z), (aa), (bb) ... as Word letters a list; the
  letters run on across headings until the next numbered paragraph. So
  recommendation 6 under the paragraph "The partners call upon States ..." is
  `10(f)`, whatever number the Markdown typed in front of it.
- In a text without numbered paragraphs, only the items of numbered lists are
  labelled, 1, 2, 3 ... straight through the text (a list after a heading goes
  on from the one before it), so every label names one unit.
- Headings, tables, block quotes, figures, rules, code and footnotes carry no
  label. A nested list, or a further paragraph of a list item, belongs to its item.

Labels are computed from the canonical blocks (`blockrules.source_blocks`) in pure
Python: re-wrapping lines or changing words never renumbers; inserting a
paragraph renumbers the ones after it. Renderers read pandoc's view of the same
text; `pair_units` lets them attach these labels in order and refuses to guess
when their view and this one disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .errors import LabelError
from .blockrules import FENCE, SourceBlock, block_kind, source_blocks

PARAGRAPH = "paragraph"
ITEM = "item"

LABEL = re.compile(r"(?:[1-9][0-9]{0,3})(?:\([a-z]{1,20}\))?|\([a-z]{1,20}\)")
_RULE = re.compile(r"([-*_])(?: *\1){2,} *")
_IMAGE_ONLY = re.compile(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?")
_ORDERED = re.compile(r"(\d{1,9}[.)]|#[.)]|\(?[a-zA-Z][.)])\s")


@dataclass(frozen=True)
class Unit:
    """One addressable unit: its label, whether it is a paragraph or a list item, and its block."""

    label: str
    kind: str            # paragraph | item
    block: int           # index into the body's canonical blocks (markdown_blocks)
    text: str            # the block's collapsed Markdown

    @property
    def marker(self) -> str:
        """What an output prints in front of the unit: `10.` for a paragraph or numbered item, `(f)` for a letter."""
        if self.label.endswith(")"):
            return self.label[self.label.index("("):]
        return self.label + "."


@dataclass(frozen=True)
class Labels:
    """The labels of one text: its units in order, and for every body block the unit it belongs to."""

    units: tuple[Unit, ...]
    block_labels: tuple[str | None, ...]   # parallel to markdown_blocks(body): a label, or None

    @property
    def labels(self) -> list[str]:
        return [unit.label for unit in self.units]

    def __contains__(self, label: object) -> bool:
        return str(label) in self._by_label

    @property
    def _by_label(self) -> dict[str, Unit]:
        return {unit.label: unit for unit in self.units}

    def unit(self, label: str | int) -> Unit | None:
        return self._by_label.get(str(label))

    def label_for_block(self, index: int) -> str | None:
        """The label of body block `index` (a continuation or nested item has its item's label)."""
        if 0 <= index < len(self.block_labels):
            return self.block_labels[index]
        return None

    def canonical_labels(self) -> list[str | None]:
        """Parallel to the canonical text's blocks (`canonical_text.split("\\n\\n")`): None for the title."""
        return [None, *self.block_labels]

    def describe(self, limit: int = 12) -> str:
        """The valid labels for an error message: `1-13, 9(a)-9(e), 10(a)-10(n)`, shortened when long."""
        return describe_labels(self.labels, limit)


def sort_key(label: str | int) -> tuple:
    """Order labels as the text does: 2 < 9 < 9(a) < 9(z) < 9(aa) < 10; for a compilation of amendments."""
    text = str(label)
    parent, _, letter = text.partition("(")
    letter = letter.rstrip(")")
    index = (len(letter) - 1) * 26 + ord(letter[0]) - ord("a") + 1 if letter else 0
    return (int(parent) if parent else 0, index)


def letters(number: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa, 28 -> bb: Word's lowerLetter, which UN documents follow too."""
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def statement_labels(statement) -> Labels:
    """The labels of a Statement (cached on its body and numbering)."""
    return body_labels(statement.body, statement.numbered_paragraphs)


@lru_cache(maxsize=64)
def body_labels(body: str, numbered_paragraphs: bool) -> Labels:
    """Label a Markdown body: see the module docstring for the model."""
    import unicodedata

    body = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    lines = body.split("\n")
    units: list[Unit] = []
    block_labels: list[str | None] = []
    paragraph = 0
    letter = 0
    number = 0
    # The label the next continuation belongs to, and the indent of the item that opened it.
    open_label: str | None = None
    open_indent = -1
    previous_kind = ""
    for index, block in enumerate(source_blocks(body)):
        role = _role(block, lines, open_indent, previous_kind)
        label: str | None = None
        if role == "continuation":
            label = open_label
        elif role == PARAGRAPH and numbered_paragraphs:
            paragraph += 1
            letter = 0
            label = str(paragraph)
            units.append(Unit(label, PARAGRAPH, index, block.text))
            open_label, open_indent = None, -1
        elif role == "item" and (numbered_paragraphs or _ORDERED.match(block.text)):
            if numbered_paragraphs:
                letter += 1
                label = f"{paragraph}({letters(letter)})" if paragraph else f"({letters(letter)})"
            else:
                number += 1
                label = str(number)
            units.append(Unit(label, ITEM, index, block.text))
            open_label, open_indent = label, len(block.indent.expandtabs(4))
        elif role == "item":
            open_label, open_indent = None, len(block.indent.expandtabs(4))
        elif role == "footnote":
            open_label, open_indent = None, 0
        elif role != "continuation":
            open_label, open_indent = None, -1
        if role not in ("continuation",):
            previous_kind = role
        block_labels.append(label)
    return Labels(tuple(units), tuple(block_labels))


def _role(block: SourceBlock, lines: list[str], open_indent: int, previous_kind: str) -> str:
    """What a block is to the numbering: paragraph, item, continuation, footnote or other."""
    text = block.text
    indent = len(block.indent.expandtabs(4))
    kind = block_kind(text)
    if kind == "footnote":
        return "footnote"
    if open_indent >= 0 and indent > open_indent and kind in ("paragraph", "list", "code") \
            and previous_kind in ("item", "footnote"):
        return "continuation"
    if kind == "list" and not _RULE.fullmatch(text):
        return "item"
    if kind != "paragraph" or _RULE.fullmatch(text) or text.startswith((">", ":::")) or _IMAGE_ONLY.fullmatch(text) \
            or FENCE.match(text) or indent >= 4:
        return "other"
    if text.startswith(("Table:", ": ")):
        return "other"  # a table caption
    source = lines[block.start:block.end]
    if any(line.lstrip().startswith((": ", "~ ")) for line in source[1:]):
        return "other"  # a definition list
    return PARAGRAPH


# -- reservations --------------------------------------------------------------------------

def parse_label(text: str) -> str | None:
    """A label as typed (`10(f)`, `10 (f)`, `10(F)`), normalised; None when it is not one."""
    compact = re.sub(r"\s+", "", str(text)).lower()
    return compact if LABEL.fullmatch(compact) else None


def refuse_unknown_labels(statement, labels: list) -> None:
    """Raise LabelError unless every label names a unit of the statement's text, listing the valid labels."""
    known = statement_labels(statement)
    for label in labels:
        problem = unknown_label_problem(known, label)
        if problem:
            raise LabelError(problem)


def unknown_label_problem(labels: Labels, label: str | int) -> str | None:
    """The message for a reservation on a label the text does not have, or None when it has it."""
    if str(label) in labels:
        return None
    if not labels.units:
        return (f"reservation on paragraph {label}: the text has no numbered paragraphs "
                f"(set numbered-paragraphs: true, or make the reservation a general one)")
    return f"reservation on paragraph {label}: the text has no paragraph {label} (paragraphs are {labels.describe()})"


def describe_labels(labels: list[str], limit: int = 12) -> str:
    """Runs of labels as ranges: `1-13, 9(a)-9(e), 10(a)-10(n)`."""
    paragraphs = [label for label in labels if "(" not in label]
    runs: list[str] = []
    runs.extend(_ranges(paragraphs))
    by_parent: dict[str, list[str]] = {}
    for label in labels:
        if "(" in label:
            by_parent.setdefault(label[:label.index("(")], []).append(label)
    for items in by_parent.values():
        runs.append(items[0] if len(items) == 1 else f"{items[0]}-{items[-1]}")
    if len(runs) > limit:
        runs = [*runs[:limit], f"... ({len(labels)} labels in all)"]
    return ", ".join(runs)


def _ranges(numbers: list[str]) -> list[str]:
    runs: list[list[int]] = []
    for value in (int(n) for n in numbers):
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return [str(a) if a == b else f"{a}-{b}" for a, b in runs]


# -- pairing with a renderer's view ------------------------------------------------------------

def anchor(label: str) -> str:
    """The HTML id of a unit: `para-10`, `para-10f`."""
    return "para-" + label.replace("(", "").replace(")", "")


def filter_settings(labels: Labels, numbered_paragraphs: bool, what: str) -> str:
    """The ACCORD_LABELS value build/labels.lua reads: the units in order, each with marker and anchor."""
    import json

    return json.dumps({"numbered": numbered_paragraphs, "what": what,
                       "units": [{"kind": unit.kind, "label": unit.label, "marker": unit.marker,
                                  "anchor": anchor(unit.label)} for unit in labels.units]})


def pair_units(labels: Labels, seen: list[str], what: str) -> list[Unit]:
    """Attach labels to the units a renderer found, in order; LabelError when the two views disagree.

    `seen` is the renderer's own sequence of unit kinds (paragraph / item). A
    disagreement means a construct one side reads differently (a definition list,
    a raw block): the output is refused rather than numbered wrongly.
    """
    expected = [unit.kind for unit in labels.units]
    if seen != expected:
        where = next((i for i, (a, b) in enumerate(zip(seen, expected)) if a != b), min(len(seen), len(expected)))
        near = labels.units[where].label if where < len(labels.units) else (labels.units[-1].label if labels.units else "-")
        raise LabelError(f"{what}: cannot number the text: pandoc reads {len(seen)} labelled units, "
                         f"accord's numbering {len(expected)} (they part near paragraph {near})")
    return list(labels.units)


# -- reservations in records -------------------------------------------------------------------

def bound_labels(repo, statement, record) -> Labels | None:
    """The labels of the text a record is bound to (its text_sha256): the current text, else the text
    at the record's commit, else the newest committed version with that hash; None when none has it."""
    if statement is not None and record.text_sha256 == statement.text_sha256:
        return statement_labels(statement)
    version = bound_version(repo, statement.id if statement is not None else record.statement, record)
    return body_labels(version[1], version[2]) if version else None


def bound_version(repo, statement_id: str, record) -> tuple[str, str, bool] | None:
    """(commit, body, numbered-paragraphs) of the committed text with the record's hash, or None."""
    key = (str(repo.root), repo.rel(repo.statement_file(statement_id)), record.text_sha256,
           str(record.commit) if record.commit else None)
    found = _BOUND.get(key)
    if found is None:
        found = _bound_version(repo.root, *key[1:])
        if found is not None:  # a text found by its hash never changes; one not found yet may be committed later
            _BOUND[key] = found
    return found


_BOUND: dict[tuple, tuple[str, str, bool]] = {}


def _bound_version(root, relpath: str, wanted: str, commit: str | None) -> tuple[str, str, bool] | None:
    from types import SimpleNamespace

    from .errors import AccordError
    from .history import commits_touching, read_blobs, resolve_revision

    record = SimpleNamespace(text_sha256=wanted, commit=commit)
    try:
        candidates = commits_touching(root, relpath)
    except AccordError:
        return None
    if record.commit:
        try:
            preferred = resolve_revision(root, str(record.commit))
            candidates = [preferred, *[c for c in candidates if c != preferred]]
        except AccordError:
            pass
    blobs = read_blobs(root, [f"{commit}:{relpath}" for commit in candidates])
    for commit in candidates:
        data = blobs.get(f"{commit}:{relpath}")
        parsed = _lenient_statement(data, relpath) if data is not None else None
        if parsed and record.text_sha256 in _hashes_of(data, relpath, parsed):
            return commit, parsed[1], parsed[2]
    return None


def _hashes_of(data: bytes, relpath: str, parsed: tuple[str, str, bool]) -> tuple[str, ...]:
    """The hashes a record on this text may carry: with its publishing fields (records made since they
    were hashed) and of its title and body alone (records made before)."""
    from .errors import AccordError
    from .statement import statement_from_bytes, text_sha256

    try:
        statement = statement_from_bytes(data, relpath)
    except AccordError:
        return (text_sha256(parsed[0], parsed[1]),)
    return (statement.text_sha256, statement.title_and_body_sha256)


def _lenient_statement(data: bytes, display: str) -> tuple[str, str, bool] | None:
    """(title, body, numbered-paragraphs) of a statement file's bytes, or None when unreadable."""
    from .errors import AccordError
    from .statement import split_front_matter
    from .yamlio import YAMLProblem, decode_text, load_yaml

    text, problem = decode_text(data, display)
    if problem:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    parts = split_front_matter(text)
    if parts is None:
        return None
    try:
        front = load_yaml(parts[0], line_offset=1)
    except (YAMLProblem, AccordError):
        return None
    if not isinstance(front, dict) or front.get("title") is None:
        return None
    return str(front["title"]), parts[1], front.get("numbered-paragraphs") is True


def reservation_findings(repo, statement, record, display: str, record_text: str) -> tuple[list, list]:
    """(problems, notes) about a record's reservation labels, for `accord check`.

    A problem: a label the bound text does not have (with the valid labels). A note:
    a reservation stored as a plain number, as records were before labels (it is
    read as that label), or a record whose bound text cannot be found to check it.
    """
    from .errors import Problem

    problems: list = []
    notes: list = []
    labelled = [r for r in record.reservations if r.paragraph is not None]
    if not labelled:
        return problems, notes
    lines = [number for number, line in enumerate(record_text.split("\n"), 1)
             if line.lstrip(" -").startswith("paragraph:")]
    labels = bound_labels(repo, statement, record)
    for index, reservation in enumerate(labelled):
        line = lines[index] if index < len(lines) else None
        if labels is None:
            notes.append(Problem(display, line, f"reservation on paragraph {reservation.paragraph}: cannot check "
                                                f"the label, no committed text has hash {record.text_sha256[:12]}"))
            continue
        problem = unknown_label_problem(labels, reservation.paragraph)
        if problem:
            problems.append(Problem(display, line, problem))
        elif isinstance(reservation.paragraph, int):
            unit = labels.unit(reservation.paragraph)
            notes.append(Problem(display, line, f"reservation on paragraph {reservation.paragraph} is a plain number "
                                                f"from before paragraph labels; it is read as paragraph "
                                                f"{unit.label} (\"{_opening(unit.text)}\")"))
    return problems, notes


def _opening(text: str, words: int = 6) -> str:
    """The first words of a block, without its list marker, for messages."""
    text = re.sub(r"^(?:[-*+]|\d{1,9}[.)]|#[.)]|\(?[a-zA-Z][.)])\s+", "", text)
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


# -- redlines ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RedlineLabels:
    """The labels of both versions a redline compares, by block: the newer version's label is shown,
    with the older one beside it where it differs (and alone on a deleted block)."""

    new: dict          # id(block) -> Unit, for the newer version's blocks
    old: dict          # id(block) -> Unit, for the older version's blocks
    new_first: frozenset  # ids of blocks that open a unit (the others continue one)
    old_first: frozenset
    new_numbered: bool = False   # whether the newer version numbers its paragraphs

    def level(self, unit: Unit) -> int:
        """The Word list level of a unit of the newer version: 0 for numbers, 1 for letters."""
        return 1 if unit.kind == ITEM and self.new_numbered else 0

    def for_op(self, op) -> tuple[Unit | None, Unit | None]:
        """(unit shown, older unit when its label differs or the block is gone) for a redline BlockOp;
        only for the block that opens a unit."""
        gone = op.op in ("delete", "move-from")
        old_block = op.block if gone else op.old
        new_unit = None if gone or id(op.block) not in self.new_first else self.new.get(id(op.block))
        old_unit = self.old.get(id(old_block)) if old_block is not None and id(old_block) in self.old_first else None
        if gone:
            return None, old_unit
        if old_unit is not None and new_unit is not None and old_unit.label == new_unit.label:
            old_unit = None
        return new_unit, old_unit


def redline_labels(redline, old_labels: Labels, new_labels: Labels, old_numbered: bool,
                   new_numbered: bool) -> RedlineLabels:
    """Attach each version's labels to the redline's blocks (pandoc's reading), in order; LabelError
    when the two readings disagree."""
    new, new_first = _document_units(redline.new.blocks, new_labels, new_numbered, "redline (newer text)")
    old, old_first = _document_units(redline.old.blocks, old_labels, old_numbered, "redline (older text)")
    return RedlineLabels(new, old, frozenset(new_first), frozenset(old_first), new_numbered)


def _document_units(blocks, labels: Labels, numbered: bool, what: str) -> tuple[dict, set]:
    seen: list[str] = []
    owners: list[tuple[object, int | None, bool]] = []   # (block, unit index, opens the unit)
    current: int | None = None
    for block in blocks:
        frames = block.frames
        if not frames and block.kind == "para" and numbered and not _image_only(block):
            seen.append(PARAGRAPH)
            current = len(seen) - 1
            owners.append((block, current, True))
        elif frames and frames[0].is_list and (numbered or frames[0].kind == "ordered"):
            if 0 in block.item_starts:
                seen.append(ITEM)
                current = len(seen) - 1
                owners.append((block, current, True))
            else:
                owners.append((block, current, False))
        else:
            current = None if not frames or not frames[0].is_list else current
    units = pair_units(labels, seen, what)
    by_block = {id(block): units[index] for block, index, _ in owners if index is not None}
    first = {id(block) for block, index, opens in owners if opens}
    return by_block, first


def _image_only(block) -> bool:
    return bool(block.tokens) and all(token.kind in ("image", "space") for token in block.tokens)


def renumbering(redline_labels_: RedlineLabels, ops) -> list[str]:
    """What renumbering the changes cause, as a reader says it: `paragraphs 7–13 are now 8–14`,
    `9(e) is now 9(d)`. Items that only follow their paragraph's new number are not listed again."""
    moved: list[tuple[Unit, Unit]] = []
    for op in ops:
        unit, was = redline_labels_.for_op(op)
        if unit is not None and was is not None:
            moved.append((was, unit))
    paragraph_shift = {_parent(old.label): _parent(new.label) for old, new in moved
                       if "(" not in old.label and "(" not in new.label}
    lines = []
    numbers = [(int(old.label), int(new.label)) for old, new in moved if "(" not in old.label + new.label]
    for first, last in _runs(numbers):
        if first == last:
            lines.append(f"paragraph {first[0]} is now {first[1]}")
        else:
            lines.append(f"paragraphs {first[0]}\u2013{last[0]} are now {first[1]}\u2013{last[1]}")
    items = [(old, new) for old, new in moved if "(" in old.label or "(" in new.label]
    pending: list[tuple[str, str]] = []
    for old, new in items:
        if _letter(old.label) == _letter(new.label) and paragraph_shift.get(_parent(old.label)) == _parent(new.label):
            continue  # follows its paragraph
        pending.append((old.label, new.label))
    for first, last in _label_runs(pending):
        if first == last:
            lines.append(f"{first[0]} is now {first[1]}")
        else:
            lines.append(f"{first[0]}\u2013{last[0]} are now {first[1]}\u2013{last[1]}")
    return lines


def _parent(label: str) -> str:
    return label.split("(", 1)[0]


def _letter(label: str) -> str:
    return label[label.index("("):] if "(" in label else ""


def _runs(pairs: list[tuple[int, int]]):
    """Consecutive pairs with the same shift, as (first, last)."""
    start = None
    previous = None
    for pair in pairs:
        if previous is not None and pair[0] == previous[0] + 1 and pair[1] == previous[1] + 1:
            previous = pair
            continue
        if start is not None:
            yield start, previous
        start = previous = pair
    if start is not None:
        yield start, previous


def _label_runs(pairs: list[tuple[str, str]]):
    """Item label changes grouped while they follow one another within the same paragraphs."""
    start = None
    previous = None
    for pair in pairs:
        if previous is not None and _next_item(previous[0]) == pair[0] and _next_item(previous[1]) == pair[1]:
            previous = pair
            continue
        if start is not None:
            yield start, previous
        start = previous = pair
    if start is not None:
        yield start, previous


def _next_item(label: str) -> str | None:
    if "(" not in label:
        return None
    parent, letter = _parent(label), _letter(label)[1:-1]
    index = (len(letter) - 1) * 26 + ord(letter[0]) - ord("a") + 1
    return f"{parent}({letters(index + 1)})"


# -- reservations after the text moved on -------------------------------------------------------

def label_map(old: Labels, old_blocks: list[str], new: Labels, new_blocks: list[str]) -> dict[str, str | None]:
    """Where each labelled unit of an older text stands in a newer one: its new label, or None when
    its block is gone. Blocks are matched by their canonical text (textdiff.opcodes), a changed block in
    place of an old one keeping its identity; pure Python, no pandoc."""
    from .textdiff import opcodes

    where: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in opcodes(old_blocks, new_blocks):
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for offset in range(i2 - i1):
                where[i1 + offset] = j1 + offset
    moved: dict[str, str | None] = {}
    for unit in old.units:
        target = where.get(unit.block)
        moved[unit.label] = new.label_for_block(target) if target is not None else None
    return moved


def reservation_moves(repo, statement, record) -> dict[str, str]:
    """For a record made on an older text: each reservation label whose unit now has another label,
    or is gone, with what to say (`now 11(f)`, `the paragraph is gone`). Empty for a current record."""
    from .blockrules import markdown_blocks

    if record.text_sha256 == statement.text_sha256 or not any(r.paragraph for r in record.reservations):
        return {}
    version = bound_version(repo, statement.id, record)
    if version is None:
        return {}
    _commit, body, numbered = version
    old_labels = body_labels(body, numbered)
    mapping = label_map(old_labels, markdown_blocks(body), statement_labels(statement),
                        markdown_blocks(statement.body))
    notes = {}
    for reservation in record.reservations:
        label = str(reservation.paragraph) if reservation.paragraph is not None else None
        if label is None or label not in mapping:
            continue
        now = mapping[label]
        if now is None:
            notes[label] = "the paragraph is gone from the current text"
        elif now != label:
            notes[label] = f"now paragraph {now}: it moved since the record was made"
    return notes
