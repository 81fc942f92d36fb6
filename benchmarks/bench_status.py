"""Benchmark: `accord status --json` over 100 statements x 20 records, against `accord --help`.

The ledger's promise (issue 4) is that status reads files only, no git process per
record, and stays within 4x the start-up cost of `accord --help`, in CPU time (user +
system of the command and its children: the same verdict on a quiet machine and a
loaded one; wall time is printed beside it). The data is made in
a temporary folder; the medians of several runs of each command are compared.
status remembers parse results by content hash in .git/accord/, so the gated figure
is a repeated run; the first run (no memo) is printed too. Exit 1 if the ratio is
over the limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATEMENTS = 100
RECORDS = 20
RUNS = 9
LIMIT = 4.0
POSITIONS = ("endorse", "endorse", "endorse", "endorse-with-reservations", "no-objection", "abstain", "object",
             "withdrawn")

PARAGRAPH = ("States should appoint a qualified guardian for every unaccompanied or separated child without "
             "delay, and guardians should be independent of the authorities responsible for migration "
             "decisions, adequately trained, and given the time and resources to act in the child's best interests.")


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord.cli"]


def make_repo(root: Path) -> None:
    from accord.ledger import Evidence, Reservation, render_record
    from accord.statement import text_sha256

    partners = [f"partner-{index:02d}" for index in range(RECORDS)]
    (root / "partners").mkdir(parents=True)
    for partner_id in partners:
        (root / "partners" / f"{partner_id}.yaml").write_text(
            f"id: {partner_id}\nname: Partner {partner_id}\nshort: P{partner_id[-2:]}\nkind: igo\n"
            f"signers:\n  - name: Signer {partner_id}\n    title: Director\n    principal: s@{partner_id}.example\n",
            encoding="utf-8")
    (root / "accord.yaml").write_text("organization: Bench Alliance\n", encoding="utf-8")
    for number in range(STATEMENTS):
        statement_id = f"statement-{number:03d}"
        title = f"Joint Statement number {number}"
        body = "\n\n".join(f"## Part {part}\n\n{PARAGRAPH}\n\n1. {PARAGRAPH}\n2. {PARAGRAPH}" for part in range(12))
        folder = root / "statements" / statement_id
        (folder / "endorsements").mkdir(parents=True)
        (folder / "statement.md").write_text(
            f"---\nid: {statement_id}\ntitle: {title}\nkind: joint-statement\nstatus: consultation\n"
            f"date: 2026-11-28\nlanguage: en\ndrafters: [Ana Pereira]\nendorsement:\n"
            f"  invited: [{', '.join(partners)}]\n  required: [{partners[0]}]\n  threshold: 10\n---\n\n{body}\n",
            encoding="utf-8")
        current = text_sha256(title, body)
        for index, partner_id in enumerate(partners):
            position = POSITIONS[(number + index) % len(POSITIONS)]
            reservations = ((Reservation("We read guardian as a legal representative.", 4),)
                            if position == "endorse-with-reservations" else ())
            record = render_record(
                statement_id, partner_id, position,
                current if (number + index) % 5 else hashlib.sha256(b"old").hexdigest(),
                f"Signer {partner_id}, Director", recorded_by="Bench Secretariat <s@bench.example>",
                recorded_at=dt.date(2026, 11, 28), commit=hashlib.sha1(str(index).encode()).hexdigest(),
                reservations=reservations, evidence=Evidence("letter", f"REF/{number}/{index}"),
                supersedes=None if index % 3 else hashlib.sha256(b"previous").hexdigest())
            (folder / "endorsements" / f"{partner_id}.yaml").write_bytes(record)
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(commands: list[list[str]], env: dict, runs: int = RUNS, before=None) -> list[tuple[float, float]]:
    """Median wall and CPU time of each command, the commands taking turns so that all see the same load."""
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            if before:
                before()
            samples[index].append(timed(command, env))
    return [(statistics.median(w for w, _ in runs_), statistics.median(c for _, c in runs_)) for runs_ in samples]


def main() -> int:
    accord = accord_command()
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
        root = Path(folder) / "repo"
        make_repo(root)
        # Both commands run as installed code does: from compiled bytecode. Some sandboxes set
        # PYTHONDONTWRITEBYTECODE, which would charge every run for compiling accord's modules
        # (status imports more of them than --help); the bytecode goes to the temporary folder.
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        status = [*accord, "status", "--json", "--repo", str(root)]
        help_ = [*accord, "--help"]
        memo = root / ".git" / "accord" / "ledger-memo.json"
        for command in (status, help_):  # compile the bytecode and write the memo
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        (help_wall, help_cpu), (status_wall, status_cpu) = medians([help_, status], env)
        ((cold_wall, cold_cpu),) = medians([status], env, 3, before=lambda: memo.unlink(missing_ok=True))
    # The verdict is on CPU time (user + system of the command and its children): a loaded machine
    # stretches wall times unevenly (--help is short enough to slip between other work), and the ratio
    # on wall flipped with the load; wall time is printed beside it.
    ratio = status_cpu / help_cpu
    print(f"accord --help                                {help_wall * 1000:7.1f} ms wall {help_cpu * 1000:7.1f} ms CPU")
    print(f"accord status --json, {STATEMENTS} x {RECORDS} records   {status_wall * 1000:7.1f} ms wall "
          f"{status_cpu * 1000:7.1f} ms CPU")
    print(f"  first run, without its parse memo          {cold_wall * 1000:7.1f} ms wall {cold_cpu * 1000:7.1f} ms CPU"
          " (not gated)")
    print(f"medians of {RUNS} runs taking turns; ratio {ratio:.2f} CPU, {status_wall / help_wall:.2f} wall "
          f"(limit {LIMIT:.0f}, on CPU time): {'ok' if ratio <= LIMIT else 'TOO SLOW'}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
