"""Report views of a saved run: selections, sums and sorts of its tables, nothing re-solved.

Every function takes a :class:`~optimizer.report.load.SavedRun` (the CSV tables and summary of a
run folder) and returns a small DataFrame or dict that a sentence, a chart, an HTML table or a
worksheet renders. The arithmetic here is presentation arithmetic only: totals over periods,
probability-weighted averages over scenarios, ranking. Model quantities (costs, flows, duals,
shares, HHI) come from the tables as the solve wrote them.

The functions are shared by the single-run report and, later, the batch comparison page.
Views of flows (Sankeys, map), of shadow prices and of decisions are in the sibling modules
:mod:`.flow_facts`, :mod:`.price_facts` and :mod:`.decision_facts`, which build on these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.report.load import SavedRun, once_per_run
from optimizer.report.palette import HHI_HIGHLY_CONCENTRATED

HHI_CONCERN = HHI_HIGHLY_CONCENTRATED
"""HHI above which a supply is called highly concentrated (1,800: 2023 US Merger Guidelines)."""

COMPONENT_LABELS = {"penalty": "penalty (lost value of unmet demand)"}
"""Cost components whose table name needs a word of explanation wherever it is shown."""

PENALTY_EXPLAINED = ("The penalty is the lost value of unmet demand: each tonne a demand does "
                     "not receive is charged at that demand's lost value (USD/t, set in the "
                     "instance), so the plan weighs a shortfall against what supplying it costs.")

BALANCE_FAMILIES = ("demand_balance", "plant_output", "stock_balance")
"""Constraint families that are accounting identities, not limits one could relax.

