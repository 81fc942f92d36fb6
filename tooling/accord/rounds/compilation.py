"""`accord round compile`: the compilation of amendments a drafting meeting works from.

For each paragraph of the current text: its label and wording, then every
partner's proposed change to it as a word-level redline (the redline package's
word diff), with the partner's name and their comments on it, and an empty
"Secretariat response" column. Paragraphs nobody touched are listed once;
comments that name no paragraph come at the end. Written as a landscape DOCX
table in the house style (templates/reference.docx) or one self-contained HTML page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RoundError, UsageError
from ..blockrules import SourceBlock, source_blocks
from .model import CommentNote, Return, Round, latest_round, round_files
from .paragraphs import paragraph_labels

if TYPE_CHECKING:
    from ..redline.blocks import Token
    from ..repo import Repo
    from ..statement import Statement

TITLE_LABEL = "Title"


@dataclass(frozen=True)
class Proposal:
    """One partner's change to one paragraph: the word diff from its old wording to theirs."""

    partner: str
    label: str
    old: str
    new: str
    script: tuple[tuple[str, str], ...]       # (equal | insert | delete, text) in reading order

    @property
    def kind(self) -> str:
        if not self.old:
            return "insert"
        if not self.new:
            return "delete"
        return "change"


@dataclass
class Entry:
    """A paragraph of the current text (or the title) with the proposals and comments on it."""

    label: str | None
    text: str
    kind: str
    proposals: list[Proposal] = field(default_factory=list)
    comments: list[tuple[str, CommentNote]] = field(default_factory=list)


@dataclass
class Compilation:
    statement_id: str
    title: str
    round: Round
    text_sha256: str
    entries: list[Entry]
    general: list[tuple[str, CommentNote]]
    partners: list[str]

    @property
    def proposals(self) -> int:
        return sum(len(entry.proposals) for entry in self.entries)


def compile_round(repo: Repo, statement_id: str) -> Compilation:
    """Every imported return of the round (open, else the last) against the current text."""
    from ..history import file_at
    from ..statement import statement_from_bytes

    statement = repo.load_statement(statement_id)
    _, item = latest_round(repo, statement_id)
    registry = repo.partners()
    current = source_blocks(statement.body)
    labels = paragraph_labels(statement.body, statement.numbered_paragraphs)
    # A label is shown once, on the first block that carries it (a table's rows share one).
    labels = [label if index == 0 or label is None or labels[index - 1] != label else ""
              for index, label in enumerate(labels)]
    entries = [Entry(TITLE_LABEL, display(statement.title), "title")]
    entries += [Entry(label, display(block.text), "rule" if _TABLE_RULE.fullmatch(block.text) else block.kind)
                for label, block in zip(labels, current)]
    relpath = f"statements/{statement_id}/statement.md"
    versions: dict[str, tuple[Statement, list[SourceBlock]]] = {}

    def version(commit: str) -> tuple[Statement, list[SourceBlock]]:
        """(statement, its blocks) at a commit; the returns of a round mostly share the commit they were merged onto."""
        if commit not in versions:
            statement_then = statement_from_bytes(file_at(repo.root, commit, relpath), f"{relpath} at {commit[:12]}")
            versions[commit] = statement_then, source_blocks(statement_then.body)
        return versions[commit]

    general: list[tuple[str, CommentNote]] = []
    partners: list[str] = []
    current_texts = [block.text for block in current]
    places: dict[str, dict[int, int]] = {}
    anchors = AnchorFinder(current_texts)
    for returned in in_partner_order(item):
        partner = registry.get(returned.partner)
        label = partner.label if partner else returned.partner
        if label not in partners:
            partners.append(label)
        if returned.commit and returned.onto:
            (before, before_blocks), (after, after_blocks) = version(returned.onto), version(returned.commit)
            if before.title != after.title:
                entries[0].proposals.append(_proposal(returned.partner, label, before.title, after.title))
            if returned.onto not in places:
                places[returned.onto] = block_places(before_blocks, current_texts)
            place = places[returned.onto]
            for old_index, old, new in changed_blocks(before_blocks, after_blocks):
                target = place.get(old_index) if old_index is not None else None
                entry = entries[target + 1] if target is not None else _entry_for_new(entries, place, old_index)
                entry.proposals.append(_proposal(returned.partner, label, old, new))
        for note in returned.comments:
            index = anchors.find(note.anchor)
            (entries[index + 1].comments if index is not None else general).append((label, note))
    return Compilation(statement_id, statement.title, item, statement.text_sha256, entries, general, partners)


