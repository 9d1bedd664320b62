"""What every check of the verifier shares: the instance data per scenario and period, the
solution read from the result tables, and the report of violations (tolerances in
:mod:`optimizer.verify`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.instance import Instance
from optimizer.scenario import cell_changes
from optimizer.schema import SHEET_BY_NAME
from optimizer.verify.contracts import (
    CONTRACT_FAMILIES,
    CONTRACT_TABLE_COLUMNS,
)

ABS_TOL = 1e-6
"""Largest scaled violation accepted (see the module docstring)."""
OBJ_TOL = 1e-6
"""Largest relative objective mismatch accepted."""

FAMILIES = (
    "structure", "demand_balance", "plant_output", "stock_balance", "mine_capacity",
    "plant_capacity", "trader_capacity", "lane_capacity", "stock_capacity", "stock_closing",
    "module_build_limit",
    "export_quota_cap", "end_use_tonnage_limit", "end_use_share_limit", "diversification_cap",
    "non_negativity", "non_anticipativity", "service_floor",
) + CONTRACT_FAMILIES
"""Families checked, in report order."""

SENSE_TEXT = {"<=": "≤", ">=": "≥", "==": "="}



# --------------------------------------------------------------------------------------------
# Instance data per scenario and period
# --------------------------------------------------------------------------------------------

class InstanceData:
    """Instance data with scenario changes: ``value(sheet, column, scenario, period, row)``."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.periods = list(inst.periods)
        self.pidx = {p: i for i, p in enumerate(self.periods)}
        self.scenarios = [s.name for s in inst.scenarios]
        self.prob = {s.name: float(s.probability) for s in inst.scenarios}
        self.disc = {p: float(d) for p, d in zip(self.periods, inst.discount_factors)}
        self.length = dict(zip(self.periods, (int(n) for n in inst.slots)))  # base periods
        self.start = dict(zip(self.periods, np.cumsum([0] + list(inst.slots))[:-1].tolist()))
        self.changes = {sc.name: cell_changes(inst, sc) for sc in inst.scenarios}
        recs = [(sheet, col, s, self.periods[t], row, float(v))
                for s, by_t in self.changes.items() for t, cells in by_t.items()
                for (sheet, row, col), v in cells.items()]
        self._ov = pd.DataFrame(recs, columns=["sheet", "column", "scenario", "period", "row",
                                               "value"])
        self.grid = pd.DataFrame([(s, p) for s in self.scenarios for p in self.periods],
                                 columns=["scenario", "period"])
        self.country = {}
        self.kind = {}
        for sheet in ("mines", "plants", "traders", "stockpiles", "demands"):
            df = inst.table(sheet)
            key = df.columns[1]  # after excel_row: the site identifier
            for site, c in zip(df[key], df["country"]):
                self.country[site] = c
                self.kind[site] = sheet

    def table(self, sheet: str) -> pd.DataFrame:
        return self.inst.table(sheet).reset_index(drop=True)

    def row_of(self, sheet: str, key: str) -> dict:
        """Key value → row position in ``sheet``."""
        return {k: i for i, k in enumerate(self.table(sheet)[key])}

    def value(self, sheet: str, column: str, scenario, period, row) -> np.ndarray:
        """Value of ``sheet.column`` at ``row`` in (scenario, period); NaN where blank."""
        row = np.asarray(row, dtype=np.int64)
        base = pd.to_numeric(self.table(sheet)[column], errors="coerce").to_numpy(float)
        out = base[row] if len(row) else np.zeros(0)
        ov = self._ov[(self._ov["sheet"] == sheet) & (self._ov["column"] == column)]
        if len(ov) and len(row):
            left = pd.DataFrame({"scenario": np.asarray(scenario, dtype=object),
                                 "period": np.asarray(period, dtype=object), "row": row})
            v = left.merge(ov[["scenario", "period", "row", "value"]], how="left",
                           on=["scenario", "period", "row"])["value"].to_numpy(float)
            out = np.where(np.isnan(v), out, v)
        if SHEET_BY_NAME[sheet].column(column).per_period and len(row):
            # A rate per base period: the period holds len(period) of them.
            out = out * pd.Series(np.asarray(period, dtype=object)).map(self.length).to_numpy(float)
        return out


# --------------------------------------------------------------------------------------------
# The solution, read from the result tables
# --------------------------------------------------------------------------------------------

TABLE_COLUMNS = {
    "flows": (["scenario", "period", "product", "origin", "destination", "mined_in",
               "processed_in"], ["tonnes"]),
    "builds": (["scenario", "module", "decision_period", "online_period"], ["count"]),
    "stocks": (["scenario", "period", "stockpile", "element", "mined_country",
                "processed_country"], ["stock_t"]),
    "unmet_demand": (["scenario", "period", "demand", "element"], ["unmet_t"]),
}
TABLE_COLUMNS.update(CONTRACT_TABLE_COLUMNS)  # contracts: optimizer/verify/contracts.py


