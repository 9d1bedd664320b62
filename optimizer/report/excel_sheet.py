"""One result table as a formatted XlsxWriter sheet (rendering only; no computation).

A sheet has units in its header row (frozen, auto-filtered), a number format per column
(tonnes, USD or USD millions, USD per unit, %), widths that fit, and, in a ``dual_*`` sheet,
the binding rows with a non-zero price highlighted.

Safety: a text value is always written as a string cell (never through XlsxWriter's
guessing ``write``), and one starting with ``=``, ``+``, ``-`` or ``@`` also gets Excel's quote
prefix, so ``=HYPERLINK(...)`` from an input workbook is shown, never evaluated.

Speed: cells are written column by column with one format object per distinct look (made once
per workbook). A sheet made here is a :class:`~optimizer.report.excel_columns.ColumnSheet`, so a
column of numbers, booleans or text is handed over as one list and its XML written in bulk
(the same file as cell-by-cell writes, in about a fifth of XlsxWriter's time); odd cells
(blanks, ±inf) go through XlsxWriter's own calls.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import pandas as pd

from optimizer.report import excel_columns, facts
from optimizer.report.excel_columns import BOOLEAN, NUMBER, TEXT, ColumnSheet

FMT_T = "#,##0.0"
FMT_USD = "#,##0"
FMT_USD_M = "#,##0.00,,"
FMT_USD_UNIT = "#,##0.00"
FMT_PCT = "0.0%"
FMT_INT = "#,##0"

HEADER_FILL = "#1F4E79"
BINDING_FILL = "#FFF2CC"
LARGE_USD = 1e5
"""A money column whose largest value reaches this is shown in USD millions."""

PRICE_COLS = {"shadow_price", "conditional_price"}
TONNE_COLS = {"tonnes", "rhs", "activity", "slack", "rhs_range_low", "rhs_range_high"}
SHARE_COLS = {"share", "probability", "max_share", "unmet_share", "top_share", "gap"}

MAX_SHEET_ROWS = 20_000
"""Rows written per sheet; a longer table (flows of a large instance) is cut with a note that
points to its CSV file, which always holds every row. Keeps the workbook quick to write and
to open."""

FORMULA_START = ("=", "+", "-", "@")
HIGHLIGHT = {"bg_color": BINDING_FILL, "pattern": 1}
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "pattern": 1,
          "text_wrap": True, "valign": "top"}


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
    if name in ("count", "node", "rule", "lane", "row", "rank", "solves"):
        return name, FMT_INT
    if name.endswith("_s"):
        return f"{name} (s)", "#,##0.00"
    if table == "dual_module_build_limit" and name in TONNE_COLS:
        return f"{name} (modules)", "#,##0.###"
    if name.endswith("_t") or name in TONNE_COLS:
        return f"{name} (t)", FMT_T
    return name, "#,##0.###"


_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def style(wb, **props):
    """The workbook's format with these properties (None for none), made once per workbook.

    XlsxWriter writes one style record per format object, so sharing them keeps the file small.
    """
    props = {k: v for k, v in props.items() if v not in (None, False)}
    if not props:
        return None
    cache = _STYLES.setdefault(wb, {})
    key = tuple(sorted(props.items()))
    if key not in cache:
        cache[key] = wb.add_format(props)
    return cache[key]


def write_value(wb, ws, row: int, col: int, value, **props) -> None:
    """Write one value of any type (0-based row and column); text is always a string cell.

    ``props`` are format properties (``num_format``, ``bold``…). Missing values (None, NaN, "")
    leave the cell blank, keeping its format; ±inf (an unbounded ranging limit) is shown as
    ``inf`` text, since an Excel number cannot hold it.
    """
    if hasattr(value, "item"):
        value = value.item()
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, style(wb, **props))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, style(wb, **props))
    elif isinstance(value, (int, float)) and math.isfinite(value):
        ws.write_number(row, col, value, style(wb, **props))
    else:
        text = ("inf" if value > 0 else "-inf") if isinstance(value, float) else str(value)
        ws.write_string(row, col, text, style(wb, quote_prefix=text.startswith(FORMULA_START),
                                             **props))


def write_header(wb, ws, row: int, headers: list[str]) -> None:
    """The header row style: white bold text on dark blue, wrapped."""
    for j, h in enumerate(headers):
        write_value(wb, ws, row, j, h, **HEADER)


def _write_column(wb, ws, j: int, s: pd.Series, fmt: str | None,
                  mark: np.ndarray | None) -> None:
    """Write one column from row 1 down; a marked (binding) row gets the highlight fill.

    Numbers, booleans and text take a lean path with the column's few formats looked up once
    (handed over whole to a :class:`ColumnSheet`); anything else (blanks, ±inf, a mixed
    column's odd value) goes through :func:`write_value`.
    """
    if isinstance(ws, ColumnSheet):
        _put_column(wb, ws, j, s, fmt, mark)
        return
    rows = range(1, len(s) + 1)
    marks = mark.tolist() if mark is not None else [False] * len(s)
    plain, lit = {"num_format": fmt}, {"num_format": fmt, **HIGHLIGHT}
    kind = s.dtype.kind
    if kind in "iuf":
        looks = (style(wb, **plain), style(wb, **lit))
        for r, v, m in zip(rows, s.tolist(), marks):
            if v == v and v not in (math.inf, -math.inf):
                ws.write_number(r, j, v, looks[m])
            else:
                write_value(wb, ws, r, j, v, **(lit if m else plain))
        return
    if kind == "b":
        looks = (style(wb, **plain), style(wb, **lit))
        for r, v, m in zip(rows, s.tolist(), marks):
            ws.write_boolean(r, j, v, looks[m])
        return
    looks = ((style(wb, **plain), style(wb, quote_prefix=True, **plain)),
             (style(wb, **lit), style(wb, quote_prefix=True, **lit)))
    for r, v, m in zip(rows, s.tolist(), marks):
        if isinstance(v, str):
            ws.write_string(r, j, v, looks[m][v.startswith(FORMULA_START)])
        elif m or (v is not None and v == v):  # a blank, plain cell need not be written
            write_value(wb, ws, r, j, v, **(lit if m else plain))


def _put_column(wb, ws: ColumnSheet, j: int, s: pd.Series, fmt: str | None,
                mark: np.ndarray | None) -> None:
    """:func:`_write_column` for a :class:`ColumnSheet`: the same cells, as one list.

    Looks are indexed 2 × marked + quote-prefixed (text) or marked (numbers, booleans). Text
    enters the shared-string table here, cell by cell and interleaved with the odd cells'
    writes, in the order cell-by-cell writing would enter it.
    """
    n = len(s)
    marks = mark.tolist() if mark is not None else [False] * n
    plain, lit = {"num_format": fmt}, {"num_format": fmt, **HIGHLIGHT}
    kind = s.dtype.kind
    values = s.tolist()
    if kind in "iufb":
        looks = (style(wb, **plain), style(wb, **lit))
        for i, v in enumerate(values if kind != "b" else ()):
            if not (v == v and v not in (math.inf, -math.inf)):
                write_value(wb, ws, i + 1, j, v, **(lit if marks[i] else plain))
                values[i] = None
        ws.put_column(j, 1, BOOLEAN if kind == "b" else NUMBER, values, looks,
                      marks if mark is not None else None)
        return
    looks = (style(wb, **plain), style(wb, quote_prefix=True, **plain),
             style(wb, **lit), style(wb, quote_prefix=True, **lit))
    enter = ws.str_table._get_shared_string_index
    longest = ws.xls_strmax // 2  # longer text may need cutting: write_string's to judge
    distinct = dict.fromkeys(values)  # in order of first appearance
    if all(isinstance(v, str) and len(v) <= longest for v in distinct):
        # Plain text only: each distinct string enters the table once, in the order cell by
        # cell writing would first enter it, and the table counts the repeats (as it would).
        index = {v: enter(v) for v in distinct}
        ws.str_table.count += n - len(distinct)
        quoted = {v: v.startswith(FORMULA_START) for v in distinct}
        ws.put_column(j, 1, TEXT, [index[v] for v in values], looks,
                      [2 * m + quoted[v] for v, m in zip(values, marks, strict=True)])
        return
    look_of_row = [0] * n
    for i, (v, m) in enumerate(zip(values, marks, strict=True)):
        if isinstance(v, str) and len(v) <= longest:
            look_of_row[i] = 2 * m + v.startswith(FORMULA_START)
            values[i] = enter(v)
            continue
        if isinstance(v, str):
            ws.write_string(i + 1, j, v, looks[2 * m + v.startswith(FORMULA_START)])
        elif m or (v is not None and v == v):  # a blank, plain cell need not be written
            write_value(wb, ws, i + 1, j, v, **(lit if m else plain))
        values[i] = None
    ws.put_column(j, 1, TEXT, values, looks, look_of_row)


def _widths(ws, headers: list[str], df: pd.DataFrame) -> None:
    sample = df.head(200)
    for j, h in enumerate(headers):
        longest = max([len(w) for w in str(h).split()] + [8])
        if j < sample.shape[1]:
            vals = sample.iloc[:, j]
            if not pd.api.types.is_numeric_dtype(vals):
                longest = max([longest] + [len(str(v)) for v in vals])
            else:
                longest = max(longest, 12)
        ws.set_column(j, j, min(45, longest + 3))


def binding_rows(df: pd.DataFrame) -> pd.Series:
    """Rows of a shadow-price table that bind with a non-zero price."""
    b = df["binding"].astype(str).str.lower().isin(["true", "1"])
    p = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0).abs() > facts.PRICE_TOL
    return b & p


def write_table_sheet(wb, name: str, df: pd.DataFrame, note: str | None = None,
                      bulk: bool = True) -> None:
    """One table as a formatted sheet (header row frozen, filters, units, formats); ``note``
    is written under the table (e.g. that rows were left out of the workbook). ``bulk``
    writes its columns' XML in bulk (:mod:`optimizer.report.excel_columns`; False: cell by
    cell through XlsxWriter, the same file more slowly)."""
    bulk = bulk and excel_columns.SUPPORTED  # another XlsxWriter: cell by cell, same file
    ws = wb.add_worksheet(name[:31], worksheet_class=ColumnSheet if bulk else None)
    total_rows = len(df)
    if total_rows > MAX_SHEET_ROWS:
        df = df.head(MAX_SHEET_ROWS)
    cols = list(df.columns)
    specs = [column_format(c, df[c], name) for c in cols]
    headers = [h for h, _ in specs]
    write_header(wb, ws, 0, headers)
    ws.set_row(0, 30)
    mark = None
    if name.startswith("dual_") and "binding" in cols and "shadow_price" in cols:
        mark = binding_rows(df).to_numpy()
    for j, (c, (_, fmt)) in enumerate(zip(cols, specs)):
        _write_column(wb, ws, j, df[c], fmt, mark)
    ws.freeze_panes(1, 0)
    if cols:
        ws.autofilter(0, 0, len(df), len(cols) - 1)
    if total_rows > len(df):
        note = (f"… {total_rows - len(df):,} more rows: every row is in tables/{name}.csv"
                + (f" ({note})" if note else ""))
    if note:
        write_value(wb, ws, len(df) + 2, 0, note)
    _widths(ws, headers, df)
