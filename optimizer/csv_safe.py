"""CSV cells a spreadsheet cannot run: text that starts like a formula gets a leading ``'``.

Excel, LibreOffice and Google Sheets evaluate a CSV cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, after a tab or carriage return, what follows) as a formula, so a name such as
``=HYPERLINK("http://…")`` in an input workbook would run when an analyst opens
``tables/flows.csv``. Following OWASP's advice on CSV injection, every CSV the tool writes
prefixes such a text cell with ``'``, which spreadsheets show as text and hide. Numbers are
never changed (``-5`` stays the number -5; a text cell that reads as a number, ``"-1e-3"``, is
not a formula either and is left alone).

The prefix is reversible, so the tool's own readers get the original text back: a cell of the
form ``'`` × k followed by a trigger character (k ≥ 0) is written with one more ``'``, and a
read cell of that form with k ≥ 1 loses one. Every string round-trips exactly, including one
that itself starts with ``'=``. Reading ``'=x`` as ``=x`` is also what a spreadsheet does when
a planner types ``'=x`` into a cell, so an instance CSV follows the same convention.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

TRIGGERS = "=+-@\t\r"
"""First characters a spreadsheet reads as the start of a formula (OWASP's list)."""

_FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value):
    """``value`` as it must be written to a CSV: formula-like text gets one more ``'``."""
    if isinstance(value, str) and _FORMULA_LIKE.match(value) and not _is_number(value):
        return "'" + value
    return value


def restore(value):
    """The inverse of :func:`neutralise`, for a cell read from a CSV."""
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return value[1:]
    return value


def _map_text(df: pd.DataFrame, fn) -> pd.DataFrame:
    # Formula-like text is rare: only headers and columns holding some are mapped, cell by cell
    # (judged on a column's distinct values, or a categorical's categories, so a table of
    # repeated names costs a hash, not a call per cell). Types are read from ``df.dtypes`` at
    # once: asking each column for its type took a third of the 10-quarter baseline's writing.
    renamed = any(isinstance(c, str) and fn(c) is not c for c in df.columns)
    out = df.rename(columns=fn) if renamed else df
    changed = []
    for c, dtype in zip(out.columns, out.dtypes, strict=True):
        if isinstance(dtype, pd.CategoricalDtype):
            values = dtype.categories
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            values = out[c].unique()
        else:
            continue
        if any(fn(v) is not v for v in values):
            changed.append(c)
    if not changed:
        return out
    out = out.copy()
    for c in changed:
        out[c] = out[c].map(fn)
    return out


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and headers are safe to open in a spreadsheet."""
    return _map_text(df, neutralise)


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` read from a CSV the tool wrote, with its text as it was before writing."""
    return _map_text(df, restore)


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str | None = "%.10g") -> None:
    """Write ``df`` (no index) to ``path`` (a file name or an open text buffer) with
    formula-like text neutralised; the bytes of ``to_csv(path, index=False,
    float_format=float_format)`` of the neutralised frame (tests/test_csv_floats.py).

    A table of the types result tables hold (float64, integers, booleans, text, categories;
    distinct text column names) is written by Python's csv writer from its columns' cells as
    pandas would write them (:func:`_columns_as_written`), :data:`CHUNK_ROWS` rows at a time as
    pandas does (the cells of a large table are many Python strings): pandas' own writer
    costs about 1 ms a table more in set-up and per-column conversion, and a run writes
    twenty-odd tables (the 10-quarter baseline's: 42 -> 30 ms). Any other table goes through
    pandas.
    """
    out = neutralise_frame(df)
    columns = _columns_as_written(out) if float_format is not None else None
    if columns is None:
        if float_format is not None:
            out = _floats_as_text(out, float_format)
        out.to_csv(path, index=False, float_format=float_format)
        return
    if hasattr(path, "write"):
        _write_rows(path, list(out.columns), columns, len(out), float_format)
        return
    with open(path, "w", encoding="utf-8", newline="") as f:  # as pandas opens it
        _write_rows(f, list(out.columns), columns, len(out), float_format)


CHUNK_ROWS = 50_000
"""Rows whose cells :func:`write_csv` makes and writes at a time."""


def _write_rows(f, header: list[str], columns: list[tuple[str, np.ndarray]], n_rows: int,
                float_format: str) -> None:
    """The header and the rows of ``columns`` through the csv writer pandas uses, with its
    settings (minimal quoting, ``"`` doubled, the platform's line ending)."""
    writer = csv.writer(f, lineterminator=os.linesep)
    writer.writerow(header)
    for start in range(0, n_rows, CHUNK_ROWS):
        cells = [_cells(kind, values[start:start + CHUNK_ROWS], float_format)
                 for kind, values in columns]
        writer.writerows(zip(*cells, strict=True))


def _columns_as_written(df: pd.DataFrame) -> list[tuple[str, np.ndarray]] | None:
    """(kind, values) of each column of ``df``, kind "float" (float64), "plain" (integers and
    booleans, written as Python numbers) or "text" (text and categories: the column's array,
    turned into Python objects a chunk at a time); None when a column has another type, or
    the column names are not distinct text."""
    names = df.columns
    if not len(names) or not names.is_unique or not all(isinstance(c, str) for c in names):
        return None
    columns = []
    for c, dtype in zip(names, df.dtypes, strict=True):
        if dtype == np.float64:
            columns.append(("float", df[c].to_numpy()))
        elif isinstance(dtype, np.dtype) and dtype.kind in "iub":
            columns.append(("plain", df[c].to_numpy()))
        elif isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype) \
                or pd.api.types.is_string_dtype(dtype):
            columns.append(("text", df[c].array))  # as objects a chunk at a time (_cells)
        else:
            return None
    return columns


def _cells(kind: str, values: np.ndarray, float_format: str) -> list:
    """The cells pandas' ``to_csv`` hands to the csv writer for ``values`` of a column of
    ``kind`` (:func:`_columns_as_written`): floats as ``float_format`` text, empty for NaN;
    integers and booleans as Python numbers; text with missing values (None, NaN, NA)
    empty."""
    if kind == "float":
        return _float_cells(values, float_format)
    if kind == "text":  # an array of text or categories (pyarrow-backed text included)
        values = np.asarray(values, dtype=object)
        cells = values.tolist()
        for k in np.flatnonzero(pd.isna(values)).tolist():
            cells[k] = ""
        return cells
    return values.tolist()


def _float_cells(values: np.ndarray, float_format: str) -> list[str]:
    """``float_format % v`` of each value, empty for NaN (what ``to_csv`` writes)."""
    text = [float_format % v for v in values.tolist()]
    for k in np.flatnonzero(np.isnan(values)).tolist():
        text[k] = ""
    return text


def _floats_as_text(df: pd.DataFrame, float_format: str) -> pd.DataFrame:
    """``df`` with its float64 columns as the text ``to_csv`` writes for them (``float_format %
    v``, empty for NaN), formatted one column at a time: pandas formats a float cell through
    several Python calls (0.19 of the 0.24 s the medium preset's tables took to write, 150,000
    float cells). The file is the same, byte for byte (tests/test_csv_floats.py)."""
    floats = [c for c, t in zip(df.columns, df.dtypes, strict=True) if t == np.float64]
    if not floats or not df.columns.is_unique:
        return df
    out = df.copy(deep=False)
    for c in floats:
        out[c] = np.array(_float_cells(out[c].to_numpy(), float_format), dtype=object)
    return out


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` of a CSV the tool wrote, its text restored."""
    return restore_frame(pd.read_csv(path, **kwargs))
