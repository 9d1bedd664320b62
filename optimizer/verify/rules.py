"""Checks of the policy rules and of the decisions' timing: export quotas, end-use limits,
diversification caps, non-anticipativity, service floors (formulas in :mod:`optimizer.verify`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.schema import ANY, CONCENTRATE
from optimizer.verify.balances import demand_quantities
from optimizer.verify.base import (
    TABLE_COLUMNS,
    InstanceData,
    Violations,
)
from optimizer.verify.keys import attach, groups_of, per_label, sum_by


def _rule_grid(d: InstanceData, sheet: str, column: str) -> pd.DataFrame:
    """Rules × (scenario, period) where the rule is active, with its value there."""
    rules = d.table(sheet)
    if rules.empty:
        return pd.DataFrame()
    r = rules.drop(columns=["excel_row"], errors="ignore").assign(rule=np.arange(len(rules)))
    if "period" in r.columns:
        r = r.rename(columns={"period": "rule_period"})
    rows = d.grid.merge(r, how="cross")
    if "rule_period" in rows.columns:
        rows = rows[rows["rule_period"].isin([None, ANY]) | rows["rule_period"].isna()
                    | (rows["rule_period"] == rows["period"])]
    rows = rows.reset_index(drop=True)
    rows["value"] = d.value(sheet, column, rows["scenario"], rows["period"], rows["rule"])
    return rows[~rows["value"].isna()].reset_index(drop=True)


def check_export_quota(d: InstanceData, flows, rep: Violations) -> None:
    rows = _rule_grid(d, "export_quotas", "cap_t")
    if rows.empty:
        return
    f = flows.assign(oc=d.label(flows["origin"].map(d.country)),
                     dc=d.label(flows["destination"].map(d.country)),
                     is_conc=flows["origin"].isin(d.sites["mines"]))
    f = f[f["oc"] != f["dc"]]
    exports = {
        "conc": sum_by(f[f["is_conc"]], ["scenario", "period", "oc"], "tonnes", "x"),
        "all": sum_by(f[~f["is_conc"]], ["scenario", "period", "oc"], "tonnes", "x"),
        "el": sum_by(f[~f["is_conc"]], ["scenario", "period", "oc", "product"], "tonnes", "x"),
    }
    left = d.labelled(rows.rename(columns={"country": "oc"}), ["oc", "product"])
    lhs = np.where(rows["product"] == CONCENTRATE,
                   attach(left, exports["conc"], ["scenario", "period", "oc"], "x"),
                   np.where(rows["product"] == ANY,
                            attach(left, exports["all"], ["scenario", "period", "oc"], "x"),
                            attach(left, exports["el"], ["scenario", "period", "oc", "product"],
                                    "x")))
    keys = rows[["scenario", "period", "country", "product", "rule_period"]]
    rep.add("export_quota_cap", keys, lhs, rows["value"], "<=", lhs + rows["value"],
            "exports")


def _memo(d: InstanceData, name: str, flows: pd.DataFrame, compute) -> pd.DataFrame:
    """``compute()``, once per run for these ``flows`` (several checks read it, none changes
    it)."""
    held = d.memo.get(name)
    if held is None or held[0] is not flows:
        d.memo[name] = held = (flows, compute())
    return held[1]


def _into_end_uses(d: InstanceData, flows) -> pd.DataFrame:
    """The flows into demand nodes, with each node's end use."""
    def compute():
        end_use = dict(zip(d.table("demands")["demand"], d.table("demands")["end_use"]))
        into = flows[flows["destination"].isin(d.sites["demands"])]
        return into.assign(end_use=d.label(into["destination"].map(end_use)))
    return _memo(d, "into_end_uses", flows, compute)


