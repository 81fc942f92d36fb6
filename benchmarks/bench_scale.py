"""Benchmark: accord at alliance scale, and how its cost grows from 50 to 200 to 1,000 statements.

A generated alliance of 70 partners, with 10 endorsement records per statement, and a
history of one commit per record (plus one per statement), made in seconds with
`git fast-import` (each distinct record is rendered once and filled in): at 1,000
statements that is 10,000 records in 11,000 commits. Timed: `accord check`, `accord
status --json` (warm, and cold: without the parse memo and caches in .git/accord/), a
no-op `accord build` and `accord verify` (its walk of the history remembered from the run
before, as after any earlier verify of an unchanged history; and cold, walked whole), each with its peak memory
(max RSS of the command's process tree). Building 1,000 statements for real would
take hours, so the build stamps are primed: two statements are built for real, and
the others get the stamp a build would have written (computed by accord's own build
inputs) beside placeholder outputs; the no-op build then checks all of them, as it
would after a full build.

Growth is judged on the marginal cost per statement, in CPU time (user + system of
the command's tree; free cores do not change it), median of several runs: from 50
to 200 statements, and from 200 to 1,000. A command grows worse than linearly if
its marginal cost from 200 to 1,000 is more than 1.5x that from 50 to 200 (a
marginal cost under 0.5 ms a statement counts as 0.5 ms: below that is noise).
`accord site` is timed at 50 and 200 statements only (its pandoc output cached in a
private cache folder, which the first run fills, as a user's second run would find it).
The issue's targets are checked too, in CPU time: a cold `status --json` of 1,000
statements <= 2 s, `verify` of 1,000 <= 3 s, `site` of 200 <= 3 s.
Prints a table; exit 1 at the end if a command grows worse than linearly or misses its target.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTNERS = 70
RECORDS_PER_STATEMENT = 10
SCALES = tuple(int(n) for n in os.environ.get("ACCORD_BENCH_SCALES", "50,200,1000").split(","))
RUNS = 5
GROWTH_LIMIT = 1.5
FLOOR_MS = 0.5
SITE_SCALES = (50, 200)
TARGETS = {("accord status --json (cold)", 1000): 2.0, ("accord verify", 1000): 3.0, ("accord site", 200): 3.0}
PARAGRAPH = ("States should appoint a qualified guardian for every unaccompanied or separated child without delay, "
             "and guardians should be independent of the authorities responsible for migration decisions.")


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def make_alliance(root: Path, statements: int) -> int:
    """Write the repository's history with git fast-import, then check it out; returns the number of commits."""
    from accord.ledger import Evidence, render_record
    from accord.statement import text_sha256

    partner_ids = [f"partner-{number:02d}" for number in range(PARTNERS)]
    rendered: dict[tuple[str, str], bytes] = {}

    def record_bytes(statement_id: str, partner_id: str, position: str, text_hash: str, ref: str) -> bytes:
        """render_record's bytes, rendered once per partner and position (YAML dumping is slow) with
        placeholders for what differs from statement to statement, then filled in."""
        key = (partner_id, position)
        if key not in rendered:
            rendered[key] = render_record("statement-zzz", partner_id, position, "f" * 64,
                                          f"Signer of {partner_id}, Director",
                                          recorded_by="Bench Secretariat <s@bench.example>",
                                          recorded_at=dt.date(2026, 11, 28), evidence=Evidence("letter", "L/zzz"))
        return (rendered[key].replace(b"statement-zzz", statement_id.encode()).replace(b"f" * 64, text_hash.encode())
                .replace(b"L/zzz", ref.encode()))

    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = open(root / ".git" / "fast-import.stream", "wb")
    mark = 0
    epoch = 1_700_000_000

    def commit(message: str, files: dict[str, bytes]) -> None:
        nonlocal mark, epoch
        mark += 1
        epoch += 60
        stream.write(f"commit refs/heads/main\nmark :{mark}\n"
                     f"committer Bench Secretariat <s@bench.example> {epoch} +0000\n".encode())
        message_bytes = message.encode()
        stream.write(b"data %d\n%s\n" % (len(message_bytes), message_bytes))
        if mark > 1:
            stream.write(f"from :{mark - 1}\n".encode())
        for path, data in files.items():
            stream.write(f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(data), data))

    first = {"accord.yaml": b"organization: Bench Alliance\nteam: Bench Team\n", ".gitignore": b"build/\ndist/\n"}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            first[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    for number, partner_id in enumerate(partner_ids):
        first[f"partners/{partner_id}.yaml"] = (
            f"id: {partner_id}\nname: Partner Organization {number}\nshort: P{number}\nkind: ngo\n"
            f"signers:\n  - name: Signer {number}\n    title: Director\n    principal: s@{partner_id}.example\n").encode()
    commit("Registry and templates", first)
    for number in range(statements):
        statement_id = f"statement-{number:03d}"
        title = f"Joint Statement number {number}"
        body = "\n\n".join(f"## Part {part}\n\n{PARAGRAPH}\n\n1. {PARAGRAPH}\n2. {PARAGRAPH}" for part in range(8))
        invited = [partner_ids[(number * 7 + index) % PARTNERS] for index in range(RECORDS_PER_STATEMENT)]
        folder = f"statements/{statement_id}"
        text = (f"---\nid: {statement_id}\ntitle: {title}\nkind: joint-statement\nstatus: consultation\n"
                f"date: 2026-11-28\nlanguage: en\ndrafters: [Ana Pereira]\nendorsement:\n"
                f"  invited: [{', '.join(invited)}]\n  required: [{invited[0]}]\n  threshold: 5\n---\n\n{body}\n")
        commit(f"Draft {statement_id}", {f"{folder}/statement.md": text.encode()})
        current = text_sha256(title, body)
        for index, partner_id in enumerate(invited):
            record = record_bytes(statement_id, partner_id, ("endorse", "no-objection", "abstain")[index % 3],
                                  current, f"L/{number}/{index}")
            commit(f"Endorsement: {partner_id} on {statement_id}", {f"{folder}/endorsements/{partner_id}.yaml": record})
    stream.close()
    with open(root / ".git" / "fast-import.stream", "rb") as feed:
        subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], stdin=feed, check=True)
    (root / ".git" / "fast-import.stream").unlink()
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)
    return mark


