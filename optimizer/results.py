"""Solver outcome + index frames → tidy result tables (pandas), with units in column names.

Node-level values are expanded to scenarios here: a decision taken in a tree node is reported
once for every scenario that passes through it, so each scenario reads as a complete plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation import CONSTRAINT_FAMILIES
from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import DECISION_VARS
from optimizer.solve import SolveOutcome

TOL = 1e-7
"""Values below this (tonnes, counts) are printed as zero: solver round-off, not decisions."""


def _scenario_rows(md: ModelData, frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat each node-level row once per scenario of its node; add period and scenario.

    Rows keep their order, each repeated in its node's scenario order (as an inner merge with
    the (node, scenario) pairs would give them), without the merge's hashing.
    """
    per_node = {n.id: n.scenarios for n in md.nodes}
    node = frame["node"].to_numpy()
    counts = np.array([len(per_node.get(n, ())) for n in node.tolist()], dtype=np.intp)
    out = frame.take(np.repeat(np.arange(len(frame)), counts)).reset_index(drop=True)
    out["scenario"] = pd.Series([s for n in node.tolist() for s in per_node.get(n, ())],
                                index=out.index, dtype=str)
    out["period"] = np.array(md.inst.periods, dtype=object)[md.node_period[out["node"].to_numpy()]]
    return out


def _clean(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float).copy()
    x[np.abs(x) < TOL] = 0.0
    return x


def _revealed_in(md: ModelData, node: int) -> str | None:
    """Period in which a contingent decision node's branch split off (its scenarios became
    known); None for a decision every scenario shares."""
    if node < 0 or _decided_in(md, node) == "all":
        return None
    n = md.nodes[node]
    while n.parent is not None and md.nodes[n.parent].scenarios == n.scenarios:
        n = md.nodes[n.parent]
    return md.inst.periods[n.period]


def _decided_in(md: ModelData, node: int) -> str:
    """Who shares a build decision: 'all' (every scenario) or its node's scenarios."""
    if node < 0 or len(md.nodes[node].scenarios) == len(md.inst.scenarios):
        return "all"
    return md.nodes[node].label


def builds_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Build decisions: what, where, decided when and by which scenarios, online when, cost.

    One row per decision (module, tree node). ``decided_in`` is ``all`` for a decision every
    scenario shares (here and now), else the scenarios of its node, which are the only ones
    that build it (``contingent``), known from ``revealed_period`` on (when their branch of the
    tree split off). ``capex_usd`` is undiscounted; ``capex_in_horizon_usd``
    the discounted capex charged inside the horizon if the node is reached (its timing:
    ``capex_timing``); ``expected_capex_usd`` that × the node's ``probability``.
    """
    ix = md.var_ix["modules_built"].copy()
    cols = ["module", "site", "country", "decision_period", "decided_in", "revealed_period",
            "probability", "contingent", "online_period", "count", "capacity_added_t", "capex_usd",
            "capex_timing", "capex_in_horizon_usd", "expected_capex_usd",
            "fixed_om_usd_per_period"]
    if ix.empty:
        return pd.DataFrame(columns=cols)
    ix["count"] = np.round(out.values["modules_built"]).astype(int)
    ix["charged"] = ix["count"] * md.unit_costs["modules_built"]["capex"]
    ix = ix[ix["count"] > 0].merge(md.modules.drop(columns=["excel_row"], errors="ignore"),
                                   on="module", suffixes=("", "_module"))
    country = md.inst.site_country()
    decided_in = [_decided_in(md, int(n)) for n in ix["node"]]
    return pd.DataFrame({
        "module": ix["module"], "site": ix["site"], "country": ix["site"].map(country),
        "decision_period": ix["decision_period"], "decided_in": decided_in,
        "revealed_period": [_revealed_in(md, int(n)) for n in ix["node"]],
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


def builds_by_scenario_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every build decision repeated for each scenario that takes it (the verifier's view)."""
    ix = md.var_ix["modules_built"].copy()
    cols = ["scenario", "module", "decision_period", "online_period", "count"]
    if ix.empty:
        return pd.DataFrame(columns=cols)
    ix["count"] = np.round(out.values["modules_built"]).astype(int)
    ix = ix[ix["count"] > 0]
    names = [sc.name for sc in md.inst.scenarios]
    rows = [(s, mod, dp, op, c)
            for mod, dp, op, c, n in zip(ix["module"], ix["decision_period"], ix["period"],
                                         ix["count"], ix["node"])
            for s in (names if n < 0 else md.nodes[int(n)].scenarios)]
    return pd.DataFrame(rows, columns=cols)


