"""The raw form every reader produces: text-ish cells plus each row's Excel row number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    formula_cells: Mapping[tuple[int, str], str] = field(default_factory=dict)
    """(Excel row, header) → formula text, for formula cells saved without a result."""
    hidden: bool = False
