"""Material balances: what plants separate, what stocks carry, what demand receives.

Notation as in :mod:`optimizer.formulation.capacity`; *α_{m,e}* is the assay (t of oxide *e*
per t REO of mine *m*'s concentrate), *ρ_{p,e}* the recovery of plant *p*; *par(n)* the parent
node (the same scenarios one period earlier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo


def _row_lookup(index: pd.DataFrame, cols: list[str]):
    """Map rows of another frame to rows of ``index`` by the values of ``cols``."""
    keys = pd.MultiIndex.from_frame(index[cols])
    lookup = pd.Series(np.arange(len(index)), index=keys)

    def find(frame: pd.DataFrame):
        k = pd.MultiIndex.from_frame(frame[cols])
        hit = k.isin(keys)
        return hit, lookup.loc[k[hit]].to_numpy()
    return find


def add_plant_output(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""A plant ships no more of an element, by mine country, than it separates.

    .. math:: \sum_{a \in out(p,e,mc)} f_{n,a} \;-\; \sum_{l = (m \to p),\, c(m) = mc}
              \rho_{p,e}\, \alpha_{m,e}\, q_{n,l} \;\le\; 0  \quad \forall n, p, e, mc

    Co-products come together: feeding ore for its Dy brings its Nd and Pr; what is not
    shipped is disposed of at no value (hence ≤). Units: t of oxide per period. Dual ≤ 0:
    minus the value of one more tonne of that oxide at the plant gate.
    """
    ox = md.var_ix["ship_oxide_t"]
    from_plants = ox[ox["origin_kind"] == "plants"]
    index = (from_plants[["node", "origin", "element", "mined_country"]]
             .drop_duplicates().rename(columns={"origin": "plant"})
             .sort_values(["node", "plant", "element", "mined_country"]).reset_index(drop=True))
    find = _row_lookup(index, ["node", "plant", "element", "mined_country"])
    hit, rows = find(from_plants.rename(columns={"origin": "plant"}))
    terms = [Terms.of("ship_oxide_t", rows, from_plants.index.to_numpy()[hit])]
    conc = md.var_ix["ship_concentrate_t"].copy()
    conc["col"] = np.arange(len(conc))
    made = conc.merge(md.plant_yield[["mine", "plant", "element", "share", "recovery"]],
                      on=["mine", "plant"])
    hit, rows = find(made)
    made = made[hit]
    terms.append(Terms.of("ship_concentrate_t", rows, made["col"],
                          -(made["share"] * made["recovery"]).to_numpy(float)))
    add_rows(m, md, "plant_output", index, terms, "<=", 0.0,
             "Oxide shipped by a plant ≤ oxide it separates, by element and mine country (t).")


