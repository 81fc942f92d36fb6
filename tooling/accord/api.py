"""The public Python API: what `from accord import ...` offers a script, each a thin call into the library.

Every function takes the Repo that `open_repository` returns and raises an `AccordError` subclass
whose attributes carry the facts (path, line, inputs, value); nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ledger import LedgerStatus, Recorded, UnreadableStatement
    from .redline.versions import StatementDiff
    from .render.pipeline import Outcome
    from .repo import Repo
    from .review.importing import ImportResult


def open_repository(path: str | os.PathLike | None = None) -> "Repo":
    """The accord repository at path (its top level), or the one the working directory is in."""
    from .repo import Repo

    return Repo.find(path)


def list_statements(repo: "Repo") -> list[str]:
    """The ids of every statement, sorted."""
    return repo.statement_ids()


def read_status(repo: "Repo", statement_id: str) -> "LedgerStatus":
    """Where one statement stands: each partner's position (`.standings`), who is pending, the gate.

    `.as_dict()` is the JSON `accord status ID --json` prints (README, "JSON contracts").
    """
    from .ledger import ledger_status

    repo.require_statement(statement_id)
    return ledger_status(repo, statement_id, lifecycle=True)


def read_statuses(repo: "Repo", ids: Sequence[str] = ()) -> "list[LedgerStatus | UnreadableStatement]":
    """The status of every statement (or those named); one that cannot be read does not hide the rest."""
    from .ledger import ledger_statuses

    return ledger_statuses(repo, list(ids), lifecycle=True)


def endorse(repo: "Repo", statement_id: str, partner: str, position: str, signatory: str, *,
            reservations: Iterable[str] = (), evidence: str | None = None, recorded_by: str | None = None,
            keyfile: str | os.PathLike | None = None, commit: bool = True, date: dt.date | None = None,
            reason: str | None = None, unregistered_signatory: bool = False) -> "Recorded":
    """Record a partner's position on the committed text (and commit it unless commit=False).

    reservations are worded as on the command line ('10(f): text' ties one to paragraph 10(f));
    evidence as 'letter:REF', 'email:<id>', 'silence:REF', 'none' and so on.
    """
    from .ledger import parse_evidence, parse_reservation, record_position

    return record_position(repo, statement_id, partner, position, signatory,
                           reservations=tuple(parse_reservation(text) for text in reservations),
                           evidence=parse_evidence(evidence) if evidence is not None else None,
                           recorded_by=recorded_by, keyfile=keyfile, commit=commit, date=date, reason=reason,
                           unregistered_signatory=unregistered_signatory)


def build(repo: "Repo", ids: Sequence[str] = (), formats: Sequence[str] | None = None, *,
          out_dir: str | os.PathLike | None = None, force: bool = False, jobs: int | None = None) -> "list[Outcome]":
    """Build the DOCX, PDF and HTML of statements (all when no id is given); an unchanged one is skipped.

    Each Outcome says what became of one statement: state 'built', 'unchanged' or 'failed' (with .error).
    """
    from .errors import UsageError
    from .render.pipeline import FORMATS, build_statements

    chosen = tuple(formats) if formats is not None else repo.settings.formats
    unknown = [fmt for fmt in chosen if fmt not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"unknown format '{unknown[0] if unknown else ''}' (choose from {', '.join(FORMATS)})",
                         inputs=["formats"], value=unknown[0] if unknown else None)
    return build_statements(repo, repo.resolve_ids(list(ids)), chosen, out_dir=Path(out_dir) if out_dir else None,
                            jobs=jobs, force=force)


def diff(repo: "Repo", statement_id: str, *, from_rev: str | None = None, to_rev: str | None = None,
         since_endorsement: str | None = None) -> "StatementDiff":
    """The redline of a statement between two versions (default: the last release, else its first commit,
    against the working tree); since_endorsement compares with the text that partner last endorsed.

    `render_diff(repo, the_diff, 'md')` writes it as CriticMarkup ('term', 'html', 'md', or 'docx' bytes).
    """
    from .redline.versions import diff_statement

    return diff_statement(repo, statement_id, from_rev=from_rev, to_rev=to_rev, since_endorsement=since_endorsement)


def render_diff(repo: "Repo", statement_diff: "StatementDiff", fmt: str = "md") -> str | bytes:
    """A diff in one format: 'term', 'html' and 'md' give text, 'docx' gives bytes."""
    from .redline.versions import render_statement_diff

    return render_statement_diff(repo, statement_diff, fmt)


def import_review(repo: "Repo", statement_id: str, docx_path: str | os.PathLike, *, partner: str | None = None,
                  base: str | None = None, again: bool = False) -> "ImportResult":
    """Import a partner's returned DOCX (tracked changes and comments) onto a review branch of its own."""
    from .review.importing import import_review as run_import

    return run_import(repo, statement_id, Path(docx_path), partner=partner, base=base, again=again)


__all__ = ["build", "diff", "endorse", "import_review", "list_statements", "open_repository", "read_status",
           "read_statuses", "render_diff"]
