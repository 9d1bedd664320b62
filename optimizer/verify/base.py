"""What every check of the verifier shares: the instance data per scenario and period, the
solution read from the result tables, and the report of violations (tolerances in
:mod:`optimizer.verify`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.instance import Instance
from optimizer.scenario import cell_changes
from optimizer.schema import ANY, CONCENTRATE, SHEET_BY_NAME
from optimizer.verify.contracts import (
    CONTRACT_FAMILIES,
    CONTRACT_TABLE_COLUMNS,
)
from optimizer.verify.keys import per_label

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
        self.grid = pd.DataFrame([(s, p) for s in self.scenarios for p in self.periods],
                                 columns=["scenario", "period"])
        self.country = {}
        self.kind = {}
        kinds = ("mines", "plants", "traders", "stockpiles", "demands")
        self.sites: dict[str, set] = {sheet: set() for sheet in kinds}  # kind → its sites
        for sheet in kinds:
            df = inst.table(sheet)
            key = df.columns[1]  # after excel_row: the site identifier
            for site, c in zip(df[key], df["country"]):
                self.country[site] = c
                self.kind[site] = sheet
        for site, sheet in self.kind.items():
            self.sites.setdefault(sheet, set()).add(site)
        # Caches: each table, numeric column and set of changed cells is read once per run.
        self._tables: dict[str, pd.DataFrame] = {}
        self._numbers: dict[tuple[str, str], np.ndarray] = {}
        self._changed: dict[tuple, dict] = {}  # (sheet, column) → {(scenario, period, row): v}
        for s, by_t in self.changes.items():
            for t, cells in by_t.items():
                for (sheet, row, col), v in cells.items():
                    self._changed.setdefault((sheet, col), {})[s, self.periods[t], row] = float(v)
        self.labels: pd.CategoricalDtype | None = None  # set by read_solution
        self.memo: dict[str, pd.DataFrame] = {}  # instance-only frames several checks read

    def instance_texts(self) -> np.ndarray:
        """The instance's names the checks join on: scenarios, periods, sites, countries,
        elements, products and end uses."""
        names = set(self.scenarios) | set(self.periods) | set(self.kind) | {CONCENTRATE, ANY}
        names |= set(self.country.values()) | set(self.table("elements")["element"])
        names |= set(self.table("demands")["end_use"]) | set(self.table("contracts")["contract"])
        return np.array(sorted(n for n in names if isinstance(n, str)), dtype=object)

    def label(self, values: pd.Series) -> pd.Series:
        """``values`` categorical over :attr:`labels` (see :func:`read_solution`), or as they
        are if one is not a label (joins then hash their texts, as without labels)."""
        if self.labels is None or values.dtype == self.labels:
            return values
        texts = values.to_numpy(dtype=object)
        codes = self.labels.categories.get_indexer(texts)
        outside = codes < 0
        if outside.any() and not pd.isna(texts[outside]).all():
            # Categories of their own could not be compared with labels: plain values then.
            return values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) \
                else values
        return pd.Series(pd.Categorical.from_codes(codes, dtype=self.labels), index=values.index,
                         name=values.name)

    def labelled(self, df: pd.DataFrame, columns=None) -> pd.DataFrame:
        """``df`` with its text ``columns`` (default: every text column) through
        :meth:`label`."""
        if columns is None:
            columns = [c for c in df.columns if df[c].dtype == object
                       or pd.api.types.is_string_dtype(df[c].dtype)]
        return df.assign(**{c: self.label(df[c]) for c in columns}) if columns else df

    def table(self, sheet: str) -> pd.DataFrame:
        if sheet not in self._tables:
            self._tables[sheet] = self.inst.table(sheet).reset_index(drop=True)
        return self._tables[sheet]

    def row_of(self, sheet: str, key: str) -> dict:
        """Key value → row position in ``sheet``."""
        return {k: i for i, k in enumerate(self.table(sheet)[key])}

    def numbers(self, sheet: str, column: str) -> np.ndarray:
        """Base values of ``sheet.column`` as floats (NaN where blank or not a number)."""
        if (sheet, column) not in self._numbers:
            self._numbers[sheet, column] = pd.to_numeric(
                self.table(sheet)[column], errors="coerce").to_numpy(float)
        return self._numbers[sheet, column]

    def ever_given(self, sheet: str, column: str) -> np.ndarray:
        """Whether each row of ``sheet.column`` has a value (is not blank) in some scenario
        and period: in the base data, or changed to one by a scenario."""
        given = ~np.isnan(self.numbers(sheet, column))
        for (_, _, row), v in self._changed.get((sheet, column), {}).items():
            given[row] |= v == v
        return given

    def value(self, sheet: str, column: str, scenario, period, row) -> np.ndarray:
        """Value of ``sheet.column`` at ``row`` in (scenario, period); NaN where blank."""
        row = np.asarray(row, dtype=np.int64)
        if not len(row):
            return np.zeros(0)
        out = self.numbers(sheet, column)[row]
        changed = self._changed.get((sheet, column))
        if changed:
            # Only rows with a changed cell somewhere are looked up cell by cell.
            maybe = np.flatnonzero(np.isin(row, list({r for _, _, r in changed})))
            if len(maybe):
                s, p = np.asarray(scenario, dtype=object), np.asarray(period, dtype=object)
                out = out.copy()
                for i in maybe:
                    v = changed.get((s[i], p[i], row[i]))
                    if v is not None and v == v:  # a blank change leaves the base value
                        out[i] = v
        if SHEET_BY_NAME[sheet].column(column).per_period:
            # A rate per base period: the period holds len(period) of them.
            out = out * per_label(period, self.length)
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


def read_solution(tables: dict, d: InstanceData) -> dict[str, pd.DataFrame]:
    """The solution tables with text keys and float values (missing table = empty).

    The key columns are categorical over one set of labels, ``d.labels``: every text of the
    instance's tables and of these keys. Frames built from the instance with
    :meth:`InstanceData.labelled` share it, so :func:`sum_by` and :func:`attach` join and group
    them by integer codes instead of hashing strings (the verifier's main cost on large plans).
    """
    texts, numbers = {}, {}
    tables = dict(tables, builds=builds_per_scenario(tables, d.scenarios))
    for name, (keys, values) in TABLE_COLUMNS.items():
        df = tables.get(name)
        if df is None or len(df) == 0:
            texts[name] = {c: np.zeros(0, dtype=object) for c in keys}
            numbers[name] = {c: np.zeros(0) for c in values}
            continue
        missing = [c for c in keys + values if c not in df.columns]
        if missing:
            raise ValueError(f"result table '{name}' lacks column(s) {', '.join(missing)}")
        texts[name] = {c: df[c].astype(str).to_numpy(dtype=object) for c in keys}
        numbers[name] = {c: pd.to_numeric(df[c], errors="coerce").to_numpy(float)
                         for c in values}
    # One pass over every label: the instance's first, then the plan's.
    every = [d.instance_texts()] + [v for by_column in texts.values() for v in by_column.values()]
    codes, labels = pd.factorize(np.concatenate(every))
    d.labels = pd.CategoricalDtype(labels)
    at, out = len(every[0]), {}
    for name, by_column in texts.items():
        columns = {}
        for c, v in by_column.items():
            columns[c] = pd.Categorical.from_codes(codes[at:at + len(v)], dtype=d.labels)
            at += len(v)
        out[name] = pd.DataFrame(columns | numbers[name])
    d.grid = d.labelled(d.grid)
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
