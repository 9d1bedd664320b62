"""Service-level floors (issue 14 item 2) and the clean refusal of bad risk and floor values
(item 6): values derived by hand.

Forced build — the instance of tests/test_risk.py (calm p = 0.8, cut p = 0.2 with the trader
cut; build j costs K = 450 and makes own supply 50 per scenario). Risk-neutral, the plan skips
the build (E = 280 against 500). A floor of 50 % on ``magnets`` Nd needs 5 t served in cut,
where only own supply can serve: the plan must build, and costs **500** in both scenarios
(own supply is the cheapest tonne, so all 10 t are served): the floor costs 500 − 280 = 220.

Binding floor, one scenario, no module: trader T sells 20 t at 150 USD/t, demand 10 t with a
lost value of 100 USD/t. Without a floor nothing is bought (a lost tonne, 100, is cheaper than
a bought one, 150): cost 1,000. A floor of 30 % forces 3 t bought: 3 × 150 + 7 × 100 =
**1,150**. The floor's row, unmet ≤ (1 − 0.3) × 10 = 7, has dual **−50**: one tonne more of
allowed shortfall replaces a bought tonne (150) by a lost one (100).
"""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from optimizer.api import solve
from optimizer.errors import InfeasibleError, InputError
from optimizer.solve import SolveOptions
from optimizer.verify import verify_run
from tests.conftest import build_instance, one_row
from tests.conftest import sheets as base_sheets
from tests.test_risk import sheets as risk_sheets

FLOOR = [{"end_use": "magnets", "element": "Nd", "min_served_share": 0.5}]


def solved(s):
    """Validate and solve exactly."""
    return solve(build_instance(s), SolveOptions(mip_rel_gap=0))


def priced(share=None, trader_t=20) -> dict:
    """The binding-floor instance of the module docstring."""
    s = base_sheets(
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": trader_t,
                  "price_usd_per_t": 150}],
        demands=[{"demand": "d", "country": "A", "end_use": "magnets",
                  "lost_value_usd_per_t": 100}],
        demand_quantities=[{"demand": "d", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "T", "destination": "d"}])
    if share is not None:
        s["service_levels"] = [{"end_use": "magnets", "element": "*", "min_served_share": share}]
    return s


def test_floor_forces_the_build_the_risk_neutral_plan_skips():
    """No floor: no build, 280. Floor 50 % in every scenario: build, 500 (docstring)."""
    free = solved(risk_sheets())
    assert len(free.tables["builds"]) == 0
    assert free.objective == pytest.approx(280.0, rel=1e-9)
    floored = solved(risk_sheets(service_levels=FLOOR))
    assert floored.tables["builds"]["count"].tolist() == [1]
    assert floored.objective == pytest.approx(500.0, rel=1e-9)
    unmet = floored.tables["unmet_demand"]
    assert unmet["unmet_t"].max() == pytest.approx(0.0, abs=1e-9)
    assert floored.verification["ok"]


def test_binding_floor_cost_and_dual():
    """Floor 30 %: 1,150 against 1,000; dual −50 USD/t; 40 % costs 1,200 (one more tonne
    bought: the sign check, rhs 7 → 6 t moves the cost by −1 × −50).
    """
    assert solved(priced()).objective == pytest.approx(1000.0, rel=1e-9)
    run = solved(priced(0.3))
    assert run.objective == pytest.approx(1150.0, rel=1e-9)
    row = one_row(run, "dual_service_floor", end_use="magnets", element="Nd")
    assert row["rhs"] == pytest.approx(7.0)
    assert row["shadow_price"] == pytest.approx(-50.0, abs=1e-6)
    assert solved(priced(0.4)).objective - run.objective == pytest.approx(50.0, abs=1e-6)
    assert run.verification["ok"]


def test_verifier_recomputes_the_floor():
    """The 30 % plan checked against a 50 % floor serves 3 t < 5 t: the verifier flags
    service_floor by 2 t.
    """
    run = solved(priced(0.3))
    report = verify_run(build_instance(priced(0.5)), run.tables, run.objective)
    assert not report["ok"]
    assert report["worst"]["family"] == "service_floor"
    assert report["worst"]["excess"] == pytest.approx(2.0, abs=1e-6)


def test_infeasible_floor_is_explained():
    """Trader capacity 2 t, floor 50 % (5 t): no plan; the explanation names the floor and the
    3 t of shortfall to accept.
    """
    with pytest.raises(InfeasibleError) as exc:
        solved(priced(0.5, trader_t=2))
    text = str(exc.value) + (exc.value.explanation or "")
    assert "magnets must be served at least 50% of its Nd" in text
    assert "accept 3 t more of magnets's Nd unmet" in text


def _problem(exc, sheet, column):
    hits = [p for p in exc.value.problems if p.sheet == sheet and p.column == column]
    assert len(hits) == 1, exc.value.problems
    return hits[0]


def test_floor_above_100_percent_is_refused():
    """A share of 1.2 in service_levels row 2 is an input error naming that cell."""
    s = priced(1.2)
    with pytest.raises(InputError) as exc:
        build_instance(s)
    p = _problem(exc, "service_levels", "min_served_share")
    assert p.row == 2


def test_floor_for_an_unknown_end_use_is_refused():
    """A floor for an end use no demand node has (a misspelling) is an input error."""
    s = priced(0.3)
    s["service_levels"][0]["end_use"] = "defense"
    with pytest.raises(InputError) as exc:
        build_instance(s)
    assert "an end use named in sheet 'demands' (magnets)" in \
        str(_problem(exc, "service_levels", "end_use"))


@pytest.mark.parametrize(("setting", "value"), [
    ("cvar_alpha", "1"), ("cvar_alpha", "0"), ("cvar_alpha", "1.5"), ("risk_weight", "-0.1"),
    ("risk_weight", "1.01"), ("risk_weight", "half")])
def test_bad_risk_settings_are_refused(setting, value):
    """α outside (0, 1), λ outside [0, 1]: an input error on the settings row's value."""
    s = copy.deepcopy(priced())
    s["settings"] = [{"setting": setting, "value": value}]
    with pytest.raises(InputError) as exc:
        build_instance(s)
    p = _problem(exc, "settings", "value")
    assert p.row == 2 and setting in str(p)


@pytest.mark.parametrize(("option", "value"), [("--cvar-alpha", "1"), ("--risk-weight", "2")])
def test_cli_refuses_bad_risk_options(tmp_path, option, value):
    """Exit 2, the option named, nothing written."""
    from pathlib import Path

    from optimizer.cli import app

    tutorial = Path(__file__).resolve().parents[1] / "instances" / "tutorial.xlsx"
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(tutorial), "--out", str(out), option, value])
    assert res.exit_code == 2
    assert option in res.output
    assert not out.exists()
