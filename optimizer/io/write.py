"""Write instance tables (dict of DataFrames / row dicts) as a workbook or a CSV folder.

Used by instance-building scripts, the synthetic generator and tests; the written files go
through the same reader and validator as a planner's workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.schema import SHEET_BY_NAME


def _frame(rows) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)


FIXED_TIMESTAMP = __import__("datetime").datetime(2025, 1, 1)
"""Workbook created/modified stamp: regenerating an unchanged instance gives the same bytes."""


def write_workbook(frames: dict, path: str | Path, readme: list[str] | None = None) -> Path:
    """Write one sheet per table (schema order first), with an optional README sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    first = wb.active
    if readme:
        first.title = "README"
        for line in readme:
            first.append([line])
        first.column_dimensions["A"].width = 120
    else:
        wb.remove(first)
    order = [s for s in SHEET_BY_NAME if s in frames] + [s for s in frames if s not in SHEET_BY_NAME]
    for name in order:
        df = _frame(frames[name])
        ws = wb.create_sheet(name)
        ws.append(list(df.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in df.itertuples(index=False):
            values = [None if (isinstance(v, float) and v != v) else v for v in row]
            ws.append(values)
            if any(isinstance(v, str) and v.startswith("=") for v in values):
                _as_text(ws[ws.max_row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(col) + 3)
    wb.properties.created = FIXED_TIMESTAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    _freeze_zip_times(path)
    return path


def _as_text(cells) -> None:
    """Store text starting with '=' as text (openpyxl would store it as a formula): a name is
    data, and a formula cell would have no saved value for the reader."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
            cell.quotePrefix = True  # Excel shows it as typed, and keeps it text when edited


def _freeze_zip_times(path: Path) -> None:
    """Rewrite the .xlsx with fixed zip-entry and 'modified' times (openpyxl stamps 'now')."""
    import re
    import zipfile

    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)


def write_csv_folder(frames: dict, folder: str | Path) -> Path:
    """Write one ``<sheet>.csv`` per table into ``folder``.

    Text that a spreadsheet would run as a formula is written with a leading ``'`` (the reader
    removes it again: :mod:`optimizer.csv_safe`).
    """
    from optimizer.csv_safe import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in frames.items():
        write_csv(_frame(rows), folder / f"{name}.csv", float_format=None)
    return folder
