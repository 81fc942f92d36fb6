"""Nothing from outside the repository gets in, and no output lands where it must not: each attack of issue 13
(items 5, 6, 7, 8 and 11) performed, with the exact answer a user sees and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import git, make_alliance, run, write

SID = "child-protection"
S = f"statements/{SID}/statement.md"
SECRET = "https://amira:ghp_SECRETTOKEN1234567890@github.com\n"
LINK = "is a symbolic link; accord reads no file through a link (it could lead outside the repository)"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A credentials file outside the repository, as ~/.git-credentials would be."""
    return write(tmp_path / "home" / ".git-credentials", SECRET)


def files_and_refs(root: Path) -> tuple:
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if ".git" not in p.relative_to(root).parts)
    return files, git(root, "for-each-ref"), git(root, "status", "--porcelain", "--untracked-files=all")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


# -- 6: symbolic links ---------------------------------------------------------------------------

def test_check_names_a_partner_file_linked_to_credentials_and_never_prints_them(repo, secret):
    (repo / "partners" / "x.yaml").symlink_to(secret)
    result = run("check", "--repo", str(repo))
    assert (result.code, result.out, result.err) == (1, f"partners/x.yaml: {LINK}\n", "1 problem in 1 file\n")
    assert "ghp_" not in result.out + result.err and "amira" not in result.out + result.err


def test_a_linked_partner_file_stops_every_other_command_in_one_line(repo, secret):
    (repo / "partners" / "x.yaml").symlink_to(secret)
    result = run("status", "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", f"Error: partners/x.yaml: {LINK}\n")


