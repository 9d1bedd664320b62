"""The objective, recomputed: expected discounted cost per component, each scenario's cost
along its path, and the mean-CVaR objective (formulas in :mod:`optimizer.verify`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.schema import ANY, CONCENTRATE
from optimizer.verify.base import (
    InstanceData,
)
from optimizer.verify.contracts import (
    contract_cost,
)
from optimizer.verify.keys import groups_of, per_label, row_in


def tail_by_sorting(cost: np.ndarray, prob: np.ndarray, alpha: float) -> tuple[float, float]:
    """(VaR_α, CVaR_α) by walking the sorted costs: VaR is the first cost at which the
    cumulative probability from the cheapest reaches α; CVaR the probability-weighted mean
    of the dearest scenarios filling the last 1 − α of probability (the boundary scenario
    counted with the part of its probability that falls in the tail)."""
    up = np.argsort(cost, kind="stable")
    cum, var = 0.0, float(cost[up[-1]])
    for k in up:
        cum += prob[k]
        if cum >= alpha - 1e-12:
            var = float(cost[k])
            break
    left, tail = 1.0 - alpha, 0.0
    for k in up[::-1]:
        take = min(float(prob[k]), left)
        tail += take * float(cost[k])
        left -= take
        if left <= 1e-15:
            break
    return var, tail / (1.0 - alpha)


def recompute_risk(d: InstanceData, sol: dict, terms: list | None = None) -> dict:
    """Each scenario's discounted cost, E[cost], VaR_α and CVaR_α, from the plan's tables.

    A scenario's cost is :func:`recompute_objective` of its own rows with its probability set
    to 1: every node on its path at its discount factor, and every build it takes in full.
    The row sums (flows, stocks, unmet demand) are priced once for every scenario
    (:func:`row_terms`) and split by scenario: the same products summed in the same order as
    pricing each scenario's rows alone (``terms``: :func:`row_terms` already computed). λ and
    α are ``settings.risk_weight`` (default 0) and ``settings.cvar_alpha`` (0.9).
    """
    import copy

    s_ = d.inst.settings
    lam = float(str(s_.get("risk_weight", 0) or 0))
    alpha = float(str(s_.get("cvar_alpha", 0.9) or 0.9))
    alone = copy.copy(d)
    alone.prob = {s: 1.0 for s in d.scenarios}
    terms = [(sign, df["scenario"].to_numpy(), _weight(alone, df) * unit * qty)
             for sign, df, unit, qty in (terms if terms is not None else row_terms(d, sol))]
    cost = []
    for s in d.scenarios:
        total = 0.0
        for sign, scen, value in terms:
            total += sign * float(np.sum(value[scen == s]))
        # The builds' and contracts' costs of the scenario's own rows (the only tables read).
        own = {k: df[df["scenario"] == s] if "scenario" in df else df for k, df in sol.items()
               if k in ("builds", "contract_deliveries", "contract_signings_by_scenario")}
        cost.append(_plus_build_and_contract_costs(alone, own, total))
    cost = np.array(cost)
    prob = np.array([d.prob[s] for s in d.scenarios])
    var, cvar = tail_by_sorting(cost, prob, alpha)
    expected = float(np.sum(prob * cost))
    return {"risk_weight": lam, "cvar_alpha": alpha, "scenario_cost_usd": dict(zip(
        d.scenarios, cost.tolist())), "expected_cost_usd": expected, "var_usd": var,
        "cvar_usd": cvar, "objective_usd": (1 - lam) * expected + lam * cvar}


# --------------------------------------------------------------------------------------------
# The objective
# --------------------------------------------------------------------------------------------

def _tariff_per_t(d: InstanceData, f: pd.DataFrame, product: pd.Series, customs: np.ndarray) -> np.ndarray:
    """Duty per tonne on each flow crossing a border: the most specific tariff row applies."""
    tariffs = d.table("tariffs")
    if tariffs.empty or f.empty:
        return np.zeros(len(f))
    at = {(o, de, p): i for i, (o, de, p) in enumerate(zip(
        tariffs["origin_country"], tariffs["destination_country"], tariffs["product"]))}
    lane = pd.DataFrame({"origin": f["origin"].array, "destination": f["destination"].array,
                         "product": pd.Series(product).array})
    group, first = groups_of(lane, ["origin", "destination", "product"])  # each lane's once
    country = [[d.country.get(x, np.nan) for x in lane[c].to_numpy(dtype=object)[first]]
               for c in ("origin", "destination")]
    row = np.array([-1 if a == b else at.get((a, b, p), at.get((a, b, ANY), -1))
                    for a, b, p in zip(*country, lane["product"].to_numpy(dtype=object)[first])],
                   dtype=np.int64)[group]
    has = row >= 0
    duty = np.zeros(len(f))
    if has.any():
        s, t, r = f["scenario"].to_numpy()[has], f["period"].to_numpy()[has], row[has]
        ad = np.nan_to_num(d.value("tariffs", "ad_valorem", s, t, r))
        per_t = np.nan_to_num(d.value("tariffs", "per_t_usd", s, t, r))
        duty[has] = ad * customs[has] + per_t
    return duty


def _weight(d: InstanceData, df: pd.DataFrame) -> np.ndarray:
    """p_s δ_t of each row."""
    return per_label(df["scenario"], d.prob) * per_label(df["period"], d.disc)


def _lookup(d: InstanceData, df: pd.DataFrame, sheet: str, key: str, by: str, column: str) -> np.ndarray:
    rows = per_label(df[by], d.row_of(sheet, key))
    return np.nan_to_num(d.value(sheet, column, df["scenario"], df["period"],
                                 rows.astype(np.int64)))


def _build_costs(d: InstanceData, builds: pd.DataFrame) -> float:
    """Expected discounted capex and fixed O&M of the builds on each scenario's path.

    Capex without a lifetime: ``spread`` (default) = equal payments in each base period from
    the decision until online (at online if they coincide); ``decision``; ``online``. With a
    lifetime of L base periods: capex · i / (1 − (1+i)^−L) in each base period of the life
    inside the horizon. Fixed O&M: per base period online, to the end of the horizon.
    """
    if "modules_by_id" not in d.memo:  # read for every scenario's cost: indexed once
        d.memo["modules_by_id"] = d.table("modules").set_index("module")
    mods = d.memo["modules_by_id"]
    v = d.inst.slot_discount()  # factor of each base period (validated data)
    s_ = d.inst.settings
    i = (1 + float(s_.get("discount_rate_per_year", 0) or 0)) ** (
        1 / float(s_.get("periods_per_year", 4) or 4)) - 1
    mrow = d.row_of("modules", "module")
    total = 0.0
    for s, mod, dec, online, count in zip(builds["scenario"], builds["module"],
                                          builds["decision_period"], builds["online_period"],
                                          builds["count"]):
        a, o = d.start[dec], d.start[online]
        capex = float(np.nan_to_num(mods.at[mod, "capex_usd"]))
        life = mods.at[mod, "lifetime_periods"]
        timing = mods.at[mod, "capex_timing"] if "capex_timing" in mods else None
        if life is not None and life == life:
            life = int(life)
            payment = 1 / life if i == 0 else i / (1 - (1 + i) ** -life)
            share = payment * float(v[o:o + life].sum())
        elif timing == "decision":
            share = float(v[a])
        elif timing == "online" or o == a:
            share = float(v[o])
        else:
            share = float(v[a:o].mean())
        later = d.periods[d.pidx[online]:]
        fom = d.value("modules", "fixed_om_usd", [s] * len(later), later,
                      [mrow[mod]] * len(later))  # per period: rate × length
        disc = np.array([d.disc[t] for t in later])
        total += d.prob[s] * count * (capex * share + float(np.sum(disc * np.nan_to_num(fom))))
    return total


def recompute_objective(d: InstanceData, sol: dict, terms: list | None = None) -> float:
    """Expected discounted total cost (USD) of the plan, from the objective's docstring
    (``terms``: :func:`row_terms` already computed)."""
    total = 0.0
    for sign, df, unit, qty in (terms if terms is not None else row_terms(d, sol)):
        total += sign * float(np.sum(_weight(d, df) * unit * qty))
    return _plus_build_and_contract_costs(d, sol, total)


def _plus_build_and_contract_costs(d: InstanceData, sol: dict, total: float) -> float:
    """``total`` plus the objective's terms that are not sums over rows: builds, then
    contracts (added in this order, as the objective's other terms before them)."""
    builds = sol["builds"]
    if len(builds):
        total += _build_costs(d, builds)
    return total + contract_cost(d, sol)


def row_terms(d: InstanceData, sol: dict) -> list[tuple[float, pd.DataFrame, np.ndarray,
                                                          np.ndarray]]:
    """The objective's sums over table rows, in its order, as (sign, rows, USD per unit,
    units): each term adds sign · Σ p_s δ_t · unit · units over its rows (the weight
    p_s δ_t from the rows' scenario and period, :func:`_weight`).

    Flows of concentrate (lane + mine cost + plant opex + duty on the mine cost), other
    flows (lane + trader price + duty on the trader or reference price), stock holding, stock
    left at the end (credited at its terminal value, sign −1), unmet demand at its lost value.
    """
    flows = sol["flows"]
    lanes = d.labelled(d.table("lanes")[["origin", "destination"]])
    terms = []
    is_conc = (flows["origin"].isin(d.sites["mines"])).to_numpy()
    for conc in (True, False):
        f = flows[is_conc == conc].reset_index(drop=True)
        if f.empty:
            continue
        lane = row_in(f, lanes, ["origin", "destination"])
        unit = np.nan_to_num(d.value("lanes", "cost_usd_per_t", f["scenario"], f["period"], lane))
        if conc:
            mine_cost = _lookup(d, f, "mines", "mine", "origin", "cost_usd_per_t")
            unit = unit + mine_cost + _lookup(d, f, "plants", "plant", "destination",
                                              "opex_usd_per_t")
            unit = unit + _tariff_per_t(d, f, pd.Series([CONCENTRATE] * len(f)), mine_cost)
        else:
            from_trader = (f["origin"].isin(d.sites["traders"])).to_numpy()
            price = np.zeros(len(f))
            if from_trader.any():
                price[from_trader] = _lookup(d, f[from_trader], "traders", "trader", "origin",
                                             "price_usd_per_t")
            ref = _lookup(d, f, "elements", "element", "product", "reference_price_usd_per_t")
            customs = np.where(from_trader, price, ref)
            unit = unit + price + _tariff_per_t(d, f, f["product"], customs)
        terms.append((1.0, f, unit, f["tonnes"].to_numpy(float)))
    st = sol["stocks"]
    if len(st):
        hold = _lookup(d, st, "stockpiles", "stockpile", "stockpile", "holding_cost_usd_per_t")
        terms.append((1.0, st, hold, st["stock_t"].to_numpy(float)))
        # Stock left at the end of the last period is credited at its terminal value.
        end = (st["period"] == d.periods[-1]).to_numpy()
        if end.any():
            tv = _lookup(d, st[end], "stockpiles", "stockpile", "stockpile",
                         "terminal_value_usd_per_t")
            terms.append((-1.0, st[end], tv, st["stock_t"].to_numpy(float)[end]))
    un = sol["unmet_demand"]
    if len(un):
        voll = _lookup(d, un, "demands", "demand", "demand", "lost_value_usd_per_t")
        # A demand_quantities row may set its own lost value for its element and period.
        q = d.table("demand_quantities")
        qrow = {k: i for i, k in enumerate(zip(q["demand"], q["element"], q["period"]))}
        rows = np.array([qrow.get(k, -1) for k in zip(un["demand"], un["element"], un["period"])],
                        dtype=np.int64)
        have = rows >= 0
        own = np.full(len(un), np.nan)
        own[have] = d.value("demand_quantities", "lost_value_usd_per_t",
                            un["scenario"].to_numpy()[have], un["period"].to_numpy()[have],
                            rows[have])
        voll = np.where(np.isnan(own), voll, own)
        terms.append((1.0, un, voll, un["unmet_t"].to_numpy(float)))
    return terms
