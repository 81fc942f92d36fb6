"""`accord init-ci`."""

from __future__ import annotations

import click

from .common import repo_option


@click.command("init-ci")
@click.argument("host", type=click.Choice(["github", "gitlab"]))
@click.option("--force", is_flag=True, help="Replace an existing CI file.")
@repo_option
def init_ci(host, force, repo):
    """Copy the CI template for HOST (check, verify, sharded builds, releases) into place."""
    from ..scaffold import init_ci as copy_ci_template

    target = copy_ci_template(repo, host, force)
    click.echo(f"Created {repo.rel(target)}")