@pytest.mark.parametrize("command", [
    ["check", SID],
    ["review", "send", SID, "--partner", "unicef"],
    ["build", SID, "--format", "html"],
    ["endorse", SID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF"],
    ["verify", SID],
    ["status", SID],
    ["diff", SID],
])
def test_a_statement_folder_linked_outside_the_repository_is_refused_by_every_command(tmp_path, command):
    root = make_alliance(tmp_path / "alliance", templates="build" in command)
    outside = tmp_path / "elsewhere" / SID
    outside.parent.mkdir()
    os.rename(root / "statements" / SID, outside)
    (root / "statements" / SID).symlink_to(outside)
    commit_all(root, "The statement folder is now a link")
    before, outside_before = files_and_refs(root), sorted(p.name for p in outside.rglob("*"))
    result = run(*command, "--repo", str(root))
    expected = f"statements/{SID}: {LINK}"
    assert (result.code, result.out, result.err) == (2, "", f"Error: {expected}\n")
    assert files_and_refs(root) == before
    assert sorted(p.name for p in outside.rglob("*")) == outside_before  # no record written out there


def test_check_of_the_whole_repository_names_a_linked_statement_folder_once(tmp_path, secret):
    root = make_alliance(tmp_path / "alliance", templates=False)
    outside = tmp_path / "elsewhere"
    write(outside / "statement.md", SECRET)
    write(outside / "endorsements" / "unicef.yaml", SECRET)
    (root / "statements" / "stolen").symlink_to(outside)
    result = run("check", "--repo", str(root))
    assert (result.code, result.out, result.err) == (1, f"statements/stolen: {LINK}\n", "1 problem in 1 file\n")


@pytest.mark.parametrize("inside", ["endorsements", "reviews", "statement.md"])
def test_a_link_inside_a_statement_folder_is_refused_before_anything_is_written_through_it(repo, tmp_path, inside):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    path = repo / "statements" / SID / inside
    if inside == "statement.md":
        os.rename(path, outside / "statement.md")
        path.symlink_to(outside / "statement.md")
    else:
        path.symlink_to(outside)
    commit_all(repo, f"{inside} is a link")
    for command in (["endorse", SID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF"],
                    ["review", "send", SID, "--partner", "unicef", "-o", str(tmp_path / "packet.docx")]):
        result = run(*command, "--repo", str(repo))
        assert (result.code, result.out, result.err) == (2, "", f"Error: statements/{SID}/{inside}: {LINK}\n")
    assert sorted(p.name for p in outside.iterdir()) == (["statement.md"] if inside == "statement.md" else [])
    assert not (tmp_path / "packet.docx").exists()


def test_a_committed_link_for_one_statements_build_folder_does_not_redirect_it(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "build").mkdir()
    (repo / "build" / SID).symlink_to(elsewhere)
    result = run("build", SID, "--format", "html", "--repo", str(repo))
    assert (result.code, result.err) == (
        2, f"Error: build/{SID}: is a symbolic link; accord writes no output through a link\n")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("template", ["statement.typ", "reference.docx", "fonts/Extra.ttf"])
def test_a_template_linked_to_a_system_file_never_reaches_a_build(repo, template):
    target = repo / "templates" / template
    target.unlink(missing_ok=True)
    target.symlink_to("/etc/passwd")
    commit_all(repo, "A template is a link")
    result = run("build", SID, "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", f"Error: templates/{template}: {LINK}\n")
    assert not (repo / "build").exists()


def test_a_site_template_linked_to_the_environment_never_reaches_the_site(repo, tmp_path):
    (repo / "templates" / "site" / "environ.txt").symlink_to("/proc/self/environ")
    commit_all(repo, "A site asset is a link")
    result = run("site", "-o", str(tmp_path / "site"), "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", f"Error: templates/site/environ.txt: {LINK}\n")
    assert not (tmp_path / "site").exists()


def test_a_linked_endorsement_record_is_named_and_not_read(repo, secret):
    (repo / "statements" / SID / "endorsements").mkdir()
    (repo / "statements" / SID / "endorsements" / "unicef.yaml").symlink_to(secret)
    result = run("check", "--repo", str(repo))
    assert result.out.splitlines()[0] == f"statements/{SID}/endorsements/unicef.yaml: {LINK}"
    assert "ghp_" not in result.out + result.err
    result = run("verify", "--repo", str(repo))
    assert "ghp_" not in result.out + result.err and result.code != 0


@pytest.mark.parametrize("folder, command, shown", [
    ("build", ["build", SID, "--format", "html"], "build"),
    ("site", ["site"], "site"),
])
def test_a_committed_output_link_does_not_redirect_outputs(repo, tmp_path, folder, command, shown):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / folder).symlink_to(elsewhere)
    commit_all(repo, f"{folder} is a link")
    result = run(*command, "--repo", str(repo))
    assert (result.code, result.out, result.err) == (
        2, "", f"Error: {shown}: is a symbolic link; accord writes no output through a link\n")
    assert list(elsewhere.iterdir()) == []


def test_a_released_folder_linked_elsewhere_never_reaches_the_site(repo, tmp_path, secret):
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "manifest.json", '{"statement": "child-protection"}')
    (repo / "dist" / SID).mkdir(parents=True)
    (repo / "dist" / SID / "v1").symlink_to(elsewhere)
    result = run("site", "-o", str(tmp_path / "site"), "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", f"Error: dist/{SID}/v1: {LINK}\n")
    assert not (tmp_path / "site").exists()


def test_a_committed_dist_link_stops_a_release(tmp_path):
    from test_release import endorsed
    from test_release import make_alliance as final_alliance

    root = endorsed(final_alliance(tmp_path / "alliance"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "dist").symlink_to(elsewhere)
    commit_all(root, "dist is a link")
    result = run("release", SID, "--repo", str(root))
    assert result.code == 1
    assert f"  - dist/{SID}/v1: dist is a symbolic link; accord writes no output through a link\n" in result.out
    assert git(root, "tag", "--list") == "" and list(elsewhere.iterdir()) == []


# -- 7: --repo at a subfolder of another repository -----------------------------------------------

def test_repo_at_a_subfolder_of_another_git_repository_is_refused(tmp_path):
    outer = make_alliance(tmp_path / "outer", templates=False)
    inner = outer / "statements" / SID
    head = git(outer, "rev-parse", "HEAD")
    result = run("endorse", SID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF",
                 "--repo", str(inner))
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"Error: --repo {inner}: is a folder inside the git repository {outer}, not a repository "
                          "of its own; pass the top level of an accord repository\n")
    assert git(outer, "rev-parse", "HEAD") == head
    assert git(outer, "status", "--porcelain", "--untracked-files=all") == ""


