"""Benchmark: `accord diff` in every format against the newer text's own build, on ordinary and pathological inputs.

"build" is one Python process doing what any build of the newer text must: pypandoc
Markdown -> DOCX with the reference document, and pandoc -> Typst with the house
template, then `typst.compile` with the bundled fonts (as in bench_build.py).
"diff" is `accord diff ID --from HEAD --format F` as a user runs it: a new process
that reads both versions with pandoc, aligns, diffs and renders (the DOCX redline
runs its self-check too).

Inputs (seeded, made in a temporary folder):
- sixty: a 60-page statement (headings, notes, lists, tables), 20% of words changed,
  two paragraphs moved;
- para20k-20 / para20k-60: one 20,000-word paragraph with 20% / 60% of words changed;
- identical: 2,000 identical paragraphs, 10% of them edited, some inserted and deleted;
- shuffled: the 60-page text with all its paragraphs shuffled (nothing else changed);
- table500: a 500-row table, 20% of words changed, rows inserted and deleted.

Target for every input and format: diff <= 1.0x build. Both are measured in CPU
time (user + system of the process and everything it ran), so that parallelism
and a loaded machine do not decide the verdict; wall time is printed too. The
figure is the median of several runs, the commands taking turns, after one
untimed run of each (Python's bytecode compiled, as an installed accord has it:
_measure.compiled_env).
Exit 1 at the end if any target is missed.

    python benchmarks/bench_redline.py [--runs N] [CASE ...]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import compiled_env, medians, timed

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
LIMIT = 1.0
SEED = 2026
FORMATS = ("term", "md", "html", "docx")

WORDS = ("child children protection guardian guardians State States partner partners migration border authority "
         "authorities shall should must ensure provide access services referral identification trafficking "
         "exploitation victim victims support assistance safety interests best independent adequate training "
         "resources age assessment procedure procedures legal representation information language family "
         "reunification care alternative detention never last resort consent participation views heard "
         "decision decisions review appeal timely effective cooperation national regional international "
         "data collection monitoring reporting accountability funding implementation plan framework standard "
         "standards guidance practice evidence community communities school health housing education").split()

RAW = """
import sys, pypandoc, typst
source, out, templates, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
meta = ["--metadata=title:Bench", "--metadata=lang:en"]
pypandoc.convert_file(source, "docx", format="markdown", outputfile=out + "/raw.docx",
                      extra_args=["--sandbox", f"--reference-doc={templates}/reference.docx", *meta])
typ = pypandoc.convert_file(source, "typst", format="markdown",
                            extra_args=["--sandbox", "--standalone", "--columns=200", *meta,
                                        f"--template={templates}/statement.typ"])
typst.compile(typ.encode(), output=out + "/raw.pdf", root=out, font_paths=[templates + "/fonts"],
              ignore_system_fonts=True, timestamp=epoch)
