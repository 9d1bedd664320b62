"""demand_balance: delivered + unmet ≥ demand; the unmet-demand penalty prices the last tonne."""

import pytest


def _sheets(kit, demand_t=15.0):
    return kit.sheets(
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 10,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 500}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1",
                            "quantity_t": demand_t}],
        lanes=[{"origin": "T", "destination": "D", "cost_usd_per_t": 5}],
    )


def test_unmet_penalty_is_the_marginal_source(kit):
    """One offer (10 t at 100 + 5 freight) short of a 15 t demand; the rest goes unmet at 500.

    Optimum: 10 t bought at 105 and 5 t unmet at 500:
    ``10·105 + 5·500 = 1050 + 2500 = 3550``.

    Duals (unique: the LP is non-degenerate; both the flow and the unmet tonnes are strictly
    positive, so both are basic and their reduced costs are 0):

    * unmet *u* basic: ``500 − y_D = 0`` ⇒ ``y_D = 500`` (the next tonne goes unmet);
    * flow basic: ``105 − y_D − y_T = 0`` ⇒ ``y_T = −395`` (one more tonne offered saves 395).
    """
    s = _sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(3550, rel=1e-6)
    y_d = kit.dual(run, "demand_balance", demand="D", element="Nd")
    assert y_d == pytest.approx(500, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T") == pytest.approx(-395, abs=1e-6)
    assert kit.row(run, "unmet_demand", demand="D")["unmet_t"] == pytest.approx(5, abs=1e-9)
    kit.check_perturbation(s, run, y_d, "demand_quantities", "quantity_t", 0.5, demand="D")


def test_demand_met_below_the_penalty(kit):
    """Demand 8 t within the offer: the offer prices the tonne (``y_D = 105``), objective 840.

    The offer's capacity row is slack (dual 0), the unmet variable is nonbasic at 0 with
    reduced cost ``500 − 105 > 0``; the basis (flow, capacity slack) is non-degenerate.
    """
    s = _sheets(kit, demand_t=8.0)
    run = kit.solve(s)
    assert run.objective == pytest.approx(840, rel=1e-6)
    y_d = kit.dual(run, "demand_balance", demand="D", element="Nd")
    assert y_d == pytest.approx(105, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T") == pytest.approx(0, abs=1e-6)
    kit.check_perturbation(s, run, y_d, "demand_quantities", "quantity_t", 0.5, demand="D")