def test_repo_at_a_repository_nested_in_another_uses_its_own(tmp_path):
    outer = make_alliance(tmp_path / "outer", templates=False)
    inner = make_alliance(outer / "vendor" / "alliance", templates=False)
    outer_head = git(outer, "rev-parse", "HEAD")
    result = run("endorse", SID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF",
                 "--repo", str(inner))
    assert result.code == 0, result.err
    assert git(outer, "rev-parse", "HEAD") == outer_head
    assert git(inner, "log", "-1", "--format=%s").startswith("Endorsement: UNICEF endorses")


# -- 11: outputs never over tracked files or into .git/ -------------------------------------------

@pytest.mark.parametrize("command, shown, message", [
    (["diff", SID, "--format", "md", "-o", S], f"-o {S}",
     "is a file tracked by git; accord never overwrites one (choose another file)"),
    (["diff", SID, "--format", "md", "-o", ".git/config"], "-o .git/config",
     "is inside .git/, git's own folder; accord never writes there"),
    (["review", "send", SID, "--partner", "unicef", "-o", ".git/config"], "-o .git/config",
     "is inside .git/, git's own folder; accord never writes there"),
    (["review", "send", SID, "--partner", "unicef", "-o", "partners/unicef.yaml"], "-o partners/unicef.yaml",
     "is a file tracked by git; accord never overwrites one (choose another file)"),
    (["build", SID, "--out", "statements"], "--out statements",
     f"holds files tracked by git ({S}); choose a folder for outputs only"),
    (["build", SID, "--out", ".git"], "--out .git", "is inside .git/, git's own folder; accord never writes there"),
    (["site", "-o", "partners"], "partners", "holds files tracked by git (partners/ecpat.yaml); "
                                            "choose a folder for outputs only"),
    (["site", "-o", ".git/hooks"], ".git/hooks", "is inside .git/, git's own folder; accord never writes there"),
])
def test_an_output_path_never_overwrites_a_tracked_file_or_writes_into_git(repo, monkeypatch, command, shown,
                                                                             message):
    monkeypatch.chdir(repo)
    config = (repo / ".git" / "config").read_bytes()
    hooks = sorted(os.listdir(repo / ".git" / "hooks"))
    before = files_and_refs(repo)
    result = run(*command, "--repo", str(repo))
    assert (result.code, result.out, result.err) == (2, "", f"Error: {shown}: {message}\n")
    assert files_and_refs(repo) == before
    assert (repo / ".git" / "config").read_bytes() == config
    assert sorted(os.listdir(repo / ".git" / "hooks")) == hooks


def test_the_library_names_its_own_inputs_and_only_the_cli_names_flags(repo):
    from accord.cli.options import error_message
    from accord.errors import UsageError
    from accord.render.pipeline import build_statements
    from accord.repo import Repo
    from accord.review.packet import send_packet

    library = Repo(repo)
    with pytest.raises(UsageError) as built:
        build_statements(library, [SID], ("html",), out_dir=repo / ".git")
    with pytest.raises(UsageError) as sent:
        send_packet(library, SID, "unicef", output=repo / "partners" / "unicef.yaml")
    assert str(built.value) == f"out_dir {repo / '.git'}: is inside .git/, git's own folder; accord never writes there"
    assert error_message(built.value).startswith(f"--out {repo / '.git'}: is inside .git/")
    assert str(sent.value).startswith(f"output {repo / 'partners' / 'unicef.yaml'}: is a file tracked by git")
    assert error_message(sent.value).startswith(f"-o {repo / 'partners' / 'unicef.yaml'}: is a file tracked by git")


