"""The saved tables of a batch folder and of an analytics folder, loaded for their pages.

A *batch folder* (``supplyopt batch``) holds ``batch_summary.csv``, ``sweep_curves.csv``,
``shadow_prices.csv``, ``batch_manifest.json`` and one folder per run; an *analytics folder*
(``supplyopt analyse``, or ``DIR/analysis`` after ``batch --analyse``) holds ``measures.csv``,
``resilience_plans.csv``, ``plan_performance.csv``, ``wait_and_see.csv``,
``cutoff_screen.csv``, ``policy_prices.csv``, ``solves.csv`` and ``analysis.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.csv_safe import read_csv

BATCH_MARKER = "batch_summary.csv"
ANALYSIS_MARKER = "measures.csv"
ANALYSIS_TABLES = ("measures", "resilience_plans", "plan_performance", "wait_and_see",
                   "cutoff_screen", "policy_prices", "solves")
TEXT_COLUMNS = ("run", "status", "reason", "builds", "overrides", "sweep", "sweep_unit",
                "value_label", "folder", "top_shadow_prices", "input_sha256", "warm_start",
                "measure", "definition", "plan", "scenario", "country", "from_period", "sheet",
                "rule", "solve", "row", "family", "element", "basis")
"""Columns read as text, so a run named ``1`` or ``NA`` stays that name."""

RENAMED = {
    "resilience_plans": {"planned_expected_cost_usd": "planned_objective_usd",
                         "expected_cost_in_model_usd": "objective_in_model_usd"},
    "cutoff_screen": {"expected_cost_usd": "objective_usd",
                      "cost_increase_usd": "objective_increase_usd"},
}
"""Columns of analytics tables renamed on 2026-12-07 (they hold the objective, which under a
mean-CVaR objective is not the expected cost; that is then a column of its own,
``expected_cost_*``): a folder written before, with none of the new names, is read under them."""

OBJECTIVE = "expected discounted cost"
"""What an analysis optimised when its ``analysis.json`` does not say (written before it did)."""


# --- loading --------------------------------------------------------------------------------


def _csv(path: Path) -> pd.DataFrame:
    """A saved table (empty if the file is absent or has no columns)."""
    if not path.exists():
        return pd.DataFrame()
    try:
        return read_csv(path, keep_default_na=False, na_values=[""],
                        dtype={c: str for c in TEXT_COLUMNS})
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass
class SavedAnalysis:
    """An analytics folder as saved: ``analysis.json`` and its tables."""

    folder: Path
    meta: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """A table by name (empty when absent: a measure that was not computed)."""
        return self.tables.get(name, pd.DataFrame())

    def measure(self, name: str) -> float | None:
        """One value of ``measures.csv`` (None if absent or blank)."""
        m = self.table("measures")
        if m.empty:
            return None
        v = m.loc[m["measure"] == name, "value_usd"]
        return None if v.empty or pd.isna(v.iloc[0]) else float(v.iloc[0])

    @property
    def objective(self) -> str:
        """What the optima and the ``*objective*`` columns hold: "expected discounted cost", or
        "mean-CVaR objective (λ …)" (:attr:`optimizer.batch.analytics.Analysis.objective`)."""
        return self.meta.get("objective") or OBJECTIVE

    @property
    def risk_averse(self) -> bool:
        """Is the objective mean-CVaR (so not the expected cost)?"""
        return self.objective != OBJECTIVE


@dataclass
class SavedBatch:
    """A batch folder as saved: its manifest, tables, and analytics when run with --analyse."""

    folder: Path
    manifest: dict
    summary: pd.DataFrame
    curves: pd.DataFrame
    prices: pd.DataFrame
    analysis: SavedAnalysis | None = None

    @property
    def focus(self) -> str:
        """The country whose share the summary reports (``focus_country``)."""
        return str((self.manifest.get("batch") or {}).get("focus_country") or "CHN")


def is_batch_folder(folder: str | Path) -> bool:
    """True for a folder written by ``supplyopt batch``."""
    return (Path(folder) / BATCH_MARKER).is_file()


def is_analysis_folder(folder: str | Path) -> bool:
    """True for a folder written by ``supplyopt analyse``."""
    return (Path(folder) / ANALYSIS_MARKER).is_file()


def load_analysis(folder: str | Path) -> SavedAnalysis:
    """Read an analytics folder."""
    folder = Path(folder)
    return SavedAnalysis(folder, _json(folder / "analysis.json"),
                         {n: _current_names(n, _csv(folder / f"{n}.csv")) for n in ANALYSIS_TABLES
                          if (folder / f"{n}.csv").exists()})


def _current_names(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the columns of :data:`RENAMED` under their current names, if it has none of
    them (a folder written before the renaming)."""
    renamed = RENAMED.get(name, {})
    if not renamed or set(renamed.values()) & set(df.columns):
        return df
    return df.rename(columns=renamed)


def load_batch(folder: str | Path) -> SavedBatch:
    """Read a batch folder (and ``analysis/`` inside it, if present)."""
    folder = Path(folder)
    an = folder / "analysis"
    return SavedBatch(folder, _json(folder / "batch_manifest.json"),
                      _csv(folder / "batch_summary.csv"), _csv(folder / "sweep_curves.csv"),
                      _csv(folder / "shadow_prices.csv"),
                      load_analysis(an) if is_analysis_folder(an) else None)
