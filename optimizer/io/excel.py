"""Workbook (.xlsx) → raw sheets, keeping Excel row numbers.

Hostile or broken workbooks are refused with an :class:`~optimizer.errors.InputError` that
names the file (and the sheet and row where that is known), never with a traceback:

* a file that is not a zip archive (an old ``.xls``, a password-protected workbook, a renamed
  text file, random bytes, a truncated download) is refused before openpyxl sees it;
* a zip archive whose members would expand beyond :data:`MAX_UNCOMPRESSED_BYTES`, or by more
  than :data:`MAX_RATIO` times, is refused as a possible zip bomb before anything is inflated;
* openpyxl parses XML with defusedxml (a core dependency here), so an XML bomb (entity
  declarations, "billion laughs") is refused instead of exhausting memory;
* rows beyond Excel's last row, or more than :data:`MAX_ROWS` data rows, are refused.

Only as many columns as the header row names are read from each data row, so a bogus sheet
dimension (``A1:XFD1048576``) costs nothing.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.io.raw import RawSheet

MAX_ROWS = 1_000_000
"""Data rows per sheet beyond which a workbook is refused (protects memory and time)."""
EXCEL_LAST_ROW = 1_048_576
"""The last row an Excel sheet can have; a row number above it means a forged file."""
MAX_UNCOMPRESSED_BYTES = 1 << 30
"""Total inflated size of a workbook's members beyond which it is refused (1 GiB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for a member bigger than 10 MB (a zip bomb has ~1000)."""
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _problem(file: str, expected: str, value=None, sheet=None, row=None) -> InputError:
    return InputError(Problem(file, sheet, row, None, value, expected))


