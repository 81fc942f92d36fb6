"""Benchmark: `accord diff` of a 60-page statement with 20% of its words changed, against its own build.

"build" is one Python process doing what any build of the newer text must: pypandoc
Markdown -> DOCX with the reference document, and pandoc -> Typst with the house
template, then `typst.compile` with the bundled fonts (as in bench_build.py).
"diff" is `accord diff ID --from HEAD` (terminal output) as a user runs it: a new
process that reads both versions with pandoc, aligns, diffs and prints.
Target: diff < build. The DOCX redline (which also runs its self-check: two more
pandoc reads) and an in-process breakdown are printed for information.

The data is made in a temporary folder; medians of several runs are compared.
Exit 1 if the target is missed.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
CHANGED = 0.20
SEED = 2026

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
meta = ["--metadata=title:Sixty pages", "--metadata=lang:en"]
reference = [f"--reference-doc={templates}/reference.docx"] if __import__("os").path.exists(
    f"{templates}/reference.docx") else []
pypandoc.convert_file(source, "docx", format="markdown", outputfile=out + "/raw.docx",
                      extra_args=["--sandbox", *reference, *meta])
template = f"{templates}/statement.typ"
typ = pypandoc.convert_file(source, "typst", format="markdown",
                            extra_args=["--sandbox", "--standalone", "--columns=200", *meta]
                            + ([f"--template={template}"] if __import__("os").path.exists(template) else []))
typst.compile(typ.encode(), output=out + "/raw.pdf", root=out, font_paths=[templates + "/fonts"],
              ignore_system_fonts=True, timestamp=epoch)
"""


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


def change_words(body: str, rng: random.Random, share: float) -> str:
    """Replace, insert or delete `share` of the words (never Markdown markers), and move two paragraphs."""
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
    for _ in range(2):
        moved = blocks.pop(rng.randrange(len(blocks) // 2))
        blocks.insert(rng.randrange(len(blocks) // 2, len(blocks)), moved)
    return "\n\n".join(blocks)


def statement_text(body: str) -> str:
    return ("---\nid: sixty-pages\nsymbol: AECT/JS/2026/60\ntitle: Joint Statement on sixty pages\n"
            "kind: joint-statement\nstatus: consultation\ndate: 2026-11-28\nlanguage: en\n---\n\n" + body + "\n")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@bench.example",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@bench.example"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True,
                          text=True).stdout


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def median_time(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(old: str, new: str) -> list[tuple[str, float]]:
    """Seconds per stage inside one process (pandoc's parse cache cleared each time)."""
    from accord.redline import blocks, render_docx, render_html, render_markdown, render_term
    from accord.redline.align import compare_documents

    stages: dict[str, list[float]] = {}

    def timed(name, func):
        started = time.perf_counter()
        value = func()
        stages.setdefault(name, []).append(time.perf_counter() - started)
        return value

    for _ in range(RUNS):
        blocks._pandoc_json_bytes.cache_clear()
        old_doc, new_doc = timed("read both versions (2 pandoc processes, in parallel)",
                                 lambda: blocks.parse_many([(old, "Sixty pages"), (new, "Sixty pages")]))
        redline = timed("align blocks + word diff (diff-match-patch)", lambda: compare_documents(old_doc, new_doc))
        timed("render term", lambda: render_term(redline))
        timed("render md (CriticMarkup)", lambda: render_markdown(redline))
        timed("render html", lambda: render_html(redline))
        timed("render docx + self-check", lambda: render_docx(redline, author="Bench", date="2026-11-28T00:00:00Z"))
    return [(name, statistics.median(values)) for name, values in stages.items()]


def main() -> int:
    rng = random.Random(SEED)
    old_body = sixty_page_body(rng)
    new_body = change_words(old_body, rng, CHANGED)
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as work:
        work_dir = Path(work)
        repo = work_dir / "repo"
        repo.mkdir()
        shutil.copytree(ROOT / "templates", repo / "templates",
                        ignore=shutil.ignore_patterns("statements", "ci", "site"))
        (repo / "partners").mkdir()
        (repo / "accord.yaml").write_text("organization: Bench Alliance\n", encoding="utf-8")
        statement = repo / "statements" / "sixty-pages" / "statement.md"
        statement.parent.mkdir(parents=True)
        statement.write_text(statement_text(old_body), encoding="utf-8")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "old")
        statement.write_text(statement_text(new_body), encoding="utf-8")
        source = work_dir / "new.md"
        source.write_text(new_body, encoding="utf-8")
        epoch = git(repo, "log", "-1", "--format=%ct").strip()

        accord = [*accord_command(), "diff", "sixty-pages", "--from", "HEAD", "--repo", str(repo)]
        build = median_time([sys.executable, "-c", RAW, str(source), work, str(repo / "templates"), epoch], RUNS)
        term = median_time(accord, RUNS)
        docx = median_time([*accord, "-o", str(work_dir / "redline.docx")], RUNS)
        words = len(new_body.split())
        print(f"60-page statement ({words} words, {CHANGED:.0%} of words changed, 2 paragraphs moved), "
              f"median of {RUNS}:")
        print(f"  build: pypandoc DOCX + pandoc->Typst->typst.compile   {build:6.2f} s")
        print(f"  accord diff (terminal)                                {term:6.2f} s   {term / build:4.2f}x build")
        print(f"  accord diff -o redline.docx (with self-check)         {docx:6.2f} s   {docx / build:4.2f}x build")
        print("  in one process:")
        for name, seconds in in_process(old_body, new_body):
            print(f"    {name:<52} {seconds:6.3f} s")
        ratio = term / build
        verdict = "ok" if ratio < 1.0 else "MISSED"
        print(f"  target diff < build: {ratio:.2f}x {verdict}")
    return 0 if ratio < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
