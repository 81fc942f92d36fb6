"""`accord release`: the gate refuses with every reason and writes nothing; an accepted release makes the
commit, the annotated tag and dist/ID/vN/ all together, or none of them; the tag rebuilds dist/ byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import git, run, write
from helpers.release import SID, commit, endorse, endorsed, make_alliance, text_hash

S = f"statements/{SID}/statement.md"
TODAY = dt.date.today().isoformat()


def state(root: Path) -> tuple:
    """Everything a refused or failed release must leave as it was."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if ".git" not in p.relative_to(root).parts)
    return (git(root, "rev-parse", "HEAD"), git(root, "tag", "--list"), git(root, "status", "--porcelain"),
            git(root, "for-each-ref"), files)


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> tuple[Path, "object"]:
    """A repository whose statement was released once, and the result of `accord release`."""
    root = endorsed(make_alliance(tmp_path_factory.mktemp("released") / "alliance"))
    head = git(root, "rev-parse", "HEAD").strip()
    result = run("release", SID, "--repo", str(root))
    assert result.code == 0, result.err
    return root, result, head


# -- refused ------------------------------------------------------------------------

def test_a_draft_without_endorsements_is_refused_with_every_reason_and_nothing_written(repo):
    write(repo / "notes.txt", "not committed\n")
    before = state(repo)
    result = run("release", SID, "--repo", str(repo))
    assert result.code == 1
    assert result.out == (
        f"{SID} cannot be released:\n"
        "  - status is 'draft'; only a 'final' text can be released\n"
        "  - required partner UNICEF has not taken a position\n"
        "  - 0 partners hold a counting position on the current text; 2 are needed\n"
        "  - the working tree has uncommitted changes (notes.txt); commit them first\n")
    assert result.err == "Release refused (4 reasons); nothing was written.\n"
    assert state(repo) == before


def test_an_objection_in_force_and_a_stale_required_endorsement_refuse_the_release(tmp_path):
    root = make_alliance(tmp_path / "alliance")
    endorse(root, "unicef", text_sha256="a" * 64)
    endorse(root, "iom")
    endorse(root, "ecpat")
    endorse(root, "unodc", "object")
    commit(root, "Positions")
    before = state(root)
    result = run("release", SID, "--repo", str(root))
    assert (result.code, result.out) == (1, (
        f"{SID} cannot be released:\n"
        "  - required partner UNICEF took its position (endorse) on an earlier text\n"
        "  - objection in force: UNODC objects (recorded 2026-11-28)\n"))
    assert state(root) == before


def test_problems_accord_check_finds_refuse_the_release(tmp_path):
    root = endorsed(make_alliance(tmp_path / "alliance"))
    write(root / "partners" / "ilo.yaml", "id: ilo\nkind: igo\n")
    commit(root, "A broken partner file")
    result = run("release", SID, "--repo", str(root))
    assert (result.code, result.out) == (1, (
        f"{SID} cannot be released:\n"
        "  - accord check: partners/ilo.yaml:1: missing required key 'name' in partner\n"))


