r"""Implied families: rows every integer plan satisfies anyway, written to tighten the MIP.

A capacitated facility-location model with aggregated capacity rows
(:math:`\sum_c x_{pc} \le cap_p\, y_p`) has a weak LP relaxation: a site built to 10 % serves
10 % of every customer. The *strong linking* rows :math:`x_{pc} \le \min(D_c, cap_p)\, y_p`
cut those fractional points off without removing any integer plan, and a branch-and-bound
search then proves optimality with far fewer nodes (benchmarks/facility_location.py).

The rows here are **implied**: at every integer build decision they follow from the other
families (capacity, plant output, demand balance, lane capacity), so they never change an
optimum, only the LP relaxations the MIP search solves. Hence (see
:data:`optimizer.formulation.IMPLIED_FAMILIES`):

* the LP re-solved with builds fixed, whose duals are the shadow prices, drops them
  (:func:`optimizer.solve.with_fixed_builds`): with builds fixed they restate other rows, and
  a restated row would take a share of degenerate duals (a closed site's capacity value);
* the elastic LP that explains an infeasible model drops them (:mod:`optimizer.diagnose`):
  they are built from the capacities it may relax;
* they have no shadow-price table and no check of their own in the verifier.

Flow upper bounds on a lane into a demand node (at most that node's demand of the element)
need no row of their own: ``demand_balance`` is an equality with nonnegative terms, which is
that bound, and HiGHS's presolve and domain propagation read it from there. They enter the
linking coefficient below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.balance import demand_rhs
from optimizer.formulation.capacity import _module_terms, _online_from
from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo


def _module_only_sites(md: ModelData, sheet: str, site: str) -> tuple[pd.DataFrame, Terms]:
    """(node, site) rows where the site's capacity comes only from modules, and their terms.

    A row qualifies when the site is open in the node's period, its own capacity there is 0
    and some module can add capacity to it by then. Returns the rows (with ``u_mod``, the most
    capacity its modules can add in that node: Σ_j max over j's build terms |coef| ·
    maxcount_j, in the capacity row's unit) and the capacity family's module terms of them.
    """
    sites = md.inst.table(sheet)
    index = pd.DataFrame({"node": np.repeat(np.arange(md.n_nodes), len(sites)),
                          site: np.tile(sites[site].to_numpy(), md.n_nodes)})
    pos = np.tile(np.arange(len(sites)), md.n_nodes)
    node = index["node"].to_numpy()
    cap = md.node_values(sheet, "capacity_t")[node, pos] if len(sites) else np.zeros(0)
    site_open = md.node_period[node] >= _online_from(md, sheet)[pos]
    keep = site_open & (np.nan_to_num(cap, nan=np.inf) == 0)
    index = index[keep].reset_index(drop=True)
    terms = _module_terms(md, index, site, np.ones(len(index), dtype=bool))
    if not len(terms.row):
        return index.iloc[:0].assign(u_mod=np.zeros(0)), terms
    builds = md.var_ix["modules_built"]
    module_row = builds["module_row"].to_numpy()[terms.col]
    max_count = md.modules["max_count"].astype(float).to_numpy()[module_row]
    per_module = pd.DataFrame({"row": terms.row, "module_row": module_row,
                               "cap": np.abs(terms.coef) * max_count})
    u_mod = per_module.groupby(["row", "module_row"])["cap"].max().groupby(level="row").sum()
    index = index.iloc[u_mod.index.to_numpy()].assign(u_mod=u_mod.to_numpy())
    # Renumber the term rows to the kept rows' positions.
    new_row = pd.Series(np.arange(len(u_mod)), index=u_mod.index.to_numpy())
    terms = Terms(terms.var, new_row.loc[terms.row].to_numpy(), terms.col, terms.coef)
    return index.reset_index(drop=True), terms


def _lane_flows(md: ModelData) -> pd.DataFrame:
    """Every flow variable as (var, col, node, lane, origin, destination, element, bound).

    ``bound`` is what a lane can carry of that product in the node whatever the build: the
    lane's capacity (blank = ∞) and, into a demand node, that node's demand of the element
    (the demand row is an equality). ``element`` is ``concentrate`` for mine → plant lanes.
    """
    lane_cap = np.nan_to_num(md.node_values("lanes", "capacity_t"), nan=np.inf)
    conc = md.var_ix["ship_concentrate_t"]
    parts = [pd.DataFrame({"var": "ship_concentrate_t", "col": np.arange(len(conc)),
                           "node": conc["node"].to_numpy(), "lane": conc["lane"].to_numpy(),
                           "origin": np.asarray(conc["mine"], dtype=object),
                           "destination": np.asarray(conc["plant"], dtype=object),
                           "element": "concentrate"})]
    ox = md.var_ix["ship_oxide_t"]
    parts.append(pd.DataFrame({"var": "ship_oxide_t", "col": np.arange(len(ox)),
                               "node": ox["node"].to_numpy(), "lane": ox["lane"].to_numpy(),
                               "origin": np.asarray(ox["origin"], dtype=object),
                               "destination": np.asarray(ox["destination"], dtype=object),
                               "element": np.asarray(ox["element"], dtype=object)}))
    flows = pd.concat(parts, ignore_index=True)
    bound = lane_cap[flows["node"].to_numpy(), flows["lane"].to_numpy()]
    is_demand = (ox["destination_kind"].to_numpy() == "demands")
    into = np.concatenate([np.zeros(len(conc), bool), is_demand])
    if into.any():
        d = flows.loc[into, ["node", "destination", "element"]].rename(
            columns={"destination": "demand"})
        bound[into] = np.minimum(bound[into], demand_rhs(md, d))
    return flows.assign(bound=bound)


def add_module_flow_link(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Strong linking: a lane at a site whose capacity comes only from modules carries
    nothing unless a module there is online, and then at most what it could ever carry.

    .. math:: \sum_{x \in flows(n,l,e)} x \;-\; U_{n,l,e} \sum_{j \in J(s)}
              \sum_{b \in on_j(n)} b \;\le\; 0
              \quad \forall n,\ s \text{ with } cap_{n,s} = 0,\ l \in in(s) \cup out(s),\ e

    for every mine and plant *s* open in *t(n)* with no capacity of its own in node *n* and
    some module *j* that can be online there (*on_j(n)*: the build variables the capacity row
    of *s* counts in node *n*). *flows(n, l, e)* are the flows of product *e* on lane *l*
    (concentrate on a mine → plant lane; each element, summed over provenance, on a plant's
    oxide lane). The bound

    .. math:: U_{n,l,e} = \min\bigl(\overline{L}_{n,l},\ D_{n,d,e} \text{ if } l \to d
              \text{ is a demand},\ \kappa_{s,e} \textstyle\sum_j len(t(n))\, inc_j\,
              maxcount_j\bigr)

    uses the most module capacity the site can have (*κ* = 1 for concentrate, the best
    assay × recovery of any feed of *s* for an oxide *e*). Implied at every integer build:
    with no module online the capacity row forces the site's flows to 0, and with one or more
    online each flow is within *U* anyway; so no optimum changes (see the module docstring for
    duals and diagnosis). Units: t per period. Skipped when no site qualifies.
    """
    flows = _lane_flows(md)
    index_parts, terms, offset = [], [], 0
    for sheet, site, ends in (("mines", "mine", ("origin",)),
                              ("plants", "plant", ("destination", "origin"))):
        sites, mod_terms = _module_only_sites(md, sheet, site)
        if sites.empty:
            continue
        row_of_site = pd.Series(np.arange(len(sites)),
                                index=pd.MultiIndex.from_frame(sites[["node", site]]))
        builds_of_site = pd.DataFrame({"site_row": mod_terms.row, "col": mod_terms.col})
        for end in ends:
            keys = pd.MultiIndex.from_arrays([flows["node"].to_numpy(), flows[end].to_numpy()])
            hit = keys.isin(row_of_site.index)
            f = flows[hit].assign(site_row=row_of_site.loc[keys[hit]].to_numpy())
            if f.empty:
                continue
            kappa = np.ones(len(f))
            if sheet == "plants" and end == "origin":  # a plant's oxide: its best yield of e
                best = (md.plant_yield["share"] * md.plant_yield["recovery"]).groupby(
                    [md.plant_yield["plant"], md.plant_yield["element"]]).max()
                kappa = best.reindex(pd.MultiIndex.from_arrays(
                    [f["origin"].to_numpy(), f["element"].to_numpy()])).fillna(0.0).to_numpy()
            f = f.assign(u=np.minimum(f["bound"].to_numpy(),
                                      kappa * sites["u_mod"].to_numpy()[f["site_row"].to_numpy()]))
            group = f.groupby(["node", "lane", "element"], sort=True)
            link = group.ngroup().to_numpy()  # the link row of each flow, in the order of agg
            links = group.agg(origin=("origin", "first"), destination=("destination", "first"),
                              site_row=("site_row", "first"), u=("u", "max")).reset_index()
            for var in ("ship_concentrate_t", "ship_oxide_t"):
                sel = (f["var"] == var).to_numpy()
                terms.append(Terms.of(var, offset + link[sel], f["col"].to_numpy()[sel]))
            # −U · b for every build variable the site's capacity row counts in the node.
            j = links[["site_row", "u"]].assign(link=np.arange(len(links))).merge(
                builds_of_site, on="site_row")
            terms.append(Terms.of("modules_built", offset + j["link"].to_numpy(), j["col"],
                                  -j["u"].to_numpy(float)))
            index_parts.append(links[["node", "lane", "origin", "destination", "element", "u"]]
                               .rename(columns={"u": "bound_t"}))
            offset += len(links)
    index = pd.concat(index_parts, ignore_index=True) if index_parts else pd.DataFrame(
        columns=["node", "lane", "origin", "destination", "element", "bound_t"])
    add_rows(m, md, "module_flow_link", index, terms, "<=", 0.0,
             "Flow on a module-only site's lane ≤ its bound × modules online (t/period).")
