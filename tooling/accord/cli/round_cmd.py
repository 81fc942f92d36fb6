"""`accord round open|status|import|compile|merge|close`: consultation rounds."""

from __future__ import annotations

import click

from .common import echo_json, fail, repo_option


@click.group(name="round")
def round():  # noqa: A001 (the command is called `round`; the lazy group looks it up by that name)
    """Consultation rounds: packets to many partners at once, a deadline, a compilation of amendments,
    one consolidated draft, and the silence procedure."""


@round.command(name="open")
@click.argument("statement_id", metavar="ID")
@click.option("--deadline", required=True, metavar="YYYY-MM-DD", help="The day replies are due.")
@click.option("--time", "time_", default=None, metavar="HH:MM", help="The time of day they are due (default 23:59).")
@click.option("--timezone", default=None, metavar="TZ",
              help="The deadline's time zone (default: `timezone` in accord.yaml, else UTC).")
@click.option("--partners", default=None, metavar="a,b,...", help="Only these invited partners (default: all invited).")
@click.option("--silence", is_flag=True, help="Silence procedure: at the close, silence counts as no objection.")
@click.option("--note", default=None, metavar="TEXT", help="A note for the partners, on each packet's first page.")
@repo_option
def open_(statement_id, deadline, time_, timezone, partners, silence, note, repo):
    """Open round N: a review packet and an e-mail draft per partner, and the round committed.

    Writes build/review/ID/round-N/PARTNER.docx (the deadline and note on its
    first page) and PARTNER.eml (an RFC 5322 draft to the partner's contacts,
    the packet attached), and commits statements/ID/reviews/rounds.yaml with the
    round: deadline, text hash, commit, partners, mode and packets. The text must
    be committed and free of conflict markers; one round is open at a time."""
    from ..rounds.model import show_time
    from ..rounds.opening import open_round
    from .options import parse_partner_list

    opened = open_round(repo, statement_id, deadline=deadline, time=time_, timezone=timezone,
                        partners=parse_partner_list(partners), silence=silence, note=note)
    item = opened.round
    click.echo(f"Round {item.number} of {statement_id} opened ({item.mode} mode), deadline "
               f"{show_time(item.deadline, item.timezone)}")
    click.echo(f"  text {item.text_sha256[:12]} at commit {item.commit[:12]}")
    click.echo(f"  {len(item.packets)} packet{'s' if len(item.packets) != 1 else ''} and e-mail drafts in "
               f"{repo.rel(opened.folder)}/")
    for partner_id in opened.missing_contacts:
        click.echo(f"  {partner_id}: no contacts in partners/{partner_id}.yaml; its e-mail draft has no recipient")
    click.echo(f"Committed statements/{statement_id}/reviews/rounds.yaml ({opened.commit[:12]})")