def test_an_unknown_statement_is_a_usage_error(repo):
    result = run("release", "child-protectoin", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: unknown statement 'child-protectoin' (did you mean '{SID}'?)\n")


def test_a_dry_run_names_the_version_and_writes_nothing(tmp_path):
    root = endorsed(make_alliance(tmp_path / "alliance"))
    before = state(root)
    result = run("release", SID, "--dry-run", "--repo", str(root))
    assert (result.code, result.out) == (0, (
        f"{SID} can be released as v1 (tag {SID}/v1)\n"
        f"  text sha256: {text_hash(root)}\n"
        "  endorsed by: ECPAT (endorse-with-reservations), IOM (no-objection), UNICEF (endorse)\n"
        "Dry run: nothing was written.\n"))
    assert state(root) == before


# -- accepted -----------------------------------------------------------------------

def test_an_accepted_release_reports_what_it_made(released):
    root, result, _ = released
    commit_id = git(root, "rev-parse", "HEAD").strip()
    assert result.out == (
        f"Released {SID} v1: tag {SID}/v1, commit {commit_id[:12]}\n"
        f"  text sha256: {text_hash(root)}\n"
        "  endorsed by: ECPAT (endorse-with-reservations), IOM (no-objection), UNICEF (endorse)\n"
        f"  dist/{SID}/v1/{SID}.docx\n  dist/{SID}/v1/{SID}.pdf\n  dist/{SID}/v1/{SID}.html\n"
        f"  dist/{SID}/v1/manifest.json\n  dist/{SID}/v1/SHA256SUMS\n")


def test_the_release_commit_changes_three_front_matter_lines_and_keeps_the_text_hash(released):
    root, _, head = released
    assert git(root, "rev-parse", "HEAD~1").strip() == head
    assert git(root, "diff", "--name-only", "HEAD~1", "HEAD") == f"{S}\n"
    diff = git(root, "diff", "-U0", "HEAD~1", "HEAD", "--", S)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-status: final", "+status: published", "+version: 1", f"+published: {TODAY}"]
    from accord.statement import statement_from_bytes

    before = statement_from_bytes(git(root, "show", f"HEAD~1:{S}").encode(), S)
    after = statement_from_bytes(git(root, "show", f"HEAD:{S}").encode(), S)
    assert after.text_sha256 == before.text_sha256
    assert (after.status, after.version, after.published) == ("published", 1, dt.date.today())
    assert git(root, "status", "--porcelain") == ""
    assert (root / S).read_bytes() == subprocess.run(["git", "-C", str(root), "show", f"HEAD:{S}"],
                                                     capture_output=True, check=True).stdout


def test_the_annotated_tag_lists_the_text_hash_and_the_endorsers(released):
    root, _, _ = released
    assert git(root, "cat-file", "-t", f"{SID}/v1") == "tag\n"
    assert git(root, "rev-parse", f"{SID}/v1^{{commit}}") == git(root, "rev-parse", "HEAD")
    message = git(root, "tag", "-l", "--format=%(contents)", f"{SID}/v1")
    assert message == (
        f"{SID} v1: Joint Statement on the Protection of Children\n\n"
        "Symbol: AECT/JS/2010/1\n"
        f"Text SHA-256: {text_hash(root)}\n"
        f"Published: {TODAY}\n\n"
        "Endorsed by:\n"
        "- ecpat: endorse-with-reservations (ECPAT International; signed for by Signer of ECPAT, Director)\n"
        "- iom: no-objection (International Organization for Migration; signed for by Signer of IOM, Director)\n"
        "- unicef: endorse (United Nations Children's Fund; signed for by Signer of UNICEF, Director)\n\n")


def test_the_manifest_describes_the_release_and_its_checksums_match(released):
    root, _, _ = released
    folder = root / "dist" / SID / "v1"
    names = [f"{SID}.docx", f"{SID}.pdf", f"{SID}.html"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*names, "manifest.json", "SHA256SUMS"])
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {key: manifest[key] for key in ("statement", "version", "tag", "commit", "published", "text_sha256")} == {
        "statement": SID, "version": 1, "tag": f"{SID}/v1", "commit": git(root, "rev-parse", "HEAD").strip(),
        "published": TODAY, "text_sha256": text_hash(root)}
    assert [(e["partner"], e["position"]) for e in manifest["endorsers"]] == [
        ("ecpat", "endorse-with-reservations"), ("iom", "no-objection"), ("unicef", "endorse")]
    assert manifest["endorsers"][0]["reservations"] == [{"paragraph": None, "text": "On paragraph 2, age assessment."}]
    assert [f["name"] for f in manifest["files"]] == names
    for item in manifest["files"]:
        data = (folder / item["name"]).read_bytes()
        assert (item["sha256"], item["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    sums = (folder / "SHA256SUMS").read_text("utf-8").splitlines()
    assert [line.split("  ")[1] for line in sums] == [*names, "manifest.json"]
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_the_released_documents_carry_no_draft_mark_and_the_ledgers_signatories(released):
    import pypdf

    root, _, _ = released
    folder = root / "dist" / SID / "v1"
    pdf_text = "\n".join(page.extract_text() for page in pypdf.PdfReader(folder / f"{SID}.pdf").pages)
    assert "DRAFT" not in pdf_text.upper().replace("DRAFTERS", "")
    assert "version 1" in pdf_text
    for name in ("United Nations Children's Fund", "International Organization for Migration", "ECPAT International"):
        assert name in pdf_text
    assert "United Nations Office on Drugs and Crime" not in pdf_text
    with zipfile.ZipFile(folder / f"{SID}.docx") as docx:
        xml = "".join(docx.read(name).decode("utf-8") for name in docx.namelist() if name.endswith(".xml"))
    assert ">DRAFT<" not in xml
    assert "<body class=\"draft" not in (folder / f"{SID}.html").read_text("utf-8")


def test_a_fresh_clone_at_the_tag_rebuilds_the_docx_and_pdf_byte_for_byte(released, tmp_path):
    root, _, _ = released
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    git(clone, "checkout", "-q", f"{SID}/v1")
    result = run("build", SID, "--repo", str(clone))
    assert result.code == 0, result.err
    for ext in ("docx", "pdf"):
        rebuilt = (clone / "build" / SID / f"{SID}.{ext}").read_bytes()
        assert rebuilt == (root / "dist" / SID / "v1" / f"{SID}.{ext}").read_bytes(), ext


def test_the_tag_alone_rebuilds_the_whole_release_folder_byte_for_byte(released, tmp_path):
    root, _, _ = released
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    result = run("release", SID, "--rebuild", "1", "--repo", str(clone))
    assert result.code == 0, result.err
    assert result.out.startswith(f"Rebuilt {SID} v1: tag {SID}/v1, commit ")
    original = root / "dist" / SID / "v1"
    rebuilt = clone / "dist" / SID / "v1"
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(p.name for p in original.iterdir())
    for path in original.iterdir():
        assert (rebuilt / path.name).read_bytes() == path.read_bytes(), path.name
    again = run("release", SID, "--rebuild", "1", "--repo", str(clone))
    assert (again.code, again.err) == (2, f"Error: dist/{SID}/v1 already exists; a release never overwrites one\n")


def test_a_rebuild_needs_the_release_tag(repo):
    result = run("release", SID, "--rebuild", "3", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: no release tag {SID}/v3 (git tag --list '{SID}/v*' "
                                            "shows the releases)\n")
    assert not (repo / "dist").exists()


def test_a_second_release_is_v2_and_needs_the_new_text_endorsed(tmp_path):
    root = endorsed(make_alliance(tmp_path / "alliance"))
    assert run("release", SID, "--repo", str(root)).code == 0
    text = (root / S).read_text("utf-8")
    write(root / S, text.replace("status: published", "status: final").replace("without delay", "within 24 hours"))
    commit(root, "Guardians within 24 hours")
    refused = run("release", SID, "--dry-run", "--repo", str(root))
    assert refused.code == 1
    assert "  - required partner UNICEF took its position (endorse) on an earlier text\n" in refused.out
    endorse(root, "unicef")
    endorse(root, "iom")
    commit(root, "UNICEF and IOM endorse the new text")
    result = run("release", SID, "--repo", str(root))
    assert result.code == 0, result.out + result.err
    assert git(root, "tag", "--list") == f"{SID}/v1\n{SID}/v2\n"
    front = (root / S).read_text("utf-8").split("---\n")[1]
    assert "version: 2\n" in front and front.count("version:") == 1 and front.count("published:") == 1
    assert json.loads((root / "dist" / SID / "v2" / "manifest.json").read_text())["version"] == 2


# -- all or nothing -----------------------------------------------------------------

def test_a_failed_build_leaves_no_commit_tag_or_file(tmp_path, monkeypatch):
    from accord.render import pipeline
    from accord.errors import BuildError

    root = endorsed(make_alliance(tmp_path / "alliance"))
    before = state(root)

    def broken_build(*args, **kwargs):
        raise BuildError("typst failed for child-protection: font not found")

    monkeypatch.setattr(pipeline, "build_statement", broken_build)
    result = run("release", SID, "--repo", str(root))
    assert (result.code, result.err) == (2, "Error: typst failed for child-protection: font not found\n")
    assert state(root) == before
    assert not (root / "dist").exists()


def test_a_commit_made_during_the_release_is_never_overwritten(tmp_path, monkeypatch):
    from accord import release
    from accord.errors import GitError
    from accord.repo import Repo

    root = endorsed(make_alliance(tmp_path / "alliance"))
    plan = release.plan_release(Repo(root), SID)
    write(root / "NOTES.md", "a colleague's commit\n")
    commit(root, "A colleague's commit, made while the release was building")
    before = state(root)
    with pytest.raises(GitError):
        release.make_release(Repo(root), plan)
    assert state(root) == before
    assert not (root / "dist").exists()


def test_a_failure_after_the_refs_moved_puts_branch_tag_and_files_back(tmp_path, monkeypatch):
    from accord import history
    from accord.errors import GitError

    root = endorsed(make_alliance(tmp_path / "alliance"))
    before = state(root)
    real_update = history.update_worktree
    calls = []

    def update_fails_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise GitError("Unable to create '.git/index.lock': File exists.")
        real_update(*args)

    monkeypatch.setattr(history, "update_worktree", update_fails_once)
    result = run("release", SID, "--repo", str(root))
    assert (result.code, result.err) == (2, "Error: Unable to create '.git/index.lock': File exists.\n")
    assert len(calls) == 2
    assert state(root) == before
    assert "accord release child-protection/v1 undone" in git(root, "reflog", "-1")


# -- the front matter edit ----------------------------------------------------------

def test_release_fields_are_set_in_place_keeping_comments_crlf_and_the_body():
    from accord.release import set_release_fields

    text = ("---\r\nid: x1\r\nstatus: final   # ready\r\nversion: 1\r\ntitle: T\r\n---\r\n\r\nstatus: final\r\n")
    edited = set_release_fields(text.encode(), 2, dt.date(2027, 1, 5)).decode()
    assert edited == ("---\r\nid: x1\r\nstatus: published   # ready\r\nversion: 2\r\ntitle: T\r\n"
                      "published: 2027-01-05\r\n---\r\n\r\nstatus: final\r\n")


def test_a_status_spread_over_lines_is_refused_not_guessed():
    from accord.errors import ReleaseError
    from accord.release import set_release_fields

    with pytest.raises(ReleaseError, match="write it on one line"):
        set_release_fields(b"---\nid: x1\nstatus:\n  final\n---\nbody\n", 1, dt.date(2027, 1, 5))
