"""Load a saved run folder (tables/*.csv + summary.json) for re-rendering."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem


@dataclass
class SavedRun:
    """A run as saved on disk: its summary and result tables."""

    folder: Path
    summary: dict
    tables: dict[str, pd.DataFrame]


def load_run(run_dir: str | Path) -> SavedRun:
    """Read ``summary.json`` and every ``tables/*.csv`` of a run folder."""
    folder = Path(run_dir)
    summary_path = folder / "summary.json"
    if not summary_path.exists():
        raise InputError(Problem(str(folder), None, None, None, None,
                                 "a run folder written by 'supplyopt solve' (summary.json missing)"))
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables = {}
    for f in sorted((folder / "tables").glob("*.csv")):
        try:
            tables[f.stem] = pd.read_csv(f, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            tables[f.stem] = pd.DataFrame()
    return SavedRun(folder, summary, tables)
