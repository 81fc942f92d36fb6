"""The ledger's rules: positions, staleness, objections in force, the gate; and reading records fast and right."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from accord import ledger
from accord.ledger import (POSITIONS, Evidence, Position, Record, Reservation, evaluate, ledger_status, ledger_statuses,
                           parse_record, record_from_bytes, signatories)
from accord.partners import Partner
from accord.repo import Repo
from accord.statement import parse_statement
from accord.yamlio import dump_yaml

from conftest import STATEMENT, git, write
from helpers.ledger import DAY, S

# The ledger never reads templates/, so these tests' `repo` leaves them out.
pytestmark = [pytest.mark.alliance(templates=False), pytest.mark.usefixtures("fixed_day")]

PARTNERS = {pid: Partner(pid, f"The {pid.upper()}", "igo", short=pid.upper())
            for pid in ("unicef", "iom", "unodc", "ecpat", "lastrada")}


def statement(text: str = STATEMENT.format(id="child-protection", status="draft")):
    parsed, problems = parse_statement(text, S)
    assert problems == []
    return parsed


CURRENT = statement(STATEMENT.format(id="child-protection", status="final"))
REWORDED = statement(STATEMENT.format(id="child-protection", status="final").replace("without delay", "at once"))


def record(partner: str, position: str = "endorse", text=CURRENT, **fields) -> Record:
    return Record("child-protection", partner, position, text.text_sha256, f"Signer of {partner.upper()}", DAY, **fields)


def gate_of(*records: Record, text=CURRENT):
    return evaluate(text, {r.partner: r for r in records}, PARTNERS).gate


# -- positions and staleness -------------------------------------------------------------

@pytest.mark.parametrize("position, counts", [
    ("endorse", True), ("endorse-with-reservations", True), ("no-objection", True),
    ("abstain", False), ("object", False), ("withdrawn", False),
])
def test_each_position_counts_or_not_as_design_says(position, counts):
    status = evaluate(CURRENT, {"unicef": record("unicef", position)}, PARTNERS)
    (standing,) = status.standings
    assert standing.current
    assert standing.counting is counts
    assert standing.objecting is (position == "object")


def test_rewrapping_the_text_keeps_an_endorsement_current():
    text = STATEMENT.format(id="child-protection", status="draft")
    rewrapped = statement(text.replace("at every stage of their\njourney, and", "at every stage\n  of their journey,   and"))
    assert rewrapped.body != CURRENT.body
    (standing,) = evaluate(rewrapped, {"unicef": record("unicef")}, PARTNERS).standings
    assert standing.current and standing.counting


def test_endorsement_goes_stale_when_a_word_changes():
    (standing,) = evaluate(REWORDED, {"unicef": record("unicef")}, PARTNERS).standings
    assert not standing.current
    assert not standing.counting


def test_invited_partners_without_a_record_are_pending():
    status = evaluate(CURRENT, {"iom": record("iom", "abstain")}, PARTNERS)
    assert status.pending == ("unicef", "unodc", "ecpat")


# -- the gate -------------------------------------------------------------------------------

def test_the_gate_opens_with_the_required_partner_and_the_threshold():
    assert gate_of(record("unicef"), record("iom", "no-objection")).ok


def test_the_gate_names_a_required_partner_that_has_not_taken_a_position():
    gate = gate_of(record("iom"), record("unodc"))
    assert gate.problems == ("required partner UNICEF has not taken a position",)


def test_the_gate_names_a_required_partner_whose_endorsement_is_stale():
    gate = gate_of(record("unicef"), record("iom", text=REWORDED), record("unodc", text=REWORDED), text=REWORDED)
    assert gate.problems == ("required partner UNICEF took its position (endorse) on an earlier text",)


def test_the_gate_names_a_required_partner_that_abstains():
    gate = gate_of(record("unicef", "abstain"), record("iom"), record("unodc"))
    assert gate.problems == ("required partner UNICEF holds position abstain, which does not count",)


def test_the_gate_counts_distinct_partners_against_the_threshold():
    gate = gate_of(record("unicef"), record("iom", "abstain"))
    assert gate.problems == ("1 partner holds a counting position on the current text; 2 are needed",)


def test_stale_positions_do_not_count_towards_the_threshold():
    gate = gate_of(record("unicef"), record("iom"), text=REWORDED)
    assert gate.problems == (
        "required partner UNICEF took its position (endorse) on an earlier text",
        "0 partners hold a counting position on the current text; 2 are needed",
    )


def test_an_objection_stays_in_force_across_text_changes():
    objection = record("ecpat", "object")
    assert gate_of(record("unicef"), record("iom"), objection).problems == (
        "objection in force: ECPAT objects (recorded 2026-11-28)",)
    after_rewording = gate_of(record("unicef", text=REWORDED), record("iom", text=REWORDED), objection, text=REWORDED)
    assert after_rewording.problems == ("objection in force: ECPAT objects (recorded 2026-11-28, on an earlier text)",)


@pytest.mark.parametrize("later", ["withdrawn", "abstain", "endorse"])
def test_a_later_position_of_the_objecting_partner_clears_the_objection(later):
    assert gate_of(record("unicef"), record("iom"), record("ecpat", later, text=REWORDED)).ok


def test_a_record_filed_under_another_statement_is_not_counted_and_closes_the_gate():
    copied = Record("other-text", "iom", "endorse", CURRENT.text_sha256, "X", DAY,
                    path=Path("/r/statements/child-protection/endorsements/iom.yaml"))
    status = evaluate(CURRENT, {"unicef": record("unicef"), "iom": copied}, PARTNERS)
    assert [s.partner for s in status.standings] == ["unicef"]
    assert status.gate.problems == (
        "1 partner holds a counting position on the current text; 2 are needed",
        "statements/child-protection/endorsements/iom.yaml: record names statement 'other-text', "
        "but it is filed under 'child-protection'",
    )


# -- reading the ledger from a repository -------------------------------------------------------

def file_record(repo, partner: str, position: str = "endorse", text_hash: str | None = None, **extra) -> bytes:
    fields = {"statement": "child-protection", "partner": partner, "position": position,
              "text_sha256": text_hash or statement().text_sha256, "signatory": f"Signer of {partner.upper()}",
              "recorded_at": DAY, **extra}
    data = dump_yaml(fields).encode()
    write(repo / f"statements/child-protection/endorsements/{partner}.yaml", data)
    return data


def test_status_reads_the_records_signatures_and_pending_partners(repo):
    file_record(repo, "unicef")
    file_record(repo, "iom", "endorse-with-reservations", reservations=[{"paragraph": 4, "text": "On guardians."}])
    write(repo / "statements/child-protection/endorsements/unicef.yaml.sig", "sig")
    status = ledger_status(Repo(repo), "child-protection")
    assert [(s.partner, s.signed, s.counting) for s in status.standings] == [("iom", False, True),
                                                                            ("unicef", True, True)]
    assert status.standings[0].record.reservations == (Reservation("On guardians.", 4),)
    assert status.pending == ("unodc", "ecpat")
    assert status.gate.ok


def test_an_unreadable_record_keeps_the_gate_closed_and_names_its_line(repo):
    file_record(repo, "unicef")
    file_record(repo, "iom")
    write(repo / "statements/child-protection/endorsements/iom.yaml", "statement: child-protection\nposition: [\n")
    gate = ledger_status(Repo(repo), "child-protection").gate
    assert gate.problems == ("1 partner holds a counting position on the current text; 2 are needed",
                             "statements/child-protection/endorsements/iom.yaml:3: YAML syntax error: "
                             "did not find expected node content")


def test_signatories_come_from_current_counting_positions_only(repo):
    file_record(repo, "unicef", "endorse-with-reservations", reservations=[{"text": "General."}])
    file_record(repo, "iom", "abstain")
    file_record(repo, "unodc", text_hash="0" * 64)
    entries = signatories(Repo(repo), Repo(repo).load_statement("child-protection"))
    assert [(e.partner_id, e.position_note) for e in entries] == [("unicef", "with reservations")]


def test_status_of_every_statement_remembers_parses_by_content_and_notices_a_change(repo):
    file_record(repo, "unicef")
    file_record(repo, "iom")
    (first,) = ledger_statuses(Repo(repo))
    assert first.gate.ok
    assert (repo / ".git/accord/ledger-memo.json").exists()
    (again,) = ledger_statuses(Repo(repo))
    assert again.as_dict() == first.as_dict()
    # the records recalled from the memo are the records read from their files, to every field and type
    assert [vars(s.record) for s in again.standings] == [vars(s.record) for s in first.standings]
    assert [type(s.record.position) for s in again.standings] == [Position, Position]
    file_record(repo, "iom", "object")
    write(repo / S, STATEMENT.format(id="child-protection", status="final"))
    (changed,) = ledger_statuses(Repo(repo))
    assert changed.statement.status == "final"
    assert changed.gate.problems == (
        "1 partner holds a counting position on the current text; 2 are needed",
        "objection in force: IOM objects (recorded 2026-11-28)",
    )


def test_reading_the_ledger_pauses_the_garbage_collector_and_leaves_it_as_it_found_it(repo):
    import gc

    from accord.ledger.reading import bulk_reading

    file_record(repo, "unicef")
    assert gc.isenabled()
    ledger_statuses(Repo(repo))
    assert gc.isenabled()
    with bulk_reading():
        assert not gc.isenabled()
        with bulk_reading():  # nested (status around ledger_statuses): the inner one does not resume it
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk_reading():
            pass
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()


def test_a_broken_memo_is_ignored(repo):
    file_record(repo, "unicef")
    ledger_statuses(Repo(repo))
    write(repo / ".git/accord/ledger-memo.json", "{not json")
    (status,) = ledger_statuses(Repo(repo))
    assert [s.partner for s in status.standings] == ["unicef"]


def test_the_memo_is_keyed_by_every_ledger_module_that_parses_records():
    # a change to the record model, either reader or the memo's own encoding must forget what the memo holds
    import os

    from accord.ledger import memo, reading, records

    stamp = memo._code_stamp().split("|")
    for module in (records, reading, memo):
        info = os.stat(module.__file__)
        assert f"{module.__name__}:{info.st_size}:{info.st_mtime_ns}" in stamp


def test_status_of_every_statement_reports_an_unreadable_statement_and_goes_on(repo):
    write(repo / "statements/second-text/statement.md", "no front matter\n")
    first, second = ledger_statuses(Repo(repo))
    assert first.statement.id == "child-protection"
    assert second.as_dict() == {"id": "second-text", "error": "statements/second-text/statement.md:1: no front matter: "
                                "the file must start with a '---' line, then YAML, then a closing '---' line"}


# -- the quick reader agrees with the full one -------------------------------------------------

def full_read(data: bytes):
    return parse_record(data, data.decode("utf-8"), "r.yaml")


# NEL (U+0085) is left out: PyYAML reads it back as a line break; the writer folds all whitespace anyway.
text_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF, blacklist_characters="\x85"), min_size=1,
                      max_size=60).filter(lambda s: s.strip())


@settings(max_examples=300, deadline=None)
@given(position=st.sampled_from(POSITIONS), signatory=text_values, recorded_by=st.one_of(st.none(), text_values),
       reservations=st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 999)), text_values), max_size=3),
       evidence=st.one_of(st.none(), st.tuples(st.sampled_from(["letter", "email", "url", "none"]),
                                               st.one_of(st.none(), text_values))),
       supersedes=st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)))
def test_a_record_written_and_read_loses_nothing(position, signatory, recorded_by, reservations, evidence, supersedes):
    fields = {"statement": "child-protection", "partner": "unicef", "position": position,
              "text_sha256": hashlib.sha256(signatory.encode()).hexdigest(), "commit": "1" * 40,
              "signatory": signatory, "recorded_by": recorded_by, "recorded_at": DAY,
              "reservations": [{"paragraph": p, "text": t} if p else {"text": t} for p, t in reservations],
              "evidence": {"kind": evidence[0], "ref": evidence[1]} if evidence else None,
              "supersedes": supersedes}
    data = dump_yaml(fields).encode()
    quick, problems = record_from_bytes(data, "r.yaml")
    full, full_problems = full_read(data)
    if full_problems:
        assert problems == full_problems
        return
    assert problems == []
    assert quick == full
    assert quick.signatory == signatory
    assert quick.reservations == tuple(Reservation(t, p) for p, t in reservations)
    assert quick.supersedes == supersedes


ODD_RECORDS = [
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: 'Jane: Doe'\nrecorded_at: 2026-11-28\n",
    "statement: child-protection\npartner: unicef\nposition: endorse  # firmly\ntext_sha256: " + "a" * 64 +
    "\nsignatory: Jane\nrecorded_at: 2026-11-28\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: >\n  Jane\n  Doe\nrecorded_at: 2026-11-28\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: yes\nrecorded_at: 2026-11-28\nreservations:\n  - {paragraph: 012, text: octal}\n",
    "{statement: child-protection, partner: unicef, position: endorse, text_sha256: " + "a" * 64 +
    ", signatory: Jane, recorded_at: 2026-11-28}\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: Jane\nsignatory: John\nrecorded_at: 2026-11-28\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: \"Jos\\u00e9\"\nrecorded_at: 2026-11-28\nevidence:\n  kind: letter\n  ref: 1:20\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: Jane\x07\nrecorded_at: 2026-11-28\n",
    "statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: " + "a" * 64 +
    "\nsignatory: Jane\nrecorded_at: 2026-11-28\nsupersedes: ~\ncommit: null\nrecorded_by:\n",
]


@pytest.mark.parametrize("text", ODD_RECORDS)
def test_records_in_any_other_yaml_form_read_exactly_as_the_full_reader_reads_them(text):
    data = text.encode()
    assert record_from_bytes(data, "r.yaml") == full_read(data)


def test_the_quick_reader_takes_the_form_accord_writes():
    data = dump_yaml({"statement": "child-protection", "partner": "unicef", "position": "endorse-with-reservations",
                      "text_sha256": "a" * 64, "signatory": "José Ramos-Horta, Director", "recorded_at": DAY,
                      "reservations": [{"paragraph": 4, "text": "yes"}], "evidence": {"kind": "letter", "ref": "A/1"},
                      "supersedes": None}).encode()
    quick = ledger._quick_record(data, data.decode(), None)
    assert quick is not None
    assert quick == full_read(data)[0]
    assert quick.evidence == Evidence("letter", "A/1")
    # made without the dataclass's __init__ (see reading._validated): the same object all the same
    assert vars(quick) == vars(full_read(data)[0]) and hash(quick) == hash(full_read(data)[0])
    assert type(quick.position) is Position and type(quick.evidence) is Evidence


def test_the_memo_stays_out_of_the_work_tree(repo):
    ledger_statuses(Repo(repo))
    assert (repo / ".git/accord/ledger-memo.json").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_a_text_that_is_not_final_keeps_the_status_gate_closed_and_says_why():
    for status in ("draft", "consultation"):
        text = statement(STATEMENT.format(id="child-protection", status=status))
        records = {"unicef": record("unicef", text=text), "iom": record("iom", text=text)}
        assert evaluate(text, records, PARTNERS, lifecycle=True).gate.problems == (
            f"status is '{status}'; only a 'final' text can be released",)
        assert evaluate(text, records, PARTNERS).gate.ok  # the ledger's own gate (what a release and the site use)


def test_a_record_of_a_partner_not_invited_never_counts():
    status = evaluate(CURRENT, {"unicef": record("unicef"), "lastrada": record("lastrada")}, PARTNERS)
    assert [(s.partner, s.invited, s.counting) for s in status.standings] == [("lastrada", False, False),
                                                                            ("unicef", True, True)]
    assert status.gate.problems == (
        "1 partner holds a counting position on the current text; 2 are needed",
        "LASTRADA is not invited to endorse this text; its endorse does not count",
    )
