"""`accord review send` and `accord review import`: a Word round trip lands on its own branch, losing nothing."""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import git, run, write
from helpers.alliance import sent_packet
from helpers.review import BRANCH, ORIGINAL, S, TODAY, import_docx, on_branch, send
from helpers.word import WordEdits

def branches(repo) -> list[str]:
    return git(repo, "branch", "--list", "review/*", "--format=%(refname:short)").split()


def commit(repo, path, text, message="Drafting") -> None:
    write(repo / path, text)
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)


# -- send --------------------------------------------------------------------------------

def test_send_writes_a_packet_that_names_its_text_and_logs_it(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    from accord.repo import Repo

    text_hash = Repo(repo).load_statement("child-protection").text_sha256
    result = run("review", "send", "child-protection", "--partner", "unicef", "--repo", str(repo))
    assert (result.code, result.err) == (0, "")
    assert result.out == (f"wrote build/review/child-protection-unicef.docx for UNICEF: the current text "
                          f"(commit {head[:12]}, text {text_hash[:12]})\n"
                          "logged in statements/child-protection/reviews/sent.yaml\n")
    from accord.ooxml.reading import custom_properties, open_docx

    properties = custom_properties(open_docx(repo / "build/review/child-protection-unicef.docx"))
    assert properties["accord.statement"] == "child-protection"
    assert properties["accord.partner"] == "unicef"
    assert properties["accord.base_commit"] == head
    assert properties["accord.text_sha256"] == text_hash
    assert (repo / "statements/child-protection/reviews/sent.yaml").read_text() == (
        f"- partner: unicef\n  base_commit: {head}\n  text_sha256: {text_hash}\n  sent_at: '{TODAY}'\n")


def test_each_packet_sent_is_appended_to_the_log(repo, tmp_path):
    send(repo, "unicef")
    run("review", "send", "child-protection", "--partner", "iom", "-o", str(tmp_path / "iom.docx"),
        "--repo", str(repo))
    log = (repo / "statements/child-protection/reviews/sent.yaml").read_text()
    assert [line for line in log.splitlines() if "partner:" in line] == ["- partner: unicef", "- partner: iom"]
    assert (tmp_path / "iom.docx").exists()


def test_send_refuses_a_text_with_uncommitted_changes(repo):
    write(repo / S, ORIGINAL.replace("without delay", "at once"))
    result = run("review", "send", "child-protection", "--partner", "unicef", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: {S} has uncommitted changes; commit them first, "
                                            "so the packet names the commit its text comes from\n")


def test_send_to_an_unknown_partner_is_refused_with_a_hint(repo):
    result = run("review", "send", "child-protection", "--partner", "unicf", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: unknown partner 'unicf' (did you mean 'unicef'?)\n")


# -- import: the partner's version -------------------------------------------------------

@pytest.mark.alliance(sent_to="unicef")
def test_on_an_unchanged_main_the_branch_holds_exactly_the_partners_version(repo, tmp_path):
    returned = (WordEdits(sent_packet(repo))
                .replace("without delay", "within 24 hours")
                .insert_paragraph_after("share a duty", "The partners act together.")
                .delete("at every stage of their journey, and ")
                .replace("Referral", "Referral and care")
                .replace("treated as a child", "treated as a minor")
                .save())
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0, result.err
    expected = (ORIGINAL
                .replace("without delay", "within 24 hours")
                .replace("Children on the move face risks of trafficking at every stage of their\n"
                         "journey, and the partners of the alliance share a duty to protect them.\n",
                         "Children on the move face risks of trafficking the partners of the\n"
                         "alliance share a duty to protect them.\n\nThe partners act together.\n")
                .replace("| Agencies | Referral |", "| Agencies | Referral and care |")
                .replace("treated as a child", "treated as a minor"))
    assert on_branch(repo) == expected
    head = git(repo, "rev-parse", "--short=12", "HEAD").strip()
    commit_id = git(repo, "rev-parse", "--short=12", BRANCH).strip()
    assert result.out == (
        f"Imported {tmp_path / 'returned.docx'} from UNICEF (Jane Doe), made from commit {head}\n"
        "  changes applied: 5\n"
        "  conflicts: 0\n"
        "  comments: 0\n"
        f"Branch {BRANCH} (commit {commit_id}); see it with:\n"
        f"  accord diff child-protection --from main --to {BRANCH}\n")


@pytest.mark.alliance(sent_to="unicef")
def test_moves_joined_paragraphs_and_deleted_paragraphs_are_taken_as_word_shows_them(repo, tmp_path):
    returned = (WordEdits(sent_packet(repo))
                .move(" without delay", after="Age assessment should be a last resort")
                .join_with_next("appoint a guardian")
                .delete_paragraph("Recommendations")
                .save())
    assert import_docx(repo, tmp_path, returned).code == 0
    assert on_branch(repo) == ORIGINAL.replace(
        "## Recommendations\n\n1. States should appoint a guardian for every unaccompanied child without delay.\n"
        "2. Age assessment should be a last resort.[^1]\n",
        "1. States should appoint a guardian for every unaccompanied child.Age assessment should be a last resort "
        "without delay.[^1]\n")


@pytest.mark.alliance(sent_to="unicef")
def test_untracked_edits_are_imported_like_tracked_ones(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).untracked_replace("a last resort", "the last resort").save()
    assert import_docx(repo, tmp_path, returned).code == 0
    assert on_branch(repo) == ORIGINAL.replace("a last resort", "the last resort")


@pytest.mark.alliance(sent_to="unicef")
def test_an_edited_title_lands_in_the_front_matter(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).replace("Protection of Children", "Protection of All Children").save()
    assert import_docx(repo, tmp_path, returned).code == 0
    assert on_branch(repo) == ORIGINAL.replace("title: Joint Statement on the Protection of Children",
                                               "title: Joint Statement on the Protection of All Children")


@pytest.mark.alliance(sent_to="unicef")
def test_a_new_footnote_gets_a_label_of_its_own(repo, tmp_path):
    packet = sent_packet(repo)
    returned = WordEdits(packet).insert_after("appoint a guardian", "[^x]").save()
    assert import_docx(repo, tmp_path, returned).code == 0
    # Typed in Word, "[^x]" is text, not a note: pandoc escapes it, and it stays text.
    assert "appoint a guardian\\[\\^x\\] for every" in on_branch(repo)


# -- import: merging onto a main that moved on -------------------------------------------

@pytest.mark.alliance(sent_to="unicef")
def test_with_main_moved_on_elsewhere_the_branch_holds_both(repo, tmp_path):
    packet = sent_packet(repo)
    moved_on = ORIGINAL.replace("share a duty to protect them.", "share a duty to protect them.\n\n"
                                "States and agencies will report yearly.").replace("| States | Guardianship |",
                                                                                 "| States | Guardianship, care |")
    commit(repo, S, moved_on)
    returned = WordEdits(packet).replace("without delay", "within 24 hours").save()
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0
    assert "  changes applied: 1\n  conflicts: 0\n" in result.out
    assert on_branch(repo) == moved_on.replace("without delay", "within 24 hours")


@pytest.mark.alliance(sent_to="unicef")
def test_both_sides_editing_one_paragraph_in_different_places_merge_word_by_word(repo, tmp_path):
    packet = sent_packet(repo)
    moved_on = ORIGINAL.replace("States should appoint", "States must appoint")
    commit(repo, S, moved_on)
    returned = WordEdits(packet).replace("without delay", "within 24 hours").save()
    assert import_docx(repo, tmp_path, returned).code == 0
    assert on_branch(repo) == moved_on.replace("without delay", "within 24 hours")


@pytest.mark.alliance(sent_to="unicef")
def test_an_overlapping_change_is_a_conflict_marked_in_critic_markup(repo, tmp_path):
    packet = sent_packet(repo)
    commit(repo, S, ORIGINAL.replace("without delay", "immediately"))
    returned = WordEdits(packet).replace("without delay", "within 24 hours").save()
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0
    moved = git(repo, "rev-parse", "HEAD").strip()[:12]
    note = f"{{>>main (commit {moved}, Test Drafter) ~> UNICEF (Jane Doe)<<}}"
    assert on_branch(repo) == ORIGINAL.replace("without delay", "{~~immediately~>within 24 hours~~}" + note)
    assert ("  changes applied: 0\n  conflicts: 1\n"
            '    {~~immediately~>within 24 hours~~} in "1. States should appoint a guardian for every '
            'unaccompanied…"\n') in result.out


@pytest.mark.alliance(sent_to="unicef")
def test_a_paragraph_deleted_on_main_and_edited_by_the_partner_is_a_conflict(repo, tmp_path):
    packet = sent_packet(repo)
    commit(repo, S, ORIGINAL.replace("2. Age assessment should be a last resort.[^1]\n", ""))
    returned = WordEdits(packet).replace("a last resort", "the last resort").save()
    result = import_docx(repo, tmp_path, returned)
    assert "  conflicts: 1\n" in result.out
    assert "{~~~>2. Age assessment should be the last resort.[^1]~~}" in on_branch(repo)


@pytest.mark.alliance(sent_to="unicef")
def test_a_change_main_already_made_is_counted_not_repeated(repo, tmp_path):
    packet = sent_packet(repo)
    commit(repo, S, ORIGINAL.replace("without delay", "within 24 hours"))
    returned = WordEdits(packet).replace("without delay", "within 24 hours").save()
    result = import_docx(repo, tmp_path, returned)
    assert (result.code, result.out) == (0, f"{tmp_path / 'returned.docx'}: its changes are already in main "
                                            "and it has no comments; nothing to import\n")
    assert branches(repo) == []


@pytest.mark.alliance(sent_to="unicef")
def test_edits_to_the_signatory_block_are_named_not_carried(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).replace("No endorsements recorded", "Endorsed by all of us").save()
    result = import_docx(repo, tmp_path, returned)
    assert (result.code, result.out) == (0, f"{tmp_path / 'returned.docx'}: its only changes are outside the "
                                            "statement text, which import does not carry, and it has no comments; "
                                            "nothing to import\n"
                                            '    ¶ 11 of the returned file, outside the statement text: '
                                            '"*Endorsed by all of us*"\n')
    assert branches(repo) == []


# -- comments ----------------------------------------------------------------------------

def test_comments_arrive_with_authors_dates_anchors_and_replies(repo, tmp_path):
    head = git(repo, "rev-parse", "--short=12", "HEAD").strip()
    returned = (WordEdits(send(repo))
                .comment("a last resort", "Why only as a last resort?", author="Jane Doe",
                         replies=(("Ann Lee", "Agreed, say why."), ("Jane Doe", "Will do.")))
                .comment("Guardianship", "Also legal representation.", author="Omar Haddad",
                         date="2026-11-21T09:30:00Z", resolved=True)
                .comment("treated as a child", "Good.", author="Ann Lee")
                .save())
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0
    assert f"  comments: 5 (statements/child-protection/reviews/unicef-{TODAY}.md)\n" in result.out
    assert on_branch(repo) == ORIGINAL
    assert on_branch(repo, f"statements/child-protection/reviews/unicef-{TODAY}.md") == (
        "# Comments from UNICEF on child-protection\n\n"
        f"Imported on {TODAY} from `returned.docx`, made from commit {head}.\n"
        f"DOCX SHA-256: {__import__('hashlib').sha256(returned).hexdigest()}.\n"
        "3 comments, 2 replies.\n\n"
        "## 1. Jane Doe, 2026-11-20 10:00\n\n> a last resort\n\nWhy only as a last resort?\n\n"
        "**Reply from Ann Lee, 2026-11-20 10:00:**\n\nAgreed, say why.\n\n"
        "**Reply from Jane Doe, 2026-11-20 10:00:**\n\nWill do.\n\n"
        "## 2. Omar Haddad, 2026-11-21 09:30 (resolved)\n\n> Guardianship\n\nAlso legal representation.\n\n"
        "## 3. Ann Lee, 2026-11-20 10:00\n\n> treated as a child\n\nGood.\n")


@pytest.mark.alliance(sent_to="unicef")
def test_a_docx_with_only_comments_makes_a_branch_with_only_the_comments(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).comment("Referral", "And follow-up?").save()
    result = import_docx(repo, tmp_path, returned)
    assert "  changes applied: 0\n  conflicts: 0\n  comments: 1 " in result.out
    assert git(repo, "diff", "--name-only", "main", BRANCH).split() == [
        f"statements/child-protection/reviews/unicef-{TODAY}.md"]


# -- git: a branch of its own, nothing else touched --------------------------------------

@pytest.mark.alliance(sent_to="unicef")
def test_the_working_tree_index_and_current_branch_are_untouched(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).replace("without delay", "within 24 hours").comment("Referral", "Hm.").save()
    write(repo / S, ORIGINAL.replace("Preamble", "Preamble (draft)"))
    write(repo / "partners/unicef.yaml", (repo / "partners/unicef.yaml").read_text() + "# staged note\n")
    git(repo, "add", "partners/unicef.yaml")
    write(repo / "notes.txt", "untracked\n")
    before = (git(repo, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
              git(repo, "diff"), git(repo, "diff", "--cached"), (repo / S).read_text())
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0
    after = (git(repo, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
             git(repo, "diff"), git(repo, "diff", "--cached"), (repo / S).read_text())
    assert after == before
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert on_branch(repo) == ORIGINAL.replace("without delay", "within 24 hours")
    assert git(repo, "rev-parse", f"{BRANCH}^").strip() == git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.alliance(sent_to="unicef")
def test_a_tracked_change_author_who_is_not_a_registered_signer_never_becomes_the_commit_author(repo, tmp_path):
    returned = WordEdits(sent_packet(repo), author="Maria Silva").replace("without delay", "at once").save()
    import_docx(repo, tmp_path, returned)
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn", BRANCH).strip() == \
        "United Nations Children's Fund <review@unicef.invalid>|Test Drafter"
    assert "Reviewer named in the file: Maria Silva." in git(repo, "log", "-1", "--format=%B", BRANCH)


@pytest.mark.alliance(sent_to="unicef")
def test_a_reviewer_in_the_registry_is_recorded_with_their_address(repo, tmp_path):
    returned = WordEdits(sent_packet(repo), author="Signer of UNICEF").replace("without delay", "at once").save()
    import_docx(repo, tmp_path, returned)
    assert git(repo, "log", "-1", "--format=%an <%ae>", BRANCH).strip() == "Signer of UNICEF <signer@unicef.example>"


@pytest.mark.alliance(sent_to="unicef")
def test_a_second_import_gets_a_numbered_branch(repo, tmp_path):
    packet = sent_packet(repo)
    first = WordEdits(packet).replace("without delay", "at once").save()
    second = WordEdits(packet).replace("without delay", "today").save()
    assert import_docx(repo, tmp_path, first).code == 0
    result = import_docx(repo, tmp_path, second, name="second.docx")
    assert f"Branch {BRANCH}-2 " in result.out
    assert branches(repo) == [BRANCH, f"{BRANCH}-2"]
    assert "unaccompanied child today." in on_branch(repo, branch=f"{BRANCH}-2")


@pytest.mark.alliance(sent_to="unicef")
def test_the_same_docx_imported_again_is_recognised_and_stops(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).replace("without delay", "at once").save()
    assert import_docx(repo, tmp_path, returned).code == 0
    first = git(repo, "rev-parse", BRANCH).strip()
    again = import_docx(repo, tmp_path, returned, name="copy-of-returned.docx")
    assert (again.code, again.out) == (1, "")
    assert again.err == (f"Error: {tmp_path / 'copy-of-returned.docx'}: this DOCX was imported before (SHA-256 "
                         f"{__import__('hashlib').sha256(returned).hexdigest()[:12]}…, commit {first[:12]}, on branch "
                         f"{BRANCH}); pass --again to import it once more\n")
    assert branches(repo) == [BRANCH]
    forced = import_docx(repo, tmp_path, returned, "--again", name="copy-of-returned.docx")
    assert forced.code == 0 and branches(repo) == [BRANCH, f"{BRANCH}-2"]


@pytest.mark.alliance(sent_to="unicef")
def test_a_docx_with_no_changes_and_no_comments_says_so(repo, tmp_path):
    result = import_docx(repo, tmp_path, sent_packet(repo))
    assert (result.code, result.out) == (0, f"{tmp_path / 'returned.docx'}: no changes and no comments; "
                                            "nothing to import\n")
    assert branches(repo) == []


# -- where the base and the partner come from --------------------------------------------

def test_a_docx_made_elsewhere_needs_base(repo, tmp_path):
    from accord.review.extract import markdown_to_docx
    from accord.statement import split_front_matter

    body = split_front_matter(ORIGINAL)[1]
    own = markdown_to_docx(body, "Joint Statement on the Protection of Children")
    result = import_docx(repo, tmp_path, own, "--partner", "iom")
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: the DOCX does not say which text "
                                            "it was made from (it was not sent by `accord review send`); pass --base "
                                            "REV, the commit whose text the partner reviewed\n")
    edited = WordEdits(own, author="Ivo Marić").replace("a last resort", "the last resort").save()
    result = import_docx(repo, tmp_path, edited, "--partner", "iom", "--base", "main")
    assert result.code == 0, result.err
    assert on_branch(repo, branch="review/iom/child-protection") == ORIGINAL.replace("a last resort", "the last resort")


def test_a_docx_made_elsewhere_needs_a_partner(repo, tmp_path):
    from accord.review.extract import markdown_to_docx

    result = import_docx(repo, tmp_path, markdown_to_docx("Text.", "Title"), "--base", "main")
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: the DOCX does not say which "
                                            "partner reviewed it; pass --partner P\n")


@pytest.mark.alliance(sent_to="unicef")
def test_a_base_commit_missing_from_the_repository_is_named(repo, tmp_path):
    from accord.review.packet import with_custom_properties

    packet = with_custom_properties(sent_packet(repo), {"accord.base_commit": "f" * 40})
    result = import_docx(repo, tmp_path, packet)
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: the DOCX was made from commit "
                                            "ffffffffffff, which is not in this repository; fetch it, or pass "
                                            "--base REV\n")


@pytest.mark.alliance(sent_to="unicef")
def test_a_packet_for_another_statement_is_refused(repo, tmp_path):
    from accord.review.packet import with_custom_properties

    packet = with_custom_properties(sent_packet(repo), {"accord.statement": "forced-labour"})
    result = import_docx(repo, tmp_path, packet)
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: this DOCX was sent for statement "
                                            "'forced-labour', not 'child-protection'\n")


