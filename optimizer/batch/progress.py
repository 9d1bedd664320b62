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
    """Counts of a batch's runs and an estimate of the time left.

    The ETA is the mean wall time per run finished so far in this session × runs left ÷
    runs in flight (parallel workers); it is blank until the first run finishes.
    """

    def __init__(self, total: int, enabled: bool = True, stream=None, label: str = "batch"):
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.label = label
        self.done = self.failed = self.running = self.skipped = 0
        self.workers = 1
        self._t0 = time.perf_counter()
        self._last_draw = 0.0
        self._finished_here = 0

    @property
    def remaining(self) -> int:
        """Runs neither finished nor skipped."""
        return self.total - self.done - self.failed - self.skipped

    def eta_s(self) -> float | None:
        """Seconds left, or None before the first run finishes."""
        if not self._finished_here:
            return None
        per_run = (time.perf_counter() - self._t0) / self._finished_here
        return per_run * self.remaining

    def line(self) -> str:
        """The progress line (without the carriage return)."""
        eta = self.eta_s()
        parts = [f"{self.label}: {self.done + self.failed + self.skipped}/{self.total}",
                 f"{self.done} done", f"{self.failed} failed", f"{self.running} running"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (already done)")
        parts.append(f"elapsed {_fmt_s(time.perf_counter() - self._t0)}")
        if eta is not None and self.remaining:
            parts.append(f"ETA {_fmt_s(eta)}")
        return ", ".join(parts)

    def _draw(self, force: bool = False, note: str | None = None) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
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
        self._draw()

    def skip(self, name: str) -> None:
        """A run was already done with the same inputs."""
        self.skipped += 1
        self._draw()

    def finished(self, name: str, ok: bool, detail: str = "") -> None:
        """A run finished (``ok``) or failed (``detail`` says why)."""
        self.running = max(0, self.running - 1)
        self._finished_here += 1
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
