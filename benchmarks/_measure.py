"""Timing shared by the benchmarks: CPU time (user + system of a command and everything it ran) and wall time.

CPU time does not depend on how many cores are free, so a ratio of CPU times gives
the same verdict on a quiet machine and a loaded one; wall time is printed beside it.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import time


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
