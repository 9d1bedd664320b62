"""Folder of ``<sheet>.csv`` files → raw sheets (the same shape the workbook reader gives)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.io.raw import RawSheet

MAX_BYTES = 512 * 1024 * 1024


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InputError(Problem(str(path), None, None, None, f"{len(data):,} bytes",
                                 f"a CSV file under {MAX_BYTES:,} bytes"))
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(Problem(str(path), None, None, None, None,
                                 "a text CSV file (this one holds binary data)"))
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
            if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return text
        except UnicodeDecodeError:
            continue
    # Excel on Windows saves "CSV" as cp1252; accept it rather than refuse the file.
    return data.decode("cp1252", errors="replace")


def read_csv_file(path: Path, sheet: str) -> RawSheet:
    """Read one CSV file; the delimiter (, ; tab) is sniffed from the header line."""
    text = _decode(path)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max([",", ";", "\t"], key=first.count) if first else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return RawSheet(sheet, str(path), pd.DataFrame())
    names = [h.strip() for h in rows[0]]
    while names and names[-1] == "":
        names.pop()
    data, index = [], []
    for excel_row, row in enumerate(rows[1:], start=2):
        cells = [c if c.strip() != "" else None for c in row[: len(names)]]
        cells += [None] * (len(names) - len(cells))
        if all(c is None for c in cells):
            continue
        data.append(cells)
        index.append(excel_row)
    frame = pd.DataFrame(data, columns=names, index=pd.Index(index, name="excel_row"), dtype=object)
    return RawSheet(sheet, str(path), frame)


def read_csv_folder(folder: Path) -> dict[str, RawSheet]:
    """Read every ``*.csv`` in ``folder``; the file stem is the sheet name."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise InputError(Problem(str(folder), None, None, None, None,
                                 "a folder holding one <sheet>.csv file per sheet (none found)"))
    return {f.stem.strip(): read_csv_file(f, f.stem.strip()) for f in files}
