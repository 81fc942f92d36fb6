"""The command line as a whole: light start-up, one-line errors, exit codes, `accord new`."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, run


def test_help_does_not_import_heavy_libraries():
    probe = ("import sys\nfrom accord.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('lxml', 'git', 'pypandoc', 'typst', 'docx', 'diff_match_patch', 'yaml') "
             "if m in sys.modules]\nprint('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stdout


def test_every_command_has_help_and_a_readme_entry():
    from accord.cli import cli

    readme = (ROOT / "README.md").read_text("utf-8")
    ctx = cli.make_context("accord", ["--help"], resilient_parsing=True)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command.help and command.help.strip(), f"{name} has no help"
        assert f"accord {name}" in readme, f"README does not mention `accord {name}`"


def test_an_unknown_command_is_one_line_and_exit_2(repo):
    result = run("frobnicate")
    assert (result.code, result.out, result.err) == (2, "", "Error: No such command 'frobnicate'.\n")


def test_a_missing_argument_is_one_line_and_exit_2():
    result = run("new")
    assert (result.code, result.err) == (2, "Error: Missing argument 'ID'.\n")


def test_outside_a_git_repository_the_error_says_how_to_pass_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check")
    assert result.code == 2
    assert result.err == (f"Error: not inside a git repository ({tmp_path.resolve()}); "
                          "run accord in an accord repository or pass --repo DIR\n")


def test_repo_pointing_nowhere_is_a_usage_error(tmp_path):
    result = run("check", "--repo", str(tmp_path / "nowhere"))
    assert (result.code, result.err) == (2, f"Error: --repo {tmp_path / 'nowhere'}: no such directory\n")


def test_the_git_top_level_is_found_from_a_subfolder(repo, monkeypatch):
    monkeypatch.chdir(repo / "statements" / "child-protection")
    assert run("check").out == "OK: 1 statement checked\n"


def test_new_creates_a_statement_that_passes_check(repo):
    result = run("new", "forced-labour", "--kind", "recommendations", "--title", "Recommendations: on forced labour",
                 "--repo", str(repo))
    assert (result.code, result.out) == (0, "Created statements/forced-labour/statement.md\n")
    text = (repo / "statements/forced-labour/statement.md").read_text()
    assert 'title: "Recommendations: on forced labour"' in text
    assert "kind: recommendations" in text
    assert run("check", "--repo", str(repo)).code == 0


def test_new_refuses_an_existing_id_and_writes_nothing(repo):
    before = (repo / "statements/child-protection/statement.md").read_bytes()
    result = run("new", "child-protection", "--kind", "joint-statement", "--title", "Again", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: statement 'child-protection' already exists "
                                            "(statements/child-protection)\n")
    assert (repo / "statements/child-protection/statement.md").read_bytes() == before


def test_new_refuses_an_unsafe_id(repo):
    result = run("new", "../escape", "--kind", "joint-statement", "--title", "X", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: '../escape' is not a valid statement id "
                                            "(use a-z, 0-9 and '-', 2 to 63 characters)\n")
    assert not (repo.parent / "escape").exists()


def test_new_refuses_an_unknown_kind(repo):
    result = run("new", "x-text", "--kind", "manifesto", "--title", "X", "--repo", str(repo))
    assert result.code == 2
    assert result.err == ("Error: Invalid value for '--kind': 'manifesto' is not one of "
                          "'joint-statement', 'recommendations'.\n")


def test_an_internal_error_is_one_line_without_debug(repo, monkeypatch):
    import accord.check

    def boom(*args, **kwargs):
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(accord.check, "check_repo", boom)
    result = run("check", "--repo", str(repo))
    assert result.code == 70
    assert result.err == ("Error: internal error: RuntimeError: something broke second line "
                          "(run with --debug for the traceback)\n")


def test_init_ci_copies_the_github_workflow_and_refuses_to_overwrite(repo):
    result = run("init-ci", "github", "--repo", str(repo))
    assert (result.code, result.out) == (0, "Created .github/workflows/accord.yml\n")
    workflow = (repo / ".github/workflows/accord.yml").read_text()
    assert "accord check" in workflow and "accord verify" in workflow and "--shard" in workflow
    again = run("init-ci", "github", "--repo", str(repo))
    assert (again.code, again.err) == (2, "Error: .github/workflows/accord.yml already exists "
                                          "(pass --force to replace it)\n")


def test_init_ci_copies_the_gitlab_file(repo):
    result = run("init-ci", "gitlab", "--repo", str(repo))
    assert (result.code, result.out) == (0, "Created .gitlab-ci.yml\n")
    import yaml

    config = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    assert config["build"]["parallel"] == 4
