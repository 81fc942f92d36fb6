"""`accord status`: one statement in detail, or the matrix of all; JSON for scripts; exit 0 either way."""

from __future__ import annotations

import json

import click
import pytest

from accord.repo import Repo

from conftest import STATEMENT, git, run, write
from helpers.ledger import S

# The ledger's tests share one repository: no templates/, and records made on one known day.
pytestmark = [pytest.mark.alliance(templates=False), pytest.mark.usefixtures("fixed_day")]


def endorse(repo, partner: str, position: str = "endorse", *args: str):
    result = run("endorse", "child-protection", partner, "--position", position, "--signatory",
                 f"Signer of {partner.upper()}, Director", *args, "--repo", str(repo))
    assert result.code == 0, result.err


def text_hash(repo) -> str:
    return Repo(repo).load_statement("child-protection").text_sha256


def reword(repo) -> None:
    write(repo / S, (repo / S).read_text().replace("without delay", "at once"))
    git(repo, "commit", "-q", "-am", "Reword")


def set_status(repo, status: str, extra: str = "") -> None:
    write(repo / S, (repo / S).read_text().replace("status: draft", f"status: {status}{extra}"))
    git(repo, "commit", "-q", "-am", status)


DRAFT = "  - status is 'draft'; only a 'final' text can be released\n"


def test_status_of_a_statement_shows_positions_pending_partners_and_the_closed_gate(repo):
    endorse(repo, "iom", "endorse-with-reservations", "--reservation", "1: On guardians.", "--reservation", "Generally.")
    endorse(repo, "ecpat", "object")
    reword(repo)
    endorse(repo, "unodc", "no-objection")
    write(repo / "statements/child-protection/endorsements/unodc.yaml.sig", "-----BEGIN SSH SIGNATURE-----\n")
    result = run("status", "child-protection", "--repo", str(repo))
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "child-protection: Joint Statement on the Protection of Children\n"
        "Status: draft\n"
        f"Text:   {text_hash(repo)}\n"
        "\n"
        "ECPAT  object                     stale    attested  2026-11-28  Signer of ECPAT, Director\n"
        "IOM    endorse-with-reservations  stale    attested  2026-11-28  Signer of IOM, Director\n"
        "         reservation on paragraph 1: On guardians.\n"
        "         reservation: Generally.\n"
        "UNODC  no-objection               current  signed    2026-11-28  Signer of UNODC, Director\n"
        "Not yet heard from: UNICEF\n"
        "\n"
        "Gate: closed\n"
        + DRAFT +
        "  - required partner UNICEF has not taken a position\n"
        "  - 1 partner holds a counting position on the current text; 2 are needed\n"
        "  - objection in force: ECPAT objects (recorded 2026-11-28, on an earlier text)\n")


def test_status_shows_an_open_gate(repo):
    set_status(repo, "final")
    endorse(repo, "unicef")
    endorse(repo, "iom")
    result = run("status", "child-protection", "--repo", str(repo))
    assert result.out.endswith("Not yet heard from: UNODC, ECPAT\n\nGate: open\n")


def test_status_without_records_says_so(repo):
    result = run("status", "child-protection", "--repo", str(repo))
    assert result.out.endswith("No positions recorded yet.\nNot yet heard from: UNICEF, IOM, UNODC, ECPAT\n\n"
                               "Gate: closed\n" + DRAFT + "  - required partner UNICEF has not taken a position\n"
                               "  - 0 partners hold a counting position on the current text; 2 are needed\n")


def test_status_json_of_a_statement_has_every_field_a_script_needs(repo):
    endorse(repo, "unicef")
    endorse(repo, "iom", "endorse-with-reservations", "--reservation", "1: On guardians.")
    result = run("status", "child-protection", "--json", "--repo", str(repo))
    data = json.loads(result.out)
    assert result.code == 0
    assert {key: data[key] for key in ("id", "title", "status", "text_sha256", "pending", "gate")} == {
        "id": "child-protection", "title": "Joint Statement on the Protection of Children", "status": "draft",
        "text_sha256": text_hash(repo), "pending": ["unodc", "ecpat"],
        "gate": {"ok": False, "problems": ["status is 'draft'; only a 'final' text can be released"]}}
    iom = data["endorsements"][0]
    assert iom == {
        "partner": "iom", "name": "International Organization for Migration", "short": "IOM",
        "position": "endorse-with-reservations", "current": True, "counting": True, "signed": False, "invited": True,
        "signatory": "Signer of IOM, Director", "recorded_at": "2026-11-28",
        "recorded_by": "Test Drafter <drafter@aect.example>", "text_sha256": text_hash(repo),
        "reservations": [{"paragraph": "1", "text": "On guardians."}], "evidence": None, "date": None, "reason": None,
        "unregistered_signatory": False}