def candidates_table(md: ModelData) -> pd.DataFrame:
    """Every candidate module with its capex per tonne of capacity: the investment signal to
    set against capacity shadow prices (built or not)."""
    mods = md.modules
    cols = ["module", "site", "country", "capacity_t", "capex_usd", "capex_usd_per_t",
            "fixed_om_usd", "earliest_decision_period", "lead_time_years", "earliest_period",
            "max_count", "lifetime_periods", "capex_timing"]
    if mods.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({
        "module": mods["module"], "site": mods["site"],
        "country": mods["site"].map(md.inst.site_country()),
        "capacity_t": mods["capacity_t"].astype(float), "capex_usd": mods["capex_usd"].astype(float),
        "fixed_om_usd": mods["fixed_om_usd"].fillna(0).astype(float),
        "earliest_decision_period": mods["earliest_decision_period"].fillna(md.inst.periods[0]),
        "lead_time_years": mods["lead_time_years"].fillna(0.0).astype(float),
        "earliest_period": mods["earliest_period"].fillna(md.inst.periods[0]),
        "max_count": mods["max_count"], "lifetime_periods": mods["lifetime_periods"],
        "capex_timing": mods["capex_timing"].fillna("spread")})
    cap = out["capacity_t"].where(out["capacity_t"] > 0)
    out["capex_usd_per_t"] = out["capex_usd"] / cap
    return out[cols]


def flows_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every positive flow per scenario and period, with provenance and its cost (USD)."""
    parts = []
    conc = md.var_ix["ship_concentrate_t"]
    x = _clean(out.values["ship_concentrate_t"])
    unit = sum(md.unit_costs["ship_concentrate_t"].values()) if len(conc) else np.zeros(0)
    parts.append(pd.DataFrame({
        "node": conc["node"], "product": "concentrate", "origin": conc["mine"],
        "destination": conc["plant"], "mined_in": conc["mined_country"],
        "processed_in": conc["processed_country"], "tonnes": x, "unit_cost_usd_per_t": unit}))
    ox = md.var_ix["ship_oxide_t"]
    y = _clean(out.values["ship_oxide_t"])
    unit = sum(md.unit_costs["ship_oxide_t"].values()) if len(ox) else np.zeros(0)
    parts.append(pd.DataFrame({
        "node": ox["node"], "product": ox["element"], "origin": ox["origin"],
        "destination": ox["destination"], "mined_in": ox["mined_country"],
        "processed_in": ox["processed_country"], "tonnes": y, "unit_cost_usd_per_t": unit}))
    flows = pd.concat(parts, ignore_index=True)
    flows = flows[flows["tonnes"] > 0]
    flows["cost_usd"] = flows["tonnes"] * flows["unit_cost_usd_per_t"]
    flows = _scenario_rows(md, flows)
    cols = ["scenario", "period", "product", "origin", "destination", "mined_in", "processed_in",
            "tonnes", "unit_cost_usd_per_t", "cost_usd"]
    return flows[cols].rename(columns={"tonnes": "tonnes"}).reset_index(drop=True)


def unmet_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Demand and unmet demand per scenario, period, demand node and element (tonnes)."""
    con = md.con_ix["demand_balance"][["node", "demand", "element", "rhs"]].copy()
    un = md.var_ix["unmet_demand_t"].copy()
    un["unmet_t"] = _clean(out.values["unmet_demand_t"])
    con = con.merge(un[["node", "demand", "element", "unmet_t"]], how="left",
                    on=["node", "demand", "element"]).fillna({"unmet_t": 0.0})
    con = con.rename(columns={"rhs": "demand_t"})
    con = con.merge(md.demands[["demand", "end_use", "country"]], on="demand")
    con = _scenario_rows(md, con)
    return con[["scenario", "period", "demand", "end_use", "country", "element", "demand_t",
                "unmet_t"]].reset_index(drop=True)


