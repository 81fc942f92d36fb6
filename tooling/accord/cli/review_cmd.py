"""`accord review send` and `accord review import`."""

from __future__ import annotations

import click

from .common import repo_option


@click.group()
def review():
    """Partner review in Word: send a DOCX packet, import the returned DOCX as a branch."""


@review.command()
@click.argument("statement_id", metavar="ID")
@click.option("--partner", "partner_id", required=True, metavar="P", help="The partner the packet is for.")
@click.option("--redline", is_flag=True, help="Show the changes since P last endorsed as tracked changes.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Where to write the DOCX (default: build/review/ID-P.docx).")
@repo_option
def send(statement_id, partner_id, redline, output, repo):
    """Write a DOCX of the current text for partner P to review in Word.

    The DOCX carries the statement id, partner, commit and text hash, so that
    `accord review import` knows what it was made from; each packet is logged
    in statements/ID/reviews/sent.yaml."""
    from pathlib import Path

    from ..review import send_packet

    packet = send_packet(repo, statement_id, partner_id, redline=redline, output=Path(output) if output else None)
    what = f"changes since {packet.redline_from[:12]} as tracked changes" if packet.redline_from else "the current text"
    click.echo(f"wrote {repo.rel(packet.path)} for {packet.partner_label}: {what} "
               f"(commit {packet.base_commit[:12]}, text {packet.text_sha256[:12]})")
    click.echo(f"logged in {repo.rel(packet.log_path)}")


@review.command(name="import")
@click.argument("statement_id", metavar="ID")
@click.argument("docx_file", metavar="FILE.docx")
@click.option("--partner", "partner_id", default=None, metavar="P",
              help="Who reviewed it (default: the partner the packet was sent to).")
@click.option("--base", default=None, metavar="REV",
              help="The commit whose text the partner reviewed, for a DOCX not made by `review send`.")
@click.option("--again", is_flag=True, help="Import a DOCX that was imported before (recognised by its SHA-256).")
@repo_option
def import_(statement_id, docx_file, partner_id, base, again, repo):
    """Merge a partner's returned DOCX onto the current text, on a new branch review/P/ID.

    Tracked changes are accepted and merged three-way onto HEAD; edits that
    collide with changes made since are marked {~~ours~>theirs~~} and listed.
    Comments go to statements/ID/reviews/P-DATE.md. The working tree, the index
    and the current branch are not touched."""
    from pathlib import Path

    from ..review import import_review

    result = import_review(repo, statement_id, Path(docx_file), partner=partner_id, base=base, display=docx_file,
                           again=again)
    if result.nothing_to_import:
        if result.already:
            click.echo(f"{docx_file}: its changes are already in {result.head_name} and it has no comments; "
                       "nothing to import")
        elif result.outside:
            click.echo(f"{docx_file}: its only changes are outside the statement text, which import does not "
                       "carry, and it has no comments; nothing to import")
            _list_outside(result)
        else:
            click.echo(f"{docx_file}: no changes and no comments; nothing to import")
        return
    comment_count = len(result.comments) + sum(len(c.replies) for c in result.comments)
    click.echo(f"Imported {docx_file} from {result.partner_label} ({result.reviewer}), "
               f"made from commit {result.base_commit[:12]}")
    click.echo(f"  changes applied: {result.applied}")
    if result.already:
        click.echo(f"  already in {result.head_name}: {result.already}")
    click.echo(f"  conflicts: {len(result.conflicts)}")
    for conflict in result.conflicts:
        click.echo(f"    {conflict.markup()} in \"{conflict.where}\"")
        if conflict.ours_side:
            click.echo(f"      {conflict.ours_side}: \"{conflict.ours}\"")
            click.echo(f"      {conflict.theirs_side}: \"{conflict.theirs}\"")
    if result.outside:
        click.echo(f"  edits outside the statement text, not carried: {len(result.outside)}")
        _list_outside(result)
    click.echo(f"  comments: {comment_count}" + (f" ({result.comments_path})" if result.comments_path else ""))
    click.echo(f"Branch {result.branch} (commit {result.commit[:12]}); see it with:")
    click.echo(f"  accord diff {statement_id} --from {result.head_name} --to {result.branch}")


LISTED = 50


def _list_outside(result) -> None:
    for text in result.outside[:LISTED]:
        click.echo(f"    {text}")
    if len(result.outside) > LISTED:
        click.echo(f"    … and {len(result.outside) - LISTED} more")
