"""In-memory tables → raw sheets, for notebooks, tests and generators."""

from __future__ import annotations

import pandas as pd

from optimizer.io.raw import RawSheet


def raw_from_frames(frames: dict[str, pd.DataFrame | list[dict]], source: str = "<memory>") \
        -> dict[str, RawSheet]:
    """Wrap DataFrames (or lists of row dicts) as raw sheets; row numbers start at 2 as in Excel."""
    out = {}
    for name, df in frames.items():
        df = pd.DataFrame(df).astype(object)
        df = df.where(df.notna(), None)
        df.index = pd.RangeIndex(2, 2 + len(df), name="excel_row")
        out[name] = RawSheet(name, source, df)
    return out
