"""The worker side of a batch: solve one task, keep warm models, write its run folder.

Each run becomes a :class:`~optimizer.batch.task.Task` (plain data: picklable) solved by
:func:`run_task` in a worker process. HiGHS runs with ``threads=1`` per worker (it fixes its
thread count at the first solve in a process, and the workers already use the cores). Each
worker keeps, per thread, the last RunResult of each base instance and passes its outcome as
``warm_start`` to the next solve of that instance (same rows and columns: its basis starts
HiGHS, for a MIP the basis of the fixed-LP re-solve, see :func:`optimizer.solve.solve_compiled`),
and a :class:`~optimizer.live.LiveModel` per base; the run's manifest records ``warm_start``.

A run's outputs go to ``DIR/runs/<safe run name>/`` through :func:`optimizer.output.write_run`
(written in a temporary folder, renamed into place), and its ``manifest.json`` is written last,
atomically (temporary file, fsync, rename): a run counts as done only if its manifest says
``status: ok`` with the same ``input_sha256``.
"""


from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

from optimizer.batch.task import Task
from optimizer.batch.transforms import apply_transforms
from optimizer.errors import InputError, OptimizerError, Problem

MANIFEST = "manifest.json"
FORMAT = 1




_INSTANCES: dict = {}
_INSTANCES_LOCK = threading.Lock()
_LOCAL = threading.local()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _instance(base: str, checksum: str, payload=None):
    """The base instance, read once per process (checked against the batch's checksum)."""
    from optimizer.api import load_instance

    with _INSTANCES_LOCK:
        inst = _INSTANCES.get(checksum)
    if inst is not None:
        return inst
    if payload is not None:  # a remote worker: the base came over the wire
        tmp = Path(tempfile.mkdtemp(prefix="supplyopt-base-"))
        try:
            if isinstance(payload, dict):
                folder = tmp / "base"
                folder.mkdir()
                for name, data in payload.items():
                    (folder / Path(name).name).write_bytes(data)
                path = folder
            else:
                path = tmp / Path(base).name
                path.write_bytes(payload)
            inst = load_instance(path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        inst = load_instance(base)
    if checksum and inst.checksum != checksum:
        raise InputError(Problem(base, None, None, None, None,
                                 "the same base instance as when the batch started (the file "
                                 "changed while the batch was running)"))
    with _INSTANCES_LOCK:
        _INSTANCES[checksum] = inst
    return inst


def _last_runs() -> dict:
    """Cache of the calling thread: (base checksum, transform) → last RunResult (warm starts)."""
    if not hasattr(_LOCAL, "last"):
        _LOCAL.last = {}
    return _LOCAL.last


LIVE_MODELS = 2
"""Live models a worker thread keeps (analytics alternates between two transformed bases)."""


def _live_model(key, inst, options):
    """The calling thread's LiveModel for ``key`` (built on first use), or None if it cannot
    be built (the run then rebuilds, and reports the problem the usual way)."""
    from optimizer.live import LiveModel

    if not hasattr(_LOCAL, "live"):
        _LOCAL.live = {}
    cache = _LOCAL.live
    if key in cache:
        cache[key] = cache.pop(key)  # most recently used last
        return cache[key]
    try:
        live = LiveModel(inst, options)
    except Exception:  # noqa: BLE001 - any failure here is reported by the rebuild path
        return None
    while len(cache) >= LIVE_MODELS:
        cache.pop(next(iter(cache)))
    cache[key] = live
    return live


def write_json_atomic(obj, path: Path) -> None:
    """Write strict JSON (NaN as null) to ``path`` via a temporary file, fsync and rename."""
    from optimizer.json_safe import dumps
    from optimizer.output import atomic_file

    text = dumps(obj) + "\n"  # NaN → null: built before the file is opened, so nothing half
    with atomic_file(path, durable=True) as tmp:
        tmp.write_text(text, encoding="utf-8")


class _Saved:
    """What ``write_run`` needs of a run (tables, summary), when the run was solved remotely."""

    def __init__(self, tables, summary):
        self.tables = tables
        self._summary = summary

    def summary(self):
        return self._summary


def package_version() -> str:
    """The installed supplyopt version ("unknown" when run from a bare checkout)."""
    try:
        from importlib.metadata import version

        return version("supplyopt")
    except Exception:
        return "unknown"


def _manifest(task: Task, res: dict) -> dict:
    opts = task.options
    return {
        "format": FORMAT,
        "run": task.name,
        "status": res["status"],
        "reason": res.get("reason"),
        "error_type": res.get("error_type"),
        "input_sha256": task.key,
        "base_instance": {"path": task.base, "sha256": task.base_checksum},
        "overrides": [o.describe() for o in task.overrides],
        "overrides_detail": [{"sheet": o.sheet, "key": list(o.key), "column": o.column,
                              "mode": o.mode, "value": o.value, "from_period": o.from_period,
                              "source": o.source} for o in task.overrides],
        "options": dict(vars(opts)) if opts is not None else {},
        "solver": res.get("solver", "highs"),
        "solver_version": res.get("solver_version"),
        # Whether the run's shadow-price tables carry right-hand-side ranges
        # (SolveOptions.ranging, off in a batch unless asked: supplyopt batch --ranging).
        "rhs_ranges": res.get("rhs_ranges", False),
        "warm_start": res.get("warm_start", "cold"),
        "warm_start_from": res.get("warm_start_from"),
        "started_utc": res.get("started_utc"),
        "finished_utc": res.get("finished_utc"),
        "wall_s": res.get("wall_s"),
        "times_s": res.get("times_s", {}),
        "host": res.get("host"),
        "pid": res.get("pid"),
        "python": platform.python_version(),
        "supplyopt_version": package_version(),
        **dict(task.meta),
        "summary_row": res.get("row", {}),
        "long": res.get("long", {}),
    }


def save_run(task: Task, res: dict, run=None) -> None:
    """Write a run's outputs (if it has any) and then its manifest, each atomically."""
    from optimizer.output import atomic_dir, write_run

    out = Path(task.out_dir)
    if run is not None:
        write_run(run, out, render=task.render, plotly_src=task.plotly_src)
    elif res.get("tables") is not None:
        write_run(_Saved(res["tables"], res["summary"]), out, render=task.render,
                  plotly_src=task.plotly_src)
    else:  # a failed run: a folder holding only its manifest
        with atomic_dir(out):
            pass
    write_json_atomic(_manifest(task, res), out / MANIFEST)


def run_task(task: Task, payload=None, write: bool = True) -> dict:
    """Solve one task; never raises. Returns a small dict (status, reason, row, builds, ...).

    ``write`` False (remote workers): the result tables come back in the dict and the caller
    writes them; otherwise the worker writes the run folder itself.
    """
    from optimizer.api import solve
    from optimizer.batch.summary import (
        build_triples,
        contract_triples,
        expected_unmet,
        scenario_unmet,
        summary_row,
    )
    from optimizer.solve import highs_version

    t0 = time.perf_counter()
    res: dict = {"name": task.name, "key": task.key, "status": "failed", "started_utc": _now(),
                 "host": socket.gethostname(), "pid": os.getpid(), "written": False,
                 "solver": getattr(task.options, "solver", "highs")}
    run = None
    try:
        inst = _instance(task.base, task.base_checksum, payload)
        if task.transform:
            inst = apply_transforms(inst, task.transform)
        cache_key = (task.base_checksum, task.transform)
        times: dict = {}
        live = _live_model((*cache_key, task.options), inst, task.options) \
            if task.live else None
        run = live.solve(task.overrides, times=times,
                         compare_status_quo=task.compare_status_quo) if live else None
        if run is not None:
            res["warm_start"], res["warm_start_from"] = "live", None
        else:  # rebuilt: the structure changed, or the live path does not apply
            times = {}
            prev = _last_runs().get(cache_key)
            run = solve(inst, task.options, task.overrides, times=times,
                        warm_start=prev.outcome if prev is not None else None,
                        compare_status_quo=task.compare_status_quo)
            # warm: HiGHS started from the previous run's basis (an LP's, or a MIP's fixed LP)
            warm = prev is not None and getattr(run.outcome, "warm_start", None) is not None
            res["warm_start"] = "warm" if warm else "cold"
            res["warm_start_from"] = getattr(prev, "_batch_name", None) if warm else None
        run._batch_name = task.name
        _last_runs()[cache_key] = run
        row, long = summary_row(run, task.focus)
        res.update(status="ok", row=row, long=long, times_s={k: round(v, 4) for k, v in
                                                              times.items()},
                   objective=run.outcome.objective, builds=build_triples(run.tables["builds"]),
                   contracts=contract_triples(run.tables.get("contracts")),
                   unmet=expected_unmet(run), scenario_unmet=scenario_unmet(run),
                   scenario_costs=run.tables["scenario_costs"].to_dict("records"),
                   solver_version=run.outcome.solver_version,
                   rhs_ranges=bool(run.outcome.rhs_range))
    except OptimizerError as exc:
        res.update(reason=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # an internal error: one run fails, the batch goes on
        res.update(reason=f"internal error: {type(exc).__name__}: {exc}",
                   error_type=type(exc).__name__)
    if res.get("solver_version") is None:
        try:
            res["solver_version"] = highs_version()
        except Exception:  # pragma: no cover - highspy without a version
            pass
    res["finished_utc"] = _now()
    res["wall_s"] = round(time.perf_counter() - t0, 4)
    if task.out_dir:
        if write:
            try:
                save_run(task, res, run if res["status"] == "ok" else None)
                res["written"] = True
            except Exception as exc:
                res.update(status="failed", reason=f"writing outputs failed: {exc}",
                           error_type=type(exc).__name__)
        elif run is not None and res["status"] == "ok":
            res["tables"] = run.tables
            res["summary"] = run.summary()
    return res


def run_task_remote(task: Task, payload=None) -> dict:
    """Entry point for dask workers: solve and return the tables instead of writing them."""
    return run_task(task, payload, write=False)


