"""The endorsement ledger: records of which partner took which position on which exact text.

The modules, by job: positions (the position vocabulary), records (the record model, the endorser), reading (the full and the
quick record readers), gate (positions, staleness, the gate and the signatory block), memo (parse results
remembered between runs), endorse (recording a position) and verify (signatures and the supersedes chain
against git history). Everything that was importable from accord.ledger still is, from here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .endorse import (PORTAL_PRINCIPAL, TYPED_EVIDENCE_KINDS, Recorded, parse_date, parse_evidence, parse_position,
                          parse_reservation, portal_signing_key, record_position, refuse_closed_statement, render_record,
                          signatory_is, today)
    from .gate import (Gate, LedgerStatus, SignatoryEntry, Standing, UnreadableStatement,
                       describe_position, evaluate, ledger_status, ledger_statuses, release_gate, signatories,
                       status_reason)
    from .memo import ParseMemo, StatementSummary
    from .reading import (_quick_record, load_record, parse_record, read_record, read_records, record_from_bytes,
                          record_versions)
    from .positions import POSITION_LETTERS, Position
    from .records import (COUNTING_POSITIONS, EVIDENCE, EVIDENCE_KINDS, OPEN_STATUSES, POSITIONS, REASONED_POSITIONS,
                          RECORD, RESERVATION, RESERVING_POSITIONS, Endorser, Evidence, Record, Reservation)
    from .verify import KeyChange, LedgerHistory, RecordCheck, RegistryEvent, SignedAt, verify_ledger

__all__ = [
    # positions
    "POSITION_LETTERS", "Position",
    # records
    "COUNTING_POSITIONS", "EVIDENCE", "EVIDENCE_KINDS", "OPEN_STATUSES", "POSITIONS", "REASONED_POSITIONS",
    "RECORD", "RESERVATION", "RESERVING_POSITIONS", "Endorser", "Evidence", "Record", "Reservation",
    # reading (_quick_record: tests compare the quick reader with the full one)
    "_quick_record", "load_record", "parse_record", "read_record", "read_records", "record_from_bytes",
    "record_versions",
    # gate
    "Gate", "LedgerStatus", "SignatoryEntry", "Standing", "UnreadableStatement",
    "describe_position", "evaluate", "ledger_status", "ledger_statuses", "release_gate", "signatories",
    "status_reason",
    # memo
    "ParseMemo", "StatementSummary",
    # endorse (today: tests fix the day by patching accord.ledger.today, which the record code looks up here)
    "TYPED_EVIDENCE_KINDS", "Recorded", "parse_date", "parse_evidence", "parse_position", "parse_reservation",
    "record_position", "refuse_closed_statement", "render_record", "signatory_is", "today",
    "PORTAL_PRINCIPAL", "portal_signing_key",  # the partner portal's attestation (accord.portal)
    # verify
    "KeyChange", "LedgerHistory", "RecordCheck", "RegistryEvent", "SignedAt", "verify_ledger",
]


def _homes() -> dict[str, str]:
    """Each name of __all__ and the module that holds it."""
    return {name: module for module, names in _MODULES.items() for name in names}


# The modules are imported when one of their names is first asked for: `accord status` needs the
# records, the memo and the gate, not the signing, the endorse workflow or the history walk.
_MODULES = {
    "positions": ("POSITION_LETTERS", "Position"),
    "records": ("COUNTING_POSITIONS", "EVIDENCE", "EVIDENCE_KINDS", "OPEN_STATUSES", "POSITIONS", "REASONED_POSITIONS",
                "RECORD", "RESERVATION", "RESERVING_POSITIONS", "Endorser", "Evidence", "Record", "Reservation"),
    "reading": ("_quick_record", "load_record", "parse_record", "read_record", "read_records", "record_from_bytes",
                "record_versions"),
    "gate": ("Gate", "LedgerStatus", "SignatoryEntry", "Standing", "UnreadableStatement", "describe_position",
             "evaluate", "ledger_status", "ledger_statuses", "release_gate", "signatories", "status_reason"),
    "memo": ("ParseMemo", "StatementSummary"),
    "endorse": ("TYPED_EVIDENCE_KINDS", "Recorded", "parse_date", "parse_evidence", "parse_position",
                "parse_reservation", "record_position", "refuse_closed_statement", "render_record", "signatory_is",
                "today", "PORTAL_PRINCIPAL", "portal_signing_key"),
    "verify": ("KeyChange", "LedgerHistory", "RecordCheck", "RegistryEvent", "SignedAt", "verify_ledger"),
}
_HOMES = _homes()


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
