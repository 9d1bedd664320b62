"""A bulk-written table sheet (optimizer/report/excel_columns.py) is the same file as
XlsxWriter's own cell-by-cell writing.

The reference is XlsxWriter itself: the same tables written through ``write_number``,
``write_string``, ``write_boolean`` and ``write_blank`` one cell at a time
(``write_table_sheet(..., bulk=False)``), whose XML the bulk path must reproduce byte for byte
(cell references, style indices, shared-string indices, row spans, dimensions). Only
``docProps/core.xml`` differs: it holds the time of writing.
"""

from __future__ import annotations

import math
import zipfile

import pandas as pd
import pytest
import xlsxwriter

from optimizer.report import excel_columns, excel_sheet
from optimizer.report.excel_columns import NUMBER, TEXT, ColumnSheet

EVIL = '=HYPERLINK("http://example.com/x","click")'


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _tables() -> dict[str, pd.DataFrame]:
    """Every kind of cell a table sheet writes, over more than one block of 16 rows."""
    n = 40
    flows = pd.DataFrame({
        "scenario": [f"s{i % 3}" for i in range(n)],
        "origin": [None if i % 7 == 0 else ("-x" if i % 5 == 0 else f"mine{i % 4}")
                   for i in range(n)],  # blanks, and text that looks like a formula
        "tonnes": [float(i) * 1.25 if i % 9 else math.nan for i in range(n)],
        "count": list(range(n)),  # integers
        "mixed": ["a" if i % 2 else 3.5 for i in range(n)],  # numbers in a text column
        "cost_usd": [1e6 + i / 3 for i in range(n)],
    })
    flows.loc[3, "origin"] = "y" * 20_000  # longer than XlsxWriter's quick length check
    dual = pd.DataFrame({
        "key": [EVIL if i == 2 else f"k{i}" for i in range(n)],
        "rhs_range_high": [math.inf if i % 11 == 0 else -math.inf if i % 13 == 0 else i
                           for i in range(n)],
        "slack": [math.nan if i % 4 == 0 else 0.5 * i for i in range(n)],
        "shadow_price": [-2.0 * (i % 3) for i in range(n)],
        "binding": [i % 3 != 0 for i in range(n)],  # marked rows (binding, priced)
    })
    cost = pd.DataFrame({"component": ["capex", "flows"], "cost_usd": [10.0, 20.0]})
    return {"flows": flows, "dual_x": dual, "empty": pd.DataFrame({"a": []}), "cost": cost}


def _write(path, bulk: bool, monkeypatch) -> None:
    monkeypatch.setattr(excel_sheet, "MAX_SHEET_ROWS", 30)  # cut, with a note under the table
    with xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False}) as wb:
        for name, df in _tables().items():
            excel_sheet.write_table_sheet(wb, name, df, note="a note", bulk=bulk)
        chart = wb.add_chart({"type": "bar"})  # reads cached values from a bulk sheet
        chart.add_series({"categories": ["cost", 1, 0, 2, 0], "values": ["cost", 1, 1, 2, 1]})
        wb.get_worksheet_by_name("cost").insert_chart(1, 3, chart)


BULK = pytest.mark.skipif(not excel_columns.SUPPORTED, reason=(
    f"XlsxWriter {xlsxwriter.__version__} is not one of excel_columns.TESTED_VERSIONS: sheets "
    "are written cell by cell; run these tests against it, then add it there"))


@BULK
def test_bulk_sheets_are_the_same_file_as_cell_by_cell(tmp_path, monkeypatch):
    _write(tmp_path / "cells.xlsx", False, monkeypatch)
    _write(tmp_path / "bulk.xlsx", True, monkeypatch)
    cells, bulk = _parts(tmp_path / "cells.xlsx"), _parts(tmp_path / "bulk.xlsx")
    assert list(cells) == list(bulk)
    assert [n for n in cells if cells[n] != bulk[n]] == []


def _by_hand(path, bulk: bool, column_format: bool) -> None:
    """Two columns from row 2, a header row and a cell after them, written either way."""
    values, words = [1.5, None, 3.0, 2.0 ** 60], ["b", "a", None, "b"]
    with xlsxwriter.Workbook(str(path)) as wb:
        ws = wb.add_worksheet("t", worksheet_class=ColumnSheet if bulk else None)
        grey, bold = wb.add_format({"bg_color": "#EEEEEE"}), wb.add_format({"bold": True})
        ws.write_string(0, 0, "head", bold)
        ws.set_row(0, 30)
        if column_format:
            ws.set_column(1, 1, 12, grey)
        if bulk:
            ws.put_column(0, 1, NUMBER, values, (None, grey), [0, 0, 1, 1])
            index = ws.str_table._get_shared_string_index
            ws.put_column(1, 1, TEXT, [index(w) if w else None for w in words], (None,))
        else:
            for i, v in enumerate(values):
                if v is not None:
                    ws.write_number(1 + i, 0, v, grey if i >= 2 else None)
            for i, w in enumerate(words):
                if w:
                    ws.write_string(1 + i, 1, w)
        ws.write_number(7, 3, 9)


@BULK
def test_put_column_by_hand_and_with_a_column_format(tmp_path):
    """A column format applies to format-less cells, so the sheet falls back to ordinary
    cells: the file is still XlsxWriter's."""
    for column_format in (False, True):
        _by_hand(tmp_path / "cells.xlsx", False, column_format)
        _by_hand(tmp_path / "bulk.xlsx", True, column_format)
        assert _parts(tmp_path / "cells.xlsx") == _parts(tmp_path / "bulk.xlsx")


def test_an_untested_xlsxwriter_writes_cell_by_cell(tmp_path, monkeypatch):
    """With an XlsxWriter whose internals the bulk writer does not know (3.1 lacks its cell
    tuples, 3.2 writes other XML), a table sheet is an ordinary worksheet and holds every
    value (read back with openpyxl)."""
    import openpyxl

    monkeypatch.setattr(excel_columns, "SUPPORTED", False)
    path = tmp_path / "plain.xlsx"
    with xlsxwriter.Workbook(str(path)) as wb:
        excel_sheet.write_table_sheet(wb, "cost", _tables()["cost"])
        assert not isinstance(wb.get_worksheet_by_name("cost"), ColumnSheet)
    rows = list(openpyxl.load_workbook(path)["cost"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rows[:2]] == [("capex", 10.0), ("flows", 20.0)]
