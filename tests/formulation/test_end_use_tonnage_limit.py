"""end_use_tonnage_limit: tonnes from a country (by basis) to an end use ≤ a limit (0 = ban)."""

import pytest

OFFERS = (  # trader, processed in, mined in, price
    ("T_CC", "C", "C", 50),
    ("T_BC", "B", "C", 70),   # C's ore separated in B
    ("T_CB", "C", "B", 80),   # B's ore separated in C
    ("T_AA", "A", "A", 100),
)


def _sheets(kit, basis, max_t):
    return kit.sheets(
        traders=[{"trader": t, "country": pc, "mined_country": mc, "element": "Nd",
                  "capacity_t": 100, "price_usd_per_t": price} for t, pc, mc, price in OFFERS],
        end_use_limits=[{"country": "C", "basis": basis, "end_use": "defence", "element": "Nd",
                         "max_t": max_t}],
        demands=[{"demand": "D", "country": "A", "end_use": "defence", "military": True,
                  "must_serve": True},
                 {"demand": "E", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10},
                           {"demand": "E", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": t, "destination": d} for t, *_ in OFFERS for d in ("D", "E")],
    )


@pytest.mark.parametrize(("basis", "supplier", "objective"),
                         [("mined", "T_CB", 1300), ("processed", "T_BC", 1200),
                          ("either", "T_AA", 1500)])
def test_ban(kit, basis, supplier, objective):
    """A ban (0 t) on Nd from C for defence; the ev demand (10 t) still buys C's cheapest, 500.

    Offers: T_CC (mined C, separated C) 50, T_BC (mined C, separated B) 70, T_CB (mined B,
    separated C) 80, T_AA 100. For defence's 10 t the ban leaves:

    * basis mined: T_CB and T_AA ⇒ T_CB at 80: ``500 + 800 = 1300``;
    * basis processed: T_BC and T_AA ⇒ T_BC at 70: ``500 + 700 = 1200``;
    * basis either: T_AA only ⇒ ``500 + 1000 = 1500``.

    The ban row's dual is not asserted: every flow in the row sits at 0, so the LP is
    degenerate and any dual ≤ (its right-derivative) is optimal; only the objective and which
    offer serves defence are unique.
    """
    run = kit.solve(_sheets(kit, basis, 0))
    assert run.objective == pytest.approx(objective, rel=1e-6)
    to_defence = run.tables["flows"].query("destination == 'D'")
    assert list(to_defence["origin"]) == [supplier]
    assert to_defence["tonnes"].sum() == pytest.approx(10, abs=1e-6)
    ev = run.tables["flows"].query("destination == 'E'")
    assert list(ev["origin"]) == ["T_CC"]
    assert kit.row(run, "dual_end_use_tonnage_limit", basis=basis)["activity"] == \
        pytest.approx(0, abs=1e-9)


def test_tonnage_limit_prices_the_next_tonne(kit):
    """At most 4 t from C (either basis) for defence: 4 t from T_CC, 6 t from T_AA.

    Optimum ``500 (ev) + 4·50 + 6·100 = 1300``. Duals (unique: T_CC→D, T_AA→D, T_CC→E and the
    four offers' slacks are basic and positive, 7 for 7 rows; T_BC→D and T_CB→D are nonbasic
    with reduced costs ``70 − 100 + 50 = 20`` and ``30``): ``y_D = 100`` and
    ``y_limit = 50 − 100 = −50``.
    """
    s = _sheets(kit, "either", 4)
    run = kit.solve(s)
    assert run.objective == pytest.approx(1300, rel=1e-6)
    y = kit.dual(run, "end_use_tonnage_limit", basis="either")
    assert y == pytest.approx(-50, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(100, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="E") == pytest.approx(50, abs=1e-6)
    kit.check_perturbation(s, run, y, "end_use_limits", "max_t", 1.0, country="C")