def prime_build(root: Path, accord: list[str], env: dict) -> int:
    """Build two statements for real; give every other one the stamp a build would leave. Returns how many."""
    from accord.render.inputs import RepoInputs, write_stamps
    from accord.repo import Repo

    repo = Repo(root)
    ids = repo.statement_ids()
    subprocess.run([*accord, "build", *ids[:2], "--repo", str(root)], check=True, stdout=subprocess.DEVNULL, env=env)
    inputs = RepoInputs(root)
    for statement_id in ids[2:]:
        target = repo.build_dir / statement_id
        target.mkdir(parents=True, exist_ok=True)
        stamp = inputs.stamp(statement_id, repo.statement_dir(statement_id))
        for fmt in repo.settings.formats:
            (target / f"{statement_id}.{fmt}").write_bytes(b"placeholder")
        write_stamps(target, {fmt: stamp for fmt in repo.settings.formats})
    return len(ids)


MEASURE = ("import resource, subprocess, sys, time\n"
           "started = time.perf_counter()\n"
           "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
           "wall = time.perf_counter() - started\n"
           "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
           "print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code)\n")


def measure_all(commands: dict[str, list[str]], env: dict, runs: int = RUNS) -> dict[str, tuple[float, float, float]]:
    """Median CPU seconds, median wall seconds and peak memory (MiB, max RSS of any process the command
    ran) of each command; the commands take turns, so that all see the same load."""
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True,
                                 env=env, check=True).stdout.split()
            wall, cpu, peak, code = float(out[0]), float(out[1]), int(out[2]), int(out[3])
            if code not in (0, 1):
                raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
            seen[name].append((cpu, wall, peak / 1024))
    return {name: (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values),
                   max(v[2] for v in values)) for name, values in seen.items()}


