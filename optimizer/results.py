"""Solver outcome + index frames → tidy result tables (pandas), with units in column names.

Node-level values are expanded to scenarios here: a decision taken in a tree node is reported
once for every scenario that passes through it, so each scenario reads as a complete plan.
The build tables are in :mod:`optimizer.result_builds`, the contract tables in
:mod:`optimizer.result_contracts`, the shadow-price tables in
:mod:`optimizer.result_prices`, what they all share in :mod:`optimizer.result_rows`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import DECISION_VARS
from optimizer.result_builds import (  # noqa: F401 - builds_table re-exported
    builds_by_scenario_table,
    builds_table,
    candidates_table,
)
from optimizer.result_contracts import contract_tables
from optimizer.result_prices import dual_tables
from optimizer.result_rows import (
    clean,
    expanded_keys,
    expansion,
    grouped_sum,
    key_columns,
    memo,
    own_copy,
    scenario_rows,
    table_cache,
    with_columns,
)
from optimizer.solve import SolveOutcome


def flows_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Every positive flow per scenario and period, with provenance and its cost (USD):
    cost_usd = tonnes × unit_cost_usd_per_t.

    The flow columns of both products, one after the other, are built once per pair of index
    frames (:func:`memo`); a run takes the rows of its positive flows, repeated per scenario.
    """
    conc, ox = md.var_ix["ship_concentrate_t"], md.var_ix["ship_oxide_t"]
    unit = [sum(md.unit_costs[v].values()) if len(ix) else np.zeros(0)
            for v, ix in (("ship_concentrate_t", conc), ("ship_oxide_t", ox))]
    if any(np.shape(u) != (len(ix),) for u, ix in zip(unit, (conc, ox), strict=True)):
        unit = [np.broadcast_to(np.asarray(u, dtype=float), (len(ix),))
                for u, ix in zip(unit, (conc, ox), strict=True)]  # no cost terms: 0
    keys = memo(md, "flow_keys", (conc, ox), lambda: _flow_keys(conc, ox))
    tonnes = np.concatenate([clean(out.values["ship_concentrate_t"]),
                             clean(out.values["ship_oxide_t"])])
    unit = np.concatenate(unit).astype(float)
    rows = np.flatnonzero(tonnes > 0)
    node = keys["node"].to_numpy()[rows]
    source, scenario = expansion(md, node)
    take = rows[source]
    # The frame in one step from its columns' arrays (with_columns): scenario and period (as
    # a Series would hold them), the provenance keys of the rows taken, then the figures.
    names, arrays, _ = memo(md, "flow_key_columns", (keys,),
                            lambda: key_columns(keys.drop(columns="node")))
    period = np.array(md.inst.periods, dtype=object)[md.node_period[node[source]]]
    front = [pd.Series(scenario, dtype=str).array, pd.Series(period).array]
    key = (_FLOW_FRONT.append(names), front + [a.take(take) for a in arrays],
           pd.RangeIndex(len(take)))
    return with_columns(key, {"tonnes": tonnes[take], "unit_cost_usd_per_t": unit[take],
                              "cost_usd": (tonnes[rows] * unit[rows])[source]})


_FLOW_FRONT = pd.Index(["scenario", "period"])
"""The first two columns of ``flows_table``."""


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
    keys, unmet_col = memo(md, "unmet_keys", (balance, un, md.demands),
                            lambda: _unmet_keys(md, balance, un))
    unmet = clean(out.values["unmet_demand_t"])
    table = own_copy(keys)
    table["unmet_t"] = np.where(unmet_col >= 0, unmet[np.maximum(unmet_col, 0)], 0.0) \
        if len(unmet) else np.zeros(len(keys))
    return table


def _unmet_keys(md: ModelData, balance: pd.DataFrame, un: pd.DataFrame):
    """``unmet_table`` but its last column, and for each of its rows the unmet-demand column
    of its (node, demand, element) (−1 for none: 0 t unmet): the left merge with the unmet
    columns and the merge with the demands sheet, done once per set of frames.
    """
    con = balance[["node", "demand", "element", "rhs"]].copy()
    col = un[["node", "demand", "element"]].copy()
    col["unmet_col"] = np.arange(len(col), dtype=float)
    con = con.merge(col, how="left", on=["node", "demand", "element"])
    con = con.rename(columns={"rhs": "demand_t"})
    con = con.merge(md.demands[["demand", "end_use", "country"]], on="demand")
    con = scenario_rows(md, con)
    unmet_col = np.nan_to_num(con["unmet_col"].to_numpy(float), nan=-1).astype(np.intp)
    return con[["scenario", "period", "demand", "end_use", "country", "element",
                "demand_t"]].reset_index(drop=True), unmet_col


