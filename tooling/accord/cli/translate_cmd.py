"""`accord translate`: start a language version, or record that it renders the current source."""

from __future__ import annotations

import click

from .common import repo_option


@click.command()
@click.argument("statement_id", metavar="ID")
@click.argument("language", metavar="LANG")
@click.option("--mark-current", is_flag=True,
              help="Record in statement.LANG.md that it renders the source as committed now (after review), "
                   "and commit that file.")
@click.option("--no-commit", is_flag=True, help="With --mark-current: write the file, do not commit it.")
@repo_option
def translate(statement_id, language, mark_current, no_commit, repo):
    """Start statements/ID/statement.LANG.md, or mark it current with --mark-current.

    Without --mark-current: a new draft language version holding the source's title
    and body to translate, bound to the source's text hash; an existing file is never
    overwritten. With --mark-current: the version's `translation-of` becomes the
    source's current text hash and the file is committed as the translator left it
    (the source must have no uncommitted text changes). `accord diff ID --lang LANG
    --since-translation` shows what changed in the source before that review."""
    from ..errors import UsageError
    from ..i18n.translations import mark_current as mark, scaffold_translation

    if not mark_current:
        if no_commit:
            raise UsageError("--no-commit goes with --mark-current (a new version is written, never committed)")
        path = scaffold_translation(repo, statement_id, language)
        click.echo(f"Created {repo.rel(path)} (translation-status: draft); translate its title and body, "
                   "keeping every paragraph")
        return
    marked = mark(repo, statement_id, language, commit=not no_commit)
    rel = repo.rel(marked.path)
    if not marked.changed:
        click.echo(f"{rel} already renders source text {marked.current[:12]}"
                   + (f"; committed as {marked.commit[:7]}" if marked.commit else ""))
        return
    click.echo(f"{rel} now renders source text {marked.current[:12]} (was {marked.previous[:12]})"
               + (f"; committed as {marked.commit[:7]}" if marked.commit else ""))
