"""stock_capacity: end-of-period stock of a stockpile ≤ its capacity."""

import pytest


def test_buy_ahead_up_to_the_stockpile_size(kit):
    """Demand 25 t in P2 only; T1 offers 10 t per period at 100, T2 any amount at 150.

    Stockpile S (capacity 8 t, holding 2 per t per period) lets P1's cheap tonnes wait for P2:
    P1 buys 8 t into S (T1 has 10, S holds only 8); P2 takes 10 from T1, 8 from S, 7 from T2.
    Optimum ``8·100 + 8·2 + 10·100 + 7·150 = 800 + 16 + 1000 + 1050 = 2866``.

    Duals (unique: basic and positive are P1's purchase into S, s₁ and the slacks of P1's T1
    row (2 t unused) and both T2 rows, P2's three deliveries and S's slack in P2: 10 for 10 rows):

    * P2 demand: T2 is marginal, ``y_D2 = 150``; T1 in P2 is full, ``y_T1,2 = 100 − 150 = −50``;
    * P2 draw from S basic: ``0 − y_SB2 − y_D2 = 0`` ⇒ ``y_SB2 = −150``;
    * P1 purchase into S basic: ``100 + y_SB1 = 0`` ⇒ ``y_SB1 = −100``;
    * s₁ basic: ``2 − y_SB1 + y_SB2 − y_SC1 = 0`` ⇒ ``y_SC1 = 2 + 100 − 150 = −48``
      (a ninth tonne of room: buy at 100, hold at 2, save a 150 tonne).
    """
    s = kit.sheets(
        periods=("P1", "P2"),
        traders=[{"trader": "T1", "country": "A", "element": "Nd", "capacity_t": 10,
                  "price_usd_per_t": 100},
                 {"trader": "T2", "country": "B", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 150}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 0,
                     "capacity_t": 8, "holding_cost_usd_per_t": 2}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P2", "quantity_t": 25}],
        lanes=[{"origin": "T1", "destination": "S"}, {"origin": "S", "destination": "D"},
               {"origin": "T1", "destination": "D"}, {"origin": "T2", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(2866, rel=1e-6)
    y_sc1 = kit.dual(run, "stock_capacity", stockpile="S", period="P1")
    assert y_sc1 == pytest.approx(-48, abs=1e-6)
    assert kit.dual(run, "stock_capacity", stockpile="S", period="P2") == \
        pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", period="P2") == pytest.approx(150, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T1", period="P2") == \
        pytest.approx(-50, abs=1e-6)
    assert kit.row(run, "stocks", period="P1")["stock_t"] == pytest.approx(8, abs=1e-6)
    kit.check_perturbation(s, run, y_sc1, "stockpiles", "capacity_t", 1.0, stockpile="S")
