"""`accord round merge`: one branch review/round-N/ID with every partner's imported edits on the current text.

Each partner's edits are the change from the text their import was merged onto
to their branch, block by block. A block one partner changed takes their
wording; a block several partners changed in the same way, or in places that
do not touch, takes all of them (a word-level three-way merge); where two
partners changed the same words differently, the block becomes a conflict that
names every partner and keeps each one's whole wording:

    <<<<<<< UNICEF
    the paragraph as UNICEF would have it
    ======= IOM
    the paragraph as IOM would have it
    >>>>>>> round 1

Git-style markers on lines of their own, so `accord check` and `build` find and
refuse them until the drafters choose. The working tree and branch are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RoundError
from .compilation import block_places, changed_blocks, in_partner_order
from .model import latest_round


@dataclass(frozen=True)
class MergeConflict:
    """A paragraph several partners changed differently: who, and the paragraph as it was."""

    partners: tuple[str, ...]
    where: str


@dataclass
class RoundMerge:
    statement_id: str
    round_number: int
    branch: str | None
    commit: str | None
    applied: dict[str, int] = field(default_factory=dict)
    conflicts: list[MergeConflict] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    title: str | None = None
    titles_not_merged: list[tuple[str, str]] = field(default_factory=list)


def merge_round(repo, statement_id: str) -> RoundMerge:
    from ..history import commit_files, create_branch, file_at, head_commit
    from ..review.layout import Piece, render_body
    from ..review.merge import merge_words, shorten
    from ..blockrules import block_kind, source_blocks
    from ..statement import statement_from_bytes
    from ..yamlio import decode_text

    repo.require_statement(statement_id)
    _, item = latest_round(repo, statement_id)
    root = repo.root
    head = head_commit(root)
    relpath = f"statements/{statement_id}/statement.md"
    ours_bytes = file_at(root, head, relpath)
    ours_text, problem = decode_text(ours_bytes, relpath)
    if problem:
        raise problem.error(RoundError)
    ours = statement_from_bytes(ours_bytes, f"{relpath} at {head[:12]}")
    ours_blocks = source_blocks(ours.body)
    ours_texts = [block.text for block in ours_blocks]
    registry = repo.partners()
    result = RoundMerge(statement_id, item.number, None, None)

    # proposals[i]: (partner label, base wording, their wording) for block i of ours; inserted[i]: blocks after i.
    proposals: dict[int, list[tuple[str, str, str]]] = {}
    inserted: dict[int | None, list[tuple[str, str]]] = {}
    cache: dict[str, object] = {}
    titles: list[tuple[str, str]] = []

    def version(commit: str):
        if commit not in cache:
            cache[commit] = statement_from_bytes(file_at(root, commit, relpath), f"{relpath} at {commit[:12]}")
        return cache[commit]

    for returned in in_partner_order(item):
        if not (returned.commit and returned.onto):
            continue
        partner = registry.get(returned.partner)
        label = partner.label if partner else returned.partner
        result.partners.append(label)
        result.applied.setdefault(label, 0)
        if version(returned.onto).title != version(returned.commit).title:
            titles.append((label, version(returned.commit).title))
        before = source_blocks(version(returned.onto).body)
        after = source_blocks(version(returned.commit).body)
        place = block_places(before, ours_texts)
        for old_index, old, new in changed_blocks(before, after):
            if not old:
                anchor = place.get(old_index) if old_index is not None else None
                inserted.setdefault(anchor, []).append((label, new))
                result.applied[label] += 1
                continue
            target = place.get(old_index)
            if target is None:
                raise RoundError(f"{label}'s edit of \"{shorten(old)}\" has no place in the current text "
                                 "(the paragraph was removed since); merge that branch by hand")
            proposals.setdefault(target, []).append((label, old, new))
            result.applied[label] += 1

    pieces: list[Piece] = []
    body_lines = ours.body.split("\n")
    for _label, text in inserted.get(None, []):
        pieces.append(Piece(text))
    for index, block in enumerate(ours_blocks):
        wanted = proposals.get(index)
        if not wanted:
            pieces.append(Piece(block.text, keep=index))
        else:
            text, conflict = _combine(block.text, wanted, item.number, merge_words)
            if conflict is not None:
                result.conflicts.append(MergeConflict(conflict, shorten(block.text)))
                pieces.append(Piece(text, indent=block.indent))
            elif text:
                pieces.append(Piece(text, at=index))
        # New items after a list item join its list: one piece holding them all keeps the list tight.
        tight = bool(pieces) and pieces[-1].keep == index and block.kind == "list"
        for _label, text in inserted.get(index, []):
            tight = tight and block_kind(text) == "list"
            if tight:
                kept = pieces[-1].text if pieces[-1].keep is None else "\n".join(body_lines[block.start:block.end])
                pieces[-1] = Piece(f"{kept}\n{block.indent}{text}")
            else:
                pieces.append(Piece(text, indent=block.indent))
    body = render_body(ours.body, ours_blocks, pieces)
    header = ours_text[:len(ours_text) - len(ours.body)] if ours.body else ours_text
    header = _with_title(header, ours.title, titles, result)
    merged = header + body
    if merged == ours_text:
        return result
    lines = [f"Round {item.number} of {statement_id}: every partner's edits merged", "",
             f"Onto {head}; returns from {', '.join(result.partners)}."]
    if result.title:
        lines += ["", f"Title: {result.title}"]
    if result.titles_not_merged:
        lines += ["", "Title changes not merged (see the compilation):"]
        lines += [f"- {label}: {title}" for label, title in result.titles_not_merged]
    if result.conflicts:
        lines += ["", "Conflicts, each keeping every partner's whole wording between <<<<<<< and >>>>>>>:"]
        lines += [f"- {', '.join(c.partners)} in \"{c.where}\"" for c in result.conflicts]
    result.commit = commit_files(root, head, {relpath: merged.encode("utf-8")}, "\n".join(lines) + "\n")
    result.branch = create_branch(root, f"review/round-{item.number}/{statement_id}", result.commit)
    return result


def _with_title(header: str, title: str, proposed: list[tuple[str, str]], result: RoundMerge) -> str:
    """The front matter with the partners' new title, when they agree and `title:` is one plain line;
    otherwise the title stays and every proposal is listed as not merged."""
    import json

    import yaml

    wanted = {new for _, new in proposed}
    lines = header.split("\n")
    line = next((index for index, text in enumerate(lines) if text.startswith("title:")), None)
    simple = line is not None and yaml.safe_load(lines[line]) == {"title": title}
    if len(wanted) != 1 or not simple:
        result.titles_not_merged = list(proposed)
        return header
    result.title = wanted.pop()
    plain = f"title: {result.title}"
    try:
        lines[line] = plain if yaml.safe_load(plain) == {"title": result.title} else (
            "title: " + json.dumps(result.title, ensure_ascii=False))
    except yaml.YAMLError:
        lines[line] = "title: " + json.dumps(result.title, ensure_ascii=False)
    return "\n".join(lines)


def _combine(ours: str, wanted: list[tuple[str, str, str]], number: int, merge_words) -> tuple[str, tuple | None]:
    """The block with every partner's wording merged in, or a conflict block keeping each whole wording."""
    text = ours
    for _, base, theirs in wanted:
        if theirs == text:
            continue
        if not theirs or not text:  # a deletion meets an edit (or an edit a deletion)
            if text == base:
                text = theirs
                continue
            return _conflict(ours, wanted, number)
        merged = merge_words(base, text, theirs)
        if merged.conflicts:
            return _conflict(ours, wanted, number)
        text = merged.text
    return text, None


def _conflict(ours: str, wanted: list[tuple[str, str, str]], number: int) -> tuple[str, tuple]:
    sides = [(label, theirs) for label, _, theirs in wanted]
    if any(base != ours for _, base, _ in wanted):  # the current text itself moved since the partner read it
        sides.insert(0, ("current text", ours))
    lines = []
    for position, (label, wording) in enumerate(sides):
        lines.append(f"<<<<<<< {label}" if position == 0 else f"======= {label}")
        lines.append(wording if wording else "(deleted)")
    lines.append(f">>>>>>> round {number}")
    return "\n".join(lines), tuple(label for label, _ in sides)