def main() -> int:
    accord = accord_command()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    results: dict[int, dict[str, tuple[float, float, float]]] = {}
    sizes: dict[int, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="accord-scale-") as folder:
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        env["XDG_CACHE_HOME"] = str(Path(folder) / "cache")
        for statements in SCALES:
            root = Path(folder) / f"alliance-{statements}"
            started = time.perf_counter()
            commits = make_alliance(root, statements)
            made = time.perf_counter() - started
            primed = prime_build(root, accord, env)
            sizes[statements] = (commits, statements * RECORDS_PER_STATEMENT)
            print(f"# {statements} statements, {statements * RECORDS_PER_STATEMENT} records, {commits} commits: "
                  f"made in {made:.1f} s; build stamps primed for {primed} statements (2 built for real)",
                  flush=True)
            repo = ["--repo", str(root)]
            commands = {
                "accord --help": [*accord, "--help"],
                "accord check": [*accord, "check", *repo],
                "accord status --json": [*accord, "status", "--json", *repo],
                # cold: without the parse memo and every other cache in .git/accord/ but verify's walk, which
                # status never reads (wiping it here would make every verify below a first verify)
                "accord status --json (cold)": ["sh", "-c", 'find "$0" -mindepth 1 -maxdepth 1 ! -name ledger-walk '
                                                '-exec rm -rf {} + && exec "$@"', str(root / ".git" / "accord"),
                                                *accord, "status", "--json", *repo],
                "accord build (no-op)": [*accord, "build", *repo],
                "accord verify": [*accord, "verify", *repo],
                # a first verify: the history walked whole (the parse memo kept, as status leaves it)
                "accord verify (cold)": ["sh", "-c", 'rm -f "$0" && exec "$@"',
                                         str(root / ".git" / "accord" / "ledger-walk"), *accord, "verify", *repo],
            }
            if statements in SITE_SCALES:
                commands["accord site"] = [*accord, "site", "-o", str(Path(folder) / f"site-{statements}"), *repo]
            for command in commands.values():  # compile bytecode, write status's parse memo
                subprocess.run(command, stdout=subprocess.DEVNULL, env=env)
            check = subprocess.run(commands["accord check"], capture_output=True, text=True, env=env)
            verify = subprocess.run(commands["accord verify"], capture_output=True, text=True, env=env)
            if check.returncode or verify.returncode:
                raise SystemExit(f"the generated alliance does not pass: {check.stdout[-300:]} {verify.stdout[-300:]}")
            results[statements] = measure_all(commands, env)
            shutil.rmtree(root)
    print()
    print(f"{'command':28} {'statements':>10} {'CPU ms':>8} {'wall ms':>8} {'peak MiB':>9} {'ms/statement':>13} "
          f"{'growth':>8}")
    worse = []
    for name in results[SCALES[0]]:
        marginals = []
        scales = [statements for statements in SCALES if name in results[statements]]
        for index, statements in enumerate(scales):
            cpu, wall, peak = results[statements][name]
            marginal = growth_column = ""
            if index:
                before = scales[index - 1]
                per = (cpu - results[before][name][0]) * 1000 / (statements - before)
                marginals.append(per)
                marginal = f"{per:13.2f}"
                growth_column = f"{cpu / results[before][name][0]:5.2f}x/{statements // before}x"
            print(f"{name:28} {statements:>10} {cpu * 1000:8.0f} {wall * 1000:8.0f} {peak:9.0f} {marginal:>13} "
                  f"{growth_column:>8}")
        if name != "accord --help" and len(marginals) > 1:
            low, high = marginals[0], marginals[-1]
            growth = high / max(low, FLOOR_MS)
            flag = growth > GROWTH_LIMIT
            print(f"{'':28} {'growth':>10} marginal cost {SCALES[1]}->{SCALES[2]} is {growth:.2f}x that of "
                  f"{SCALES[0]}->{SCALES[1]}" + ("  WORSE THAN LINEAR" if flag else "  ok"))
            if flag:
                worse.append(name)
    print(f"\nCPU time and wall time: medians of {RUNS} runs; peak memory is the largest process of each "
          f"command's tree; target: growth <= {GROWTH_LIMIT}x (marginal costs under {FLOOR_MS} ms count as {FLOOR_MS})")
    for statements, (commits, records) in sizes.items():
        print(f"  {statements} statements: {records} records, {commits} commits, {PARTNERS} partners")
    print("target: " + ("all commands grow linearly or better" if not worse
                        else "MISSED, worse than linear: " + ", ".join(worse)))
    missed = []
    for (name, statements), limit in TARGETS.items():
        cpu = results.get(statements, {}).get(name, (float("nan"),))[0]
        met = cpu <= limit
        print(f"target: {name} of {statements} statements <= {limit:.1f} s CPU: {cpu:.2f} s "
              + ("met" if met else "MISSED"))
        if not met:
            missed.append(name)
    return 1 if worse or missed else 0


if __name__ == "__main__":
    sys.exit(main())
