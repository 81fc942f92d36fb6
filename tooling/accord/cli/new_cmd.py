"""`accord new`."""

from __future__ import annotations

import click

from .common import repo_option


@click.command()
@click.argument("statement_id", metavar="ID")
@click.option("--kind", type=click.Choice(["joint-statement", "recommendations"]), required=True,
              help="What the text is.")
@click.option("--title", required=True, help="The full title of the text.")
@repo_option
def new(statement_id, kind, title, repo):
    """Create statements/ID/statement.md from the skeleton for KIND."""
    from ..scaffold import new_statement

    path = new_statement(repo, statement_id, kind, title)
    click.echo(f"Created {repo.rel(path)}")
