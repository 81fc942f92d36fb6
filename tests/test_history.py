"""accord.history, the one module that talks to git: its persistent reads stay true to the repository, and no
other module runs git."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from accord import history
from accord.errors import GitError
from accord.render.inputs import RepoInputs
from helpers.alliance import git, write

PACKAGE = Path(history.__file__).parent


@pytest.fixture
def small(tmp_path) -> Path:
    root = tmp_path / "small"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / "accord.yaml", "organization: Small\n")
    write(root / "notes.txt", "first\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


@pytest.fixture(params=["persistent", "one process each"])
def reads(request, monkeypatch):
    """Objects read through the persistent session, or each lookup by a plain `cat-file --batch` of its own
    (what a command asking only a few gets): both must give the same answers."""
    monkeypatch.setattr(history, "_FEW_LOOKUPS", 0 if request.param == "persistent" else 10_000)
    return request.param


def commit_text(root: Path, text: str) -> str:
    write(root / "notes.txt", text)
    git(root, "commit", "-q", "-am", text.strip())
    return git(root, "rev-parse", "HEAD").strip()


@pytest.mark.usefixtures("reads")
def test_reads_in_one_process_follow_commits_made_meanwhile(small):
    first = history.head_commit(small)
    assert history.file_at(small, "HEAD", "notes.txt") == b"first\n"
    second = commit_text(small, "second\n")
    git(small, "gc", "-q")  # the objects move into a pack the running cat-file has not seen
    assert history.head_commit(small) == second != first
    assert history.file_at(small, "HEAD", "notes.txt") == b"second\n"
    assert history.file_at(small, first, "notes.txt") == b"first\n"
    assert history.parents_of(small, second) == [first]
    assert history.commit_epoch(small, second) == int(git(small, "log", "-1", "--format=%ct").strip())


@pytest.mark.usefixtures("reads")
def test_a_repository_made_again_at_the_same_path_is_read_afresh(small, tmp_path):
    assert history.file_at(small, "HEAD", "notes.txt") == b"first\n"
    shutil.rmtree(small)
    small.mkdir()
    git(small, "init", "-q", "-b", "main")
    write(small / "notes.txt", "another repository\n")
    git(small, "add", ".")
    git(small, "commit", "-q", "-m", "other")
    assert history.file_at(small, "HEAD", "notes.txt") == b"another repository\n"


def test_a_command_that_reads_a_few_objects_starts_no_persistent_process(small):
    """`accord diff` reads five objects: five plain processes cost less than importing gitpython. The ninth
    lookup opens the persistent session, and the two ways answer alike, a missing name and a tree included."""
    history.close_sessions()
    history._lookups_without_session.clear()
    names = ["HEAD^{commit}", "HEAD:notes.txt", "HEAD:missing.txt", "HEAD^{tree}", "", "HEAD\nHEAD"]
    plain = history._lookup(small, names[:4]) + history._lookup(small, names[4:])
    for _ in range(6):
        history.head_commit(small)
    assert not history._SESSIONS
    assert history._lookup(small, names[:4]) + history._lookup(small, names[4:]) == plain
    assert history._SESSIONS
    assert [answer and answer[1] for answer in plain] == ["commit", "blob", None, "tree", None, None]
    assert plain[1][2] == b"first\n"
    assert history._lookup(small, names * 2) == plain * 2  # more than a few names: the session


def test_outside_git_there_is_no_head_and_no_file(tmp_path):
    assert history.head_commit(tmp_path) is None
    with pytest.raises(GitError, match="unknown revision 'HEAD'"):
        history.file_at(tmp_path, "HEAD", "notes.txt")


@pytest.mark.usefixtures("reads")
def test_a_name_with_a_newline_cannot_smuggle_a_second_request(small):
    """cat-file reads one name per line: 'x\\nHEAD:accord.yaml' must not be answered with accord.yaml."""
    with pytest.raises(GitError, match="does not exist at HEAD"):
        history.file_at(small, "HEAD", "missing\nHEAD:accord.yaml")
    with pytest.raises(GitError, match="unknown revision"):
        history.resolve_revision(small, "nothing\nHEAD")
    assert history.read_blobs(small, ["HEAD:notes.txt\nHEAD:accord.yaml", "HEAD:notes.txt"]) == {
        "HEAD:notes.txt": b"first\n"}
    assert history.file_at(small, "HEAD", "notes.txt") == b"first\n"  # and the process still answers in step


@pytest.mark.usefixtures("reads")
def test_a_folder_is_not_a_file(small):
    write(small / "sub" / "a.txt", "a\n")
    git(small, "add", ".")
    git(small, "commit", "-q", "-m", "sub")
    with pytest.raises(GitError, match="sub does not exist at HEAD"):
        history.file_at(small, "HEAD", "sub")


@pytest.mark.usefixtures("reads")
def test_a_forked_child_reads_with_its_own_process_and_leaves_the_parents_alone(small):
    head = history.head_commit(small)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code
        os._exit(0 if history.head_commit(small) == head and history.file_at(small, head, "notes.txt") == b"first\n"
                 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert history.file_at(small, head, "notes.txt") == b"first\n"


def test_a_staged_rename_names_both_of_its_paths(small):
    git(small, "mv", "notes.txt", "renamed.txt")
    write(small / "new file.txt", "untracked\n")
    entries = history.status(small)
    assert entries == [history.StatusEntry("R ", "renamed.txt", "notes.txt"),
                       history.StatusEntry("??", "new file.txt")]
    assert history.changed_paths(small) == ["renamed.txt", "notes.txt", "new file.txt"]
    assert RepoInputs(small).uncommitted == set()  # neither path is a build input
    assert history.status(small, "notes.txt") == [history.StatusEntry("D ", "notes.txt")]  # the left path alone


def test_without_commits_there_is_no_status_to_judge(tmp_path):
    git(tmp_path, "init", "-q")
    assert history.status(tmp_path) is None
    assert history.head_commit(tmp_path) is None


def test_the_release_tag_has_one_form():
    assert history.release_tag("child-protection", 3) == "child-protection/v3"


def test_no_module_but_history_runs_git():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "history.py" and path.parent == PACKAGE:
            continue
        source = path.read_text("utf-8")
        if re.search(r"""\[\s*["']git["']|history import[^\n]*\bgit\b(?!_)|history\.git\(|^\s*import git\b""",
                     source, re.M):
            offenders.append(path.relative_to(PACKAGE).as_posix())
    assert offenders == []


def test_a_remembered_walk_answers_as_a_full_walk_does(small, tmp_path):
    """full_paths_history with a cache: the same changes, in the same order, as a walk without one, when the
    history is unchanged, grows by ordinary commits, grows by a merge, or is rewritten."""
    cache = tmp_path / "walk"

    def both() -> list[history.PathChange]:
        full = history.full_paths_history(small, "notes.txt", "accord.yaml")
        assert history.full_paths_history(small, "notes.txt", "accord.yaml", cache=cache) == full
        return full

    git(small, "checkout", "-q", "-b", "side")
    commit_text(small, "side\n")
    git(small, "checkout", "-q", "main")
    write(small / "accord.yaml", "organization: Small and Co\n")
    git(small, "commit", "-q", "-am", "rename")
    git(small, "merge", "-q", "--no-edit", "side")
    first = both()
    assert cache.is_file() and both() == first
    commit_text(small, "third\n")
    commit_text(small, "fourth\n")
    grown = both()
    assert grown[:len(first)] == first and len(grown) == len(first) + 2
    git(small, "checkout", "-q", "-b", "other", "HEAD~1")
    commit_text(small, "other\n")
    git(small, "checkout", "-q", "main")
    git(small, "merge", "-q", "--no-edit", "-s", "ours", "other")
    both()
    git(small, "reset", "-q", "--hard", "HEAD~3")
    commit_text(small, "rewritten\n")
    assert [change.commit for change in both()][-1] == git(small, "rev-parse", "HEAD").strip()


def test_the_walk_keeps_what_gits_own_pathspecs_keep_whatever_the_environment_says(small, monkeypatch):
    """The walk matches its pathspecs itself (git compares every commit without one): it keeps exactly the
    paths git's own `git log -- PATHSPECS` keeps, a glob's `*` inside one folder, a literal path with all below
    it, and the GIT_*_PATHSPECS variables of the environment cannot widen or empty what verify sees."""
    paths = ["statements/a/endorsements/x.yaml", "statements/a/endorsements/x.yaml.sig",
             "statements/a/endorsements/sub/deeper.yaml", "statements/a/endorsements/.hidden",
             "statements/a/b/endorsements/too-deep.yaml", "statements/a/endorsementsX/near.yaml",
             "statements/a b/endorsements/with space.yaml", "statements/endorsements/too-shallow.yaml",
             "partners/p.yaml", "partners/deep/p.yaml", "partners.yaml", "Partners/upper.yaml",
             "accord.yamlx"]
    for path in paths:
        write(small / path, f"{path}\n")
    git(small, "add", ".")
    git(small, "commit", "-q", "-m", "many paths")
    specs = (":(glob)statements/*/endorsements/*", "partners", "accord.yaml")
    listed = git(small, "log", "--format=", "--name-only", "-z", "--", *specs).split("\0")
    by_git = sorted({path.strip("\n") for path in listed if path.strip("\n")})
    assert by_git == sorted(["accord.yaml", "statements/a/endorsements/x.yaml", "statements/a/endorsements/x.yaml.sig",
                             "statements/a/endorsements/.hidden", "statements/a b/endorsements/with space.yaml",
                             "partners/p.yaml", "partners/deep/p.yaml"])
    assert sorted({change.path for change in history.full_paths_history(small, *specs)}) == by_git
    one = sorted({change.path for change in history.full_paths_history(small, "statements/a/endorsements")})
    assert one == [path for path in sorted(paths) if path.startswith("statements/a/endorsements/")]
    for variable in ("GIT_ICASE_PATHSPECS", "GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS"):
        monkeypatch.setenv(variable, "1")
        assert sorted({change.path for change in history.full_paths_history(small, *specs)}) == by_git
        assert sorted({change.path for change in history.full_paths_history(small, "statements/a/endorsements")}) == one
        monkeypatch.delenv(variable)
    with pytest.raises(ValueError, match="not supported"):
        history.full_paths_history(small, ":(glob)statements/**")


def test_the_walk_sees_every_side_of_a_merge_whatever_the_log_settings(small):
    """A merge that keeps one side's file is compared with the other side too, and the first commit is
    walked, even where the user's git settings would make `git log -m` show first parents only
    (log.diffMerges) or skip the root commit (log.showRoot)."""
    root_commit = git(small, "rev-parse", "HEAD").strip()
    git(small, "checkout", "-q", "-b", "side")
    side = commit_text(small, "side\n")
    git(small, "checkout", "-q", "main")
    git(small, "merge", "-q", "--no-edit", "-s", "ours", "side")
    merge = git(small, "rev-parse", "HEAD").strip()
    git(small, "config", "log.diffMerges", "first-parent")
    git(small, "config", "log.showRoot", "false")
    changes = [(change.commit, change.path) for change in history.full_paths_history(small, "notes.txt")]
    assert changes == [(root_commit, "notes.txt"), (side, "notes.txt"), (merge, "notes.txt")]
    assert history.full_paths_history(small, "notes.txt")[-1].parents == 2
