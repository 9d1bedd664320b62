"""results.xlsx: the result tables as a workbook formatted for people (rendering only).

Layout: a ``contents`` sheet with a hyperlink to every sheet and what it holds, a ``summary``
sheet (run facts and the executive summary sentences), one sheet per result table with units
in the headers, frozen header row, auto-filter, number formats (tonnes, USD or USD millions,
USD per unit, %) and widths that fit, binding constraints highlighted in the ``dual_*`` sheets,
and native Excel charts for the cost breakdown and the supply mix.

Safety: a text value from an input workbook is always written as a string cell with Excel's
quote prefix, so ``=HYPERLINK(...)``, ``+1``, ``-1`` or ``@x`` is shown, never evaluated.

The values in every cell are the saved tables' values; formats only change how they display
(USD millions use Excel's ``,,`` scaling, so the cell still holds USD).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer.report import facts
from optimizer.report.load import SavedRun

SHEET_ORDER = ["summary", "cost_breakdown", "builds", "scenario_costs", "unmet_demand",
               "supply_mix", "supply_mix_chart", "flows", "stocks", "status_quo_summary",
               "status_quo_scenario_costs", "status_quo_supply_mix"]

DESCRIPTIONS = {
    "summary": "Run facts (status, cost, solver) and the executive summary.",
    "cost_breakdown": "Expected discounted cost by component; rows sum to the objective.",
    "builds": "Modules built: site, online period, capacity added, capex.",
    "scenario_costs": "Discounted cost of the plan and unmet demand if each scenario happens.",
    "flows": "Every positive flow per scenario and period, with provenance and cost.",
    "unmet_demand": "Demand and unmet demand per scenario, period, demand node and element.",
    "stocks": "End-of-period stock per scenario, stockpile and provenance.",
    "supply_mix": "Share of each country in each element's supply to each end use, with HHI.",
    "supply_mix_chart": "Chart: processed-country shares per scenario, element and end use.",
    "status_quo_summary": "The status-quo plan (no new builds): cost and unmet demand.",
    "status_quo_scenario_costs": "Status-quo plan: cost and unmet demand per scenario.",
    "status_quo_supply_mix": "Status-quo plan: supply shares and HHI.",
}

FMT_T = "#,##0.0"
FMT_USD = "#,##0"
FMT_USD_M = "#,##0.00,,"
FMT_USD_UNIT = "#,##0.00"
FMT_PCT = "0.0%"
FMT_INT = "#,##0"

HEADER_FILL = "1F4E79"
BINDING_FILL = "FFF2CC"
LARGE_USD = 1e5
"""A money column whose largest value reaches this is shown in USD millions."""

PRICE_COLS = {"shadow_price", "conditional_price"}
TONNE_COLS = {"tonnes", "rhs", "activity", "slack", "rhs_range_low", "rhs_range_high"}
SHARE_COLS = {"share", "probability", "max_share", "unmet_share", "top_share", "gap"}


def column_format(name: str, series: pd.Series, table: str) -> tuple[str, str | None]:
    """(header with unit, number format or None) for a column of a result table."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not numeric:
        return name, None
    if name in PRICE_COLS:
        return f"{name} (USD per unit of rhs)", FMT_USD_UNIT
    if name.endswith("_usd_per_t"):
        return f"{name} (USD/t)", FMT_USD_UNIT
    if name.endswith("_usd") or name.endswith("_usd_per_period") or name == "cost_usd":
        big = series.abs().max() >= LARGE_USD if len(series) else False
        return (f"{name} (USD m)", FMT_USD_M) if big else (f"{name} (USD)", FMT_USD)
    if name in SHARE_COLS:
        return f"{name} (%)", FMT_PCT
    if name == "hhi":
        return "hhi (0-10,000)", FMT_INT
    if name in ("count", "node", "rule", "lane"):
        return name, FMT_INT
    if table == "dual_module_build_limit" and name in TONNE_COLS:
        return f"{name} (modules)", "#,##0.###"
    if name.endswith("_t") or name in TONNE_COLS:
        return f"{name} (t)", FMT_T
    return name, "#,##0.###"


