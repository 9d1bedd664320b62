"""mine_capacity: concentrate shipped by a mine ≤ its capacity (+ modules)."""

import pytest


def test_cheap_mine_full_dear_mine_marginal(kit):
    """Two mines (50 % Nd) feed one plant (opex 5, recovery 1); demand 40 t Nd, must serve.

    40 t Nd needs 80 t REO. M1 (A, 10 per t) is cheaper than M2 (B, 30 per t) and can give 50;
    M2 gives the other 30. Optimum ``50·(10+5) + 30·(30+5) = 750 + 1050 = 1800``.

    Duals (unique: q1, q2, both plant flows (one per mined country), M2's and the plant's
    capacity slacks are basic and positive: 6 for 6 rows):

    * q2 basic: concentrate from M2 costs 35 per t REO = 70 per t Nd ⇒ ``y_D = 70``;
    * q1 basic at its capacity: ``15 − 0.5·70 − y_M1 = 0`` ⇒ ``y_M1 = −20`` (one more t from
      M1 replaces one from M2: saves 35 − 15 = 20). M2's capacity dual is 0.
    """
    s = kit.sheets(
        mines=[{"mine": "M1", "country": "A", "capacity_t": 50, "cost_usd_per_t": 10},
               {"mine": "M2", "country": "B", "capacity_t": 100, "cost_usd_per_t": 30}],
        mine_assays=[{"mine": "M1", "element": "Nd", "share": 0.5},
                     {"mine": "M2", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 5}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 40}],
        lanes=[{"origin": "M1", "destination": "P"}, {"origin": "M2", "destination": "P"},
               {"origin": "P", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(1800, rel=1e-6)
    y_m1 = kit.dual(run, "mine_capacity", mine="M1")
    assert y_m1 == pytest.approx(-20, abs=1e-6)
    assert kit.dual(run, "mine_capacity", mine="M2") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(70, abs=1e-6)
    assert kit.row(run, "dual_mine_capacity", mine="M1")["binding"]
    kit.check_perturbation(s, run, y_m1, "mines", "capacity_t", 2.0, mine="M1")