def stocks_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """End-of-period stock per scenario, stockpile and provenance (tonnes)."""
    ix = md.var_ix["stock_t"].copy()
    ix["stock_t"] = _clean(out.values["stock_t"])
    ix = _scenario_rows(md, ix)
    return ix[["scenario", "period", "stockpile", "element", "mined_country", "processed_country",
               "stock_t"]].reset_index(drop=True)


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
    sign = md.var_ix["contract_signed"].copy()
    sign["signed"] = np.round(out.values["contract_signed"]).astype(int) if len(sign) else 0
    sign["fee"] = md.unit_costs["contract_signed"]["contract_fees"] if len(sign) else 0.0
    sign = sign[sign["signed"] > 0]
    deliveries = md.var_ix["contract_taken_t"].copy()
    deliveries["taken"] = _clean(out.values["contract_taken_t"])
    deliveries["paid"] = _clean(out.values["contract_paid_t"])
    deliveries["w"] = md.node_weight[deliveries["node"].to_numpy()]
    deliveries["prob"] = [md.nodes[n].probability for n in deliveries["node"]]
    deliveries["cost"] = deliveries["w"] * md.unit_costs["contract_paid_t"]["contract_purchases"] \
        * deliveries["paid"] if len(deliveries) else 0.0
    anc = md.ancestor_pairs()
    table = md.inst.table("contracts").reset_index(drop=True)
    traders = md.traders.set_index("trader")
    rows = []

    def add(c, decision, period, node, prob, signed, fee_cost, mine):
        d = deliveries[mine]
        trader = win["trader"].iat[c]
        decided_in = _decided_in(md, node) if node >= 0 else "all"
        rows.append({
            "contract": win["contract"].iat[c], "trader": trader,
            "country": traders.at[trader, "country"], "element": traders.at[trader, "element"],
            "decision": decision, "decision_period": period, "decided_in": decided_in,
            "revealed_period": _revealed_in(md, node), "probability": prob,
            "contingent": decided_in != "all", "signed": signed,
            "fee_usd": float(np.nan_to_num(float(table["fee_usd"].iat[c] or 0.0))),
            "price_usd_per_t": float(table["price_usd_per_t"].iat[c]),
            "min_take_t": float(np.nan_to_num(float(table["min_take_t"].iat[c] or 0.0))),
            "max_t": float(table["max_t"].iat[c]),
            "first_period": md.inst.periods[int(win["first"].iat[c])],
            "last_period": md.inst.periods[int(win["last"].iat[c])],
            "expected_taken_t": float((d["prob"] * d["taken"]).sum()),
            "expected_paid_t": float((d["prob"] * d["paid"]).sum()),
            "expected_cost_usd": fee_cost + float(d["cost"].sum())})

    for c in np.flatnonzero(win["fixed"].to_numpy(bool)):
        add(c, "fixed", md.inst.periods[int(win["first"].iat[c])], -1, 1.0, 1, 0.0,
            (deliveries["contract_row"] == c).to_numpy())
    for r in sign.itertuples():
        if r.node >= 0:
            below = set(anc.loc[anc["ancestor"] == r.node, "node"])
            mine = deliveries["node"].isin(below).to_numpy()
        else:  # here and now: in force from its signing period, in every scenario
            mine = (md.node_period[deliveries["node"].to_numpy()] >= r.decision_pos)
        mine = mine & (deliveries["contract_row"] == r.contract_row).to_numpy()
        add(r.contract_row, "adaptive", r.decision_period, int(r.node), float(r.probability),
            1, float(r.probability * r.fee), mine)
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(rows, columns=cols).sort_values(
        ["decision_period", "contingent", "contract"], kind="stable").reset_index(drop=True)


def contract_deliveries_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Per scenario, period and contract in its term: tonnes taken and paid for (the verifier's
    view; take-or-pay: paid ≥ taken) and the contracted price."""
    cols = ["scenario", "period", "contract", "trader", "taken_t", "paid_t", "price_usd_per_t"]
    ix = md.var_ix.get("contract_taken_t")
    if ix is None or ix.empty:
        return pd.DataFrame(columns=cols)
    ix = ix.copy()
    ix["taken_t"] = _clean(out.values["contract_taken_t"])
    ix["paid_t"] = _clean(out.values["contract_paid_t"])
    ix["price_usd_per_t"] = md.unit_costs["contract_paid_t"]["contract_purchases"]
    return _scenario_rows(md, ix)[cols].reset_index(drop=True)


def contract_signings_by_scenario(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every signing repeated for each scenario that takes it (the verifier's view); ``period``
    is the period it is signed in."""
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


