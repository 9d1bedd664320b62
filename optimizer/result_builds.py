"""Result tables of the investment decisions: the builds, the builds per scenario, and every
candidate module (what :mod:`optimizer.results` assembles with the other tables).

A decision taken in a tree node is one row, with the scenarios that pass through it
(``decided_in``); ``builds_by_scenario`` expands it to every such scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.result_rows import decision_scope, memo, own_copy, revealed_period
from optimizer.solve import SolveOutcome


def builds_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Build decisions: what, where, decided when and by which scenarios, online when, cost.

    One row per decision (module, tree node). ``decided_in`` is ``all`` for a decision every
    scenario shares (here and now), else the scenarios of its node, which are the only ones
    that build it (``contingent``), known from ``revealed_period`` on (when their branch of the
    tree split off). ``capex_usd`` is undiscounted; ``capex_in_horizon_usd``
    the discounted capex charged inside the horizon if the node is reached (its timing:
    ``capex_timing``); ``expected_capex_usd`` that × the node's ``probability``.
    """
    decisions = md.var_ix["modules_built"]
    cols = ["module", "site", "country", "decision_period", "decided_in", "revealed_period",
            "probability", "contingent", "online_period", "count", "capacity_added_t", "capex_usd",
            "capex_timing", "capex_in_horizon_usd", "expected_capex_usd",
            "fixed_om_usd_per_period"]
    if decisions.empty:
        return pd.DataFrame(columns=cols)
    count = np.round(out.values["modules_built"]).astype(int)
    charged = count * md.unit_costs["modules_built"]["capex"]
    every = memo(md, "builds_every_decision",
                 (decisions, md.modules, *(md.inst.table(s) for s in _SITE_SHEETS)),
                 lambda: _every_decision(md, decisions))
    if every is not None and (count > 0).any():
        # A batch of runs under one fixed plan builds the same table every run: reused while
        # the counts and charges are the same (a new frame object each time, as candidates).
        return own_copy(memo(md, "builds_built", (every,),
                             lambda: _built_rows(every, count, charged)[cols],
                             values=(count.tobytes(), charged.tobytes())))
    built = np.flatnonzero(count > 0)
    ix = _with_modules(md, decisions, built)
    ix["count"] = count[built]
    ix["charged"] = charged[built]
    country = _site_country(md)
    decided_in = [decision_scope(md, int(n)) for n in ix["node"]]
    return pd.DataFrame({
        "module": ix["module"], "site": ix["site"], "country": ix["site"].map(country),
        "decision_period": ix["decision_period"], "decided_in": decided_in,
        "revealed_period": [revealed_period(md, int(n)) for n in ix["node"]],
        "probability": ix["probability"].astype(float),
        "contingent": [d != "all" for d in decided_in],
        "online_period": ix["period"], "count": ix["count"],
        "capacity_added_t": ix["count"] * ix["capacity_t"].astype(float),
        "capex_usd": ix["count"] * ix["capex_usd"].astype(float),
        "capex_timing": np.where(ix["lifetime_periods"].isna(),
                                 ix["capex_timing"].fillna("spread"), "annuity"),
        "capex_in_horizon_usd": ix["charged"].astype(float),
        "expected_capex_usd": ix["charged"].astype(float) * ix["probability"].astype(float),
        "fixed_om_usd_per_period": ix["count"] * ix["fixed_om_usd"].fillna(0).astype(float),
    }).sort_values(["decision_period", "contingent", "module"], kind="stable"
                   ).reset_index(drop=True)[cols]


def _every_decision(md: ModelData, decisions: pd.DataFrame):
    """What ``builds_table`` reads of every build decision, before a run's counts: a frame of
    the columns that do not depend on the counts (as ``builds_table`` computes them, over
    every decision), the lists of ``decided_in`` and ``revealed_period``, and the decisions
    in the table's order (a stable sort by decision period, contingent, module). None if a
    decision does not match exactly one module (``builds_table`` then merges the built rows).

    A run's table takes its built decisions in that order: a stable sort of any subset of
    rows by the same keys keeps them in the order the sort of every row gives them.
    """
    ix = _with_modules(md, decisions, np.arange(len(decisions)))
    if len(ix) != len(decisions):
        return None
    decided_in = [decision_scope(md, int(n)) for n in ix["node"]]
    static = pd.DataFrame({
        "module": ix["module"], "site": ix["site"], "country": ix["site"].map(_site_country(md)),
        "decision_period": ix["decision_period"],
        "probability": ix["probability"].astype(float),
        "contingent": [d != "all" for d in decided_in],
        "online_period": ix["period"],
        "capacity_t": ix["capacity_t"].astype(float), "capex_usd": ix["capex_usd"].astype(float),
        "capex_timing": np.where(ix["lifetime_periods"].isna(),
                                 ix["capex_timing"].fillna("spread"), "annuity"),
        "fixed_om_usd": ix["fixed_om_usd"].fillna(0).astype(float)})
    order = static.sort_values(["decision_period", "contingent", "module"],
                               kind="stable").index.to_numpy()
    revealed = [revealed_period(md, int(n)) for n in ix["node"]]
    return static, decided_in, revealed, order


