"""Shared fixtures: real git repositories in tmp dirs, and an in-process CLI runner."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from accord.cli import main

ROOT = Path(__file__).resolve().parent.parent

os.environ.update({
    "GIT_AUTHOR_NAME": "Test Drafter", "GIT_AUTHOR_EMAIL": "drafter@aect.example",
    "GIT_COMMITTER_NAME": "Test Drafter", "GIT_COMMITTER_EMAIL": "drafter@aect.example",
    "GIT_CONFIG_NOSYSTEM": "1",
})


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str) -> Result:
    """Run the accord CLI in-process, as a user would, capturing its output and exit code."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())


PARTNERS = {
    "unicef": ("United Nations Children's Fund", "UNICEF", "igo"),
    "iom": ("International Organization for Migration", "IOM", "igo"),
    "unodc": ("United Nations Office on Drugs and Crime", "UNODC", "igo"),
    "ecpat": ("ECPAT International", "ECPAT", "ngo"),
    "lastrada": ("La Strada International", "LSI", "ngo"),
}

STATEMENT = textwrap.dedent("""\
    ---
    id: {id}
    symbol: AECT/JS/2010/1
    title: Joint Statement on the Protection of Children
    kind: joint-statement
    status: {status}
    date: 2010-10-18
    language: en
    drafters: [Ana Pereira]
    endorsement:
      invited: [unicef, iom, unodc, ecpat]
      required: [unicef]
      threshold: 2
    ---

    ## Preamble

    Children on the move face risks of trafficking at every stage of their
    journey, and the partners of the alliance share a duty to protect them.

    ## Recommendations

    1. States should appoint a guardian for every unaccompanied child without delay.
    2. Age assessment should be a last resort.[^1]

    | Actor | Responsibility |
    |---|---|
    | States | Guardianship |
    | Agencies | Referral |

    [^1]: Where doubt remains, the person should be treated as a child.
    """)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def make_alliance(root: Path, *, status: str = "draft", templates: bool = True, signers: bool = True,
                  gitignore: str | None = None, body_extra: str = "", message: str = "Initial text") -> Path:
    """A committed accord repository: five partners and one statement, 'child-protection'.

    templates=False leaves templates/ out (the ledger never reads it, and committing the
    fonts is most of the time); signers=False gives partners no signers.
    """
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    if templates:
        shutil.copytree(ROOT / "templates", root / "templates")
    if gitignore is not None:
        write(root / ".gitignore", gitignore)
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\n")
    for partner_id, (name, short, kind) in PARTNERS.items():
        signer = (f"signers:\n  - name: Signer of {short}\n    title: Director\n"
                  f"    principal: signer@{partner_id}.example\n") if signers else ""
        write(root / "partners" / f"{partner_id}.yaml",
              f"id: {partner_id}\nname: \"{name}\"\nshort: {short}\nkind: {kind}\n" + signer)
    write(root / "statements" / "child-protection" / "statement.md",
          STATEMENT.format(id="child-protection", status=status) + body_extra)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root


@pytest.fixture
def repo(tmp_path) -> Path:
    """A committed accord repository with five partners and one statement, 'child-protection'."""
    return make_alliance(tmp_path / "alliance")
