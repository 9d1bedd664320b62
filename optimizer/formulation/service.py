r"""Service-level floors: a critical end use gets at least a share of its demand, always.

A row of sheet ``service_levels`` (end use *u*, element *e* or ``*``, share σ) requires, in
every node of the scenario tree (so in every scenario and period),

.. math:: \sum_{d:\ use(d) = u} u_{n,d,e} \;\le\; (1 - \sigma_{n})
          \sum_{d:\ use(d) = u} D_{n,d,e}

which, with the demand balance (delivered + unmet = demand), is "served ≥ σ × demand" summed
over the end use's demand nodes. The penalty on unmet demand prices a shortfall on average;
a floor bounds it in each scenario, the way a planner states a requirement for defence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.balance import demand_rhs
from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows
from optimizer.formulation.trade import _expand_rules
from optimizer.schema import ANY

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo


def add_service_floor(m: pyo.ConcreteModel | None, md: ModelData) -> None:
    r"""Unmet demand of an end use's element stays within (1 − σ) of its demand, per node.

    .. math:: \sum_{d \in D_u} u_{n,d,e} \le (1 - \sigma_{n,r}) \sum_{d \in D_u} D_{n,d,e}
              \quad \forall n, r = (u, E_r), e \in E_r

    Index: node, rule (row of ``service_levels``), end_use, element, value (σ in that node).
    An element ``*`` gives one row per element the end use demands. Rows are kept only where
    some of the end use's demand can go unmet (a must-serve demand has no *u*: it is served in
    full already). Units: t per period. Dual ≤ 0 (USD/t): what one more tonne of allowed
    shortfall would save; −dual / (1 − σ) per tonne of demand is what the floor costs.
    Infeasible floors are explained by :mod:`optimizer.diagnose` (the family is elastic).
    """
    cols = ["node", "rule", "end_use", "element", "value"]
    rules = _expand_rules(md, "service_levels", "min_served_share")
    index = pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object) for c in cols})
    terms, rhs = [], 0.0
    if len(rules):
        end_use = dict(zip(md.demands["demand"], md.demands["end_use"], strict=True))
        un = md.var_ix["unmet_demand_t"][["node", "demand", "element"]].copy()
        un["col"] = np.arange(len(un))
        un["end_use"] = un["demand"].map(end_use).astype(object)
        un["element"] = un["element"].astype(object)
        # One row per (node, rule, element) that some unmet-demand column can fill.
        cand = un[["node", "end_use", "element"]].drop_duplicates().rename(
            columns={"element": "unmet_element"})
        r = rules[["node", "rule", "end_use", "element", "value"]].merge(
            cand, on=["node", "end_use"])
        r = r[(r["element"] == ANY) | (r["element"] == r["unmet_element"])]
        r["element"] = r["unmet_element"]
        index = r[cols].sort_values(["node", "rule", "element"]).reset_index(drop=True)
        index["row"] = np.arange(len(index))
        j = index.merge(un, on=["node", "end_use", "element"])
        terms.append(Terms.of("unmet_demand_t", j["row"], j["col"]))
        # Demand of every node of the end use (must-serve ones included: the share is of all).
        pairs = md.demand_pairs.assign(end_use=md.demand_pairs["demand"].map(end_use))
        dem = index[["row", "node", "end_use", "element"]].merge(pairs, on=["end_use", "element"])
        per = np.zeros(len(index))
        np.add.at(per, dem["row"].to_numpy(), demand_rhs(md, dem))
        rhs = (1.0 - index["value"].to_numpy(float)) * per
        index = index.drop(columns="row")
    add_rows(m, md, "service_floor", index, terms, "<=", rhs,
             "Unmet demand of an end use ≤ (1 − min served share) × its demand (t/period).")
