"""Mean-CVaR plans (issue 14 item 1): every value derived by hand.

The instance (one period P1, discount factor 1, element Nd, build decided here and now)::

    mine M (A): 100 t at 5 USD/t ──> plant P (A): capacity 0 ──> demand d (A): 10 t
    trader T (C): 20 t at 10 USD/t ────────────────────────────> demand d
    module j at P: +10 t, capex K = 450 (online at once: charged in full, factor 1)
    lost value V = 100 USD/t
    scenarios: calm (p = 0.8), cut (p = 0.2: T's capacity 0)

Costs of the two plans, scenario by scenario:

* no build: calm buys 10 t from T = 100; cut serves nothing = 10 × 100 = 1,000.
  E = 0.8 × 100 + 0.2 × 1,000 = **280**.
* build j: own supply 10 × 5 = 50 plus K = 450: **500** in both scenarios; E = 500.

With α = 0.8 the tail is the worst 20 % of probability, exactly scenario cut:

* no build: VaR_0.8 = 100 (the cumulative probability reaches 0.8 at calm's 100),
  CVaR_0.8 = 100 + (0.2 × 900) / 0.2 = **1,000**;
* build: VaR = CVaR = **500**.

Objective (1 − λ) E + λ CVaR: no build 280 + 720 λ, build 500. The decision flips at
**λ* = 220 / 720 = 11/36 ≈ 0.3056**: the risk-neutral plan (λ = 0) skips the build, λ = 0.25
still does (460 < 500), λ = 0.5 builds (500 < 640).

With α = 0.5 and λ = 0.25 (the no-build plan): the tail is cut (0.2 at 1,000) plus 0.3 of
calm (at 100): CVaR_0.5 = (200 + 30) / 0.5 = **460**, VaR_0.5 = **100**; objective
0.75 × 280 + 0.25 × 460 = **325** < 500.

Shadow prices at λ = 0.25, α = 0.8 (no build; η = VaR = 100, z_cut = 900, z_calm = 0). z_cut
is basic, so its reduced cost λ p_cut / (1 − α) − μ_cut = 0 gives μ_cut = 0.25 × 0.2 / 0.2 =
0.25; η free gives μ_calm + μ_cut = λ = 0.25, so μ_calm = 0. Risk-adjusted probabilities
q_s = (1 − λ) p_s + μ_s: q_calm = 0.75 × 0.8 = **0.6**, q_cut = 0.75 × 0.2 + 0.25 = **0.4**.
One more tonne of demand costs V = 100 in cut (all unmet) and the trader's 10 in calm
(capacity 20 > 10), so the demand duals are q × local price: cut **40**, calm **6**;
conditional_price (dual / (p δ)) reads 40 / 0.2 = **200** in cut (= V × q/p) and 6 / 0.8 =
**7.5** in calm.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.api import load_instance, solve
from optimizer.formulation import build_model
from optimizer.formulation.risk import with_risk
from optimizer.risk_measures import tail_measures
from optimizer.solve import SolveOptions, compile_arrays
from optimizer.verify import verify_run
from optimizer.verify.costs import tail_by_sorting
from tests.conftest import build_instance, one_row
from tests.conftest import sheets as base_sheets

K = 450.0
LAMBDA_STAR = 220.0 / 720.0


def sheets(lam=None, alpha=None, **extra) -> dict:
    """The instance of the module docstring (risk settings only where given)."""
    settings = [{"setting": "build_decisions", "value": "here_and_now"}]
    if lam is not None:
        settings.append({"setting": "risk_weight", "value": str(lam)})
    if alpha is not None:
        settings.append({"setting": "cvar_alpha", "value": str(alpha)})
    s = base_sheets(
        settings=settings,
        mines=[{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 1.0}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 20,
                  "price_usd_per_t": 10}],
        demands=[{"demand": "d", "country": "A", "end_use": "magnets",
                  "lost_value_usd_per_t": 100}],
        demand_quantities=[{"demand": "d", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "d"},
               {"origin": "T", "destination": "d"}],
        modules=[{"module": "j", "site": "P", "capacity_t": 10, "capex_usd": K,
                  "max_count": 1}],
        scenarios=[{"scenario": "calm", "probability": 0.8},
                   {"scenario": "cut", "probability": 0.2}],
        scenario_changes=[{"scenario": "cut", "sheet": "traders", "key": "T",
                           "column": "capacity_t", "value": 0}],
    )
    s.update(extra)
    return s


def run_at(lam, alpha=0.8):
    """Solve the instance at λ, α exactly (MIP gap 0)."""
    return solve(build_instance(sheets(lam, alpha)), SolveOptions(mip_rel_gap=0))


def built(run) -> int:
    """Modules the plan builds."""
    return int(run.tables["builds"]["count"].sum()) if len(run.tables["builds"]) else 0


def risk_row(run, scenario) -> dict:
    """The ``risk`` table row of ``scenario``."""
    return one_row(run, "risk", scenario=scenario)


@pytest.mark.parametrize(("lam", "builds", "objective"), [
    (0.0, 0, 280.0), (0.25, 0, 460.0), (LAMBDA_STAR - 0.01, 0, 280 + 720 * (LAMBDA_STAR - 0.01)),
    (LAMBDA_STAR + 0.01, 1, 500.0), (0.5, 1, 500.0), (1.0, 1, 500.0)])
def test_build_flips_at_lambda_star(lam, builds, objective):
    """No build below λ* = 11/36, build above; objective min(280 + 720 λ, 500) (docstring)."""
    run = run_at(lam)
    assert built(run) == builds
    assert run.objective == pytest.approx(objective, rel=1e-9)
    assert run.verification["ok"]


def test_var_and_cvar_at_two_lambdas():
    """λ = 0.25: E 280, VaR 100, CVaR 1,000; λ = 0.5: E = VaR = CVaR = 500 (docstring)."""
    low, high = run_at(0.25), run_at(0.5)
    s = low.summary()["risk"]
    assert (s["expected_cost_usd"], s["var_usd"], s["cvar_usd"]) == pytest.approx(
        (280.0, 100.0, 1000.0), rel=1e-9)
    assert s["mean_cvar_objective_usd"] == pytest.approx(low.objective, rel=1e-9)
    assert risk_row(low, "calm")["cost_usd"] == pytest.approx(100.0)
    assert risk_row(low, "cut")["cost_usd"] == pytest.approx(1000.0)
    s = high.summary()["risk"]
    assert (s["expected_cost_usd"], s["var_usd"], s["cvar_usd"]) == pytest.approx(
        (500.0, 500.0, 500.0), rel=1e-9)
    # The verifier's own figures (its second implementation of scenario costs and the tail).
    v = low.verification["risk"]
    assert v["scenario_cost_usd"] == pytest.approx({"calm": 100.0, "cut": 1000.0})
    assert (v["var_usd"], v["cvar_usd"]) == pytest.approx((100.0, 1000.0))


def test_cvar_at_a_level_that_splits_a_scenario():
    """α = 0.5, λ = 0.25: CVaR 460 (cut plus 0.3 of calm), VaR 100, objective 325."""
    run = run_at(0.25, alpha=0.5)
    assert built(run) == 0
    s = run.summary()["risk"]
    assert (s["var_usd"], s["cvar_usd"]) == pytest.approx((100.0, 460.0), rel=1e-9)
    assert run.objective == pytest.approx(325.0, rel=1e-9)
    assert run.verification["risk"]["cvar_usd"] == pytest.approx(460.0)


def test_tail_measures_two_ways():
    """Both implementations on a four-point distribution worked by hand.

    Costs 10, 20, 30, 40 with p 0.1, 0.2, 0.3, 0.4; α = 0.75: the cumulative probability
    reaches 0.75 at 40 (0.6 at 30), so VaR = 40 and the tail (0.25) lies inside 40's 0.4:
    CVaR = 40. α = 0.5: VaR = 30 (0.6 ≥ 0.5), tail = 0.4 at 40 + 0.1 at 30 → (16 + 3)/0.5 =
    38.
    """
    cost, prob = np.array([30.0, 10.0, 40.0, 20.0]), np.array([0.3, 0.1, 0.4, 0.2])
    for tail in (tail_measures, tail_by_sorting):
        assert tail(cost, prob, 0.75) == pytest.approx((40.0, 40.0))
        assert tail(cost, prob, 0.5) == pytest.approx((30.0, 38.0))


def test_risk_adjusted_probabilities_and_shadow_prices():
    """λ = 0.25, α = 0.8: q = (0.6, 0.4); demand duals 6 and 40; conditional 7.5 and 200."""
    run = run_at(0.25)
    assert risk_row(run, "calm")["risk_adjusted_probability"] == pytest.approx(0.6, abs=1e-9)
    assert risk_row(run, "cut")["risk_adjusted_probability"] == pytest.approx(0.4, abs=1e-9)
    duals = run.tables["dual_demand_balance"]
    calm = duals[duals["scenarios"] == "calm"].iloc[0]
    cut = duals[duals["scenarios"] == "cut"].iloc[0]
    assert calm["shadow_price"] == pytest.approx(6.0, abs=1e-6)
    assert cut["shadow_price"] == pytest.approx(40.0, abs=1e-6)
    assert calm["conditional_price"] == pytest.approx(7.5, abs=1e-6)
    assert cut["conditional_price"] == pytest.approx(200.0, abs=1e-6)
    # Sign check by perturbation: 1 t more demand in every scenario moves the objective by
    # 6 + 40 = 46 (the plan stays without a build: 280 + 0.8·10 + 0.2·100 = 308, CVaR 1,100,
    # 0.75 × 308 + 0.25 × 1,100 = 506 = 460 + 46).
    s = sheets(0.25, 0.8)
    s["demand_quantities"][0]["quantity_t"] = 11
    again = solve(build_instance(s), SolveOptions(mip_rel_gap=0))
    assert again.objective - run.objective == pytest.approx(46.0, abs=1e-6)


def test_risk_neutral_duals_are_the_probabilities():
    """λ = 0: q = p (0.8, 0.2); the demand duals are p × price: 8 and 20."""
    run = run_at(0.0)
    assert risk_row(run, "cut")["risk_adjusted_probability"] == pytest.approx(0.2)
    duals = run.tables["dual_demand_balance"]
    assert duals[duals["scenarios"] == "calm"]["shadow_price"].iat[0] == pytest.approx(8.0)
    assert duals[duals["scenarios"] == "cut"]["shadow_price"].iat[0] == pytest.approx(20.0)


def test_verifier_catches_a_wrong_risk_objective():
    """The verifier compares the solver's objective with (1 − λ) E + λ CVaR = 460 at λ = 0.25:
    a report of the expected cost (280) instead is flagged.
    """
    run = run_at(0.25)
    assert verify_run(run.instance, run.tables, 460.0)["ok"]
    bad = verify_run(run.instance, run.tables, 280.0)
    assert not bad["ok"] and bad["worst"]["family"] == "objective"


TUTORIAL = "instances/tutorial_adaptive.xlsx"


def test_lambda_zero_is_todays_model_on_the_tutorial():
    """λ = 0 adds no column or row and changes no cost: the matrix HiGHS receives is the one
    without the setting, value for value; the optimum is instances/README.md's hand-derived
    US$19,500,000 with one build, contingent on 'cut'; λ > 0 adds S + 1 = 3 columns (η, z)
    and S = 2 rows, plus one cost column k_n and one row per tree node N (the CVaR rows
    read each node's cost once, optimizer/formulation/risk.py).
    """
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / TUTORIAL
    inst = load_instance(path)
    assert "risk_weight" not in inst.settings
    arrays = {}
    for label, variant in (("absent", inst), ("zero", with_risk(inst, 0.0, 0.5)),
                           ("half", with_risk(inst, 0.5, 0.5))):
        _, md = build_model(variant, pyomo=False)
        n_nodes = len(md.nodes)
        lp = compile_arrays(md).lp
        arrays[label] = (lp.num_col_, lp.num_row_, np.array(lp.col_cost_),
                         np.array(lp.a_matrix_.value_), np.array(lp.row_lower_),
                         np.array(lp.row_upper_), np.array(lp.col_lower_))
    for a, b in zip(arrays["absent"], arrays["zero"], strict=True):
        assert np.array_equal(a, b)
    assert arrays["half"][0] == arrays["absent"][0] + 3 + n_nodes
    assert arrays["half"][1] == arrays["absent"][1] + 2 + n_nodes
    options = SolveOptions(mip_rel_gap=0)
    base, zero = solve(inst, options), solve(with_risk(inst, 0.0), options)
    assert base.objective == pytest.approx(19_500_000.0, rel=1e-12)
    assert zero.objective == base.objective
    assert base.tables["builds"]["decided_in"].tolist() == ["cut"]
    for name in base.tables:
        if name.startswith("dual_"):
            a, b = base.tables[name], zero.tables[name]
            assert np.array_equal(a["shadow_price"].to_numpy(), b["shadow_price"].to_numpy())


@pytest.mark.parametrize("lam, alpha", [(0.5, 0.5), (1.0, 0.5)])
def test_risk_averse_plans_pass_verification_on_the_small_preset(tmp_path, lam, alpha):
    """Regression: with the CVaR rows in USD, each balancing scenario costs of order 10¹¹
    against HiGHS's absolute feasibility tolerance of 10⁻⁷, HiGHS returned plans of the small
    benchmark preset whose recomputed cost missed its reported objective by 0.027 % (λ = 0.5)
    and 2.4 % (λ = 1), both at α = 0.5, and the verifier rejected them. In million USD
    (optimizer/formulation/risk.py, RISK_UNIT_USD) the verifier's independent
    (1 − λ) E + λ CVaR (sorted scenario costs) equals the solver's objective.
    """
    from optimizer.synthetic import preset, write_synthetic

    inst = load_instance(write_synthetic(preset("small"), tmp_path / "small"))
    run = solve(with_risk(inst, lam, alpha), SolveOptions(mip_rel_gap=1e-6), verify=True,
                compare_status_quo=False)
    assert run.verification["ok"], run.verification
    risk = run.summary()["risk"]
    assert run.objective == pytest.approx(
        (1 - lam) * risk["expected_cost_usd"] + lam * risk["cvar_usd"], rel=1e-7)


def test_risk_settings_as_run_overrides():
    """A batch run or --set may change λ and α: settings:risk_weight:value=0.5 gives the λ = 0.5
    plan (build, 500); a scale composes with the instance's λ (0.25 × 2 = 0.5); α = 1 or an
    unknown setting is a ScenarioError naming the override; the live model declines such a run
    (the objective's shape changes), so a batch rebuilds it.
    """
    from optimizer.errors import ScenarioError
    from optimizer.live import LiveModel
    from optimizer.scenario import parse_override

    inst = build_instance(sheets(None, 0.8))
    options = SolveOptions(mip_rel_gap=0)
    run = solve(inst, options, (parse_override("settings:risk_weight:value=0.5"),))
    assert run.objective == pytest.approx(500.0) and built(run) == 1
    assert run.summary()["risk"]["risk_weight"] == 0.5
    scaled = solve(build_instance(sheets(0.25, 0.8)), options,
                   (parse_override("settings:risk_weight:value*=2"),))
    assert scaled.objective == pytest.approx(500.0)
    for text in ("settings:cvar_alpha:value=1", "settings:discount_rate_per_year:value=0.1"):
        with pytest.raises(ScenarioError) as exc:
            solve(inst, options, (parse_override(text),))
        assert text.split("=")[0].split(":")[1] in str(exc.value)
    live = LiveModel(inst, options)
    assert live.solve((parse_override("settings:risk_weight:value=0.5"),)) is None


def test_pyomo_path_equals_array_path_with_risk_and_floors():
    """The Pyomo model and the array path give the same matrix, costs and bounds with λ > 0
    (η free: lower bound −inf on both paths) and a service floor, on tests/test_backends.py's
    two-scenario instance.
    """
    import copy as copy_

    from optimizer.io.frames import raw_from_frames
    from optimizer.io.validate import validate
    from optimizer.solve import compile_model
    from tests.test_backends import FRAMES, _entries

    frames = copy_.deepcopy(FRAMES)
    frames["settings"] = [{"setting": "risk_weight", "value": "0.4"},
                          {"setting": "cvar_alpha", "value": "0.7"}]
    frames["service_levels"] = [{"end_use": "ev", "element": "*", "min_served_share": 0.5}]
    m, md = build_model(validate(raw_from_frames(frames), "<risk>"), pyomo=True)
    ref, fast = compile_model(m, md), compile_arrays(md)
    assert len(md.con_ix["cvar_excess"]) == 2 and len(md.con_ix["service_floor"]) > 0
    a, b = _entries(ref), _entries(fast)
    assert set(a) == set(b)
    assert all(a[k] == pytest.approx(b[k], rel=1e-12) for k in a)
    for attr in ("col_cost_", "col_lower_"):
        ra = {(ref.col_family[j], int(ref.col_index[j])): v
              for j, v in enumerate(np.asarray(getattr(ref.lp, attr)))}
        fa = {(fast.col_family[j], int(fast.col_index[j])): v
              for j, v in enumerate(np.asarray(getattr(fast.lp, attr)))}
        assert all(ra[k] == pytest.approx(fa[k]) for k in ra), attr
    eta = [j for j in range(fast.lp.num_col_) if fast.col_family[j] == "cvar_threshold_musd"]
    assert len(eta) == 1 and np.asarray(fast.lp.col_lower_)[eta[0]] == -np.inf


def test_cli_risk_options_are_recorded_and_reverified(tmp_path):
    """`solve --risk-weight 0.5 --cvar-alpha 0.5` on the adaptive tutorial: the plan of
    instances/README.md (calm 18 M, cut 21 M, E = 19.5 M) stays optimal, the objective is
    0.5 × 19.5 M + 0.5 × 21 M = 20.25 M (CVaR_0.5 = the worst half = cut's 21 M); the options
    are recorded as overrides, so `supplyopt verify` re-applies them and passes.
    """
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from optimizer.cli import app

    path = Path(__file__).resolve().parents[1] / TUTORIAL
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(path), "--out", str(out), "--no-report", "-q",
                                   "--risk-weight", "0.5", "--cvar-alpha", "0.5"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(20_250_000.0, rel=1e-9)
    risk = summary["risk"]
    assert (risk["expected_cost_usd"], risk["var_usd"], risk["cvar_usd"]) == pytest.approx(
        (19_500_000.0, 18_000_000.0, 21_000_000.0), rel=1e-9)
    assert len(summary["override_cells"]) == 2
    again = CliRunner().invoke(app, ["verify", str(out)])
    assert again.exit_code == 0, again.output
