r"""A plan's risk profile: E[cost], VaR_α, CVaR_α and each scenario's cost.

The cost of a scenario is its ``cost_usd`` in :func:`optimizer.results.scenario_costs` (the
discounted cost of the plan if the scenario happens); these functions only summarise that
distribution, so the risk table and the CVaR the solver minimised are one figure.

With costs :math:`C_s` of probability :math:`p_s` and a level α ∈ (0, 1):

.. math::

    \mathrm{VaR}_\alpha = \min\{c : \textstyle\sum_{s: C_s \le c} p_s \ge \alpha\}, \qquad
    \mathrm{CVaR}_\alpha = \mathrm{VaR}_\alpha + \frac{1}{1-\alpha}
        \sum_s p_s\, (C_s - \mathrm{VaR}_\alpha)^+

the lower α-quantile and the mean cost of the worst 1 − α of probability (Rockafellar and
Uryasev, 2002: the minimum of the CVaR objective over η is attained at η = VaR_α).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROB_TOL = 1e-12
"""Slack on cumulative probabilities: 0.9 reached by 0.3 + 0.6 counts as reached."""


def tail_measures(cost, prob, alpha: float) -> tuple[float, float]:
    """(VaR_α, CVaR_α) of the discrete distribution (module docstring), in cost's unit."""
    cost = np.asarray(cost, dtype=float)
    prob = np.asarray(prob, dtype=float)
    if len(cost) == 0:
        return float("nan"), float("nan")
    order = np.argsort(cost, kind="stable")
    cum = np.cumsum(prob[order])
    k = int(np.searchsorted(cum, alpha - PROB_TOL))
    var = float(cost[order][min(k, len(cost) - 1)])
    cvar = var + float(np.sum(prob * np.maximum(cost - var, 0.0))) / (1.0 - alpha)
    return var, cvar


def risk_table(md, out, costs: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario: its probability, cost and weights in the plan's objective.

    Columns: ``scenario``, ``probability``, ``cost_usd`` (``scenario_costs``),
    ``excess_over_var_usd`` = (C_s − VaR_α)^+, ``risk_adjusted_probability`` q_s =
    (1 − λ) p_s + μ_s with μ_s the dual of the scenario's ``cvar_excess`` row (= p_s when
    λ = 0; NaN when the solve gave no duals). The q_s sum to 1: they are the probabilities
    under which the risk-averse plan is a least-expected-cost plan (docs/model.md).
    """
    from optimizer.formulation.risk import RISK_UNIT_USD, risk_settings

    lam, alpha = risk_settings(md.inst)
    p = costs["probability"].to_numpy(float)
    c = costs["cost_usd"].to_numpy(float)
    var, _ = tail_measures(c, p, alpha)
    if lam == 0:
        q = p.copy()
    else:
        mu = (out.duals or {}).get("cvar_excess")  # USD of objective per million USD of cost
        q = (1.0 - lam) * p + np.asarray(mu, dtype=float) / RISK_UNIT_USD \
            if mu is not None and len(mu) == len(p) else np.full(len(p), np.nan)
    return pd.DataFrame({"scenario": costs["scenario"], "probability": p, "cost_usd": c,
                         "excess_over_var_usd": np.maximum(c - var, 0.0),
                         "risk_adjusted_probability": q})


def risk_summary(inst, risk: pd.DataFrame | None) -> dict:
    """The fields of summary.json's ``risk``: λ, α, E[cost], VaR_α, CVaR_α and the objective
    (1 − λ) E + λ CVaR they give, in USD.
    """
    from optimizer.formulation.risk import risk_settings

    lam, alpha = risk_settings(inst)
    if risk is None or len(risk) == 0:
        return {"risk_weight": lam, "cvar_alpha": alpha}
    p = risk["probability"].to_numpy(float)
    c = risk["cost_usd"].to_numpy(float)
    expected = float(np.sum(p * c))
    var, cvar = tail_measures(c, p, alpha)
    return {"risk_weight": lam, "cvar_alpha": alpha, "expected_cost_usd": expected,
            "var_usd": var, "cvar_usd": cvar,
            "mean_cvar_objective_usd": (1.0 - lam) * expected + lam * cvar,
            "worst_scenario": str(risk["scenario"].iloc[int(np.argmax(c))]),
            "worst_scenario_cost_usd": float(np.max(c))}
