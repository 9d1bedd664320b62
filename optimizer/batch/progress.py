"""Live progress of a batch on stderr: done / failed / running / skipped, elapsed and ETA.

On a terminal the line is redrawn in place (at most every 0.2 s); otherwise one line is
printed per finished run, so logs of a CI job or ``nohup`` stay readable.
"""

from __future__ import annotations

import sys
import time


def _fmt_s(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    r"""Counts of a batch's runs and an estimate of the time left.

    The ETA comes from the wall times of the runs finished in this session (each timed from
    its hand-over to a worker to its result), not from the elapsed time: a batch's first
    runs build each worker's live model and later ones re-solve it warm, so the elapsed time
    per finished run over-predicted (5 min 06 s for a batch that took 2 min 07 s). With
    :math:`\bar d` the mean wall time of the finished warm runs (the first ``workers`` runs
    handed out are cold and left out once a warm run has finished), :math:`n_q` the runs not
    yet started, :math:`e_i` the elapsed time of run :math:`i` in flight and :math:`w` the
    parallel slots still useful, :math:`\min(\text{workers}, \text{runs left})`:

    .. math:: \text{ETA} = \frac{n_q \bar d + \sum_{i \in \text{flight}}
              \max(\bar d - e_i, 0)}{w}

    It is blank until the first run finishes. ``clock`` returns seconds (tests pass a fake).
    """

    def __init__(self, total: int, enabled: bool = True, stream=None, label: str = "batch",
                 clock=time.perf_counter):
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label = label
        self.done = self.failed = self.running = self.skipped = 0
        self.workers = 1
        self._clock = clock
        self._t0 = clock()
        self._last_draw = 0.0
        self._started_at: dict[str, float] = {}  # runs in flight: name -> start time
        self._n_started = 0
        self._cold: set[str] = set()  # the first `workers` runs handed out (model builds)
        self._durations: list[tuple[float, bool]] = []  # (wall s, cold) of finished runs

    @property
    def remaining(self) -> int:
        """Runs neither finished nor skipped."""
        return self.total - self.done - self.failed - self.skipped

    def mean_run_s(self) -> float | None:
        """Mean wall time of the finished runs (warm ones once any), or None before one ends."""
        warm = [d for d, cold in self._durations if not cold]
        times = warm or [d for d, _ in self._durations]
        return sum(times) / len(times) if times else None

    def eta_s(self) -> float | None:
        """Seconds left (class docstring), or None before the first run finishes."""
        mean = self.mean_run_s()
        if mean is None:
            return None
        now = self._clock()
        queued = max(self.remaining - len(self._started_at), 0)
        in_flight = sum(max(mean - (now - t), 0.0) for t in self._started_at.values())
        slots = max(1, min(self.workers, self.remaining))
        return (queued * mean + in_flight) / slots

    def line(self) -> str:
        """The progress line (without the carriage return)."""
        eta = self.eta_s()
        parts = [f"{self.label}: {self.done + self.failed + self.skipped}/{self.total}",
                 f"{self.done} done", f"{self.failed} failed",
                 f"{self.running} running in parallel (of {self.workers} workers)"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (already done)")
        parts.append(f"elapsed {_fmt_s(self._clock() - self._t0)}")
        if eta is not None and self.remaining:
            parts.append(f"ETA {_fmt_s(eta)} (runs take {self.mean_run_s():.1f} s each)")
        return ", ".join(parts)

    def _draw(self, force: bool = False, note: str | None = None) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if self.tty:
            if force or now - self._last_draw >= 0.2:
                self.stream.write("\r\033[K" + self.line())
                self.stream.flush()
                self._last_draw = now
            if note:
                self.stream.write("\r\033[K" + note + "\n" + self.line())
                self.stream.flush()
        elif note:
            self.stream.write(f"{note}  [{self.line()}]\n")
            self.stream.flush()

    def started(self, name: str) -> None:
        """A run was handed to a worker."""
        self.running += 1
        # A caller that did not say how many workers it has (analytics) still gets the
        # parallel slots right: never fewer than the runs seen in flight together.
        self.workers = max(self.workers, self.running)
        self._started_at[name] = self._clock()
        self._n_started += 1
        if self._n_started <= self.workers:
            self._cold.add(name)
        self._draw()

    def skip(self, name: str) -> None:
        """A run was already done with the same inputs."""
        self.skipped += 1
        self._draw()

    def finished(self, name: str, ok: bool, detail: str = "") -> None:
        """A run finished (``ok``) or failed (``detail`` says why)."""
        self.running = max(0, self.running - 1)
        start = self._started_at.pop(name, None)
        if start is not None:
            self._durations.append((self._clock() - start, name in self._cold))
        if ok:
            self.done += 1
        else:
            self.failed += 1
        note = f"{'ok    ' if ok else 'FAILED'} {name}" + (f": {detail}" if detail else "")
        self._draw(force=True, note=note if (not ok or not self.tty) else None)

    def close(self) -> None:
        """Leave the final line on the terminal."""
        if self.enabled and self.tty:
            self.stream.write("\r\033[K" + self.line() + "\n")
            self.stream.flush()
