"""Nothing is lost when accord is killed: `accord endorse`, `build`, `review import` and `release` are SIGKILLed
(with every process they started) at a random moment of their usual run time, and then

- every endorsement record parses, and every document is absent or whole (DOCX opens, PDF reads, HTML ends);
- every ref points at a complete commit whose statements parse: no partial tag or branch;
- the same command, run again, succeeds and leaves a repository that `accord check` and `accord verify` pass.

git's own index.lock can survive a SIGKILL of git itself. accord does not delete it (a `git commit` waiting in
an editor holds it for minutes, so a lock cannot be known to be stale): it waits, then names the file and says
what to do. The trials follow that advice, as a user would, and count how often it was needed.

The short trials run in `make test`; the 200 trials of `make test-slow` are marked slow.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import git, make_alliance, run, write
from helpers.alliance import copy_repository
from helpers.word import WordEdits

ACCORD = str(Path(sys.executable).with_name("accord"))
SID = "child-protection"
S = f"statements/{SID}/statement.md"
ENDORSEMENTS = f"statements/{SID}/endorsements"
COMMANDS = {
    "endorse": ["endorse", SID, "ecpat", "--position", "endorse", "--signatory", "Signer of ECPAT, Director"],
    "build": ["build", SID],
    "import": ["review", "import", SID, "{returned}"],
    "release": ["release", SID],
}


def accord(repo: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([ACCORD, *args, "--repo", str(repo)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict:
    """A final text endorsed by UNICEF and IOM (so it can be released), a review packet sent to UNICEF and
    returned with tracked changes, and each command's usual run time, measured on this machine."""
    base = tmp_path_factory.mktemp("faults")
    root = make_alliance(base / "alliance", status="final", gitignore="build/\ndist/\n", message="Final text")
    # The setup runs in-process (no kill lands here: a process of its own would only cost its start-up).
    for partner_id in ("unicef", "iom"):
        assert run("endorse", SID, partner_id, "--position", "endorse", "--signatory", f"Signer of {partner_id}",
                   "--repo", str(root)).code == 0
    packet = base / "packet.docx"
    assert run("review", "send", SID, "--partner", "unicef", "-o", str(packet), "--repo", str(root)).code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Review packet sent to UNICEF")
    returned = base / "returned.docx"
    returned.write_bytes(WordEdits(packet.read_bytes())
                         .replace("without delay", "within 24 hours")
                         .insert_paragraph_after("share a duty", "The partners act together.")
                         .comment("last resort", "Says who?")
                         .save())
    runtimes = {}
    for name in COMMANDS:
        trial = fresh_copy(root, base / f"timing-{name}")
        started = time.perf_counter()
        result = accord(trial, *command(name, returned))
        runtimes[name] = time.perf_counter() - started
        assert result.returncode == 0, (name, result.stderr)
        shutil.rmtree(trial.parent)
    return {"root": root, "returned": returned, "runtimes": runtimes}


def command(name: str, returned: Path) -> list[str]:
    return [arg.replace("{returned}", str(returned)) for arg in COMMANDS[name]]


def fresh_copy(root: Path, where: Path) -> Path:
    where.mkdir(parents=True)
    return copy_repository(root, where / "alliance")


# -- the invariants --------------------------------------------------------------------------

def assert_documents_whole(folder: Path) -> None:
    """Every document under folder (build/, dist/) opens; a hidden temp file is all a kill may leave."""
    import docx
    import pypdf

    for path in sorted(folder.rglob("*")) if folder.exists() else ():
        if path.is_dir() or path.name.startswith(".") or any(p.startswith(".") for p in path.parent.parts[-2:]):
            continue  # a temp file, or a release's .vN.*.partial staging folder: never under a document's name
        data = path.read_bytes()
        if path.suffix == ".docx":
            docx.Document(io.BytesIO(data))
        elif path.suffix == ".pdf":
            reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
            assert len(reader.pages) >= 1
            "".join(page.extract_text() for page in reader.pages)
        elif path.suffix == ".html":
            assert data.rstrip().endswith(b"</html>"), path
        elif path.name == "SHA256SUMS":
            for line in data.decode().splitlines():
                digest, name = line.split("  ")
                assert hashlib.sha256((path.parent / name).read_bytes()).hexdigest() == digest, path


def assert_records_parse(repo: Path) -> None:
    from accord.ledger import read_record

    for path in sorted((repo / ENDORSEMENTS).glob("*.yaml")):
        record, problems = read_record(path, path.name)
        assert problems == [] and record is not None, (path.name, problems, path.read_bytes())


