"""A DOCX editor that works the way Word does, for review tests (test_word_edits.py checks that it does).

`WordEdits` opens a DOCX with python-docx and changes its XML as Word records
edits with Track Changes on: w:ins / w:del runs, w:moveFrom / w:moveTo with
their range marks, deleted and inserted paragraph marks, comments with their
ranges and references, and replies through commentsExtended.xml. Untracked
edits (a partner who forgot Track Changes) change the runs directly.
"""

from __future__ import annotations

import copy
import io
import itertools

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
COMMENTS_EXTENDED_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"
COMMENTS_EXTENDED_REL = "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"


class WordEdits:
    """Edit a DOCX as Word does with Track Changes on (or off, for the `untracked_*` edits)."""

    def __init__(self, docx: bytes, author: str = "Jane Doe", date: str = "2026-11-20T10:00:00Z"):
        self.doc = Document(io.BytesIO(docx))
        self.author = author
        self.date = date
        self._ids = itertools.count(9000)
        self._extended: list[tuple[str, str | None]] = []

    # -- finding text ---------------------------------------------------------------
    def _stories(self):
        yield self.doc.element.body
        footnotes = self._footnotes_part()
        if footnotes is not None:
            yield footnotes.element

    def _footnotes_part(self):
        for rel in self.doc.part.rels.values():
            if rel.reltype == RT.FOOTNOTES:
                part = rel.target_part
                if not hasattr(part, "element"):
                    part.element = parse_xml(part.blob)
                    part._blob_patch = True
                return part
        return None

    def paragraph(self, containing: str):
        """The first w:p (body or footnotes) whose visible text contains the words."""
        for story in self._stories():
            for p in story.iter(qn("w:p")):
                if containing in _visible_text(p) and not _in_review_note(p):
                    return p
        raise AssertionError(f"no paragraph contains {containing!r}")

    def _runs_for(self, text: str):
        """Split runs so that `text` is exactly a sequence of whole runs; return them."""
        p = self.paragraph(text)
        start = _visible_text(p).index(text)
        _split_at(p, start)
        _split_at(p, start + len(text))
        runs, offset = [], 0
        for run in _text_runs(p):
            length = len(_run_text(run))
            if start <= offset < start + len(text):
                runs.append(run)
            offset += length
        return runs

    def _attrs(self) -> str:
        return f'w:id="{next(self._ids)}" w:author="{self.author}" w:date="{self.date}"'

    # -- tracked edits ----------------------------------------------------------------
    def replace(self, old: str, new: str) -> "WordEdits":
        runs = self._runs_for(old)
        deletion = self._wrap(runs, "del")
        insertion = parse_xml(f'<w:ins {nsdecls("w")} {self._attrs()}/>')
        run = copy.deepcopy(runs[0])
        _set_run_text(run, new)
        insertion.append(run)
        deletion.addnext(insertion)
        return self

    def delete(self, text: str) -> "WordEdits":
        self._wrap(self._runs_for(text), "del")
        return self

    def insert_after(self, anchor: str, new: str) -> "WordEdits":
        runs = self._runs_for(anchor)
        insertion = parse_xml(f'<w:ins {nsdecls("w")} {self._attrs()}/>')
        run = copy.deepcopy(runs[-1])
        _set_run_text(run, new)
        insertion.append(run)
        runs[-1].addnext(insertion)
        return self

    def insert_paragraph_after(self, containing: str, text: str) -> "WordEdits":
        """A new paragraph typed after another: its mark and its runs are insertions."""
        p = self.paragraph(containing)
        new = copy.deepcopy(p)
        for child in list(new):
            if child.tag != qn("w:pPr"):
                new.remove(child)
        self._mark(new, "ins")
        insertion = parse_xml(f'<w:ins {nsdecls("w")} {self._attrs()}><w:r><w:t xml:space="preserve">'
                              f'{_escape(text)}</w:t></w:r></w:ins>')
        new.append(insertion)
        p.addnext(new)
        return self

    def delete_paragraph(self, containing: str) -> "WordEdits":
        """A whole paragraph deleted: every run and the paragraph mark."""
        p = self.paragraph(containing)
        runs = [child for child in p if child.tag == qn("w:r")]
        if runs:
            self._wrap(runs, "del")
        self._mark(p, "del")
        return self

    def join_with_next(self, containing: str) -> "WordEdits":
        """Delete the paragraph mark: this paragraph runs on into the next one."""
        self._mark(self.paragraph(containing), "del")
        return self

    def move(self, text: str, after: str) -> "WordEdits":
        """Cut `text` and paste it after `after`, as Word records a move."""
        runs = self._runs_for(text)
        name = f"move{next(self._ids)}"
        moved = [copy.deepcopy(run) for run in runs]
        source = self._wrap(runs, "moveFrom")
        start_id, end_id = next(self._ids), next(self._ids)
        source.addprevious(parse_xml(f'<w:moveFromRangeStart {nsdecls("w")} {self._attrs()} w:name="{name}"/>'))
        source.addnext(parse_xml(f'<w:moveFromRangeEnd {nsdecls("w")} w:id="{start_id}"/>'))
        target_runs = self._runs_for(after)
        destination = parse_xml(f'<w:moveTo {nsdecls("w")} {self._attrs()}/>')
        for run in moved:
            destination.append(run)
        target_runs[-1].addnext(destination)
        destination.addprevious(parse_xml(f'<w:moveToRangeStart {nsdecls("w")} {self._attrs()} w:name="{name}"/>'))
        destination.addnext(parse_xml(f'<w:moveToRangeEnd {nsdecls("w")} w:id="{end_id}"/>'))
        return self

    def insert_row_after(self, containing: str, cells: tuple[str, ...]) -> "WordEdits":
        """A table row typed after the row holding `containing`: the row is marked inserted (w:trPr/w:ins)
        and the text of each cell is an insertion, as Word records Insert Row Below."""
        row = next(ancestor for ancestor in self.paragraph(containing).iterancestors(qn("w:tr")))
        new = copy.deepcopy(row)
        trPr = new.find(qn("w:trPr"))
        if trPr is None:
            trPr = parse_xml(f'<w:trPr {nsdecls("w")}/>')
            new.insert(0, trPr)
        trPr.append(parse_xml(f'<w:ins {nsdecls("w")} {self._attrs()}/>'))
        for cell, text in zip(new.iter(qn("w:tc")), cells):
            paragraphs = cell.findall(qn("w:p"))
            for extra in paragraphs[1:]:
                cell.remove(extra)
            for child in list(paragraphs[0]):
                if child.tag != qn("w:pPr"):
                    paragraphs[0].remove(child)
            paragraphs[0].append(parse_xml(f'<w:ins {nsdecls("w")} {self._attrs()}><w:r><w:t xml:space="preserve">'
                                           f'{_escape(text)}</w:t></w:r></w:ins>'))
        row.addnext(new)
        return self

    def delete_row(self, containing: str) -> "WordEdits":
        """The table row holding `containing` deleted: w:trPr/w:del, and its text deleted."""
        row = next(ancestor for ancestor in self.paragraph(containing).iterancestors(qn("w:tr")))
        trPr = row.find(qn("w:trPr"))
        if trPr is None:
            trPr = parse_xml(f'<w:trPr {nsdecls("w")}/>')
            row.insert(0, trPr)
        trPr.append(parse_xml(f'<w:del {nsdecls("w")} {self._attrs()}/>'))
        for paragraph in row.iter(qn("w:p")):
            runs = [child for child in paragraph if child.tag == qn("w:r")]
            if runs:
                self._wrap(runs, "del")
        return self

    def _wrap(self, runs, kind: str):
        wrapper = parse_xml(f'<w:{kind} {nsdecls("w")} {self._attrs()}/>')
        runs[0].addprevious(wrapper)
        for run in runs:
            if kind == "del":
                for t in run.findall(qn("w:t")):
                    t.tag = qn("w:delText")
            wrapper.append(run)
        return wrapper

    def _mark(self, p, kind: str) -> None:
        pPr = p.get_or_add_pPr()
        rPr = pPr.find(qn("w:rPr"))
        if rPr is None:
            rPr = parse_xml(f'<w:rPr {nsdecls("w")}/>')
            pPr.append(rPr)
        rPr.append(parse_xml(f'<w:{kind} {nsdecls("w")} {self._attrs()}/>'))

    def reject(self, text: str) -> "WordEdits":
        """Reject someone else's tracked insertion or deletion of exactly `text` (spaces aside)."""
        for story in self._stories():
            for change in story.iter(qn("w:ins"), qn("w:del")):
                if change.getparent().tag == qn("w:rPr"):
                    continue
                words = "".join(t.text or "" for t in change.iter(qn("w:t"), qn("w:delText")))
                if words.strip() != text:
                    continue
                if change.tag == qn("w:ins"):
                    change.getparent().remove(change)
                else:
                    for t in change.iter(qn("w:delText")):
                        t.tag = qn("w:t")
                    for child in list(change):
                        change.addprevious(child)
                    change.getparent().remove(change)
                return self
        raise AssertionError(f"no tracked change holds {text!r}")

    # -- untracked edits --------------------------------------------------------------
    def untracked_replace(self, old: str, new: str) -> "WordEdits":
        runs = self._runs_for(old)
        _set_run_text(runs[0], new)
        for run in runs[1:]:
            run.getparent().remove(run)
        return self

    # -- comments ---------------------------------------------------------------------
    def comment(self, anchor: str, text: str, author: str | None = None, date: str | None = None,
                replies: tuple[tuple[str, str], ...] = (), resolved: bool = False) -> "WordEdits":
        """A comment on the words `anchor`, with replies as (author, text) pairs."""
        runs = self._runs_for(anchor)
        comments_part = self.doc.part._comments_part
        parent = self._add_comment(comments_part, text, author or self.author, date or self.date)
        comment_id = parent.get(qn("w:id"))
        runs[0].addprevious(parse_xml(f'<w:commentRangeStart {nsdecls("w")} w:id="{comment_id}"/>'))
        runs[-1].addnext(parse_xml(f'<w:commentRangeEnd {nsdecls("w")} w:id="{comment_id}"/>'))
        end = runs[-1].getnext()
        end.addnext(parse_xml(f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
                              f'<w:commentReference w:id="{comment_id}"/></w:r>'))
        parent_para = _para_id(parent)
        self._extended.append((parent_para, None, resolved))
        for reply_author, reply_text in replies:
            reply = self._add_comment(comments_part, reply_text, reply_author, date or self.date)
            self._extended.append((_para_id(reply), parent_para, False))
        return self

    def _add_comment(self, comments_part, text: str, author: str, date: str):
        comment_id = next(self._ids)
        para_id = f"{comment_id:08X}"
        element = parse_xml(
            f'<w:comment {nsdecls("w")} xmlns:w14="{W14}" w:id="{comment_id}" w:author="{_escape(author)}" '
            f'w:date="{date}" w:initials="{"".join(n[0] for n in author.split())}">'
            f'<w:p w14:paraId="{para_id}"><w:r><w:annotationRef/></w:r>'
            f'<w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:p></w:comment>')
        comments_part.element.append(element)
        return element

    # -- saving -----------------------------------------------------------------------
    def save(self) -> bytes:
        if self._extended:
            entries = "".join(
                f'<w15:commentEx w15:paraId="{para}"'
                + (f' w15:paraIdParent="{parent}"' if parent else "")
                + f' w15:done="{1 if done else 0}"/>' for para, parent, done in self._extended)
            blob = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<w15:commentsEx xmlns:w15="{W15}">{entries}</w15:commentsEx>').encode()
            part = Part(PackURI("/word/commentsExtended.xml"), COMMENTS_EXTENDED_TYPE, blob, self.doc.part.package)
            self.doc.part.relate_to(part, COMMENTS_EXTENDED_REL)
        footnotes = self._footnotes_part()
        if footnotes is not None and getattr(footnotes, "_blob_patch", False):
            from lxml import etree

            footnotes._blob = etree.tostring(footnotes.element, xml_declaration=True, encoding="UTF-8",
                                             standalone=True)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _in_review_note(p) -> bool:
    """Inside the note `review send` puts on the first page: locked in Word, so no edit lands there."""
    return any(tag.get(qn("w:val")) == "accord.review-note"
               for sdt in p.iterancestors(qn("w:sdt")) for tag in sdt.iter(qn("w:tag")))


