r"""Mean-CVaR objective: expected cost traded against the cost of the worst scenarios.

With λ = ``settings.risk_weight`` and α = ``settings.cvar_alpha``, the plan minimises

.. math::

    (1 - \lambda)\, \mathbb{E}[C] + \lambda\, \mathrm{CVaR}_\alpha(C), \qquad
    \mathrm{CVaR}_\alpha(C) = \min_\eta\ \eta + \frac{1}{1-\alpha} \sum_s p_s\, (C_s - \eta)^+

(Rockafellar and Uryasev, 2000), linearised with one variable per scenario:

.. math::

    \min\ (1-\lambda) \sum_s p_s C_s(x) + \lambda \Big(\eta + \frac{1}{1-\alpha}
        \sum_s p_s z_s\Big) \quad\text{s.t.}\quad z_s + \eta - C_s(x) \ge 0,\ z_s \ge 0,\
        \eta \text{ free.}

:math:`C_s(x)` is the discounted cost of the plan if scenario *s* happens: the cost of every
node on its path without the node's probability, :math:`\sum_{n \ni s} \delta_{t(n)}\,
c_n \cdot x_n`, plus the full discounted capex and fixed O&M of the builds decided on its path
(here-and-now builds on every path). It is the ``cost_usd`` of
:func:`optimizer.results.scenario_costs`, and :math:`\sum_s p_s C_s` is the risk-neutral
objective of :mod:`optimizer.formulation.objective`.

At λ = 0 (the default) nothing is added: the two variable families have no rows, the
``cvar_excess`` family no rows, and the objective's coefficients are left as they are, so the
matrix HiGHS receives is exactly the risk-neutral one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.formulation.objective import unit_costs
from optimizer.formulation.rows import DECISION_VARS, Terms, add_rows
from optimizer.risk_settings import (  # noqa: F401  (re-exported: the settings live below)
    DEFAULT_ALPHA,
    apply_setting_overrides,
    risk_settings,
    with_risk,
)

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo

RISK_VARS = ("cvar_threshold_usd", "cvar_excess_usd")
"""η (one column, free) and z_s (one per scenario, ≥ 0), in USD; empty when λ = 0."""

FREE_VARS = ("cvar_threshold_usd",)
"""Variable families without a lower bound of 0 (solve.compile_arrays reads this)."""


def index_risk_variables(md: ModelData) -> None:
    """Index frames of η and z_s: one row and one row per scenario if λ > 0, else none."""
    lam, alpha = risk_settings(md.inst)
    md.risk = (lam, alpha)
    on = lam > 0
    # Text as categoricals, like every index frame (optimizer/formulation/data.py _per_node).
    md.var_ix["cvar_threshold_usd"] = pd.DataFrame(
        {"name": pd.Categorical(["eta"] if on else [], categories=["eta"])})
    scen = md.inst.scenarios if on else ()
    names = [s.name for s in md.inst.scenarios]
    md.var_ix["cvar_excess_usd"] = pd.DataFrame({
        "scenario": pd.Categorical([s.name for s in scen], categories=names),
        "probability": pd.Series([float(s.probability) for s in scen], dtype=float)})


def scenario_cost_terms(md: ModelData, unit_costs: dict) -> list[Terms]:
    r"""The coefficients of :math:`C_s(x)`: one term per (scenario, variable on its path).

    Rows are scenario positions (``md.inst.scenarios`` order). A node-level variable gets
    δ_t(n) × its unit cost in every scenario through its node; a build (or a contract
    signing: ``DECISION_VARS``) its full discounted cost (``unit_costs``, not
    probability-weighted) in every scenario of its decision node, or in all of them when it
    is decided here and now (node −1).
    """
    names = [s.name for s in md.inst.scenarios]
    pos = {s: i for i, s in enumerate(names)}
    pairs = pd.DataFrame([(n.id, pos[s]) for n in md.nodes for s in n.scenarios],
                         columns=["node", "scenario"])
    pairs = pd.concat([pairs, pd.DataFrame({"node": -1, "scenario": np.arange(len(names))})],
                      ignore_index=True)
    disc = np.asarray(md.inst.discount_factors, dtype=float)
    terms = []
    for var, parts in unit_costs.items():
        ix = md.var_ix[var]
        if not len(ix):
            continue
        unit = np.asarray(sum(parts.values()), dtype=float)
        node = ix["node"].to_numpy().astype(np.int64)
        coef = unit if var in DECISION_VARS else unit * disc[md.node_period[node]]
        cols = pd.DataFrame({"node": node, "col": np.arange(len(ix)), "coef": coef})
        cols = cols[cols["coef"] != 0].merge(pairs, on="node")
        terms.append(Terms.of(var, cols["scenario"], cols["col"], cols["coef"]))
    return terms


def add_cvar_excess(m: pyo.ConcreteModel | None, md: ModelData) -> None:
    r"""The excess of each scenario's cost over the threshold η (USD).

    .. math:: z_s + \eta - C_s(x) \ge 0 \qquad \forall s

    Index: scenarios (``scenario``, ``probability``). Skipped (no rows) when λ = 0. The dual
    μ_s ≥ 0 (USD of objective per USD of cost) is the extra weight the CVaR term puts on
    scenario *s*: Σ_s μ_s = λ, 0 ≤ μ_s ≤ λ p_s / (1 − α), and the risk-adjusted probability
    of *s* is q_s = (1 − λ) p_s + μ_s (docs/model.md).
    """
    index = md.var_ix["cvar_excess_usd"][["scenario", "probability"]]
    terms = []
    if len(index):
        k = np.arange(len(index))
        terms = [Terms.of("cvar_excess_usd", k, k), Terms.of("cvar_threshold_usd", k, 0 * k)]
        for t in scenario_cost_terms(md, unit_costs(md)):
            t.coef = -t.coef
            terms.append(t)
    add_rows(m, md, "cvar_excess", index, terms, ">=", 0.0,
             "Scenario cost above the CVaR threshold: z_s + η − C_s(x) ≥ 0 (USD).")


def risk_objective(md: ModelData, coef: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    r"""Objective coefficients under mean-CVaR: (1 − λ) × the expected-cost ones, λ on η,
    λ p_s / (1 − α) on z_s. At λ = 0 the expected-cost coefficients are returned untouched.
    """
    lam, alpha = md.risk
    z = md.var_ix["cvar_excess_usd"]
    out = dict(coef) if lam == 0 else {v: (1.0 - lam) * c for v, c in coef.items()}
    out["cvar_threshold_usd"] = np.full(len(md.var_ix["cvar_threshold_usd"]), lam)
    out["cvar_excess_usd"] = lam * z["probability"].to_numpy(float) / (1.0 - alpha)
    return out