@round.command()
@click.argument("statement_id", metavar="[ID]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@repo_option
def status(statement_id, as_json, repo):
    """Who was sent a packet, who returned it, positions taken in the round, who is late or overdue.

    Without ID: one line per open round. Overdue means the deadline has passed
    (in the round's time zone) with neither a return nor a position on the text."""
    from ..rounds.status import open_rounds, round_status

    if statement_id is None:
        states = open_rounds(repo)
        if as_json:
            echo_json([state.as_dict() for state in states])
            return
        if not states:
            click.echo("No open rounds.")
        for state in states:
            click.echo(f"{state.statement_id}  round {state.round.number}  {state.round.mode}  deadline "
                       f"{state.deadline}  {state.time_left}  returned {len(state.returned)}/"
                       f"{len(state.partners)}  overdue {len(state.overdue)}")
        return
    state = round_status(repo, statement_id)
    if as_json:
        echo_json(state.as_dict())
        return
    item = state.round
    heading = "open" if item.is_open else f"closed {item.closed.at:%Y-%m-%d} ({item.closed.outcome})"
    click.echo(f"{statement_id}: round {item.number}, {heading}, {item.mode} mode")
    click.echo(f"Deadline: {state.deadline}, {state.time_left}")
    click.echo(f"Text:     {item.text_sha256} (commit {item.commit[:12]})")
    click.echo()
    width = max(len(p.label) for p in state.partners) if state.partners else 0
    for partner in state.partners:
        returned = "; ".join(f"returned {r.file} on {r.imported_at:%Y-%m-%d}"
                             + (f" -> {r.branch}" if r.branch else " (nothing to import)") for r in partner.returns)
        position = partner.position or "-"
        if partner.position and not partner.position_on_round_text:
            position += " (earlier text)"
        flags = [flag for flag, on in (("late", partner.late), ("OVERDUE", partner.overdue)) if on]
        cells = [partner.label.ljust(width), "sent" if partner.sent else "not sent", returned or "not returned",
                 f"position: {position}", *flags]
        click.echo("  ".join(cells))


@round.command(name="import")
@click.argument("statement_id", metavar="ID")
@click.argument("folder", metavar="FOLDER")
@repo_option
def import_(statement_id, folder, repo):
    """Import every returned DOCX in FOLDER, each on its partner's branch review/P/ID.

    A file is recognised by its packet properties, else by the packet note on
    its first page; files already imported (same SHA-256) are skipped, so
    running it again does nothing new. Exit 1 when a file was refused."""
    from pathlib import Path

    from ..rounds.importing import import_folder

    result = import_folder(repo, statement_id, Path(folder))
    if not result.files:
        click.echo(f"{folder}: no .docx files")
    for report in result.files:
        who = f" ({report.partner})" if report.partner else ""
        if report.refused:
            click.echo(f"{report.name}{who}: refused: {report.refused}")
        elif report.already:
            click.echo(f"{report.name}{who}: already imported ({report.already}); skipped")
        elif report.nothing:
            click.echo(f"{report.name}{who}: no changes and no comments; recorded as returned")
        else:
            click.echo(f"{report.name}{who}: branch {report.branch}, {report.edits} edit"
                       f"{'s' if report.edits != 1 else ''}, {report.comments} comment"
                       f"{'s' if report.comments != 1 else ''}, {len(report.conflicts)} conflict"
                       f"{'s' if len(report.conflicts) != 1 else ''}")
            for conflict in report.conflicts:
                click.echo(f"    {conflict}")
    if result.commit:
        click.echo(f"Recorded in statements/{statement_id}/reviews/rounds.yaml ({result.commit[:12]})")
    if any(report.refused for report in result.files):
        fail(1)


@round.command(name="compile")
@click.argument("statement_id", metavar="ID")
@click.option("-o", "--output", default=None, metavar="FILE.docx|FILE.html",
              help="Where to write it (default: compilation.docx and .html beside the round's packets).")
@repo_option
def compile_(statement_id, output, repo):
    """Write the compilation of amendments: per paragraph, its text and every partner's proposal.

    Each proposal is a word-level redline with the partner's name and comments,
    beside an empty "Secretariat response" column; untouched paragraphs are
    listed once, general comments come at the end. DOCX: a landscape table in
    the house style; HTML: one self-contained page."""
    from ..rounds.compilation import write_compilation

    compilation, targets = write_compilation(repo, statement_id, output)
    for target in targets:
        click.echo(f"wrote {repo.rel(target)}: {compilation.proposals} proposal"
                   f"{'s' if compilation.proposals != 1 else ''} from {len(compilation.partners)} partner"
                   f"{'s' if len(compilation.partners) != 1 else ''}")


@round.command()
@click.argument("statement_id", metavar="ID")
@repo_option
def merge(statement_id, repo):
    """Merge every partner's imported edits onto the current text, on one branch review/round-N/ID.

    Where partners changed the same words differently, the paragraph keeps each
    partner's whole wording between <<<<<<< and >>>>>>> lines that name them.
    `accord diff ID --to review/round-N/ID` is the consolidated redline."""
    from ..rounds.merging import merge_round

    result = merge_round(repo, statement_id)
    if result.branch is None:
        click.echo(f"Round {result.round_number} of {statement_id}: no imported edits to merge")
        return
    click.echo(f"Branch {result.branch} (commit {result.commit[:12]}): round {result.round_number}, edits from "
               f"{', '.join(f'{label} ({count})' for label, count in result.applied.items())}")
    if result.title:
        click.echo(f"  title: {result.title}")
    for label, title in result.titles_not_merged:
        click.echo(f"  title change not merged (partners differ; see the compilation): {label}: {title}")
    click.echo(f"  conflicts: {len(result.conflicts)}")
    for conflict in result.conflicts:
        click.echo(f"    {' vs '.join(conflict.partners)} in \"{conflict.where}\"")
    click.echo(f"See it with: accord diff {statement_id} --to {result.branch}")


@round.command()
@click.argument("statement_id", metavar="ID")
@click.option("--early", is_flag=True, help="Close before the deadline.")
@repo_option
def close(statement_id, early, repo):
    """Close the open round (after its deadline, or now with --early).

    In silence mode every partner of the round with no position on its text gets
    a no-objection record (evidence silence:round-N, bound to the round's text
    hash), all in one commit, unless a partner objected by the deadline: then
    silence is broken, nothing is recorded and the text is not adopted (exit 1).
    Closed --early, silence has not run its course and records nothing. In
    comments mode it lists who never answered."""
    from ..rounds.closing import close_round

    closed = close_round(repo, statement_id, early=early)
    item = closed.round
    labels = {pid: partner.label for pid, partner in repo.partners().items()}
    names = ", ".join
    click.echo(f"Round {item.number} of {statement_id} closed ({closed.commit[:12]})")
    if item.mode == "silence" and item.closed.outcome != "closed":
        if closed.objecting:
            click.echo(f"Silence broken by {names(labels.get(p, p) for p in closed.objecting)}: "
                       "the text is not adopted")
        else:
            silent = names(labels.get(p, p) for p in closed.silent) or "none"
            click.echo("No objection by the deadline: the text is adopted under the silence procedure")
            click.echo(f"  no-objection (evidence silence:round-{item.number}) recorded for: {silent}")
    else:
        click.echo(f"Never answered: {names(labels.get(p, p) for p in closed.silent) or 'none'}")
    if closed.note:
        click.echo(f"Note: {closed.note}")
    if closed.objecting:
        fail(1)
