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
            ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
        ws.freeze_panes = "A2"
        for i, col in enumerate(df.columns, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(col) + 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv_folder(frames: dict, folder: str | Path) -> Path:
    """Write one ``<sheet>.csv`` per table into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in frames.items():
        _frame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder
