"""history.commit_files: the commit git's own plumbing makes (tree, message, author), in five git processes
whatever the number of files, the file modes kept, the bytes stored as given, and a folder where a file is
refused as git refuses it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accord import history
from accord.errors import GitError
from helpers.alliance import git, write

MESSAGE = "Three files at once\n\nA body line.\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository whose files differ in mode and folder, and which converts line ends on checkin."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "core.autocrlf", "true")
    write(root / ".gitattributes", "* text=auto\n")
    write(root / "run.sh", "#!/bin/sh\necho old\n")
    (root / "run.sh").chmod(0o755)
    write(root / "a" / "b" / "deep.txt", "deep\n")
    write(root / "a" / "gone.txt", "to be removed\n")
    write(root / "top.txt", "top\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def plumbing_commit(root: Path, parent: str, files: dict[str, bytes | None], message: str, scratch: Path) -> str:
    """The same commit made one file at a time, as git's documentation shows it: the reference."""
    env = {**os.environ, "GIT_INDEX_FILE": str(scratch / "index")}

    def run(*args: str, data: bytes | None = None) -> str:
        import subprocess
        return subprocess.run(["git", "-C", str(root), *args], input=data, env=env, check=True,
                              capture_output=True).stdout.decode().strip()

    run("read-tree", parent)
    for relpath, data in files.items():
        if data is None:
            run("update-index", "--force-remove", "--", relpath)
            continue
        listing = run("ls-tree", parent, "--", relpath).split()
        mode = listing[0] if listing and listing[0] in ("100644", "100755") else "100644"
        blob = run("hash-object", "-w", "--stdin", data=data)
        run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{relpath}")
    tree = run("write-tree")
    return run("commit-tree", tree, "-p", parent, "-F", "-", data=message.encode())


def test_the_commit_is_the_one_plumbing_makes_in_five_git_processes(repo, tmp_path, monkeypatch):
    files = {"run.sh": b"#!/bin/sh\r\necho new\r\n", "a/b/deep.txt": b"deeper\r\n", "a/gone.txt": None,
             "a/b/new.txt": b"new\n", "fresh/folder/file.txt": b"\x00binary\xff"}
    parent = git(repo, "rev-parse", "HEAD").strip()
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-28T10:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-28T10:00:00Z")
    expected = plumbing_commit(repo, parent, files, MESSAGE, tmp_path)
    calls = []
    real_git = history.git
    monkeypatch.setattr(history, "git", lambda *args, **kwargs: calls.append(args[1]) or real_git(*args, **kwargs))

    commit = history.commit_files(repo, parent, files, MESSAGE)

    assert commit == expected
    assert [call for call in calls if call != "cat-file"] == [
        "read-tree", "hash-object", "update-index", "write-tree", "commit-tree"]
    assert calls.count("cat-file") <= 1  # the modes in the files' folders, read in one go (or by the session)
    listing = git(repo, "ls-tree", "-r", commit).splitlines()
    assert [line.split()[0] + " " + line.split("\t")[1] for line in listing] == [
        "100644 .gitattributes", "100644 a/b/deep.txt", "100644 a/b/new.txt", "100644 fresh/folder/file.txt",
        "100755 run.sh", "100644 top.txt"]
    assert history.file_at(repo, commit, "run.sh") == b"#!/bin/sh\r\necho new\r\n"  # stored as given
    assert git(repo, "status", "--porcelain") == ""  # the repository's own index is untouched


def test_an_author_is_the_commits_author_and_git_the_committer(repo):
    parent = git(repo, "rev-parse", "HEAD").strip()
    commit = history.commit_files(repo, parent, {"top.txt": b"changed\n"}, "Changed\n",
                                  author_name="Amira Haddad", author_email="amira@unicef.example")
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s|%P", commit).strip() == \
        "Amira Haddad <amira@unicef.example>|Test Drafter <drafter@aect.example>|Changed|" + parent


def test_a_first_commit_has_no_parent_and_only_the_files_given(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit = history.commit_files(root, None, {"one/file.txt": b"one\n"}, "First\n")
    assert git(root, "log", "-1", "--format=%P|%s", commit).strip() == "|First"
    assert git(root, "ls-tree", "-r", "--name-only", commit).split() == ["one/file.txt"]


def test_a_file_under_a_path_that_is_a_file_is_refused_as_git_refuses_it(repo):
    parent = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(GitError) as refused:
        history.commit_files(repo, parent, {"top.txt/inner.txt": b"x\n"}, "Bad\n")
    assert refused.value.message == "error: 'top.txt/inner.txt' appears as both a file and as a directory"
    assert git(repo, "rev-parse", "HEAD").strip() == parent
