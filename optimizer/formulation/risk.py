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

Each scenario's cost is written through one cost variable per tree node,
:math:`k_n \ge 10^{-6}\, \delta_{t(n)}\, c_n \cdot x_n` (row ``node_cost``, column
``node_cost_musd``, free; :func:`add_node_cost` says why ``≥``), so that
:math:`10^{-6} C_s(x) = \sum_{n \ni s} k_n + 10^{-6}\,\text{(builds and signings decided on
its path)}`. Writing :math:`C_s` out in full would repeat every cost term of a node in each
scenario through it: dense rows with which HiGHS took several times the risk-neutral time (the
2035 baseline at λ = 0.5: 41.0 s against 16.2 s CPU; the medium preset unfinished after 11
minutes against 2). η, z_s, k_n and both row families are in million USD
(:data:`RISK_UNIT_USD`): in USD the rows balance 10¹⁰ against HiGHS's absolute tolerance of
10⁻⁷ (docs/model.md has what each variant did).

:math:`C_s(x)` is the discounted cost of the plan if scenario *s* happens: the cost of every
node on its path without the node's probability, :math:`\sum_{n \ni s} \delta_{t(n)}\,
c_n \cdot x_n`, plus the full discounted capex and fixed O&M of the builds decided on its path
(here-and-now builds on every path). It is the ``cost_usd`` of
:func:`optimizer.results.scenario_costs`, and :math:`\sum_s p_s C_s` is the risk-neutral
objective of :mod:`optimizer.formulation.objective`.

At λ = 0 (the default) nothing is added: the three variable families have no columns, the
``node_cost`` and ``cvar_excess`` families no rows, and the objective's coefficients are left
as they are, so the matrix HiGHS receives is exactly the risk-neutral one.
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

RISK_VARS = ("cvar_threshold_musd", "cvar_excess_musd", "node_cost_musd")
"""η (one column, free), z_s (one per scenario, ≥ 0) and k_n (one per tree node, free), all in
million USD (:data:`RISK_UNIT_USD`); empty when λ = 0."""

FREE_VARS = ("cvar_threshold_musd", "node_cost_musd")
"""Variable families without a lower bound of 0 (solve.compile_arrays reads this)."""

RISK_UNIT_USD = 1e6
"""Unit of η, z_s, k_n and of the ``node_cost`` and ``cvar_excess`` rows: million USD. The rows
then balance costs of order 10⁴ rather than 10¹⁰, which HiGHS's absolute feasibility tolerance
(10⁻⁷) can hold: in USD the small preset's risk-averse MIP was declared infeasible at its
optimum. The duals of the rows are therefore per million USD (:mod:`optimizer.risk_measures`
divides by this)."""


def index_risk_variables(md: ModelData) -> None:
    """Index frames of η, z_s and k_n: one row, one per scenario and one per tree node if
    λ > 0, else none."""
    lam, alpha = risk_settings(md.inst)
    md.risk = (lam, alpha)
    on = lam > 0
    # Text as categoricals, like every index frame (optimizer/formulation/data.py _per_node).
    md.var_ix["cvar_threshold_musd"] = pd.DataFrame(
        {"name": pd.Categorical(["eta"] if on else [], categories=["eta"])})
    scen = md.inst.scenarios if on else ()
    names = [s.name for s in md.inst.scenarios]
    md.var_ix["cvar_excess_musd"] = pd.DataFrame({
        "scenario": pd.Categorical([s.name for s in scen], categories=names),
        "probability": pd.Series([float(s.probability) for s in scen], dtype=float)})
    nodes = md.nodes if on else ()
    periods = list(md.inst.periods)
    md.var_ix["node_cost_musd"] = pd.DataFrame({
        "node": pd.Series([n.id for n in nodes], dtype=np.int64),
        "period": pd.Categorical([periods[n.period] for n in nodes], categories=periods),
        "scenarios": pd.Series([n.label for n in nodes], dtype=object).astype("category")})


def _cost_parts(md: ModelData, unit_costs: dict):
    """Per variable family with a cost: (family, node of each column, cost of each column).

    A node-level variable's cost is δ_t(n) × its unit cost (no probability); a build's (or a
    contract signing's: ``DECISION_VARS``) its full discounted cost (``unit_costs``, not
    probability-weighted), node −1 when decided here and now.
    """
    disc = np.asarray(md.inst.discount_factors, dtype=float)
    for var, parts in unit_costs.items():
        ix = md.var_ix[var]
        if not len(ix):
            continue
        unit = np.asarray(sum(parts.values()), dtype=float)
        node = ix["node"].to_numpy().astype(np.int64)
        coef = unit if var in DECISION_VARS else unit * disc[md.node_period[node]]
        yield var, node, coef


def _scenarios_of_nodes(md: ModelData) -> pd.DataFrame:
    """(node, scenario position) for every scenario through every node; node −1 (here and
    now) is in every scenario."""
    pos = {s.name: i for i, s in enumerate(md.inst.scenarios)}
    pairs = pd.DataFrame([(n.id, pos[s]) for n in md.nodes for s in n.scenarios],
                         columns=["node", "scenario"])
    return pd.concat([pairs, pd.DataFrame({"node": -1, "scenario": np.arange(len(pos))})],
                     ignore_index=True)


def scenario_cost_terms(md: ModelData, unit_costs: dict) -> list[Terms]:
    r"""The coefficients of :math:`C_s(x)`: one term per (scenario, variable on its path).

    Rows are scenario positions (``md.inst.scenarios`` order). A node-level variable enters
    through its node's cost variable :math:`k_n` (coefficient 1 in every scenario through
    *n*, see :func:`add_node_cost`); a build or contract signing directly, with its full
    discounted cost, in every scenario of its decision node, or in all of them when it is
    decided here and now (node −1).
    """
    pairs = _scenarios_of_nodes(md)
    terms = []
    for var, node, coef in _cost_parts(md, unit_costs):
        if var not in DECISION_VARS:
            continue
        cols = pd.DataFrame({"node": node, "col": np.arange(len(node)), "coef": coef})
        cols = cols[cols["coef"] != 0].merge(pairs, on="node")
        terms.append(Terms.of(var, cols["scenario"], cols["col"],
                              cols["coef"] / RISK_UNIT_USD))
    k = md.var_ix["node_cost_musd"]
    through = pairs[pairs["node"] >= 0].merge(
        pd.DataFrame({"node": k["node"].to_numpy(), "col": np.arange(len(k))}), on="node")
    terms.append(Terms.of("node_cost_musd", through["scenario"], through["col"], 1.0))
    return terms


def add_node_cost(m: pyo.ConcreteModel | None, md: ModelData) -> None:
    r"""The discounted cost of each tree node's decisions (million USD), for the CVaR rows.

    .. math:: k_n - 10^{-6}\, \delta_{t(n)} \sum_{x \in n} c_x\, x \ge 0 \qquad \forall n

    (*k* in million USD, :data:`RISK_UNIT_USD`; builds and signings enter the CVaR rows
    directly, at their full discounted cost).

    Index: tree nodes (``node``, ``period``, ``scenarios``). Skipped (no rows) when λ = 0.
    ``≥`` rather than ``=``: *k* enters the CVaR rows only as :math:`z_s + \eta - \sum k_n
    \ge \ldots`, so a larger :math:`k_n` only tightens them, and the optimum takes it at the
    node's cost wherever a scenario through *n* is in the tail; elsewhere it may float above,
    which changes no plan and no objective (nothing reads *k*: scenario costs are recomputed
    from the plan). An accounting row: its dual (per million USD) is the risk-adjusted weight
    of node *n*'s costs beyond its expected-cost weight, Σ of μ_s over the scenarios through
    *n*, read through the ``risk`` table rather than as a price.
    """
    index = md.var_ix["node_cost_musd"]
    terms = []
    if len(index):
        row = {int(n): r for r, n in enumerate(index["node"].to_numpy())}
        terms = [Terms.of("node_cost_musd", np.arange(len(index)), np.arange(len(index)))]
        for var, node, coef in _cost_parts(md, unit_costs(md)):
            if var in DECISION_VARS:
                continue
            terms.append(Terms.of(var, [row[int(n)] for n in node], np.arange(len(node)),
                                  -coef / RISK_UNIT_USD))
    add_rows(m, md, "node_cost", index, terms, ">=", 0.0,
             "Discounted cost of a tree node's decisions: k_n − δ c·x / 10⁶ ≥ 0 (M USD).")


def add_cvar_excess(m: pyo.ConcreteModel | None, md: ModelData) -> None:
    r"""The excess of each scenario's cost over the threshold η (million USD).

    .. math:: z_s + \eta - \sum_{n \ni s} k_n - 10^{-6} \sum_{m \ni s} \kappa_m b_m \ge 0
        \qquad \forall s

    (:math:`C_s(x)` in million USD: the node costs *k* of its path and the builds and
    signings :math:`b_m` decided on it at their full discounted cost :math:`\kappa_m`).

    Index: scenarios (``scenario``, ``probability``). Skipped (no rows) when λ = 0. The dual
    (USD of objective per million USD of cost) divided by 10⁶ is μ_s ≥ 0, the extra weight the
    CVaR term puts on scenario *s*: Σ_s μ_s = λ, 0 ≤ μ_s ≤ λ p_s / (1 − α), and the
    risk-adjusted probability of *s* is q_s = (1 − λ) p_s + μ_s (docs/model.md).
    """
    index = md.var_ix["cvar_excess_musd"][["scenario", "probability"]]
    terms = []
    if len(index):
        k = np.arange(len(index))
        terms = [Terms.of("cvar_excess_musd", k, k), Terms.of("cvar_threshold_musd", k, 0 * k)]
        for t in scenario_cost_terms(md, unit_costs(md)):
            t.coef = -t.coef
            terms.append(t)
    add_rows(m, md, "cvar_excess", index, terms, ">=", 0.0,
             "Scenario cost above the CVaR threshold: z_s + η − C_s(x) ≥ 0 (M USD).")


def risk_objective(md: ModelData, coef: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    r"""Objective coefficients under mean-CVaR: (1 − λ) × the expected-cost ones, λ on η,
    λ p_s / (1 − α) on z_s, 0 on the node costs k_n (their terms are priced on the decisions
    themselves). At λ = 0 the expected-cost coefficients are returned untouched.
    """
    lam, alpha = md.risk
    z = md.var_ix["cvar_excess_musd"]
    out = dict(coef) if lam == 0 else {v: (1.0 - lam) * c for v, c in coef.items()}
    out["cvar_threshold_musd"] = np.full(len(md.var_ix["cvar_threshold_musd"]),
                                         lam * RISK_UNIT_USD)
    out["cvar_excess_musd"] = (lam * RISK_UNIT_USD / (1.0 - alpha)
                               * z["probability"].to_numpy(float))
    out["node_cost_musd"] = np.zeros(len(md.var_ix["node_cost_musd"]))  # priced through x
    return out

