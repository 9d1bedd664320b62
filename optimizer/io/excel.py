"""Workbook (.xlsx) → raw sheets, keeping Excel row numbers.

openpyxl parses XML with defusedxml when it is installed (it is a core dependency here), so
an XML bomb is refused instead of exhausting memory.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.io.raw import RawSheet

MAX_ROWS = 1_000_000
"""Rows per sheet beyond which a workbook is refused (protects memory)."""


def _open(path: Path, data_only: bool):
    import openpyxl  # deferred: importing openpyxl costs ~0.2 s on every CLI start

    return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def read_workbook(path: Path) -> dict[str, RawSheet]:
    """Read every sheet of ``path``; raise InputError if it is not a readable workbook."""
    name = str(path)
    if not zipfile.is_zipfile(path):
        raise InputError(Problem(name, None, None, None, None,
                                 "an Excel .xlsx workbook (this file is not one, or it is corrupt)"))
    try:
        values_wb = _open(path, data_only=True)
        formulas_wb = _open(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputError(Problem(name, None, None, None, type(exc).__name__,
                                 f"a readable .xlsx workbook ({exc})")) from None
    sheets: dict[str, RawSheet] = {}
    try:
        for ws in values_wb.worksheets:
            sheets[ws.title.strip()] = _read_sheet(name, ws, formulas_wb[ws.title])
    except InputError:
        raise
    except Exception as exc:
        raise InputError(Problem(name, None, None, None, type(exc).__name__,
                                 f"a readable .xlsx workbook ({exc})")) from None
    finally:
        values_wb.close()
        formulas_wb.close()
    return sheets


def _read_sheet(file: str, ws, ws_formulas) -> RawSheet:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return RawSheet(ws.title, file, pd.DataFrame(), hidden=ws.sheet_state != "visible")
    names = [("" if h is None else str(h)).strip() for h in header]
    # Trailing unnamed columns are layout, not data.
    while names and names[-1] == "":
        names.pop()
    data, index = [], []
    for excel_row, row in enumerate(rows, start=2):
        cells = list(row[: len(names)]) + [None] * max(0, len(names) - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank rows in the middle of a sheet are skipped
        if len(data) >= MAX_ROWS:
            raise InputError(Problem(file, ws.title, excel_row, None, None,
                                     f"at most {MAX_ROWS:,} rows per sheet"))
        data.append(cells)
        index.append(excel_row)
    frame = pd.DataFrame(data, columns=names, index=pd.Index(index, name="excel_row"), dtype=object)
    formula_cells = set()
    if frame.isna().any().any():
        # A formula whose result was never saved reads as blank; find those cells to say so.
        for excel_row, row in enumerate(ws_formulas.iter_rows(min_row=2, values_only=True), start=2):
            for col, cell in zip(names, row):
                if isinstance(cell, str) and cell.startswith("=") and excel_row in frame.index \
                        and col and frame.at[excel_row, col] is None:
                    formula_cells.add((excel_row, col))
    return RawSheet(ws.title.strip(), file, frame, frozenset(formula_cells),
                    hidden=ws.sheet_state != "visible")
