"""trader_capacity: oxide bought from an offer ≤ the quantity offered."""

import pytest

from tests.conftest import sheets


def two_offer_sheets(cap1: float = 10.0) -> dict:
    """Offers T1 (country A, ``cap1`` t at 100 USD/t, free lane) and T2 (B, 100 t at 130 USD/t
    plus 10 USD/t freight); one demand D of 25 t of Nd in P1, must serve."""
    return sheets(
        traders=[{"trader": "T1", "country": "A", "element": "Nd", "capacity_t": cap1,
                  "price_usd_per_t": 100},
                 {"trader": "T2", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 130}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 25}],
        lanes=[{"origin": "T1", "destination": "D"},
               {"origin": "T2", "destination": "D", "cost_usd_per_t": 10}],
    )


def test_cheap_offer_full_dear_offer_marginal(kit):
    """Offers T1 (A, 10 t at 100) and T2 (B, 100 t at 130 + 10 freight); demand 25 t, must serve.

    Optimum ``10·100 + 15·140 = 1000 + 2100 = 3100``.

    Duals (unique: both flows and T2's capacity slack are basic and positive, 3 for 3 rows):
    ``y_D = 140`` (T2 is marginal), ``y_T1 = 100 − 140 = −40``, ``y_T2 = 0``.
    """
    s = two_offer_sheets()
    run = kit.solve(s)
    assert run.objective == pytest.approx(3100, rel=1e-6)
    y_t1 = kit.dual(run, "trader_capacity", trader="T1")
    assert y_t1 == pytest.approx(-40, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T2") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(140, abs=1e-6)
    kit.check_perturbation(s, run, y_t1, "traders", "capacity_t", 1.0, trader="T1")



def _two_offer_run(kit):
    return kit.solve(two_offer_sheets())


def test_rhs_ranges_of_binding_rows(kit):
    """RHS ranges of the instance above, by hand: the interval of a row's RHS over which the
    optimal basis (and so the shadow price) stays the same.

    * T1's capacity (binding, price −40): from 0 up to 25, where T1 alone covers demand;
    * demand (price 140): from 10 (T2's flow falls to 0) to 110 (T2 full).
    """
    run = _two_offer_run(kit)
    t1 = kit.row(run, "dual_trader_capacity", trader="T1")
    assert (t1["rhs_range_low"], t1["rhs_range_high"]) == pytest.approx((0, 25), abs=1e-6)
    d = kit.row(run, "dual_demand_balance", demand="D")
    assert (d["rhs_range_low"], d["rhs_range_high"]) == pytest.approx((10, 110), abs=1e-6)


def test_rhs_range_of_a_slack_row_contains_its_rhs(kit):
    """T2's capacity (100, slack, price 0) keeps price 0 from its activity 15 up to +∞.

    A slack row's RHS range always contains its RHS. HiGHS's ``row_bound_up/dn`` for a row
    whose slack is *basic* rank how far the row's activity can be forced, not its bound, so
    they must not be reported as an RHS range for such rows.
    """
    run = _two_offer_run(kit)
    t2 = kit.row(run, "dual_trader_capacity", trader="T2")
    assert t2["rhs_range_low"] <= t2["rhs"] <= t2["rhs_range_high"]
    assert t2["rhs_range_low"] == pytest.approx(15, abs=1e-6)
    assert t2["rhs_range_high"] >= 1e20
