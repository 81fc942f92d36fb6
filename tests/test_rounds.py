"""Consultation rounds, one rule at a time: opening, deadlines in time zones, imports, closing, hostile input."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from conftest import git, run, write
from helpers.word import WordEdits
from helpers.alliance import copy_of_template
from helpers.rounds import ID, ROUNDS, S, at, consultation_repo

# Times well away from today's date: ACCORD_NOW stands in for the clock, as SOURCE_DATE_EPOCH does for builds.
OPENED = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
DEADLINE = "2031-03-16"  # 18:00 in Vienna is 17:00 UTC (CET, before the clocks change on 2031-03-30)


@pytest.fixture
def alliance(tmp_path, monkeypatch):
    at(monkeypatch, OPENED)
    return consultation_repo(tmp_path / "alliance")


@pytest.fixture
def opened(tmp_path, monkeypatch):
    """The alliance with round 1 open since OPENED (the default deadline, every invited partner): opened once
    per process, and each test gets its own copy."""
    at(monkeypatch, OPENED)
    return copy_of_template(("consultation", "round 1 open"), tmp_path / "alliance", _open_first_round)


def _open_first_round(root):
    open_round(consultation_repo(root))
    return root


def open_round(repo, *args: str, deadline: str = DEADLINE):
    result = run("round", "open", ID, "--deadline", deadline, "--time", "18:00", *args, "--repo", str(repo))
    assert result.code == 0, result.err
    return result


def packet(repo, partner: str, number: int = 1) -> bytes:
    return (repo / "build" / "review" / ID / f"round-{number}" / f"{partner}.docx").read_bytes()


# -- opening -----------------------------------------------------------------------------------

def test_a_round_packet_opens_in_word_with_track_changes_on(opened):
    with zipfile.ZipFile(io.BytesIO(packet(opened, "iom"))) as docx:
        assert b"<w:trackRevisions/>" in docx.read("word/settings.xml")


def test_only_one_round_is_open_per_statement(opened):
    result = run("round", "open", ID, "--deadline", "2031-04-01", "--repo", str(opened))
    assert (result.code, result.err) == (2, f"Error: round 1 of {ID} is still open (deadline 2031-03-16 18:00 CET "
                                            f"(Europe/Vienna)); close it first with `accord round close {ID}`\n")


def test_a_round_is_refused_on_uncommitted_text(alliance):
    (alliance / S).write_text((alliance / S).read_text().replace("without delay", "at once"))
    result = run("round", "open", ID, "--deadline", DEADLINE, "--repo", str(alliance))
    assert (result.code, result.err) == (2, f"Error: {S} has uncommitted changes; commit them first, so every packet "
                                            "names the commit its text comes from\n")
    assert not (alliance / ROUNDS).exists()
    assert not (alliance / "build").exists()


def test_a_round_is_refused_on_a_text_with_conflict_markers(alliance):
    text = (alliance / S).read_text().replace("without delay", "{~~without delay~>at once~~}")
    write(alliance / S, text)
    git(alliance, "commit", "-qam", "An unresolved import")
    line = text.splitlines().index(next(x for x in text.splitlines() if "{~~" in x)) + 1
    result = run("round", "open", ID, "--deadline", DEADLINE, "--repo", str(alliance))
    assert (result.code, result.err) == (2, f"Error: {S}:{line}: conflict marker '{{~~' in the text; resolve the "
                                            "conflict and commit before opening a round\n")


def test_a_deadline_in_the_past_or_that_does_not_exist_is_refused(alliance):
    result = run("round", "open", ID, "--deadline", "2031-03-02", "--time", "09:59", "--repo", str(alliance))
    assert result.err == ("Error: the deadline 2031-03-02 09:59 CET (Europe/Vienna) has already passed\n")
    result = run("round", "open", ID, "--deadline", "2031-03-30", "--time", "02:30", "--repo", str(alliance))
    assert result.err == ("Error: --deadline 2031-03-30 --time 02:30: that time does not exist in Europe/Vienna "
                          "(the clocks skip it)\n")
    result = run("round", "open", ID, "--deadline", "2031-02-30", "--repo", str(alliance))
    assert result.err == "Error: --deadline 2031-02-30: no such date\n"
    result = run("round", "open", ID, "--deadline", DEADLINE, "--timezone", "Europe/Vienne", "--repo", str(alliance))
    assert result.err == ("Error: --timezone Europe/Vienne: unknown time zone (use an IANA name such as "
                          "Europe/Vienna, or UTC)\n")
    assert git(alliance, "status", "--porcelain") == ""


def test_a_note_with_control_characters_is_refused(alliance):
    result = run("round", "open", ID, "--deadline", DEADLINE, "--note", "Reply \x1b[31mnow", "--repo", str(alliance))
    assert (result.code, result.err) == (2, "Error: --note must not contain control characters\n")
    assert git(alliance, "status", "--porcelain") == ""


def test_partners_must_be_known_and_invited(alliance):
    result = run("round", "open", ID, "--deadline", DEADLINE, "--partners", "unicef,unicfe", "--repo", str(alliance))
    assert result.err == "Error: unknown partner 'unicfe' (did you mean 'unicef'?)\n"
    write(alliance / "partners" / "ohchr.yaml", "id: ohchr\nname: OHCHR\nkind: igo\n")
    result = run("round", "open", ID, "--deadline", DEADLINE, "--partners", "ohchr", "--repo", str(alliance))
    assert result.err == (f"Error: partner 'ohchr' is not invited to endorse {ID} (invited: unicef, iom, unodc, "
                          f"ecpat, lastrada, ilo, coe); add it to endorsement.invited in {S}\n")


def test_a_round_for_some_partners_sends_only_to_them(alliance):
    open_round(alliance, "--partners", "iom,ecpat")
    folder = alliance / "build" / "review" / ID / "round-1"
    assert sorted(path.name for path in folder.iterdir()) == ["ecpat.docx", "ecpat.eml", "iom.docx", "iom.eml"]
    assert "  partners:\n  - iom\n  - ecpat\n" in (alliance / ROUNDS).read_text()


def test_the_secretariat_time_zone_comes_from_accord_yaml_and_an_unknown_one_is_an_error(alliance):
    write(alliance / "accord.yaml", "organization: Test Alliance\nteam: Test Team\ntimezone: Europe/Viena\n")
    result = run("round", "open", ID, "--deadline", DEADLINE, "--repo", str(alliance))
    assert result.err == ("Error: accord.yaml:3: unknown time zone 'Europe/Viena' (use an IANA name such as "
                          "Europe/Vienna, or UTC)\n")


def test_the_packet_says_for_whom_it_is_and_when_it_is_due_and_records_it(alliance):
    from accord.ooxml.reading import custom_properties, open_docx_bytes

    open_round(alliance, "--note", "Line one.\nLine two.")
    properties = custom_properties(open_docx_bytes(packet(alliance, "ilo"), "ilo.docx"))
    assert properties["accord.partner"] == "ilo"
    assert properties["accord.round"] == "1"
    assert properties["accord.deadline"] == "2031-03-16 18:00 CET (Europe/Vienna)"
    assert properties["accord.note"] == "Line one. Line two."


def test_a_line_break_in_a_contact_name_cannot_add_a_header_to_the_email(alliance):
    write(alliance / "partners" / "iom.yaml",
          'id: iom\nname: IOM\nkind: igo\ncontacts:\n  - name: "Eve\\nBcc: everyone@evil.example"\n'
          "    email: eve@iom.example\n")
    git(alliance, "commit", "-qam", "A hostile contact")
    result = run("round", "open", ID, "--deadline", DEADLINE, "--repo", str(alliance))
    assert result.code == 2
    assert result.err.startswith("Error: partners/iom.yaml: cannot address the e-mail: ")
    assert not (alliance / ROUNDS).exists()
    assert not (alliance / "build" / "review" / ID / "round-1" / "iom.eml").exists()


def test_a_contact_without_an_email_address_is_an_error_in_the_registry(alliance):
    write(alliance / "partners" / "iom.yaml", "id: iom\nname: IOM\nkind: igo\ncontacts:\n  - name: Desk\n"
                                              "    email: not an address\n")
    result = run("check", "--repo", str(alliance))
    assert "partners/iom.yaml:6: 'email' is not an e-mail address: 'not an address'" in result.out


# -- deadlines and status ----------------------------------------------------------------------

def test_nobody_is_overdue_until_the_deadline_has_passed_in_the_rounds_time_zone(opened, monkeypatch):
    at(monkeypatch, dt.datetime(2031, 3, 16, 16, 59, tzinfo=dt.timezone.utc))  # 17:59 in Vienna
    result = run("round", "status", ID, "--repo", str(opened))
    assert "Deadline: 2031-03-16 18:00 CET (Europe/Vienna), 1 minute left" in result.out
    assert "OVERDUE" not in result.out
    monkeypatch.setenv("ACCORD_NOW", "2031-03-16T12:01:00-05:00")  # 18:01 in Vienna, said from New York
    result = run("round", "status", ID, "--repo", str(opened))
    assert "Deadline: 2031-03-16 18:00 CET (Europe/Vienna), passed 1 minute ago" in result.out
    assert result.out.count("OVERDUE") == 7
    assert "Overdue: UNICEF, IOM, UNODC, ECPAT, LSI, ILO, CoE" in run("status", ID, "--repo", str(opened)).out


def test_a_position_recorded_after_the_deadline_is_marked_late(alliance, monkeypatch):
    today = dt.date.today()
    at(monkeypatch, dt.datetime.combine(today - dt.timedelta(days=10), dt.time(9), dt.timezone.utc))
    open_round(alliance, deadline=(today - dt.timedelta(days=3)).isoformat())
    at(monkeypatch, dt.datetime.combine(today, dt.time(9), dt.timezone.utc))
    assert run("endorse", ID, "iom", "--position", "endorse", "--signatory", "Signer of IOM, Director",
               "--repo", str(alliance)).code == 0
    status = run("status", ID, "--repo", str(alliance)).out
    assert f"Late: IOM recorded endorse on {today.isoformat()}, after the round 1 deadline" in status
    assert "Overdue: UNICEF, UNODC, ECPAT, LSI, ILO, CoE" in status
    data = __import__("json").loads(run("round", "status", ID, "--json", "--repo", str(alliance)).out)
    iom = next(p for p in data["partners"] if p["partner"] == "iom")
    assert (iom["position"], iom["late"], iom["overdue"]) == ("endorse", True, False)


def test_status_without_an_id_has_one_line_per_open_round(alliance):
    assert run("round", "status", "--repo", str(alliance)).out == "No open rounds.\n"
    open_round(alliance)
    assert run("round", "status", "--repo", str(alliance)).out == (
        f"{ID}  round 1  comments  deadline 2031-03-16 18:00 CET (Europe/Vienna)  14 days 8 hours left  "
        "returned 0/7  overdue 0\n")


# -- closing -----------------------------------------------------------------------------------

def test_a_round_closes_before_its_deadline_only_when_asked(opened):
    result = run("round", "close", ID, "--repo", str(opened))
    assert result.err == (f"Error: round 1 of {ID} runs until 2031-03-16 18:00 CET (Europe/Vienna) (14 days 8 hours "
                          "left); pass --early to close it before the deadline\n")
    result = run("round", "close", ID, "--early", "--repo", str(opened))
    assert result.code == 0, result.err
    assert result.out.splitlines()[1] == "Never answered: UNICEF, IOM, UNODC, ECPAT, LSI, ILO, CoE"
    assert not (opened / f"statements/{ID}/endorsements").exists()
    assert run("round", "close", ID, "--repo", str(opened)).err == (
        f"Error: {ID} has no open consultation round (round 1 is closed); open one with "
        f"`accord round open {ID} --deadline YYYY-MM-DD`\n")


def test_silence_closed_early_is_not_taken_as_no_objection(alliance):
    open_round(alliance, "--silence", "--partners", "iom,ecpat")
    result = run("round", "close", ID, "--early", "--repo", str(alliance))
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        "Never answered: IOM, ECPAT",
        "Note: closed before the deadline: silence has not run its course, so nobody's silence is taken as no "
        "objection"]
    assert not (alliance / f"statements/{ID}/endorsements").exists()
    assert "outcome: closed" in (alliance / ROUNDS).read_text()


def test_silence_never_passes_to_a_changed_text(alliance, monkeypatch):
    open_round(alliance, "--silence", "--partners", "iom,ecpat")
    text = (alliance / S).read_text().replace("without delay", "at once")
    write(alliance / S, text)
    git(alliance, "commit", "-qam", "A drafting change during the round")
    at(monkeypatch, dt.datetime(2031, 3, 17, 9, tzinfo=dt.timezone.utc))
    result = run("round", "close", ID, "--repo", str(alliance))
    assert result.code == 0, result.err
    assert "Note: the text changed since round 1 opened: the no-objection records bind the round's text" in result.out
    status = run("status", ID, "--repo", str(alliance)).out
    assert "IOM    no-objection  stale" in status
    assert "ECPAT  no-objection  stale" in status


def test_an_objection_after_the_deadline_does_not_break_silence_in_time(alliance, monkeypatch):
    today = dt.date.today()
    at(monkeypatch, dt.datetime.combine(today - dt.timedelta(days=10), dt.time(9), dt.timezone.utc))
    open_round(alliance, "--silence", "--partners", "iom,ecpat", deadline=(today - dt.timedelta(days=3)).isoformat())
    at(monkeypatch, dt.datetime.combine(today, dt.time(9), dt.timezone.utc))
    assert run("endorse", ID, "iom", "--position", "object", "--signatory", "Signer of IOM, Director",
               "--repo", str(alliance)).code == 0
    result = run("round", "close", ID, "--repo", str(alliance))
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        "No objection by the deadline: the text is adopted under the silence procedure",
        "  no-objection (evidence silence:round-1) recorded for: ECPAT"]
    assert "objection in force: IOM objects" in run("status", ID, "--repo", str(alliance)).out


def test_close_refuses_to_overwrite_an_uncommitted_record(alliance, monkeypatch):
    open_round(alliance, "--silence", "--partners", "iom")
    from accord.ledger import render_record

    write(alliance / f"statements/{ID}/endorsements/iom.yaml",
          render_record(ID, "iom", "endorse", "0" * 64, "Signer of IOM", recorded_by="Someone"))
    at(monkeypatch, dt.datetime(2031, 3, 17, 9, tzinfo=dt.timezone.utc))
    result = run("round", "close", ID, "--repo", str(alliance))
    assert result.code == 2
    assert result.err == (f"Error: statements/{ID}/endorsements/iom.yaml has uncommitted changes; commit or discard "
                          "them first\n")
    assert "closed: null" in (alliance / ROUNDS).read_text()


# -- importing ---------------------------------------------------------------------------------

def test_import_says_why_each_file_it_cannot_take_was_refused(opened, tmp_path):
    inbox = tmp_path / "inbox"
    write(inbox / "as-sent.docx", packet(opened, "iom"))
    write(inbox / "broken.docx", b"PK\x03\x04 not really a zip")
    write(inbox / "iom.docx", WordEdits(packet(opened, "iom")).replace("without delay", "at once").save())
    with open(inbox / "huge.docx", "wb") as huge:  # sparse: 60 MB on paper, nothing on disk
        huge.truncate(60 * 2**20)
    result = run("round", "import", ID, str(inbox), "--repo", str(opened))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "as-sent.docx (iom): refused: it is the packet sent to iom, unchanged"
    assert lines[1].startswith("broken.docx: refused: ")
    assert lines[2] == "huge.docx: refused: it is larger than 50 MB"
    assert lines[3] == "iom.docx (iom): branch review/iom/child-protection, 1 edit, 0 comments, 0 conflicts"


def test_a_symbolic_link_in_the_folder_is_not_followed(opened, tmp_path):
    outside = write(tmp_path / "elsewhere" / "secret.docx", WordEdits(packet(opened, "iom"))
                    .replace("without delay", "at once").save())
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "iom.docx").symlink_to(outside)
    result = run("round", "import", ID, str(tmp_path / "inbox"), "--repo", str(opened))
    assert (result.code, result.out) == (1, "iom.docx: refused: it is a symbolic link; copy the file itself into "
                                            "the folder\n")
    assert git(opened, "branch", "--list", "review/*") == ""


def test_a_returned_docx_without_its_properties_is_recognised_by_its_first_page_note(opened, tmp_path):
    from accord.ooxml.parts import custom_properties_xml

    edited = WordEdits(packet(opened, "ecpat")).replace("a last resort", "the last resort").save()
    stripped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(edited)) as source, zipfile.ZipFile(stripped, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, custom_properties_xml({}) if info.filename == "docProps/custom.xml" else data)
    write(tmp_path / "inbox" / "reply.docx", stripped.getvalue())
    result = run("round", "import", ID, str(tmp_path / "inbox"), "--repo", str(opened))
    assert result.code == 0, result.out
    assert result.out.startswith("reply.docx (ecpat): branch review/ecpat/child-protection")
    assert "the last resort" in git(opened, "show", f"review/ecpat/{ID}:{S}")


def test_a_folder_that_does_not_exist_is_an_error(opened, tmp_path):
    result = run("round", "import", ID, str(tmp_path / "nowhere"), "--repo", str(opened))
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'nowhere'}: no such folder\n")


def test_a_hand_broken_rounds_file_is_named_with_its_line(alliance):
    write(alliance / ROUNDS, "rounds:\n- number: 1\n  mode: loud\n")
    message = f"{ROUNDS}:2: a round that accord did not write: mode must be one of comments, silence, not 'loud'"
    assert run("round", "status", ID, "--repo", str(alliance)).err == f"Error: {message}\n"
    assert run("status", ID, "--repo", str(alliance)).err == f"Error: {message}\n"
    result = run("check", "--repo", str(alliance))
    assert (result.code, result.out) == (1, message + "\n")


def retitled(docx: bytes, old: str, new: str) -> bytes:
    """The DOCX with its Title-styled paragraph's words changed, as a partner typing over the title would."""
    from docx import Document

    document = Document(io.BytesIO(docx))
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    for run_ in title.runs:
        run_.text = run_.text.replace(old, new)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- compiling and merging ---------------------------------------------------------------------