@pytest.mark.alliance(sent_to="unicef")
def test_a_text_hash_that_does_not_match_the_base_is_refused(repo, tmp_path):
    from accord.review.packet import with_custom_properties

    packet = with_custom_properties(sent_packet(repo), {"accord.text_sha256": "0" * 64})
    result = import_docx(repo, tmp_path, packet)
    assert result.code == 2
    assert "pass --base REV with the commit whose text was sent\n" in result.err


def test_an_unknown_statement_is_refused_before_the_file_is_read(repo, tmp_path):
    result = run("review", "import", "child-protectoin", str(tmp_path / "none.docx"), "--repo", str(repo))
    assert (result.code, result.err) == (
        2, "Error: unknown statement 'child-protectoin' (did you mean 'child-protection'?)\n")


# -- hostile and broken files --------------------------------------------------------------

def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _with_part(docx: bytes, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries[name] = data
    return _zip(entries)


XXE = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
       b'<w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b'<w:style><w:name w:val="&lol9;"/></w:style></w:styles>')
MINIMAL_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'

HOSTILE = [
    ("not a zip", lambda packet: b"Dear team, please find our comments below.\n",
     "not a DOCX file (not a zip archive)"),
    ("a zip but not a docx", lambda packet: _zip({"notes.txt": b"hello"}),
     "not a DOCX file (a zip archive without [Content_Types].xml)"),
    ("a zip with no document", lambda packet: _zip({"[Content_Types].xml": MINIMAL_TYPES}),
     "not a DOCX file (no main document part word/document.xml)"),
    ("password-protected", lambda packet: bytes.fromhex("D0CF11E0A1B11AE1") + bytes(2048),
     "password-protected or old-format Word file (OLE2), not a DOCX: remove the password or save it as a .docx, "
     "then import again"),
    ("external entity", lambda packet: _with_part(packet, "word/document.xml", XXE),
     "refused: word/document.xml declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), which a Word file never does"),
    ("billion laughs", lambda packet: _with_part(packet, "word/styles.xml", LAUGHS),
     "refused: word/styles.xml declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), which a Word file never does"),
    ("utf-16 doctype", lambda packet: _with_part(packet, "word/document.xml", XXE.decode().replace(
        'version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")),
     "refused: word/document.xml declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), which a Word file never does"),
    ("malformed xml", lambda packet: _with_part(packet, "word/document.xml", b"<w:document><w:body>"),
     "word/document.xml is not well-formed XML"),
    ("empty file", lambda packet: b"", "file is empty"),
]


@pytest.fixture(scope="module")
def plain_repo(tmp_path_factory):
    """A small committed repository shared by the tests in which nothing may be imported."""
    root = tmp_path_factory.mktemp("hostile") / "alliance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "partners/unicef.yaml", "id: unicef\nname: UNICEF\nkind: igo\n")
    write(root / S, ORIGINAL.replace("invited: [unicef, iom, unodc, ecpat]", "invited: [unicef]"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Text")
    return root


@pytest.fixture(scope="module")
def any_docx() -> bytes:
    """A well-formed DOCX to spoil: what it says does not matter, the file is refused before it is read."""
    from accord.review.extract import markdown_to_docx

    return markdown_to_docx("Some text.\n", "A title")


@pytest.mark.parametrize("make, message", [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_a_hostile_or_broken_file_is_refused_in_one_line_with_no_branch(plain_repo, tmp_path, any_docx, make,
                                                                        message):
    repo = plain_repo
    result = import_docx(repo, tmp_path, make(any_docx), "--partner", "unicef")
    assert result.code == 2
    assert result.err.startswith(f"Error: {tmp_path / 'returned.docx'}: {message}")
    assert result.err.count("\n") == 1
    assert branches(repo) == []


def test_a_zip_bomb_is_refused_before_it_is_extracted(plain_repo, tmp_path, any_docx, monkeypatch):
    repo = plain_repo
    from accord.ooxml import reading

    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 4 * 1024 * 1024)
    bomb = _with_part(any_docx, "word/media/filler.bin", bytes(5 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    result = import_docx(repo, tmp_path, bomb)
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: refused: the archive would expand "
                                            "to 5 MB (the limit is 4 MB; a zip bomb?)\n")
    assert branches(repo) == []


def test_an_archive_of_too_many_entries_is_refused(plain_repo, tmp_path, any_docx, monkeypatch):
    repo = plain_repo
    from accord.ooxml import reading

    monkeypatch.setattr(reading, "MAX_ENTRIES", 40)
    packet = any_docx
    with zipfile.ZipFile(io.BytesIO(packet)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    entries.update({f"word/media/empty{n}.png": b"" for n in range(40)})
    result = import_docx(repo, tmp_path, _zip(entries))
    assert result.code == 2
    assert result.err.startswith(f"Error: {tmp_path / 'returned.docx'}: refused: the archive has ")
    assert result.err.endswith(" entries (the limit is 40)\n")


def test_a_part_that_expands_past_its_cap_is_refused(plain_repo, tmp_path, any_docx, monkeypatch):
    repo = plain_repo
    from accord.ooxml import reading

    monkeypatch.setattr(reading, "MAX_PART_BYTES", 64 * 1024)
    packet = any_docx
    with zipfile.ZipFile(io.BytesIO(packet)) as source:
        document = source.read("word/document.xml")
    padded = document.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 20000)
    result = import_docx(repo, tmp_path, _with_part(packet, "word/document.xml", padded))
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: refused: word/document.xml "
                                            "expands to more than 65536 bytes (a zip bomb?)\n")


def test_an_oversized_file_is_refused_without_being_read(plain_repo, tmp_path):
    repo = plain_repo
    huge = tmp_path / "huge.docx"
    with open(huge, "wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: no disk used, and never read
    result = run("review", "import", "child-protection", str(huge), "--partner", "unicef", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: {huge}: file too large (60 MB; the limit is 50 MB)\n")


def test_a_missing_file_is_one_line(plain_repo, tmp_path):
    repo = plain_repo
    missing = tmp_path / "missing.docx"
    result = run("review", "import", "child-protection", str(missing), "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: {missing}: cannot read the file: No such file or directory\n")


# -- send --redline ------------------------------------------------------------------------

def endorse(repo, partner="unicef", position="endorse"):
    from accord.repo import Repo

    text_hash = Repo(repo).load_statement("child-protection").text_sha256
    commit(repo, f"statements/child-protection/endorsements/{partner}.yaml",
           f"statement: child-protection\npartner: {partner}\nposition: {position}\ntext_sha256: {text_hash}\n"
           f"signatory: Signer, Director\nrecorded_at: 2026-11-01\n", "Endorsement")


def test_a_redline_packet_shows_the_changes_since_the_partner_endorsed(repo):
    endorsed = git(repo, "rev-parse", "HEAD").strip()  # the commit of the text, not of the record
    endorse(repo)
    commit(repo, S, ORIGINAL.replace("without delay", "within 24 hours"))
    result = run("review", "send", "child-protection", "--partner", "unicef", "--redline", "--repo", str(repo))
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote build/review/child-protection-unicef.docx for UNICEF: changes since "
                                 f"{endorsed[:12]} as tracked changes")
    from accord.pandoc import run_pandoc

    packet = (repo / "build/review/child-protection-unicef.docx").read_bytes()
    accepted, rejected = (run_pandoc(["-f", "docx", f"--track-changes={mode}", "-t", "plain", "--wrap=none"], packet)
                          .decode() for mode in ("accept", "reject"))
    assert "child within 24 hours." in accepted and "without delay" not in accepted
    assert "child without delay." in rejected
    assert "redline_from" in (repo / "statements/child-protection/reviews/sent.yaml").read_text()


def test_a_returned_redline_keeps_what_the_partner_rejected_and_adds_what_they_wrote(repo, tmp_path):
    endorse(repo)
    commit(repo, S, ORIGINAL.replace("without delay", "within 24 hours").replace("a last resort", "the last resort"))
    assert run("review", "send", "child-protection", "--partner", "unicef", "--redline", "--repo", str(repo)).code == 0
    packet = (repo / "build/review/child-protection-unicef.docx").read_bytes()
    returned = WordEdits(packet).reject("the").reject("a").replace("Referral", "Referral and care").save()
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0, result.err
    assert on_branch(repo) == ORIGINAL.replace("without delay", "within 24 hours").replace(
        "| Agencies | Referral |", "| Agencies | Referral and care |")
    assert git(repo, "log", "-1", "--format=%an", BRANCH).strip() == "United Nations Children's Fund"


def test_a_redline_needs_an_endorsement_to_start_from(repo):
    result = run("review", "send", "child-protection", "--partner", "unicef", "--redline", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: partner 'unicef' has never endorsed 'child-protection'\n")


def test_a_redline_of_the_endorsed_text_itself_is_refused(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    endorse(repo)
    result = run("review", "send", "child-protection", "--partner", "unicef", "--redline", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: UNICEF endorsed the current text (commit {head[:12]}); there "
                                            "are no changes to show: send it without --redline\n")


def test_a_redline_starts_from_the_last_counting_position(repo):
    endorse(repo)
    endorsed = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, S, ORIGINAL.replace("without delay", "within 24 hours"))
    endorse(repo, position="object")
    from accord.repo import Repo
    from accord.review.packet import endorsed_text

    commit_id, text = endorsed_text(Repo(repo), "child-protection", "unicef")
    assert "child without delay." in text.body
    assert git(repo, "rev-parse", f"{commit_id}:{S}") == git(repo, "rev-parse", f"{endorsed}:{S}")


@pytest.mark.alliance(sent_to="unicef")
def test_a_picture_the_partner_pasted_is_listed_and_its_file_saved_beside_the_record(repo, tmp_path):
    import struct
    import zlib

    from docx import Document
    from docx.shared import Inches

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    document = Document(io.BytesIO(sent_packet(repo)))
    document.paragraphs[-1].add_run().add_picture(io.BytesIO(png), width=Inches(1))
    out = io.BytesIO()
    document.save(out)
    result = import_docx(repo, tmp_path, out.getvalue())
    saved = f"statements/child-protection/reviews/unicef-{TODAY}-picture-1.png"
    assert result.code == 0, result.err
    assert ("  changes applied: 0\n  conflicts: 0\n  edits outside the statement text, not carried: 1\n"
            f"    a new picture could not be carried into the text; its file is saved as {saved}\n"
            f"  comments: 0 (statements/child-protection/reviews/unicef-{TODAY}.md)\n") in result.out
    import subprocess

    assert subprocess.run(["git", "-C", str(repo), "show", f"{BRANCH}:{saved}"], capture_output=True,
                          check=True).stdout == png
    assert on_branch(repo) == ORIGINAL
    assert f"- a new picture could not be carried into the text; its file is saved as {saved}\n" in on_branch(
        repo, f"statements/child-protection/reviews/unicef-{TODAY}.md").replace("\\", "")


def test_a_conflict_carries_both_whole_phrases_and_names_both_sides(repo, tmp_path):
    """The "eighteen months" case: main moved to "two years", the partner to "twelve months"."""
    commit(repo, S, ORIGINAL.replace("without delay", "within eighteen months"), "Eighteen months")
    packet = send(repo)
    commit(repo, S, ORIGINAL.replace("without delay", "within two years"), "Two years")
    moved = git(repo, "rev-parse", "HEAD").strip()
    returned = WordEdits(packet).replace("eighteen", "twelve").save()
    result = import_docx(repo, tmp_path, returned)
    assert result.code == 0
    note = f"{{>>main (commit {moved[:12]}, Test Drafter) ~> UNICEF (Jane Doe)<<}}"
    assert on_branch(repo) == ORIGINAL.replace("without delay", "within {~~two years~>twelve months~~}" + note)
    assert ("  conflicts: 1\n"
            '    {~~two years~>twelve months~~} in "1. States should appoint a guardian for every '
            'unaccompanied…"\n'
            f'      main (commit {moved[:12]}, Test Drafter): "two years"\n'
            '      UNICEF (Jane Doe): "twelve months"\n') in result.out
    # Accepting either side gives that side's whole wording; check finds the marker with its line.
    git(repo, "checkout", "-q", BRANCH)
    checked = run("check", "--repo", str(repo))
    assert checked.code == 1
    assert checked.out.startswith(f"{S}:23: CriticMarkup '{{~~' ")


@pytest.mark.alliance(sent_to="unicef")
def test_a_comment_author_or_text_cannot_inject_markdown_into_the_record(repo, tmp_path):
    edits = WordEdits(sent_packet(repo)).comment("Referral", "See <script>alert(1)</script> and {++this++}\n\n# Heading")
    from docx.oxml.ns import qn

    for element in edits.doc.part._comments_part.element.iter(qn("w:comment")):
        element.set(qn("w:author"), "Eve\n## 2. Signer of UNICEF, endorsed")  # saved as &#10;, a real newline
    returned = edits.save()
    assert import_docx(repo, tmp_path, returned).code == 0
    record = on_branch(repo, f"statements/child-protection/reviews/unicef-{TODAY}.md")
    assert "## 1. Eve \\#\\# 2. Signer of UNICEF, endorsed, 2026-11-20 10:00\n" in record
    assert [line for line in record.splitlines() if line.startswith("#")] == [
        "# Comments from UNICEF on child-protection", "## 1. Eve \\#\\# 2. Signer of UNICEF, endorsed, 2026-11-20 10:00"]
    assert "See \\<script\\>alert(1)\\</script\\> and \\{++this++\\}" in record


@pytest.mark.alliance(sent_to="unicef")
def test_a_packet_imported_as_another_partner_than_it_was_sent_to_is_refused(repo, tmp_path):
    returned = WordEdits(sent_packet(repo)).replace("without delay", "at once").save()
    head = git(repo, "rev-parse", "HEAD").strip()
    result = import_docx(repo, tmp_path, returned, "--partner", "iom")
    assert (result.code, result.err) == (2, f"Error: {tmp_path / 'returned.docx'}: the text of commit {head[:12]} was "
                                            "sent to UNICEF, not to IOM (statements/child-protection/reviews/sent.yaml);"
                                            " import it as the partner it was sent to\n")
    assert branches(repo) == []
