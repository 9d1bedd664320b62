"""end_use_share_limit: material from a country ≤ a share of what an end use receives."""

import pytest


def test_share_limit(kit):
    """At most 25 % of ev's Nd may be processed in C; C sells at 50, A at 100; demand 20.

    C supplies ``0.25·20 = 5`` t, A 15 t: ``250 + 1500 = 1750``. The row is
    ``0.75·f_C − 0.25·f_A ≤ 0``.

    Duals (unique: both flows and both offers' slacks are basic and positive):
    ``50 − y_D − 0.75·y_s = 0`` and ``100 − y_D + 0.25·y_s = 0`` ⇒ ``y_s = −50``,
    ``y_D = 87.5`` (a tonne more demand is ¼ from C and ¾ from A).
    Sign check: raising the share by Δσ relaxes the row's right-hand side by
    ``20·Δσ`` (the total delivered), so the objective moves by ``−50·20·Δσ``.
    """
    s = kit.sheets(
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50},
                 {"trader": "T_A", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100}],
        end_use_limits=[{"country": "C", "basis": "processed", "end_use": "ev",
                         "max_share": 0.25}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": "T_C", "destination": "D"}, {"origin": "T_A", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(1750, rel=1e-6)
    y_s = kit.dual(run, "end_use_share_limit", country="C")
    assert y_s == pytest.approx(-50, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(87.5, abs=1e-6)
    assert "dual_end_use_tonnage_limit" not in run.tables  # blank max_t: no tonnage row
    kit.check_perturbation(s, run, y_s, "end_use_limits", "max_share", 0.01, scale=20.0,
                           country="C")
