"""What the review tests share: the packet sent, the file returned, the branch it lands on."""

from __future__ import annotations

import datetime as dt

from helpers.alliance import STATEMENT, git, run

S = "statements/child-protection/statement.md"
BRANCH = "review/unicef/child-protection"
TODAY = dt.date.today().isoformat()
ORIGINAL = STATEMENT.format(id="child-protection", status="draft")


def send(repo, partner="unicef") -> bytes:
    result = run("review", "send", "child-protection", "--partner", partner, "--repo", str(repo))
    assert result.code == 0, result.err
    return (repo / "build" / "review" / f"child-protection-{partner}.docx").read_bytes()


def import_docx(repo, tmp_path, docx: bytes, *args: str, name: str = "returned.docx"):
    path = tmp_path / name
    path.write_bytes(docx)
    return run("review", "import", "child-protection", str(path), *args, "--repo", str(repo))


def on_branch(repo, path=S, branch=BRANCH) -> str:
    return git(repo, "show", f"{branch}:{path}")
