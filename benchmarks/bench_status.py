"""Benchmark: `accord status --json` over 100 statements x 20 records, against `accord --help`.

The ledger's promise (issue 4) is that status reads files only, no git process per
record, and stays within 4x the start-up cost of `accord --help`. The data is made in
a temporary folder; the medians of several runs of each command are compared.
status remembers parse results by content hash in .git/accord/, so the gated figure
is a repeated run; the first run (no memo) is printed too. Exit 1 if the ratio is
over the limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
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


def median_seconds(command: list[str], env: dict, runs: int = RUNS, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
        memo = root / ".git" / "accord" / "ledger-memo.json"
        subprocess.run(status, check=True, stdout=subprocess.DEVNULL, env=env)
        subprocess.run([*accord, "--help"], check=True, stdout=subprocess.DEVNULL, env=env)
        cold_time = median_seconds(status, env, 3, before=lambda: memo.unlink(missing_ok=True))
        help_time = median_seconds([*accord, "--help"], env)
        status_time = median_seconds(status, env)
    ratio = status_time / help_time
    print(f"accord --help                                 {help_time * 1000:7.1f} ms (median of {RUNS})")
    print(f"accord status --json, {STATEMENTS} x {RECORDS} records    {status_time * 1000:7.1f} ms (median of {RUNS})")
    print(f"  the same without its parse memo (first run) {cold_time * 1000:7.1f} ms (median of 3; not gated)")
    print(f"ratio {ratio:.2f} (limit {LIMIT:.0f}): {'ok' if ratio <= LIMIT else 'TOO SLOW'}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
