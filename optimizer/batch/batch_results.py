"""The batch's own outputs: the summary tables over runs and the batch manifest.

Files: batch_summary.csv/.xlsx, sweep_curves.csv, supply_shares.csv, shadow_prices.csv,
batch_manifest.json (each written atomically) and report.html.
"""


from __future__ import annotations

import platform
import socket
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.batch.failures import one_line
from optimizer.batch.worker import FORMAT, _now, package_version, write_json_atomic


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
