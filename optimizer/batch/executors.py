"""Executors of batch tasks: a local process pool, or a dask.distributed cluster.

Failure isolation: a run that fails (bad data, infeasible, time limit, internal error) is
recorded with its reason and the others go on. A worker *crash* (killed, out of memory)
breaks a process pool: the runs that were in flight are then re-run one at a time, each in a
fresh single-worker pool, so the one that crashes is recorded as failed and the innocent ones
complete.
"""


from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from optimizer.batch.task import Task
from optimizer.batch.worker import _now, run_task, run_task_remote
from optimizer.errors import InputError, Problem

CONNECT_TIMEOUT = "15s"
"""How long to try reaching a dask scheduler before giving up (exit 2)."""


def _failed(task: Task, reason: str, error_type: str = "WorkerError") -> dict:
    return {"name": task.name, "key": task.key, "status": "failed", "reason": reason,
            "error_type": error_type, "written": False, "started_utc": None,
            "finished_utc": _now(), "host": None, "warm_start": "cold"}


PRELOAD = ("optimizer.batch.worker", "optimizer.batch.summary", "optimizer.api",
           "optimizer.formulation", "optimizer.results", "optimizer.verify", "optimizer.output",
           "optimizer.report", "optimizer.report.excel", "optimizer.report.html", "highspy",
           "openpyxl")
"""Modules the fork server imports once, so that each worker starts with them loaded (not
scipy.sparse: only models of over 1M matrix entries use it, optimizer.highs_model)."""


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