def in_partner_order(item: Round) -> list[Return]:
    """Each partner's latest return (a second file from a partner is its revised answer), in the order
    the round lists its partners (a file's name says nothing)."""
    rank = {partner_id: index for index, partner_id in enumerate(item.partners)}
    latest = {returned.partner: returned for returned in item.returns}
    return sorted(latest.values(), key=lambda returned: rank.get(returned.partner, len(rank)))


def changed_blocks(before: list[SourceBlock], after: list[SourceBlock]) -> list[tuple[int | None, str, str]]:
    """(index in before or the index it follows for an insertion, old text, new text) per changed block."""
    from ..textdiff import opcodes, pair_blocks

    old_texts, new_texts = [b.text for b in before], [b.text for b in after]
    changes: list[tuple[int | None, str, str]] = []
    for tag, i1, i2, j1, j2 in opcodes(old_texts, new_texts):
        if tag == "equal":
            continue
        pairs = dict(pair_blocks(old_texts[i1:i2], new_texts[j1:j2])) if tag == "replace" else {}
        paired_new = set(pairs.values())
        previous = i1 - 1
        new_cursor = j1
        for i in range(i1, i2):
            if i - i1 in pairs:
                j = j1 + pairs[i - i1]
                for k in range(new_cursor, j):  # insertions before this pair
                    if k - j1 not in paired_new:
                        changes.append((_insert_at(previous), "", new_texts[k]))
                changes.append((i, old_texts[i], new_texts[j]))
                new_cursor = j + 1
            else:
                changes.append((i, old_texts[i], ""))
            previous = i
        for k in range(new_cursor, j2):
            if k - j1 not in paired_new:
                changes.append((_insert_at(previous), "", new_texts[k]))
    return changes


def _insert_at(previous: int) -> int | None:
    """An inserted block belongs under the block before it (the title, when it opens the body)."""
    return previous if previous >= 0 else None


def block_places(before: list[SourceBlock], current: list[str]) -> dict[int, int]:
    """Where each block of the text a partner edited is in the current text (unchanged, else most like it)."""
    from ..textdiff import opcodes, pair_blocks

    texts = [b.text for b in before]
    place: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in opcodes(texts, current):
        if tag == "equal":
            place.update({i1 + n: j1 + n for n in range(i2 - i1)})
        elif tag == "replace":
            place.update({i1 + a: j1 + b for a, b in pair_blocks(texts[i1:i2], current[j1:j2])})
    return place


def _entry_for_new(entries: list[Entry], place: dict[int, int], old_index: int | None) -> Entry:
    """A block with no counterpart in the current text: under the nearest earlier paragraph that has one."""
    index = old_index
    while index is not None and index >= 0:
        if index in place:
            return entries[place[index] + 1]
        index -= 1
    return entries[0]


