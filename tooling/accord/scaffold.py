"""New statements from the skeletons in templates/statements/."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .errors import StatementError
from .fsutil import link_on_the_way, read_repo_bytes, write_atomic
from .repo import Repo
from .schema import SLUG
from .statement import parse_statement


def new_statement(repo: Repo, statement_id: str, kind: str, title: str, today: dt.date | None = None) -> Path:
    """Create statements/<id>/statement.md from templates/statements/<kind>.md; never overwrite."""
    if not SLUG.fullmatch(statement_id):
        raise StatementError(f"'{statement_id}' is not a valid statement id (use a-z, 0-9 and '-', 2 to 63 characters)")
    if not title.strip() or "\n" in title:
        raise StatementError("{title} must be one non-empty line", inputs=["title"], value=title)
    target = repo.statement_file(statement_id)
    _refuse_links_to(repo, target)
    if target.parent.exists():
        raise StatementError(f"statement '{statement_id}' already exists ({repo.rel(target.parent)})")
    skeleton = repo.templates_dir / "statements" / f"{kind}.md"
    if not skeleton.is_file():
        raise StatementError(f"no skeleton for kind '{kind}' ({repo.rel(skeleton)} is missing)")
    text = read_repo_bytes(skeleton).decode("utf-8")
    filled = (text.replace("{{id}}", statement_id)
              .replace("{{title}}", json.dumps(title.strip(), ensure_ascii=False))
              .replace("{{kind}}", kind)
              .replace("{{date}}", (today or dt.date.today()).isoformat()))
    _, problems = parse_statement(filled, repo.rel(target))
    if problems:
        raise StatementError(f"the skeleton {repo.rel(skeleton)} gives an invalid statement: {problems[0]}")
    try:
        write_atomic(target, filled, exclusive=True)
    except FileExistsError:
        raise StatementError(f"statement '{statement_id}' already exists ({repo.rel(target.parent)})") from None
    return target


CI_TARGETS = {
    "github": ("github-actions.yml", ".github/workflows/accord.yml"),
    "gitlab": ("gitlab-ci.yml", ".gitlab-ci.yml"),
}


def init_ci(repo: Repo, host: str, force: bool = False) -> Path:
    """Copy the CI template for a hosting service into place; never overwrite unless forced."""
    source_name, target_name = CI_TARGETS[host]
    source = repo.templates_dir / "ci" / source_name
    if not source.is_file():
        raise StatementError(f"no CI template for {host} ({repo.rel(source)} is missing)")
    target = repo.root / target_name
    _refuse_links_to(repo, target)
    if target.exists() and not force:
        raise StatementError(f"{target_name} already exists (pass {{force}} to replace it)",
                             inputs={"force": "force=True"})
    write_atomic(target, read_repo_bytes(source))
    return target


def _refuse_links_to(repo: Repo, target: Path) -> None:
    """A new file is never written through a symbolic link (a committed `statements` link would put it anywhere)."""
    link = link_on_the_way(target, repo.root)
    if link is not None:
        raise StatementError("is a symbolic link; accord writes nothing through a link", path=link)
