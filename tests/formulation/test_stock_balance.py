"""stock_balance: end stock = previous stock + inflow − draw-down (initial stock at the root)."""

import pytest


def test_initial_stock_carried_and_drawn(kit):
    """6 t in stock at the start, demand 4 t in each of two periods, holding 3 per t per period.

    Drawing stock always beats buying at 120, so P1 draws 4, carries 2 (holding ``2·3 = 6``),
    P2 draws 2 and buys 2. Optimum ``6 + 2·120 = 246``.

    Duals (unique: P1's and P2's draws, P2's purchase, s₁ and the four capacity slacks are
    basic and positive: 8 for 8 rows; s₂ = 0 is nonbasic):

    * P2 purchase basic: ``y_D2 = 120``; P2 draw basic: ``y_SB2 = −y_D2 = −120``;
    * s₁ basic: ``3 − y_SB1 + y_SB2 = 0`` ⇒ ``y_SB1 = −117`` (an extra initial tonne is
      carried to P2 for 3 and saves 120);
    * P1 draw basic: ``y_D1 = −y_SB1 = 117``.
    """
    s = kit.sheets(
        periods=("P1", "P2"),
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 120}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 6,
                     "capacity_t": 100, "holding_cost_usd_per_t": 3}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 4}
                           for p in ("P1", "P2")],
        lanes=[{"origin": "S", "destination": "D"}, {"origin": "T", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(246, rel=1e-6)
    y_sb1 = kit.dual(run, "stock_balance", stockpile="S", period="P1")
    assert y_sb1 == pytest.approx(-117, abs=1e-6)
    assert kit.dual(run, "stock_balance", stockpile="S", period="P2") == \
        pytest.approx(-120, abs=1e-6)
    assert kit.dual(run, "demand_balance", period="P1") == pytest.approx(117, abs=1e-6)
    assert kit.dual(run, "demand_balance", period="P2") == pytest.approx(120, abs=1e-6)
    assert kit.row(run, "stocks", period="P1")["stock_t"] == pytest.approx(2, abs=1e-6)
    kit.check_perturbation(s, run, y_sb1, "stockpiles", "initial_t", 0.5, stockpile="S")
