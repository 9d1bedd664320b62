r"""Independent verification of supply contracts (hooked into :mod:`optimizer.verify`).

A second implementation of the contract rules of ``docs/instance-format.md`` (sheet
``contracts``) and :mod:`optimizer.formulation.contracts`, written without the formulation:
it reads the instance (with each scenario's changes, through the verifier's ``InstanceData``) and
the plan's tables ``contract_signings_by_scenario`` (scenario, signing period, contract) and
``contract_deliveries`` (scenario, period, contract: tonnes taken and paid for), plus the
``flows`` the verifier already reads. Per scenario *s*, period *t* and contract *c*, with
:math:`A_{s,t,c}` = 1 when *c* is fixed or signed on *s*'s path in a period ≤ *t*, and *t* in
its term (else 0):

contract_sign_once    Σ_t signed ≤ 1 per (scenario, contract); each signing a whole 0/1, in
                      the contract's decision window, and none for a fixed contract;
                      here-and-now mode: the same signings in every scenario
contract_max_take     taken ≤ max_t · A
contract_take_or_pay  paid ≥ min(min_take_t, max_t) · A (take-or-pay; lapses with max_t)
contract_pay_taken    paid ≥ taken
contract_delivery     Σ taken from a trader ≤ the trader's oxide in ``flows``
objective             Σ p_s δ_t (price_c · paid − spot price · taken) + Σ p_s v_a · fee per
                      signing (a fixed contract's fee is sunk): :func:`contract_cost`

and the trader's spot purchases are its flows less the contracted tonnes
(:func:`spot_purchases`, for ``trader_capacity``). Signings also go through the verifier's
non-anticipativity check (scenarios with the same data up to the signing period sign alike),
as ``CONTRACT_TABLE_COLUMNS`` registers the two tables with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.verify.keys import attach, per_label

CONTRACT_FAMILIES = ("contract_sign_once", "contract_max_take", "contract_take_or_pay",
                     "contract_pay_taken", "contract_delivery")
"""Families checked here, in report order (appended to the verifier's)."""

CONTRACT_TABLE_COLUMNS = {
    "contract_deliveries": (["scenario", "period", "contract"], ["taken_t", "paid_t"]),
    "contract_signings_by_scenario": (["scenario", "period", "contract"], ["signed"]),
}
"""The plan's contract tables as the verifier reads them: (keys, values)."""


def _terms(d) -> pd.DataFrame:
    """Per contract (sheet order): trader, fixed flag, term and decision window (positions)."""
    c = d.table("contracts")
    last = len(d.periods) - 1

    def pos(column, default):
        if column not in c:
            return np.full(len(c), default)
        return np.array([default if v is None or v != v else d.pidx[v] for v in c[column]])

    out = pd.DataFrame({"contract": c["contract"].astype(str), "trader": c["trader"].astype(str),
                        "fixed": (c["decision"].fillna("adaptive") == "fixed").to_numpy()
                        if "decision" in c else False,
                        "row": np.arange(len(c))})
    out["first"], out["last"] = pos("first_period", 0), pos("last_period", last)
    out["d0"] = pos("earliest_decision_period", 0)
    d1 = pos("last_decision_period", -1)
    out["d1"] = np.where(d1 < 0, out["last"], d1)
    return out


def _grid(d, terms: pd.DataFrame, sol: dict) -> pd.DataFrame:
    """(scenario, period, contract) for every contract and period, with A, taken and paid."""
    g = d.grid.merge(d.labelled(terms, ["contract", "trader"]), how="cross")
    g["t"] = per_label(g["period"], d.pidx)
    sign = sol["contract_signings_by_scenario"]
    signed = np.zeros(len(g))
    if len(sign):
        s = sign.assign(t=per_label(sign["period"], d.pidx))
        # Signed by period t on the scenario's path: the signings in periods ≤ t.
        m = g[["scenario", "contract", "t"]].reset_index().merge(
            s[["scenario", "contract", "t", "signed"]], on=["scenario", "contract"],
            suffixes=("", "_signed"))
        m = m[m["t_signed"] <= m["t"]]
        signed = m.groupby("index")["signed"].sum().reindex(range(len(g)), fill_value=0.0) \
            .to_numpy(float)
    in_term = ((g["t"] >= g["first"]) & (g["t"] <= g["last"])).to_numpy()
    g["A"] = np.where(in_term, np.where(g["fixed"].to_numpy(bool), 1.0, signed), 0.0)
    got = sol["contract_deliveries"]
    for col in ("taken_t", "paid_t"):
        g[col] = attach(g, got, ["scenario", "period", "contract"], col)
    return g


def check_contracts(d, sol: dict, rep) -> None:
    """Record the contract families' rows in the verifier's report ``rep`` (module docstring)."""
    terms = _terms(d)
    for name, family in (("contract_signings_by_scenario", "contract_sign_once"),
                         ("contract_deliveries", "contract_max_take")):
        df = sol[name]
        if len(df):  # rows naming no contract, scenario or period of the instance count in full
            unknown = ~(df["contract"].isin(terms["contract"]) & df["scenario"].isin(d.scenarios)
                        & df["period"].isin(d.periods)).to_numpy()
            value = np.abs(df[CONTRACT_TABLE_COLUMNS[name][1][0]].to_numpy(float))
            rep.add(family, df[["scenario", "period", "contract"]].assign(
                rule="a contract, scenario and period of the instance"),
                np.where(unknown, value, 0.0), 0.0, "<=", 1.0)
            sol = dict(sol, **{name: df[~unknown].reset_index(drop=True)})
    if terms.empty:
        return
    sign = sol["contract_signings_by_scenario"]
    if len(sign):
        s = sign.merge(terms, on="contract")
        t = per_label(s["period"], d.pidx)
        outside = s["fixed"].to_numpy(bool) | (t < s["d0"].to_numpy()) | (t > s["d1"].to_numpy())
        keys = s[["scenario", "period", "contract"]]
        rep.add("contract_sign_once", keys.assign(rule="in its decision window, adaptive"),
                outside.astype(float), 0.0, "<=", 1.0, "signing outside")
        rep.add("contract_sign_once", keys.assign(rule="0 or 1"), s["signed"],
                np.clip(np.round(s["signed"]), 0, 1), "==", 1.0, "signed")
        if not d.inst.adaptive_builds and len(d.scenarios) > 1:
            # Here and now: every scenario signs the same contracts in the same periods.
            n = s.groupby(["period", "contract"], as_index=False)["scenario"].nunique()
            rep.add("contract_sign_once", n[["period", "contract"]].assign(
                rule="shared by every scenario"), len(d.scenarios) - n["scenario"], 0.0, "<=",
                len(d.scenarios), "scenarios not signing")
    # At most once per scenario: a row for every (scenario, adaptive contract), signed or not.
    per = pd.DataFrame({"scenario": d.scenarios}).merge(
        terms.loc[~terms["fixed"].to_numpy(bool), ["contract"]], how="cross")
    if len(per):
        times = sign.groupby(["scenario", "contract"], as_index=False)["signed"].sum() \
            if len(sign) else pd.DataFrame(columns=["scenario", "contract", "signed"])
        n = per.merge(times, how="left", on=["scenario", "contract"])["signed"].fillna(0.0) \
            .to_numpy(float)
        rep.add("contract_sign_once", per, n, 1.0, "<=", n + 1.0, "times signed")
    g = _grid(d, terms, sol)
    keys = g[["scenario", "period", "contract"]]
    cap = np.nan_to_num(d.value("contracts", "max_t", g["scenario"], g["period"], g["row"]))
    low = np.minimum(np.nan_to_num(d.value("contracts", "min_take_t", g["scenario"],
                                           g["period"], g["row"])), cap)
    taken, paid, active = g["taken_t"].to_numpy(), g["paid_t"].to_numpy(), g["A"].to_numpy()
    rep.add("contract_max_take", keys, taken, cap * active, "<=", taken + cap, "taken")
    rep.add("contract_take_or_pay", keys, paid, low * active, ">=", paid + low, "paid")
    rep.add("contract_pay_taken", keys, paid, taken, ">=", paid + taken, "paid")
    flows = sol["flows"]
    out_of = flows[flows["origin"].isin(set(terms["trader"]))]
    shipped = out_of.groupby(["scenario", "period", "origin"], as_index=False)["tonnes"].sum() \
        .rename(columns={"origin": "trader"})
    bought = g.groupby(["scenario", "period", "trader"], as_index=False)["taken_t"].sum()
    both = bought.merge(shipped, how="left", on=["scenario", "period", "trader"]).fillna(
        {"tonnes": 0.0})
    rep.add("contract_delivery", both[["scenario", "period", "trader"]], both["taken_t"],
            both["tonnes"], "<=", both["taken_t"] + both["tonnes"], "contracted tonnes taken")


def spot_purchases(d, sol: dict, used: pd.DataFrame) -> pd.DataFrame:
    """``used`` (scenario, period, trader, used: the trader's oxide in ``flows``) less the
    contracted tonnes taken from it: what was bought on the spot offer, which is what
    ``trader_capacity`` bounds.
    """
    got = sol.get("contract_deliveries")
    if got is None or got.empty or used.empty:
        return used
    trader = dict(zip(d.table("contracts")["contract"].astype(str),
                      d.table("contracts")["trader"].astype(str), strict=True))
    taken = got.assign(trader=got["contract"].map(trader)).groupby(
        ["scenario", "period", "trader"], as_index=False)["taken_t"].sum()
    out = used.merge(taken, how="left", on=["scenario", "period", "trader"])
    out["used"] = out["used"].astype(float) - out["taken_t"].fillna(0.0)
    return out.drop(columns="taken_t")


def contract_cost(d, sol: dict) -> float:
    """Expected discounted cost of the contracts (USD), as the objective counts it.

    Σ over deliveries p_s δ_t (price_c · paid − spot price of its trader · taken) — the
    verifier's flow cost charges every tonne a trader ships at its spot price — plus
    Σ over signings p_s · fee · v(first base period of the signing period).
    """
    total = 0.0
    got = sol.get("contract_deliveries")
    table = d.table("contracts")
    if got is not None and len(got) and len(table):
        crow = d.row_of("contracts", "contract")
        trow = d.row_of("traders", "trader")
        trader = dict(zip(table["contract"].astype(str), table["trader"].astype(str),
                          strict=True))
        rows = per_label(got["contract"], crow).astype(np.int64)
        price = np.nan_to_num(d.value("contracts", "price_usd_per_t", got["scenario"],
                                      got["period"], rows))
        spot = np.nan_to_num(d.value("traders", "price_usd_per_t", got["scenario"], got["period"],
                                     per_label(got["contract"], {c: trow[t] for c, t in
                                                                 trader.items() if t in trow})
                                     .astype(np.int64)))
        weight = per_label(got["scenario"], d.prob) * per_label(got["period"], d.disc)
        total += float(np.sum(weight * (price * got["paid_t"].to_numpy(float)
                                        - spot * got["taken_t"].to_numpy(float))))
    sign = sol.get("contract_signings_by_scenario")
    if sign is not None and len(sign) and len(table):
        rows = per_label(sign["contract"], d.row_of("contracts", "contract")).astype(np.int64)
        fee = np.nan_to_num(d.value("contracts", "fee_usd", sign["scenario"], sign["period"],
                                    rows))
        v = d.inst.slot_discount()
        at = np.array([v[d.start[p]] for p in sign["period"]], dtype=float)
        total += float(np.sum(per_label(sign["scenario"], d.prob) * fee * at
                              * sign["signed"].to_numpy(float)))
    return total
