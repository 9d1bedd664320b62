"""The batch progress line (issue 16 item 8): ETA from finished runs' times, runs in parallel.

A fake clock drives :class:`optimizer.batch.progress.Progress`; every figure is derived by hand
from the formula in its docstring.
"""

from __future__ import annotations

import io

from optimizer.batch.progress import Progress


class Clock:
    """A clock the test sets by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_eta_from_finished_runs_and_parallel_slots():
    """Six runs on two workers. t=0: a, b start (the first two handed out: cold).
    t=10: a ends (10 s, cold; no warm run yet, so the mean is 10 s); c starts. Left: 5 runs,
    2 in flight (b at 10 s elapsed: 0 s left; c at 0 s: 10 s left), 3 queued, 2 slots:
    ETA = (3 x 10 + 0 + 10) / 2 = 20 s.
    t=12: b ends (12 s, cold); d starts. t=16: c ends (6 s, warm: the mean is now 6 s); e
    starts. Left: 3 runs; d at 4 s (2 s left), e at 0 s (6 s left), 1 queued, 2 slots:
    ETA = (1 x 6 + 2 + 6) / 2 = 7 s. (The elapsed time per finished run, 16 / 3 x 3 = 16 s,
    is what the old estimate gave.)
    t=30: d and e ended at 20 and 22 s (warm, 8 and 6 s: mean of 6, 8, 6 = 6.67 s); f started
    at 20 s, 10 s ago. Left: 1 run in flight, none queued, 1 useful slot:
    ETA = max(6.67 - 10, 0) / 1 = 0 s."""
    clock = Clock()
    p = Progress(6, enabled=False, clock=clock)
    p.workers = 2
    p.started("a")
    p.started("b")
    assert p.eta_s() is None
    clock.now = 10
    p.finished("a", True)
    p.started("c")
    assert p.eta_s() == 20
    clock.now = 12
    p.finished("b", True)
    p.started("d")
    clock.now = 16
    p.finished("c", True)
    p.started("e")
    assert p.mean_run_s() == 6
    assert p.eta_s() == 7
    line = p.line()
    assert "2 running in parallel (of 2 workers)" in line
    assert "ETA 7s (runs take 6.0 s each)" in line
    assert line.startswith("batch: 3/6, 3 done, 0 failed")
    clock.now = 20
    p.finished("d", True)
    p.started("f")
    clock.now = 22
    p.finished("e", True)
    clock.now = 30
    assert abs(p.mean_run_s() - 20 / 3) < 1e-12
    assert p.eta_s() == 0


def test_skipped_runs_do_not_count_and_a_pipe_gets_one_line_per_run():
    """Two of four runs already done (skipped): the ETA covers the two others only. One worker:
    x runs 0-5 s (cold, the only sample: 5 s); at t=5, y starts; left 1 run in flight at 0 s:
    ETA = 5 / 1 = 5 s. On a pipe (not a tty) each finished run prints one line."""
    clock, stream = Clock(), io.StringIO()
    p = Progress(4, enabled=True, stream=stream, clock=clock)
    p.skip("s1")
    p.skip("s2")
    p.started("x")
    clock.now = 5
    p.finished("x", True)
    p.started("y")
    assert p.eta_s() == 5
    assert stream.getvalue().startswith("ok     x  [batch: 3/4, 1 done, 0 failed, 0 running")
    p.finished("y", False, "infeasible")
    assert "FAILED y: infeasible" in stream.getvalue()


def test_workers_never_fewer_than_runs_in_flight():
    """A caller that leaves ``workers`` at 1 (the analytics) but has 3 runs in flight: the line
    says 3 in parallel of 3 workers, and the ETA divides by 3 slots. a, b, c start at 0 (cold);
    a ends at 9 s (mean 9 s); d starts. Left 5 of 6 runs: b and c at 9 s elapsed (0 s left), d
    at 0 s (9 s left), 2 queued: ETA = (2 x 9 + 9) / 3 = 9 s."""
    clock = Clock()
    p = Progress(6, enabled=False, clock=clock)
    for name in "abc":
        p.started(name)
    assert "3 running in parallel (of 3 workers)" in p.line()
    clock.now = 9
    p.finished("a", True)
    p.started("d")
    assert p.eta_s() == 9
