"""A consultation round walked end to end, as a secretariat would: seven partners, four returns, a
compilation, a consolidated draft, a broken silence; then a second round that silence adopts."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import re
from pathlib import Path

from conftest import git, run, write
from helpers.rounds import ID, INVITED, ROUNDS, S, at, consultation_repo
from helpers.word import WordEdits

def returned(repo: Path, partner: str, edit) -> bytes:
    packet = (repo / "build" / "review" / ID / "round-1" / f"{partner}.docx").read_bytes()
    return edit(WordEdits(packet, author=f"Reviewer {partner.upper()}")).save()


def cells(row) -> list[str]:
    return [cell.text for cell in row.cells]


def test_a_round_with_seven_partners_from_packets_to_silence(tmp_path, monkeypatch):
    repo = consultation_repo(tmp_path / "alliance")
    today = dt.date.today()
    deadline = today + dt.timedelta(days=7)
    opened_at = dt.datetime.combine(today, dt.time(9, 0), dt.timezone.utc)
    at(monkeypatch, opened_at)

    # -- open: packets and e-mail drafts for all seven, rounds.yaml committed, the tree clean
    result = run("round", "open", ID, "--deadline", deadline.isoformat(), "--time", "18:00", "--silence",
                 "--note", "Please focus on the recommendations.", "--repo", str(repo))
    assert result.code == 0, result.err
    assert f"Round 1 of {ID} opened (silence mode), deadline {deadline.isoformat()} 18:00" in result.out
    assert "coe: no contacts in partners/coe.yaml; its e-mail draft has no recipient" in result.out
    folder = repo / "build" / "review" / ID / "round-1"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{p}.{ext}" for p in INVITED for ext in ("docx", "eml"))
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "-1", "--format=%s").startswith(f"Round 1 of {ID} opened: 7 partners, silence mode")
    assert ROUNDS in git(repo, "show", "--name-only", "--format=", "HEAD")

    message = email.message_from_bytes((folder / "iom.eml").read_bytes(), policy=email.policy.default)
    assert message["To"] == "Desk Officer IOM <desk@iom.example>"
    assert message["From"] == "Test Drafter <drafter@aect.example>"
    assert message["Message-ID"].endswith("@aect.example>") and message["X-Unsent"] == "1"
    assert message["Subject"].startswith("Consultation round 1: AECT/JS/2010/1: Joint Statement on the Protection")
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == f"{ID}-iom.docx"
    assert attachment.get_content() == (folder / "iom.docx").read_bytes()
    assert "Please focus on the recommendations." in message.get_body(("plain",)).get_content()

    from docx import Document

    first = [p.text for p in Document(io.BytesIO((folder / "iom.docx").read_bytes())).paragraphs]
    note = first.index(next(text for text in first if text.startswith("Review packet for")))
    assert first[note - 1:note + 3] == [
        "Status: Draft",  # the title block stays first: pandoc reads the title from it
        "Review packet for International Organization for Migration (iom): AECT/JS/2010/1, Joint Statement on the "
        "Protection of Children, text 97826ad65cf3.",
        "Please return this file, with your changes tracked and your comments in Word comments, by "
        f"{deadline.isoformat()} 18:00 CET (Europe/Vienna).",
        "Please focus on the recommendations."]

    # -- four partners return overlapping edits and comments
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "unicef.docx").write_bytes(returned(repo, "unicef", lambda w: w
        .replace("without delay", "within 24 hours")
        .comment("guardian", "A guardian must be independent.")))
    (inbox / "iom.docx").write_bytes(returned(repo, "iom", lambda w: w
        .replace("without delay", "immediately upon identification")))
    (inbox / "UNODC reply.docx").write_bytes(returned(repo, "unodc", lambda w: w
        .replace("at every stage", "at each stage")
        .comment("Status: Draft", "We support the text as a whole.")))
    (inbox / "ecpat.docx").write_bytes(returned(repo, "ecpat", lambda w: w
        .replace("a last resort", "a measure of last resort")
        .comment("Age assessment", "Medical methods should <b>never</b> be used.")))
    (inbox / "notes.txt").write_text("not a packet")

    result = run("round", "import", ID, str(inbox), "--repo", str(repo))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "UNODC reply.docx (unodc): branch review/unodc/child-protection, 1 edit, 1 comment, 0 conflicts",
        "ecpat.docx (ecpat): branch review/ecpat/child-protection, 1 edit, 1 comment, 0 conflicts",
        "iom.docx (iom): branch review/iom/child-protection, 1 edit, 0 comments, 0 conflicts",
        "unicef.docx (unicef): branch review/unicef/child-protection, 1 edit, 1 comment, 0 conflicts",
        f"Recorded in {ROUNDS} ({git(repo, 'rev-parse', '--short=12', 'HEAD').strip()})",
    ]
    assert git(repo, "status", "--porcelain") == ""
    again = run("round", "import", ID, str(inbox), "--repo", str(repo))
    assert again.code == 0
    assert again.out.splitlines()[3] == ("unicef.docx (unicef): already imported (branch "
                                         "review/unicef/child-protection); skipped")
    assert "Recorded in" not in again.out

    status = run("round", "status", ID, "--repo", str(repo))
    assert "UNICEF  sent  returned unicef.docx on" in status.out
    assert "LSI     sent  not returned  position: -" in status.out
    assert "OVERDUE" not in status.out

    # -- compile: every proposal under its paragraph, in the DOCX and in the HTML
    out_docx, out_html = tmp_path / "compilation.docx", tmp_path / "compilation.html"
    assert run("round", "compile", ID, "-o", str(out_docx), "--repo", str(repo)).code == 0
    assert run("round", "compile", ID, "-o", str(out_html), "--repo", str(repo)).code == 0
    table = Document(str(out_docx)).tables[0]
    rows = [cells(row) for row in table.rows]
    assert rows[0] == ["¶", "Text and proposals", "Secretariat response"]
    guardian = next(i for i, row in enumerate(rows) if row[1].startswith("1. States should appoint a guardian"))
    assert rows[guardian][0] == "2"
    assert rows[guardian + 1][1] == ("UNICEF\n1. States should appoint a guardian for every unaccompanied child "
                                     "without delaywithin 24 hours.\nComment (Reviewer UNICEF) on \u201cguardian\u201d: A guardian must be "
                                     "independent.")
    assert rows[guardian + 2][1] == ("IOM\n1. States should appoint a guardian for every unaccompanied child "
                                     "without delayimmediately upon identification.")
    assert rows[guardian + 1][2] == rows[guardian + 2][2] == ""
    age = next(i for i, row in enumerate(rows) if row[1].startswith("2. Age assessment should be"))
    assert rows[age + 1][1] == ("ECPAT\n2. Age assessment should be a measure of last resort.[1]\n"
                                "Comment (Reviewer ECPAT) on \u201cAge assessment\u201d: Medical methods should <b>never</b> be "
                                "used.")
    preamble = next(i for i, row in enumerate(rows) if row[1].startswith("Children on the move"))
    assert rows[preamble + 1][1].startswith("UNODC")
    untouched = next(i for i, row in enumerate(rows) if row[1] == "States | Guardianship")
    assert rows[untouched + 1] == ["", "Agencies | Referral", ""]  # listed once, no proposal rows
    assert Document(str(out_docx)).sections[0].orientation == 1  # landscape
    paragraphs = [p.text for p in Document(str(out_docx)).paragraphs]
    assert "UNODC (Reviewer UNODC): We support the text as a whole." in paragraphs
    html = out_html.read_text()
    assert ('without <del>delay</del><ins>within 24 hours</ins>' in html
            or '<del>without delay</del><ins>within 24 hours</ins>' in html)
    block = html[html.index("States should appoint a guardian"):html.index("Age assessment should be")]
    assert block.index("UNICEF") < block.index("IOM")
    assert "A guardian must be independent." in block
    assert "be a<ins> measure of</ins> last resort" in html[html.index("Age assessment should be"):]
    assert "We support the text as a whole." in html[html.index("General comments"):]
    assert "Medical methods should &lt;b&gt;never&lt;/b&gt; be used." in html
    assert "<b>" not in html

    # -- merge: one branch with every edit; the clash names both partners and keeps both wordings
    result = run("round", "merge", ID, "--repo", str(repo))
    assert result.code == 0, result.err
    assert "Branch review/round-1/child-protection" in result.out
    assert "    UNICEF vs IOM in \"1. States should appoint a guardian for every unaccompanied…\"" in result.out
    merged = git(repo, "show", f"review/round-1/{ID}:{S}")
    assert ("<<<<<<< UNICEF\n1. States should appoint a guardian for every unaccompanied child within 24 hours.\n"
            "======= IOM\n1. States should appoint a guardian for every unaccompanied child immediately upon "
            "identification.\n>>>>>>> round 1\n") in merged
    assert "at each stage of their" in merged
    assert "2. Age assessment should be a measure of last resort.[^1]" in merged
    assert git(repo, "status", "--porcelain") == ""
    diff = run("diff", ID, "--from", "HEAD", "--to", f"review/round-1/{ID}", "--format", "md", "--repo", str(repo))
    assert diff.code == 0, diff.err
    assert "at {~~every~>each~~} stage" in diff.out and "be a{++ measure of++} last resort" in diff.out

    # -- one partner objects before the deadline: the silence is broken
    objection = run("endorse", ID, "ecpat", "--position", "object", "--signatory", "Signer of ECPAT, Director",
                    "--evidence", "letter:ECPAT/2026/9", "--repo", str(repo))
    assert objection.code == 0, objection.err
    early = run("round", "close", ID, "--repo", str(repo))
    assert early.code == 2
    assert early.err.startswith(f"Error: round 1 of {ID} runs until {deadline.isoformat()} 18:00 CET (Europe/Vienna)")
    after = dt.datetime.combine(deadline, dt.time(17, 1), dt.timezone.utc)  # 18:01 in Vienna
    at(monkeypatch, after)
    status = run("round", "status", ID, "--repo", str(repo))
    assert "LSI     sent  not returned  position: -  OVERDUE" in status.out
    assert "ECPAT   sent  returned ecpat.docx" in status.out and "position: object" in status.out
    assert "Overdue: LSI, ILO, CoE" in run("status", ID, "--repo", str(repo)).out
    closed = run("round", "close", ID, "--repo", str(repo))
    assert closed.code == 1
    assert "Silence broken by ECPAT: the text is not adopted" in closed.out
    assert not (repo / f"statements/{ID}/endorsements/lastrada.yaml").exists()
    assert git(repo, "status", "--porcelain") == ""

    # -- a second round without objection: silence gives no-objection records and the gate opens
    at(monkeypatch, after)
    assert run("endorse", ID, "ecpat", "--position", "endorse", "--signatory", "Signer of ECPAT, Director",
               "--repo", str(repo)).code == 0
    text = (repo / S).read_text()
    write(repo / S, text.replace("status: draft", "status: final"))  # the text is settled: release is what's next
    git(repo, "commit", "-qam", "Final text")
    second_deadline = deadline + dt.timedelta(days=7)
    assert run("round", "open", ID, "--deadline", second_deadline.isoformat(), "--silence",
               "--repo", str(repo)).code == 0
    assert run("endorse", ID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF, Director",
               "--repo", str(repo)).code == 0
    at(monkeypatch, dt.datetime.combine(second_deadline + dt.timedelta(days=1), dt.time(9), dt.timezone.utc))
    closed = run("round", "close", ID, "--repo", str(repo))
    assert closed.code == 0, closed.err
    assert closed.out.splitlines()[1:] == [
        "No objection by the deadline: the text is adopted under the silence procedure",
        "  no-objection (evidence silence:round-2) recorded for: IOM, UNODC, LSI, ILO, CoE",
    ]
    assert git(repo, "status", "--porcelain") == ""
    shown = git(repo, "show", "--name-only", "--format=%s", "HEAD").split()
    assert sum(name.startswith(f"statements/{ID}/endorsements/") for name in shown) == 5
    record = (repo / f"statements/{ID}/endorsements/iom.yaml").read_text()
    assert "position: no-objection" in record
    assert "evidence:\n  kind: silence\n  ref: round-2\n" in record
    assert f"recorded_at: {second_deadline.isoformat()}" in record
    status = run("status", ID, "--repo", str(repo))
    assert "Gate: open" in status.out
    assert run("verify", ID, "--repo", str(repo)).code == 0
    assert run("check", "--repo", str(repo)).code == 0
    assert re.search(r"IOM\s+no-objection\s+current", status.out)
