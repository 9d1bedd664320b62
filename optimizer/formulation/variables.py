"""Decision variables. Each family is indexed by the rows of its index frame in ``md.var_ix``.

=====================  =======================================================  =========
name                   meaning                                                  unit
=====================  =======================================================  =========
ship_concentrate_t     concentrate mined at *m* and fed to plant *p* (lane l)   t REO
ship_oxide_t           oxide of element *e*, mined in *mc*, processed in *pc*,  t
                       shipped on lane *l*
stock_t                end-of-period stock of a lot (stockpile, mc, pc)          t
unmet_demand_t         demand of (*d*, *e*) not served                           t
modules_built          modules of candidate *j* first online in period *t*      count
cvar_threshold_musd    η, the CVaR threshold (free; only when risk_weight > 0)  M USD
cvar_excess_musd       z_s, scenario *s*'s cost above η (only when              M USD
                       risk_weight > 0)
contract_signed        contract *c* signed in a tree node (adaptive contracts)  yes/no
contract_taken_t       contracted tonnes taken from *c* in a node               t
contract_paid_t        contracted tonnes paid for (take-or-pay) in a node       t
node_cost_musd         k_n, the discounted cost of node *n*'s decisions (free;  M USD
                       only when risk_weight > 0)
=====================  =======================================================  =========

The flows, stocks and unmet demand are per scenario-tree node and continuous;
``modules_built`` is decided in a tree node (or here and now) and shared by its scenarios.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizer.formulation.data import ModelData

if TYPE_CHECKING:
    import pyomo.environ as pyo


def add_variables(m: "pyo.ConcreteModel", md: ModelData) -> None:
    """Declare every variable family over ``range(len(index frame))``."""
    import pyomo.environ as pyo

    docs = {
        "ship_concentrate_t": "Concentrate shipped on a mine→plant lane in a node (t REO).",
        "ship_oxide_t": "Oxide shipped on a lane, by element and provenance, in a node (t).",
        "stock_t": "Stock of a lot at the end of a node's period (t).",
        "unmet_demand_t": "Demand not served in a node (t).",
    }
    for name, doc in docs.items():
        setattr(m, name, pyo.Var(range(len(md.var_ix[name])), domain=pyo.NonNegativeReals, doc=doc))
    builds = md.var_ix["modules_built"]
    max_count = md.modules["max_count"].to_numpy() if len(md.modules) else []
    bounds = {k: (0, int(max_count[j])) for k, j in enumerate(builds["module_row"])}
    m.modules_built = pyo.Var(range(len(builds)), domain=pyo.NonNegativeIntegers,
                              bounds=lambda _m, k: bounds[k],
                              doc="Modules of a candidate first online in a period (count).")
    m.cvar_threshold_musd = pyo.Var(range(len(md.var_ix["cvar_threshold_musd"])),
                                   domain=pyo.Reals, doc="CVaR threshold η (million USD).")
    m.cvar_excess_musd = pyo.Var(range(len(md.var_ix["cvar_excess_musd"])),
                                domain=pyo.NonNegativeReals,
                                doc="Scenario cost above the CVaR threshold (million USD).")
    m.node_cost_musd = pyo.Var(range(len(md.var_ix["node_cost_musd"])), domain=pyo.Reals,
                              doc="Discounted cost of a tree node's decisions (million USD).")
    m.contract_signed = pyo.Var(range(len(md.var_ix["contract_signed"])), domain=pyo.Binary,
                                doc="Contract signed in a tree node (yes/no).")
    m.contract_taken_t = pyo.Var(range(len(md.var_ix["contract_taken_t"])),
                                 domain=pyo.NonNegativeReals,
                                 doc="Contracted tonnes taken in a node (t).")
    m.contract_paid_t = pyo.Var(range(len(md.var_ix["contract_paid_t"])),
                                domain=pyo.NonNegativeReals,
                                doc="Contracted tonnes paid for in a node, take-or-pay (t).")
