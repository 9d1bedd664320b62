"""Capacity families: mines, plants (with built modules), traders, lanes, stockpiles, builds.

Notation: *n* a scenario-tree node, *t(n)* its period, *q* concentrate flows, *f* oxide flows,
*s* stocks, *b[j,m]* modules of candidate *j* decided in tree node *m* (here-and-now mode: in a
period, for every scenario), *on_j(m)* the period they are online from (the decision's period
plus the lead time), *inc_j* the capacity a module adds (t REO per base period), *len(t)* the
length of period *t* in base periods. Capacities are rates per base period times len(t);
scenario changes apply per node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.contracts import spot_capacity_terms
from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows, node_major
from optimizer.schema import ANY

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo


def _online_from(md: ModelData, sheet: str, column: str = "first_period") -> np.ndarray:
    """Period position from which each row's existing capacity is available."""
    pidx = md.inst.period_index
    return np.array([0 if p is None else pidx[p] for p in md.inst.table(sheet)[column]], dtype=int)


def _module_terms(md: ModelData, index: pd.DataFrame, site_col: str,
                  site_open: np.ndarray) -> Terms:
    """−inc_j · len(t) · b[j,m] for each build at the row's site decided in a node *m* on the
    row's path (adaptive; any decision in here-and-now mode) and online by the row's period.

    ``inc_j`` is a rate per base period: a period of len(t) base periods gets len(t) times it.
    Only in rows of a period the site is open (``site_open``, per row: t ≥ the site's
    first_period): a module adds capacity to a site and cannot run before the site may.
    """
    builds = md.var_ix["modules_built"]
    if builds.empty or index.empty:
        return Terms.of("modules_built", [], [])
    mods = builds.merge(md.modules[["module", "site", "capacity_t"]], on="module", sort=False)
    mods["col"] = np.arange(len(builds))
    rows = index[["node", site_col]].copy()
    rows["row"] = np.arange(len(index))
    rows["t"] = md.node_period[rows["node"].to_numpy()]
    rows = rows[site_open]
    if md.inst.adaptive_builds:
        rows = rows.merge(md.ancestor_pairs(), on="node")
        joined = rows.merge(mods, left_on=[site_col, "ancestor"], right_on=["site", "node"],
                            suffixes=("", "_decided"))
    else:
        joined = rows.merge(mods, left_on=site_col, right_on="site", suffixes=("", "_decided"))
    joined = joined[joined["period_pos"] <= joined["t"]]
    coef = -joined["capacity_t"].astype(float).to_numpy() * md.inst.slots[joined["t"].to_numpy()]
    return Terms.of("modules_built", joined["row"], joined["col"], coef)


def _concentrate_site_capacity(m, md: ModelData, sheet: str, site: str, name: str,
                               doc: str) -> None:
    """Shared body of the mine and plant capacity families (one end of a concentrate lane).

    One row per (node, site): the concentrate on the site's lanes, minus the capacity of
    modules online there by the node's period, ≤ the site's capacity; before the site's
    first_period neither counts (the row is then: concentrate ≤ 0).
    """
    sites = md.inst.table(sheet)
    index = pd.DataFrame({"node": np.repeat(np.arange(md.n_nodes), len(sites)),
                          site: np.tile(sites[site].to_numpy(), md.n_nodes)})
    cap = md.node_values(sheet, "capacity_t")
    online = _online_from(md, sheet)
    pos = np.tile(np.arange(len(sites)), md.n_nodes)
    node = index["node"].to_numpy()
    site_open = md.node_period[node] >= online[pos]
    rhs = np.where(site_open, cap[node, pos], 0.0)
    conc = md.var_ix["ship_concentrate_t"]
    site_pos = pd.Series(np.arange(len(sites)), index=sites[site].to_numpy())
    rows = node_major(conc["node"], site_pos.loc[conc[site].to_numpy()].to_numpy(), len(sites))
    terms = [Terms.of("ship_concentrate_t", rows, np.arange(len(conc))),
             _module_terms(md, index, site, site_open)]
    add_rows(m, md, name, index, terms, "<=", rhs, doc,
             rhs_cells=(sheet, "capacity_t", node, pos, site_open * 1.0))