def test_insertions_and_deletions_are_compiled_under_their_paragraph_and_merged(opened, tmp_path):
    from docx import Document

    inbox = tmp_path / "inbox"
    write(inbox / "iom.docx", WordEdits(packet(opened, "iom"))
          .insert_paragraph_after("Age assessment", "Children should be heard in every decision.").save())
    write(inbox / "unodc.docx", WordEdits(packet(opened, "unodc")).delete_paragraph("Children on the move").save())
    write(inbox / "ecpat.docx", WordEdits(packet(opened, "ecpat")).replace("every stage", "each step").save())
    write(inbox / "lastrada.docx", retitled(packet(opened, "lastrada"), "the Protection of Children",
                                            "the Protection of All Children"))
    assert run("round", "import", ID, str(inbox), "--repo", str(opened)).code == 0

    result = run("round", "compile", ID, "--repo", str(opened))
    assert result.code == 0, result.err
    folder = opened / "build" / "review" / ID / "round-1"
    assert result.out == (f"wrote build/review/{ID}/round-1/compilation.docx: 4 proposals from 4 partners\n"
                          f"wrote build/review/{ID}/round-1/compilation.html: 4 proposals from 4 partners\n")
    rows = [[cell.text for cell in row.cells] for row in Document(str(folder / "compilation.docx")).tables[0].rows]
    preamble = next(i for i, row in enumerate(rows) if row[1].startswith("Children on the move"))
    assert [row[1].split("\n")[0] for row in rows[preamble + 1:preamble + 3]] == ["UNODC", "ECPAT"]
    age = next(i for i, row in enumerate(rows) if row[1].startswith("2. Age assessment"))
    assert rows[age + 1][1] == "IOM\n3. Children should be heard in every decision."

    assert rows[1][:2] == ["Title", "Joint Statement on the Protection of Children"]
    assert rows[2][1] == "LSI\nJoint Statement on the Protection of All Children"

    result = run("round", "merge", ID, "--repo", str(opened))
    assert result.code == 0, result.err
    assert "  title: Joint Statement on the Protection of All Children\n" in result.out
    assert "    UNODC vs ECPAT in \"Children on the move face risks of trafficking at every sta…\"" in result.out
    merged = git(opened, "show", f"review/round-1/{ID}:{S}")
    assert ("<<<<<<< UNODC\n(deleted)\n======= ECPAT\nChildren on the move face risks of trafficking at each step of "
            "their journey, and the partners of the alliance share a duty to protect them.\n>>>>>>> round 1\n") in merged
    assert "\ntitle: Joint Statement on the Protection of All Children\n" in merged
    assert "2. Age assessment should be a last resort.[^1]\n3. Children should be heard in every decision.\n\n|" in merged


