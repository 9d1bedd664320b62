"""λ = 1: the plan of least expected cost among the plans of least CVaR (cvar_tie_break.py).

tests/test_risk.py's instance (one period, discount factor 1, α = 0.8, calm p = 0.8, cut
p = 0.2, module j with capex 450 decided here and now, demand 10 t, lost value 100 USD/t), with
two changes that make a tie: the trader sells at 7 USD/t (not 10), and in scenario cut the
mine's ore costs 8 USD/t (not 5). Plans, scenario by scenario:

* build j, calm served from the mine: calm 450 + 10 × 5 = **500**, cut 450 + 10 × 8 = **530**
  (the trader has no capacity in cut);
* build j, calm served by the trader: calm 450 + 10 × 7 = **520**, cut **530**;
* no build: calm 10 × 7 = 70, cut loses 10 t × 100 = 1,000.

With α = 0.8 the tail is the worst 20 % of probability. Building, calm costs at most 520 < 530,
so the tail is cut alone and CVaR_0.8 = **530** however calm is served (any mix of the mine and
the trader); without the build CVaR = 1,000. So at λ = 1 every build plan is optimal:

* calm from the mine: E = 0.8 × 500 + 0.2 × 530 = 400 + 106 = **506**;
* calm from the trader: E = 0.8 × 520 + 0.2 × 530 = 416 + 106 = **522** (dominated: same CVaR).

The lexicographic solve must report E = 506 and objective (CVaR) 530.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.api import solve
from optimizer.cvar_tie_break import least_expected_cost
from optimizer.formulation import build_model
from optimizer.highs_runtime import _new_highs, run_highs
from optimizer.solve import SolveOptions, compile_arrays
from tests.conftest import build_instance
from tests.test_risk import sheets

EXACT = SolveOptions(mip_rel_gap=0)


def tie_sheets(lam: float = 1.0) -> dict:
    """The instance of the module docstring at λ, α = 0.8."""
    s = sheets(lam, 0.8)
    s["traders"] = [dict(s["traders"][0], price_usd_per_t=7)]
    s["scenario_changes"] = list(s["scenario_changes"]) + [
        {"scenario": "cut", "sheet": "mines", "key": "M", "column": "cost_usd_per_t",
         "value": 8}]
    return s


def test_lambda_one_reports_the_least_expected_cost_at_the_least_cvar():
    """Objective 530 (the CVaR), E 506, calm 500, cut 530 (module docstring); the summary says
    the expected cost broke the tie; the verifier agrees."""
    run = solve(build_instance(tie_sheets()), EXACT)
    risk = run.summary()["risk"]
    assert run.objective == pytest.approx(530.0, rel=1e-9)
    assert risk["cvar_usd"] == pytest.approx(530.0, rel=1e-9)
    assert risk["expected_cost_usd"] == pytest.approx(506.0, rel=1e-9)
    assert risk["least_expected_cost_among_least_cvar"] is True
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs["calm"] == pytest.approx(500.0) and costs["cut"] == pytest.approx(530.0)
    assert run.verification["ok"]


def test_below_one_there_is_no_second_solve():
    """λ = 0.5 weighs E itself: objective 0.5 × 506 + 0.5 × 530 = 518, and no tie-break."""
    run = solve(build_instance(tie_sheets(0.5)), EXACT)
    assert run.objective == pytest.approx(518.0, rel=1e-9)
    assert "least_expected_cost_among_least_cvar" not in run.summary()["risk"]
    assert "tie_break" not in run.outcome.times_s


def test_second_solve_improves_a_dominated_first_plan():
    """A first solve held to the dominated plan (calm's ore flow bounded to 0, so calm buys
    from the trader: E 522, CVaR 530) is improved to E 506 at the same CVaR 530."""
    _, md = build_model(build_instance(tie_sheets()), pyomo=False)
    compiled = compile_arrays(md)
    ore = md.var_ix["ship_concentrate_t"]
    calm_ore = np.flatnonzero((compiled.col_family == "ship_concentrate_t")
                              & np.isin(compiled.col_index,
                                        ore.index[ore["node"] == 0].to_numpy()))
    assert len(calm_ore) == 1  # node 0 is calm (the tree's first scenario)
    first = _new_highs(EXACT)
    first.passModel(compiled.lp)
    first.changeColsBounds(1, calm_ore.astype(np.int32), np.zeros(1), np.zeros(1))
    run_highs(first)
    tie = least_expected_cost(md, compiled, EXACT, first)
    assert tie.message is None
    assert tie.expected_before == pytest.approx(522.0, rel=1e-9)
    assert tie.expected_after == pytest.approx(506.0, rel=1e-9)
    assert tie.objective == pytest.approx(530.0, rel=1e-9)


def test_console_and_report_say_how_the_tie_was_broken():
    """At λ = 1 with the second solve's plan, the console's note and the report's risk
    sentences say the plan has the least expected cost among plans of least CVaR, and no longer
    warn that the expected cost was not weighed."""
    from pathlib import Path

    import pandas as pd

    from optimizer.cli_result import LAMBDA_ONE_NOTE, LAMBDA_ONE_TIE_BREAK, result_rows
    from optimizer.report.html import risk_sentences
    from optimizer.report.load import SavedRun

    run = solve(build_instance(tie_sheets()), EXACT)
    summary = run.summary()
    empty = pd.DataFrame(columns=["scenario", "end_use", "element", "unmet_t", "demand_t"])
    notes = [r for r in result_rows(summary, empty) if r[0] == "note"]
    assert [n[1] for n in notes] == [LAMBDA_ONE_TIE_BREAK]
    assert LAMBDA_ONE_NOTE not in [n[1] for n in notes]
    text = " ".join(risk_sentences(SavedRun(Path("."), {"risk": summary["risk"]}, {})))
    assert "the least expected cost (a second solve" in text
    assert "not weighed" not in text


def test_live_model_breaks_the_tie_too():
    """A batch's live model, built at λ = 0.5, solving a λ = 1 run itself: objective 530, E 506,
    as a cold solve (module docstring); not declined."""
    from optimizer.live import LiveModel
    from optimizer.scenario import parse_override

    live = LiveModel(build_instance(tie_sheets(0.5)), EXACT)
    run = live.solve((parse_override("settings:risk_weight:value=1"),))
    assert run is not None and live.runs["declined"] == 0
    assert run.objective == pytest.approx(530.0, rel=1e-9)
    assert run.summary()["risk"]["expected_cost_usd"] == pytest.approx(506.0, rel=1e-9)
    assert run.summary()["risk"]["least_expected_cost_among_least_cvar"] is True
    assert run.verification["ok"]


def _assert_cvar_plan_and_prices(run):
    """Objective 530 (the CVaR), E 506, and the demand duals of the CVaR, cut 8 and calm 0
    (derived in test_lp_at_lambda_one_keeps_the_cvar_prices); the verifier agrees."""
    assert run.objective == pytest.approx(530.0, rel=1e-9)
    assert run.summary()["risk"]["expected_cost_usd"] == pytest.approx(506.0, rel=1e-9)
    duals = run.tables["dual_demand_balance"]
    by = dict(zip(duals["scenarios"], duals["shadow_price"], strict=True))
    assert by == pytest.approx({"calm": 0.0, "cut": 8.0}, abs=1e-7)
    assert run.verification["ok"]


def test_lp_at_lambda_one_keeps_the_cvar_prices():
    """The build fixed (an LP): the same plan, objective 530 and E 506. The demand duals are
    prices of the CVaR, from the first solve, and unique here: a tonne more (or less) in cut
    costs 8 USD at the mine and cut is the whole tail, so CVaR moves by 8; calm (500 < 530) is
    outside the tail, so 0."""
    run = solve(build_instance(tie_sheets()), SolveOptions(mip_rel_gap=0,
                                                           fixed_builds=(("j", "P1", 1),)))
    assert not run.outcome.is_mip
    _assert_cvar_plan_and_prices(run)


def test_live_lp_at_lambda_one_keeps_the_cvar_prices():
    """The LP of test_lp_at_lambda_one_keeps_the_cvar_prices on a batch's live model (built at
    λ = 0.5, run at λ = 1): E 506, objective 530, and the demand duals are the first solve's,
    the CVaR's prices cut 8 and calm 0 (derived there), not the second solve's."""
    from optimizer.live import LiveModel
    from optimizer.scenario import parse_override

    options = SolveOptions(mip_rel_gap=0, fixed_builds=(("j", "P1", 1),))
    live = LiveModel(build_instance(tie_sheets(0.5)), options)
    run = live.solve((parse_override("settings:risk_weight:value=1"),))
    assert run is not None and not run.outcome.is_mip and live.runs["declined"] == 0
    _assert_cvar_plan_and_prices(run)


def test_status_quo_at_lambda_one_is_tie_broken_too():
    """The status quo (no build) of the module docstring's instance: cut loses its 10 t
    (1,000) whatever calm does, so every status quo has CVaR 1,000 (cut is the tail); calm may
    buy from the trader (70) or lose its demand too (1,000). The report's "before" is the one
    of least expected cost, 0.8 × 70 + 0.2 × 1,000 = 256 (not up to 1,000): calm 70, 0 t unmet
    there, expected unmet 0.2 × 10 = 2 t. With the plan's fixed LP at hand (a MIP's), the
    status quo is still solved afresh at λ = 1 (the warm re-solve does not break ties)."""
    import importlib

    solve_module = importlib.import_module("optimizer.solve")  # the package's `solve` shadows it
    calls = []
    warm = solve_module.resolve_builds
    solve_module.resolve_builds = lambda *a, **k: calls.append(1) or warm(*a, **k)
    try:
        run = solve(build_instance(tie_sheets()), EXACT)
    finally:
        solve_module.resolve_builds = warm
    assert run.outcome.is_mip and calls == []
    sq = run.tables["status_quo_summary"].iloc[0]
    assert sq["objective_usd"] == pytest.approx(1_000.0, rel=1e-9)
    assert sq["unmet_t"] == pytest.approx(2.0, abs=1e-9)
    costs = run.tables["status_quo_scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs["calm"] == pytest.approx(70.0) and costs["cut"] == pytest.approx(1_000.0)
