"""Benchmark: `accord round compile` of a 60-page text with 12 partners' returns, against that text's DOCX build.

The repository holds the 60-page statement of bench_build.py, twelve invited
partners and round 1 opened on it (`accord round open`). Each partner's return
is what `accord round import` leaves: a branch whose text changes words in 15
paragraphs (some of them the same paragraphs as other partners), and three
comments recorded in rounds.yaml. Compared, taking turns, medians:
  - `accord build ID --format docx --force` (the text's own official DOCX), and
  - `accord round compile ID` (the compilation as DOCX and HTML).
Target: compile < 2x the DOCX build, in CPU time (benchmarks/_measure.py: the same verdict on a
quiet machine and a loaded one; wall time is printed beside it). Exit 1 if missed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import medians  # noqa: E402
from bench_build import accord_command, make_repo, sixty_page_body, statement_text  # noqa: E402

RUNS = 5
LIMIT = 2.0
PARTNERS = [f"partner{n:02d}" for n in range(1, 13)]
STATEMENT_ID = "sixty-pages"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@bench.example",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@bench.example"}


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, input=data,
                          env=ENV).stdout.decode().strip()


def partner_edit(text: str, number: int) -> str:
    """Word changes in 15 paragraphs, spread over the text; neighbouring partners share some paragraphs."""
    lines = text.split("\n")
    paragraphs = [index for index, line in enumerate(lines) if line.startswith("States should appoint")]
    chosen = paragraphs[number * 7 % 40::11][:15]
    for index in chosen:
        lines[index] = lines[index].replace("without delay", f"within {number + 1} days", 1).replace(
            "adequately trained", "properly trained and supervised", 1)
    return "\n".join(lines)


def setup(repo: Path) -> None:
    make_repo(repo, {STATEMENT_ID: sixty_page_body()})
    for partner in PARTNERS:
        (repo / "partners" / f"{partner}.yaml").write_text(
            f"id: {partner}\nname: Partner {partner[-2:]}\nshort: P{partner[-2:]}\nkind: ngo\n"
            f"contacts:\n  - name: Desk {partner}\n    email: desk@{partner}.example\n", encoding="utf-8")
    statement = repo / "statements" / STATEMENT_ID / "statement.md"
    statement.write_text(statement_text(STATEMENT_ID, sixty_page_body()).replace(
        "language: en\n", f"language: en\nendorsement:\n  invited: [{', '.join(PARTNERS)}]\n"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Twelve partners invited")
    deadline = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    subprocess.run([*accord_command(), "round", "open", STATEMENT_ID, "--deadline", deadline, "--repo", str(repo)],
                   check=True, stdout=subprocess.DEVNULL, env=ENV)
    onto = git(repo, "rev-parse", "HEAD")
    relpath = f"statements/{STATEMENT_ID}/statement.md"
    text = statement.read_text(encoding="utf-8")
    from accord.repo import Repo
    from accord.rounds.model import CommentNote, Return, read_rounds, render_rounds, replaced, with_returns

    returns = []
    for number, partner in enumerate(PARTNERS):
        edited = partner_edit(text, number).encode("utf-8")
        blob = git(repo, "hash-object", "-w", "--stdin", data=edited)
        index = Path(tempfile.mkstemp(prefix="bench-index-")[1])
        env = {**ENV, "GIT_INDEX_FILE": str(index)}
        subprocess.run(["git", "-C", str(repo), "read-tree", onto], check=True, env=env)
        subprocess.run(["git", "-C", str(repo), "update-index", "--cacheinfo", f"100644,{blob},{relpath}"],
                       check=True, env=env)
        tree = subprocess.run(["git", "-C", str(repo), "write-tree"], check=True, capture_output=True,
                              env=env).stdout.decode().strip()
        index.unlink()
        commit = git(repo, "commit-tree", tree, "-p", onto, "-m", f"Review by {partner}")
        branch = f"review/{partner}/{STATEMENT_ID}"
        git(repo, "update-ref", f"refs/heads/{branch}", commit)
        comments = tuple(CommentNote(f"Desk {partner}", anchor, f"{partner} asks the drafters to look again here.")
                         for anchor in ("Part 3: protection", "The partners note this in part 7", "no such words"))
        returns.append(Return(partner, f"{partner}.docx", hashlib.sha256(edited).hexdigest(),
                              dt.datetime.now(dt.timezone.utc).replace(microsecond=0), branch, commit, onto, 15, 0,
                              comments))
    accord_repo = Repo(repo)
    rounds = read_rounds(accord_repo, STATEMENT_ID)
    log = repo / "statements" / STATEMENT_ID / "reviews" / "rounds.yaml"
    log.write_bytes(render_rounds(replaced(rounds, with_returns(rounds[-1], returns))))
    git(repo, "commit", "-q", "-am", "Returns imported")


def main() -> int:
    accord = accord_command()
    with tempfile.TemporaryDirectory(prefix="accord-bench-round-") as work:
        repo = Path(work) / "repo"
        setup(repo)
        measured = medians({
            "docx build": [*accord, "build", STATEMENT_ID, "--format", "docx", "--force", "--repo", str(repo)],
            "compile": [*accord, "round", "compile", STATEMENT_ID, "--repo", str(repo)],
        }, RUNS)
        compiled = repo / "build" / "review" / STATEMENT_ID / "round-1" / "compilation.docx"
        (build_cpu, build_wall), (compile_cpu, compile_wall) = measured["docx build"], measured["compile"]
        print(f"60-page statement, 12 partners' returns (15 paragraphs each, 3 comments each), median of {RUNS}:")
        print(f"  {'':46} {'CPU s':>7} {'wall s':>7}")
        print(f"  {'accord build --format docx --force':46} {build_cpu:7.2f} {build_wall:7.2f}")
        print(f"  {'accord round compile (DOCX and HTML)':46} {compile_cpu:7.2f} {compile_wall:7.2f}   "
              f"{compile_cpu / build_cpu:4.2f}x CPU, {compile_wall / build_wall:4.2f}x wall "
              f"({compiled.stat().st_size // 1024} KB DOCX)")
        ratio = compile_cpu / build_cpu
        print(f"  target compile < {LIMIT}x the DOCX build (CPU time): {ratio:.2f}x {'ok' if ratio < LIMIT else 'MISSED'}")
        return 0 if ratio < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
