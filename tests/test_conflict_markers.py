"""Conflict markers never reach an official output: `check` finds them with their line, and build,
endorse, review send and release refuse a text that holds one."""

from __future__ import annotations

import pytest

from accord.criticmarkup import conflict_markers

from conftest import git, make_alliance, run, write

S = "statements/child-protection/statement.md"

CRITIC = "Children on the move face risks of {~~two~>twelve~~} trafficking at every stage of their"
GIT_MERGE = ("<<<<<<< HEAD\n"
             "Children on the move face risks of trafficking at every stage.\n"
             "=======\n"
             "Children on the move face grave risks of trafficking at every stage.\n"
             ">>>>>>> review/unicef/child-protection\n")


def marked(root, kind: str):
    """The statement with a CriticMarkup conflict (line 18) or a git merge in progress (lines 18-22)."""
    path = root / S
    text = path.read_text()
    old = ("Children on the move face risks of trafficking at every stage of their\n"
           "journey, and the partners of the alliance share a duty to protect them.\n")
    assert old in text
    new = CRITIC + "\njourney, and the partners of the alliance share a duty to protect them.\n" \
        if kind == "critic" else GIT_MERGE
    write(path, text.replace(old, new))
    git(root, "commit", "-qam", f"A text with {kind} markers")
    return root


CRITIC_ERROR = (f"{S}:18: CriticMarkup '{{~~' (an unresolved change or review conflict); "
                "accept or reject it in the text")
GIT_ERROR = (f"{S}:18: git conflict marker '<<<<<<<' (the file is in the middle of a merge); "
             "resolve the conflict and remove the markers")


@pytest.fixture(params=["critic", "git"])
def kind(request):
    return request.param


@pytest.fixture
def marked_repo(tmp_path, kind):
    return marked(make_alliance(tmp_path / "alliance", gitignore="/build/\n/dist/\n"), kind)


def test_check_reports_every_conflict_marker_with_its_line(marked_repo, kind):
    result = run("check", "--repo", str(marked_repo))
    assert result.code == 1
    if kind == "critic":
        assert result.out.splitlines()[0] == CRITIC_ERROR
    else:
        lines = [line for line in result.out.splitlines() if "conflict marker" in line]
        assert [line.split(":")[1] for line in lines] == ["18", "20", "22"]
        assert lines[0] == GIT_ERROR
        assert lines[1].startswith(f"{S}:20: git conflict marker '=======' ")
        assert lines[2].startswith(f"{S}:22: git conflict marker '>>>>>>>' ")


def test_build_refuses_a_text_with_conflict_markers_and_writes_nothing(marked_repo, kind):
    result = run("build", "child-protection", "--format", "docx", "--repo", str(marked_repo))
    assert result.code == 2
    first = CRITIC_ERROR if kind == "critic" else GIT_ERROR + " (and 2 more)"
    assert f"Error: {first}\n" in result.err
    assert not list(marked_repo.glob("build/**/*.docx"))


def test_endorse_refuses_a_text_with_conflict_markers(marked_repo, kind):
    before = git(marked_repo, "rev-parse", "HEAD")
    result = run("endorse", "child-protection", "unicef", "--position", "endorse",
                 "--signatory", "Jane Doe, Chief", "--repo", str(marked_repo))
    first = CRITIC_ERROR if kind == "critic" else GIT_ERROR + " (and 2 more)"
    assert (result.code, result.err) == (2, f"Error: {first}\n")
    assert git(marked_repo, "rev-parse", "HEAD") == before
    assert not (marked_repo / "statements/child-protection/endorsements/unicef.yaml").exists()


def test_review_send_refuses_a_text_with_conflict_markers(marked_repo, kind):
    result = run("review", "send", "child-protection", "--partner", "unicef", "--repo", str(marked_repo))
    first = CRITIC_ERROR if kind == "critic" else GIT_ERROR + " (and 2 more)"
    assert (result.code, result.err) == (2, f"Error: {first}\n")
    assert not (marked_repo / "statements/child-protection/reviews/sent.yaml").exists()


def test_release_refuses_a_text_with_conflict_markers(tmp_path, kind):
    root = marked(make_alliance(tmp_path / "alliance", status="final", gitignore="/build/\n/dist/\n"), kind)
    result = run("release", "child-protection", "--repo", str(root))
    assert result.code == 1
    first = CRITIC_ERROR if kind == "critic" else GIT_ERROR
    assert f"  - accord check: {first}\n" in result.out
    assert not (root / "dist").exists()


@pytest.mark.parametrize("text, expected", [
    ("Plain text with a {++new++} word.", [(1, "{++")]),
    ("Deleted {--words--} here.", [(1, "{--")]),
    ("A {>>comment<<} here.", [(1, "{>>")]),
    ("Highlight {==this==}.", [(1, "{==")]),
    ("A dangling close ~~} here.", [(1, "~~}")]),
    ("Code `{++not a mark++}` stays.", []),
    ("```\n{++in a fence++}\n```", []),
    ("A heading\n=======\n\nText.", []),
    ("Text.\n\n=======\n", [(3, "=======")]),
    ("a -> b and x --> y are arrows", []),
])
def test_what_counts_as_a_conflict_marker(text, expected):
    assert [(line, what.split("'")[1]) for line, what in conflict_markers(text)] == expected
