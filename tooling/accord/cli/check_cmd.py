"""`accord check`."""

from __future__ import annotations

from dataclasses import replace

import click

from .common import echo_json, fail, repo_option


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@repo_option
def check(ids, as_json, repo):
    """Validate statements, partners and endorsement records; report every problem.

    Exit 0 when clean, 1 when any problem is found."""
    from ..check import check_repo

    if ids:
        repo.resolve_ids(ids)
    notes: list = []
    problems = check_repo(repo, list(ids), notes)
    if as_json:
        echo_json({"ok": not problems, "problems": [p.as_dict() for p in problems],
                   **({"notes": [n.as_dict() for n in notes]} if notes else {})})
    else:
        for problem in problems:
            click.echo(str(problem))
        for note in notes:
            click.echo(str(replace(note, message="note: " + note.message)))
        if problems:
            files = len({p.path for p in problems})
            click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} "
                       f"in {files} file{'s' if files != 1 else ''}", err=True)
        else:
            count = len(ids) if ids else len(repo.statement_ids())
            click.echo(f"OK: {count} statement{'s' if count != 1 else ''} checked")
    if problems:
        fail(1)
