"""Run a batch: a local process pool or a dask.distributed cluster, resumable, with manifests.

Execution
---------
Each run becomes a :class:`Task` (plain data: picklable) solved by :func:`run_task` in a worker
process. HiGHS runs with ``threads=1`` per worker (it fixes its thread count at the first solve
in a process, and the workers already use the cores). Each worker keeps, per thread, the last
RunResult of each base instance and passes its outcome as ``warm_start`` to the next solve of
that instance (same rows and columns: its basis starts HiGHS, for a MIP the basis of the
fixed-LP re-solve, see :func:`optimizer.solve.solve_compiled`); the run's manifest records
``warm_start: warm`` or ``cold``.

Failure isolation: a run that fails (bad data, infeasible, time limit, internal error) is
recorded with its reason and the others go on. A worker *crash* (killed, out of memory)
breaks a process pool: the runs that were in flight are then re-run one at a time, each in a
fresh single-worker pool, so the one that crashes is recorded as failed and the innocent ones
complete.

Resumability and atomicity
--------------------------
A run's outputs go to ``DIR/runs/<safe run name>/`` through :func:`optimizer.output.write_run`
(written in a temporary folder, renamed into place), and its ``manifest.json`` is written last,
atomically (temporary file, fsync, rename). A run counts as done only if its manifest says
``status: ok`` with the same ``input_sha256`` (base instance + overrides + options, see
:func:`optimizer.batch.definition.run_key`); so after ``kill -9`` at any moment no run is
reported done whose outputs are incomplete, and a rerun redoes exactly the runs not done.
"""

from __future__ import annotations

import datetime as _dt
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from optimizer.batch.failures import one_line
from optimizer.batch.task import Task
from optimizer.batch.transforms import apply_transforms
from optimizer.errors import InputError, OptimizerError, Problem

MANIFEST = "manifest.json"
FORMAT = 1
CONNECT_TIMEOUT = "15s"
"""How long to try reaching a dask scheduler before giving up (exit 2)."""


# --------------------------------------------------------------------------------------------
# Worker side


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
        write_run(run, out, render=task.render)
    elif res.get("tables") is not None:
        write_run(_Saved(res["tables"], res["summary"]), out, render=task.render)
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
                   unmet=expected_unmet(run), scenario_unmet=scenario_unmet(run),
                   scenario_costs=run.tables["scenario_costs"].to_dict("records"),
                   solver_version=run.outcome.solver_version)
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


# --------------------------------------------------------------------------------------------
# Executors


def _failed(task: Task, reason: str, error_type: str = "WorkerError") -> dict:
    return {"name": task.name, "key": task.key, "status": "failed", "reason": reason,
            "error_type": error_type, "written": False, "started_utc": None,
            "finished_utc": _now(), "host": None, "warm_start": "cold"}


PRELOAD = ("optimizer.batch.runner", "optimizer.batch.summary", "optimizer.api",
           "optimizer.formulation", "optimizer.results", "optimizer.verify", "optimizer.output",
           "optimizer.report", "optimizer.report.excel", "optimizer.report.html", "scipy.sparse",
           "highspy", "openpyxl")
"""Modules the fork server imports once, so that each worker starts with them loaded."""


def _context():
    """A fork server (workers fork from a clean, preloaded process), or spawn where absent.

    Plain fork is avoided: the parent has threads (progress, dask), and forking a threaded
    process can deadlock the child.
    """
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    return mp.get_context("spawn")