class AnchorFinder:
    """The block a comment's anchor words are in: the first whose words contain them."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._keys: list[str] | None = None

    def find(self, anchor: str) -> int | None:
        from ..review.carry import plain_key

        key = plain_key(anchor, marker=False)
        if not key:
            return None
        if self._keys is None:
            self._keys = [plain_key(text, marker=False) for text in self.texts]
        return next((index for index, words in enumerate(self._keys) if key in words), None)


def _proposal(partner_id: str, label: str, old: str, new: str) -> Proposal:
    from ..redline.blocks import SPACE, word_token
    from ..textdiff import DELETE, diff_tokens

    old, new = display(old), display(new)

    def tokens(text: str) -> list[Token]:
        return [SPACE if piece.isspace() else word_token(piece) for piece in _WORD.findall(text)]

    script = []
    for op, old_tokens, new_tokens in diff_tokens(tokens(old), tokens(new)):
        text = "".join(token.text for token in (old_tokens if op == DELETE else new_tokens))
        if text:
            script.append((op, text))
    return Proposal(partner_id, label, old, new, tuple(script))


_WORD = re.compile(r"\w+|\s+|[^\w\s]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_TABLE_RULE = re.compile(r"\|( :?---:? \|)+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def display(text: str) -> str:
    """A block's Markdown as a reader sees it: emphasis and link markup dropped, note references as [n]."""
    if text.startswith("|"):
        text = text.strip("|").strip()
    text = _LINK.sub(r"\1", text)
    text = _NOTE_REF.sub(r"[\1]", text)
    text = re.sub(r"^#{1,6}\s+", "", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _ESCAPE.sub(r"\1", text)


# -- writing ----------------------------------------------------------------------------------

def write_compilation(repo: Repo, statement_id: str, output: str | None = None) -> tuple[Compilation, list[Path]]:
    """Write the compilation to -o FILE (.docx or .html), else both beside the round's packets."""
    from ..fsutil import write_atomic

    if output is not None:
        target = Path(output)
        if target.suffix.lower() not in (".docx", ".html"):
            raise UsageError(f"-o {output}: the file must end in .docx or .html")
        if target.is_dir():
            raise UsageError(f"-o {output}: is a folder, not a file")
        if not target.parent.is_dir():
            raise UsageError(f"-o {output}: the folder {target.parent} does not exist")
        targets = [target]
    else:
        _, item = latest_round(repo, statement_id)
        folder = round_files(repo, statement_id, item.number).folder
        targets = [folder / "compilation.docx", folder / "compilation.html"]
    compilation = compile_round(repo, statement_id)
    for target in targets:
        data = (compilation_docx(repo, compilation) if target.suffix.lower() == ".docx"
                else compilation_html(repo, compilation).encode("utf-8"))
        try:
            write_atomic(target, data)
        except OSError as exc:
            raise RoundError(f"cannot write {target}: {exc.strerror or exc}") from None
    return compilation, targets


def heading_lines(repo: Repo, compilation: Compilation) -> tuple[str, str]:
    item = compilation.round
    title = f"Compilation of amendments, round {item.number}: {compilation.title}"
    returned = ", ".join(compilation.partners) or "none yet"
    sub = (f"{compilation.statement_id}, text {compilation.text_sha256[:12]}; round opened on text "
           f"{item.text_sha256[:12]} (commit {item.commit[:12]}); returns from: {returned}; "
           f"{compilation.proposals} proposal{'s' if compilation.proposals != 1 else ''}")
    return title, sub


def compilation_html(repo: Repo, compilation: Compilation) -> str:
    """One self-contained page (accord/web/templates/rounds/compilation.html.j2): a row per heading and
    paragraph, then a row per partner with its proposals as redlines and its comments."""
    from ..web import render

    title, sub = heading_lines(repo, compilation)
    rows: list[dict[str, Any]] = []
    for entry in compilation.entries:
        if entry.kind == "rule":
            continue
        if entry.kind == "heading":
            rows.append({"kind": "heading", "text": entry.text})
            continue
        rows.append({"kind": "paragraph", "label": entry.label or "", "text": entry.text})
        for label, proposals, comments in _by_partner(entry):
            rows.append({"kind": "proposal", "partner": label, "proposals": proposals,
                         "comments": [(comment_heading(note), note.text) for note in comments]})
    return render("rounds/compilation.html.j2", title=title, sub=sub, rows=rows, general=compilation.general)


def comment_heading(note: CommentNote) -> str:
    """'Comment (Jane Doe) on “a guardian”': who, and the words the comment was on."""
    anchor = " ".join(note.anchor.split())
    if len(anchor) > 60:
        anchor = anchor[:59].rstrip() + "…"
    return f"Comment ({note.author})" + (f" on \u201c{anchor}\u201d" if anchor else "")


def _by_partner(entry: Entry) -> list[tuple[str, list[Proposal], list[CommentNote]]]:
    grouped: dict[str, tuple[list[Proposal], list[CommentNote]]] = {}
    for proposal in entry.proposals:
        grouped.setdefault(proposal.label, ([], []))[0].append(proposal)
    for label, note in entry.comments:
        grouped.setdefault(label, ([], []))[1].append(note)
    return [(label, proposals, comments) for label, (proposals, comments) in grouped.items()]


def compilation_docx(repo: Repo, compilation: Compilation) -> bytes:
    """A landscape A4 DOCX on the house reference document: one table, header row repeated on every page."""
    from ..ooxml.package import Package
    from ..ooxml.parts import escape

    reference = repo.templates_dir / "reference.docx"
    if not reference.is_file():
        raise RoundError(f"{repo.rel(reference)} is missing; the compilation is written in its house style")
    title, sub = heading_lines(repo, compilation)

    def run(text: str, props: str = "") -> str:
        return (f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}'
                f'<w:t xml:space="preserve">{escape(_xml_safe(text))}</w:t></w:r>')

    def paragraph(runs: str, style: str | None = None, keep: bool = False) -> str:
        props = (f'<w:pStyle w:val="{style}"/>' if style else "") + ("<w:keepNext/>" if keep else "")
        return f'<w:p>{f"<w:pPr>{props}</w:pPr>" if props else ""}{runs}</w:p>'

    widths = (1000, 9400, 4500)

    def cell(content: str, width: int, span: int = 1, shade: str | None = None) -> str:
        props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
        return f"<w:tc><w:tcPr>{props}</w:tcPr>{content or paragraph('')}</w:tc>"

    def row(cells: str, header: bool = False) -> str:
        props = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
        return f"<w:tr>{props}{cells}</w:tr>"

    bold = "<w:b/><w:bCs/>"
    styles = {"insert": '<w:color w:val="1F5FBF"/><w:u w:val="single"/>',
              "delete": '<w:color w:val="B3261E"/><w:strike/>', "equal": ""}
    rows = [row(cell(paragraph(run("¶", bold)), widths[0], shade="DDE3EA")
                + cell(paragraph(run("Text and proposals", bold)), widths[1], shade="DDE3EA")
                + cell(paragraph(run("Secretariat response", bold)), widths[2], shade="DDE3EA"), header=True)]
    for entry in compilation.entries:
        if entry.kind == "rule":
            continue
        if entry.kind == "heading":
            rows.append(row(cell(paragraph(run(entry.text, bold)), sum(widths), span=3, shade="F2F2F2")))
            continue
        rows.append(row(cell(paragraph(run(entry.label or "", bold)), widths[0])
                        + cell(paragraph(run(entry.text)), widths[1]) + cell("", widths[2])))
        for label, proposals, comments in _by_partner(entry):
            content = paragraph(run(label, bold), keep=True)
            for proposal in proposals:
                content += paragraph("".join(run(text, styles[op]) for op, text in proposal.script))
            for note in comments:
                content += paragraph(run(f"{comment_heading(note)}: {note.text}", "<w:i/><w:iCs/>"))
            rows.append(row(cell("", widths[0], shade="FBFBF6") + cell(content, widths[1], shade="FBFBF6")
                            + cell("", widths[2])))
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    borders = "".join(f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="999999"/>'
                      for edge in ("top", "left", "bottom", "right", "insideH", "insideV"))
    table = (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblBorders>{borders}</w:tblBorders>'
             f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
    general = [paragraph(run("General comments"), "Heading1")]
    general += [paragraph(run(f"{label} ({note.author}): ", bold) + run(note.text)) for label, note in compilation.general]
    if not compilation.general:
        general.append(paragraph(run("None.")))
    section = ('<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>'
               '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" '
               'w:footer="567" w:gutter="0"/></w:sectPr>')
    body = (paragraph(run(title), "Title") + paragraph(run(sub), "Subtitle") + table + "".join(general) + section)
    package = Package(reference.read_bytes())
    document = package.read("word/document.xml").decode("utf-8")
    start = document.index("<w:body>") + len("<w:body>")
    end = document.rindex("</w:body>")
    package.write("word/document.xml", (document[:start] + body + document[end:]).encode("utf-8"))
    return package.to_bytes()


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters: a comment pasted from elsewhere must not break the file."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)


__all__ = ["Compilation", "Entry", "Proposal", "changed_blocks", "compile_round", "compilation_docx",
           "compilation_html", "display", "write_compilation"]
