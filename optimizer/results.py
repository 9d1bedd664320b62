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


def table_cache(md: ModelData) -> dict:
    """The cache of what the result tables derive from the index frames and the scenario tree
    alone (see :func:`_memo`), created on ``md`` on first use.

    A live batch model (:class:`optimizer.live.LiveModel`) creates it on its base model data
    before its first run: each run's model data is a shallow copy of the base, so every run
    shares it, and the index work is done once per live model instead of once per run.
    """
    return md.__dict__.setdefault("table_cache", {})


def _tree_key(md: ModelData) -> tuple:
    """What of the scenario tree the cached parts read: the periods, each node's period, and
    each node's scenarios and label."""
    memo = md.__dict__.get("_tree_key")
    if memo is None or memo[0] is not md.nodes or memo[1] is not md.node_period:
        key = (tuple(md.inst.periods), tuple(np.asarray(md.node_period).tolist()),
               tuple((n.scenarios, n.label) for n in md.nodes))
        memo = (md.nodes, md.node_period, key)
        md.__dict__["_tree_key"] = memo
    return memo[2]


def _memo(md: ModelData, name: str, sources: tuple, build):
    """``build()``, reused while the objects in ``sources`` (compared by identity: index frames
    are never changed in place, a run that changes one gets a new frame) and the scenario tree
    (compared by value) are those it was built from."""
    cache, tree = table_cache(md), _tree_key(md)
    hit = cache.get(name)
    if hit is not None and hit[1] == tree and len(hit[0]) == len(sources) \
            and all(a is b for a, b in zip(hit[0], sources, strict=True)):
        return hit[2]
    value = build()
    cache[name] = (sources, tree, value)
    return value


