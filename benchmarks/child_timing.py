"""Timing a command in its own process, as a user waits for it: wall and CPU seconds.

Shared by the benchmarks that compare whole ``supplyopt`` runs with HiGHS alone (adaptive.py,
frontier.py). CPU time is the user + system time of the finished child (and its own children,
e.g. the forked workers of a solve), read from ``getrusage(RUSAGE_CHILDREN)`` around the run.
"""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd`` from the repository root; (wall s, CPU s of the child, stdout). Fails loudly
    on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout
