"""trader_capacity: oxide bought from an offer ≤ the quantity offered."""

import pytest


def test_cheap_offer_full_dear_offer_marginal(kit):
    """Offers T1 (A, 10 t at 100) and T2 (B, 100 t at 130 + 10 freight); demand 25 t, must serve.

    Optimum ``10·100 + 15·140 = 1000 + 2100 = 3100``.

    Duals (unique: both flows and T2's capacity slack are basic and positive, 3 for 3 rows):
    ``y_D = 140`` (T2 is marginal), ``y_T1 = 100 − 140 = −40``, ``y_T2 = 0``.
    """
    s = kit.sheets(
        traders=[{"trader": "T1", "country": "A", "element": "Nd", "capacity_t": 10,
                  "price_usd_per_t": 100},
                 {"trader": "T2", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 130}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 25}],
        lanes=[{"origin": "T1", "destination": "D"},
               {"origin": "T2", "destination": "D", "cost_usd_per_t": 10}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(3100, rel=1e-6)
    y_t1 = kit.dual(run, "trader_capacity", trader="T1")
    assert y_t1 == pytest.approx(-40, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T2") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(140, abs=1e-6)
    kit.check_perturbation(s, run, y_t1, "traders", "capacity_t", 1.0, trader="T1")