def add_mine_capacity(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Concentrate a mine ships is within its capacity plus modules built there.

    .. math:: \sum_{l \in out(m)} q_{n,l} - [t(n) \ge first_m] \sum_{j \in J(m)}
              \sum_{m' \in anc(n):\ on_j(m') \le t(n)} len(t(n))\, inc_j\, b_{j,m'}
              \le cap_{n,m} \cdot [t(n) \ge first_m]   \quad \forall n, m

    A module adds capacity to its site: before the site's first_period it runs no more than
    the site does.

    Units: t REO per period. Dual ≤ 0 (USD/t): what one more tonne of capacity would save.
    """
    _concentrate_site_capacity(m, md, "mines", "mine", "mine_capacity",
                               "Concentrate shipped by a mine ≤ its capacity + built modules "
                               "(t REO/period).")


def add_plant_capacity(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Feed a plant takes is within its capacity plus modules built there.

    .. math:: \sum_{l \in in(p)} q_{n,l} - [t(n) \ge first_p] \sum_{j \in J(p)}
              \sum_{m' \in anc(n):\ on_j(m') \le t(n)} len(t(n))\, inc_j\, b_{j,m'}
              \le cap_{n,p} \cdot [t(n) \ge first_p]   \quad \forall n, p

    A module adds capacity to its site: before the site's first_period it runs no more than
    the site does.

    Units: t REO feed per period. Dual ≤ 0 (USD/t): the value of one more tonne of capacity,
    which an investor sets against a module's cost per tonne.
    """
    _concentrate_site_capacity(m, md, "plants", "plant", "plant_capacity",
                               "Feed processed by a plant ≤ its capacity + built modules "
                               "(t REO/period).")


def add_trader_capacity(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Oxide bought from an offer is within the quantity offered.

    .. math:: \sum_{a \in out(k)} f_{n,a} - \sum_{c: k(c) = k} w_{c,n} \le cap_{n,k}
              \quad \forall n, k

    *w* are the tonnes taken under the trader's contracts (none without a contracts sheet):
    a channel beside the spot offer (optimizer/formulation/contracts.py). Units: t per period. Dual ≤ 0: what one more tonne offered would save.
    """
    traders = md.traders
    index = pd.DataFrame({"node": np.repeat(np.arange(md.n_nodes), len(traders)),
                          "trader": np.tile(traders["trader"].to_numpy(), md.n_nodes)})
    cap = md.node_values("traders", "capacity_t")
    rhs = cap[index["node"].to_numpy(), np.tile(np.arange(len(traders)), md.n_nodes)] \
        if len(traders) else np.zeros(0)
    ox = md.var_ix["ship_oxide_t"]
    sel = ox["origin_kind"].to_numpy() == "traders"
    pos = pd.Series(np.arange(len(traders)), index=traders["trader"].to_numpy()) if len(traders) \
        else pd.Series(dtype=int)
    rows = node_major(ox["node"][sel], pos.loc[ox["origin"][sel].to_numpy()].to_numpy(), len(traders))
    # Contracted tonnes ship as the trader's flows but are not bought on the spot offer.
    spot = [Terms.of("ship_oxide_t", rows, np.flatnonzero(sel))] \
        + spot_capacity_terms(md, len(traders))
    add_rows(m, md, "trader_capacity", index, spot, "<=", rhs, "Oxide bought from an offer ≤ the quantity offered (t/period).",
             rhs_cells=("traders", "capacity_t", index["node"].to_numpy(),
                        np.tile(np.arange(len(traders)), md.n_nodes), None))


def add_lane_capacity(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Tonnes on a lane with a capacity stay within it (lanes with a blank capacity are free).

    .. math:: \sum_{x \in flows(l)} x_{n} \le cap_{n,l} \quad \forall n, l : cap_{n,l} < \infty

    Setting a lane's capacity to 0 in a scenario cuts the link (e.g. Malaysia losing Chinese
    feed). Units: t per period (t REO for concentrate lanes).
    """
    cap = md.node_values("lanes", "capacity_t")
    node_idx, lane_idx = np.nonzero(~np.isnan(cap))
    index = pd.DataFrame({"node": node_idx, "lane": lane_idx,
                          "origin": md.lanes["origin"].to_numpy()[lane_idx],
                          "destination": md.lanes["destination"].to_numpy()[lane_idx]})
    row_of = pd.Series(np.arange(len(index)), index=pd.MultiIndex.from_arrays([node_idx, lane_idx]))
    terms = []
    for var in ("ship_concentrate_t", "ship_oxide_t"):
        ix = md.var_ix[var]
        keys = pd.MultiIndex.from_arrays([ix["node"].to_numpy(), ix["lane"].to_numpy()])
        hit = keys.isin(row_of.index)
        terms.append(Terms.of(var, row_of.loc[keys[hit]].to_numpy(), np.flatnonzero(hit)))
    add_rows(m, md, "lane_capacity", index, terms, "<=", cap[node_idx, lane_idx],
             "Tonnes on a lane ≤ its capacity (t/period).",
             rhs_cells=("lanes", "capacity_t", node_idx, lane_idx, None))


def add_stock_capacity(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""End-of-period stock of a stockpile (all lots) is within its capacity.

    .. math:: \sum_{k \in lots(h)} s_{n,k} \le cap_{n,h} \quad \forall n, h

    Units: t.
    """
    stock = md.stockpiles
    index = pd.DataFrame({"node": np.repeat(np.arange(md.n_nodes), len(stock)),
                          "stockpile": np.tile(stock["stockpile"].to_numpy(), md.n_nodes)})
    cap = md.node_values("stockpiles", "capacity_t")
    rhs = cap[index["node"].to_numpy(), np.tile(np.arange(len(stock)), md.n_nodes)] \
        if len(stock) else np.zeros(0)
    ix = md.var_ix["stock_t"]
    pos = pd.Series(np.arange(len(stock)), index=stock["stockpile"].to_numpy()) if len(stock) \
        else pd.Series(dtype=int)
    rows = node_major(ix["node"], pos.loc[ix["stockpile"].to_numpy()].to_numpy(), len(stock))
    add_rows(m, md, "stock_capacity", index, [Terms.of("stock_t", rows, np.arange(len(ix)))], "<=",
             rhs, "Stock held ≤ stockpile capacity (t).",
             rhs_cells=("stockpiles", "capacity_t", index["node"].to_numpy(),
                        np.tile(np.arange(len(stock)), md.n_nodes), None))


def add_module_build_limit(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""A candidate is built at most ``max_count`` times over the horizon, in every scenario.

    .. math:: \sum_{m \in path(s)} b_{j,m} \le maxcount_j \quad \forall j, s

    *path(s)* are the tree nodes scenario *s* passes through; in here-and-now mode the
    decisions are shared by every scenario and there is one row per candidate (scenario '*').
    """
    builds = md.var_ix["modules_built"]
    max_count = md.modules["max_count"].astype(float).to_numpy() if len(md.modules) \
        else np.zeros(0)
    if not md.inst.adaptive_builds or len(md.inst.scenarios) <= 1:
        index = md.modules[["module"]].copy()
        index["scenario"] = ANY if len(md.inst.scenarios) > 1 else \
            [md.inst.scenarios[0].name] * len(index) if len(index) else []
        add_rows(m, md, "module_build_limit", index,
                 [Terms.of("modules_built", builds["module_row"], np.arange(len(builds)))], "<=",
                 max_count if len(index) else np.zeros(0), "Modules built ≤ max_count (count).")
        return
    names = [sc.name for sc in md.inst.scenarios]
    index = pd.DataFrame({"module": np.repeat(md.modules["module"].to_numpy(), len(names)),
                          "scenario": np.tile(names, len(md.modules))})
    s_pos = {s: k for k, s in enumerate(names)}
    node_sc = pd.DataFrame([(n.id, s_pos[s]) for n in md.nodes for s in n.scenarios],
                           columns=["node", "s"])
    b = builds[["module_row", "node"]].copy()
    b["col"] = np.arange(len(b))
    b = b.merge(node_sc, on="node")
    add_rows(m, md, "module_build_limit", index,
             [Terms.of("modules_built", b["module_row"].to_numpy() * len(names) + b["s"].to_numpy(),
                       b["col"])], "<=", np.repeat(max_count, len(names)),
             "Modules built on a scenario's path ≤ max_count (count).")