def test_an_output_beside_the_text_that_git_does_not_track_is_written(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = run("diff", SID, "--format", "md", "--from", "HEAD", "-o", "changes.md", "--repo", str(repo))
    assert result.code == 0, result.err
    assert (repo / "changes.md").is_file()


# -- 5: the hash covers what is published -------------------------------------------------------

def endorse_unicef(root: Path) -> None:
    result = run("endorse", SID, "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF",
                 "--repo", str(root))
    assert result.code == 0, result.err


def matrix_row(root: Path) -> str:
    return run("status", "--repo", str(root)).out.splitlines()[1]


def set_front_matter(root: Path, before: str, after: str) -> None:
    text = (root / S).read_text()
    assert before in text
    write(root / S, text.replace(before, after, 1))
    commit_all(root, f"Front matter: {after.strip()}")


def test_allowing_raw_html_after_endorsement_makes_the_endorsement_stale(repo):
    endorse_unicef(repo)
    assert matrix_row(repo).split()[3] == "E"
    set_front_matter(repo, "language: en\n", "language: en\nallow-raw: [html]\n")
    assert matrix_row(repo).split()[3] == "E~"


@pytest.mark.parametrize("before, after", [
    ("language: en\n", "language: en\nshort-title: Children on the Move\n"),
    ("language: en\n", "language: en\nnumbered-paragraphs: true\n"),
    ("title: Joint Statement on the Protection of Children\n", "title: Joint Statement on the Protection of Minors\n"),
])
def test_changing_a_published_front_matter_field_after_endorsement_makes_it_stale(repo, before, after):
    endorse_unicef(repo)
    set_front_matter(repo, before, after)
    assert matrix_row(repo).split()[3] == "E~"


@pytest.mark.parametrize("before, after", [
    ("symbol: AECT/JS/2010/1\n", "symbol: AECT/JS/2010/2\n"),
    ("drafters: [Ana Pereira]\n", "drafters: [Ana Pereira, Ingrid Solberg]\n"),
    ("language: en\n", "language: en\nnumbered-paragraphs: false\n"),
    ("language: en\n", "language: en\nshort-title: Joint Statement on the Protection of Children\n"),
])
def test_front_matter_that_publishes_nothing_new_keeps_the_endorsement_current(repo, before, after):
    endorse_unicef(repo)
    set_front_matter(repo, before, after)
    assert matrix_row(repo).split()[3] == "E"


def test_a_statement_without_publishing_fields_keeps_the_hash_of_its_title_and_body(repo):
    import hashlib

    from accord.repo import Repo
    from accord.statement import canonical_text

    statement = Repo(repo).load_statement(SID)
    expected = hashlib.sha256(canonical_text(statement.title, statement.body).encode()).hexdigest()
    assert statement.text_sha256 == expected == "97826ad65cf3e47e34f7b871cdf3b95bb34fea7816dfeaf7c5ec60d1734bfc8a"


def legacy_record(root: Path, partner: str) -> None:
    """A record as accord wrote it before the publishing fields were hashed: the title-and-body hash, at HEAD."""
    import hashlib

    from accord.repo import Repo
    from accord.statement import canonical_text

    statement = Repo(root).load_statement(SID)
    old_hash = hashlib.sha256(canonical_text(statement.title, statement.body).encode()).hexdigest()
    assert old_hash != statement.text_sha256
    write(root / f"statements/{SID}/endorsements/{partner}.yaml",
          f"statement: {SID}\npartner: {partner}\nposition: endorse\ntext_sha256: {old_hash}\n"
          f"commit: {git(root, 'rev-parse', 'HEAD').strip()}\n"
          f"signatory: Signer of {partner.upper()}, Director\nrecorded_at: 2026-11-28\n")
    commit_all(root, "A record made before the publishing fields were hashed")


def test_a_record_on_the_title_and_body_hash_binds_while_the_fields_are_as_at_its_commit(repo):
    set_front_matter(repo, "language: en\n", "language: en\nshort-title: Children on the Move\n")
    legacy_record(repo, "unicef")
    assert matrix_row(repo).split()[3] == "E"
    set_front_matter(repo, "language: en\n", "language: en\nallow-raw: [html]\n")
    assert matrix_row(repo).split()[3] == "E~"


def test_a_record_on_the_title_and_body_hash_goes_stale_when_a_short_title_changes(repo):
    set_front_matter(repo, "language: en\n", "language: en\nshort-title: Children on the Move\n")
    legacy_record(repo, "unicef")
    set_front_matter(repo, "short-title: Children on the Move\n", "short-title: Children at Risk\n")
    assert matrix_row(repo).split()[3] == "E~"


def test_the_sample_endorsements_stay_current():
    result = subprocess.run([str(Path(sys.executable).with_name("accord")), "status"],
                            cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:4]}
    assert rows["2005-eu-plan-recommendations"][-2:] == ["published", "v1"]
    assert rows["2010-child-protection"][-1] == "open"
    for statement_id in ("2005-eu-plan-recommendations", "2010-child-protection"):
        assert not any(cell.endswith("~") for cell in rows[statement_id])


