"""Report views of the plan's decisions: builds and contract signings, when each is decided,
in which scenarios, and whether it is contingent (what the decision box and console print).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.report.facts import builds, periods, scenario_names
from optimizer.report.load import SavedRun, once_per_run

PROBABILITY_TOL = 1e-6
"""Probabilities summing to 1 within this are "every scenario"."""


@once_per_run
def decisions(run: SavedRun) -> pd.DataFrame:
    """The build plan as decisions: one row per module, decision period and online period.

    The ``builds`` table has one row per scenario-tree node that decides a build (adaptive
    builds, with ``decision_period``, ``decided_in``, ``probability``, ``contingent``); a
    module built in every scenario but decided after the scenarios part has one row per
    scenario. Here they are one decision, with:

    - ``scenarios``: the decision nodes' scenarios (``+``-joined, instance order; "all" rows
      count as every scenario);
    - ``probability`` = Σ node probabilities (1 when it is built whatever happens);
    - ``kind``: ``now`` (shared by every scenario, decided in the first period), ``planned``
      (shared by every scenario, decided later), ``every scenario`` (decided separately in
      each scenario's node, but in all of them: a robust build whose commitment can wait until
      the scenario is known), or ``contingent`` (only in some scenarios);
    - ``capex_usd`` (undiscounted, per decision) and ``expected_capex_usd`` (Σ probability ×
      discounted capex charged in the horizon: the table's ``expected_capex_usd``, or for an
      older run its ``capex_in_horizon_usd`` × probability).

    Runs saved before adaptive builds have no decision columns: every build is then a
    here-and-now decision (kind ``now``, probability 1), as those runs were solved.
    Columns: module, site, country, decision_period, online_period, count, capacity_added_t,
    capex_usd, expected_capex_usd, probability, scenarios, kind. Sorted by decision period,
    then kind (now, planned, every scenario, contingent), then module.
    """
    cols = ["module", "site", "country", "decision_period", "online_period", "count",
            "capacity_added_t", "capex_usd", "expected_capex_usd", "probability", "scenarios",
            "kind", "revealed"]
    b = builds(run)
    if b.empty:
        return pd.DataFrame(columns=cols)
    scen = scenario_names(run)
    order = {p: i for i, p in enumerate(periods(run))}
    adaptive = "contingent" in b.columns
    b = b.assign(
        decision_period=b["decision_period"].astype(str) if "decision_period" in b
        else (periods(run)[:1] or [""])[0],
        probability=pd.to_numeric(b["probability"], errors="coerce").fillna(1.0)
        if "probability" in b else 1.0,
        decided_in=b["decided_in"].astype(str) if "decided_in" in b else "all",
        contingent=b["contingent"].astype(str).str.lower().isin(["true", "1"])
        if adaptive else False)
    charged = next((c for c in ("expected_capex_usd", "charged") if c in b.columns), None)
    if charged is None and "capex_in_horizon_usd" in b.columns:  # a run saved before the tree
        b = b.assign(_charged=pd.to_numeric(b["capex_in_horizon_usd"], errors="coerce")
                     * b["probability"])
        charged = "_charged"
    rows = []
    keys = ["module", "site", "country", "decision_period", "online_period"]
    for k, g in b.groupby(keys, sort=False):
        names: set[str] = set()
        for label in g["decided_in"]:
            names |= set(scen) if label == "all" else set(label.split("+"))
        p = float(g["probability"].sum())
        if not g["contingent"].any():  # one node shared by every scenario (or a pre-tree run)
            kind = "now" if order.get(str(k[3]), 0) == 0 else "planned"
        elif p >= 1 - PROBABILITY_TOL:
            kind = "every scenario"
        else:
            kind = "contingent"
        rows.append(dict(zip(keys, k)) | {
            "count": int(g["count"].max()), "capacity_added_t": float(
                g["capacity_added_t"].max()) if "capacity_added_t" in g else np.nan,
            "capex_usd": float(g["capex_usd"].max()),
            "expected_capex_usd": float(pd.to_numeric(g[charged], errors="coerce").sum())
            if charged else np.nan,
            "probability": min(p, 1.0),
            "scenarios": "+".join([s for s in scen if s in names] + sorted(names - set(scen))),
            "kind": kind, "revealed": _earliest(g.get("revealed_period"), order)})
    out = pd.DataFrame(rows, columns=cols)
    rank = {"now": 0, "planned": 1, "every scenario": 2, "contingent": 3}
    out["_p"] = out["decision_period"].astype(str).map(order).fillna(len(order))
    out["_k"] = out["kind"].map(rank)
    return out.sort_values(["_p", "_k", "module"], kind="stable").drop(columns=["_p", "_k"]) \
        .reset_index(drop=True)


def contract_decisions(run: SavedRun) -> pd.DataFrame:
    """The contracts the plan signs, as decisions (the ``contracts`` table, one row per
    contract and signing period).

    Signings of a contract in one period but in several tree nodes are one decision, classed
    as builds are (:func:`decisions`): ``now``, ``planned``, ``every scenario`` or
    ``contingent``; a fixed contract (already signed) is ``fixed``. Columns: contract, trader,
    country, element, decision_period, probability, scenarios, kind, revealed, fee_usd,
    price_usd_per_t, min_take_t, max_t, first_period, last_period, expected_paid_t. Empty
    for a run without contracts.
    """
    cols = ["contract", "trader", "country", "element", "decision_period", "probability",
            "scenarios", "kind", "revealed", "fee_usd", "price_usd_per_t", "min_take_t",
            "max_t", "first_period", "last_period", "expected_paid_t"]
    c = run.tables.get("contracts")
    if c is None or c.empty:
        return pd.DataFrame(columns=cols)
    scen = scenario_names(run)
    order = {p: i for i, p in enumerate(periods(run))}
    c = c.assign(decision_period=c["decision_period"].astype(str),
                 decided_in=c["decided_in"].astype(str),
                 contingent=c["contingent"].astype(str).str.lower().isin(["true", "1"]),
                 probability=pd.to_numeric(c["probability"], errors="coerce").fillna(1.0))
    rows = []
    for (name, period, decision), g in c.groupby(["contract", "decision_period", "decision"],
                                                 sort=False):
        names: set[str] = set()
        for label in g["decided_in"]:
            names |= set(scen) if label == "all" else set(label.split("+"))
        p = float(g["probability"].sum())
        if decision == "fixed":
            kind = "fixed"
        elif not g["contingent"].any():
            kind = "now" if order.get(str(period), 0) == 0 else "planned"
        else:
            kind = "every scenario" if p >= 1 - PROBABILITY_TOL else "contingent"
        first = g.iloc[0]
        rows.append({"contract": name, "decision_period": period, "probability": min(p, 1.0),
                     "scenarios": "+".join([s for s in scen if s in names]
                                           + sorted(names - set(scen))),
                     "kind": kind, "revealed": _earliest(g.get("revealed_period"), order),
                     "expected_paid_t": float(pd.to_numeric(g["expected_paid_t"]).sum())}
                    | {k: first.get(k) for k in ("trader", "country", "element", "fee_usd",
                                                 "price_usd_per_t", "min_take_t", "max_t",
                                                 "first_period", "last_period")})
    return pd.DataFrame(rows, columns=cols)


def _earliest(labels, order: dict) -> str:
    """The earliest period among ``labels`` (blank/NaN skipped), '' if none."""
    if labels is None:
        return ""
    found = [str(x) for x in labels if isinstance(x, str) and x and x != "nan"]
    return min(found, key=lambda p: order.get(p, len(order))) if found else ""
