"""Folder of ``<sheet>.csv`` files → raw sheets (the same shape the workbook reader gives).

The encoding is detected (UTF-8 with or without BOM, UTF-16 with a BOM or, for Excel's
"Unicode text", without one, else Windows-1252) and the delimiter (``,`` ``;`` tab) is taken
from the header line. Row numbers count records as a spreadsheet program shows them (header =
row 1, blank lines count, a quoted field spanning lines stays in one row). Binary files,
oversized files and malformed CSV are refused with an InputError naming the file (and line),
never with a traceback.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from optimizer.csv_safe import restore
from optimizer.errors import InputError, Problem
from optimizer.io.raw import RawSheet

MAX_BYTES = 512 * 1024 * 1024
"""Largest CSV file read (bytes)."""
MAX_FIELD_CHARS = 1_000_000
"""Longest single CSV field (characters); longer means a stray quote swallowed the file."""


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' if every other byte of the start is NUL (ASCII text in UTF-16)."""
    head = data[:4096]
    if len(head) < 4 or len(data) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decode(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(Problem(str(path), None, None, None, f"{size:,} bytes",
                                     f"a CSV file under {MAX_BYTES:,} bytes"))
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(str(path), None, None, None, None,
                                 f"a readable file ({exc.strerror or exc})")) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(Problem(str(path), None, None, None, None,
                                     "a UTF-16 text file (its byte-order mark says UTF-16 but "
                                     "the rest is not)")) from None
    bare = _utf16_without_bom(data)
    if bare:
        try:
            return data.decode(bare)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise InputError(Problem(str(path), None, None, None, None,
                                 "a text CSV file (this one holds binary data)"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" as cp1252; accept it rather than refuse the file.
        return data.decode("cp1252", errors="replace")


MAX_LISTED_RAGGED = 20
"""Rows with a wrong field count listed per file; the rest are counted in one line."""


def ragged_rows(rows: list[list[str]], last_lines: list[int], names: list[str], file: str,
                sheet: str) -> list[Problem]:
    """One problem per data row whose field count differs from the header's.

    A row must hold one field per named header column: a short row ('M1,P1' under four
    headers) would read its missing fields as blank (cost 0, unlimited capacity) and a long
    one would drop fields or, after an unquoted comma, shift every later value one column
    right. Blank rows are skipped as elsewhere; extra *empty* trailing fields are accepted
    (spreadsheet programs write them for formatted but empty columns), and so are values under
    unnamed columns that the header row itself has (``a,b,c,`` over ``1,2,3,note``), which are
    ignored as the workbook reader ignores unnamed columns. The row is the record number a
    spreadsheet shows (header = row 1); the file line is added when a quoted field spanning
    lines makes them differ.
    """
    width = len(names)
    header_fields = max(len(rows[0]), width)
    problems: list[Problem] = []
    count = 0
    for excel_row, (row, line) in enumerate(zip(rows[1:], last_lines[1:]), start=2):
        if all(c.strip() == "" for c in row):
            continue  # a blank line (or only delimiters): skipped
        filled = len(row)
        while filled > width and row[filled - 1].strip() == "":
            filled -= 1
        if width <= len(row) and filled <= header_fields:
            continue
        count += 1
        if count > MAX_LISTED_RAGGED:
            continue
        at_line = "" if line == excel_row else f" (this row ends on line {line} of the file)"
        problems.append(Problem(file, sheet, excel_row, None, f"{len(row)} fields",
                                f"{width} fields, one per header column ({', '.join(names)}); "
                                "a missing field must still have its delimiter (an empty value), "
                                f"and a value holding the delimiter must be quoted{at_line}"))
    if count > MAX_LISTED_RAGGED:
        problems.append(Problem(file, sheet, None, None,
                                f"{count - MAX_LISTED_RAGGED:,} more row(s) not listed",
                                f"{width} fields on every row (only the first "
                                f"{MAX_LISTED_RAGGED} rows with a wrong count are listed)"))
    return problems


def read_csv_file(path: Path, sheet: str) -> RawSheet:
    """Read one CSV file; the delimiter (, ; tab) is sniffed from the header line."""
    text = _decode(path)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max([",", ";", "\t"], key=first.count) if first else ","
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows_read: list[list[str]] = []
    last_lines: list[int] = []  # the file line each record ends on (differs after a quoted newline)
    try:
        for record in reader:
            rows_read.append(record)
            last_lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(Problem(str(path), sheet, len(rows_read) + 1, None, None,
                                 f"well-formed CSV ({exc}; check for an unclosed quote)")) \
            from None
    finally:
        csv.field_size_limit(old_limit)
    rows = rows_read
    if not rows:
        return RawSheet(sheet, str(path), pd.DataFrame())
    names = [h.strip() for h in rows[0]]
    while names and names[-1] == "":
        names.pop()
    if not names:
        return RawSheet(sheet, str(path), pd.DataFrame())
    ragged = ragged_rows(rows, last_lines, names, str(path), sheet)
    if ragged:
        raise InputError(ragged)
    data, index = [], []
    for excel_row, row in enumerate(rows[1:], start=2):
        cells = [restore(c) if c.strip() != "" else None for c in row[: len(names)]]
        cells += [None] * (len(names) - len(cells))
        if all(c is None for c in cells):
            continue
        data.append(cells)
        index.append(excel_row)
    frame = pd.DataFrame(data, columns=names, index=pd.Index(index, name="excel_row"), dtype=object)
    return RawSheet(sheet, str(path), frame)


def read_csv_folder(folder: Path) -> dict[str, RawSheet]:
    """Read every ``*.csv`` in ``folder``; the file stem is the sheet name."""
    try:
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() == ".csv" and f.is_file())
    except OSError as exc:
        raise InputError(Problem(str(folder), None, None, None, None,
                                 f"a readable folder ({exc.strerror or exc})")) from None
    if not files:
        raise InputError(Problem(str(folder), None, None, None, None,
                                 "a folder holding one <sheet>.csv file per sheet (none found)"))
    # Read every file before refusing, so one run lists the problems of all of them.
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for f in files:
        try:
            sheets[f.stem.strip()] = read_csv_file(f, f.stem.strip())
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    return sheets
