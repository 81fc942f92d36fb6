"""Options and helpers shared by every command module (click only; no heavy imports)."""

from __future__ import annotations

import functools
import json

import click


def repo_option(func):
    """Add `--repo DIR` and pass the found Repo as the `repo` argument."""

    @click.option("--repo", "repo_dir", metavar="DIR", default=None,
                  help="The accord repository (default: the git top level of the working directory).")
    @functools.wraps(func)
    def wrapper(*args, repo_dir=None, **kwargs):
        from ..repo import Repo

        return func(*args, repo=Repo.find(repo_dir), **kwargs)

    return wrapper


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(code: int) -> None:
    """Leave with an exit code after output has been printed."""
    raise click.exceptions.Exit(code)