def add_stock_balance(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Stock carries over: end stock = previous end stock + inflow − outflow.

    .. math:: s_{n,k} - s_{par(n),k} - \sum_{a \in in(k)} f_{n,a} + \sum_{a \in out(k)} f_{n,a}
              = s^0_k \, [n \text{ is a root}]  \quad \forall n, k

    A lot *k* is a (stockpile, mined country, processed country); the initial stock
    :math:`s^0` sits in the lot of its stated provenance. Units: t. Dual: the value of one
    more tonne in stock at that node (USD/t, expected and discounted).
    """
    ix = md.var_ix["stock_t"]
    index = ix[["node", "stockpile", "element", "mined_country", "processed_country"]]
    n_lots = len(md.lots)
    terms = [Terms.of("stock_t", np.arange(len(ix)), np.arange(len(ix)), 1.0)]
    parent = np.array([-1 if n.parent is None else n.parent for n in md.nodes], dtype=np.int64)
    node = ix["node"].to_numpy()
    has_parent = parent[node] >= 0
    lot = np.arange(len(ix)) % max(n_lots, 1)
    terms.append(Terms.of("stock_t", np.flatnonzero(has_parent),
                          parent[node[has_parent]] * n_lots + lot[has_parent], -1.0))
    ox = md.var_ix["ship_oxide_t"]
    find = _row_lookup(index.rename(columns={"stockpile": "site"}),
                       ["node", "site", "element", "mined_country", "processed_country"])
    hit_in, rows_in = find(ox.rename(columns={"destination": "site"}))
    terms.append(Terms.of("ship_oxide_t", rows_in, np.flatnonzero(hit_in), -1.0))
    hit_out, rows_out = find(ox.rename(columns={"origin": "site"}))
    terms.append(Terms.of("ship_oxide_t", rows_out, np.flatnonzero(hit_out), 1.0))
    init = np.zeros(len(ix))
    if n_lots:
        stock = md.stockpiles
        initial = md.node_values("stockpiles", "initial_t")
        spos = pd.Series(np.arange(len(stock)), index=stock["stockpile"].to_numpy())
        sp = spos.loc[ix["stockpile"].to_numpy()].to_numpy()
        is_initial_lot = ((ix["mined_country"].to_numpy() == stock["initial_mined_country"].to_numpy()[sp])
                          & (ix["processed_country"].to_numpy()
                             == stock["initial_processed_country"].to_numpy()[sp]))
        init = np.where(~has_parent & is_initial_lot, np.nan_to_num(initial[node, sp]), 0.0)
    add_rows(m, md, "stock_balance", index, terms, "==", init,
             "End stock = previous stock + inflow − draw-down (t).")


def add_stock_closing(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""A stockpile with a closing minimum ends the horizon holding at least that much.

    .. math:: \sum_{k \in lots(h)} s_{n,k} \ge close_h \quad \forall n: t(n) = T, \;
              h: close_h \text{ given}

    The horizon's end is not the end of the world: a reserve built for a later crisis must
    not be sold off in the last periods because nothing after them is modelled (see also
    ``terminal_value_usd_per_t`` in the objective). Units: t. Dual ≥ 0 (USD/t): what the
    closing requirement costs per tonne.
    """
    stock = md.stockpiles
    close = md.node_values("stockpiles", "closing_min_t") if len(stock) else np.zeros((0, 0))
    last = np.flatnonzero(md.node_period == len(md.inst.periods) - 1)
    node_idx, sp_idx = np.nonzero(~np.isnan(close[last])) if len(stock) else ([], [])
    node_idx = last[np.asarray(node_idx, dtype=int)] if len(stock) else np.zeros(0, dtype=int)
    index = pd.DataFrame({"node": node_idx,
                          "stockpile": stock["stockpile"].to_numpy()[sp_idx] if len(stock)
                          else []})
    ix = md.var_ix["stock_t"]
    row_of = pd.Series(np.arange(len(index)),
                       index=pd.MultiIndex.from_arrays([node_idx, np.asarray(sp_idx, dtype=int)]))
    spos = pd.Series(np.arange(len(stock)), index=stock["stockpile"].to_numpy()) if len(stock) \
        else pd.Series(dtype=int)
    keys = pd.MultiIndex.from_arrays([ix["node"].to_numpy(),
                                      spos.reindex(ix["stockpile"].to_numpy()).to_numpy()])
    hit = keys.isin(row_of.index)
    terms = [Terms.of("stock_t", row_of.reindex(keys[hit]).to_numpy(), np.flatnonzero(hit))]
    add_rows(m, md, "stock_closing", index, terms, ">=",
             close[node_idx, sp_idx] if len(index) else np.zeros(0),
             "Stock at the end of the horizon ≥ the closing minimum (t).",
             rhs_cells=("stockpiles", "closing_min_t", node_idx, np.asarray(sp_idx), None))


def add_demand_balance(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Every demand is served or counted as unmet (at its lost-supply penalty), exactly.

    .. math:: \sum_{a \in in(d,e)} f_{n,a} + u_{n,d,e} = D_{n,d,e} \quad \forall n, d, e

    Must-serve end uses have no *u*: what they receive is their demand. An equality, not ≥:
    a demand node consumes its demand and nothing more, so no surplus tonne can be shipped
    there to dilute a share rule (end-use ``max_share``, diversification caps), which divides
    by the tonnes an end use receives. Equality costs nothing elsewhere: a plant may dispose
    of co-products (plant_output is ≤), so no flow is ever forced into a demand node. It also
    bounds every flow into a demand node by *D* for presolve.

    Units: t per period. Dual (USD/t, free in sign): what one more tonne of demand in that
    node would add to the expected discounted cost; negative only where a tonne more of this
    demand relaxes a share rule by more than it costs (the ≥ row could not show that).
    """
    pairs = md.demand_pairs
    index = pd.DataFrame({"node": np.repeat(np.arange(md.n_nodes), len(pairs)),
                          "demand": np.tile(pairs["demand"].to_numpy(), md.n_nodes),
                          "element": np.tile(pairs["element"].to_numpy(), md.n_nodes)})
    rhs = demand_rhs(md, index)
    find = _row_lookup(index, ["node", "demand", "element"])
    ox = md.var_ix["ship_oxide_t"]
    hit, rows = find(ox.rename(columns={"destination": "demand"}))
    terms = [Terms.of("ship_oxide_t", rows, np.flatnonzero(hit))]
    un = md.var_ix["unmet_demand_t"]
    hit, rows = find(un)
    terms.append(Terms.of("unmet_demand_t", rows, np.flatnonzero(hit)))
    add_rows(m, md, "demand_balance", index, terms, "==", rhs,
             "Oxide delivered + unmet = demand (t/period).")


def demand_rhs(md: ModelData, index: pd.DataFrame) -> np.ndarray:
    """Demand *D* (t) of each (node, demand, element) row of ``index``; 0 where none is set."""
    values = md.node_values("demand_quantities", "quantity_t")
    qrow = md.quantity_rows(index)
    have = ~np.isnan(qrow)
    rhs = np.zeros(len(index))
    rhs[have] = np.nan_to_num(values[index["node"].to_numpy()[have], qrow[have].astype(int)])
    return rhs
