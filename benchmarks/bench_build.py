"""Benchmark: `accord build` against raw pandoc + Typst, and a no-op rebuild against `accord --help`.

1. One 60-page statement. "raw" is one Python process doing what any build must:
   pypandoc Markdown -> DOCX with the reference document, and pandoc -> Typst with
   the house template, then `typst.compile` with the bundled fonts. accord does the
   same plus HTML, provenance, the signatory block, header/footer/watermark
   post-processing, a reproducible zip and its input stamp: `accord build --force`.
   Target: accord <= 1.3x raw.
2. 100 statements already built: `accord build` finds nothing to do.
   Target: <= 4x `accord --help`.

The data is made in a temporary folder; the commands compared take turns, and
their medians are compared (on a shared machine, load moves between runs).
Exit 1 if a target is missed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_RUNS = 5
NOOP_RUNS = 9
STATEMENTS = 100
BUILD_LIMIT = 1.3
NOOP_LIMIT = 4.0

PARAGRAPH = ("States should appoint a qualified guardian for every unaccompanied or separated child without "
             "delay, and guardians should be independent of the authorities responsible for migration decisions, "
             "adequately trained, and given the time and resources to act in the child's best interests. ")

RAW = """
import sys, pypandoc, typst
source, out, templates, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = ["--metadata=title:Sixty pages", "--metadata=lang:en"]
pypandoc.convert_file(source, "docx", format="markdown", outputfile=out + "/raw.docx",
                      extra_args=["--sandbox", f"--reference-doc={templates}/reference.docx", *meta])
typ = pypandoc.convert_file(source, "typst", format="markdown",
                            extra_args=["--sandbox", "--standalone", f"--template={templates}/statement.typ",
                                        "--columns=200", *meta])
typst.compile(typ.encode(), output=out + "/raw.pdf", root=out, font_paths=[templates + "/fonts"],
              ignore_system_fonts=True, timestamp=epoch)
"""


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def sixty_page_body() -> str:
    parts = []
    for section in range(1, 43):
        parts.append(f"## Part {section}: protection at every stage\n")
        for paragraph in range(4):
            parts.append(f"{PARAGRAPH * 3}The partners note this in part {section}.[^n{section}-{paragraph}]\n")
            parts.append(f"[^n{section}-{paragraph}]: See the guidance of part {section}, paragraph {paragraph}.\n")
        parts.append("".join(f"{item}. {PARAGRAPH}\n" for item in range(1, 5)))
        parts.append("| Actor | Responsibility | Timeline |\n|---|---|---|\n"
                     + "".join(f"| Actor {row} | Guardianship and referral of children | Within {row} days |\n"
                               for row in range(1, 6)))
    return "\n".join(parts)


def statement_text(statement_id: str, body: str) -> str:
    return (f"---\nid: {statement_id}\nsymbol: AECT/JS/2026/{len(statement_id)}\ntitle: Joint Statement {statement_id}\n"
            f"kind: joint-statement\nstatus: consultation\ndate: 2026-11-28\nlanguage: en\n---\n\n{body}\n")


def make_repo(root: Path, statements: dict[str, str]) -> None:
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "templates", root / "templates", ignore=shutil.ignore_patterns("statements", "ci", "site"))
    (root / "partners").mkdir()
    (root / "partners" / "unicef.yaml").write_text(
        "id: unicef\nname: United Nations Children's Fund\nshort: UNICEF\nkind: igo\n", encoding="utf-8")
    (root / "accord.yaml").write_text("organization: Bench Alliance\nteam: Bench Team\n", encoding="utf-8")
    (root / ".gitignore").write_text("/build/\n", encoding="utf-8")
    for statement_id, body in statements.items():
        folder = root / "statements" / statement_id
        folder.mkdir(parents=True)
        (folder / "statement.md").write_text(statement_text(statement_id, body), encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@bench.example",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@bench.example"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env)


def median_times(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command, the commands taking turns so that all see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def page_count(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return -1
    return len(PdfReader(pdf).pages)


def main() -> int:
    accord = accord_command()
    failed = False
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as work:
        work_dir = Path(work)

        # 1. one 60-page statement
        repo = work_dir / "long"
        make_repo(repo, {"sixty-pages": sixty_page_body()})
        source = work_dir / "sixty.md"
        source.write_text(sixty_page_body(), encoding="utf-8")
        epoch = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%ct"], check=True,
                               capture_output=True, text=True).stdout.strip()
        base = [*accord, "build", "sixty-pages", "--force", "--repo", str(repo)]
        medians = median_times({
            "raw": [sys.executable, "-c", RAW, str(source), work, str(repo / "templates"), epoch],
            "all": base,
            "docx,pdf": [*base, "--format", "docx,pdf"],
        }, BUILD_RUNS)
        raw, all_formats, docx_pdf = medians["raw"], medians["all"], medians["docx,pdf"]
        pages = page_count(repo / "build" / "sixty-pages" / "sixty-pages.pdf")
        print(f"60-page statement ({pages} PDF pages), median of {BUILD_RUNS}:")
        print(f"  raw pypandoc DOCX + pandoc->Typst->typst.compile  {raw:6.2f} s")
        print(f"  accord build --force (docx, pdf, html)            {all_formats:6.2f} s   {all_formats / raw:4.2f}x raw")
        print(f"  accord build --force --format docx,pdf            {docx_pdf:6.2f} s   {docx_pdf / raw:4.2f}x raw")
        ratio = all_formats / raw
        verdict = "ok" if ratio <= BUILD_LIMIT else "MISSED"
        print(f"  target accord <= {BUILD_LIMIT}x raw: {ratio:.2f}x {verdict}")
        failed |= ratio > BUILD_LIMIT

        # 2. no-op rebuild of 100 statements
        repo = work_dir / "many"
        short = "\n\n".join(f"## Part {n}\n\n{PARAGRAPH}\n\n1. {PARAGRAPH}\n2. {PARAGRAPH}" for n in range(6))
        make_repo(repo, {f"statement-{n:03d}": short for n in range(STATEMENTS)})
        started = time.perf_counter()
        subprocess.run([*accord, "build", "--repo", str(repo)], check=True, stdout=subprocess.DEVNULL)
        first = time.perf_counter() - started
        medians = median_times({"noop": [*accord, "build", "--repo", str(repo)], "help": [*accord, "--help"]},
                               NOOP_RUNS)
        noop, help_time = medians["noop"], medians["help"]
        print(f"{STATEMENTS} statements, median of {NOOP_RUNS}:")
        print(f"  first build, {os.cpu_count()} jobs               {first:6.2f} s")
        print(f"  accord --help                                     {help_time:6.3f} s")
        print(f"  accord build, nothing changed                     {noop:6.3f} s   {noop / help_time:4.2f}x --help")
        ratio = noop / help_time
        verdict = "ok" if ratio <= NOOP_LIMIT else "MISSED"
        print(f"  target no-op <= {NOOP_LIMIT}x --help: {ratio:.2f}x {verdict}")
        failed |= ratio > NOOP_LIMIT
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
