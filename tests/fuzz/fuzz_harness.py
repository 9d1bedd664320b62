"""Run one fuzz case through the CLI in-process, bound its time, classify the outcome.

Every case ends in exactly one of these kinds:

``valid``       exit 0 (``validate``), or exit 0/3 from ``solve`` (3 = a valid but infeasible
                instance, which is an answer, not a failure);
``error``       exit 2 whose every problem line starts with the instance's file (or a CSV file
                inside the instance folder) and, where the case says where the fault is, has a
                line naming that sheet, row and column: a *clean* error;
``imprecise``   exit 2 but a problem line without its file, or without the expected location;
``crash``       any other exit code, any traceback in the output, or an exception escaping;
``hang``        more than :data:`CPU_LIMIT_S` of CPU or :data:`WALL_LIMIT_S` of wall time;
``wrote``       a run refused (exit 2) or crashed that created its output folder or left any
                file behind.

``TALLY`` keeps every outcome of the session; ``conftest.py`` prints the counts at the end.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app

CPU_LIMIT_S = 30.0
"""Per-case bound on CPU time (the promise: every case finishes within 30 s)."""
WALL_LIMIT_S = float(os.environ.get("SUPPLYOPT_FUZZ_WALL_S", "120"))
"""Per-case bound on wall time; looser than CPU_LIMIT_S because the suite may share the machine."""
FULL = os.environ.get("SUPPLYOPT_FUZZ_FULL", "") not in ("", "0")
"""SUPPLYOPT_FUZZ_FULL=1 runs the full corpus (≥ 1,000 cases); otherwise a fast subset."""


class Hang(BaseException):
    """Raised by the timer signal; a BaseException so the CLI's error guard does not catch it."""


@dataclass
class Outcome:
    """What one case did."""

    case: str
    command: str
    kind: str
    exit_code: int | None
    wall_s: float
    cpu_s: float
    output: str
    note: str = ""


TALLY: list[Outcome] = []
"""Every outcome of this session, in run order."""


def _on_timer(signum, frame):
    raise Hang(signal.Signals(signum).name)


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def run_case(name: str, instance: Path, workdir: Path, command: str = "validate",
             where: tuple[str, ...] = ()) -> Outcome:
    """Run ``supplyopt <command> instance`` in-process and classify the outcome (see module doc).

    ``workdir`` must hold nothing the run may legitimately change; for ``solve`` the output goes
    to ``workdir/out``, which must not exist afterwards unless the run succeeded.
    """
    out_dir = workdir / "out"
    args = [command, str(instance)]
    if command == "solve":
        args += ["--out", str(out_dir), "--quiet"]
    before = _files_under(workdir)
    old_prof = signal.signal(signal.SIGPROF, _on_timer)
    old_alrm = signal.signal(signal.SIGALRM, _on_timer)
    t0, c0 = time.perf_counter(), time.process_time()
    result, hung = None, ""
    try:
        signal.setitimer(signal.ITIMER_PROF, CPU_LIMIT_S)
        signal.setitimer(signal.ITIMER_REAL, WALL_LIMIT_S)
        result = CliRunner().invoke(app, args)
    except Hang as exc:
        hung = str(exc)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old_prof)
        signal.signal(signal.SIGALRM, old_alrm)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if hung or cpu > CPU_LIMIT_S or wall > WALL_LIMIT_S:
        outcome = Outcome(name, command, "hang", None, wall, cpu, "", f"timer {hung or 'after'}")
        TALLY.append(outcome)
        return outcome
    text = result.output
    code = result.exit_code
    kind, note = _classify(code, text, result.exception, instance, command, where)
    if kind not in ("valid", "hang"):  # exit 3 may write its infeasibility report: an answer
        after = _files_under(workdir)
        if after != before:
            kind, note = "wrote", f"left behind: {sorted(str(p) for p in after - before)[:3]}"
    outcome = Outcome(name, command, kind, code, wall, cpu, text, note)
    TALLY.append(outcome)
    return outcome


def _classify(code, text, exception, instance: Path, command, where) -> tuple[str, str]:
    if "Traceback" in text:
        return "crash", "traceback in output"
    if exception is not None and not isinstance(exception, SystemExit):
        return "crash", f"{type(exception).__name__}: {exception}"
    if code == 0 or (command == "solve" and code == 3):
        return "valid", ""
    if code != 2:
        return "crash", f"exit code {code}"
    lines = [ln for ln in text.splitlines() if ln.startswith("  - ")]
    if not lines:
        return "imprecise", "exit 2 without a problem list"
    for ln in lines:
        if not ln[4:].startswith(str(instance)):
            return "imprecise", f"problem line without the file: {ln}"
    if where and not any(all(w in ln for w in where) for ln in lines):
        return "imprecise", f"no problem line naming {where}"
    return "error", ""


def summary() -> dict:
    """Counts by kind, plus the slowest case, for the end-of-run report and the docs."""
    counts = {k: 0 for k in ("valid", "error", "imprecise", "crash", "hang", "wrote")}
    for o in TALLY:
        counts[o.kind] += 1
    slow = max(TALLY, key=lambda o: o.wall_s, default=None)
    return {
        "cases": sum(o.command == "validate" for o in TALLY),
        "runs": len(TALLY),
        "solve_runs": sum(o.command == "solve" for o in TALLY),
        **counts,
        "max_wall_s": round(slow.wall_s, 2) if slow else 0.0,
        "max_cpu_s": round(max((o.cpu_s for o in TALLY), default=0.0), 2),
        "max_validate_wall_s": round(max((o.wall_s for o in TALLY if o.command == "validate"),
                                         default=0.0), 2),
        "max_validate_cpu_s": round(max((o.cpu_s for o in TALLY if o.command == "validate"),
                                        default=0.0), 2),
        "slowest": slow.case if slow else "",
        "mode": "full" if FULL else "fast",
    }
