"""results.xlsx: the result tables as a workbook formatted for people (rendering only).

Layout: a ``contents`` sheet with a hyperlink to every sheet and what it holds, a ``summary``
sheet (run facts and the executive summary sentences), one sheet per result table with units
in the headers, frozen header row, auto-filter, number formats (tonnes, USD or USD millions,
USD per unit, %) and widths that fit, binding constraints highlighted in the ``dual_*`` sheets,
and native Excel charts for the cost breakdown and the supply mix.

Written with XlsxWriter, in about 40 % of openpyxl's time (5.9 s → 2.3 s at the medium preset,
where XlsxWriter's own per-cell work is now nearly all of it); openpyxl still reads workbooks,
in :mod:`optimizer.io`. Each table sheet is drawn by :mod:`optimizer.report.excel_sheet`; text is
never turned into a formula (see there).

The values in every cell are the saved tables' values; formats only change how they display
(USD millions use Excel's ``,,`` scaling, so the cell still holds USD).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.report.excel_sheet import (
    FMT_PCT,
    FMT_USD,
    binding_rows,
    column_format,
    style,
    write_header,
    write_value,
)
from optimizer.report.load import SavedRun

SHEET_ORDER = ["summary", "cost_breakdown", "builds", "scenario_costs", "unmet_demand",
               "supply_mix", "supply_mix_chart", "flows", "stocks", "status_quo_summary",
               "status_quo_scenario_costs", "status_quo_supply_mix"]

DESCRIPTIONS = {
    "summary": "Run facts (status, cost, solver) and the executive summary.",
    "cost_breakdown": "Expected discounted cost by component; rows sum to the expected cost "
                      "(the objective, unless the plan is risk-averse: summary). "
                      "'penalty' is the lost value of unmet demand (USD/t of each demand).",
    "builds": "Modules built: site, online period, capacity added, capex.",
    "candidates": "Every candidate module, built or not, with its capex per tonne of capacity.",
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

LONG_TABLE_ROWS = 1_000
"""A table longer than this is shortened in the workbook (:func:`workbook_rows`); a
shadow-price sheet then shows at most this many rows. Every row stays in
``tables/<name>.csv``."""

POSITIVE_ROWS_OF_LONG = {"unmet_demand": "unmet_t", "stocks": "stock_t"}
"""A long table named here shows only the rows where this column is positive (a medium
instance: 177 of 4,288 unmet-demand rows, 115 of 1,952 stocks)."""

PX_PER_CM = 96 / 2.54
"""Chart sizes are chosen in cm (as Excel shows them); XlsxWriter takes pixels at 96 dpi."""

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "in_memory": True}
"""XlsxWriter's options. Never guess a cell's type from its text (every write here is typed
anyway). ``in_memory``: each part's XML is assembled in memory and zipped from there, instead
of in a temporary file per part (42 for a run) written, read back and removed; the same file
but for its timestamps. Its gain is small and within this machine's noise: fresh processes,
alternated, medians (2026-12-08): medium preset 518 → 499 ms and 716 → 671 ms, 2035 baseline
506 → 505 ms, a 10-quarter batch run 279 → 250 ms (earlier sessions measured 0.1 s less, then
nothing to gain, and left it off for its memory). It holds more memory while the workbook is
written: 6 MB more at medium, 11 MB for the 2035 baseline, 13 MB of XML at the large preset,
all below each run's peak (the ranging's): the medium and large peaks stayed 295–296 MB and
1,144 MB."""


def workbook_rows(name: str, df: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of a table that its sheet shows, and the note saying what was left out.

    A shadow-price table of more than :data:`LONG_TABLE_ROWS` rows is mostly zero-priced
    slack rows (or, for balance equations, thousands of equal-looking prices): its sheet keeps
    the binding rows with a non-zero price, at most ``LONG_TABLE_ROWS`` of them, those with
    the largest absolute shadow price, in table order. A long unmet-demand or stock table keeps
    its positive rows (:data:`POSITIVE_ROWS_OF_LONG`). The workbook is for reading; the CSV
    files are for analysis, and writing fewer cells keeps the workbook quick at scale
    (XlsxWriter costs ~5 µs a cell).
    """
    column = POSITIVE_ROWS_OF_LONG.get(name)
    if column in df.columns and len(df) > LONG_TABLE_ROWS:
        keep = pd.to_numeric(df[column], errors="coerce").fillna(0).to_numpy() > 0
        return df[keep], (f"Rows with {column} > 0 only ({int(keep.sum()):,} of {len(df):,}); "
                          f"every row is in tables/{name}.csv")
    if not (name.startswith("dual_") and len(df) > LONG_TABLE_ROWS
            and {"binding", "shadow_price"} <= set(df.columns)):
        return df, None
    keep = binding_rows(df).to_numpy()
    n_priced = int(keep.sum())
    if n_priced > LONG_TABLE_ROWS:
        price = pd.to_numeric(df["shadow_price"], errors="coerce").abs().to_numpy()
        order = np.argsort(-np.where(keep, price, -1.0), kind="stable")
        keep = np.zeros(len(df), dtype=bool)
        keep[order[:LONG_TABLE_ROWS]] = True
        what = (f"The {LONG_TABLE_ROWS:,} binding rows with the largest absolute price, of "
                f"{n_priced:,} binding with a non-zero price and {len(df):,} rows in all")
    else:
        what = f"Binding rows with a non-zero price only ({n_priced:,} of {len(df):,})"
    return df[keep], f"{what}; every row is in tables/{name}.csv"