def execute_local(tasks, jobs: int, on_start=None, worker=run_task):
    """Yield the result of each task (in completion order) from a process pool of ``jobs``.

    A broken pool (a worker died) is replaced; the runs that were in flight are re-run one
    at a time in a fresh single-worker pool so that only the one that crashes fails.
    """
    ctx = _context()
    pending = deque(tasks)
    suspects: deque = deque()
    on_start = on_start or (lambda t: None)
    jobs = max(1, int(jobs))
    pool = ProcessPoolExecutor(jobs, mp_context=ctx)
    inflight: dict = {}
    try:
        while pending or inflight or suspects:
            if suspects and not inflight:
                t = suspects.popleft()
                solo = ProcessPoolExecutor(1, mp_context=ctx)
                try:
                    res = solo.submit(worker, t).result()
                except BrokenProcessPool:
                    res = _failed(t, "the worker process crashed (killed, or out of memory) "
                                     "while solving this run")
                except Exception as exc:
                    res = _failed(t, f"internal error: {type(exc).__name__}: {exc}",
                                  type(exc).__name__)
                finally:
                    solo.shutdown(wait=True, cancel_futures=True)
                yield res
                continue
            while pending and len(inflight) < jobs and not suspects:
                t = pending.popleft()
                on_start(t)
                inflight[pool.submit(worker, t)] = t
            if not inflight:
                continue
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                t = inflight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    broken = True
                    suspects.append(t)
                    continue
                except Exception as exc:
                    res = _failed(t, f"internal error: {type(exc).__name__}: {exc}",
                                  type(exc).__name__)
                yield res
            if broken:
                suspects.extend(inflight.values())
                inflight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = ProcessPoolExecutor(jobs, mp_context=ctx)
    except BaseException:
        # Interrupted (Ctrl-C) or the caller stopped early: do not wait for solves in flight.
        # Their runs have no manifest yet, so a rerun redoes them.
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now (the executor has no public way to do it)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.terminate()
        except Exception:  # already gone
            pass


def _payload(base: str):
    p = Path(base)
    if p.is_dir():
        return {f.name: f.read_bytes() for f in sorted(p.glob("*.csv"))}
    return p.read_bytes()


def execute_dask(tasks, address: str, on_start=None):
    """Yield the result of each task from a dask.distributed scheduler at ``address``.

    The workers need supplyopt installed; the base instance is sent to them (no shared disk
    needed) and the result tables come back to be written here.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(Problem("--cluster", None, None, None, address,
                                 "dask.distributed installed (pip install 'supplyopt[cluster]')")) \
            from None
    on_start = on_start or (lambda t: None)
    tasks = list(tasks)
    if not tasks:
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:
        raise InputError(Problem("--cluster", None, None, None, address,
                                 f"a reachable dask scheduler ({type(exc).__name__}: {exc})")) \
            from None
    try:
        payloads = {}
        for t in tasks:
            if t.base_checksum not in payloads:
                payloads[t.base_checksum] = client.scatter(_payload(t.base), broadcast=True)
        futures = {}
        for t in tasks:
            on_start(t)
            f = client.submit(run_task_remote, t, payloads[t.base_checksum], pure=False)
            futures[f] = t
        for f in as_completed(list(futures), loop=client.loop):
            t = futures[f]
            try:
                res = f.result()
            except Exception as exc:  # KilledWorker, CommClosedError, ...
                res = _failed(t, f"worker failure: {type(exc).__name__}: {exc}",
                              type(exc).__name__)
            yield res
    finally:
        client.close()


def execute(tasks, jobs: int = 1, cluster: str | None = None, on_start=None):
    """Dispatch to :func:`execute_dask` (``cluster`` given) or :func:`execute_local`."""
    if cluster:
        return execute_dask(tasks, cluster, on_start)
    return execute_local(tasks, jobs, on_start)


def default_jobs() -> int:
    """Worker count by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------------------------
# The batch


@dataclass
class BatchReport:
    """What a batch did: counts, the failed runs with their reasons, where results went."""

    out: Path
    total: int = 0
    ok: int = 0
    failed: list = field(default_factory=list)  # (run, full reason: every problem)
    skipped: int = 0
    wall_s: float = 0.0
    warnings: list = field(default_factory=list)  # e.g. a run named like a scenario

    @property
    def exit_code(self) -> int:
        """0 all runs ok, 4 some failed."""
        return 4 if self.failed else 0