def builds_per_scenario(tables: dict, scenarios: list[str]) -> pd.DataFrame | None:
    """``builds_by_scenario``, or (runs saved before adaptive builds) ``builds`` taken by every
    scenario, decided in its online period."""
    if tables.get("builds_by_scenario") is not None:
        return tables["builds_by_scenario"]
    b = tables.get("builds")
    if b is None or len(b) == 0:
        return b
    b = b.assign(decision_period=b.get("decision_period", b["online_period"]))
    return b.merge(pd.DataFrame({"scenario": scenarios}), how="cross")


def read_solution(tables: dict, scenarios: list[str]) -> dict[str, pd.DataFrame]:
    """The four solution tables with text keys and float values (missing table = empty)."""
    out = {}
    tables = dict(tables, builds=builds_per_scenario(tables, scenarios))
    for name, (keys, values) in TABLE_COLUMNS.items():
        df = tables.get(name)
        if df is None or len(df) == 0:
            out[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in keys}
                                     | {c: pd.Series(dtype=float) for c in values})
            continue
        missing = [c for c in keys + values if c not in df.columns]
        if missing:
            raise ValueError(f"result table '{name}' lacks column(s) {', '.join(missing)}")
        frame = pd.DataFrame({c: df[c].astype(str).to_numpy() for c in keys})
        for c in values:
            frame[c] = pd.to_numeric(df[c], errors="coerce").to_numpy(float)
        out[name] = frame
    return out


# --------------------------------------------------------------------------------------------
# Collecting violations
# --------------------------------------------------------------------------------------------

class Violations:
    """Worst scaled violation of each family, with a description of its row."""

    def __init__(self):
        self.worst = {f: 0.0 for f in FAMILIES}
        self.rows = {f: 0 for f in FAMILIES}
        self.bad_rows = {f: 0 for f in FAMILIES}
        self.where: dict[str, dict] = {}

    def add(self, family: str, keys: pd.DataFrame, lhs, rhs, sense: str, scale,
            what: str = "lhs") -> None:
        """Record rows ``lhs <sense> rhs``; ``scale`` is Σ|terms| + |rhs| of each row."""
        lhs = np.nan_to_num(np.asarray(lhs, dtype=float))
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), lhs.shape)
        n = len(lhs)
        if n == 0:
            return
        if sense == "<=":
            excess = lhs - rhs
        elif sense == ">=":
            excess = rhs - lhs
        else:
            excess = np.abs(lhs - rhs)
        excess = np.maximum(np.nan_to_num(excess, nan=np.inf), 0.0)
        scale = np.maximum(1.0, np.nan_to_num(np.abs(np.broadcast_to(
            np.asarray(scale, dtype=float), lhs.shape))))
        viol = excess / scale
        self.rows[family] += n
        self.bad_rows[family] += int(np.sum(viol > ABS_TOL))
        k = int(np.argmax(viol))
        if viol[k] > self.worst[family] or family not in self.where and viol[k] > 0:
            self.worst[family] = float(viol[k]) if math.isfinite(viol[k]) else 1e300
            row = keys.iloc[k]
            label = ", ".join(f"{c}={row[c]}" for c in keys.columns)
            self.where[family] = {
                "row": f"{family}[{label}]: {what} {lhs[k]:.10g} {SENSE_TEXT[sense]} "
                       f"{rhs[k]:.10g} violated by {excess[k]:.3g}",
                "excess": float(excess[k]) if math.isfinite(excess[k]) else 1e300,
                "violation": self.worst[family],
            }


def sum_by(df: pd.DataFrame, keys: list[str], value: str, name: str) -> pd.DataFrame:
    """Sum ``value`` by ``keys`` into a column called ``name``."""
    if df.empty:
        return pd.DataFrame(columns=keys + [name])
    return df.groupby(keys, as_index=False, sort=False)[value].sum().rename(columns={value: name})


def attach(left: pd.DataFrame, right: pd.DataFrame, on: list[str], col: str) -> np.ndarray:
    """``right[col]`` aligned with the rows of ``left`` on ``on`` (0 where absent)."""
    if right.empty or left.empty:
        return np.zeros(len(left))
    merged = left[on].merge(right[on + [col]], how="left", on=on)
    return np.nan_to_num(merged[col].to_numpy(float))


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

_KINDS = {("mines", "plants"), ("plants", "demands"), ("plants", "stockpiles"),
          ("traders", "demands"), ("traders", "stockpiles"), ("stockpiles", "demands")}


