"""Run one function in a forked child process while the caller goes on.

``supplyopt solve`` writes results.xlsx (XlsxWriter, pure Python: 0.8 s at the medium preset)
and report.html (0.6 s) from the same saved tables; forked, the workbook is written on a
second core while the parent writes the report. The independent verification of the plan
(0.25 s) runs forked too, while HiGHS ranges the right-hand sides, which holds the GIL. The
child starts with the parent's memory shared copy-on-write, so nothing is pickled and nothing
is imported again.

Only on Linux with two usable cores or more (:func:`available`); callers fall back to doing
the work in turn. The child ignores Ctrl-C (the parent gets it, kills the child and cleans
up), dies with its parent, touches no stdout or stderr, and reports back through a pipe:
success with the memory only it holds (its private pages), or the error.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback
import warnings
from contextlib import contextmanager


_WARMING: list[threading.Thread] = []
"""Threads started by :func:`warm_up_in_thread` not yet waited for."""


def warm_up_in_thread(fn) -> None:
    """Run ``fn`` (imports, first-use set-up) in a background thread while the caller goes on.

    For work that is needed later and slow only the first time, done while the main thread
    waits for HiGHS (whose wait releases the GIL), on a core that would otherwise idle. An
    error in ``fn`` is dropped: the caller meets it again, with its own message, when it does
    the same work. A fork first waits for the thread (:func:`_wait_for_warm_up`).
    """
    def quietly():
        try:
            fn()
        except Exception:  # noqa: BLE001 (see the docstring)
            pass

    thread = threading.Thread(target=quietly, name="supplyopt-warm-up", daemon=True)
    _WARMING[:] = [t for t in _WARMING if t.is_alive()]  # a process that never forks
    _WARMING.append(thread)
    thread.start()


def _wait_for_warm_up() -> None:
    """Join the warm-up threads before a fork: a module lock held by a thread mid-import at
    the fork would stay held in the child, where that thread does not exist, and the child
    would hang on its first import of that module."""
    while _WARMING:
        _WARMING.pop().join()


class ChildFailed(RuntimeError):
    """The forked function raised; the message is its error, the notes hold its traceback."""


MAX_COLUMNS = 500_000
"""Models with more columns do not fork (:func:`worth_it`): their solve takes minutes, so the
overlap saves under 1 % (0.65 s of verification and 6.5 s of writing next to a 400 s solve at
1M columns), while the child's own memory would stack on the run's peak (HiGHS's ranging)."""


def available() -> bool:
    """True where a second process can help: Linux and at least two cores.

    Linux only: macOS has fork, but system libraries loaded before it (Accelerate's BLAS,
    Objective-C frameworks) are not safe to use in the child, which is why Python itself
    stopped forking there by default.
    """
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return False
    return len(os.sched_getaffinity(0)) >= 2  # the cores this process may use, not the machine's


def worth_it(n_columns: int) -> bool:
    """Fork for a model of this many columns: :func:`available` and :data:`MAX_COLUMNS`."""
    return available() and n_columns <= MAX_COLUMNS


def _private_mb() -> float | None:
    """Memory this process alone holds (private clean + dirty pages), MB; None off Linux."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as f:
            kb = sum(int(line.split()[1]) for line in f
                     if line.startswith(("Private_Clean:", "Private_Dirty:")))
    except OSError:
        return None
    return kb / 1024


def _plain(o):
    """JSON for numpy scalars and arrays; anything else as its text."""
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this child if the parent dies (a kill -9 of the CLI)."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _child(fn, w: int) -> None:
    """Body of the child: run ``fn``, write the verdict to ``w``, leave without cleanup."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()
        try:
            result = fn()
            msg = {"ok": True, "result": result, "private_mb": _private_mb()}
            code = 0
        except BaseException as exc:  # reported to the parent, which raises
            msg = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc()}
        data = json.dumps(msg, default=_plain).encode()
        while data:
            data = data[os.write(w, data):]
    finally:
        # No atexit handlers, no buffered-output flush: those belong to the parent.
        os._exit(code)


