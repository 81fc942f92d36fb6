"""Benchmark: `accord build` against raw pandoc + Typst, and a no-op rebuild against `accord --help`.

1. One 60-page statement. "raw" is one Python process doing what any build of the
   same formats must, with the same parallelism as accord (one thread per format,
   at most one per core, PDF first): pypandoc Markdown -> DOCX with the reference
   document; pandoc -> Typst with the house template, then `typst.compile` with the
   bundled fonts; pandoc -> standalone HTML with the house template. accord does the
   same plus provenance, the signatory block, header/footer/watermark
   post-processing, a reproducible zip and its input stamp: `accord build --force`,
   against raw with all three formats, and `--format docx,pdf` against raw with two.
   Target: accord <= 1.3x raw.
2. 100 statements already built: `accord build` finds nothing to do.
   Target: <= 4x `accord --help`.
3. A 3-page statement (two parts of the 60-page text): `accord build ID --force --format
   docx` against the pandoc binary converting the same Markdown to DOCX with the reference
   document (issue 17 item 9). accord's figure includes starting Python, provenance, the
   signatory block, the post-processing and embedding the house fonts.
   Target: <= 2x raw pandoc.

Verdicts are on CPU time (user + system of each command and everything it ran),
which free cores do not change; wall time is printed beside it. The data is made
in a temporary folder; the commands compared take turns, and their medians are
compared (the median makes the first run, which compiles accord's bytecode as an
installed accord has it, count for nothing: _measure.compiled_env). Exit 1 at the
end if a target is missed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import compiled_env, medians

ROOT = Path(__file__).resolve().parent.parent
BUILD_RUNS = 5
NOOP_RUNS = 9
STATEMENTS = 100
BUILD_LIMIT = 1.3
NOOP_LIMIT = 4.0
SHORT_RUNS = 9
SHORT_LIMIT = 2.0

PARAGRAPH = ("States should appoint a qualified guardian for every unaccompanied or separated child without "
             "delay, and guardians should be independent of the authorities responsible for migration decisions, "
             "adequately trained, and given the time and resources to act in the child's best interests. ")

RAW = """
import os, sys, pypandoc, typst
from concurrent.futures import ThreadPoolExecutor
source, out, templates, epoch, formats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
meta = ["--metadata=title:Sixty pages", "--metadata=lang:en"]

def docx():
    pypandoc.convert_file(source, "docx", format="markdown", outputfile=out + "/raw.docx",
                          extra_args=["--sandbox", f"--reference-doc={templates}/reference.docx", *meta])

def pdf():
    typ = pypandoc.convert_file(source, "typst", format="markdown",
                                extra_args=["--sandbox", "--standalone", f"--template={templates}/statement.typ",
                                            "--columns=200", *meta])
    typst.compile(typ.encode(), output=out + "/raw.pdf", root=out, font_paths=[templates + "/fonts"],
                  ignore_system_fonts=True, timestamp=epoch)

def html():
    pypandoc.convert_file(source, "html5", format="markdown", outputfile=out + "/raw.html",
                          extra_args=["--sandbox", "--standalone", "--wrap=none", *meta])

jobs = [{"pdf": pdf, "docx": docx, "html": html}[name] for name in formats.split(",")]
with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as threads:
    for future in [threads.submit(job) for job in jobs]:
        future.result()
