"""The raw form every reader produces: text-ish cells plus each row's Excel row number."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class RawSheet:
    """One sheet as read, before validation.

    ``frame`` holds the cells as read (str, float, int, bool, datetime or None) under the
    header names as written (trimmed); ``frame.index`` is the Excel row number of each row
    (header = row 1), so messages can point at the row a planner sees.
    """

    name: str
    file: str
    frame: pd.DataFrame
    formula_cells: frozenset[tuple[int, str]] = frozenset()  # (row, column) with no cached value
    hidden: bool = False
