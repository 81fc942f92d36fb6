"""`accord review import`: a partner's DOCX in, their edits merged onto HEAD on a branch of their own.

Stages: open the DOCX safely -> find its base and partner -> read the partner's
version (changes accepted) and the version we sent -> carry the edits onto the
base source -> three-way merge onto HEAD -> comments file -> one commit on
review/<partner>/<id>, written with git plumbing only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import AlreadyImported, GitError, ReviewError
from ..history import (commit_files, create_branch, current_branch, file_at, head_commit, path_exists_at,
                       resolve_revision)
from ..partners import require_partner
from ..ooxml.reading import (Comment, accepted_package, change_authors, count_drawings, count_paragraphs,
                             custom_properties, has_review_note, open_docx, open_docx_bytes, pictures,
                             read_comments)
from ..statement import Statement, split_front_matter, statement_from_bytes
from ..yamlio import decode_text
from .carry import carry_block, carry_edits
from .comments import render_comments
from .extract import Version, footnote_labels, label_like_source, read_version, relink_like_sent
from .layout import Block, block_kind, render_body, source_blocks
from .merge import Conflict, merge_blocks, merge_words
from .packet import (PROPERTY_BASE, PROPERTY_PARTNER, PROPERTY_STATEMENT, PROPERTY_TEXT_HASH,
                     official_docx, sent_docx, sent_log)


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
    sha256: str = ""

    @property
    def nothing_to_import(self) -> bool:
        return self.branch is None


def import_review(repo, statement_id: str, docx_path: Path, *, partner: str | None = None,
                  base: str | None = None, display: str | None = None, today: dt.date | None = None,
                  again: bool = False) -> ImportResult:
    repo.require_statement(statement_id)
    display = display or str(docx_path)
    package = open_docx(Path(docx_path), display)
    if not again:
        _refuse_reimport(repo.root, package.sha256, display)
    properties = custom_properties(package)
    made_for = properties.get(PROPERTY_STATEMENT)
    if made_for and made_for != statement_id:
        raise ReviewError(f"this DOCX was sent for statement '{made_for}', not '{statement_id}'", path=display)
    partner_id = _partner(repo, partner or properties.get(PROPERTY_PARTNER), display)
    root = repo.root
    relpath = f"statements/{statement_id}/statement.md"
    base_commit = _base_commit(root, base, properties, display)
    base_statement = _statement_at(root, base_commit, relpath)
    _require_sent_to(repo, statement_id, partner_id, base_commit, display)
    # A packet sent before the publishing fields were hashed carries the title-and-body hash.
    sent_hashes = (base_statement.text_sha256, base_statement.title_and_body_sha256)
    if base is None and properties.get(PROPERTY_TEXT_HASH) and properties[PROPERTY_TEXT_HASH] not in sent_hashes:
        raise ReviewError(f"the DOCX says its text hash is {properties[PROPERTY_TEXT_HASH][:12]}, but the statement at "
                          f"its base commit {base_commit[:12]} hashes to {base_statement.text_sha256[:12]}; "
                          "pass {base} REV with the commit whose text was sent", path=display, inputs=["base"])
    head = head_commit(root)
    if head is None:
        raise ReviewError("the repository has no commits to merge onto")
    ours_bytes = file_at(root, head, relpath)
    ours_statement = _statement_at(root, head, relpath)

    sent_bytes = sent_docx(repo, base_statement, properties)
    sent_package = open_docx_bytes(sent_bytes, "the sent text")
    _refuse_outsized(package, sent_package, display)
    returned = read_version(accepted_package(package))
    sent = read_version(accepted_package(sent_package))
    if PROPERTY_BASE not in properties and has_review_note(package):
        # Its properties gone, a packet (it still has the note) may be an official build, with a title
        # page and signatory block the plain DOCX lacks: compare with whichever it is like.
        official_package = open_docx_bytes(official_docx(repo, base_statement), "the sent text")
        official = read_version(accepted_package(official_package))
        if _likeness(official, returned) > _likeness(sent, returned):
            sent, sent_package = official, official_package
    if base_statement.numbered_paragraphs:
        sent, returned = _without_typed_numbers(sent), _without_typed_numbers(returned)
    comments = read_comments(package)

    partners = repo.partners()
    result = ImportResult(statement_id, partner_id, partners[partner_id].label, Path(display).name, base_commit,
                          head, comments=comments, head_name=current_branch(root) or head[:12])
    imported_on = (today or dt.date.today()).isoformat()
    record_stem = f"statements/{statement_id}/reviews/{partner_id}-{imported_on}"
    new_pictures = _new_pictures(package, sent_package)
    picture_files = {_free_path(root, head, f"{record_stem}-picture-{number}", f".{extension}"): data
                     for number, (extension, data) in enumerate(new_pictures, 1)}
    added = count_drawings(package) - count_drawings(sent_package) - len(new_pictures)
    drawings_note = [f"a new picture could not be carried into the text; its file is saved as {name}"
                     for name in picture_files]
    drawings_note += [f"{added} drawing{'s' if added != 1 else ''} or shape{'s' if added != 1 else ''} "
                      "(drawings are not imported)"] if added > 0 else []
    if sent.title == returned.title and [b.text for b in sent.blocks] == [b.text for b in returned.blocks] \
            and not comments and not picture_files:
        result.outside = drawings_note
        return result

    ours_text, _ = decode_text(ours_bytes, relpath)
    merged_text = merge_onto_head(base_statement, ours_statement, ours_text, sent, returned, result)
    result.reviewer, author, email = _reviewer(repo, partner_id, package, comments)
    result.sha256 = package.sha256
    if result.conflicts:
        merged_text = _name_sides(root, relpath, result, merged_text)
    result.outside += drawings_note
    if merged_text == ours_text and not comments and not picture_files:
        return result

    files: dict[str, bytes] = {}
    if merged_text != ours_text:
        statement_from_bytes(merged_text.encode("utf-8"), relpath)  # the merge must leave a valid statement
        files[relpath] = merged_text.encode("utf-8")
    files.update(picture_files)
    if comments or result.outside:
        result.comments_path = _free_path(root, head, record_stem, ".md")
        files[result.comments_path] = render_comments(
            comments, statement_id=statement_id, partner=result.partner_label, source_name=result.source_name,
            base_commit=base_commit, imported_on=imported_on, sha256=package.sha256,
            not_carried=result.outside).encode("utf-8")
    result.commit = commit_files(root, head, files, _commit_message(result), author_name=author, author_email=email)
    result.branch = create_branch(root, f"review/{partner_id}/{statement_id}", result.commit)
    return result


def _new_pictures(returned, sent) -> list[tuple[str, bytes]]:
    """Pictures in the returned file that the sent one did not have (by content: Word renames files)."""
    import hashlib

    known = {hashlib.sha256(data).hexdigest() for _, data in pictures(sent)}
    new: list[tuple[str, bytes]] = []
    for extension, data in pictures(returned):
        digest = hashlib.sha256(data).hexdigest()
        if digest not in known:
            known.add(digest)
            new.append((extension, data))
    return new


def _likeness(sent: Version, returned: Version) -> float:
    """The share of blocks two versions have in common (2 x blocks in common / blocks in both)."""
    from ..textdiff import Matcher

    sent_texts, returned_texts = [b.text for b in sent.blocks], [b.text for b in returned.blocks]
    common = sum(size for _, _, size in Matcher(None, sent_texts, returned_texts).get_matching_blocks())
    return 2.0 * common / (len(sent_texts) + len(returned_texts)) if sent_texts or returned_texts else 1.0


_TYPED_NUMBER = re.compile(r"^\d{1,4}\\\.\s+")


def _without_typed_numbers(version: Version) -> Version:
    """A version without the paragraph numbers a build types ("13\\. Within ..."): they are not the
    statement's words, so a partner who deletes or retypes one has not edited the text."""
    return Version(version.title, [replace(block, text=_TYPED_NUMBER.sub("", block.text)) if
                                   block_kind(block.text) == "paragraph" else block for block in version.blocks])