def assert_refs_whole(repo: Path) -> None:
    """Every ref names a commit git can read in full, and the statements in its tree parse."""
    from accord.statement import statement_from_bytes

    for line in git(repo, "for-each-ref", "--format=%(refname)").split():
        tree = git(repo, "ls-tree", "-r", f"{line}^{{commit}}")
        for entry in tree.splitlines():
            _, kind, blob, path = entry.split(None, 3)
            if path.endswith("/statement.md"):
                statement_from_bytes(git_bytes(repo, "cat-file", "blob", blob), path)
    subprocess.run(["git", "-C", str(repo), "fsck", "--no-progress", "--no-dangling", "--connectivity-only"],
                   check=True, capture_output=True)


def git_bytes(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def assert_whole(repo: Path) -> None:
    assert_records_parse(repo)
    assert_documents_whole(repo / "build")
    assert_documents_whole(repo / "dist")
    assert_refs_whole(repo)


# -- one trial -------------------------------------------------------------------------------

@dataclass
class Tally:
    """What the trials ran into, for the assertion messages and the slow run's summary."""

    trials: int = 0
    finished_before_the_kill: int = 0
    locks_left: int = 0
    staging_left: int = 0  # releases whose kill left a .vN.*.partial folder (the rerun must sweep it)
    outcomes: Counter = field(default_factory=Counter)


def kill_at(repo: Path, args: list[str], delay: float) -> bool:
    """Run accord in a session of its own and SIGKILL the whole session after delay; True if it had finished."""
    process = subprocess.Popen([ACCORD, *args, "--repo", str(repo)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its git, pandoc and worker processes die with it
    except ProcessLookupError:
        pass
    process.wait()
    return finished


def trial(name: str, pristine: dict, where: Path, rng: random.Random, tally: Tally) -> None:
    repo = fresh_copy(pristine["root"], where)
    args = command(name, pristine["returned"])
    head_before = git(repo, "rev-parse", "HEAD").strip()
    delay = rng.uniform(0, pristine["runtimes"][name])
    tally.trials += 1
    tally.finished_before_the_kill += kill_at(repo, args, delay)
    if name == "release" and (repo / "dist").exists():
        tally.staging_left += any((repo / "dist").rglob("*.partial"))

    assert_whole(repo)
    lock = repo / ".git" / "index.lock"
    if lock.exists():
        tally.locks_left += 1
        lock.unlink()  # what the rerun's message tells a user to do (see the lock test below)

    if name == "release" and git(repo, "tag", "--list").strip():
        outcome = release_after_its_refs_moved(repo, head_before)
    else:
        again = run(*args, "--repo", str(repo))
        if name == "import" and again.code == 1 and "this DOCX was imported before" in again.err:
            # The kill came after the import's branch was made: the rerun names that branch, which must
            # hold the imported text (assert_after checks it), instead of making a second one.
            assert "on branch review/" in again.err, (delay, again.err)
            outcome = "already on its branch"
        else:
            assert (again.code, again.err) == (0, ""), (name, delay, again.out, again.err)
            outcome = "completed on rerun"
    tally.outcomes[f"{name}: {outcome}"] += 1

    assert_whole(repo)
    assert run("check", "--repo", str(repo)).code == 0
    assert run("verify", "--repo", str(repo)).code == 0
    assert_after(name, repo, head_before)
    shutil.rmtree(where)


def release_after_its_refs_moved(repo: Path, head_before: str) -> str:
    """The kill came after the release commit and tag were made (one ref transaction, so both or neither).
    Running `accord release` again finishes the release: the statement file is brought to the release commit
    (a kill inside `git read-tree -m -u` leaves it behind) and dist/ID/vN/ is built from the tag."""
    tagged = git(repo, "rev-parse", f"{SID}/v1^{{commit}}").strip()
    assert git(repo, "rev-parse", "HEAD").strip() == tagged
    assert git(repo, "rev-parse", f"{tagged}^").strip() == head_before
    lagging = bool(git(repo, "status", "--porcelain"))
    if (repo / f"dist/{SID}/v1").exists() and not lagging:
        return "tag and dist made before the kill landed"
    again = run("release", SID, "--repo", str(repo))
    assert (again.code, again.err) == (0, ""), again.out
    assert again.out.startswith(f"Finished the interrupted release of {SID} v1: tag {SID}/v1")
    return "tag made, work tree lagged, finished on rerun" if lagging else "tag made, finished on rerun"


def assert_after(name: str, repo: Path, head_before: str) -> None:
    """What the command (finished in one run or two) must have left."""
    if name == "endorse":
        assert "position: endorse\n" in (repo / ENDORSEMENTS / "ecpat.yaml").read_text()
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
        subjects = git(repo, "log", "--format=%s", f"{head_before}..HEAD").splitlines()
        assert 1 <= len(subjects) <= 2 and all(s.startswith("Endorsement: ECPAT endorses") for s in subjects)
    elif name == "build":
        assert run("build", SID, "--repo", str(repo)).out == f"unchanged {SID}\n"
        assert git(repo, "rev-parse", "HEAD").strip() == head_before
    elif name == "import":
        branches = git(repo, "branch", "--list", "review/*", "--format=%(refname:short)").split()
        assert branches[0] == f"review/unicef/{SID}" and len(branches) <= 2, branches
        assert "within 24 hours" in git(repo, "show", f"{branches[0]}:{S}")
        assert git(repo, "rev-parse", "HEAD").strip() == head_before
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    elif name == "release":
        assert (repo / f"dist/{SID}/v1/SHA256SUMS").is_file()
        assert git(repo, "tag", "--list").split() == [f"{SID}/v1"]
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
        assert_no_staging_left(repo)


def assert_no_staging_left(repo: Path) -> None:
    """No .vN.*.partial folder of a killed release survives a run that finished."""
    leftovers = sorted(p.name for p in (repo / "dist").rglob("*.partial")) if (repo / "dist").exists() else []
    assert leftovers == []


def run_trials(pristine: dict, tmp_path: Path, count: int, seed: int) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    names = list(COMMANDS)
    for number in range(count):
        trial(names[number % len(names)], pristine, tmp_path / f"trial-{number}", rng, tally)
    return tally


def test_killed_commands_lose_nothing_and_succeed_when_run_again(pristine, tmp_path):
    tally = run_trials(pristine, tmp_path, 10, seed=10)
    assert tally.trials == 10


@pytest.mark.slow
def test_two_hundred_killed_commands_lose_nothing_and_succeed_when_run_again(pristine, tmp_path):
    tally = run_trials(pristine, tmp_path, 200, seed=int(os.environ.get("ACCORD_FAULT_SEED", "200")))
    print(f"\n{tally.trials} trials, {tally.finished_before_the_kill} finished before the kill, "
          f"{tally.locks_left} left git's index.lock, {tally.staging_left} releases left a staging folder (swept "
          f"by the rerun); runtimes {pristine['runtimes']}")
    for outcome, count in sorted(tally.outcomes.items()):
        print(f"  {count:4d}  {outcome}")
    assert tally.trials == 200


# -- the two rules that make a rerun work ----------------------------------------------------

def test_a_rerun_after_a_kill_between_writing_and_committing_the_record_commits_it(pristine, tmp_path):
    repo = fresh_copy(pristine["root"], tmp_path / "t")
    args = COMMANDS["endorse"]
    write(repo / ENDORSEMENTS / ".ecpat.yaml.k1ll3d.tmp", b"statement: child-prot")  # a torn temp file
    assert run(*args, "--no-commit", "--repo", str(repo)).code == 0  # the record, written but not committed
    git(repo, "add", f"{ENDORSEMENTS}/ecpat.yaml")  # and even staged
    written = (repo / ENDORSEMENTS / "ecpat.yaml").read_bytes()
    again = run(*args, "--repo", str(repo))
    assert (again.code, again.err) == (0, "")
    assert git_bytes(repo, "show", f"HEAD:{ENDORSEMENTS}/ecpat.yaml") == written
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert run("check", "--repo", str(repo)).code == 0


def test_a_lock_left_by_a_killed_git_is_waited_for_then_named_with_what_to_do(pristine, tmp_path, monkeypatch):
    import accord.history

    repo = fresh_copy(pristine["root"], tmp_path / "t")
    lock = repo / ".git" / "index.lock"
    lock.touch()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the ~13 s of retries, without the wait
    waits = []
    real_git = accord.history.git
    monkeypatch.setattr(accord.history, "git", lambda *a, **k: (waits.append(a[1]), real_git(*a, **k))[1])
    result = run(*COMMANDS["endorse"], "--repo", str(repo))
    assert waits.count("update-index") == 60
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"Error: {ENDORSEMENTS}/ecpat.yaml is written but not committed: git is locked: {lock} "
                          "exists; another git command is running in this repository, or one was killed and left "
                          "the file behind: if no git command is running, delete the file and run the command "
                          "again\n")
    lock.unlink()
    again = run(*COMMANDS["endorse"], "--repo", str(repo))
    assert (again.code, again.err) == (0, "")
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""



# -- a release killed inside `git read-tree -m -u`, on purpose ---------------------------------------

KILLING_GIT = """#!/bin/sh
# git, except that `read-tree -m -u` (the release bringing the work tree to its commit) kills the whole
# accord session: before git starts, or after it has written the work tree but before the index.
case "$*" in
  *"read-tree -m -u"*)
    group=$(cut -d ' ' -f 5 /proc/$$/stat)  # the accord session's process group
    if [ "$ACCORD_KILL_AT" = before ]; then /bin/kill -KILL -- "-$group"; fi
    if [ "$ACCORD_KILL_AT" = worktree ]; then  # the work tree gets the new file, the index keeps the old one
      cp "$GIT_DIR_FOR_TEST/index" "$GIT_DIR_FOR_TEST/index.scratch"
      GIT_INDEX_FILE="$GIT_DIR_FOR_TEST/index.scratch" "$REAL_GIT" "$@" && /bin/kill -KILL -- "-$group"
    fi
    ;;
esac
exec "$REAL_GIT" "$@"
"""


@pytest.mark.parametrize("moment", ["before", "worktree"])
def test_a_release_killed_inside_read_tree_is_finished_by_running_it_again(pristine, tmp_path, moment,
                                                                          uninterrupted_release_sums):
    repo = fresh_copy(pristine["root"], tmp_path / "t")
    head_before = git(repo, "rev-parse", "HEAD").strip()
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(KILLING_GIT)
    wrapper.chmod(0o755)
    env = {**os.environ, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}",
           "REAL_GIT": shutil.which("git"), "ACCORD_KILL_AT": moment, "GIT_DIR_FOR_TEST": str(repo / ".git")}
    process = subprocess.run([ACCORD, "release", SID, "--repo", str(repo)], env=env, capture_output=True,
                             start_new_session=True, timeout=300)
    assert process.returncode == -signal.SIGKILL
    # What the kill left: tag and commit made, dist/ missing, the staging folder behind, the index off HEAD.
    assert git(repo, "rev-parse", f"{SID}/v1^{{commit}}").strip() == git(repo, "rev-parse", "HEAD").strip()
    assert not (repo / f"dist/{SID}/v1").exists()
    assert [p.name.endswith(".partial") for p in (repo / f"dist/{SID}").iterdir()] == [True]
    assert f" {S}" in git(repo, "status", "--porcelain")
    (repo / ".git" / "index.scratch").unlink(missing_ok=True)

    again = run("release", SID, "--repo", str(repo))
    assert (again.code, again.err) == (0, ""), again.out
    assert again.out.splitlines()[0].startswith(f"Finished the interrupted release of {SID} v1: tag {SID}/v1, commit ")
    assert_whole(repo)
    assert_after("release", repo, head_before)
    assert git(repo, "diff", "--cached", "--name-only", "HEAD") == ""
    sums = (repo / f"dist/{SID}/v1/SHA256SUMS").read_text()
    assert sums.splitlines()[-1].split()[1] == "manifest.json"
    assert [line.split()[1] for line in sums.splitlines()] == [
        line.split()[1] for line in uninterrupted_release_sums.splitlines()]


@pytest.fixture(scope="module")
def uninterrupted_release_sums(pristine, tmp_path_factory) -> str:
    """SHA256SUMS of the release as a run that nobody killed makes it (the same for every kill above)."""
    clean = fresh_copy(pristine["root"], tmp_path_factory.mktemp("clean") / "t")
    assert run("release", SID, "--repo", str(clean)).code == 0
    return (clean / f"dist/{SID}/v1/SHA256SUMS").read_text()


def test_a_release_after_a_kill_during_its_build_sweeps_the_staging_folder(pristine, tmp_path):
    repo = fresh_copy(pristine["root"], tmp_path / "t")
    leftover = repo / f"dist/{SID}/.v1.k1ll3d.partial"
    write(leftover / f"{SID}.pdf", b"%PDF-1.7 torn")
    result = run("release", SID, "--repo", str(repo))
    assert (result.code, result.err) == (0, ""), result.out
    assert sorted(p.name for p in (repo / f"dist/{SID}").iterdir()) == ["v1"]


def test_changes_of_ones_own_to_an_interrupted_release_are_named_not_overwritten(pristine, tmp_path):
    repo = fresh_copy(pristine["root"], tmp_path / "t")
    assert run("release", SID, "--repo", str(repo)).code == 0
    shutil.rmtree(repo / f"dist/{SID}/v1")
    git(repo, "checkout", "HEAD^", "--", S)  # as a kill before read-tree leaves it
    text = (repo / S).read_text()
    write(repo / S, text.replace("without delay", "at once"))
    result = run("release", SID, "--repo", str(repo))
    assert (result.code, result.out) == (2, "")
    assert result.err == (f"Error: {S} has changes of its own since the release of {SID} v1 was interrupted; "
                          "commit or discard them, then run `accord release` again\n")
    assert "at once" in (repo / S).read_text()