def write_cell(ws, row: int, col: int, value):
    """Write one value; text is always a string cell (never a formula)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ws.cell(row=row, column=col)
    if hasattr(value, "item"):
        value = value.item()
    c = ws.cell(row=row, column=col)
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"
        if value[:1] in ("=", "+", "-", "@"):
            c.quotePrefix = True
    return c


def _style_header(ws, row: int, ncols: int):
    from openpyxl.styles import Alignment, Font, PatternFill

    for j in range(1, ncols + 1):
        c = ws.cell(row=row, column=j)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")


def _widths(ws, headers: list[str], df: pd.DataFrame):
    from openpyxl.utils import get_column_letter

    sample = df.head(200)
    for j, h in enumerate(headers, start=1):
        longest = max([len(w) for w in str(h).split()] + [8])
        if j - 1 < sample.shape[1]:
            vals = sample.iloc[:, j - 1]
            if not pd.api.types.is_numeric_dtype(vals):
                longest = max([longest] + [len(str(v)) for v in vals])
            else:
                longest = max(longest, 12)
        ws.column_dimensions[get_column_letter(j)].width = min(45, longest + 3)


MAX_SHEET_ROWS = 20_000
"""Rows written per sheet; a longer table (flows of a large instance) is cut with a note that
points to its CSV file, which always holds every row. Keeps the workbook quick to write and
to open."""


DUAL_ROWS_IN_FULL = 2_000
"""A shadow-price table longer than this shows only its binding, priced rows in the workbook."""


def write_table_sheet(wb, name: str, df: pd.DataFrame, note: str | None = None) -> None:
    """One table as a formatted sheet (header row frozen, filters, units, formats); ``note``
    is written under the table (e.g. that rows were left out of the workbook)."""
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name[:31])
    total_rows = len(df)
    if total_rows > MAX_SHEET_ROWS:
        df = df.head(MAX_SHEET_ROWS)
    cols = list(df.columns)
    specs = [column_format(c, df[c], name) for c in cols]
    headers = [h for h, _ in specs]
    for j, h in enumerate(headers, start=1):
        write_cell(ws, 1, j, h)
    _style_header(ws, 1, len(cols))
    ws.row_dimensions[1].height = 30
    fill = PatternFill("solid", fgColor=BINDING_FILL)
    mark = None
    if name.startswith("dual_") and "binding" in cols and "shadow_price" in cols:
        b = df["binding"].astype(str).str.lower().isin(["true", "1"])
        p = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0).abs() > facts.PRICE_TOL
        mark = (b & p).to_numpy()
    # Styling each cell through openpyxl's setters re-registers the style every time (most of
    # the write time on large tables); style one prototype cell per (column format, binding)
    # and copy its style array instead.
    from copy import copy

    protos = {}

    def style_of(fmt, binding):
        key = (fmt, binding)
        if key not in protos:
            proto = ws.cell(row=1, column=1).__class__(ws)
            if fmt:
                proto.number_format = fmt
            if binding:
                proto.fill = fill
            protos[key] = proto._style
        return protos[key]

    fmts = [spec[1] for spec in specs]
    for i, row in enumerate(df.itertuples(index=False), start=2):
        binding = mark is not None and bool(mark[i - 2])
        for j, v in enumerate(row, start=1):
            c = write_cell(ws, i, j, v)
            if fmts[j - 1] or binding:
                c._style = copy(style_of(fmts[j - 1], binding))
                if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
                    c.quotePrefix = True  # the copied style must not drop the text guard
    ws.freeze_panes = "A2"
    if len(cols):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, len(df) + 1)}"
    if total_rows > len(df):
        note = (f"… {total_rows - len(df):,} more rows: every row is in tables/{name}.csv"
                + (f" ({note})" if note else ""))
    if note:
        write_cell(ws, len(df) + 3, 1, note)
    _widths(ws, headers, df)


def _summary_sheet(wb, run: SavedRun) -> None:
    from openpyxl.styles import Alignment, Font

    from optimizer.report.sentences import executive_summary

    ws = wb.create_sheet("summary")
    s = run.summary
    obj = s.get("objective_usd")
    rows = [("instance", s.get("instance"), None), ("status", s.get("status"), None),
            ("expected discounted cost (USD)", obj, FMT_USD),
            ("best bound (USD)", s.get("best_bound_usd"), FMT_USD),
            ("relative gap (%)", s.get("gap"), "0.000%"),
            ("solver", f"{s.get('solver')} {s.get('solver_version')}", None),
            ("shadow prices from", s.get("duals"), None),
            ("input SHA-256", s.get("input_sha256"), None),
            ("overrides", "; ".join(s.get("overrides") or []) or "none", None)]
    rows += [(f"time {k} (s)", v, "0.000") for k, v in (s.get("times_s") or {}).items()]
    write_cell(ws, 1, 1, "item")
    write_cell(ws, 1, 2, "value")
    _style_header(ws, 1, 2)
    r = 2
    for k, v, f in rows:
        write_cell(ws, r, 1, k)
        c = write_cell(ws, r, 2, v)
        if f:
            c.number_format = f
        c.alignment = Alignment(horizontal="left")
        r += 1
    r += 1
    write_cell(ws, r, 1, "Executive summary").font = Font(bold=True, size=13)
    r += 1
    for heading, lines in executive_summary(run).items():
        write_cell(ws, r, 1, heading).font = Font(bold=True)
        for line in lines:
            c = write_cell(ws, r, 2, line)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110


def _cost_chart(wb) -> None:
    from openpyxl.chart import BarChart, Reference

    if "cost_breakdown" not in wb.sheetnames:
        return
    ws = wb["cost_breakdown"]
    n = ws.max_row
    if n < 2:
        return
    ch = BarChart()
    ch.type = "bar"
    ch.title = "Expected discounted cost by component"
    ch.y_axis.title = ws.cell(1, 2).value
    ch.y_axis.numFmt = ws.cell(2, 2).number_format
    ch.x_axis.scaling.orientation = "maxMin"
    ch.add_data(Reference(ws, min_col=2, min_row=1, max_row=n), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
    ch.legend = None
    ch.height, ch.width = 8, 16
    ws.add_chart(ch, "D2")


def _supply_mix_chart(wb, run: SavedRun) -> None:
    """A pivot of processed-country shares (rows: scenario · element · end use) + stacked bars."""
    from openpyxl.chart import BarChart, Reference

    mix = run.tables.get("supply_mix")
    if mix is None or mix.empty:
        return
    m = mix[mix["basis"] == "processed"]
    if m.empty:
        return
    m = m.assign(group=m["scenario"].astype(str) + " · " + m["element"].astype(str) + " · "
                 + m["end_use"].astype(str))
    piv = m.pivot_table(index="group", columns="country", values="share", aggfunc="sum",
                        sort=False).fillna(0.0)
    piv = piv[sorted(piv.columns, key=str)]
    ws = wb.create_sheet("supply_mix_chart")
    write_cell(ws, 1, 1, "scenario · element · end use")
    for j, c in enumerate(piv.columns, start=2):
        write_cell(ws, 1, j, f"{c} (% processed)")
    _style_header(ws, 1, len(piv.columns) + 1)
    for i, (g, vals) in enumerate(piv.iterrows(), start=2):
        write_cell(ws, i, 1, g)
        for j, v in enumerate(vals, start=2):
            write_cell(ws, i, j, float(v)).number_format = FMT_PCT
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = max(28, min(50, max(len(str(g)) for g in piv.index) + 2))
    n = len(piv) + 1
    ch = BarChart()
    ch.type = "bar"
    ch.grouping = "percentStacked"
    ch.overlap = 100
    ch.title = "Share of each processing country"
    ch.y_axis.numFmt = "0%"
    ch.x_axis.scaling.orientation = "maxMin"
    ch.add_data(Reference(ws, min_col=2, max_col=len(piv.columns) + 1, min_row=1, max_row=n),
                titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
    ch.height, ch.width = max(7.5, 0.6 * len(piv) + 3), 18
    ws.add_chart(ch, f"{_col(len(piv.columns) + 3)}2")


def _col(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def _contents_sheet(wb, run: SavedRun) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet("contents", 0)
    write_cell(ws, 1, 1, f"Results: {run.summary.get('instance')}").font = Font(bold=True, size=14)
    write_cell(ws, 2, 1, "Click a sheet name to open it. Units are in the column headers; "
                         "amounts shown in USD m are stored in USD.")
    write_cell(ws, 4, 1, "sheet")
    write_cell(ws, 4, 2, "what it holds")
    _style_header(ws, 4, 2)
    for i, name in enumerate([n for n in wb.sheetnames if n != "contents"], start=5):
        c = write_cell(ws, i, 1, name)
        c.hyperlink = f"#'{name}'!A1"
        c.font = Font(color="0563C1", underline="single")
        desc = DESCRIPTIONS.get(name) or (
            f"Shadow prices of {name[5:]}: dual, slack, binding (highlighted if binding with a "
            "non-zero price)." if name.startswith("dual_") else "")
        write_cell(ws, i, 2, desc)
    ws.freeze_panes = "A5"
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 95


def write_results_workbook(run: SavedRun, path: Path) -> None:
    """Contents, summary, then one formatted sheet per table (shadow prices last), charts."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _summary_sheet(wb, run)
    names = [n for n in SHEET_ORDER if n in run.tables] + sorted(
        n for n in run.tables if n not in SHEET_ORDER)
    for name in names:
        df = run.tables[name]
        note = None
        if name.startswith("dual_") and len(df) > DUAL_ROWS_IN_FULL and "binding" in df.columns:
            # A large model's shadow-price tables are mostly zero-priced slack rows: keep the
            # binding, priced rows in the workbook and every row in the CSV.
            b = df["binding"].astype(str).str.lower().isin(["true", "1"])
            p = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0).abs() > facts.PRICE_TOL
            note = (f"Binding rows with a non-zero price only ({int((b & p).sum()):,} of "
                    f"{len(df):,}); every row is in tables/{name}.csv")
            df = df[b & p]
        write_table_sheet(wb, name, df, note=note)
        if name == "supply_mix":
            _supply_mix_chart(wb, run)
    _cost_chart(wb)
    _contents_sheet(wb, run)
    wb.active = 0
    wb.save(path)
