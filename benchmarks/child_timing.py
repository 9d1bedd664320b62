"""Timing a command in its own process, as a user waits for it: wall and CPU seconds.

Shared by the benchmarks that compare whole ``supplyopt`` runs with HiGHS alone (adaptive.py,
frontier.py). CPU time is the user + system time of the finished child (and its own children,
e.g. the forked workers of a solve), read from ``getrusage(RUSAGE_CHILDREN)`` around the run.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def byte_compile(package: Path = ROOT / "optimizer") -> None:
    """Byte-compile ``package``'s modules into its ``__pycache__`` folders before anything is
    timed, so that the tool starts as it does for its users.

    ``pip install .`` compiles every module at install, and Python caches what it compiles on
    a module's first import, so a user's second run reads bytecode. Where
    ``PYTHONDONTWRITEBYTECODE=1`` is set (as on this project's build machines) nothing is
    cached and every process of the tool would compile the modules it imports from source:
    0.1–0.2 s of CPU per process, a cost the floor (highspy, compiled by pip) never pays.
    ``compileall`` writes the files whatever that variable says; Python reads them either way.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True,
                   capture_output=True)


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
