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
    out = df.rename(columns=fn) if any(isinstance(c, str) for c in df.columns) else df
    text_columns = [c for c in out.columns if pd.api.types.is_object_dtype(out[c])
                    or pd.api.types.is_string_dtype(out[c])]
    # Formula-like text is rare: only a column holding some is mapped, cell by cell (judged on
    # its distinct values, so a table of repeated names costs a hash, not a call per cell).
    changed = [c for c in text_columns if any(fn(v) is not v for v in out[c].unique())]
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
    """Write ``df`` (no index) to ``path`` with formula-like text neutralised."""
    out = neutralise_frame(df)
    if float_format is not None:
        out = _floats_as_text(out, float_format)
    out.to_csv(path, index=False, float_format=float_format)


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
        values = out[c].to_numpy()
        text = [float_format % v for v in values.tolist()]
        nan = np.flatnonzero(np.isnan(values))
        for k in nan.tolist():
            text[k] = ""
        out[c] = np.array(text, dtype=object)
    return out


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv`` of a CSV the tool wrote, its text restored."""
    return restore_frame(pd.read_csv(path, **kwargs))
