r"""The objective HiGHS minimises: the expected discounted cost (:mod:`.objective`), or under
mean-CVaR (:mod:`.risk`) its rescaling with the CVaR terms.

.. math:: \min\ (1 - λ)\, E[C(x)] + λ \big(η + \tfrac{1}{1 - α} \sum_s p_s z_s\big)

with λ = 0 (the default) the expected cost alone. Kept apart from both so that the risk
module, which reads the unit costs to form each scenario's cost, and the cost module import in
one direction only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optimizer.formulation.data import ModelData
from optimizer.formulation.objective import objective_coefficients, unit_costs
from optimizer.formulation.risk import risk_objective

if TYPE_CHECKING:
    import pyomo.environ as pyo


def add_total_cost(m: pyo.ConcreteModel | None, md: ModelData) -> None:
    """Declare ``m.total_cost`` (USD; module docstring); record ``md.unit_costs`` and the
    objective's coefficients ``md.objective_coef`` (what HiGHS receives) and those of the
    expected cost alone, ``md.expected_cost_coef``."""
    md.unit_costs = unit_costs(md)
    # Kept apart: at λ = 1 the objective weighs them by 0, and the tie-break among plans of
    # least CVaR minimises them (optimizer/cvar_tie_break.py).
    md.expected_cost_coef = objective_coefficients(md)
    # Mean-CVaR rescales these and prices η and z_s; at λ = 0 they are returned untouched.
    md.objective_coef = risk_objective(md, md.expected_cost_coef)
    if m is None:
        return
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    coefs, variables = [], []
    for var, c in md.objective_coef.items():
        comp = getattr(m, var)
        nz = np.flatnonzero(c)
        coefs.extend(c[nz].tolist())
        variables.extend(comp[int(i)] for i in nz)
    m.total_cost = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables),
        sense=pyo.minimize, doc="Expected discounted total cost (USD); with risk_weight λ > 0, "
        "(1 − λ) × that + λ × CVaR (optimizer/formulation/risk.py).")