def stocks_table(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """End-of-period stock per scenario, stockpile and provenance (tonnes).

    The key columns, one row per (stock column, scenario of its node), are built once per
    index frame (:func:`expanded_keys`); a run sets its stocks beside them.
    """
    keys, source = expanded_keys(md, "stock_keys", md.var_ix["stock_t"], [
        "scenario", "period", "stockpile", "element", "mined_country", "processed_country"])
    return with_columns(keys, {"stock_t": clean(out.values["stock_t"])[source]})


_COMPONENT_ORDER = ["capex", "fixed_om", "mining", "processing", "transport", "tariffs",
                    "purchases", "contract_fees", "contract_purchases", "holding",
                    "terminal_value", "penalty"]
"""Row order of ``cost_breakdown`` (a component not listed comes last)."""


def cost_breakdown(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Expected discounted cost by component (USD); the rows sum to the risk-neutral objective
    (with ``risk_weight`` > 0, to E[cost] of the ``risk`` table).

    One term per (variable family, cost component): Σ weight × unit cost × value, the weight
    being a decision's probability or a node's probability × discount factor. A component's
    terms are summed in the order of the families (:func:`grouped_sum`), and the components
    sorted as :data:`_COMPONENT_ORDER` (stable). The weights and the grouping depend only on
    the index frames and the names of the terms: worked out once per model and reused.
    """
    terms = tuple((var, tuple(parts)) for var, parts in md.unit_costs.items())
    grouping = table_cache(md).setdefault("cost_breakdown_groups", {})
    if terms not in grouping:
        grouping[terms] = _cost_groups([comp for _, parts in terms for comp in parts])
    names, group, order = grouping[terms]
    weights = memo(md, "cost_weights", (md.node_weight, *(md.var_ix[v] for v, _ in terms)),
                   lambda: _cost_weights(md, [v for v, _ in terms]))
    values = [float(np.sum(w * unit * out.values[var]))
              for (var, parts), w in zip(md.unit_costs.items(), weights, strict=True)
              for unit in parts.values()]
    sums = grouped_sum(np.array(values, dtype=float), group, len(names))
    return pd.DataFrame({"component": [names[k] for k in order], "expected_usd": sums[order]})


def _cost_weights(md: ModelData, variables: list[str]) -> list[np.ndarray]:
    """Per variable family: its columns' weight in the expected cost (see cost_breakdown)."""
    return [md.var_ix[v]["probability"].to_numpy(float) if v in DECISION_VARS else
            md.node_weight[md.var_ix[v]["node"].to_numpy()] for v in variables]


def _cost_groups(components: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """For the terms' components in order: the distinct components sorted by name (a
    groupby's groups), each term's group, and the groups in the table's row order (by
    :data:`_COMPONENT_ORDER`, stable, unlisted last)."""
    names = sorted(set(components))
    group = np.array([names.index(c) for c in components], dtype=np.intp)
    rank = {c: i for i, c in enumerate(_COMPONENT_ORDER)}
    order = sorted(range(len(names)), key=lambda k: (names[k] not in rank,
                                                     rank.get(names[k], 0)))
    return names, group, np.array(order, dtype=np.intp)


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
                     float(clean(node_unmet[nodes]).sum())))
    return pd.DataFrame(rows, columns=["scenario", "probability", "cost_usd", "unmet_t"])


def supply_mix(md: ModelData, out: SolveOutcome) -> pd.DataFrame:
    """Share of each country in what each end use received of each element, over the horizon.

    One row per (scenario, element, end use, basis, country) with tonnes and share, plus the
    Herfindahl–Hirschman index (HHI = Σ share² × 10,000) of that (scenario, element, end use,
    basis); 10,000 means a single supplier.

    The positive oxide flows into demand nodes, one row per scenario, are grouped by
    (scenario, element, end use, country) for each basis: tonnes = Σ over the group's rows;
    share = tonnes / Σ tonnes of its (scenario, element, end use, basis). The key columns
    and their sort codes are computed once per index frame (:func:`_supply_keys`); a run
    groups by one integer code per row, made of the key codes in sort order, so the groups
    and their order are those of a groupby on the key columns. Every sum adds its group's
    rows in row order (:func:`grouped_sum`).
    """
    ox = md.var_ix["ship_oxide_t"]
    frame, source, codes, into, countries = memo(md, "supply_keys", (ox, md.demands),
                                                  lambda: _supply_keys(md, ox))
    flow = clean(out.values["ship_oxide_t"][into])
    kept = np.flatnonzero(flow[source] > 0)
    lead, sums, part_codes = [], [], []
    for basis in ("mined", "processed"):
        key_codes = [codes[c][kept] for c in ("scenario", "element", "end_use", basis)]
        keyed = np.all([c >= 0 for c in key_codes], axis=0)  # a blank key: in no group
        rows = kept[keyed]
        key = np.ravel_multi_index([c[keyed] for c in key_codes],
                                   [len(codes[c + ":values"]) or 1
                                    for c in ("scenario", "element", "end_use", basis)])
        _, first, group = np.unique(key, return_index=True, return_inverse=True)
        sums.append(grouped_sum(flow[source[rows]], group.ravel(), len(first)))
        lead.append(rows[first])  # each group's first row
        part_codes.append([codes[c][rows[first]] for c in ("scenario", "element", "end_use")])
    if not len(lead[0]) + len(lead[1]):
        return pd.DataFrame(columns=["scenario", "element", "end_use", "basis", "country", "tonnes",
                                     "share", "hhi"])
    # (scenario, element, end use, basis) of each row, as sort codes; basis: mined < processed
    sc, el, eu = (np.concatenate([p[k] for p in part_codes]) for k in range(3))
    basis = np.repeat([0, 1], [len(rows) for rows in lead])
    parts, group = np.unique(np.ravel_multi_index(
        [sc, el, eu, basis], [sc.max() + 1, el.max() + 1, eu.max() + 1, 2]),
        return_inverse=True)
    group = group.ravel()
    tonnes = np.concatenate(sums)
    share = tonnes / grouped_sum(tonnes, group, len(parts))[group]
    hhi = grouped_sum(share ** 2, group, len(parts))[group] * 10_000
    # sort by scenario, element, end use, basis, then share descending (stable, as pandas')
    final = np.lexsort((-share, basis, eu, el, sc))
    return with_columns(_mix_keys(frame, countries, lead, basis, final),
                        {"tonnes": tonnes[final], "share": share[final], "hhi": hhi[final]})


def _mix_keys(frame: pd.DataFrame, countries: pd.Series, lead: list[np.ndarray],
              basis: np.ndarray, final: np.ndarray) -> tuple:
    """The key columns of ``supply_mix`` (:func:`key_columns` form), its rows in ``final``
    order: the mined part's groups, then the processed part's, each from its first row of
    ``frame`` (``lead``). Each column has the type the two parts' columns concatenated have
    (``country`` is the ``mined`` column, then the ``processed`` one: taken from
    ``countries``, the two whole columns concatenated once per index frame, since
    concatenating two categoricals unites their categories at every call).
    """
    both = np.concatenate(lead)
    columns = {c: frame[c].array.take(both[final]) for c in ("scenario", "element", "end_use")}
    columns["basis"] = pd.Series(np.array(["mined", "processed"], dtype=object)[basis[final]]
                                 ).array
    if len(lead[0]) and len(lead[1]):
        columns["country"] = countries.array.take(
            np.concatenate([lead[0], lead[1] + len(frame)])[final])
    else:  # pandas types a concatenation by its non-empty parts
        country = pd.concat([frame["mined"].take(lead[0]), frame["processed"].take(lead[1])],
                            ignore_index=True)
        columns["country"] = country.array.take(final)
    return pd.Index(list(columns)), list(columns.values()), pd.RangeIndex(len(final))


def _supply_keys(md: ModelData, ox: pd.DataFrame):
    """What ``supply_mix`` groups, for every oxide flow into a demand node, before a run's
    values: (a frame with one row per (flow, scenario of its node) and columns scenario,
    element, end_use, mined, processed; the flow each row repeats; the sort code of each key
    column per row (−1 where blank), and its values under ``<column>:values``; the flows'
    positions among the oxide columns; the mined column followed by the processed one, as
    one series).
    """
    into = ox["destination_kind"].to_numpy() == "demands"
    f = pd.DataFrame({"node": ox["node"][into], "demand": ox["destination"][into],
                      "element": ox["element"][into], "mined": ox["mined_country"][into],
                      "processed": ox["processed_country"][into]}).reset_index(drop=True)
    f["end_use"] = f["demand"].map(dict(zip(md.demands["demand"], md.demands["end_use"])))
    source, _ = expansion(md, f["node"].to_numpy())
    f = scenario_rows(md, f)
    codes = {}
    for c in ("scenario", "element", "end_use", "mined", "processed"):
        codes[c], codes[c + ":values"] = pd.factorize(f[c], sort=True)
    countries = pd.concat([f["mined"], f["processed"]], ignore_index=True)
    return f, source, codes, np.flatnonzero(into), countries


def solution_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """The plan's tables by name: builds, flows, stocks, costs, risk profile, supply mix (no
    shadow prices).
    """
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


def all_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """Every result table by name (the names are sheet names in results.xlsx)."""
    return solution_tables(md, out) | dual_tables(md, out)
