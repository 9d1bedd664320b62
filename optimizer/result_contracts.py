"""Result tables of supply contracts: signings, deliveries, and signings per scenario.

Part of the result tables (:func:`optimizer.results.solution_tables`); an instance without a
``contracts`` sheet gets none of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.result_rows import (
    clean,
    decision_scope,
    expanded_keys,
    revealed_period,
    with_columns,
)
from optimizer.solve import SolveOutcome


def contracts_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Contracts: every signing decision taken and every fixed contract, with what it delivers.

    One row per (contract, signing node) signed, and one per fixed contract (``decision``
    fixed, ``decided_in`` all, its fee sunk: not in the plan's cost). ``decided_in``,
    ``revealed_period``, ``probability`` and ``contingent`` read as in the ``builds`` table.
    Over the nodes where this signing is in force: ``expected_taken_t`` and
    ``expected_paid_t`` (Σ π_n × tonnes; paid ≥ taken: take-or-pay) and ``expected_cost_usd``
    (discounted, probability-weighted: the fee if signed in a node, plus the contracted price
    on the tonnes paid for). ``fee_usd``, ``price_usd_per_t``, ``min_take_t`` and ``max_t``
    (per base period) and the term ``first_period``–``last_period`` are the sheet's. Unsigned
    offers are not listed.
    """
    cols = ["contract", "trader", "country", "element", "decision", "decision_period",
            "decided_in", "revealed_period", "probability", "contingent", "signed", "fee_usd",
            "price_usd_per_t", "min_take_t", "max_t", "first_period", "last_period",
            "expected_taken_t", "expected_paid_t", "expected_cost_usd"]
    win = getattr(md, "contract_windows", None)
    if win is None or win.empty:
        return pd.DataFrame(columns=cols)
    # Columns as arrays (a frame per delivery set cost more than the sums themselves).
    sign = md.var_ix["contract_signed"]
    signed = np.round(out.values["contract_signed"]).astype(int) if len(sign) else \
        np.zeros(0, dtype=int)
    fee = md.unit_costs["contract_signed"]["contract_fees"] if len(sign) else np.zeros(0)
    deliveries = md.var_ix["contract_taken_t"]
    node = deliveries["node"].to_numpy()
    contract_row = deliveries["contract_row"].to_numpy()
    taken = clean(out.values["contract_taken_t"])
    paid = clean(out.values["contract_paid_t"])
    prob = np.array([md.nodes[n].probability for n in node.tolist()], dtype=float)
    cost = md.node_weight[node] * md.unit_costs["contract_paid_t"]["contract_purchases"] \
        * paid if len(deliveries) else np.zeros(0)
    anc = md.ancestor_pairs()
    anc_node, anc_of = anc["node"].to_numpy(), anc["ancestor"].to_numpy()
    table = md.inst.table("contracts")
    country = dict(zip(md.traders["trader"], md.traders["country"], strict=True))
    element = dict(zip(md.traders["trader"], md.traders["element"], strict=True))
    # The cells a row reads, as lists (cell by cell, .iat took most of this table's time).
    w = {c: win[c].tolist() for c in ("trader", "contract", "first", "last")}
    t = {c: table[c].tolist() for c in ("fee_usd", "price_usd_per_t", "min_take_t", "max_t")}
    rows = []

    def add(c, decision, period, node, prob_signed, signed, fee_cost, mine):
        trader = w["trader"][c]
        decided_in = decision_scope(md, node) if node >= 0 else "all"
        rows.append({
            "contract": w["contract"][c], "trader": trader,
            "country": country[trader], "element": element[trader],
            "decision": decision, "decision_period": period, "decided_in": decided_in,
            "revealed_period": revealed_period(md, node), "probability": prob_signed,
            "contingent": decided_in != "all", "signed": signed,
            "fee_usd": float(np.nan_to_num(float(t["fee_usd"][c] or 0.0))),
            "price_usd_per_t": float(t["price_usd_per_t"][c]),
            "min_take_t": float(np.nan_to_num(float(t["min_take_t"][c] or 0.0))),
            "max_t": float(t["max_t"][c]),
            "first_period": md.inst.periods[int(w["first"][c])],
            "last_period": md.inst.periods[int(w["last"][c])],
            "expected_taken_t": float((prob[mine] * taken[mine]).sum()),
            "expected_paid_t": float((prob[mine] * paid[mine]).sum()),
            "expected_cost_usd": fee_cost + float(cost[mine].sum())})

    for c in np.flatnonzero(win["fixed"].to_numpy(bool)):
        add(c, "fixed", md.inst.periods[int(win["first"].iat[c])], -1, 1.0, 1, 0.0,
            contract_row == c)
    for k in np.flatnonzero(signed > 0):
        at = int(sign["node"].iat[k])
        if at >= 0:
            mine = np.isin(node, anc_node[anc_of == at])
        else:  # here and now: in force from its signing period, in every scenario
            mine = md.node_period[node] >= sign["decision_pos"].iat[k]
        c = sign["contract_row"].iat[k]
        p_signed = sign["probability"].iat[k]
        add(c, "adaptive", sign["decision_period"].iat[k], at, float(p_signed), 1,
            float(p_signed * fee[k]), mine & (contract_row == c))
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(rows, columns=cols).sort_values(
        ["decision_period", "contingent", "contract"], kind="stable").reset_index(drop=True)


def contract_deliveries_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Per scenario, period and contract in its term: tonnes taken and paid for (the verifier's
    view; take-or-pay: paid ≥ taken) and the contracted price.
    """
    cols = ["scenario", "period", "contract", "trader", "taken_t", "paid_t", "price_usd_per_t"]
    ix = md.var_ix.get("contract_taken_t")
    if ix is None or ix.empty:
        return pd.DataFrame(columns=cols)
    # The key columns per scenario once per index frame (expanded_keys), the run's beside.
    keys, source = expanded_keys(md, "contract_delivery_keys", ix, cols[:4])
    price = np.broadcast_to(md.unit_costs["contract_paid_t"]["contract_purchases"], len(ix))
    return with_columns(keys, {"taken_t": clean(out.values["contract_taken_t"])[source],
                               "paid_t": clean(out.values["contract_paid_t"])[source],
                               "price_usd_per_t": np.array(price, dtype=float)[source]})


def contract_signings_by_scenario(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every signing repeated for each scenario that takes it (the verifier's view); ``period``
    is the period it is signed in.
    """
    cols = ["scenario", "period", "contract", "signed"]
    ix = md.var_ix.get("contract_signed")
    if ix is None or ix.empty:
        return pd.DataFrame(columns=cols)
    signed = np.round(out.values["contract_signed"]).astype(int)
    names = [sc.name for sc in md.inst.scenarios]
    rows = [(s, p, c, 1) for c, p, n, y in zip(ix["contract"], ix["decision_period"], ix["node"],
                                                 signed) if y > 0
            for s in (names if n < 0 else md.nodes[int(n)].scenarios)]
    return pd.DataFrame(rows, columns=cols)


def contract_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """``contracts``, ``contract_deliveries`` and ``contract_signings_by_scenario``; none for an
    instance without a contracts sheet (its outputs stay as they were).
    """
    if getattr(md, "contract_windows", None) is None or md.contract_windows.empty:
        return {}
    return {"contracts": contracts_table(md, out),
            "contract_deliveries": contract_deliveries_table(md, out),
            "contract_signings_by_scenario": contract_signings_by_scenario(md, out)}