def _consumed(d: InstanceData, flows) -> pd.DataFrame:
    """Tonnes each demand node consumes, per (scenario, period, demand, end_use, element).

    What it received, but never more than its demand: a surplus tonne is not consumed, so it
    cannot dilute a share rule (the denominator of every share check below).
    """
    def compute():
        into = _into_end_uses(d, flows).rename(columns={"destination": "demand",
                                                        "product": "element"})
        on = ["scenario", "period", "demand", "element"]
        got = sum_by(into, on + ["end_use"], "tonnes", "delivered")
        if got.empty:
            return got.assign(consumed=pd.Series(dtype=float))
        demand = attach(got, demand_quantities(d), on, "quantity")
        return got.assign(consumed=np.minimum(got["delivered"].to_numpy(float), demand))
    return _memo(d, "consumed", flows, compute)


def _provenance(f: pd.DataFrame, country: str, basis: str) -> pd.Series:
    mined, processed = f["mined_in"] == country, f["processed_in"] == country
    return mined if basis == "mined" else processed if basis == "processed" else mined | processed


def check_end_use_limits(d: InstanceData, flows, rep: Violations) -> None:
    rules = d.table("end_use_limits")
    if rules.empty:
        return
    into = _into_end_uses(d, flows)
    consumed = _consumed(d, flows)
    sp = ["scenario", "period"]
    for column, family in (("max_t", "end_use_tonnage_limit"),
                           ("max_share", "end_use_share_limit")):
        grid = _rule_grid(d, "end_use_limits", column)
        for r, rows in grid.groupby("rule", sort=True):
            rule = rules.iloc[r]
            f = into[into["end_use"] == rule["end_use"]]
            if rule["element"] != ANY:
                f = f[f["product"] == rule["element"]]
            matched = attach(rows, sum_by(f[_provenance(f, rule["country"], rule["basis"])], sp,
                                            "tonnes", "x"), sp, "x")
            keys = rows[["scenario", "period", "country", "basis", "end_use", "element"]]
            if column == "max_t":
                rep.add(family, keys, matched, rows["value"], "<=", matched + rows["value"],
                        "tonnes")
            else:
                c = consumed[consumed["end_use"] == rule["end_use"]]
                if rule["element"] != ANY:
                    c = c[c["element"] == rule["element"]]
                total = attach(rows, sum_by(c, sp, "consumed", "x"), sp, "x")
                rhs = rows["value"].to_numpy() * total
                rep.add(family, keys, matched, rhs, "<=", matched + rhs,
                        "tonnes from the country")


def check_diversification(d: InstanceData, flows, rep: Violations) -> None:
    grid = _rule_grid(d, "diversification_caps", "max_share")
    if grid.empty:
        return
    into = _into_end_uses(d, flows)
    consumed = _consumed(d, flows)
    for (eu, el, basis), rows in grid.groupby(["end_use", "element", "basis"], sort=True):
        f = into[into["end_use"] == eu]
        if el != ANY:
            f = f[f["product"] == el]
        col = "mined_in" if basis == "mined" else "processed_in"
        by_country = sum_by(f.rename(columns={col: "country", "product": "el"}),
                             ["scenario", "period", "el", "country"], "tonnes", "x")
        c = consumed[consumed["end_use"] == eu]
        if el != ANY:
            c = c[c["element"] == el]
        total = sum_by(c.rename(columns={"element": "el"}), ["scenario", "period", "el"],
                        "consumed", "total")
        if by_country.empty:
            continue
        r = rows[["scenario", "period", "end_use", "element", "basis", "value"]].merge(
            by_country, on=["scenario", "period"])
        tot = attach(r, total, ["scenario", "period", "el"], "total")
        rhs = r["value"].to_numpy() * tot
        keys = r[["scenario", "period", "end_use", "el", "basis", "country"]].rename(
            columns={"el": "element"})
        rep.add("diversification_cap", keys, r["x"], rhs, "<=", r["x"] + rhs,
                "tonnes from the country")


