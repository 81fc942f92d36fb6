"""accord: drafting, endorsement and publication pipeline for joint statements.

The public API (README, "Python API"): open_repository, list_statements, read_status, read_statuses,
endorse, build, diff, render_diff, import_review; the errors they raise (AccordError and its family);
Position. Each name is imported on first use, so `import accord` (and `accord --help`) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = ("build", "diff", "endorse", "import_review", "list_statements", "open_repository", "read_status",
        "read_statuses", "render_diff")
_ERRORS = ("AccordError", "BuildError", "GitError", "LedgerError", "PartnerError", "RedlineError", "ReleaseError",
           "RepoError", "ReviewError", "RoundError", "SignatoryError", "SigningError", "StatementError", "TranslationError",
           "UsageError")
_HOMES = {**dict.fromkeys(_API, "accord.api"), **dict.fromkeys(_ERRORS, "accord.errors"),
          "Position": "accord.ledger.positions"}

__all__ = [  # _API, _ERRORS and Position, written out for tools that read __all__ without running it
    "__version__",
    "build", "diff", "endorse", "import_review", "list_statements", "open_repository", "read_status",
    "read_statuses", "render_diff",
    "AccordError", "BuildError", "GitError", "LedgerError", "PartnerError", "RedlineError", "ReleaseError",
    "RepoError", "ReviewError", "RoundError", "SignatoryError", "SigningError", "StatementError", "TranslationError",
    "UsageError",
    "Position",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'accord' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
