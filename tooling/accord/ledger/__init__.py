"""The endorsement ledger: records of which partner took which position on which exact text.

The modules, by job: records (the record model and the position vocabulary), reading (the full and the
quick record readers), gate (positions, staleness, the gate and the signatory block), memo (parse results
remembered between runs), endorse (recording a position) and verify (signatures and the supersedes chain
against git history). Everything that was importable from accord.ledger still is, from here.
"""

from .endorse import (TYPED_EVIDENCE_KINDS, Recorded, parse_date, parse_evidence, parse_position, parse_reservation,
                      record_position, refuse_closed_statement, render_record, signatory_is, today)
from .gate import (POSITION_LETTERS, Gate, LedgerStatus, SignatoryEntry, Standing, UnreadableStatement,
                   describe_position, evaluate, ledger_status, ledger_statuses, release_gate, signatories,
                   status_reason)
from .memo import ParseMemo, StatementSummary
from .reading import _quick_record, load_record, parse_record, read_record, read_records, record_from_bytes
from .records import (COUNTING_POSITIONS, EVIDENCE, EVIDENCE_KINDS, OPEN_STATUSES, POSITIONS, REASONED_POSITIONS,
                      RECORD, RESERVATION, RESERVING_POSITIONS, Evidence, Record, Reservation)
from .verify import KeyChange, LedgerHistory, RecordCheck, RegistryEvent, SignedAt, verify_ledger

__all__ = [
    # records
    "COUNTING_POSITIONS", "EVIDENCE", "EVIDENCE_KINDS", "OPEN_STATUSES", "POSITIONS", "REASONED_POSITIONS",
    "RECORD", "RESERVATION", "RESERVING_POSITIONS", "Evidence", "Record", "Reservation",
    # reading (_quick_record: tests compare the quick reader with the full one)
    "_quick_record", "load_record", "parse_record", "read_record", "read_records", "record_from_bytes",
    # gate
    "POSITION_LETTERS", "Gate", "LedgerStatus", "SignatoryEntry", "Standing", "UnreadableStatement",
    "describe_position", "evaluate", "ledger_status", "ledger_statuses", "release_gate", "signatories",
    "status_reason",
    # memo
    "ParseMemo", "StatementSummary",
    # endorse (today: tests fix the day by patching accord.ledger.today, which the record code looks up here)
    "TYPED_EVIDENCE_KINDS", "Recorded", "parse_date", "parse_evidence", "parse_position", "parse_reservation",
    "record_position", "refuse_closed_statement", "render_record", "signatory_is", "today",
    # verify
    "KeyChange", "LedgerHistory", "RecordCheck", "RegistryEvent", "SignedAt", "verify_ledger",
]
