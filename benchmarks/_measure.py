"""Timing shared by the benchmarks: CPU time (user + system of a command and everything it ran) and wall time.

CPU time does not depend on how many cores are free, so a ratio of CPU times gives
the same verdict on a quiet machine and a loaded one; wall time is printed beside it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from pathlib import Path


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of a command; SystemExit if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command[:6])} ... failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def medians(commands: dict[str, list[str]], runs: int, env: dict | None = None) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds of each command, the commands taking turns so that all see the same load."""
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    wall: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            used, elapsed = timed(command, env)
            cpu[name].append(used)
            wall[name].append(elapsed)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in commands}


def compiled_env(folder: Path) -> dict[str, str]:
    """The environment for timing Python commands as installed code runs: from compiled bytecode.

    Some sandboxes set PYTHONDONTWRITEBYTECODE, which charges every run of accord (an editable
    install, no bytecode yet) for compiling its modules while the baseline's libraries (pandoc's
    and Typst's wrappers) were compiled when pip installed them. The bytecode goes to `folder`;
    run each command once before timing it."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
    return env
