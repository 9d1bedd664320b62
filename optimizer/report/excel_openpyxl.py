"""A result table as a formatted sheet of an *openpyxl* workbook (the slower, older path).

Kept only for callers that hand :func:`optimizer.report.excel.write_table_sheet` an openpyxl
``Workbook`` (the batch summary); they get the same headers, formats, frozen header and
highlight as :mod:`optimizer.report.excel_sheet`, which writes run workbooks with XlsxWriter
in about 40 % of the time. Remove once every caller uses
:func:`optimizer.report.excel.write_tables_workbook`.
"""

from __future__ import annotations

import math
from copy import copy

import pandas as pd

from optimizer.report.excel_sheet import (
    BINDING_FILL,
    FORMULA_START,
    HEADER_FILL,
    MAX_SHEET_ROWS,
    binding_rows,
    column_format,
)


def _write_cell(ws, row: int, col: int, value):
    """Write one value (1-based); text is always a string cell (never a formula)."""
    c = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return c
    c.value = value.item() if hasattr(value, "item") else value
    if isinstance(c.value, str):
        c.data_type = "s"
        if c.value.startswith(FORMULA_START):
            c.quotePrefix = True
    return c


def write_table_sheet(wb, name: str, df: pd.DataFrame, note: str | None = None) -> None:
    """One table as a formatted sheet of an openpyxl workbook (see the module docstring)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name[:31])
    total_rows = len(df)
    df = df.head(MAX_SHEET_ROWS)
    cols = list(df.columns)
    specs = [column_format(c, df[c], name) for c in cols]
    for j, (h, _) in enumerate(specs, start=1):
        c = _write_cell(ws, 1, j, h)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor=HEADER_FILL.lstrip("#"))
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 30
    mark = (binding_rows(df).to_numpy() if name.startswith("dual_") and
            {"binding", "shadow_price"} <= set(cols) else None)
    fill = PatternFill("solid", fgColor=BINDING_FILL.lstrip("#"))
    protos = {}  # one styled prototype per (format, binding): openpyxl's setters are slow
    for i, row in enumerate(df.itertuples(index=False), start=2):
        binding = mark is not None and bool(mark[i - 2])
        for j, v in enumerate(row, start=1):
            c = _write_cell(ws, i, j, v)
            fmt = specs[j - 1][1]
            if fmt or binding:
                if (fmt, binding) not in protos:
                    proto = c.__class__(ws)
                    proto.number_format = fmt or "General"
                    if binding:
                        proto.fill = fill
                    protos[(fmt, binding)] = proto._style
                c._style = copy(protos[(fmt, binding)])
                if isinstance(v, str) and v.startswith(FORMULA_START):
                    c.quotePrefix = True  # the copied style must not drop the text guard
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, len(df) + 1)}"
    if total_rows > len(df):
        note = (f"… {total_rows - len(df):,} more rows: every row is in tables/{name}.csv"
                + (f" ({note})" if note else ""))
    if note:
        _write_cell(ws, len(df) + 3, 1, note)
    for j, (h, _) in enumerate(specs, start=1):
        vals = df.iloc[:200, j - 1]
        longest = max([len(w) for w in str(h).split()] + [8])
        longest = max(longest, 12) if pd.api.types.is_numeric_dtype(vals) else max(
            [longest] + [len(str(v)) for v in vals])
        ws.column_dimensions[get_column_letter(j)].width = min(45, longest + 3)
