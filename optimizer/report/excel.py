"""results.xlsx: the result tables as a workbook (rendering only, no computation)."""

from __future__ import annotations

from pathlib import Path

from optimizer.report.load import SavedRun

SHEET_ORDER = ["summary", "cost_breakdown", "builds", "scenario_costs", "flows", "unmet_demand",
               "stocks", "supply_mix"]


def _safe(value):
    """Text from a workbook never becomes a formula in ours (=, +, -, @ are prefixed)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_results_workbook(run: SavedRun, path: Path) -> None:
    """One sheet per table, summary first, shadow prices last."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    s = run.summary
    rows = [("instance", s.get("instance")), ("status", s.get("status")),
            ("objective_usd", s.get("objective_usd")), ("gap", s.get("gap")),
            ("solver", f"{s.get('solver')} {s.get('solver_version')}"),
            ("shadow prices from", s.get("duals")), ("input_sha256", s.get("input_sha256"))]
    rows += [(f"time_{k}_s", v) for k, v in s.get("times_s", {}).items()]
    ws.append(("item", "value"))
    for k, v in rows:
        ws.append((k, _safe(v)))
    names = [n for n in SHEET_ORDER if n in run.tables] + sorted(
        n for n in run.tables if n not in SHEET_ORDER)
    for name in names:
        df = run.tables[name]
        ws = wb.create_sheet(name[:31])
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([_safe(v) for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(col)) + 2))
    wb.save(path)
