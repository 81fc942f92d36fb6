"""`accord release`."""

from __future__ import annotations

import click

from .common import fail, repo_option


@click.command()
@click.argument("statement_id", metavar="ID")
@click.option("--dry-run", is_flag=True, help="Check the gate and say what a release would make; write nothing.")
@click.option("--rebuild", type=click.IntRange(min=1), metavar="N",
              help="Write dist/ID/vN/ again from the tag ID/vN alone (as CI does when the tag is pushed); "
                   "no commit, no tag.")
@repo_option
def release(statement_id, dry_run, rebuild, repo):
    """Publish a final, endorsed statement: a commit setting status, version and date,
    the annotated tag ID/vN, and DOCX, PDF and HTML with a manifest in dist/ID/vN/.

    Refused (exit 1, every reason listed, nothing written) unless the status is final,
    the required partners and the threshold hold current positions, no objection is in
    force, `accord check` and `accord verify` are clean and the working tree is clean."""
    from ..errors import UsageError
    from ..release import finish_release, interrupted_release, make_release, plan_release, rebuild_release

    if rebuild is not None:
        if dry_run:
            raise UsageError("--rebuild and --dry-run cannot be combined")
        _report("Rebuilt", rebuild_release(repo, statement_id, rebuild), repo)
        return
    interrupted = None if dry_run else interrupted_release(repo, statement_id)
    if interrupted is not None:  # killed after its tag was made: finish it rather than refuse it
        _report("Finished the interrupted release of", finish_release(repo, interrupted), repo)
        return
    plan = plan_release(repo, statement_id)
    if not plan.accepted:
        click.echo(f"{statement_id} cannot be released:")
        for reason in plan.reasons:
            click.echo(f"  - {reason}")
        count = len(plan.reasons)
        click.echo(f"Release refused ({count} reason{'s' if count != 1 else ''}); nothing was written.", err=True)
        fail(1)
    if dry_run:
        click.echo(f"{statement_id} can be released as v{plan.version} (tag {plan.tag})")
        click.echo(f"  text sha256: {plan.statement.text_sha256}")
        click.echo(f"  endorsed by: {_names(plan.endorsers)}")
        click.echo("Dry run: nothing was written.")
        return
    _report("Released", make_release(repo, plan), repo)


def _names(endorsers) -> str:
    return ", ".join(f"{e.short or e.name} ({e.position})" for e in endorsers)


def _report(done: str, made, repo) -> None:
    click.echo(f"{done} {made.statement} v{made.version}: tag {made.tag}, commit {made.commit[:12]}")
    click.echo(f"  text sha256: {made.text_sha256}")
    click.echo(f"  endorsed by: {_names(made.endorsers)}")
    for name in (*(item.name for item in made.files), "manifest.json", "SHA256SUMS"):
        click.echo(f"  {repo.rel(made.folder / name)}")
