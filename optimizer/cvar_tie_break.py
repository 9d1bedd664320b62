r"""At λ = 1, the plan of least expected cost among the plans of least CVaR.

A mean-CVaR objective with λ = 1 weighs the CVaR alone: every plan whose worst-tail cost is the
least is optimal, whatever it expects to cost, and HiGHS returns whichever it meets first (on
the 2035 baseline one that expects USD 3.01 B where λ = 0.9 reaches the same CVaR at 2.74 B). So
a solve at λ = 1 is lexicographic: first the least CVaR :math:`v^*` (the model as built), then,
in a second solve,

.. math::

    \min\ \mathbb{E}[C(x)] + \mathrm{CVaR}(x) \quad\text{s.t.}\quad
    \eta + \frac{1}{1-\alpha} \sum_s p_s z_s \le 10^{-6} v^*

(the row in million USD, like the CVaR rows, held to HiGHS's feasibility tolerance). The row
keeps the CVaR at its least; the CVaR term in the objective, nearly constant on that set, keeps
η and z_s at their least for the plan, so that η + Σ p_s z_s / (1 − α) is the plan's CVaR and
not an upper bound of it. For a MIP, :math:`v^*` is the first solve's incumbent (within its gap
of the least CVaR), so the second plan's CVaR is no higher.

The first solve's Highs keeps what it had: an LP's shadow prices and ranges are the first
solve's (prices of the CVaR, as the objective says; with the second plan they form an optimal
primal-dual pair of the same LP); a MIP's fixed LP is solved on the second plan's builds. The
second solve is a fresh Highs (HiGHS 1.16 re-run on a solved MIP with changed costs has returned
infeasible points as "optimal": optimizer/alternatives.py), an LP started from the first solve's
basis, a MIP from nothing. It is kept if it meets the row and expects no more than the first
plan (after a time limit, the best plan it found, said so); otherwise the first plan stands and
the outcome says why. On the 2035 baseline the second MIP takes 17–23 s of CPU against 3 s for
the first: HiGHS finds a first plan under the CVaR row only in its sub-MIP heuristics (a MIP
start from the first plan was no faster, 28 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.formulation.risk import RISK_UNIT_USD


@dataclass
class TieBreak:
    """The second solve: its Highs (values), the plan's CVaR (the λ = 1 objective, USD) and
    expected cost before and after (USD), or ``message`` saying why the first plan stands."""
    highs: object = None
    objective: float | None = None
    expected_before: float | None = None
    expected_after: float | None = None
    message: str | None = None


def applies(md) -> bool:
    """Is ``md`` a model at λ = 1 (the CVaR alone)?"""
    return md is not None and getattr(md, "risk", (0.0,))[0] >= 1.0 and \
        getattr(md, "expected_cost_coef", None) is not None


def expected_cost_vector(md, compiled) -> np.ndarray:
    """The expected discounted cost's coefficient of each of ``compiled``'s columns (USD)."""
    cost = np.zeros(compiled.lp.num_col_)
    families = np.asarray(compiled.col_family)
    index = np.asarray(compiled.col_index, dtype=np.int64)
    for family, coef in md.expected_cost_coef.items():
        cols = np.flatnonzero(families == family)
        if len(cols):
            cost[cols] = np.asarray(coef, dtype=float)[index[cols]]
    return cost


def least_expected_cost(md, compiled, options, first, spent_s: float = 0.0) -> TieBreak:
    """Solve the second, lexicographic stage (module docstring) after ``first``, a Highs that
    solved ``compiled`` at λ = 1 to optimality in ``spent_s`` seconds (``options.time_limit_s``
    holds for both solves together)."""
    import highspy

    from optimizer.highs_runtime import _new_highs, run_highs, termination_of

    lp = compiled.lp
    cvar_cost = np.asarray(lp.col_cost_, dtype=float)  # λ = 1: nonzero on η and z_s only
    expected = expected_cost_vector(md, compiled)
    x1 = np.asarray(first.getSolution().col_value, dtype=float)
    v_star = float(cvar_cost @ x1) + float(lp.offset_)
    out = TieBreak(expected_before=float(expected @ x1))
    on = np.flatnonzero(cvar_cost)
    cap_musd = v_star / RISK_UNIT_USD
    is_mip = len(compiled.integer_cols) > 0
    h = _new_highs(options)
    if options.time_limit_s:
        left = options.time_limit_s - spent_s
        if left <= 0:
            out.message = ("λ = 1: no time was left for the second solve (least expected cost "
                           "at the least CVaR); the plan is the first solve's, whose expected "
                           "cost was not weighed")
            return out
        h.setOptionValue("time_limit", float(left))
    h.passModel(lp)
    if not is_mip:
        h.setBasis(first.getBasis())  # the new row's slack enters the basis
    h.addRow(-highspy.kHighsInf, cap_musd - float(lp.offset_) / RISK_UNIT_USD, len(on),
             on.astype(np.int32), cvar_cost[on] / RISK_UNIT_USD)
    n = lp.num_col_
    h.changeColsCost(n, np.arange(n, dtype=np.int32), expected + cvar_cost)
    run_highs(h)
    term = termination_of(h)
    info = h.getInfo()
    if info.primal_solution_status != 2 or term not in ("optimal", "time_limit"):
        out.message = (f"λ = 1: the second solve (least expected cost at the least CVaR) ended "
                       f"{term} without a plan; the plan is the first solve's, whose expected "
                       "cost was not weighed")
        return out
    if term != "optimal":
        out.message = ("λ = 1: the second solve (least expected cost at the least CVaR) reached "
                       "the time limit; the plan is the best it found")
    x2 = np.asarray(h.getSolution().col_value, dtype=float)
    cvar2 = float(cvar_cost @ x2) + float(lp.offset_)
    out.expected_after = float(expected @ x2)
    tol = 1e-7 * max(1.0, abs(v_star))
    if cvar2 > v_star + tol or out.expected_after > out.expected_before + tol:
        out.message = (f"λ = 1: the second solve's plan (CVaR {cvar2:,.0f}, expected "
                       f"{out.expected_after:,.0f} USD) was no better than the first's; the "
                       "first stands")
        return out
    out.highs, out.objective = h, cvar2
    return out


def tie_break_summary(outcome) -> dict:
    """summary.json's ``risk`` fields of a solve at λ = 1: did the second solve pick the plan
    (``least_expected_cost_among_least_cvar``)? Empty below λ = 1."""
    tie = getattr(outcome, "tie_break", None)
    if tie is None:
        return {}
    return {"least_expected_cost_among_least_cvar": tie.highs is not None}


def adopt(outcome, tie: TieBreak | None, first):
    """Give ``outcome`` the second solve's plan, if there is one: its objective (the plan's
    CVaR), a MIP's gap against the first solve's bound, and any message. Returns the Highs to
    read the plan's values from (``first`` when the first plan stands or ``tie`` is None)."""
    if tie is None:
        return first
    outcome.tie_break = tie
    if tie.message:
        outcome.message = tie.message
    if tie.highs is None:
        return first
    outcome.objective = tie.objective
    if outcome.is_mip and outcome.best_bound is not None:
        outcome.gap = (tie.objective - outcome.best_bound) / max(abs(tie.objective), 1e-300)
    return tie.highs
