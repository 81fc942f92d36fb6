"""`accord review import`: a partner's DOCX in, their edits merged onto HEAD on a branch of their own.

Stages: open the DOCX safely -> find its base and partner -> read the partner's
version (changes accepted) and the version we sent -> carry the edits onto the
base source -> three-way merge onto HEAD -> comments file -> one commit on
review/<partner>/<id>, written with git plumbing only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GitError, ReviewError
from ..history import (commit_files, create_branch, current_branch, file_at, head_commit, path_exists_at,
                       resolve_revision)
from ..partners import require_partner
from ..ooxml.reading import (Comment, accepted_package, change_authors, count_drawings, custom_properties,
                             open_docx, open_docx_bytes, read_comments)
from ..statement import Statement, statement_from_bytes
from ..yamlio import decode_text
from .carry import carry_block, carry_edits
from .comments import render_comments
from .extract import Version, footnote_labels, label_like_source, read_version
from .layout import Block, render_body, source_blocks
from .merge import Conflict, merge_blocks, merge_words
from .packet import (PROPERTY_BASE, PROPERTY_PARTNER, PROPERTY_STATEMENT, PROPERTY_TEXT_HASH,
                     sent_docx)


@dataclass
class ImportResult:
    """What an import found and did; `branch` is None when there was nothing to import."""

    statement_id: str
    partner_id: str
    partner_label: str
    source_name: str
    base_commit: str
    head_commit: str
    edits: int = 0
    applied: int = 0
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    reviewer: str = ""
    branch: str | None = None
    commit: str | None = None
    comments_path: str | None = None
    head_name: str = "HEAD"

    @property
    def nothing_to_import(self) -> bool:
        return self.branch is None


def import_review(repo, statement_id: str, docx_path: Path, *, partner: str | None = None,
                  base: str | None = None, display: str | None = None, today: dt.date | None = None) -> ImportResult:
    repo.require_statement(statement_id)
    display = display or str(docx_path)
    package = open_docx(Path(docx_path), display)
    properties = custom_properties(package)
    made_for = properties.get(PROPERTY_STATEMENT)
    if made_for and made_for != statement_id:
        raise ReviewError(f"this DOCX was sent for statement '{made_for}', not '{statement_id}'", path=display)
    partner_id = _partner(repo, partner or properties.get(PROPERTY_PARTNER), display)
    root = repo.root
    relpath = f"statements/{statement_id}/statement.md"
    base_commit = _base_commit(root, base, properties, display)
    base_statement = _statement_at(root, base_commit, relpath)
    # A packet sent before the publishing fields were hashed carries the title-and-body hash.
    sent_hashes = (base_statement.text_sha256, base_statement.title_and_body_sha256)
    if base is None and properties.get(PROPERTY_TEXT_HASH) and properties[PROPERTY_TEXT_HASH] not in sent_hashes:
        raise ReviewError(f"the DOCX says its text hash is {properties[PROPERTY_TEXT_HASH][:12]}, but the statement at "
                          f"its base commit {base_commit[:12]} hashes to {base_statement.text_sha256[:12]}; "
                          "pass --base REV with the commit whose text was sent", path=display)
    head = head_commit(root)
    if head is None:
        raise ReviewError("the repository has no commits to merge onto")
    ours_bytes = file_at(root, head, relpath)
    ours_statement = _statement_at(root, head, relpath)

    returned = read_version(accepted_package(package))
    sent_bytes = sent_docx(repo, base_statement, properties)
    sent = read_version(accepted_package(open_docx_bytes(sent_bytes, "the sent text")))
    comments = read_comments(package)

    partners = repo.partners()
    result = ImportResult(statement_id, partner_id, partners[partner_id].label, Path(display).name, base_commit,
                          head, comments=comments, head_name=current_branch(root) or head[:12])
    added = count_drawings(package) - count_drawings(open_docx_bytes(sent_bytes, "the sent text"))
    drawings_note = [f"{added} picture{'s' if added != 1 else ''} or drawing{'s' if added != 1 else ''} "
                     "(pictures are not imported)"] if added > 0 else []
    if sent.title == returned.title and [b.text for b in sent.blocks] == [b.text for b in returned.blocks] \
            and not comments:
        result.outside = drawings_note
        return result

    ours_text, _ = decode_text(ours_bytes, relpath)
    merged_text = merge_onto_head(base_statement, ours_statement, ours_text, sent, returned, result)
    result.outside += drawings_note
    if merged_text == ours_text and not comments:
        return result

    files = {}
    if merged_text != ours_text:
        statement_from_bytes(merged_text.encode("utf-8"), relpath)  # the merge must leave a valid statement
        files[relpath] = merged_text.encode("utf-8")
    imported_on = (today or dt.date.today()).isoformat()
    if comments:
        result.comments_path = _free_path(root, head, f"statements/{statement_id}/reviews/{partner_id}-{imported_on}",
                                          ".md")
        files[result.comments_path] = render_comments(
            comments, statement_id=statement_id, partner=result.partner_label, source_name=result.source_name,
            base_commit=base_commit, imported_on=imported_on).encode("utf-8")
    name, email = _reviewer(repo, partner_id, package, comments)
    result.reviewer = name
    result.commit = commit_files(root, head, files, _commit_message(result), author_name=name, author_email=email)
    result.branch = create_branch(root, f"review/{partner_id}/{statement_id}", result.commit)
    return result


def merge_onto_head(base: Statement, ours: Statement, ours_text: str, sent: Version, returned: Version,
                    result: ImportResult) -> str:
    """The statement file with the partner's edits merged onto ours (HEAD's text)."""
    source = source_blocks(base.body)
    ours_blocks = source_blocks(ours.body)
    sent_blocks, returned_blocks = label_like_source(source, sent.blocks, returned.blocks,
                                                     footnote_labels(ours_blocks))
    carried = carry_edits(source, sent_blocks, returned_blocks)
    result.edits = carried.edited
    result.outside = carried.outside
    merged = merge_blocks([block.text for block in source], ours_blocks, carried.blocks)
    result.applied, result.already = merged.applied, merged.already
    result.conflicts = list(merged.conflicts)

    title = ours.title
    if sent.title and returned.title and sent.title != returned.title:
        result.edits += 1
        theirs_title = carry_block(Block(base.title), Block(sent.title), Block(returned.title)).text
        title_merge = merge_words(base.title, ours.title, theirs_title)
        title = title_merge.text
        result.conflicts.extend(title_merge.conflicts)
        if title == ours.title:
            result.already += theirs_title == ours.title != base.title
        elif not title_merge.conflicts:
            result.applied += 1
    body = render_body(ours.body, ours_blocks, merged.pieces)
    header = ours_text[:len(ours_text) - len(ours.body)] if ours.body else ours_text
    if title != ours.title:
        header = _with_title(header, title, result)
    return header + body


def _with_title(header: str, title: str, result: ImportResult) -> str:
    """The front matter with its one-line `title:` replaced; a title YAML spreads over lines is left alone."""
    lines = header.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("title:"):
            value = line[len("title:"):].strip()
            continuation = index + 1 < len(lines) and lines[index + 1].startswith((" ", "\t"))
            if value[:1] in ("|", ">", "") or continuation:
                break
            lines[index] = "title: " + _yaml_string(title)
            return "\n".join(lines)
    result.conflicts.append(Conflict("", title, "the title (not a one-line `title:` in the front matter)"))
    return header


def _yaml_string(text: str) -> str:
    import yaml

    try:
        if yaml.safe_load(f"title: {text}") == {"title": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def _partner(repo, partner_id: str | None, display: str) -> str:
    if not partner_id:
        raise ReviewError("the DOCX does not say which partner reviewed it; pass --partner P", path=display)
    require_partner(repo.partners(), partner_id)
    return partner_id


def _base_commit(root: Path, base: str | None, properties: dict[str, str], display: str) -> str:
    if base is not None:
        return resolve_revision(root, base)
    named = properties.get(PROPERTY_BASE)
    if not named:
        raise ReviewError("the DOCX does not say which text it was made from (it was not sent by `accord review "
                          "send`); pass --base REV, the commit whose text the partner reviewed", path=display)
    try:
        return resolve_revision(root, named)
    except GitError:
        raise ReviewError(f"the DOCX was made from commit {named[:12]}, which is not in this repository; "
                          "fetch it, or pass --base REV", path=display) from None


def _statement_at(root: Path, commit: str, relpath: str) -> Statement:
    return statement_from_bytes(file_at(root, commit, relpath), f"{relpath} at {commit[:12]}")


def _free_path(root: Path, commit: str, stem: str, suffix: str) -> str:
    candidate, number = stem + suffix, 1
    while path_exists_at(root, commit, candidate):
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    return candidate


def _reviewer(repo, partner_id: str, package, comments: list[Comment]) -> tuple[str, str]:
    """The commit's author: who made the tracked changes, else who commented, else the partner's first signer."""
    partner = repo.partners()[partner_id]
    authors = change_authors(package)
    authors.pop(repo.settings.team, None)  # a redline packet's own tracked changes are the team's
    if not authors:
        authors = Counter(comment.author for comment in _all_comments(comments) if comment.author != "Unknown")
    name = authors.most_common(1)[0][0] if authors else None
    signer = next((s for s in partner.signers if name and s.name.casefold() == name.casefold()), None)
    if name is None and partner.signers:
        signer = partner.signers[0]
        name = signer.name
    name = name or partner.name
    email = signer.principal if signer and signer.principal and "@" in signer.principal else f"review@{partner_id}.invalid"
    return name, email


def _all_comments(comments: list[Comment]) -> list[Comment]:
    return [c for comment in comments for c in (comment, *comment.replies)]


def _commit_message(result: ImportResult) -> str:
    counts = [f"{result.applied} change{'s' if result.applied != 1 else ''} applied",
              f"{len(result.conflicts)} conflict{'s' if len(result.conflicts) != 1 else ''}",
              f"{len(_all_comments(result.comments))} comment{'s' if len(_all_comments(result.comments)) != 1 else ''}"]
    lines = [f"Review of {result.statement_id} by {result.partner_label}: " + ", ".join(counts), "",
             f"Imported from {result.source_name}, which was made from commit {result.base_commit}; "
             f"merged onto {result.head_commit}."]
    if result.conflicts:
        lines += ["", "Conflicts, marked {~~ours~>theirs~~} in the text:"]
        lines += [f"- {c.markup()} in \"{c.where}\"" for c in result.conflicts]
    return "\n".join(lines) + "\n"
