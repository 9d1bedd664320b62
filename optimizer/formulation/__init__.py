"""The formulation: Instance → Pyomo model. ``build_model`` is its table of contents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optimizer.formulation.balance import (
    add_demand_balance,
    add_plant_output,
    add_stock_balance,
    add_stock_closing,
)
from optimizer.formulation.capacity import (
    add_lane_capacity,
    add_mine_capacity,
    add_module_build_limit,
    add_plant_capacity,
    add_stock_capacity,
    add_trader_capacity,
)
from optimizer.formulation.contracts import (
    add_contract_delivery,
    add_contract_max_take,
    add_contract_pay_taken,
    add_contract_sign_once,
    add_contract_take_or_pay,
    index_contract_variables,
)
from optimizer.formulation.data import ModelData, build_model_data
from optimizer.formulation.risk import add_cvar_excess, add_node_cost, index_risk_variables
from optimizer.formulation.service import add_service_floor
from optimizer.formulation.tightening import add_module_flow_link
from optimizer.formulation.total_cost import add_total_cost
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

FAMILIES = (
    # (constraint family, builder, sheets whose overridable columns it reads), in model order.
    # The reads let a live model (optimizer/live.py) rebuild only the families a batch run's
    # overrides touch; tests/test_live.py checks every overridable column against a rebuild.
    # Balances
    ("demand_balance", add_demand_balance, ("demand_quantities",)),
    ("plant_output", add_plant_output, ()),
    ("stock_balance", add_stock_balance, ("stockpiles",)),
    # Capacities and builds
    ("mine_capacity", add_mine_capacity, ("mines", "modules")),
    ("plant_capacity", add_plant_capacity, ("plants", "modules")),
    ("trader_capacity", add_trader_capacity, ("traders",)),
    ("lane_capacity", add_lane_capacity, ("lanes",)),
    ("stock_capacity", add_stock_capacity, ("stockpiles",)),
    ("stock_closing", add_stock_closing, ("stockpiles",)),
    ("module_build_limit", add_module_build_limit, ("modules",)),
    # Contracts: no rows without a contracts sheet (optimizer/formulation/contracts.py)
    ("contract_sign_once", add_contract_sign_once, ()),
    ("contract_max_take", add_contract_max_take, ("contracts",)),
    ("contract_take_or_pay", add_contract_take_or_pay, ("contracts",)),
    ("contract_pay_taken", add_contract_pay_taken, ()),
    ("contract_delivery", add_contract_delivery, ()),
    # Policy
    ("export_quota_cap", add_export_quota_cap, ("export_quotas",)),
    ("end_use_tonnage_limit", add_end_use_tonnage_limit, ("end_use_limits",)),
    ("end_use_share_limit", add_end_use_share_limit, ("end_use_limits",)),
    ("diversification_cap", add_diversification_cap, ("diversification_caps",)),
    ("service_floor", add_service_floor, ("service_levels", "demand_quantities")),
    # Implied: rows every integer plan satisfies anyway, to tighten the MIP (IMPLIED_FAMILIES)
    ("module_flow_link", add_module_flow_link,
     ("lanes", "demand_quantities", "modules", "mines", "plants")),
    # Risk: no rows unless settings.risk_weight > 0; its rows hold each scenario's cost
    ("node_cost", add_node_cost, ("elements", "mines", "plants", "traders", "stockpiles",
                                  "demands", "demand_quantities", "lanes", "tariffs",
                                  "modules", "contracts")),
    ("cvar_excess", add_cvar_excess, ("elements", "mines", "plants", "traders", "stockpiles",
                                      "demands", "demand_quantities", "lanes", "tariffs",
                                      "modules", "contracts")),
)

IMPLIED_FAMILIES = ("module_flow_link",)
"""Families implied by the others at every integer build (optimizer/formulation/tightening.py).

They only tighten the MIP's relaxations: the LP re-solved with builds fixed for shadow prices
and the elastic LP of an infeasibility diagnosis drop them, and they get no shadow-price table."""

OBJECTIVE_READS = ("elements", "mines", "plants", "traders", "stockpiles", "demands",
                   "demand_quantities", "lanes", "tariffs", "modules", "contracts")
"""Sheets whose overridable columns enter the objective (costs, prices, tariffs, capex)."""

OBJECTIVE_FAMILIES = ("node_cost", "cvar_excess")
"""Rows that define the objective, not requirements (mean-CVaR, optimizer/formulation/risk.py):
their duals are the CVaR's weights on the scenarios, reported as the ``risk`` table's
risk-adjusted probabilities instead of a ``dual_`` table."""

CONSTRAINT_FAMILIES = tuple(name for name, _, _ in FAMILIES
                            if name not in IMPLIED_FAMILIES + OBJECTIVE_FAMILIES)
"""Constraint families in model order, implied and objective ones left out; shadow-price
tables use these."""


def build_model(inst: Instance, pyomo: bool = True) -> tuple["pyo.ConcreteModel | None", ModelData]:
    """Build the model of ``inst``; return it with the index frames and arrays describing it.

    Every family is recorded as arrays in ``md.families`` (what HiGHS receives). With
    ``pyomo=False`` no Pyomo components are created: the fast path of ``supplyopt solve``,
    which skips Pyomo's per-element expression objects entirely. Both paths run the same
    family functions, so they cannot drift apart (tests/test_backends.py checks it).
    """
    md = build_model_data(inst)
    md.family_builders = FAMILIES
    index_risk_variables(md)
    index_contract_variables(md)
    m = None
    if pyomo:
        import pyomo.environ as pyo

        m = pyo.ConcreteModel(name=inst.name)
        add_variables(m, md)
    for _, add_family, _ in FAMILIES:
        add_family(m, md)
    add_total_cost(m, md)
    return m, md


__all__ = ["CONSTRAINT_FAMILIES", "FAMILIES", "IMPLIED_FAMILIES", "OBJECTIVE_FAMILIES",
           "OBJECTIVE_READS", "ModelData", "build_model"]
