"""`accord site`."""

from __future__ import annotations

import click

from .common import repo_option


@click.command()
@click.option("-o", "--out", "out_dir", default=None, metavar="DIR", help="Output folder (default: site/).")
@repo_option
def site(out_dir, repo):
    """Write the static site: an index with every statement and the statements × partners
    matrix, a page per statement (text, positions, reservations, release downloads,
    redlines) and a page per partner. Plain HTML, no scripts; open index.html or serve it."""
    from pathlib import Path

    from ..site import build_site

    result = build_site(repo, Path(out_dir) if out_dir else None)
    click.echo(f"Wrote {repo.rel(result.out_dir)}/: {len(result.pages)} pages "
               f"({result.statements} statement{'s' if result.statements != 1 else ''}, "
               f"{result.partners} partner{'s' if result.partners != 1 else ''}); open {repo.rel(result.out_dir / 'index.html')}")