# -- 8: no script in dist HTML or DOCX hyperlinks -----------------------------------------------

SCRIPT_LINKS = [
    ("javascript", "[the annex](javascript:alert(document.cookie))", "javascript:alert(document.cookie)"),
    ("spaced and upper case", "[annex](<JAVA script:alert(1)>)", "JAVA script:alert(1)"),
    ("vbscript", "[annex](vbscript:msgbox)", "vbscript:msgbox"),
    ("data html", "[annex](data:text/html,hi)", "data:text/html,hi"),
    ("reference", "[annex][a]\n\n[a]: javascript:alert(1)", "javascript:alert(1)"),
    ("autolink", "<javascript:alert(1)>", "javascript:alert(1)"),
]
REFUSAL = ("is not allowed: javascript:, vbscript: and data: links run code or hide content where the text is read "
           "(browsers, Word)")


@pytest.mark.parametrize("markdown, target", [case[1:] for case in SCRIPT_LINKS], ids=[c[0] for c in SCRIPT_LINKS])
def test_a_link_that_runs_code_is_refused_by_check_with_its_line(repo, markdown, target):
    write(repo / S, (repo / S).read_text() + "\nSee " + markdown + "\n")
    line = (repo / S).read_text().split("\n").index("See " + markdown.split("\n")[0]) + 1
    if markdown.startswith("[annex][a]"):
        line += 2
    result = run("check", "--repo", str(repo))
    assert (result.code, result.out) == (1, f"{S}:{line}: link target '{target}' {REFUSAL}\n")


@pytest.mark.parametrize("markdown", [
    "[annex](javascript:alert(1))",
    "[annex](&#106;avascript:alert(1))",
    "[annex](JaVaScRiPt:alert(1))",
    "[annex][a]\n\n[a]: vbscript&#58;msgbox",
])
def test_a_link_that_runs_code_never_reaches_a_build(repo, markdown):
    write(repo / S, (repo / S).read_text() + "\nSee " + markdown + "\n")
    for fmt in ("html", "docx"):
        result = run("build", SID, "--format", fmt, "--repo", str(repo))
        assert result.code == 2
        assert result.err.startswith(f"Error: {S}: link target '") and result.err.endswith(f"' {REFUSAL}\n")
        assert not (repo / "build" / SID / f"{SID}.{fmt}").exists()


def test_dist_html_carries_a_policy_that_forbids_scripts(repo):
    write(repo / S, (repo / S).read_text().replace("language: en\n", "language: en\nallow-raw: [html]\n")
          + "\n<script>document.title='ran'</script>\n\n[fine](https://example.org)\n")
    assert run("build", SID, "--format", "html,docx", "--repo", str(repo)).code == 0
    page = (repo / "build" / SID / f"{SID}.html").read_text()
    head = page[:page.index("</head>")]
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            "img-src data:; font-src data:; base-uri 'none'; form-action 'none'\" />") in head
    assert head.index("Content-Security-Policy") < head.index("<style")
    with zipfile.ZipFile(repo / "build" / SID / f"{SID}.docx") as package:
        rels = package.read("word/_rels/document.xml.rels").decode()
    assert "https://example.org" in rels and "javascript" not in rels.lower()


RAW_ATTACKS = """
<div class="annex" onmouseover="document.title='ran'">Annex <svg><animate attributeName="href" values="javascript:alert(1)"/></svg>
<img srcset="javascript:alert(1) 1x" src="http://evil.example/pixel.png" alt="pixel">
<p style="background: url(javascript:alert(1))">styled</p>
<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data</a> <a href="java&#x09;script:alert(1)">tab</a>
<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe><!-- a comment -->x</div>
"""


