"""Workbook (.xlsx) → raw sheets, keeping Excel row numbers.

Hostile or broken workbooks are refused with an :class:`~optimizer.errors.InputError` that
names the file (and the sheet and row where that is known), never with a traceback:

* a file that is not a zip archive (an old ``.xls``, a password-protected workbook, a renamed
  text file, random bytes, a truncated download) is refused before openpyxl sees it;
* a zip archive whose members would expand beyond :data:`MAX_UNCOMPRESSED_BYTES`, or by more
  than :data:`MAX_RATIO` times, is refused as a possible zip bomb before anything is inflated;
* every XML part is checked before openpyxl parses anything: a part whose prolog declares a
  DTD (``<!DOCTYPE``, the vehicle of entity declarations: "billion laughs" bombs, external
  entities reading local files) is refused, naming the part and, for a worksheet, its sheet.
  Excel never writes a DTD, so nothing legitimate is lost. openpyxl also parses with
  defusedxml (a core dependency here) as a second line of defence;
* rows beyond Excel's last row, or more than :data:`MAX_ROWS` data rows, are refused.

Only as many columns as the header row names are read from each data row, so a bogus sheet
dimension (``A1:XFD1048576``) costs nothing.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
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
    with zipfile.ZipFile(path) as zf:
        _refuse_dtds(name, zf)


PROLOG_BYTES = 1 << 16
"""Bytes of each part read to find its prolog (the text before the first element)."""
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_XML_BOMB_EXPECTED = (
    "a workbook without XML entity or DTD declarations: entities can expand to gigabytes "
    "(an 'XML bomb') or read files on this computer, so the workbook is refused for safety "
    "(Excel never writes them; open the file in Excel and save a copy, or rebuild it)")


def _prolog_text(head: bytes) -> str:
    """The start of an XML part as text, whatever its encoding (UTF-16 or an ASCII superset)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="replace")
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def declares_dtd(head: bytes) -> bool:
    """Whether an XML part's prolog holds a ``<!DOCTYPE`` (where entities are declared).

    The prolog is skipped item by item (XML declaration, processing instructions, comments,
    white space); a DTD can only stand there, before the first element. A prolog longer than
    ``head`` is undecided here (False) and left to defusedxml.
    """
    text = _prolog_text(head)
    pos = 0
    while pos < len(text):
        item = _PROLOG_ITEM.match(text, pos)
        if item is None or item.end() == pos:
            break
        pos = item.end()
    return text.startswith("<!DOCTYPE", pos)


def _refuse_dtds(name: str, zf: zipfile.ZipFile) -> None:
    """Raise one InputError listing every part that declares a DTD (see :func:`declares_dtd`)."""
    bombs: dict[str, str] = {}  # part → what it declares
    for info in zf.infolist():
        if info.is_dir() or info.file_size == 0:
            continue
        try:
            with zf.open(info) as fh:
                head = fh.read(PROLOG_BYTES)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, zlib.error):
            continue  # a damaged or encrypted part: openpyxl reports it when it reads it
        if declares_dtd(head):
            entities = "<!ENTITY" in _prolog_text(head)
            bombs[info.filename] = "a DTD with entity declarations" if entities else "a DTD"
    if not bombs:
        return
    sheets = _sheet_parts(zf, set(bombs))
    raise InputError([Problem(name, sheets.get(part), None, None, f"{what} in part {part}",
                              _XML_BOMB_EXPECTED) for part, what in bombs.items()])


def _sheet_parts(zf: zipfile.ZipFile, skip: set[str]) -> dict[str, str]:
    """Zip part → sheet title, read from xl/workbook.xml and its relationships (if those two
    parts are themselves clean and readable; else {} and the message names only the part)."""
    from defusedxml import ElementTree  # the parser refuses entities even if one slipped by

    book, rels = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
    if book in skip or rels in skip:
        return {}
    try:
        targets = {}
        for rel in ElementTree.fromstring(zf.read(rels)):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                      else "xl/" + target)
        out = {}
        for el in ElementTree.fromstring(zf.read(book)).iter():
            if el.tag.endswith("}sheet") or el.tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                if rid in targets:
                    out[targets[rid]] = (el.get("name") or "").strip()
        return out
    except Exception:  # noqa: BLE001 - naming the sheet is a courtesy; the part is named anyway
        return {}


def _open(path: Path, data_only: bool):
    import openpyxl  # deferred: importing openpyxl costs ~0.2 s on every CLI start

    return openpyxl.load_workbook(path, read_only=True, data_only=data_only)


def _describe(exc: BaseException) -> tuple[str, str | None]:
    """(expected, found) for a workbook that could not be parsed; an XML bomb named as such.

    The prolog check (:func:`_refuse_dtds`) catches DTDs first; this is the fallback for one
    it could not see (a prolog longer than :data:`PROLOG_BYTES`), refused by defusedxml.
    """
    cause, seen = exc, 0
    while cause is not None and seen < 10:  # openpyxl wraps the parser's error in a ValueError
        if type(cause).__name__ in ("EntitiesForbidden", "DTDForbidden",
                                    "ExternalReferenceForbidden", "NotSupportedError"):
            return _XML_BOMB_EXPECTED, "XML entity or DTD declarations"
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    kind = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else kind
    return f"a readable .xlsx workbook ({kind}: {text})", kind


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
            raise _problem(name, *_describe(exc)) from None
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
            raise _problem(name, *_describe(exc), sheet=current) from None
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

