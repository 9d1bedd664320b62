"""The formulation: Instance → Pyomo model. ``build_model`` is its table of contents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizer.formulation.balance import add_demand_balance, add_plant_output, add_stock_balance
from optimizer.formulation.capacity import (
    add_lane_capacity,
    add_mine_capacity,
    add_module_build_limit,
    add_plant_capacity,
    add_stock_capacity,
    add_trader_capacity,
)
from optimizer.formulation.data import ModelData, build_model_data
from optimizer.formulation.objective import add_total_cost
from optimizer.formulation.trade import (
    add_diversification_cap,
    add_end_use_share_limit,
    add_end_use_tonnage_limit,
    add_export_quota_cap,
)
from optimizer.formulation.variables import add_variables
from optimizer.instance import Instance

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is asked for
    import pyomo.environ as pyo

CONSTRAINT_FAMILIES = (
    "demand_balance", "plant_output", "stock_balance", "mine_capacity", "plant_capacity",
    "trader_capacity", "lane_capacity", "stock_capacity", "module_build_limit",
    "export_quota_cap", "end_use_tonnage_limit", "end_use_share_limit", "diversification_cap",
)
"""Constraint families in model order; shadow-price tables use these names."""


def build_model(inst: Instance, pyomo: bool = True) -> tuple["pyo.ConcreteModel | None", ModelData]:
    """Build the model of ``inst``; return it with the index frames and arrays describing it.

    Every family is recorded as arrays in ``md.families`` (what HiGHS receives). With
    ``pyomo=False`` no Pyomo components are created: the fast path of ``supplyopt solve``,
    which skips Pyomo's per-element expression objects entirely. Both paths run the same
    family functions, so they cannot drift apart (tests/test_backends.py checks it).
    """
    md = build_model_data(inst)
    m = None
    if pyomo:
        import pyomo.environ as pyo

        m = pyo.ConcreteModel(name=inst.name)
    if m is not None:
        add_variables(m, md)
    # Balances
    add_demand_balance(m, md)
    add_plant_output(m, md)
    add_stock_balance(m, md)
    # Capacities and builds
    add_mine_capacity(m, md)
    add_plant_capacity(m, md)
    add_trader_capacity(m, md)
    add_lane_capacity(m, md)
    add_stock_capacity(m, md)
    add_module_build_limit(m, md)
    # Policy
    add_export_quota_cap(m, md)
    add_end_use_tonnage_limit(m, md)
    add_end_use_share_limit(m, md)
    add_diversification_cap(m, md)
    # Objective
    add_total_cost(m, md)
    return m, md


__all__ = ["CONSTRAINT_FAMILIES", "ModelData", "build_model"]
