"""One entry point for every instance format."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import InputError, Problem
from optimizer.io.csv import read_csv_file, read_csv_folder
from optimizer.io.excel import read_workbook
from optimizer.io.raw import RawSheet


def read_raw_sheets(path: str | Path) -> dict[str, RawSheet]:
    """Read a workbook, a folder of CSV files or a single CSV file into raw sheets.

    Raises
    ------
    InputError
        naming the path when it does not exist, is neither a regular file nor a folder (a
        pipe or device would block or never end), cannot be read, or is not a supported format;
        the readers add their own problems (corrupt workbook, binary CSV, ...).
    """
    path = Path(path)
    try:
        if not path.exists():
            raise InputError(Problem(str(path), None, None, None, None,
                                     "an existing file or folder"))
        if path.is_dir():
            return read_csv_folder(path)
        if not path.is_file():
            raise InputError(Problem(str(path), None, None, None, None,
                                     "a regular file or a folder (this is a device, pipe or "
                                     "socket)"))
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return {path.stem: read_csv_file(path, path.stem)}
        if suffix in (".xlsx", ".xlsm"):
            return read_workbook(path)
    except OSError as exc:  # permissions, a file removed while reading, a name too long, ...
        raise InputError(Problem(str(path), None, None, None, None,
                                 f"a readable file or folder ({exc.strerror or exc})")) from None
    if suffix == ".xls":
        expected = "an .xlsx workbook (open this old .xls file in Excel and save it as .xlsx)"
    else:
        expected = "an .xlsx workbook or a folder of .csv files"
    raise InputError(Problem(str(path), None, None, None, path.suffix or "(no extension)",
                             expected))