def cost_breakdown(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Expected discounted cost by component (USD); the rows sum to the risk-neutral objective
    (with ``risk_weight`` > 0, to E[cost] of the ``risk`` table)."""
    rows = []
    for var, parts in md.unit_costs.items():
        x = out.values[var]
        w = md.var_ix[var]["probability"].to_numpy(float) if var in DECISION_VARS else \
            md.node_weight[md.var_ix[var]["node"].to_numpy()]
        for comp, unit in parts.items():
            rows.append((comp, float(np.sum(w * unit * x))))
    df = pd.DataFrame(rows, columns=["component", "expected_usd"])
    order = ["capex", "fixed_om", "mining", "processing", "transport", "tariffs", "purchases",
             "contract_fees", "contract_purchases", "holding", "terminal_value", "penalty"]
    df = df.groupby("component", as_index=False)["expected_usd"].sum()
    df["order"] = df["component"].map({c: i for i, c in enumerate(order)})
    return df.sort_values("order").drop(columns="order").reset_index(drop=True)


def scenario_costs(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Discounted cost of the plan in each scenario if it happens (USD), and its unmet demand."""
    disc = np.asarray(md.inst.discount_factors, dtype=float)
    node_cost = np.zeros(md.n_nodes)
    for var, parts in md.unit_costs.items():
        if var in DECISION_VARS or not parts:
            continue
        nodes = md.var_ix[var]["node"].to_numpy()
        unit = sum(parts.values())
        np.add.at(node_cost, nodes, unit * out.values[var] * disc[md.node_period[nodes]])
    # Builds and contract signings: their full discounted cost on every path through the node
    # deciding them (every path when decided here and now, node −1).
    shared = 0.0
    node_build = np.zeros(md.n_nodes)
    for var in DECISION_VARS:
        decided = md.var_ix[var]
        if not len(decided) or not md.unit_costs.get(var):
            continue
        cost = sum(u for u in md.unit_costs[var].values()) * out.values[var]
        node = decided["node"].to_numpy()
        shared += float(np.sum(cost[node < 0]))
        np.add.at(node_build, node[node >= 0], cost[node >= 0])
    un = md.var_ix["unmet_demand_t"]
    node_unmet = np.zeros(md.n_nodes)
    np.add.at(node_unmet, un["node"].to_numpy(), out.values["unmet_demand_t"])
    rows = []
    for sc in md.inst.scenarios:
        nodes = [n.id for n in md.nodes if sc.name in n.scenarios]
        # Builds count in full on every path through their node: the cost if it happens.
        rows.append((sc.name, sc.probability,
                     shared + node_build[nodes].sum() + node_cost[nodes].sum(),
                     float(_clean(node_unmet[nodes]).sum())))
    return pd.DataFrame(rows, columns=["scenario", "probability", "cost_usd", "unmet_t"])


def supply_mix(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Share of each country in what each end use received of each element, over the horizon.

    One row per (scenario, element, end use, basis, country) with tonnes and share, plus the
    Herfindahl–Hirschman index (HHI = Σ share² × 10,000) of that (scenario, element, end use,
    basis); 10,000 means a single supplier.
    """
    ox = md.var_ix["ship_oxide_t"]
    into = ox["destination_kind"].to_numpy() == "demands"
    f = pd.DataFrame({"node": ox["node"][into], "demand": ox["destination"][into],
                      "element": ox["element"][into], "mined": ox["mined_country"][into],
                      "processed": ox["processed_country"][into],
                      "tonnes": _clean(out.values["ship_oxide_t"][into])})
    f = f[f["tonnes"] > 0]
    f["end_use"] = f["demand"].map(dict(zip(md.demands["demand"], md.demands["end_use"])))
    f = _scenario_rows(md, f)
    rows = []
    for basis in ("mined", "processed"):
        g = f.groupby(["scenario", "element", "end_use", basis], as_index=False)["tonnes"].sum()
        g = g.rename(columns={basis: "country"})
        g.insert(3, "basis", basis)
        rows.append(g)
    mix = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if mix.empty:
        return pd.DataFrame(columns=["scenario", "element", "end_use", "basis", "country", "tonnes",
                                     "share", "hhi"])
    keys = ["scenario", "element", "end_use", "basis"]
    mix["share"] = mix["tonnes"] / mix.groupby(keys)["tonnes"].transform("sum")
    mix["hhi"] = _group_hhi(mix["share"].to_numpy(float), mix.groupby(keys).indices.values())
    return mix.sort_values(keys + ["share"], ascending=[True] * 4 + [False]).reset_index(drop=True)


def _group_hhi(share: np.ndarray, groups) -> np.ndarray:
    """Σ share² × 10,000 of each group, on every row of it (``groups``: row positions).

    Each group's sum runs over its rows in order, as ``Series.sum`` does, so the figures are
    the same to the last bit as a per-group pandas transform, without its per-group overhead.
    """
    hhi = np.empty(len(share))
    for rows in groups:
        hhi[rows] = float((share[rows] ** 2).sum() * 10_000)
    return hhi


def shadow_prices(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """One table per constraint family: index, dual, slack, binding flag and RHS range.

    ``shadow_price`` is the change of the expected discounted objective (USD) per unit increase
    of the right-hand side; ``conditional_price`` divides by the node's probability × discount
    factor: the undiscounted price if that node's scenarios happen.
    """
    periods = np.array(md.inst.periods, dtype=object)
    labels = np.array([n.label for n in md.nodes] or [""], dtype=object)
    tables = {}
    for fam in CONSTRAINT_FAMILIES:
        ix = md.con_ix.get(fam)
        if ix is None or ix.empty:
            continue
        tables[fam] = _family_prices(md, out, fam, ix, periods, labels)
    return tables


def _family_prices(md, out, fam, ix, periods, labels) -> pd.DataFrame:
    """``shadow_prices``' table of one family, its columns computed as arrays and assembled
    into one frame at the end (one pandas insert per column was most of its time).

    slack = activity − rhs for ``>=`` rows, rhs − activity for ``<=``, 0 for ``==``;
    binding: |slack| ≤ 1e-6, and every ``==`` row.
    """
    n = len(ix)
    dual = out.duals.get(fam, np.full(n, np.nan)) if out.duals else np.full(n, np.nan)
    act = out.activity.get(fam, np.zeros(n))
    sense = ix["sense"].to_numpy(object)
    rhs = ix["rhs"]
    equal = sense == "=="
    slack = _clean(np.where(sense == ">=", act - rhs, rhs - act))
    slack = np.where(equal, 0.0, slack)
    price = _clean(dual)
    cols = {c: ix[c] for c in ix.columns}
    cols["activity"] = act
    cols["slack"] = slack
    cols["shadow_price"] = price
    if "node" in ix.columns:
        node = ix["node"].to_numpy()
        if "period" in cols:  # an export quota row's own period ('*' = every period)
            cols = {("rule_period" if c == "period" else c): v for c, v in cols.items()}
        w = md.node_weight[node]
        cols["conditional_price"] = np.where(w > 0, price / np.where(w > 0, w, 1), 0)
        first, *rest = cols
        cols = {first: cols[first], "period": periods[md.node_period[node]],
                "scenarios": labels[node].tolist()} | {c: cols[c] for c in rest}
    cols["binding"] = (np.abs(slack) <= 1e-6) | equal
    if out.rhs_range.get(fam) is not None:
        lo, hi = out.rhs_range[fam]
        cols["rhs_range_low"] = lo
        cols["rhs_range_high"] = hi
    return pd.DataFrame(cols).reset_index(drop=True)


def solution_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """The plan's tables by name: builds, flows, stocks, costs, risk profile, supply mix (no
    shadow prices)."""
    from optimizer.risk_measures import risk_table

    costs = scenario_costs(md, out)
    return {
        "builds": builds_table(md, out),
        "builds_by_scenario": builds_by_scenario_table(md, out),
        "candidates": candidates_table(md),
        "cost_breakdown": cost_breakdown(md, out),
        "scenario_costs": costs,
        "risk": risk_table(md, out, costs),
        "flows": flows_table(md, out),
        "unmet_demand": unmet_table(md, out),
        "stocks": stocks_table(md, out),
        "supply_mix": supply_mix(md, out),
    } | contract_tables(md, out)


def contract_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """``contracts``, ``contract_deliveries`` and ``contract_signings_by_scenario``; none for an
    instance without a contracts sheet (its outputs stay as they were)."""
    if getattr(md, "contract_windows", None) is None or md.contract_windows.empty:
        return {}
    return {"contracts": contracts_table(md, out),
            "contract_deliveries": contract_deliveries_table(md, out),
            "contract_signings_by_scenario": contract_signings_by_scenario(md, out)}


def dual_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """The shadow-price tables, named ``dual_<family>`` (sheet names in results.xlsx)."""
    return {f"dual_{fam}": df for fam, df in shadow_prices(md, out).items()}


def all_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """Every result table by name (the names are sheet names in results.xlsx)."""
    return solution_tables(md, out) | dual_tables(md, out)
