"""`accord build`."""

from __future__ import annotations

import click

from .common import repo_option


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated formats: docx,pdf,html (default: accord.yaml's build.formats).")
@click.option("--out", "out_dir", default=None, metavar="DIR", help="Output folder (default: build/).")
@repo_option
def build(ids, formats, out_dir, repo):
    """Build the official documents of statements (all when no ID is given)."""
    from pathlib import Path

    from ..build.pipeline import BUILDERS, build_statement
    from ..errors import UsageError

    chosen = tuple(f.strip() for f in formats.split(",") if f.strip()) if formats else repo.settings.formats
    unknown = [f for f in chosen if f not in BUILDERS]
    if unknown or not chosen:
        raise UsageError(f"--format: unknown format '{unknown[0] if unknown else formats}' (choose from docx, pdf, html)")
    for statement_id in repo.resolve_ids(ids):
        result = build_statement(repo, statement_id, chosen, Path(out_dir) if out_dir else None)
        click.echo(f"built {statement_id}: " + ", ".join(repo.rel(p) for p in result.outputs))
