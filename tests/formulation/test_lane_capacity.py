"""lane_capacity: tonnes on a lane with a capacity ≤ it (oxide and concentrate lanes)."""

import pytest


def test_oxide_lane(kit):
    """Two offers at 100; T1's lane (freight 5) carries 10 t at most, T2's costs 25; demand 25.

    Optimum ``10·105 + 15·125 = 1050 + 1875 = 2925``. Duals (unique: both flows and both
    offers' capacity slacks are basic and positive): ``y_D = 125``, ``y_lane = 105 − 125 = −20``.
    """
    s = kit.sheets(
        traders=[{"trader": "T1", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100},
                 {"trader": "T2", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 25}],
        lanes=[{"origin": "T1", "destination": "D", "cost_usd_per_t": 5, "capacity_t": 10},
               {"origin": "T2", "destination": "D", "cost_usd_per_t": 25}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(2925, rel=1e-6)
    y_lane = kit.dual(run, "lane_capacity", origin="T1", destination="D")
    assert y_lane == pytest.approx(-20, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(125, abs=1e-6)
    assert len(run.tables["dual_lane_capacity"]) == 1  # the uncapacitated lane has no row
    kit.check_perturbation(s, run, y_lane, "lanes", "capacity_t", 1.0, origin="T1")


def test_concentrate_lane(kit):
    """Mine M1 (10 per t REO) reaches the plant on a lane of 20 t; M2 costs 30. 50 % Nd, demand 15.

    15 t Nd = 30 t REO: 20 from M1 and 10 from M2. Optimum ``20·10 + 10·30 = 500``.
    Duals (unique: both concentrate flows, both plant flows (by mined country), both mine
    slacks and the plant's slack are basic and positive): ``y_D = 30/0.5 = 60``,
    ``y_lane = 10 − 30 = −20`` per t REO.
    """
    s = kit.sheets(
        mines=[{"mine": "M1", "country": "B", "capacity_t": 100, "cost_usd_per_t": 10},
               {"mine": "M2", "country": "C", "capacity_t": 100, "cost_usd_per_t": 30}],
        mine_assays=[{"mine": "M1", "element": "Nd", "share": 0.5},
                     {"mine": "M2", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 15}],
        lanes=[{"origin": "M1", "destination": "P", "capacity_t": 20},
               {"origin": "M2", "destination": "P"}, {"origin": "P", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(500, rel=1e-6)
    y_lane = kit.dual(run, "lane_capacity", origin="M1", destination="P")
    assert y_lane == pytest.approx(-20, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(60, abs=1e-6)
    kit.check_perturbation(s, run, y_lane, "lanes", "capacity_t", 1.0, origin="M1")
