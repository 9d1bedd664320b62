"""Run a batch: check it, skip the runs already done, execute the rest, write the summary.

The work is split by job: :mod:`optimizer.batch.worker` solves one task in a worker and writes
its run folder; :mod:`optimizer.batch.executors` runs tasks on a local process pool or a dask
cluster (failure isolation, crash recovery); :mod:`optimizer.batch.batch_results` writes the
tables over runs and the batch manifest. This module ties them together (:func:`run_batch`)
and re-exports the names callers use to run tasks themselves (analytics, the frontier).

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

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

from optimizer.batch.batch_results import BatchReport, write_batch_results
from optimizer.batch.executors import default_jobs, execute, execute_dask, execute_local
from optimizer.batch.failures import one_line
from optimizer.batch.task import Task
from optimizer.batch.worker import MANIFEST, _now, run_task, save_run, write_json_atomic
from optimizer.errors import Problem


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
    if render:
        # The runs' reports load the folder's one plotly.js (optimizer/report/shared_js.py),
        # written before any of them: each used to embed the 4.8 MB bundle, which the batch
        # page then read back and swapped out (60 ms a run at the 10-quarter baseline).
        from optimizer.report.shared_js import PLOTLY_FILE, write_plotly_file

        write_plotly_file(out)
        tasks = [replace(t, plotly_src=f"../../{PLOTLY_FILE}") for t in tasks]
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


__all__ = ["BatchReport", "Task", "default_jobs", "execute", "execute_dask", "execute_local",
           "prepare", "read_manifest", "run_batch", "run_task", "save_run", "write_json_atomic"]