def _built_rows(every, count: np.ndarray, charged: np.ndarray) -> pd.DataFrame:
    """``builds_table``'s rows of the decisions built (``count`` > 0), from
    :func:`_every_decision`: the same columns, computed as there on the rows built.

    The lists (``decided_in``, ``revealed_period``, ``contingent``) are built for the rows
    taken, so pandas infers their column types from the same values as ``builds_table``.
    """
    static, decided_all, revealed_all, order = every
    rows = order[count[order] > 0]
    take = static.take(rows).reset_index(drop=True)
    n, charged = count[rows], charged[rows].astype(float)
    decided_in = [decided_all[k] for k in rows.tolist()]
    probability = take["probability"].to_numpy()
    return pd.DataFrame({
        "module": take["module"], "site": take["site"], "country": take["country"],
        "decision_period": take["decision_period"], "decided_in": decided_in,
        "revealed_period": [revealed_all[k] for k in rows.tolist()],
        "probability": take["probability"], "contingent": [d != "all" for d in decided_in],
        "online_period": take["online_period"], "count": n,
        "capacity_added_t": n * take["capacity_t"].to_numpy(),
        "capex_usd": n * take["capex_usd"].to_numpy(), "capex_timing": take["capex_timing"],
        "capex_in_horizon_usd": charged, "expected_capex_usd": charged * probability,
        "fixed_om_usd_per_period": n * take["fixed_om_usd"].to_numpy()})


def _with_modules(md: ModelData, decisions: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rows ``rows`` of the build decisions, each with its module's columns (a clash of names
    suffixed ``_module``), as an inner merge of those rows with the modules sheet gives them.

    Every decision is of a module of the sheet, once: the merge of all of them, done once per
    pair of frames (:func:`memo`), holds decision k at row k, and a run takes its rows.
    """
    def merge(frame):
        return frame.merge(md.modules.drop(columns=["excel_row"], errors="ignore"),
                           on="module", suffixes=("", "_module"))

    every = memo(md, "builds_with_modules", (decisions, md.modules), lambda: merge(decisions))
    if len(rows) and len(every) == len(decisions):
        return every.take(rows).reset_index(drop=True)
    return merge(decisions.take(rows))  # nothing built (the merge gives an empty frame's types)


_SITE_SHEETS = ("mines", "plants", "traders", "stockpiles", "demands")
"""The sheets ``Instance.site_country`` reads."""


def _site_country(md: ModelData) -> dict[str, str]:
    """``md.inst.site_country()``, once per set of site sheets (overrides copy a sheet they
    change, so an unchanged sheet is the same frame run after run).
    """
    return memo(md, "site_country", tuple(md.inst.table(s) for s in _SITE_SHEETS),
                 md.inst.site_country)


def builds_by_scenario_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every build decision repeated for each scenario that takes it (the verifier's view)."""
    decisions = md.var_ix["modules_built"]
    cols = ["scenario", "module", "decision_period", "online_period", "count"]
    if decisions.empty:
        return pd.DataFrame(columns=cols)
    count = np.round(out.values["modules_built"]).astype(int)
    names = tuple(sc.name for sc in md.inst.scenarios)
    # The same counts give the same table (a batch under one fixed plan): reused while they are.
    return own_copy(memo(md, "builds_by_scenario", (decisions,),
                         lambda: _builds_by_scenario(md, decisions, count, list(names), cols),
                         values=(count.tobytes(), names)))


def _builds_by_scenario(md: ModelData, decisions: pd.DataFrame, count: np.ndarray,
                        names: list[str], cols: list[str]) -> pd.DataFrame:
    ix = decisions.copy()
    ix["count"] = count
    ix = ix[ix["count"] > 0]
    rows = [(s, mod, dp, op, c)
            for mod, dp, op, c, n in zip(ix["module"], ix["decision_period"], ix["period"],
                                         ix["count"], ix["node"])
            for s in (names if n < 0 else md.nodes[int(n)].scenarios)]
    return pd.DataFrame(rows, columns=cols)


def candidates_table(md: ModelData) -> pd.DataFrame:
    """Every candidate module with its capex per tonne of capacity: the investment signal to
    set against capacity shadow prices (built or not).

    It reads only the modules sheet: built once per modules frame (a live model's runs share
    it until a run overrides that sheet; each caller gets its own copy, :func:`own_copy`).
    """
    # A new frame object each time: a caller adding a column must not add it to the cached one.
    return own_copy(memo(md, "candidates", (md.modules,), lambda: _candidates(md)))


def _candidates(md: ModelData) -> pd.DataFrame:
    mods = md.modules
    cols = ["module", "site", "country", "capacity_t", "capex_usd", "capex_usd_per_t",
            "fixed_om_usd", "earliest_decision_period", "lead_time_years", "earliest_period",
            "max_count", "lifetime_periods", "capex_timing"]
    if mods.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({
        "module": mods["module"], "site": mods["site"],
        "country": mods["site"].map(_site_country(md)),
        "capacity_t": mods["capacity_t"].astype(float),
        "capex_usd": mods["capex_usd"].astype(float),
        "fixed_om_usd": mods["fixed_om_usd"].fillna(0).astype(float),
        "earliest_decision_period": mods["earliest_decision_period"].fillna(md.inst.periods[0]),
        "lead_time_years": mods["lead_time_years"].fillna(0.0).astype(float),
        "earliest_period": mods["earliest_period"].fillna(md.inst.periods[0]),
        "max_count": mods["max_count"], "lifetime_periods": mods["lifetime_periods"],
        "capex_timing": mods["capex_timing"].fillna("spread")})
    cap = out["capacity_t"].where(out["capacity_t"] > 0)
    out["capex_usd_per_t"] = out["capex_usd"] / cap
    return out[cols]