def test_raw_html_reaches_the_official_html_only_as_far_as_the_allowlist_lets_it(repo):
    write(repo / S, (repo / S).read_text().replace("language: en\n", "language: en\nallow-raw: [html]\n")
          + "\n" + RAW_ATTACKS)
    assert run("build", SID, "--format", "html", "--repo", str(repo)).code == 0
    page = (repo / "build" / SID / f"{SID}.html").read_text()
    body = page[page.index('<main class="body">'):page.index("</main>")]
    annex = body[body.index('<div class="annex">'):]
    assert annex[:annex.index("</div>")] == ('<div class="annex">\nAnnex  <img alt="pixel" />\n<p>\nstyled\n</p>\n'
                                             "<a>data</a> <a>tab</a> x\n")


def test_the_policy_is_added_once_and_kept_on_a_page_that_has_it():
    from accord.render.html import with_content_security_policy

    page = b"<!DOCTYPE html>\n<html>\n<head>\n<title>x</title></head><body><header>h</header></body></html>"
    once = with_content_security_policy(page)
    assert once.count(b"Content-Security-Policy") == 1
    assert with_content_security_policy(once) == once
    assert once.index(b"Content-Security-Policy") < once.index(b"<title>")


def without_policy(page: bytes) -> bytes:
    return b"\n".join(line for line in page.split(b"\n") if b"Content-Security-Policy" not in line)


def test_released_html_carries_the_policy_in_dist_and_in_the_site_even_from_an_older_release(tmp_path):
    from test_release import endorsed
    from test_release import make_alliance as final_alliance

    root = endorsed(final_alliance(tmp_path / "alliance"))
    assert run("release", SID, "--repo", str(root)).code == 0
    released = root / f"dist/{SID}/v1/{SID}.html"
    policy = b'<meta http-equiv="Content-Security-Policy" content="default-src \'none\';'
    assert policy in released.read_bytes().split(b"</head>")[0]
    released.write_bytes(without_policy(released.read_bytes()))  # as a release made before the policy existed
    assert run("site", "-o", str(tmp_path / "site"), "--repo", str(root)).code == 0
    copy = (tmp_path / "site" / "dist" / SID / "v1" / f"{SID}.html").read_bytes()
    assert policy in copy.split(b"</head>")[0]
    assert without_policy(copy) == released.read_bytes()


def test_a_review_packet_sent_before_the_publishing_fields_were_hashed_is_still_imported(repo, tmp_path):
    from accord.repo import Repo
    from accord.review.packet import with_custom_properties

    set_front_matter(repo, "language: en\n", "language: en\nshort-title: Children on the Move\n")
    assert run("review", "send", SID, "--partner", "unicef", "-o", str(tmp_path / "packet.docx"),
               "--repo", str(repo)).code == 0
    statement = Repo(repo).load_statement(SID)
    old_packet = with_custom_properties((tmp_path / "packet.docx").read_bytes(),
                                        {"accord.text_sha256": statement.title_and_body_sha256})
    write(tmp_path / "returned.docx", old_packet)
    result = run("review", "import", SID, str(tmp_path / "returned.docx"), "--repo", str(repo))
    assert (result.code, result.err) == (0, ""), result.out


def test_new_and_init_ci_write_nothing_through_a_committed_link(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".github").symlink_to(elsewhere)
    result = run("init-ci", "github", "--repo", str(repo))
    assert (result.code, result.out, result.err) == (
        2, "", "Error: .github: is a symbolic link; accord writes nothing through a link\n")
    os.rename(repo / "statements", tmp_path / "statements")
    (repo / "statements").symlink_to(tmp_path / "statements")
    result = run("new", "trafficking-2027", "--kind", "joint-statement", "--title", "A Text", "--repo", str(repo))
    assert (result.code, result.out, result.err) == (
        2, "", "Error: statements: is a symbolic link; accord writes nothing through a link\n")
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in (tmp_path / "statements").iterdir()) == [SID]