def write_table_sheet(wb, name: str, df: pd.DataFrame, note: str | None = None) -> None:
    """One table as a formatted sheet of ``wb`` (an XlsxWriter workbook)."""
    from optimizer.report.excel_sheet import write_table_sheet as write

    write(wb, name, df, note)


def write_tables_workbook(tables: dict[str, pd.DataFrame], path: str | Path) -> None:
    """A workbook of one formatted sheet per table, in the given order."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), OPTIONS) as wb:
        for name, df in tables.items():
            write_table_sheet(wb, name, df)


def _summary_sheet(wb, run: SavedRun) -> None:
    from optimizer.report.sentences import executive_summary, objective_name

    ws = wb.add_worksheet("summary")
    s = run.summary
    risk = s.get("risk") or {}
    rows = [("instance", s.get("instance"), None), ("status", s.get("status"), None),
            (f"{objective_name(s)} (USD)", s.get("objective_usd"), FMT_USD)]
    if float(risk.get("risk_weight") or 0.0) > 0:  # the objective is not the expected cost
        alpha = float(risk.get("cvar_alpha", 0.9))
        rows += [("expected discounted cost (USD)", risk.get("expected_cost_usd"), FMT_USD),
                 (f"VaR at {alpha:g} (USD)", risk.get("var_usd"), FMT_USD),
                 (f"CVaR at {alpha:g} (USD)", risk.get("cvar_usd"), FMT_USD)]
    rows += [("best bound (USD)", s.get("best_bound_usd"), FMT_USD),
            ("relative gap (%)", s.get("gap"), "0.000%"),
            ("solver", f"{s.get('solver')} {s.get('solver_version')}", None),
            ("shadow prices from", s.get("duals"), None),
            ("input SHA-256", s.get("input_sha256"), None),
            ("overrides", "; ".join(s.get("overrides") or []) or "none", None)]
    rows += [(f"time {k} (s)", v, "0.000") for k, v in (s.get("times_s") or {}).items()]
    write_header(wb, ws, 0, ["item", "value"])
    r = 1
    for k, v, f in rows:
        write_value(wb, ws, r, 0, k)
        write_value(wb, ws, r, 1, v, num_format=f, align="left")
        r += 1
    r += 1
    write_value(wb, ws, r, 0, "Executive summary", bold=True, font_size=13)
    r += 1
    for heading, lines in executive_summary(run).items():
        write_value(wb, ws, r, 0, heading, bold=True)
        for line in lines:
            write_value(wb, ws, r, 1, line, text_wrap=True, valign="top")
            r += 1
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 110)


def _cost_chart(wb, ws, df: pd.DataFrame) -> None:
    """Horizontal bars of expected cost by component, next to the cost_breakdown table."""
    if df.empty or df.shape[1] < 2:
        return
    header, fmt = column_format(df.columns[1], df.iloc[:, 1], "cost_breakdown")
    n = len(df)
    ch = wb.add_chart({"type": "bar"})
    ch.add_series({"name": ["cost_breakdown", 0, 1],
                   "categories": ["cost_breakdown", 1, 0, n, 0],
                   "values": ["cost_breakdown", 1, 1, n, 1]})
    ch.set_title({"name": "Expected discounted cost by component"})
    ch.set_x_axis({"name": header, "num_format": fmt or "General"})  # bar: x is the value axis
    ch.set_y_axis({"reverse": True})  # first component on top, as in the table
    ch.set_legend({"none": True})
    ch.set_size({"width": 16 * PX_PER_CM, "height": 8 * PX_PER_CM})
    ws.insert_chart(1, 3, ch)


def _supply_mix_pivot(run: SavedRun) -> pd.DataFrame | None:
    """Processed-country shares, one row per scenario · element · end use (None if none)."""
    mix = run.tables.get("supply_mix")
    if mix is None or mix.empty:
        return None
    m = mix[mix["basis"] == "processed"]
    if m.empty:
        return None
    m = m.assign(group=m["scenario"].astype(str) + " · " + m["element"].astype(str) + " · "
                 + m["end_use"].astype(str))
    piv = m.pivot_table(index="group", columns="country", values="share", aggfunc="sum",
                        sort=False).fillna(0.0)
    return piv[sorted(piv.columns, key=str)]


def _supply_mix_chart(wb, piv: pd.DataFrame) -> None:
    """The pivot as a sheet, with 100 % stacked bars of it beside."""
    name = "supply_mix_chart"
    ws = wb.add_worksheet(name)
    write_header(wb, ws, 0, ["scenario · element · end use"]
                 + [f"{c} (% processed)" for c in piv.columns])
    for i, (g, vals) in enumerate(piv.iterrows(), start=1):
        write_value(wb, ws, i, 0, g)
        for j, v in enumerate(vals, start=1):
            write_value(wb, ws, i, j, float(v), num_format=FMT_PCT)
    ws.freeze_panes(1, 1)
    ws.set_column(0, 0, max(28, min(50, max(len(str(g)) for g in piv.index) + 2)))
    n = len(piv)
    ch = wb.add_chart({"type": "bar", "subtype": "percent_stacked"})
    for j in range(1, len(piv.columns) + 1):
        ch.add_series({"name": [name, 0, j], "categories": [name, 1, 0, n, 0],
                       "values": [name, 1, j, n, j], "overlap": 100})
    ch.set_title({"name": "Share of each processing country"})
    ch.set_x_axis({"num_format": "0%"})
    ch.set_y_axis({"reverse": True})
    ch.set_size({"width": 18 * PX_PER_CM, "height": max(7.5, 0.6 * n + 3) * PX_PER_CM})
    ws.insert_chart(1, len(piv.columns) + 2, ch)


def _contents_sheet(wb, run: SavedRun, names: list[str], notes: dict[str, str]) -> None:
    """Links to every sheet with what it holds, and which rows a shortened sheet shows."""
    ws = wb.add_worksheet("contents")
    write_value(wb, ws, 0, 0, f"Results: {run.summary.get('instance')}", bold=True, font_size=14)
    write_value(wb, ws, 1, 0, "Click a sheet name to open it. Units are in the column headers; "
                              "amounts shown in USD m are stored in USD.")
    write_header(wb, ws, 3, ["sheet", "what it holds"])
    link = style(wb, font_color="#0563C1", underline=1)
    for i, name in enumerate(names, start=4):
        ws.write_url(i, 0, "internal:'{}'!A1".format(name.replace("'", "''")), link, name)
        what = DESCRIPTIONS.get(name) or (
            f"Shadow prices of {name[5:]}: dual, slack, binding (highlighted if binding with a "
            "non-zero price)." if name.startswith("dual_") else "")
        write_value(wb, ws, i, 1, f"{what} {notes[name]}." if name in notes else what)
    ws.freeze_panes(4, 0)
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 95)


def write_results_workbook(run: SavedRun, path: Path) -> None:
    """Contents, summary, then one formatted sheet per table (shadow prices last), charts."""
    import xlsxwriter

    names = [n for n in SHEET_ORDER if n in run.tables] + sorted(
        n for n in run.tables if n not in SHEET_ORDER)
    pivot = _supply_mix_pivot(run)
    sheets = ["summary"] + [n[:31] for n in names]
    if pivot is not None:
        sheets.insert(sheets.index("supply_mix") + 1, "supply_mix_chart")
    shown = {name: workbook_rows(name, run.tables[name]) for name in names}
    notes = {name[:31]: note for name, (_, note) in shown.items() if note}
    with xlsxwriter.Workbook(str(path), OPTIONS) as wb:
        _contents_sheet(wb, run, sheets, notes)  # first: XlsxWriter keeps sheets in creation order
        _summary_sheet(wb, run)
        for name in names:
            df, note = shown[name]
            write_table_sheet(wb, name, df, note=note)
            if name == "cost_breakdown":
                _cost_chart(wb, wb.get_worksheet_by_name(name), df)
            if name == "supply_mix" and pivot is not None:
                _supply_mix_chart(wb, pivot)