"""


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def sixty_page_body(sections: int = 42) -> str:
    """The 60-page text (42 parts); fewer parts make a shorter text of the same kind (2 parts: 3 pages)."""
    parts = []
    for section in range(1, sections + 1):
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


def page_count(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return -1
    return len(PdfReader(pdf).pages)


def short_build(repo: Path, accord: list[str]) -> bool:
    """3. A 3-page statement, DOCX only, against the pandoc binary; True if the target is met."""
    short_body = sixty_page_body(2)
    make_repo(repo, {"three-pages": short_body})
    source = repo.parent / "three.md"
    source.write_text(short_body, encoding="utf-8")
    from accord.pandoc import pandoc_path

    pandoc = [pandoc_path(), "--sandbox", "-f", "markdown", "-t", "docx", str(source), "-o",
              str(repo.parent / "three.docx"), f"--reference-doc={repo / 'templates' / 'reference.docx'}",
              "--metadata=title:Three pages", "--metadata=lang:en"]
    epoch = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%ct"], check=True,
                           capture_output=True, text=True).stdout.strip()
    python_raw = [sys.executable, "-c", RAW, str(source), str(repo.parent), str(repo / "templates"), epoch, "docx"]
    measured = medians({"pandoc": pandoc, "python": python_raw,
                        "accord": [*accord, "build", "three-pages", "--force", "--format", "docx",
                                   "--repo", str(repo)]}, SHORT_RUNS, compiled_env(repo.parent))
    (raw_cpu, raw_wall), (accord_cpu, accord_wall) = measured["pandoc"], measured["accord"]
    python_cpu, python_wall = measured["python"]
    ratio = accord_cpu / raw_cpu
    verdict = "ok" if ratio <= SHORT_LIMIT else "MISSED"
    print(f"3-page statement, DOCX only, median of {SHORT_RUNS}:")
    print(f"  pandoc Markdown -> DOCX (the binary)             {raw_cpu:6.3f} s CPU {raw_wall:6.3f} s wall")
    print(f"  Python + pypandoc, the same conversion (not gated) {python_cpu:6.3f} s CPU {python_wall:6.3f} s wall")
    print(f"  accord build --force --format docx                {accord_cpu:6.3f} s CPU {accord_wall:6.3f} s wall"
          f"   {accord_cpu / python_cpu:4.2f}x Python + pypandoc")
    print(f"  target accord <= {SHORT_LIMIT}x raw pandoc (CPU time): {ratio:.2f}x {verdict}")
    return ratio <= SHORT_LIMIT


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
        raw = [sys.executable, "-c", RAW, str(source), work, str(repo / "templates"), epoch]
        measured = medians({
            "raw pdf,docx,html": [*raw, "pdf,docx,html"],
            "accord build --force (docx, pdf, html)": base,
            "raw pdf,docx": [*raw, "pdf,docx"],
            "accord build --force --format docx,pdf": [*base, "--format", "docx,pdf"],
        }, BUILD_RUNS, compiled_env(work_dir))
        pages = page_count(repo / "build" / "sixty-pages" / "sixty-pages.pdf")
        print(f"60-page statement ({pages} PDF pages), median of {BUILD_RUNS}; raw runs the same formats with "
              f"accord's parallelism ({os.cpu_count()} cores):")
        print(f"  {'':48} {'CPU s':>7} {'wall s':>7} {'CPU x raw':>10} {'wall x raw':>11}")
        ratios = []
        for name, raw_name in (("raw pdf,docx,html", None), ("accord build --force (docx, pdf, html)",
                                                             "raw pdf,docx,html"),
                               ("raw pdf,docx", None), ("accord build --force --format docx,pdf", "raw pdf,docx")):
            cpu, wall = measured[name]
            line = f"  {name:48} {cpu:7.2f} {wall:7.2f}"
            if raw_name:
                ratio = cpu / measured[raw_name][0]
                ratios.append(ratio)
                line += f" {ratio:9.2f}x {wall / measured[raw_name][1]:10.2f}x"
            print(line)
        ratio = max(ratios)
        verdict = "ok" if ratio <= BUILD_LIMIT else "MISSED"
        print(f"  target accord <= {BUILD_LIMIT}x raw (CPU time, the larger of the two): {ratio:.2f}x {verdict}")
        failed |= ratio > BUILD_LIMIT

        # 2. no-op rebuild of 100 statements
        repo = work_dir / "many"
        short = "\n\n".join(f"## Part {n}\n\n{PARAGRAPH}\n\n1. {PARAGRAPH}\n2. {PARAGRAPH}" for n in range(6))
        make_repo(repo, {f"statement-{n:03d}": short for n in range(STATEMENTS)})
        started = time.perf_counter()
        subprocess.run([*accord, "build", "--repo", str(repo)], check=True, stdout=subprocess.DEVNULL)
        first = time.perf_counter() - started
        measured = medians({"noop": [*accord, "build", "--repo", str(repo)], "help": [*accord, "--help"]},
                           NOOP_RUNS, compiled_env(work_dir))
        (noop, noop_wall), (help_time, help_wall) = measured["noop"], measured["help"]
        print(f"{STATEMENTS} statements, median of {NOOP_RUNS}:")
        print(f"  first build, {os.cpu_count()} jobs               {first:6.2f} s wall")
        print(f"  accord --help                                     {help_time:6.3f} s CPU {help_wall:6.3f} s wall")
        print(f"  accord build, nothing changed                     {noop:6.3f} s CPU {noop_wall:6.3f} s wall   "
              f"{noop / help_time:4.2f}x --help (CPU), {noop_wall / help_wall:4.2f}x (wall)")
        ratio = noop / help_time
        verdict = "ok" if ratio <= NOOP_LIMIT else "MISSED"
        print(f"  target no-op <= {NOOP_LIMIT}x --help (CPU time): {ratio:.2f}x {verdict}")
        failed |= ratio > NOOP_LIMIT

        failed |= not short_build(work_dir / "short", accord)
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--short"]:  # only the 3-page build
        with tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
            sys.exit(0 if short_build(Path(folder) / "short", accord_command()) else 1)
    sys.exit(main())