# A partner adds some paragraphs to a text under review, not thousands: past this many more than
# were sent, the file is refused before pandoc reads it (reading 40,000 paragraphs takes a minute).
EXTRA_PARAGRAPHS = 2000


def _refuse_outsized(returned, sent, display: str) -> None:
    returned_count, sent_count = count_paragraphs(returned), count_paragraphs(sent)
    if returned_count > 2 * sent_count + EXTRA_PARAGRAPHS:
        raise ReviewError(f"refused: the DOCX has {returned_count:,} paragraphs, but the text sent had "
                          f"{sent_count:,}; more than {2 * sent_count + EXTRA_PARAGRAPHS:,} is not a review of "
                          "this text (is this the right file?)", path=display)


def merge_onto_head(base: Statement, ours: Statement, ours_text: str, sent: Version, returned: Version,
                    result: ImportResult) -> str:
    """The statement file with the partner's edits merged onto ours (HEAD's text)."""
    source = source_blocks(base.body)
    ours_blocks = source_blocks(ours.body)
    sent_blocks, returned_blocks = label_like_source(source, sent.blocks, returned.blocks,
                                                     footnote_labels(ours_blocks))
    returned_blocks = relink_like_sent(sent_blocks, returned_blocks)
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


def _name_sides(root: Path, relpath: str, result: ImportResult, merged_text: str) -> str:
    """Each conflict says who stands on each side: after its markup in the text, `{>>main (commit …,
    author) ~> UNICEF (reviewer)<<}`, and in the result, for the summary and the commit message."""
    from ..history import last_author_of

    theirs_side = f"{result.partner_label} ({_plain(result.reviewer)})" if result.reviewer else result.partner_label
    parts = split_front_matter(merged_text)
    cursor = len(merged_text) - len(parts[1]) if parts else 0
    named: list[Conflict] = []
    for conflict in result.conflicts:
        since_base = f"{result.base_commit}..{result.head_commit}"
        changed = None
        if conflict.ours.strip():  # the commit that brought ours' words in, else the last one to the file
            changed = last_author_of(root, relpath, since_base, adding=conflict.ours)
        if changed is None:
            changed = last_author_of(root, relpath, since_base)
        if changed:
            commit, author = changed
            ours_side = f"{result.head_name} (commit {commit[:12]}, {_plain(author)})"
        else:
            ours_side = f"{result.head_name} ({result.head_commit[:12]})"
        conflict = replace(conflict, ours_side=ours_side, theirs_side=theirs_side)
        named.append(conflict)
        at = merged_text.find(conflict.markup(), cursor)
        if at >= 0:
            end = at + len(conflict.markup())
            merged_text = merged_text[:end] + conflict.note() + merged_text[end:]
            cursor = end + len(conflict.note())
    result.conflicts = named
    return merged_text