Their duals are marginal values of material (what a tonne of demand costs, what a tonne of
oxide at a plant gate is worth); the report lists them apart from binding limits."""

PRICE_TOL = 1e-6
"""Shadow prices smaller than this (USD per unit) are treated as zero."""


def table(run: SavedRun, name: str) -> pd.DataFrame | None:
    """The table ``name`` or ``None`` when the run folder has no such table."""
    df = run.tables.get(name)
    return df if df is not None else None


def periods(run: SavedRun) -> list[str]:
    """Periods in time order: summary['periods'] if saved, else order of first appearance.

    Result tables list rows node by node and tree nodes are numbered period by period, so the
    first appearance in ``unmet_demand`` (every demand, every period) is time order.
    """
    if run.summary.get("periods"):
        return [str(p) for p in run.summary["periods"]]
    return list(_periods_seen(run))


@once_per_run
def _periods_seen(run: SavedRun) -> tuple[str, ...]:
    """:func:`periods` from the tables (a tuple: shared by every caller, read once per run)."""
    seen: list[str] = []
    for name in ("unmet_demand", "flows", "stocks"):
        df = run.tables.get(name)
        if df is not None and "period" in df.columns:
            for p in pd.unique(df["period"].astype(str)):  # first appearances, in order
                if p not in seen:
                    seen.append(p)
    return tuple(seen)


def probabilities(run: SavedRun) -> dict[str, float]:
    """Scenario name → probability, from summary.json (or scenario_costs)."""
    sc = run.summary.get("scenarios") or []
    if sc:
        return {str(s["name"]): float(s["probability"]) for s in sc}
    df = run.tables.get("scenario_costs")
    if df is not None and len(df):
        return dict(zip(df["scenario"].astype(str), df["probability"].astype(float)))
    return {}


def component_label(component) -> str:
    """A cost component as a reader sees it (``penalty`` says what it is)."""
    return COMPONENT_LABELS.get(str(component), str(component))


COUNTRY_COLUMNS = {"supply_mix": ("country",), "status_quo_supply_mix": ("country",),
                   "flows": ("mined_in", "processed_in"), "unmet_demand": ("country",),
                   "candidates": ("country",), "builds": ("country",),
                   "dual_export_quota_cap": ("country",)}
"""Tables (and columns) that name countries, read when summary.json has no country list."""


@once_per_run
def countries(run: SavedRun) -> list[str]:
    """The instance's country codes, sorted: ``summary['countries']`` when saved, else every
    code named in the run's tables (:data:`COUNTRY_COLUMNS`).

    Colours are assigned from this list (:mod:`optimizer.report.palette`), so it must not
    depend on which countries one chart happens to show.
    """
    saved = run.summary.get("countries")
    if saved:
        return sorted({str(c) for c in saved})
    found: set[str] = set()
    for name, cols in COUNTRY_COLUMNS.items():
        df = run.tables.get(name)
        if df is None or df.empty:
            continue
        for c in cols:
            if c in df.columns:
                found.update(str(x) for x in df[c].dropna().unique() if str(x) not in ("", "*"))
    return sorted(found)


def scenario_names(run: SavedRun) -> list[str]:
    """Scenario names in the order of the instance."""
    return list(probabilities(run))


def builds(run: SavedRun) -> pd.DataFrame:
    """The build plan, in online order (empty frame when nothing is built)."""
    df = run.tables.get("builds")
    if df is None or df.empty:
        return pd.DataFrame(columns=["module", "site", "country", "online_period", "count",
                                     "capacity_added_t", "capex_usd", "capex_in_horizon_usd",
                                     "fixed_om_usd_per_period"])
    order = {p: i for i, p in enumerate(periods(run))}
    df = df.copy()
    if "capex_in_horizon_usd" not in df.columns:  # runs saved before module lifetimes
        df["capex_in_horizon_usd"] = df["capex_usd"]
    df["_o"] = df["online_period"].astype(str).map(order)
    return df.sort_values(["_o", "module"]).drop(columns="_o").reset_index(drop=True)


def element_shares(mix: pd.DataFrame | None, probs: dict[str, float], basis: str) -> pd.DataFrame:
    """Share of each country in each element's supply to all end uses, expected over scenarios.

    ``mix`` is a ``supply_mix``-shaped table (tonnes by scenario, element, end use, basis,
    country). Tonnes are summed over end uses and weighted by scenario probability; the share
    is the country's weighted tonnes over the element's. Columns: element, country, tonnes
    (probability-weighted, over the horizon), share. Sorted by element, then share descending.
    """
    cols = ["element", "country", "tonnes", "share"]
    if mix is None or mix.empty:
        return pd.DataFrame(columns=cols)
    m = mix[mix["basis"] == basis].copy()
    m["w"] = m["scenario"].astype(str).map(probs).fillna(0.0 if probs else 1.0)
    m["wt"] = m["tonnes"].astype(float) * m["w"]
    g = m.groupby(["element", "country"], as_index=False)["wt"].sum().rename(columns={"wt": "tonnes"})
    tot = g.groupby("element")["tonnes"].transform("sum")
    g["share"] = np.where(tot > 0, g["tonnes"] / tot.where(tot > 0, 1), 0.0)
    g = g[g["tonnes"] > 0]
    return g.sort_values(["element", "share", "country"], ascending=[True, False, True]) \
        .reset_index(drop=True)[cols]


@once_per_run
def table_shares(run: SavedRun, name: str, basis: str) -> pd.DataFrame:
    """:func:`element_shares` of the run's table ``name`` (``supply_mix`` or
    ``status_quo_supply_mix``), weighted by the run's probabilities; computed once per run
    (the summary asks for every element's, the flows section for the table)."""
    return element_shares(run.tables.get(name), probabilities(run), basis)


@once_per_run
def unmet_by_end_use(run: SavedRun) -> pd.DataFrame:
    """Demand and unmet demand (t over the horizon) by scenario, end use and element."""
    df = run.tables.get("unmet_demand")
    cols = ["scenario", "end_use", "element", "demand_t", "unmet_t", "unmet_share"]
    if df is None or df.empty:
        return pd.DataFrame(columns=cols)
    g = df.groupby(["scenario", "end_use", "element"], as_index=False, sort=False)[
        ["demand_t", "unmet_t"]].sum()
    g["unmet_share"] = np.where(g["demand_t"] > 0, g["unmet_t"] / g["demand_t"].where(
        g["demand_t"] > 0, 1), 0.0)
    order = {s: i for i, s in enumerate(scenario_names(run))}
    g["_o"] = g["scenario"].astype(str).map(order)
    return g.sort_values(["_o", "end_use", "element"], kind="stable").drop(columns="_o") \
        .reset_index(drop=True)[cols]


@once_per_run
def concentration(run: SavedRun, name: str = "supply_mix") -> pd.DataFrame:
    """HHI per scenario, element, end use and basis (one row each), with the top supplier."""
    mix = run.tables.get(name)
    cols = ["scenario", "element", "end_use", "basis", "hhi", "top_country", "top_share",
            "concentrated"]
    if mix is None or mix.empty:
        return pd.DataFrame(columns=cols)
    keys = ["scenario", "element", "end_use", "basis"]
    m = mix.sort_values(keys + ["share"], ascending=[True] * 4 + [False])
    g = m.groupby(keys, as_index=False, sort=False).agg(
        hhi=("hhi", "first"), top_country=("country", "first"), top_share=("share", "first"))
    g["concentrated"] = g["hhi"].astype(float) > HHI_CONCERN
    order = {s: i for i, s in enumerate(scenario_names(run))}
    g["_o"] = g["scenario"].astype(str).map(order)
    return g.sort_values(["_o", "element", "end_use", "basis"]).drop(columns="_o") \
        .reset_index(drop=True)[cols]


def elements(run: SavedRun) -> list[str]:
    """Elements that are demanded, in order of first appearance."""
    un = run.tables.get("unmet_demand")
    if un is None or un.empty:
        return []
    return list(dict.fromkeys(un["element"].astype(str)))


def shares_before_after(run: SavedRun, basis: str) -> pd.DataFrame:
    """Plan and status-quo country shares side by side (status-quo columns NaN if not saved).

    Columns: element, country, plan_t, plan_share, status_quo_t, status_quo_share.
    """
    after = table_shares(run, "supply_mix", basis)
    before = table_shares(run, "status_quo_supply_mix", basis)
    out = after.rename(columns={"tonnes": "plan_t", "share": "plan_share"}).merge(
        before.rename(columns={"tonnes": "status_quo_t", "share": "status_quo_share"}),
        on=["element", "country"], how="outer")
    out = out.fillna({"plan_t": 0.0, "plan_share": 0.0})
    if run.tables.get("status_quo_supply_mix") is not None:
        out = out.fillna({"status_quo_t": 0.0, "status_quo_share": 0.0})
    return out.sort_values(["element", "plan_share", "country"], ascending=[True, False, True]) \
        .reset_index(drop=True)


def concentration_pivot(run: SavedRun) -> tuple[pd.DataFrame, list[str]]:
    """HHI with one column per scenario (``plan: s``, then ``status quo: s`` when saved).

    Rows: element, end use, basis. Returns the frame and the names of its HHI columns.
    """
    keys = ["element", "end_use", "basis"]
    parts = []
    cols: list[str] = []
    for name, label in (("supply_mix", "plan"), ("status_quo_supply_mix", "status quo")):
        c = concentration(run, name)
        if c.empty:
            continue
        for sc in [s for s in scenario_names(run) if s in set(c["scenario"])]:
            col = f"{label}: {sc}"
            cols.append(col)
            parts.append(c[c["scenario"] == sc][keys + ["hhi"]].rename(columns={"hhi": col}))
    if not parts:
        return pd.DataFrame(columns=keys), []
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p, on=keys, how="outer")
    return out.sort_values(keys).reset_index(drop=True), cols


def worst_scenario(run: SavedRun) -> dict | None:
    """The scenario with the most unmet demand (tonnes over the horizon, ties: dearest), with
    its probability, unmet tonnes and cost; None without ``scenario_costs``."""
    sc = run.tables.get("scenario_costs")
    if sc is None or sc.empty or "unmet_t" not in sc.columns:
        return None
    r = sc.sort_values(["unmet_t", "cost_usd"], ascending=False, kind="stable").iloc[0]
    return {"scenario": str(r["scenario"]), "probability": float(r["probability"]),
            "unmet_t": float(r["unmet_t"]), "cost_usd": float(r["cost_usd"])}