def read_manifest(folder: Path) -> dict | None:
    """The manifest of a run folder, or None if absent or unreadable (= not done)."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _clean_stale(runs_dir: Path) -> None:
    """Remove temporary folders a killed batch left behind (never complete runs)."""
    if not runs_dir.exists():
        return
    for p in runs_dir.iterdir():
        if p.name.startswith(".") and (".tmp-" in p.name or ".old-" in p.name):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def prepare(defn, jobs_forced_threads: int = 1):
    """Load the base instance, check the batch, build the tasks (nothing is written)."""
    from optimizer.api import load_instance
    from optimizer.batch.definition import BatchError, check_batch, run_key, scenario_name_notes

    if defn.base is None:
        raise BatchError(list(defn.problems) + [Problem(
            defn.source, "settings", None, "base", None,
            "the base instance: a 'base' setting in the batch file or --base PATH")])
    inst = load_instance(defn.base)
    check_batch(defn, inst)
    notes = scenario_name_notes(defn, inst)
    tasks = []
    for run in defn.runs:
        options = defn.solve_options(run, threads=jobs_forced_threads)
        meta = (("description", run.description), ("sweep", run.sweep),
                ("sweep_value", run.sweep_value), ("sweep_unit", run.sweep_unit),
                ("note", notes.get(run.name, "")))
        tasks.append(Task(run.name, str(defn.base), inst.checksum, run.overrides, options,
                          run_key(inst.checksum, run.overrides, options), None,
                          defn.focus_country, meta))
    return inst, tasks


def run_batch(defn, out: str | Path, jobs: int | None = None, cluster: str | None = None,
              quiet: bool = False, stream=None, live: bool = True,
              render: bool = True) -> BatchReport:
    """Run every run of ``defn`` not already done; write the summary and the batch manifest.

    ``live`` False rebuilds the model for every run (no live model: for comparison);
    ``render`` False writes each run's tables and summary but not its results.xlsx and
    report.html (``supplyopt report`` renders them later).

    Raises InputError/ScenarioError (exit 2) before writing anything if the batch is invalid.
    """
    from optimizer.batch.progress import Progress

    t_start = time.perf_counter()
    started = _now()
    inst, tasks = prepare(defn)
    out = Path(out)
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(runs_dir)
    tasks = [replace(t, out_dir=str(runs_dir / r.folder), live=live, render=render)
             for t, r in zip(tasks, defn.runs, strict=True)]
    jobs = jobs or default_jobs()
    progress = Progress(len(tasks), enabled=not quiet, stream=stream)
    progress.workers = jobs
    report = BatchReport(out, total=len(tasks))
    report.warnings = [dict(t.meta)["note"] for t in tasks if dict(t.meta).get("note")]
    todo = []
    for t in tasks:
        m = read_manifest(Path(t.out_dir))
        if m and m.get("status") == "ok" and m.get("input_sha256") == t.key:
            progress.skip(t.name)
            report.skipped += 1
        else:
            todo.append(t)
    by_name = {t.name: t for t in tasks}
    for res in execute(todo, jobs, cluster, on_start=lambda t: progress.started(t.name)):
        task = by_name[res["name"]]
        if not res.get("written"):
            try:
                save_run(task, res)
            except Exception as exc:
                res.update(status="failed", reason=f"writing outputs failed: {exc}")
        ok = res["status"] == "ok"
        progress.finished(task.name, ok, "" if ok else one_line(res.get("reason")))
    progress.close()
    manifests = {t.name: read_manifest(Path(t.out_dir)) or {} for t in tasks}
    for t in tasks:
        m = manifests[t.name]
        if m.get("status") == "ok" and m.get("input_sha256") == t.key:
            report.ok += 1
        else:
            report.failed.append((t.name, m.get("reason") or "no outputs"))  # every problem
    report.wall_s = time.perf_counter() - t_start
    write_batch_results(defn, inst, tasks, manifests, out, started, jobs, cluster, report)
    return report


def _ordered_columns(rows: list[dict], first: list[str]) -> list[str]:
    cols = list(first)
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def batch_tables(defn, tasks, manifests) -> dict:
    """The batch's result tables: summary (one row per run), sweep curves, long tables."""
    import pandas as pd

    rows, shares, prices = [], [], []
    for t in tasks:
        m = manifests.get(t.name) or {}
        sr = m.get("summary_row") or {}
        # optimal / feasible (a plan within a time limit, --allow-nonoptimal) / failed / not run
        status = sr.get("status", "ok") if m.get("status") == "ok" else m.get("status", "not run")
        row = {"run": t.name, "status": status, "reason": one_line(m.get("reason"))}
        row.update({k: v for k, v in sr.items() if k != "status"})
        row.update({"note": dict(t.meta).get("note", ""),
                    "overrides": "; ".join(m.get("overrides") or []),
                    "warm_start": m.get("warm_start"), "wall_s": m.get("wall_s"),
                    "solve_s": (m.get("times_s") or {}).get("solve"),
                    "sweep": m.get("sweep"), "sweep_value": m.get("sweep_value"),
                    "folder": f"runs/{Path(t.out_dir).name}",
                    "input_sha256": m.get("input_sha256")})
        rows.append(row)
        for s in (m.get("long") or {}).get("supply_shares", []):
            shares.append({"run": t.name, **s})
        for p in (m.get("long") or {}).get("shadow_prices", []):
            prices.append({"run": t.name, **p})
    summary = pd.DataFrame(rows, columns=_ordered_columns(rows, ["run", "status", "reason",
                                                                 "objective_usd", "gap"]))
    curve_cols = ["sweep", "sweep_value", "sweep_unit", "value_label", "run", "status",
                  "objective_usd", "unmet_t"]
    focus_cols = [c for c in summary.columns if c.startswith(f"{defn.focus_country}_share_")]
    curves = []
    for t, row in zip(tasks, rows, strict=True):
        meta = dict(t.meta)
        if not meta.get("sweep"):
            continue
        v, unit = meta["sweep_value"], meta.get("sweep_unit") or ""
        curves.append({"sweep": meta["sweep"], "sweep_value": v, "sweep_unit": unit,
                       "value_label": f"{v * 100:g}%" if unit == "%" else f"{v:g}",
                       "run": t.name, "status": row["status"],
                       "objective_usd": row.get("objective_usd"), "unmet_t": row.get("unmet_t"),
                       **{c: row.get(c) for c in focus_cols}})
    curves_df = pd.DataFrame(curves, columns=curve_cols + focus_cols)
    if not curves_df.empty:
        curves_df = curves_df.sort_values(["sweep", "sweep_value"], kind="stable")
    return {
        "summary": summary,
        "sweep_curves": curves_df.reset_index(drop=True),
        "supply_shares": pd.DataFrame(shares, columns=["run", "element", "basis", "country",
                                                       "tonnes", "share"]),
        "shadow_prices": pd.DataFrame(prices, columns=["run", "rank", "family", "row",
                                                       "shadow_price"]),
    }


