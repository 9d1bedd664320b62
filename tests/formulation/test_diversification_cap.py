"""diversification_cap: no one country supplies more than a share of an element to an end use."""

import pytest


def _sheets(kit, basis="processed", max_share=0.4):
    return kit.sheets(
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50},
                 {"trader": "T_B", "country": "B", "mined_country": "C", "element": "Nd",
                  "capacity_t": 100, "price_usd_per_t": 70},
                 {"trader": "T_A", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100}],
        diversification_caps=[{"end_use": "ev", "element": "Nd", "basis": basis,
                               "max_share": max_share}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": t, "destination": "D"} for t in ("T_C", "T_B", "T_A")],
    )


def test_cap_by_processed_country(kit):
    """No country may separate more than 40 % of ev's 20 t of Nd; C 50, B 70, A 100.

    C and B get 8 t each, A the rest 4 t: ``400 + 560 + 400 = 1360``. A's row is slack
    (4 ≤ 8). With rows ``f_c − 0.4·Σf ≤ 0`` for c = C, B, A (A's dual 0):

    * f_C: ``50 − y_D − 0.6·y_C + 0.4·y_B = 0``
    * f_B: ``70 − y_D + 0.4·y_C − 0.6·y_B = 0``
    * f_A: ``100 − y_D + 0.4·y_C + 0.4·y_B = 0``

    ⇒ ``y_C = −50``, ``y_B = −30``, ``y_D = 100 − 20 − 12 = 68`` (a tonne more demand comes
    0.4 from C, 0.4 from B, 0.2 from A). Unique: three flows, A's row slack and three offer
    slacks are basic and positive, 7 for 7 rows. (At a cap of 0.5, C and B would fill it
    exactly with A at 0: degenerate, which is why 0.4 is used.)
    """
    s = _sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(1360, rel=1e-6)
    y_c = kit.dual(run, "diversification_cap", country="C")
    assert y_c == pytest.approx(-50, abs=1e-6)
    assert kit.dual(run, "diversification_cap", country="B") == pytest.approx(-30, abs=1e-6)
    assert kit.dual(run, "diversification_cap", country="A") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(68, abs=1e-6)
    mix = run.tables["supply_mix"].query("basis == 'processed'").set_index("country")["share"]
    assert mix.to_dict() == pytest.approx({"C": 0.4, "B": 0.4, "A": 0.2}, abs=1e-9)
    # Raising the cap by Δσ relaxes every country's row by 20·Δσ; only C's and B's bind.
    kit.check_perturbation(s, run, -50.0 - 30.0, "diversification_caps", "max_share", 0.01,
                           scale=20.0, end_use="ev")


def test_cap_by_mined_country(kit):
    """Same offers, share by mined country, cap 60 %: T_C and T_B both sell C's ore.

    Only C and A are mined-in countries, so a 40 % cap would be infeasible. C's ore: 12 t,
    all from T_C at 50; A's ore: 8 t at 100: ``600 + 800 = 1400``.
    Rows: C (``0.4·f_C + 0.4·f_B − 0.6·f_A ≤ 0``, binding) and A (slack).
    Duals (unique: T_C→D, T_A→D, A's row slack and the three offer slacks are basic and
    positive, 6 for 6 rows; T_B→D is nonbasic with reduced cost ``70 − 70 + 0.4·50 = 20``):
    ``50 − y_D − 0.4·y_C = 0`` and ``100 − y_D + 0.6·y_C = 0`` ⇒ ``y_C = −50``,
    ``y_D = 100 − 30 = 70``.
    """
    run = kit.solve(_sheets(kit, basis="mined", max_share=0.6))
    assert run.objective == pytest.approx(1400, rel=1e-6)
    assert kit.dual(run, "diversification_cap", country="C") == pytest.approx(-50, abs=1e-6)
    assert kit.dual(run, "diversification_cap", country="A") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(70, abs=1e-6)
    assert set(run.tables["dual_diversification_cap"]["country"]) == {"A", "C"}