def test_compile_writes_docx_or_html_only(opened, tmp_path):
    result = run("round", "compile", ID, "-o", str(tmp_path / "c.pdf"), "--repo", str(opened))
    assert (result.code, result.err) == (2, f"Error: -o {tmp_path / 'c.pdf'}: the file must end in .docx or .html\n")
    assert run("round", "merge", ID, "--repo", str(opened)).out == f"Round 1 of {ID}: no imported edits to merge\n"


def test_rounds_json_in_accord_status(alliance):
    import json

    assert json.loads(run("status", ID, "--json", "--repo", str(alliance)).out)["round"] is None
    open_round(alliance, "--silence")
    data = json.loads(run("status", ID, "--json", "--repo", str(alliance)).out)["round"]
    assert (data["round"], data["mode"], data["deadline"], data["timezone"]) == (
        1, "silence", "2031-03-16T18:00:00+01:00", "Europe/Vienna")
    assert [p["partner"] for p in data["partners"]] == ["unicef", "iom", "unodc", "ecpat", "lastrada", "ilo", "coe"]


def test_a_partners_second_return_replaces_its_first(opened, tmp_path):
    write(tmp_path / "first" / "iom.docx", WordEdits(packet(opened, "iom")).replace("without delay", "at once").save())
    write(tmp_path / "second" / "iom-revised.docx",
          WordEdits(packet(opened, "iom")).replace("without delay", "within a week").save())
    assert run("round", "import", ID, str(tmp_path / "first"), "--repo", str(opened)).code == 0
    result = run("round", "import", ID, str(tmp_path / "second"), "--repo", str(opened))
    assert result.out.startswith("iom-revised.docx (iom): branch review/iom/child-protection-2, 1 edit")
    assert run("round", "merge", ID, "--repo", str(opened)).code == 0
    merged = git(opened, "show", f"review/round-1/{ID}:{S}")
    assert "child within a week." in merged and "at once" not in merged and "<<<<<<<" not in merged


def test_block_alignment_rebuilds_the_newer_blocks_from_the_older():
    from hypothesis import given, settings, strategies as st

    from accord.textdiff import opcodes as block_opcodes

    blocks = st.lists(st.sampled_from(["A para.", "B para.", "C | d", "## Head", "1. Item"]), max_size=14)

    @settings(max_examples=300, deadline=None)
    @given(blocks, blocks)
    def check(old, new):
        rebuilt, i, j = [], 0, 0
        for tag, i1, i2, j1, j2 in block_opcodes(old, new):
            assert (i1, j1) == (i, j)
            if tag == "equal":
                assert old[i1:i2] == new[j1:j2]
            rebuilt += new[j1:j2]
            i, j = i2, j2
        assert (i, j, rebuilt) == (len(old), len(new), new)

    check()
