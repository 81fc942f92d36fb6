"""Released statements for the release and site tests: the repository, records filed as `accord endorse`
would file them, and commits."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from helpers import alliance
from helpers.alliance import PARTNERS, git, write

SID = "child-protection"


def make_alliance(root: Path, status: str = "final") -> Path:
    """A committed repository like conftest's `repo`, with the statement at the given status."""
    alliance.make_alliance(root, status=status, gitignore="/build/\n/dist/\n/site/\n")
    return root


def text_hash(root: Path, statement_id: str = SID) -> str:
    from accord.repo import Repo

    return Repo(root).load_statement(statement_id).text_sha256


def endorse(root: Path, partner: str, position: str = "endorse", *, statement_id: str = SID,
            text_sha256: str | None = None, reservations: tuple[str, ...] = (), signatory: str | None = None) -> None:
    """File a record as `accord endorse` would (the ledger's own writer is tested with the ledger)."""
    lines = [f"statement: {statement_id}", f"partner: {partner}", f"position: {position}",
             f"text_sha256: {text_sha256 or text_hash(root, statement_id)}",
             f"signatory: {json.dumps(signatory or 'Signer of ' + PARTNERS[partner][1] + ', Director')}",
             "recorded_at: 2026-11-28"]
    if reservations:
        lines.append("reservations:")
        lines += [f"  - text: {json.dumps(text)}" for text in reservations]
    path = root / f"statements/{statement_id}/endorsements/{partner}.yaml"
    if path.exists():
        lines.append(f"supersedes: {hashlib.sha256(path.read_bytes()).hexdigest()}")
    write(path, "\n".join(lines) + "\n")


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def endorsed(root: Path) -> Path:
    endorse(root, "unicef")
    endorse(root, "iom", "no-objection")
    endorse(root, "ecpat", "endorse-with-reservations", reservations=("On paragraph 2, age assessment.",))
    commit(root, "Endorsements of UNICEF, IOM and ECPAT")
    return root