def test_status_json_gives_no_short_name_for_a_partner_that_has_none(repo):
    partner = repo / "partners/iom.yaml"
    write(partner, partner.read_text().replace("short: IOM\n", ""))
    git(repo, "commit", "-q", "-am", "IOM without a short name")
    endorse(repo, "iom")
    data = json.loads(run("status", "child-protection", "--json", "--repo", str(repo)).out)
    assert [(e["partner"], e["name"], e["short"]) for e in data["endorsements"]] == [
        ("iom", "International Organization for Migration", None)]


def test_status_json_lists_objections_under_positions_not_endorsements(repo):
    endorse(repo, "unicef")
    endorse(repo, "iom", "object", "--reason", "Paragraph 2 goes too far.")
    endorse(repo, "unodc", "abstain")
    data = json.loads(run("status", "child-protection", "--json", "--repo", str(repo)).out)
    assert [(e["partner"], e["position"]) for e in data["endorsements"]] == [("unicef", "endorse")]
    assert sorted((e["partner"], e["position"]) for e in data["positions"]) == [
        ("iom", "object"), ("unicef", "endorse"), ("unodc", "abstain")]


def add_second_statement(repo) -> None:
    write(repo / "statements/labour-2027/statement.md",
          STATEMENT.format(id="labour-2027", status="consultation").replace("[unicef, iom, unodc, ecpat]",
                                                                             "[unicef, lastrada]"))


def test_status_without_an_id_prints_the_matrix_of_statements_and_partners(repo):
    add_second_statement(repo)
    endorse(repo, "unicef")
    endorse(repo, "iom", "endorse-with-reservations", "--reservation", "Generally.")
    endorse(repo, "ecpat", "object")
    endorse(repo, "unodc", "abstain")
    reword(repo)
    endorse(repo, "unodc", "withdrawn")
    result = run("status", "--repo", str(repo))
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "statement         ECPAT  IOM  LSI  UNICEF  UNODC  gate\n"
        "child-protection  X~     R~        E~      W      closed\n"
        "labour-2027                   .    .              closed\n"
        "\n"
        "E endorse  R with reservations  N no objection  A abstain  X object  W withdrawn\n"
        "~ stale (the text changed since)  . invited, not yet heard from\n")


def test_the_matrix_shows_the_release_of_a_published_statement_not_its_gate(repo):
    endorse(repo, "unicef")
    set_status(repo, "published", "\nversion: 2\npublished: 2026-11-30")
    result = run("status", "--repo", str(repo))
    assert result.out.splitlines()[:2] == ["statement         ECPAT  IOM  UNICEF  UNODC  gate",
                                           "child-protection  .      .    E       .      published v2"]
    detail = run("status", "child-protection", "--repo", str(repo)).out
    assert detail.endswith("Gate: closed\n  - status is 'published'; it has been released (a new version needs a "
                           "final text)\n  - 1 partner holds a counting position on the current text; 2 are needed\n")


def test_the_matrix_is_coloured_only_on_a_terminal(repo, monkeypatch):
    endorse(repo, "unicef")
    assert "\x1b[" not in run("status", "--repo", str(repo)).out
    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda stream=None, color=None: False)
    coloured = run("status", "--repo", str(repo)).out
    assert click.style("E     ", fg="green") in coloured  # padded to the width of "UNICEF"
    assert click.style("closed", fg="red") in coloured


def test_status_json_without_an_id_is_a_list_with_unreadable_statements_named(repo):
    add_second_statement(repo)
    write(repo / "statements/broken-one/statement.md", "---\nid: broken-one\n")
    endorse(repo, "unicef")
    result = run("status", "--json", "--repo", str(repo))
    assert result.code == 0
    data = json.loads(result.out)
    assert [item["id"] for item in data] == ["broken-one", "child-protection", "labour-2027"]
    assert data[0] == {"id": "broken-one", "error": "statements/broken-one/statement.md:1: no front matter: the file "
                                                    "must start with a '---' line, then YAML, then a closing '---' line"}
    assert data[1]["endorsements"][0]["partner"] == "unicef"
    assert data[2]["pending"] == ["unicef", "lastrada"]
    assert run("status", "--repo", str(repo)).out.splitlines()[1] == "broken-one        unreadable: run accord check"


def test_status_of_an_unknown_statement_is_an_error(repo):
    result = run("status", "child-protectoin", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: unknown statement 'child-protectoin' "
                                            "(did you mean 'child-protection'?)\n")


def test_status_runs_no_git_process(repo, monkeypatch):
    import subprocess

    endorse(repo, "unicef")
    add_second_statement(repo)

    def no_git(*args, **kwargs):
        raise AssertionError(f"status ran a process: {args[0]}")

    monkeypatch.setattr(subprocess, "run", no_git)
    monkeypatch.setattr(subprocess, "Popen", no_git)
    assert run("status", "--json", "--repo", str(repo)).code == 0
    assert run("status", "child-protection", "--repo", str(repo)).code == 0


@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_status_in_an_empty_repository_is_not_an_error(tmp_path, flag):
    (tmp_path / ".git").mkdir()
    result = run("status", *flag, "--repo", str(tmp_path))
    assert (result.code, result.out) == (0, "[]\n" if flag else "No statements yet.\n")
