"""Write a run's outputs atomically: into a temporary sibling folder, renamed on success.

A run folder holds ``results.xlsx``, ``tables/*.csv``, ``summary.json``, ``instance.json`` (what
``supplyopt report`` needs to re-render) and, once the report module renders, ``report.html``.
If anything fails, the temporary folder is removed and any previous output is left untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def atomic_dir(target: str | Path):
    """Yield a temporary folder next to ``target``; on success it replaces ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """One CSV per table under ``folder`` (UTF-8, no index)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, float_format="%.10g")


def write_json(obj, path: Path) -> None:
    """Pretty, stable JSON (keys in insertion order)."""
    path.write_text(json.dumps(obj, indent=2, default=_json_default, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def write_run(run, out_dir: str | Path) -> Path:
    """Write every output of a solve into ``out_dir`` atomically; return the folder."""
    from optimizer.report import render_run_outputs

    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        write_tables(run.tables, tmp / "tables")
        write_json(run.summary(), tmp / "summary.json")
        render_run_outputs(tmp)
    return out_dir


def write_failure(out_dir: str | Path, inst, exc) -> Path:
    """For a run with no plan (infeasible, no solution in time): summary.json + explanation.

    Written atomically like a successful run, so a folder is always either complete or absent.
    """
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        write_json({"instance": inst.name, "source": inst.source, "input_sha256": inst.checksum,
                    "status": "infeasible" if "cannot all hold" in str(exc) else "no_solution",
                    "message": str(exc).splitlines()[0],
                    "explanation": getattr(exc, "explanation", None),
                    "warnings": list(getattr(exc, "warnings", None) or [])}, tmp / "summary.json")
        (tmp / "infeasibility.txt").write_text(str(exc) + "\n", encoding="utf-8")
    return out_dir
