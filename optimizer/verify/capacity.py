"""Checks of capacities and builds: mines, plants, offers, lanes, stockpiles, closing stock,
the build limit per scenario path (formulas in :mod:`optimizer.verify`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.verify.base import (
    InstanceData,
    Violations,
)
from optimizer.verify.keys import attach, sum_by


def _module_capacity(d: InstanceData, builds) -> pd.DataFrame:
    """Capacity added at each site in each (scenario, period) by modules online by then."""
    mods = d.table("modules")
    if builds.empty or mods.empty:
        return pd.DataFrame(columns=["scenario", "period", "site", "added"])
    mrow = {m: i for i, m in enumerate(mods["module"])}
    b = builds.assign(row=builds["module"].map(mrow), site=builds["module"].map(
        dict(zip(mods["module"], mods["site"]))))
    rows = d.grid.merge(b, on="scenario")  # a scenario has the builds decided on its path
    rows = rows[[d.pidx[o] <= d.pidx[p] for o, p in zip(rows["online_period"], rows["period"])]]
    cap = d.value("modules", "capacity_t", rows["scenario"], rows["period"], rows["row"])
    rows = rows.assign(added=rows["count"].to_numpy(float) * np.nan_to_num(cap))
    return sum_by(rows, ["scenario", "period", "site"], "added", "added")


def check_site_capacity(d: InstanceData, flows, builds, rep: Violations, sheet: str, family: str,
                   side: str) -> None:
    """Mines (concentrate out) and plants (concentrate in): (cap + modules)·[t ≥ first]."""
    sites = d.table(sheet)
    key = sheet[:-1]
    rows = d.grid.merge(pd.DataFrame({key: d.label(sites[key]), "row": np.arange(len(sites)),
                                      "first": sites["first_period"]}), how="cross")
    if rows.empty:
        return
    cap = np.nan_to_num(d.value(sheet, "capacity_t", rows["scenario"], rows["period"], rows["row"]))
    online = np.array([f is None or f != f or d.pidx[p] >= d.pidx[f]
                       for f, p in zip(rows["first"], rows["period"])], dtype=bool)
    added = attach(rows.rename(columns={key: "site"}), _module_capacity(d, builds),
                    ["scenario", "period", "site"], "added")
    conc = flows[flows["origin"].isin(d.sites["mines"])].rename(columns={side: key})
    used = attach(rows, sum_by(conc, ["scenario", "period", key], "tonnes", "used"),
                   ["scenario", "period", key], "used")
    rhs = np.where(online, cap + added, 0.0)  # a module runs only when its site may
    rep.add(family, rows[["scenario", "period", key]], used, rhs, "<=", used + rhs,
            "concentrate out" if key == "mine" else "feed")


def check_simple_capacity(d: InstanceData, used: pd.DataFrame, rep: Violations, sheet: str, key: str,
                     family: str, what: str) -> None:
    """Σ used by (scenario, period, ``key``) ≤ ``sheet.capacity_t`` of that row."""
    table = d.table(sheet)
    rows = d.grid.merge(pd.DataFrame({key: d.label(table[key]), "row": np.arange(len(table))}),
                        how="cross")
    if rows.empty:
        return
    cap = d.value(sheet, "capacity_t", rows["scenario"], rows["period"], rows["row"])
    lhs = attach(rows, used, ["scenario", "period", key], "used")
    rep.add(family, rows[["scenario", "period", key]], lhs, np.nan_to_num(cap), "<=",
            lhs + np.nan_to_num(cap), what)


def check_stock_closing(d: InstanceData, stocks: pd.DataFrame, rep: Violations) -> None:
    """Stock of a stockpile at the end of the last period ≥ its closing_min_t (if given)."""
    table = d.table("stockpiles")
    if table.empty or "closing_min_t" not in table:
        return
    last = d.periods[-1]
    rows = pd.DataFrame({"scenario": d.scenarios}).merge(
        pd.DataFrame({"stockpile": table["stockpile"], "row": np.arange(len(table))}),
        how="cross").assign(period=last)
    need = d.value("stockpiles", "closing_min_t", rows["scenario"], rows["period"], rows["row"])
    keep = ~np.isnan(need)
    rows, need = rows[keep], need[keep]
    if rows.empty:
        return
    held = attach(rows, sum_by(stocks[stocks["period"] == last], ["scenario", "stockpile"],
                                 "stock_t", "held"), ["scenario", "stockpile"], "held")
    rep.add("stock_closing", rows[["scenario", "period", "stockpile"]], held, need, ">=",
            held + need, "stock at the horizon's end")


def check_lane_capacity(d: InstanceData, flows, rep: Violations) -> None:
    # A lane blank (unlimited) in every scenario and period has no row: only the others.
    capped = np.flatnonzero(d.ever_given("lanes", "capacity_t"))
    lanes = d.labelled(d.table("lanes").iloc[capped], ["origin", "destination"])
    rows = d.grid.merge(pd.DataFrame({"origin": lanes["origin"].array,
                                      "destination": lanes["destination"].array,
                                      "row": capped}), how="cross")
    if rows.empty:
        return
    cap = d.value("lanes", "capacity_t", rows["scenario"], rows["period"], rows["row"])
    limited = ~np.isnan(cap)
    rows, cap = rows[limited], cap[limited]
    keys = ["scenario", "period", "origin", "destination"]
    lhs = attach(rows, sum_by(flows, keys, "tonnes", "used"), keys, "used")
    rep.add("lane_capacity", rows[keys], lhs, cap, "<=", lhs + cap, "tonnes on lane")


def check_module_build_limit(d: InstanceData, builds, rep: Violations) -> None:
    """Per scenario: Σ builds ≤ max_count; decided no earlier than earliest_decision_period;
    online exactly when the lead time says and no earlier than earliest_period; integer."""
    mods = d.table("modules")
    if mods.empty:
        return
    total = sum_by(builds, ["scenario", "module"], "count", "built")
    rows = pd.DataFrame({"module": mods["module"]}).merge(
        pd.DataFrame({"scenario": d.scenarios}), how="cross")
    built = attach(rows, total, ["scenario", "module"], "built")
    cap = rows["module"].map(dict(zip(mods["module"], mods["max_count"].fillna(1)))).to_numpy(float)
    rep.add("module_build_limit", rows, built, cap, "<=", built + cap, "modules built")
    if builds.empty:
        return
    info = mods.set_index("module")
    per_year = float(d.inst.settings.get("periods_per_year", 4) or 4)
    c = builds["count"].to_numpy(float)
    keys = builds[["scenario", "module", "decision_period", "online_period"]]

    def flag(bad: np.ndarray, rule: str, what: str) -> None:
        rep.add("module_build_limit", keys.assign(rule=rule), np.where(bad, c, 0.0), 0.0, "<=",
                np.where(bad, np.minimum(np.abs(c), 1.0), 1.0), what)

    def pos(label) -> int:
        return -1 if label is None or label != label else d.pidx[label]

    decided = np.array([d.pidx[p] for p in builds["decision_period"]])
    online = np.array([d.pidx[p] for p in builds["online_period"]])
    first = np.array([pos(info.at[m, "earliest_decision_period"]) for m in builds["module"]])
    flag(decided < first, "decided ≥ earliest_decision_period", "count decided too early")
    earliest = np.array([pos(info.at[m, "earliest_period"]) for m in builds["module"]])
    flag(online < earliest, "online ≥ earliest_period", "count before earliest_period")
    # Lead time: online from the first period starting ≥ lead_time_years after the decision.
    starts = np.array([d.start[p] for p in d.periods], dtype=float)
    due = [d.start[p] + float(info.at[m, "lead_time_years"] or 0.0) * per_year
           for p, m in zip(builds["decision_period"], builds["module"])]
    expected = np.array([int(np.argmax(starts >= x - 1e-9)) if (starts >= x - 1e-9).any()
                         else len(starts) for x in due])
    flag(online != expected, "online = decision + lead_time_years", "count online off its "
         "lead time")
    rep.add("module_build_limit", keys.assign(rule="integer"), c, np.round(c), "==", 1.0, "count")


