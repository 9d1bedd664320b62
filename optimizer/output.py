"""Write a run's outputs atomically: into a temporary sibling folder, renamed on success.

A run folder holds ``results.xlsx``, ``report.html``, ``tables/*.csv`` and ``summary.json``
(the tables and summary are all ``supplyopt report`` needs to re-render).
If anything fails, the temporary folder is removed and any previous output is left untouched.
Every such folder carries a marker listing the files the tool wrote (:mod:`optimizer.out_folder`):
a folder holding anything else is never replaced.
"""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from optimizer.atomic import atomic_file  # noqa: F401  (re-export)
from optimizer.atomic import umask as _umask
from optimizer.out_folder import (OutputFolderError, check_batch_folder, check_renderable,
                                  check_replaceable, register_files, write_marker)

__all__ = ["OutputFolderError", "atomic_dir", "atomic_file", "check_batch_folder",
           "check_renderable", "check_replaceable", "recover", "register_files", "write_failure",
           "write_run"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_pid(name: str) -> int | None:
    """PID in a ``.<target>.tmp-<pid>-xxxx`` / ``.<target>.old-<pid>`` sibling's name."""
    tail = name.rsplit(".tmp-", 1)[-1] if ".tmp-" in name else name.rsplit(".old-", 1)[-1]
    head = tail.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def recover(target: str | Path) -> None:
    """Clean up after a process killed while writing ``target``.

    A dead writer's temporary folder is removed. If it died between moving the previous output
    aside and moving the new one in (only possible where the kernel cannot exchange two names
    atomically), the previous output is moved back.
    """
    target = Path(target)
    if not target.parent.exists():
        return
    for sibling in target.parent.glob(f".{target.name}.*"):
        pid = _owner_pid(sibling.name)
        if pid is None or _pid_alive(pid):
            continue
        if ".old-" in sibling.name and not target.exists():
            os.replace(sibling, target)
        else:
            shutil.rmtree(sibling, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


@contextmanager
def atomic_dir(target: str | Path):
    """Yield a temporary folder next to ``target``; on success it replaces ``target``.

    The target is either its previous complete content or the new complete content at every
    instant: the two folders are exchanged in one system call where the kernel allows it, and
    otherwise a crash between the two renames is repaired by :func:`recover` on the next write.
    A ``target`` holding files the tool did not write is refused before anything is written
    (:func:`optimizer.out_folder.check_replaceable`, OutputFolderError, exit 2).
    """
    target = Path(target)
    check_replaceable(target)  # never delete a file the tool did not write
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    # The name is fixed before the folder exists, so an interrupt landing right after the
    # mkdir is inside the try and the folder is removed (mkdtemp could be interrupted between
    # creating the folder and returning its name).
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        tmp.mkdir(mode=0o700)  # private while half written
        yield tmp
        check_replaceable(target)  # again: the user may have added a file while we worked
        write_marker(tmp)
        tmp.chmod(0o777 & ~_umask())  # then as any folder the user makes: a team can read it
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous output
        return
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """One CSV per table under ``folder`` (UTF-8, no index, formula-like text neutralised:
    :mod:`optimizer.csv_safe`)."""
    from optimizer.csv_safe import write_csv

    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        write_csv(df, folder / f"{name}.csv")


def write_json(obj, path: Path) -> None:
    """Pretty, stable, strict JSON (keys in insertion order; NaN and ±inf written as null)."""
    from optimizer.json_safe import dumps

    path.write_text(dumps(obj) + "\n", encoding="utf-8")


def write_run(run, out_dir: str | Path, render: bool = True, parallel: bool = False,
              stats: dict | None = None, plotly_src: str | None = None) -> Path:
    """Write every output of a solve into ``out_dir`` atomically; return the folder.

    ``render=False`` writes only ``tables/*.csv`` and ``summary.json`` (what analysts' scripts
    read, and all ``supplyopt report`` needs to render results.xlsx and report.html later).
    ``parallel``, ``stats`` and ``plotly_src``: see
    :func:`optimizer.report.render_run_outputs`. A verification
    still at work (``run.pending_verification``) is waited for once the tables are written;
    SolverError if the plan fails it.
    """
    from optimizer.gc_pause import paused_gc
    from optimizer.report import render_run_outputs

    out_dir = Path(out_dir)
    with paused_gc(), atomic_dir(out_dir) as tmp:  # short-lived objects, few cycles: see there
        # A verification left running (solve(defer_verification=True)) overlaps the tables;
        # its verdict comes before summary.json, and a plan that fails it leaves no folder.
        # (A batch's remotely solved run, a table-and-summary stand-in, has none.)
        pending = getattr(run, "pending_verification", None) is not None
        try:
            write_tables(run.tables, tmp / "tables")
        except BaseException:
            if pending:
                run.stop_verification()
            raise
        if pending:
            run.finish_verification()
        write_json(run.summary(), tmp / "summary.json")
        if render:
            render_run_outputs(tmp, name=out_dir.name, parallel=parallel, stats=stats,
                               plotly_src=plotly_src)
    return out_dir


def write_failure(out_dir: str | Path, inst, exc) -> Path:
    """For a run with no plan (infeasible, no solution in time): summary.json + explanation.

    Written atomically like a successful run, so a folder is always either complete or absent.
    """
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        write_json({"instance": inst.name, "source": inst.source, "input_sha256": inst.checksum,
                    "status": ("infeasible" if "cannot all hold" in str(exc) else
                               "unbounded" if "unbounded" in str(exc) else "no_solution"),
                    "message": str(exc).splitlines()[0],
                    "explanation": getattr(exc, "explanation", None),
                    "warnings": list(getattr(exc, "warnings", None) or [])}, tmp / "summary.json")
        (tmp / "infeasibility.txt").write_text(str(exc) + "\n", encoding="utf-8")
    return out_dir