def _plain(name: str) -> str:
    """A name from a DOCX as plain words: no Markdown, CriticMarkup or line breaks can come with it."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f{}<>~\[\]`*_\\|#]", " ", name).split())[:80]


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


SHA_LINE = "DOCX SHA-256: "


def _refuse_reimport(root: Path, sha256: str, display: str) -> None:
    """Stop when a commit already records this file's SHA-256 (exit 1), naming the branches that hold it."""
    from ..history import branches_containing, commits_with_message_line

    commits = commits_with_message_line(root, f"{SHA_LINE}{sha256}")
    if not commits:
        return
    holders = branches_containing(root, commits[0])
    where = f"branch {', '.join(holders)}" if holders else "no branch now"
    raise AlreadyImported(f"this DOCX was imported before (SHA-256 {sha256[:12]}…, commit {commits[0][:12]}, on "
                          f"{where}); pass {{again}} to import it once more", path=display,
                          inputs={"again": "again=True"})


def _require_sent_to(repo, statement_id: str, partner_id: str, base_commit: str, display: str) -> None:
    """The partner must be one the packet log says this text was sent to, whatever the DOCX or --partner claim.

    A packet made elsewhere (no entry for its commit in this clone's log) is not judged here.
    """
    entries = [entry for entry in sent_log(repo, statement_id)
               if isinstance(entry, dict) and entry.get("base_commit") == base_commit]
    sent_to = sorted({str(entry.get("partner")) for entry in entries})
    if sent_to and partner_id not in sent_to:
        partners = repo.partners()
        labels = ", ".join(partners[p].label if p in partners else p for p in sent_to)
        log = repo.rel(repo.statement_dir(statement_id) / "reviews" / "sent.yaml")
        raise ReviewError(f"the text of commit {base_commit[:12]} was sent to {labels}, not to "
                          f"{partners[partner_id].label} ({log}); import it as the partner it was sent to",
                          path=display)