def _para_id(comment) -> str:
    return comment.find(qn("w:p")).get(f"{{{W14}}}paraId")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _text_runs(p):
    """Runs of a paragraph in order, outside deletions (what a reader sees)."""
    for run in p.iter(qn("w:r")):
        ancestor, deleted = run.getparent(), False
        while ancestor is not None and ancestor is not p:
            if ancestor.tag in (qn("w:del"), qn("w:moveFrom")):
                deleted = True
            ancestor = ancestor.getparent()
        if not deleted:
            yield run


def _run_text(run) -> str:
    return "".join(t.text or "" for t in run.findall(qn("w:t")))


def _visible_text(p) -> str:
    return "".join(_run_text(run) for run in _text_runs(p))


def _set_run_text(run, text: str) -> None:
    ts = run.findall(qn("w:t")) + run.findall(qn("w:delText"))
    for t in ts[1:]:
        run.remove(t)
    if ts:
        ts[0].tag = qn("w:t")
        ts[0].text = text
        ts[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    else:
        run.append(parse_xml(f'<w:t {nsdecls("w")} xml:space="preserve">{_escape(text)}</w:t>'))


def _split_at(p, offset: int) -> None:
    """Make a run boundary at a character offset of the paragraph's visible text."""
    position = 0
    for run in list(_text_runs(p)):
        text = _run_text(run)
        if position < offset < position + len(text):
            cut = offset - position
            second = copy.deepcopy(run)
            _set_run_text(run, text[:cut])
            _set_run_text(second, text[cut:])
            run.addnext(second)
            return
        position += len(text)
