"""analysis.xlsx: the resilience analytics as a workbook formatted like results.xlsx.

A ``contents`` sheet links every sheet and says what it holds (with the analysis facts:
instance, solves, wall time); each table is a sheet with units in its headers, number formats
(USD, USD millions for large amounts, %, t, s), a frozen header row and filters, drawn by
:func:`optimizer.report.excel_sheet.write_table_sheet`. Cells hold the saved CSV values;
formats only change how they display.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.report.excel_sheet import style, write_header, write_table_sheet, write_value

ANALYSIS_SHEETS = {
    "measures": "Cost of resilience, value of resilience, VSS, EVPI and the solves they "
                "come from (RP, naive, EV, EEV, WS), in USD.",
    "resilience_plans": "The resilient plan (the model's optimum) and the naive plan (base "
                        "data only): planned cost, cost in the full model, capex, builds.",
    "plan_performance": "Each plan's cost and unmet demand by end use if each scenario "
                        "happens, from the plan's solve of the full model (decisions before "
                        "the scenario is revealed shared): the figures a solve reports.",
    "wait_and_see": "Each scenario solved alone, known from the first period, with its own "
                    "best builds (WS: an optimum with foresight, not a plan's cost), and the "
                    "expected-value problem (EV).",
    "cutoff_screen": "Every export of one country stops: expected cost, its increase and "
                     "unmet demand, with the chosen builds and with none.",
    "policy_prices": "What each end-use limit, diversification cap and export quota costs: "
                     "RP minus the optimum without that rule.",
    "solves": "Every solve of the analysis: status, objective and wall time.",
}
"""Sheets in reading order, with what each holds."""


def write_analysis_workbook(tables: dict[str, pd.DataFrame], meta: dict, path: Path) -> Path:
    """Write ``path``: contents sheet, then one formatted sheet per table present."""
    import xlsxwriter

    from optimizer.report.excel import OPTIONS

    names = [n for n in ANALYSIS_SHEETS if n in tables] + sorted(
        n for n in tables if n not in ANALYSIS_SHEETS)
    with xlsxwriter.Workbook(str(path), OPTIONS) as wb:
        ws = wb.add_worksheet("contents")
        inst = Path(str(meta.get("instance") or "")).name or "?"
        write_value(wb, ws, 0, 0, f"Resilience analytics: {inst}", bold=True, font_size=14)
        write_value(wb, ws, 1, 0, f"{meta.get('solves', '?')} solves, wall time "
                                  f"{meta.get('wall_s', '?')} s. Click a sheet name to open it. "
                                  "Units are in the column headers; amounts shown in USD m are "
                                  "stored in USD.")
        write_header(wb, ws, 3, ["sheet", "what it holds"])
        link = style(wb, font_color="#0563C1", underline=1)
        for i, name in enumerate(names, start=4):
            ws.write_url(i, 0, "internal:'{}'!A1".format(name[:31].replace("'", "''")), link,
                         name[:31])
            write_value(wb, ws, i, 1, ANALYSIS_SHEETS.get(name, ""))
        ws.freeze_panes(4, 0)
        ws.set_column(0, 0, 24)
        ws.set_column(1, 1, 100)
        for name in names:
            write_table_sheet(wb, name, tables[name])
    return path