def _write_atomic(path: Path, writer) -> None:
    from optimizer.output import atomic_file

    with atomic_file(path) as tmp:
        writer(tmp)


def write_batch_results(defn, inst, tasks, manifests, out: Path, started: str, jobs: int,
                        cluster: str | None, report: BatchReport) -> None:
    """Write the batch's tables and manifest, each file atomically.

    Files: batch_summary.csv/.xlsx, sweep_curves.csv, supply_shares.csv, shadow_prices.csv and
    batch_manifest.json.
    """

    from optimizer.api import file_checksum
    from optimizer.csv_safe import write_csv  # formula-like text neutralised (OWASP)
    from optimizer.solve import highs_version

    tables = batch_tables(defn, tasks, manifests)
    _write_atomic(out / "batch_summary.csv",
                  lambda p: write_csv(tables["summary"], p))
    for name in ("sweep_curves", "supply_shares", "shadow_prices"):
        _write_atomic(out / f"{name}.csv",
                      lambda p, n=name: write_csv(tables[n], p))

    from optimizer.report.excel import write_tables_workbook

    # Same formatting as a run's results.xlsx: units in headers, number formats, filters.
    _write_atomic(out / "batch_summary.xlsx", lambda p: write_tables_workbook(tables, p))
    src = Path(defn.source)
    manifest = {
        "format": FORMAT,
        "batch": {"source": defn.source,
                  "sha256": file_checksum(src) if src.exists() else None,
                  "description": defn.description, "focus_country": defn.focus_country,
                  "defaults": dict(defn.defaults)},
        "base_instance": {"path": str(defn.base), "name": inst.name, "sha256": inst.checksum},
        "runs": [{"run": t.name, "folder": f"runs/{Path(t.out_dir).name}",
                  "status": (manifests.get(t.name) or {}).get("status", "not run"),
                  "input_sha256": t.key, "note": dict(t.meta).get("note", ""),
                  "overrides": [o.describe() for o in t.overrides]} for t in tasks],
        "warnings": list(report.warnings),
        "counts": {"total": report.total, "ok": report.ok, "failed": len(report.failed),
                   "skipped_already_done": report.skipped},
        "execution": {"mode": "dask" if cluster else "local_process_pool",
                      "cluster": cluster, "jobs": None if cluster else jobs,
                      "threads_per_solve": 1},
        "solver": "highs", "solver_version": highs_version(),
        "started_utc": started, "finished_utc": _now(), "wall_s": round(report.wall_s, 3),
        "host": socket.gethostname(), "python": platform.python_version(),
        "supplyopt_version": package_version(),
    }
    write_json_atomic(manifest, out / "batch_manifest.json")
    from optimizer.report.batch_page import write_batch_report

    write_batch_report(out)  # report.html, from the files just written (temp file + rename)
