"""The end of the horizon for stockpiles: a closing minimum and a terminal value, by hand.

One period P1 (discount 1), element Nd, demand d: 10 t at a lost value of 1,000 USD/t;
trader T sells up to 100 t at 50 USD/t into d and into stockpile S (capacity 40 t,
initial 0, holding 1 USD/t per period). Without end-of-horizon terms the plan buys the
10 t for d only: 500.

* closing minimum 30 t: the plan must also buy 30 t into S and hold them: 500 + 30·50 + 30·1
  = 2,030; the closing row's dual is the cost of one more tonne held at the end, 50 + 1 = 51.
* terminal value 60 USD/t, no minimum: a tonne bought at 50, held at 1 and credited 60 earns
  9, so S is filled to its capacity: 500 + 40·(50 + 1 − 60) = 140.
"""

from __future__ import annotations

import pytest


def _sheets(kit, **stock):
    return kit.sheets(
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 0,
                     "capacity_t": 40, "holding_cost_usd_per_t": 1, **stock}],
        demands=[{"demand": "d", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 1000}],
        demand_quantities=[{"demand": "d", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "T", "destination": "d"}, {"origin": "T", "destination": "S"}])


def test_no_end_of_horizon_terms(kit):
    assert kit.solve(_sheets(kit)).objective == pytest.approx(500.0)


def test_closing_minimum(kit):
    run = kit.solve(_sheets(kit, closing_min_t=30))
    assert run.objective == pytest.approx(2030.0)
    assert kit.dual(run, "stock_closing", stockpile="S") == pytest.approx(51.0)
    assert run.verification["ok"], run.verification["worst"]


def test_terminal_value(kit):
    run = kit.solve(_sheets(kit, terminal_value_usd_per_t=60))
    assert run.objective == pytest.approx(140.0)
    assert run.verification["ok"], run.verification["worst"]
    assert run.verification["objective_recomputed"] == pytest.approx(140.0)
