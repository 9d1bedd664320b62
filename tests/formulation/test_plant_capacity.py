"""plant_capacity: feed a plant takes ≤ its capacity (+ modules)."""

import pytest


def test_cheap_plant_full_dear_plant_marginal(kit):
    """One mine (10 per t REO, 50 % Nd) feeds P1 (opex 5, cap 30) and P2 (opex 25); recovery 0.8.

    Each t REO gives ``0.5·0.8 = 0.4`` t Nd, so 20 t Nd needs 50 t REO: 30 through P1
    (15 per t) and 20 through P2 (35 per t). Optimum ``30·15 + 20·35 = 450 + 700 = 1150``.

    Duals (unique: both concentrate flows, both plant flows, the mine's and P2's capacity slacks
    are basic and positive):

    * via P2: ``y_D = 35 / 0.4 = 87.5``;
    * via P1 at capacity: ``15 − 0.4·87.5 − y_P1 = 0`` ⇒ ``y_P1 = −20``.
    """
    s = kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P1", "country": "A", "capacity_t": 30, "opex_usd_per_t": 5},
                {"plant": "P2", "country": "B", "capacity_t": 100, "opex_usd_per_t": 25}],
        plant_recoveries=[{"plant": "P1", "element": "Nd", "recovery": 0.8},
                          {"plant": "P2", "element": "Nd", "recovery": 0.8}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": "M", "destination": "P1"}, {"origin": "M", "destination": "P2"},
               {"origin": "P1", "destination": "D"}, {"origin": "P2", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(1150, rel=1e-6)
    y_p1 = kit.dual(run, "plant_capacity", plant="P1")
    assert y_p1 == pytest.approx(-20, abs=1e-6)
    assert kit.dual(run, "plant_capacity", plant="P2") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(87.5, abs=1e-6)
    kit.check_perturbation(s, run, y_p1, "plants", "capacity_t", 2.0, plant="P1")