def _partner(repo, partner_id: str | None, display: str) -> str:
    if not partner_id:
        raise ReviewError("the DOCX does not say which partner reviewed it; pass {partner} P", path=display,
                          inputs=["partner"])
    require_partner(repo.partners(), partner_id)
    return partner_id


def _base_commit(root: Path, base: str | None, properties: dict[str, str], display: str) -> str:
    if base is not None:
        return resolve_revision(root, base)
    named = properties.get(PROPERTY_BASE)
    if not named:
        raise ReviewError("the DOCX does not say which text it was made from (it was not sent by `accord review "
                          "send`); pass {base} REV, the commit whose text the partner reviewed", path=display,
                          inputs=["base"])
    try:
        return resolve_revision(root, named)
    except GitError:
        raise ReviewError(f"the DOCX was made from commit {named[:12]}, which is not in this repository; "
                          "fetch it, or pass {base} REV", path=display, inputs=["base"]) from None


def _statement_at(root: Path, commit: str, relpath: str) -> Statement:
    return statement_from_bytes(file_at(root, commit, relpath), f"{relpath} at {commit[:12]}")


def _free_path(root: Path, commit: str, stem: str, suffix: str) -> str:
    candidate, number = stem + suffix, 1
    while path_exists_at(root, commit, candidate):
        number += 1
        candidate = f"{stem}-{number}{suffix}"
    return candidate


def _reviewer(repo, partner_id: str, package, comments: list[Comment]) -> tuple[str, str, str]:
    """(reviewer, commit author, author email): the reviewer is who made the tracked changes, else who
    commented, else the partner's first signer; the commit's author is that person only when they are a
    registered signer of the partner, else the partner itself."""
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
    if signer is None:
        # A name typed into Word is a claim, not an identity: the commit is the partner's.
        return name, partner.name, f"review@{partner_id}.invalid"
    email = signer.principal if signer.principal and "@" in signer.principal else f"review@{partner_id}.invalid"
    return name, signer.name, email


def _all_comments(comments: list[Comment]) -> list[Comment]:
    return [c for comment in comments for c in (comment, *comment.replies)]


def _commit_message(result: ImportResult) -> str:
    counts = [f"{result.applied} change{'s' if result.applied != 1 else ''} applied",
              f"{len(result.conflicts)} conflict{'s' if len(result.conflicts) != 1 else ''}",
              f"{len(_all_comments(result.comments))} comment{'s' if len(_all_comments(result.comments)) != 1 else ''}"]
    lines = [f"Review of {result.statement_id} by {result.partner_label}: " + ", ".join(counts), "",
             f"Imported from {result.source_name}, which was made from commit {result.base_commit}; "
             f"merged onto {result.head_commit}.", f"Reviewer named in the file: {_plain(result.reviewer)}."]
    if result.conflicts:
        lines += ["", "Conflicts, marked {~~ours~>theirs~~} in the text:"]
        lines += [" ".join(f"- {c.markup()} in \"{c.where}\"".split())
                  + (f" ({c.ours_side} ~> {c.theirs_side})" if c.ours_side else "") for c in result.conflicts]
    lines += ["", f"{SHA_LINE}{result.sha256}"]
    return "\n".join(lines) + "\n"
