"""`accord build`."""

from __future__ import annotations

import click

from .common import fail, repo_option


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated formats: docx,pdf,html (default: accord.yaml's build.formats).")
@click.option("--out", "out_dir", default=None, metavar="DIR", help="Output folder (default: build/).")
@click.option("--jobs", "-j", type=int, default=None, metavar="N",
              help="Build N statements at once in separate processes (default: one per core).")
@click.option("--force", is_flag=True, help="Rebuild even statements whose inputs have not changed.")
@click.option("--shard", default=None, metavar="I/N",
              help="Build only the I-th of N deterministic slices of the statements (for CI matrices).")
@repo_option
def build(ids, formats, out_dir, jobs, force, shard, repo):
    """Build the official DOCX, PDF and HTML of statements (all when no ID is given).

    Outputs go to build/<id>/. A statement whose text, ledger, templates, fonts
    and tool are unchanged since its last build is skipped; --force rebuilds it.
    """
    import sys
    from pathlib import Path

    from ..render.pipeline import build_statements
    from .options import parse_formats, parse_shard
    from ..errors import UsageError

    chosen = parse_formats(formats, repo.settings.formats)
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be 1 or more")
    selected = repo.resolve_ids(ids)
    if shard is not None:
        selected = parse_shard(shard).select(selected)
    if not selected:
        click.echo("no statements to build")
        return
    bar = _ProgressBar(len(selected)) if sys.stderr.isatty() else None
    if bar:
        bar.draw(0, "")

    def progress(outcome, done, total):
        if bar:
            bar.clear()
        if outcome.state == "failed":
            click.echo(f"Error: {outcome.error}", err=True)
        elif outcome.state == "unchanged":
            click.echo(f"unchanged {outcome.statement_id}")
        else:
            click.echo(f"built {outcome.statement_id}: " + ", ".join(repo.rel(p) for p in outcome.outputs))
        if bar:
            bar.draw(done, outcome.statement_id)

    outcomes = build_statements(repo, selected, chosen, out_dir=Path(out_dir) if out_dir else None, jobs=jobs,
                                force=force, progress=progress)
    if bar:
        bar.clear()
    counts = {state: sum(o.state == state for o in outcomes) for state in ("built", "unchanged", "failed")}
    if len(outcomes) > 1:
        click.echo(f"{len(outcomes)} statements: " + ", ".join(f"{n} {state}" for state, n in counts.items() if n))
    if counts["failed"]:
        fail(2)


class _ProgressBar:
    """A one-line bar on a terminal's stderr, redrawn below the per-statement lines."""

    def __init__(self, total: int, width: int = 30):
        self.total, self.width = total, width

    def draw(self, done: int, current: str) -> None:
        filled = self.width * done // self.total
        click.echo(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {current}"[:120],
                   nl=False, err=True)

    def clear(self) -> None:
        click.echo("\r\033[K", nl=False, err=True)
