"""Options and helpers shared by every command module (click only; no heavy imports)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, NoReturn

import click


def repo_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--repo DIR` and pass the found Repo as the `repo` argument."""

    @click.option("--repo", "repo_dir", metavar="DIR", default=None,
                  help="The accord repository (default: the git top level of the working directory).")
    @functools.wraps(func)
    def wrapper(*args: Any, repo_dir: str | None = None, **kwargs: Any) -> Any:
        from ..repo import Repo

        return func(*args, repo=Repo.find(repo_dir), **kwargs)

    return wrapper


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def fail(code: int) -> NoReturn:
    """Leave with an exit code after output has been printed."""
    raise click.exceptions.Exit(code)
