"""One entry point for every instance format."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import InputError, Problem
from optimizer.io.csv import read_csv_file, read_csv_folder
from optimizer.io.excel import read_workbook
from optimizer.io.raw import RawSheet


def read_raw_sheets(path: str | Path) -> dict[str, RawSheet]:
    """Read a workbook, a folder of CSV files or a single CSV file into raw sheets."""
    path = Path(path)
    if not path.exists():
        raise InputError(Problem(str(path), None, None, None, None, "an existing file or folder"))
    if path.is_dir():
        return read_csv_folder(path)
    if path.suffix.lower() == ".csv":
        return {path.stem: read_csv_file(path, path.stem)}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(path)
    raise InputError(Problem(str(path), None, None, None, path.suffix or "(no extension)",
                             "an .xlsx workbook or a folder of .csv files"))