def _check_container(path: Path) -> None:
    """Refuse what is not an .xlsx zip archive, or is one that would inflate absurdly."""
    name = str(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise _problem(name, "an Excel .xlsx workbook (this file is empty)")
    if head == _OLE_MAGIC:
        raise _problem(name, "an Excel .xlsx workbook (this is an old .xls workbook or a "
                       "password-protected one: save it as .xlsx without a password)")
    if not zipfile.is_zipfile(path):
        raise _problem(name, "an Excel .xlsx workbook (this file is not one, or it is truncated "
                       "or corrupt)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _problem(name, f"an intact .xlsx workbook (the zip archive is corrupt: {exc})") \
            from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _problem(name, f"a workbook under {MAX_UNCOMPRESSED_BYTES:,} bytes once "
                       "unpacked (possible zip bomb)", f"{total:,} bytes unpacked")
    for i in infos:
        if i.file_size > 10_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _problem(name, f"a workbook whose parts compress less than {MAX_RATIO}:1 "
                           "(possible zip bomb)", f"{i.filename}: {i.file_size:,} bytes from "
                           f"{i.compress_size:,}")


def _open(path: Path, data_only: bool):
    import openpyxl  # deferred: importing openpyxl costs ~0.2 s on every CLI start

    return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def _describe(exc: BaseException) -> str:
    """Describe why a workbook could not be parsed; name an XML bomb as such."""
    cause, seen = exc, 0
    while cause is not None and seen < 10:  # openpyxl wraps the parser's error in a ValueError
        if type(cause).__name__ in ("EntitiesForbidden", "DTDForbidden",
                                    "ExternalReferenceForbidden", "NotSupportedError"):
            return ("a workbook without XML entity or DTD declarations (refused as a possible "
                    "XML bomb)")
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    kind = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else kind
    return f"a readable .xlsx workbook ({kind}: {text})"


def read_workbook(path: Path) -> dict[str, RawSheet]:
    """Read every sheet of ``path``; raise InputError if it is not a readable workbook."""
    name = str(path)
    _check_container(path)
    with warnings.catch_warnings():
        # openpyxl warns about styles, validation extensions and out-of-range dates; none of
        # that matters to the data and a warning on stderr would look like a fault.
        warnings.simplefilter("ignore")
        try:
            values_wb = _open(path, data_only=True)
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many types for corrupt files
            raise _problem(name, _describe(exc), type(exc).__name__) from None
        formulas_wb = None
        sheets: dict[str, RawSheet] = {}
        current = None
        try:
            for ws in values_wb.worksheets:
                current = ws.title
                title = ws.title.strip()
                if title.lower() in {t.lower() for t in sheets}:
                    raise _problem(name, "sheet names that differ by more than case and spaces",
                                   ws.title, sheet=title)
                formula_ws = None
                if _has_formulas(ws):
                    if formulas_wb is None:
                        formulas_wb = _open(path, data_only=False)
                    formula_ws = formulas_wb[ws.title]
                sheets[title] = _read_sheet(name, ws, formula_ws)
        except InputError:
            raise
        except Exception as exc:
            raise _problem(name, _describe(exc), type(exc).__name__, sheet=current) from None
        finally:
            values_wb.close()
            if formulas_wb is not None:
                formulas_wb.close()
    return sheets


def _has_formulas(ws) -> bool:
    """Whether the sheet's XML holds any formula (``<f>``), scanning the bytes only."""
    try:
        src = ws._get_source()  # openpyxl's own accessor for the sheet's zip member
    except Exception:
        return True  # cannot tell cheaply: take the slow, exact path
    tail = b""
    with src:
        while chunk := src.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _read_sheet(file: str, ws, ws_formulas) -> RawSheet:
    hidden = ws.sheet_state != "visible"
    ws.reset_dimensions()  # ignore the stored dimension: it may claim 16,384 columns
    header = next(ws.iter_rows(max_row=1, values_only=True), None)
    if header is None:
        return RawSheet(ws.title.strip(), file, pd.DataFrame(), hidden=hidden)
    names = [("" if h is None else str(h)).strip() for h in header]
    # Trailing unnamed columns are layout, not data.
    while names and names[-1] == "":
        names.pop()
    if not names:
        return RawSheet(ws.title.strip(), file, pd.DataFrame(), hidden=hidden)
    width = len(names)
    data, index = [], []
    for excel_row, row in enumerate(ws.iter_rows(min_row=2, max_col=width, values_only=True),
                                    start=2):
        if excel_row > EXCEL_LAST_ROW:
            raise _problem(file, f"at most {EXCEL_LAST_ROW:,} rows (Excel's limit); the file "
                           "is damaged or was not written by a spreadsheet program",
                           sheet=ws.title, row=excel_row)
        if all(_blank(c) for c in row):
            continue  # blank rows in the middle of a sheet are skipped
        if len(data) >= MAX_ROWS:
            raise _problem(file, f"at most {MAX_ROWS:,} data rows per sheet", sheet=ws.title,
                           row=excel_row)
        cells = list(row) + [None] * (width - len(row))
        data.append(cells)
        index.append(excel_row)
    frame = pd.DataFrame(data, columns=names, index=pd.Index(index, name="excel_row"), dtype=object)
    formula_cells: dict[tuple[int, str], str] = {}
    if ws_formulas is not None and data and any(c is None for cells in data for c in cells):
        # A formula whose result was never saved reads as blank; find those cells to say so.
        ws_formulas.reset_dimensions()
        position = {r: i for i, r in enumerate(index)}
        for excel_row, row in enumerate(ws_formulas.iter_rows(min_row=2, max_col=width,
                                                              values_only=True), start=2):
            if excel_row > index[-1]:
                break
            i = position.get(excel_row)
            if i is None:
                continue
            for j, (col, cell) in enumerate(zip(names, row)):
                if col and isinstance(cell, str) and cell.startswith("=") and _blank(data[i][j]):
                    formula_cells[(excel_row, col)] = cell
    return RawSheet(ws.title.strip(), file, frame, formula_cells, hidden=hidden)