def check_non_anticipativity(d: InstanceData, sol: dict, rep: Violations) -> None:
    """Scenarios with the same data in every period ≤ t decide the same in period t.

    The scenarios sharing a node (same data up to t) are its members; for every value of the
    plan in period t, max − min over the node's members ≤ 0, a row absent in a member
    counting as 0. Here-and-now builds share one node per period: every scenario.
    """
    if len(d.scenarios) <= 1:
        return
    # node[i, t]: scenario i's node in period t; shared[t]: the node of every scenario.
    node = np.zeros((len(d.scenarios), len(d.periods)), dtype=np.int64)
    ids: dict[tuple, int] = {}
    for i, s in enumerate(d.scenarios):
        sig: tuple = ()
        for t in range(len(d.periods)):
            sig = (sig, frozenset(d.changes[s].get(t, {}).items()))
            node[i, t] = ids.setdefault(sig, len(ids))
    shared = len(ids) + np.arange(len(d.periods))
    members = [[] for _ in range(len(ids) + len(d.periods))]
    for i, s in enumerate(d.scenarios):
        for t in range(len(d.periods)):
            members[node[i, t]].append(s)
            members[shared[t]].append(s)
    size = np.array([len(m) for m in members])
    label = np.array(["+".join(m) for m in members], dtype=object)
    s_pos = {s: i for i, s in enumerate(d.scenarios)}
    for name, (keys, values) in TABLE_COLUMNS.items():
        table = sol[name]
        if name == "builds":
            # A build belongs to the period it is decided in; here-and-now builds are decided
            # before anything is revealed, so every scenario must share them.
            table = table.rename(columns={"decision_period": "period"})
            keys = ["scenario", "period", "module", "online_period"]
        i = per_label(table["scenario"], s_pos)
        t = per_label(table["period"], d.pidx)
        known = ~(np.isnan(i) | np.isnan(t))  # rows of unknown scenarios or periods: none
        i, t = i[known].astype(np.int64), t[known].astype(np.int64)
        at = shared[t] if name == "builds" and not d.inst.adaptive_builds else node[i, t]
        others = [c for c in keys if c not in ("scenario", "period")]
        rows = table[["period"] + others][known].assign(node=at)
        if rows.empty:
            continue
        group, first = groups_of(rows, ["node"] + others, dropna=True)
        kept = group >= 0
        stats = pd.Series(table[values[0]].to_numpy()[known][kept]).groupby(
            group[kept]).agg(["max", "min", "size"])
        n = size[at[first]]
        shared_node = n > 1
        stats, first, n = stats[shared_node], first[shared_node], n[shared_node]
        partial = (stats["size"].to_numpy() < n)  # absent rows are 0 (flows: positive only)
        hi = np.where(partial, np.maximum(stats["max"], 0.0), stats["max"])
        lo = np.where(partial, np.minimum(stats["min"], 0.0), stats["min"])
        keys_df = rows[["period"] + others].iloc[first].assign(
            scenarios=label[at[first]], table=name)
        rep.add("non_anticipativity", keys_df, hi - lo, 0.0, "<=",
                np.maximum(np.abs(hi), np.abs(lo)), f"spread of {values[0]} across scenarios")


def check_service_floor(d: InstanceData, flows, rep: Violations) -> None:
    """Σ consumed by the end use's demand nodes ≥ min_served_share × Σ their demand, in every
    scenario and period, for the rule's element (each element the end use demands for '*')."""
    grid = _rule_grid(d, "service_levels", "min_served_share")
    if grid.empty:
        return
    end_use = dict(zip(d.table("demands")["demand"], d.table("demands")["end_use"]))
    need = demand_quantities(d)
    need = need.assign(end_use=need["demand"].map(end_use))
    need = sum_by(need, ["scenario", "period", "end_use", "element"], "quantity", "demand_t")
    got = _consumed(d, flows)
    got = sum_by(got, ["scenario", "period", "end_use", "element"], "consumed", "served_t")
    r = grid[["scenario", "period", "end_use", "element", "value"]].rename(
        columns={"element": "rule_element"}).merge(need, on=["scenario", "period", "end_use"])
    r = r[(r["rule_element"] == ANY) | (r["rule_element"] == r["element"])].reset_index(drop=True)
    served = attach(r, got, ["scenario", "period", "end_use", "element"], "served_t")
    rhs = r["value"].to_numpy(float) * r["demand_t"].to_numpy(float)
    rep.add("service_floor", r[["scenario", "period", "end_use", "element", "value"]], served,
            rhs, ">=", served + rhs, "tonnes served")