"""


# -- inputs -------------------------------------------------------------------------

def sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(rng.randint(3, 5)))


def sixty_page_body(rng: random.Random) -> str:
    parts = []
    for section in range(1, 41):
        parts.append(f"## Part {section}: {sentence(rng, 4)[:-1]}\n")
        for number in range(4):
            parts.append(f"{paragraph(rng)}[^n{section}-{number}]\n")
            parts.append(f"[^n{section}-{number}]: {sentence(rng, 10)}\n")
        parts.append("".join(f"{item}. {paragraph(rng)}\n" for item in range(1, 5)))
        parts.append("| Actor | Responsibility | Timeline |\n|---|---|---|\n"
                     + "".join(f"| Actor {row} | {sentence(rng, 6)} | Within {row} days |\n" for row in range(1, 6)))
    return "\n".join(parts)


def change_words(body: str, rng: random.Random, share: float, moves: int = 2) -> str:
    """Replace, insert or delete `share` of the words (never Markdown markers), and move `moves` paragraphs."""
    tokens = re.split(r"(\s+)", body)
    for index, token in enumerate(tokens):
        if token.isalpha() and rng.random() < share:
            action = rng.random()
            if action < 0.6:
                tokens[index] = rng.choice(WORDS)
            elif action < 0.8:
                tokens[index] = f"{token} {rng.choice(WORDS)}"
            else:
                tokens[index] = ""
    blocks = "".join(tokens).split("\n\n")
    for _ in range(moves):
        moved = blocks.pop(rng.randrange(len(blocks) // 2))
        blocks.insert(rng.randrange(len(blocks) // 2, len(blocks)), moved)
    return "\n\n".join(blocks)


def long_paragraph(rng: random.Random, words: int) -> str:
    out: list[str] = []
    count = 0
    while count < words:
        length = min(rng.randint(12, 24), words - count)
        out.append(sentence(rng, length))
        count += length
    return " ".join(out) + "\n"


def identical_paragraphs(rng: random.Random) -> tuple[str, str]:
    text = sentence(rng, 20)
    old = [text] * 2000
    new = []
    for _ in old:
        roll = rng.random()
        if roll < 0.10:
            new.append(change_words(text, rng, 0.1, moves=0))
        elif roll < 0.12:
            continue
        else:
            new.append(text)
        if rng.random() < 0.02:
            new.append(paragraph(rng))
    return "\n\n".join(old) + "\n", "\n\n".join(new) + "\n"


def shuffled(rng: random.Random) -> tuple[str, str]:
    old = sixty_page_body(rng)
    blocks = old.split("\n\n")
    new = blocks[:]
    rng.shuffle(new)
    return old, "\n\n".join(new)


def table(rng: random.Random, rows: int) -> str:
    return ("| Actor | Responsibility | Timeline |\n|---|---|---|\n"
            + "".join(f"| Actor {row} | {sentence(rng, 8)} | Within {row} days |\n" for row in range(1, rows + 1)))


def long_table(rng: random.Random) -> tuple[str, str]:
    old = table(rng, 500)
    lines = change_words(old, rng, 0.2, moves=0).split("\n")
    head, body = lines[:2], lines[2:]
    for _ in range(10):
        del body[rng.randrange(len(body) - 1)]
    for _ in range(10):
        body.insert(rng.randrange(len(body)), f"| New actor | {sentence(rng, 8)} | At once |")
    return old, "\n".join(head + body)


def make_inputs(name: str) -> tuple[str, str, str]:
    """(old body, new body, description) of a named input."""
    rng = random.Random(f"{SEED}-{name}")
    if name == "sixty":
        old = sixty_page_body(rng)
        return old, change_words(old, rng, 0.2), "60 pages, 20% of words changed, 2 paragraphs moved"
    if name.startswith("para20k-"):
        share = int(name.split("-")[1]) / 100
        old = long_paragraph(rng, 20_000)
        return old, change_words(old, rng, share, moves=0), f"one 20,000-word paragraph, {share:.0%} of words changed"
    if name == "identical":
        return (*identical_paragraphs(rng), "2,000 identical paragraphs, 10% edited, some inserted and deleted")
    if name == "shuffled":
        return (*shuffled(rng), "60 pages, every block shuffled")
    if name == "table500":
        return (*long_table(rng), "a 500-row table, 20% of words changed, 10 rows in and 10 out")
    raise SystemExit(f"unknown input {name!r}")


CASES = ("sixty", "para20k-20", "para20k-60", "identical", "shuffled", "table500")


# -- measuring ----------------------------------------------------------------------

def statement_text(body: str) -> str:
    return ("---\nid: bench\nsymbol: AECT/JS/2026/60\ntitle: Joint Statement for the benchmark\n"
            "kind: joint-statement\nstatus: consultation\ndate: 2026-11-28\nlanguage: en\n---\n\n" + body + "\n")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@bench.example",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@bench.example"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True,
                          text=True).stdout


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def make_repo(work: Path, old: str, new: str) -> tuple[Path, Path, str]:
    repo = work / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "templates", repo / "templates", ignore=shutil.ignore_patterns("statements", "ci", "site"))
    (repo / "partners").mkdir()
    (repo / "accord.yaml").write_text("organization: Bench Alliance\n", encoding="utf-8")
    statement = repo / "statements" / "bench" / "statement.md"
    statement.parent.mkdir(parents=True)
    statement.write_text(statement_text(old), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "old")
    statement.write_text(statement_text(new), encoding="utf-8")
    source = work / "new.md"
    source.write_text(new, encoding="utf-8")
    return repo, source, git(repo, "log", "-1", "--format=%ct").strip()


def run_case(name: str, runs: int) -> list[str]:
    """Measure one input; print its lines; return the targets it missed."""
    old, new, description = make_inputs(name)
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
        work = Path(folder)
        repo, source, epoch = make_repo(work, old, new)
        accord = [*accord_command(), "diff", "bench", "--from", "HEAD", "--repo", str(repo)]
        commands = {"build": [sys.executable, "-c", RAW, str(source), folder, str(repo / "templates"), epoch]}
        for fmt in FORMATS:
            commands[fmt] = [*accord, "--format", fmt] + ([] if fmt == "term" else ["-o", str(work / f"r.{fmt}")])
        env = compiled_env(work)
        for command in commands.values():  # compile the bytecode (and fill the font-subset cache)
            timed(command, env)
        measured = medians(commands, runs, env)
    median_cpu = {key: value[0] for key, value in measured.items()}
    median_wall = {key: value[1] for key, value in measured.items()}
    build = median_cpu["build"]
    print(f"{name}: {description} ({len(new.split())} words), median of {runs}")
    print(f"  {'':24} {'CPU s':>8} {'wall s':>8} {'CPU x build':>12}")
    print(f"  {'build (DOCX + PDF)':24} {build:8.2f} {median_wall['build']:8.2f}")
    missed = []
    for fmt in FORMATS:
        ratio = median_cpu[fmt] / build
        verdict = "ok" if ratio <= LIMIT else "MISSED"
        print(f"  {'accord diff --format ' + fmt:24} {median_cpu[fmt]:8.2f} {median_wall[fmt]:8.2f} "
              f"{ratio:11.2f}x  {verdict}")
        if ratio > LIMIT:
            missed.append(f"{name} {fmt} {ratio:.2f}x")
    sys.stdout.flush()
    return missed


def in_process(name: str, runs: int) -> None:
    """Seconds per stage inside one process, for information (the parse cache of pandoc's ASTs cleared each time)."""
    from accord.redline import blocks, render_docx, render_html, render_markdown, render_term
    from accord.redline.align import compare_documents

    old, new, _ = make_inputs(name)
    stages: dict[str, list[float]] = {}

    def stage(label, func):
        started = time.process_time()
        value = func()
        stages.setdefault(label, []).append(time.process_time() - started)
        return value

    for _ in range(runs):
        blocks.clear_read_cache()
        old_doc, new_doc = stage("read both versions (pandoc)", lambda: blocks.parse_many([(old, "T"), (new, "T")]))
        redline = stage("align blocks + word diff", lambda: compare_documents(old_doc, new_doc))
        stage("render term", lambda: render_term(redline))
        stage("render md (CriticMarkup)", lambda: render_markdown(redline))
        stage("render html", lambda: render_html(redline))
        data = stage("render docx, no self-check", lambda: render_docx(redline, author="Bench",
                                                                      date="2026-11-28T00:00:00Z", verify=False))
        from accord.redline.docx import verify_docx
        stage("DOCX self-check", lambda: verify_docx(data, redline))
    print(f"  in one process ({name}; CPU seconds of this process, pandoc's children not counted):")
    for label, values in stages.items():
        print(f"    {label:<40} {statistics.median(values):7.3f}")
    counts = redline.counts
    print(f"    words inserted {counts.words_inserted}, deleted {counts.words_deleted}, "
          f"blocks changed {counts.blocks_changed}, moves {counts.moves}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"inputs to run (default: all of {CASES})")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--stages", action="store_true", help="also print an in-process breakdown of each input")
    args = parser.parse_args()
    missed: list[str] = []
    for name in args.cases:
        missed += run_case(name, args.runs)
        if args.stages:
            in_process(name, 1)
    print(f"target: every accord diff <= {LIMIT}x the build of its newer text (CPU time): "
          + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
