"""`accord diff`: which versions it compares by default, --since-endorsement, outputs, and bad input."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from conftest import git, run, write

from accord.repo import Repo

S = "statements/child-protection/statement.md"
RECORD = """\
statement: child-protection
partner: {partner}
position: {position}
text_sha256: {hash}
{commit}signatory: Signer, Director
recorded_at: 2026-11-28
"""


def day(repo, revision: str = "HEAD") -> str:
    epoch = int(git(repo, "log", "-1", "--format=%at", revision).strip())
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d")


def sha(repo, revision: str = "HEAD") -> str:
    return git(repo, "rev-parse", revision).strip()


def edit(repo, old: str, new: str, message: str | None = None) -> None:
    path = repo / S
    path.write_text(path.read_text("utf-8").replace(old, new), encoding="utf-8")
    if message:
        git(repo, "commit", "-q", "-am", message)


def text_hash(repo) -> str:
    return Repo(repo).load_statement("child-protection").text_sha256


def endorse(repo, partner: str, position: str = "endorse", commit: str | None = None,
            text_sha256: str | None = None) -> None:
    write(repo / "statements" / "child-protection" / "endorsements" / f"{partner}.yaml",
          RECORD.format(partner=partner, position=position, hash=text_sha256 or text_hash(repo),
                        commit=f"commit: {commit}\n" if commit else ""))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{partner}: {position}")


def diff(repo, *args: str):
    return run("diff", "child-protection", *args, "--repo", str(repo))


# -- which versions ------------------------------------------------------------------------

def test_by_default_the_first_commit_is_compared_with_the_working_tree(repo):
    edit(repo, "without delay", "without any delay")
    result = diff(repo)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"--- child-protection: first version ({sha(repo)[:7]}, {day(repo)})\n"
        "+++ child-protection: working tree\n"
        "1 word inserted, 0 deleted; blocks: 1 changed\n"
        "\n@@ Recommendations @@\n"
        "1. States should appoint a guardian for every unaccompanied child without {+any+} delay.\n")


def test_by_default_the_last_release_tag_is_the_older_version(repo):
    edit(repo, "last resort", "measure of last resort", "Second draft")
    git(repo, "tag", "child-protection/v2")
    git(repo, "tag", "child-protection/v10", "HEAD~1")
    git(repo, "tag", "other/v99")
    edit(repo, "a duty", "the duty", "Third draft")
    result = diff(repo)
    assert result.out.splitlines()[:3] == [
        f"--- child-protection: v10 ({sha(repo, 'HEAD~2')[:7]}, {day(repo, 'HEAD~2')})",
        "+++ child-protection: working tree",
        "3 words inserted, 1 deleted; blocks: 2 changed"]


def test_from_and_to_take_any_revision(repo):
    first = sha(repo)
    edit(repo, "last resort", "measure of last resort", "Second draft")
    second = sha(repo)
    edit(repo, "Guardianship", "Legal guardianship")  # uncommitted: not part of --to HEAD
    result = diff(repo, "--from", first[:10], "--to", "HEAD")
    assert result.out == (
        f"--- child-protection: {first[:7]} ({day(repo)})\n"
        f"+++ child-protection: HEAD ({second[:7]}, {day(repo)})\n"
        "2 words inserted, 0 deleted; blocks: 1 changed\n"
        "\n@@ Recommendations @@\n"
        "2. Age assessment should be a {+measure of+} last resort.[^1]\n")


def test_since_endorsement_compares_the_text_the_partner_endorsed(repo):
    endorsed = sha(repo)
    endorse(repo, "unicef", commit=endorsed)
    edit(repo, "a last resort", "the last resort", "Clearer")
    result = diff(repo, "--since-endorsement", "unicef")
    assert result.out.splitlines()[:4] == [
        f"--- child-protection: as endorsed by unicef ({endorsed[:7]}, {day(repo)})",
        "+++ child-protection: working tree",
        "1 word inserted, 1 deleted; blocks: 1 changed", ""]


def test_since_endorsement_finds_the_text_by_its_hash_when_the_commit_does_not_match(repo):
    endorsed_hash = text_hash(repo)
    edit(repo, "a last resort", "the last resort", "Clearer")
    later = sha(repo)
    endorse(repo, "iom", commit=later, text_sha256=endorsed_hash)  # a wrong commit: the hash decides
    edit(repo, "risks", "grave risks", "Stronger")
    result = diff(repo, "--since-endorsement", "iom")
    assert result.out.splitlines()[0] == f"--- child-protection: as endorsed by iom ({sha(repo, 'HEAD~3')[:7]}, " \
                                         f"{day(repo)})"
    assert "[-a-]{+the+} last resort" in result.out and "{+grave+} risks" in result.out


def test_since_endorsement_looks_past_a_later_objection_to_the_last_endorsement(repo):
    endorse(repo, "unodc")
    endorsed = sha(repo, "HEAD~1")
    edit(repo, "a last resort", "the last resort", "Clearer")
    endorse(repo, "unodc", position="object")
    result = diff(repo, "--since-endorsement", "unodc")
    assert result.out.splitlines()[0] == f"--- child-protection: as endorsed by unodc ({endorsed[:7]}, {day(repo)})"


# -- outputs -------------------------------------------------------------------------------

def test_the_format_follows_the_output_file_name(repo, tmp_path):
    edit(repo, "without delay", "without any delay")
    for name, start in (("changes.html", b"<!DOCTYPE html>"), ("changes.md", b"{>>Changes to child-protection"),
                        ("changes.docx", b"PK"), ("changes.txt", b"--- child-protection")):
        target = tmp_path / name
        result = diff(repo, "-o", str(target))
        assert (result.code, result.out, result.err) == (0, f"wrote {target}: 1 word inserted, 0 deleted; blocks: 1 "
                                                            "changed\n", "")
        assert target.read_bytes().startswith(start)


def test_the_docx_carries_its_provenance_and_the_newer_versions_author(repo, tmp_path):
    edit(repo, "without delay", "without any delay", "More time")
    target = tmp_path / "redline.docx"
    assert diff(repo, "--from", "HEAD~1", "--to", "HEAD", "-o", str(target)).code == 0
    package = zipfile.ZipFile(io.BytesIO(target.read_bytes()))
    custom = package.read("docProps/custom.xml").decode("utf-8")
    assert "accord-statement" in custom and sha(repo) in custom and text_hash(repo) in custom
    document = package.read("word/document.xml").decode("utf-8")
    assert 'w:author="Test Drafter"' in document
    assert f"Changes from HEAD~1 ({sha(repo, 'HEAD~1')[:7]}, {day(repo)}) to HEAD ({sha(repo)[:7]}, {day(repo)})" \
        in document


def test_markdown_goes_to_standard_output(repo):
    edit(repo, "without delay", "without any delay")
    result = diff(repo, "--format", "md")
    assert result.code == 0
    assert "1.  States should appoint a guardian for every unaccompanied child without{++ any++} delay." \
        in result.out.splitlines()


# -- bad input: one line, exit 2, nothing written ------------------------------------------

BAD = [
    (["--from", "nope"], "Error: --from: unknown revision 'nope'\n"),
    (["--to", "v9"], "Error: --to: unknown revision 'v9'\n"),
    (["--since-endorsement", "unicf"], "Error: unknown partner 'unicf' (did you mean 'unicef'?)\n"),
    (["--since-endorsement", "iom"], "Error: partner 'iom' has never endorsed 'child-protection'\n"),
    (["--since-endorsement", "iom", "--from", "HEAD"], "Error: --since-endorsement and --from cannot be used "
                                                       "together\n"),
    (["--format", "pdf"], "Error: --format: unknown format 'pdf' (choose from term, html, md, docx)\n"),
    (["--format", "docx"], "Error: --format docx writes a Word file: add -o FILE.docx\n"),
    (["-o", "{tmp}/missing/changes.html"], "Error: -o {tmp}/missing/changes.html: the folder {tmp}/missing does "
                                           "not exist\n"),
    (["-o", "{tmp}/changes.pdf"], "Error: -o {tmp}/changes.pdf: cannot tell the format from '.pdf'; pass --format "
                                  "(term, html, md, docx)\n"),
]


@pytest.mark.parametrize("args, expected", BAD, ids=[" ".join(case[0]) for case in BAD])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(repo, tmp_path, args, expected):
    edit(repo, "without delay", "without any delay")
    before = sorted(tmp_path.rglob("*"))
    result = diff(repo, *[arg.format(tmp=tmp_path) for arg in args])
    assert (result.code, result.out, result.err) == (2, "", expected.format(tmp=tmp_path))
    assert sorted(tmp_path.rglob("*")) == before


def test_a_partner_that_only_objected_has_never_endorsed(repo):
    endorse(repo, "ecpat", position="object")
    result = diff(repo, "--since-endorsement", "ecpat")
    assert (result.code, result.err) == (2, "Error: partner 'ecpat' has never endorsed 'child-protection'\n")


def test_a_revision_without_the_statement_is_named(repo):
    empty = git(repo, "commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", "empty").strip()
    result = diff(repo, "--from", empty)
    assert (result.code, result.err) == (2, f"Error: --from: {S} does not exist at {empty}\n")


def test_an_unknown_statement_is_named_with_a_hint(repo):
    result = run("diff", "child-protect", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: unknown statement 'child-protect' (did you mean "
                                            "'child-protection'?)\n")