def _node_scenarios(md: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node: its number of scenarios and where its scenarios start in the flat array of
    every node's scenarios (the third item), in node order."""
    def build():
        counts = np.array([len(n.scenarios) for n in md.nodes], dtype=np.intp)
        flat = np.array([s for n in md.nodes for s in n.scenarios], dtype=object)
        return counts, np.cumsum(counts) - counts, flat
    return _memo(md, "node_scenarios", (), build)


def _expansion(md: ModelData, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows at tree nodes ``node``: the row each scenario row repeats, and its scenario.

    Row k is repeated once per scenario of its node, in the node's scenario order:
    source = repeat(k, count_k); scenario = the node's scenarios in turn. A row whose node is
    not in the tree (−1) has none.
    """
    counts, start, flat = _node_scenarios(md)
    node = np.asarray(node, dtype=np.intp)
    in_tree = (node >= 0) & (node < len(counts))  # a row of no node of the tree is dropped
    at = np.where(in_tree, node, 0)
    k = np.where(in_tree, counts[at] if len(counts) else 0, 0)
    source = np.repeat(np.arange(len(node)), k)
    offset = np.arange(len(source)) - np.repeat(np.cumsum(k) - k, k)
    return source, flat[np.repeat(start[at] if len(counts) else at, k) + offset]


def _scenario_rows(md: ModelData, frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat each node-level row once per scenario of its node; add period and scenario.

    Rows keep their order, each repeated in its node's scenario order (as an inner merge with
    the (node, scenario) pairs would give them), without the merge's hashing.
    """
    source, scenario = _expansion(md, frame["node"].to_numpy())
    out = frame.take(source).reset_index(drop=True)
    out["scenario"] = pd.Series(scenario, index=out.index, dtype=str)
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
    decisions = md.var_ix["modules_built"]
    cols = ["module", "site", "country", "decision_period", "decided_in", "revealed_period",
            "probability", "contingent", "online_period", "count", "capacity_added_t", "capex_usd",
            "capex_timing", "capex_in_horizon_usd", "expected_capex_usd",
            "fixed_om_usd_per_period"]
    if decisions.empty:
        return pd.DataFrame(columns=cols)
    count = np.round(out.values["modules_built"]).astype(int)
    charged = count * md.unit_costs["modules_built"]["capex"]
    built = np.flatnonzero(count > 0)
    ix = _with_modules(md, decisions, built)
    ix["count"] = count[built]
    ix["charged"] = charged[built]
    country = _site_country(md)
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


def _with_modules(md: ModelData, decisions: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rows ``rows`` of the build decisions, each with its module's columns (a clash of names
    suffixed ``_module``), as an inner merge of those rows with the modules sheet gives them.

    Every decision is of a module of the sheet, once: the merge of all of them, done once per
    pair of frames (:func:`_memo`), holds decision k at row k, and a run takes its rows.
    """
    def merge(frame):
        return frame.merge(md.modules.drop(columns=["excel_row"], errors="ignore"),
                           on="module", suffixes=("", "_module"))

    every = _memo(md, "builds_with_modules", (decisions, md.modules), lambda: merge(decisions))
    if len(rows) and len(every) == len(decisions):
        return every.take(rows).reset_index(drop=True)
    return merge(decisions.take(rows))  # nothing built (the merge gives an empty frame's types)


_SITE_SHEETS = ("mines", "plants", "traders", "stockpiles", "demands")
"""The sheets ``Instance.site_country`` reads."""


def _site_country(md: ModelData) -> dict[str, str]:
    """``md.inst.site_country()``, once per set of site sheets (overrides copy a sheet they
    change, so an unchanged sheet is the same frame run after run)."""
    return _memo(md, "site_country", tuple(md.inst.table(s) for s in _SITE_SHEETS),
                 md.inst.site_country)


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
    set against capacity shadow prices (built or not).

    It reads only the modules sheet: built once per modules frame (a live model's runs share
    it until a run overrides that sheet; pandas' copy-on-write keeps the shared frame intact).
    """
    # A new frame object each time (sharing the data until written to): a caller adding a
    # column must not add it to the cached one.
    return _memo(md, "candidates", (md.modules,), lambda: _candidates(md)).copy(deep=False)


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
    """Every positive flow per scenario and period, with provenance and its cost (USD):
    cost_usd = tonnes × unit_cost_usd_per_t.

    The flow columns of both products, one after the other, are built once per pair of index
    frames (:func:`_memo`); a run takes the rows of its positive flows, repeated per scenario.
    """
    conc, ox = md.var_ix["ship_concentrate_t"], md.var_ix["ship_oxide_t"]
    unit = [sum(md.unit_costs[v].values()) if len(ix) else np.zeros(0)
            for v, ix in (("ship_concentrate_t", conc), ("ship_oxide_t", ox))]
    if any(np.shape(u) != (len(ix),) for u, ix in zip(unit, (conc, ox), strict=True)):
        unit = [np.broadcast_to(np.asarray(u, dtype=float), (len(ix),))
                for u, ix in zip(unit, (conc, ox), strict=True)]  # no cost terms: 0
    keys = _memo(md, "flow_keys", (conc, ox), lambda: _flow_keys(conc, ox))
    tonnes = np.concatenate([_clean(out.values["ship_concentrate_t"]),
                             _clean(out.values["ship_oxide_t"])])
    unit = np.concatenate(unit).astype(float)
    rows = np.flatnonzero(tonnes > 0)
    node = keys["node"].to_numpy()[rows]
    source, scenario = _expansion(md, node)
    take = rows[source]
    flows = keys.take(take).reset_index(drop=True)
    flows.pop("node")
    flows.insert(0, "scenario", pd.Series(scenario, index=flows.index, dtype=str))
    flows.insert(1, "period", np.array(md.inst.periods, dtype=object)[md.node_period[node[source]]])
    flows["tonnes"] = tonnes[take]
    flows["unit_cost_usd_per_t"] = unit[take]
    flows["cost_usd"] = (tonnes[rows] * unit[rows])[source]
    return flows


def _flow_keys(conc: pd.DataFrame, ox: pd.DataFrame) -> pd.DataFrame:
    """Node and provenance of every flow variable: concentrate lanes, then oxide arcs."""
    return pd.concat([
        pd.DataFrame({"node": conc["node"], "product": "concentrate", "origin": conc["mine"],
                      "destination": conc["plant"], "mined_in": conc["mined_country"],
                      "processed_in": conc["processed_country"]}),
        pd.DataFrame({"node": ox["node"], "product": ox["element"], "origin": ox["origin"],
                      "destination": ox["destination"], "mined_in": ox["mined_country"],
                      "processed_in": ox["processed_country"]})], ignore_index=True)


def unmet_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Demand and unmet demand per scenario, period, demand node and element (tonnes)."""
    balance, un = md.con_ix["demand_balance"], md.var_ix["unmet_demand_t"]
    keys, unmet_col = _memo(md, "unmet_keys", (balance, un, md.demands),
                            lambda: _unmet_keys(md, balance, un))
    unmet = _clean(out.values["unmet_demand_t"])
    table = keys.copy(deep=False)
    table["unmet_t"] = np.where(unmet_col >= 0, unmet[np.maximum(unmet_col, 0)], 0.0) \
        if len(unmet) else np.zeros(len(keys))
    return table


def _unmet_keys(md: ModelData, balance: pd.DataFrame, un: pd.DataFrame):
    """``unmet_table`` but its last column, and for each of its rows the unmet-demand column
    of its (node, demand, element) (−1 for none: 0 t unmet): the left merge with the unmet
    columns and the merge with the demands sheet, done once per set of frames."""
    con = balance[["node", "demand", "element", "rhs"]].copy()
    col = un[["node", "demand", "element"]].copy()
    col["unmet_col"] = np.arange(len(col), dtype=float)
    con = con.merge(col, how="left", on=["node", "demand", "element"])
    con = con.rename(columns={"rhs": "demand_t"})
    con = con.merge(md.demands[["demand", "end_use", "country"]], on="demand")
    con = _scenario_rows(md, con)
    unmet_col = np.nan_to_num(con["unmet_col"].to_numpy(float), nan=-1).astype(np.intp)
    return con[["scenario", "period", "demand", "end_use", "country", "element",
                "demand_t"]].reset_index(drop=True), unmet_col


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
    # Columns as arrays (a frame per delivery set cost more than the sums themselves).
    sign = md.var_ix["contract_signed"]
    signed = np.round(out.values["contract_signed"]).astype(int) if len(sign) else \
        np.zeros(0, dtype=int)
    fee = md.unit_costs["contract_signed"]["contract_fees"] if len(sign) else np.zeros(0)
    deliveries = md.var_ix["contract_taken_t"]
    node = deliveries["node"].to_numpy()
    contract_row = deliveries["contract_row"].to_numpy()
    taken = _clean(out.values["contract_taken_t"])
    paid = _clean(out.values["contract_paid_t"])
    prob = np.array([md.nodes[n].probability for n in node.tolist()], dtype=float)
    cost = md.node_weight[node] * md.unit_costs["contract_paid_t"]["contract_purchases"] \
        * paid if len(deliveries) else np.zeros(0)
    anc = md.ancestor_pairs()
    anc_node, anc_of = anc["node"].to_numpy(), anc["ancestor"].to_numpy()
    table = md.inst.table("contracts").reset_index(drop=True)
    country = dict(zip(md.traders["trader"], md.traders["country"], strict=True))
    element = dict(zip(md.traders["trader"], md.traders["element"], strict=True))
    rows = []

    def add(c, decision, period, node, prob_signed, signed, fee_cost, mine):
        trader = win["trader"].iat[c]
        decided_in = _decided_in(md, node) if node >= 0 else "all"
        rows.append({
            "contract": win["contract"].iat[c], "trader": trader,
            "country": country[trader], "element": element[trader],
            "decision": decision, "decision_period": period, "decided_in": decided_in,
            "revealed_period": _revealed_in(md, node), "probability": prob_signed,
            "contingent": decided_in != "all", "signed": signed,
            "fee_usd": float(np.nan_to_num(float(table["fee_usd"].iat[c] or 0.0))),
            "price_usd_per_t": float(table["price_usd_per_t"].iat[c]),
            "min_take_t": float(np.nan_to_num(float(table["min_take_t"].iat[c] or 0.0))),
            "max_t": float(table["max_t"].iat[c]),
            "first_period": md.inst.periods[int(win["first"].iat[c])],
            "last_period": md.inst.periods[int(win["last"].iat[c])],
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

    The positive oxide flows into demand nodes, one row per scenario, are grouped by
    (scenario, element, end use, country) for each basis: tonnes = Σ over the group's rows.
    The key columns and their sort codes are computed once per index frame
    (:func:`_supply_keys`); a run groups by one integer code per row, made of the key codes
    in sort order, so the groups, their order and the row order inside each group are those
    of a groupby on the key columns, and pandas sums each group as that groupby would.
    """
    ox = md.var_ix["ship_oxide_t"]
    frame, source, codes, into = _memo(md, "supply_keys", (ox, md.demands),
                                       lambda: _supply_keys(md, ox))
    flow = _clean(out.values["ship_oxide_t"][into])
    kept = np.flatnonzero(flow[source] > 0)
    parts, part_codes = [], []
    for basis in ("mined", "processed"):
        key_codes = [codes[c][kept] for c in ("scenario", "element", "end_use", basis)]
        keyed = np.all([c >= 0 for c in key_codes], axis=0)  # a blank key: in no group
        rows = kept[keyed]
        key = np.ravel_multi_index([c[keyed] for c in key_codes],
                                   [len(codes[c + ":values"]) or 1
                                    for c in ("scenario", "element", "end_use", basis)])
        _, first, group = np.unique(key, return_index=True, return_inverse=True)
        sums = pd.DataFrame({"group": group.ravel(), "tonnes": flow[source[rows]]}).groupby(
            "group", as_index=False)["tonnes"].sum()["tonnes"].to_numpy()
        lead = frame.take(rows[first]).reset_index(drop=True)  # each group's first row
        parts.append(pd.DataFrame({"scenario": lead["scenario"], "element": lead["element"],
                                   "end_use": lead["end_use"], "basis": basis,
                                   "country": lead[basis], "tonnes": sums}))
        part_codes.append([codes[c][rows[first]] for c in ("scenario", "element", "end_use")])
    mix = pd.concat(parts, ignore_index=True)
    if mix.empty:
        return pd.DataFrame(columns=["scenario", "element", "end_use", "basis", "country", "tonnes",
                                     "share", "hhi"])
    # (scenario, element, end use, basis) of each row, as sort codes; basis: mined < processed
    sc, el, eu = (np.concatenate([p[k] for p in part_codes]) for k in range(3))
    basis = np.repeat([0, 1], [len(p) for p in parts])
    group = np.unique(np.ravel_multi_index(
        [sc, el, eu, basis], [sc.max() + 1, el.max() + 1, eu.max() + 1, 2]),
        return_inverse=True)[1].ravel()
    tonnes = mix["tonnes"]
    mix["share"] = tonnes / tonnes.groupby(group).transform("sum")
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    mix["hhi"] = _group_hhi(mix["share"].to_numpy(float), np.split(order, bounds))
    # sort by scenario, element, end use, basis, then share descending (stable, as pandas')
    return mix.take(np.lexsort((-mix["share"].to_numpy(float), basis, eu, el, sc))
                    ).reset_index(drop=True)


def _supply_keys(md: ModelData, ox: pd.DataFrame):
    """What ``supply_mix`` groups, for every oxide flow into a demand node, before a run's
    values: (a frame with one row per (flow, scenario of its node) and columns scenario,
    element, end_use, mined, processed; the flow each row repeats; the sort code of each key
    column per row (−1 where blank), and its values under ``<column>:values``; the flows'
    positions among the oxide columns)."""
    into = ox["destination_kind"].to_numpy() == "demands"
    f = pd.DataFrame({"node": ox["node"][into], "demand": ox["destination"][into],
                      "element": ox["element"][into], "mined": ox["mined_country"][into],
                      "processed": ox["processed_country"][into]}).reset_index(drop=True)
    f["end_use"] = f["demand"].map(dict(zip(md.demands["demand"], md.demands["end_use"])))
    source, _ = _expansion(md, f["node"].to_numpy())
    f = _scenario_rows(md, f)
    codes = {}
    for c in ("scenario", "element", "end_use", "mined", "processed"):
        codes[c], codes[c + ":values"] = pd.factorize(f[c], sort=True)
    return f, source, codes, np.flatnonzero(into)


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
    """``shadow_prices``' table of one family: the index frame's columns (with each node's
    period and scenarios), then the run's columns computed as arrays.

    slack = activity − rhs for ``>=`` rows, rhs − activity for ``<=``, 0 for ``==``;
    binding: |slack| ≤ 1e-6, and every ``==`` row.

    The first part reads only the index frame and the tree: it is built once per frame
    (:func:`_memo`; a live model's runs share it until one gives the family new right-hand
    sides, i.e. a new frame) and the run's columns are set beside it in one concatenation.
    """
    n = len(ix)
    dual = out.duals.get(fam, np.full(n, np.nan)) if out.duals else np.full(n, np.nan)
    act = out.activity.get(fam, np.zeros(n))
    keys, sense, rhs = _memo(md, "prices:" + fam, (ix,),
                             lambda: _family_keys(md, ix, periods, labels))
    equal = sense == "=="
    slack = _clean(np.where(sense == ">=", act - rhs, rhs - act))
    slack = np.where(equal, 0.0, slack)
    price = _clean(dual)
    cols = {"activity": act, "slack": slack, "shadow_price": price}
    if "node" in ix.columns:
        w = md.node_weight[ix["node"].to_numpy()]
        cols["conditional_price"] = np.where(w > 0, price / np.where(w > 0, w, 1), 0)
    cols["binding"] = (np.abs(slack) <= 1e-6) | equal
    if out.rhs_range.get(fam) is not None:
        lo, hi = out.rhs_range[fam]
        cols["rhs_range_low"] = lo
        cols["rhs_range_high"] = hi
    return pd.concat([keys, pd.DataFrame(cols, index=keys.index)], axis=1)


def _family_keys(md, ix, periods, labels) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The index-frame part of a family's shadow-price table (its columns, a node's period
    and scenarios after the first, a quota's own ``period`` renamed ``rule_period``), and its
    senses and right-hand sides as arrays."""
    cols = {c: ix[c] for c in ix.columns}
    if "node" in ix.columns:
        node = ix["node"].to_numpy()
        if "period" in cols:  # an export quota row's own period ('*' = every period)
            cols = {("rule_period" if c == "period" else c): v for c, v in cols.items()}
        first, *rest = cols
        cols = {first: cols[first], "period": periods[md.node_period[node]],
                "scenarios": labels[node].tolist()} | {c: cols[c] for c in rest}
    keys = pd.DataFrame(cols).reset_index(drop=True)
    return keys, ix["sense"].to_numpy(object), ix["rhs"].to_numpy()


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