@contextmanager
def _ctrl_c_held():
    """Hold a Ctrl-C back while the block runs, then raise it (main thread only).

    Around ``fork``: a Ctrl-C landing between the fork and the parent's note of the child's
    pid would otherwise leave a child running, and one pending at the fork would also be
    raised in the child (Python's "signal tripped" flag is copied with the memory).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # KeyboardInterrupt is only ever raised in the main thread
        return
    got = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if got:
        raise KeyboardInterrupt


@contextmanager
def in_child(fn, stats: dict | None = None):
    """Run ``fn()`` in a forked child while the ``with`` block runs; then wait for it.

    If ``fn`` raised, :class:`ChildFailed` is raised on leaving the block. If the block
    raises, or Ctrl-C arrives at any point, the child is killed first. ``stats``, when given,
    receives ``result``, what ``fn`` returned as it reads back from JSON (tuples become lists,
    numpy numbers Python ones), and ``child_private_mb``: the memory the child held on its
    own when ``fn`` returned.
    """
    _wait_for_warm_up()
    r, w = os.pipe()
    pid = None
    try:
        with _ctrl_c_held():
            with warnings.catch_warnings():
                # Python 3.12+ warns when a process with threads forks (HiGHS's workers may be
                # alive): the child runs only ``fn``, in Python, and takes none of their locks.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                os.close(r)
                _child(fn, w)  # never returns
        os.close(w)
        w = None
        yield
        with os.fdopen(r, "rb", closefd=False) as f:
            raw = f.read()
        _, status = os.waitpid(pid, 0)
        pid = None
    except BaseException:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(r)
        if w is not None:
            os.close(w)
    msg = json.loads(raw) if raw else {"ok": False, "error": (
        f"the child process ended without a verdict (wait status {status})"), "traceback": ""}
    if not msg["ok"]:
        exc = ChildFailed(msg["error"])
        if msg.get("traceback"):
            exc.add_note("in the forked child:\n" + msg["traceback"])
        raise exc
    if stats is not None:
        stats["result"] = msg.get("result")
        stats["child_private_mb"] = msg.get("private_mb")


class Started:
    """A child started by :func:`start`, running while the caller goes on.

    Read what it sends with :meth:`result` (one message per call), or kill it with
    :meth:`stop`; ``stop`` must be called in the end (a ``try``/``finally`` around the
    caller's work, or a finaliser). Unlike :func:`in_child`, a child that failed gives
    ``None`` (its error in :attr:`error`): the caller has a slower way to the same answer.
    """

    def __init__(self, pid: int, r: int):
        self.pid, self.error, self.private_mb = pid, None, None
        self.handed_over = False  # the caller's note: someone else will stop it
        self._file = os.fdopen(r, "rb")

    def result(self):
        """Wait for the child's next message: what it sent (read back from JSON), or None.

        None also when the child failed or ended before sending it (then :attr:`error`).
        """
        if self._file is None or self.error is not None:
            return None
        try:
            line = self._file.readline()
        except BaseException:
            self.stop()
            raise
        msg = json.loads(line) if line else {"ok": False, "error": (
            "the child process ended without sending a result")}
        if not msg["ok"]:
            self.error = msg["error"]
            return None
        self.private_mb = msg.get("private_mb")
        return msg.get("result")

    def stop(self) -> None:
        """Kill the child if it still runs and reap it (nothing more is wanted from it)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ChildProcessError, ProcessLookupError):
                pass
            self.pid = None
        if self._file is not None:
            self._file.close()
            self._file = None


def _streaming_child(fn, w: int) -> None:
    """Body of a :func:`start` child: one JSON line per result of ``fn``, then exit."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()

        def send(msg):
            data = (json.dumps(msg, default=_plain) + "\n").encode()
            while data:
                data = data[os.write(w, data):]
        try:
            results = fn()
            if not hasattr(results, "__next__"):  # one result, not a generator
                results = iter((results,))
            for result in results:
                send({"ok": True, "result": result, "private_mb": _private_mb()})
            code = 0
        except BaseException as exc:  # reported to the parent, which falls back
            send({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        os._exit(code)  # no atexit handlers, no buffered-output flush: the parent's


def start(fn) -> Started:
    """Run ``fn()`` in a forked child and return at once; see :class:`Started`.

    ``fn`` returns one result, or is a generator: each result it yields is sent as soon as
    it is ready (read them in turn with :meth:`Started.result`). The child is otherwise as
    :func:`in_child`'s: it ignores Ctrl-C and dies with its parent.
    """
    _wait_for_warm_up()
    r, w = os.pipe()
    pid = None
    try:
        with _ctrl_c_held():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # see in_child
                pid = os.fork()
            if pid == 0:
                os.close(r)
                _streaming_child(fn, w)  # never returns
    except BaseException:
        os.close(r)
        raise
    finally:
        if pid != 0:
            os.close(w)
    return Started(pid, r)
