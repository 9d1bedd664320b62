"""plant_output: a plant ships no more of an element than it separates; co-products go together."""

import pytest


def _sheets(kit, nd_demand_t=12.0):
    """Mine M (Dy 5 %, Nd 20 % of its REO) feeds plant P; Nd can also be bought at 100."""
    return kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.2},
                     {"mine": "M", "element": "Dy", "share": 0.05}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 20}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0},
                          {"plant": "P", "element": "Dy", "recovery": 1.0}],
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "magnets", "must_serve": True}],
        demand_quantities=[
            {"demand": "D", "element": "Dy", "period": "P1", "quantity_t": 2},
            {"demand": "D", "element": "Nd", "period": "P1", "quantity_t": nd_demand_t}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T", "destination": "D"}],
    )


def test_dy_brings_nd(kit):
    """Mining for 2 t of Dy brings 8 t of Nd as a co-product; 4 t more Nd is bought.

    Concentrate costs 10 + 20 = 30 per t REO. Dy only comes from the mine: 2 t needs
    ``q = 2 / 0.05 = 40`` t REO, which also yields ``0.2·40 = 8`` t Nd. Mining for Nd alone
    would cost ``30 / 0.2 = 150`` per t Nd > 100, so the other 4 t of Nd are bought.
    Optimum ``40·30 + 4·100 = 1200 + 400 = 1600``.

    Duals (unique: q, both plant flows and the purchase are strictly positive, and the mine and
    plant capacities are slack, so 6 basic variables for 6 rows, none at a bound):

    * purchase basic: ``y_D,Nd = 100``;
    * plant flow of Nd basic: ``0 − y_D,Nd − y_out,Nd = 0`` ⇒ ``y_out,Nd = −100``;
    * q basic: ``30 + 0.2·y_out,Nd + 0.05·y_out,Dy = 0`` ⇒ ``y_out,Dy = (−30 + 20)/0.05 = −200``;
    * plant flow of Dy basic: ``y_D,Dy = −y_out,Dy = 200``. Check: one more t of Dy needs
      20 t REO (600) and brings 4 t Nd (saves 400): 200.
    """
    s = _sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(1600, rel=1e-6)
    out_nd = kit.dual(run, "plant_output", plant="P", element="Nd", mined_country="A")
    out_dy = kit.dual(run, "plant_output", plant="P", element="Dy", mined_country="A")
    assert out_nd == pytest.approx(-100, abs=1e-6)
    assert out_dy == pytest.approx(-200, abs=1e-6)
    y_dy = kit.dual(run, "demand_balance", demand="D", element="Dy")
    assert y_dy == pytest.approx(200, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D", element="Nd") == pytest.approx(100, abs=1e-6)
    assert kit.total(run, "flows", "tonnes", origin="M") == pytest.approx(40, abs=1e-6)
    assert kit.total(run, "flows", "tonnes", origin="T") == pytest.approx(4, abs=1e-6)
    kit.check_perturbation(s, run, y_dy, "demand_quantities", "quantity_t", 0.1,
                           demand="D", element="Dy")


def test_surplus_co_product_is_disposed(kit):
    """Nd demand 5 t < the 8 t that come with the Dy: 3 t of Nd are left at the plant.

    Optimum ``40·30 = 1200`` (nothing bought). The Nd plant-output row is slack (8 made,
    5 shipped), so its dual is 0 and the next tonne of Nd is free (``y_D,Nd = 0``); the Dy
    tonne now carries all the mining cost: ``y_D,Dy = 30/0.05 = 600``. Unique: the Nd
    output slack, q and both plant flows are basic and strictly positive.
    """
    s = _sheets(kit, nd_demand_t=5.0)
    run = kit.solve(s)
    assert run.objective == pytest.approx(1200, rel=1e-6)
    assert kit.dual(run, "plant_output", plant="P", element="Nd", mined_country="A") == \
        pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D", element="Nd") == pytest.approx(0, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D", element="Dy") == pytest.approx(600, abs=1e-6)
    row = kit.row(run, "dual_plant_output", plant="P", element="Nd")
    assert row["slack"] == pytest.approx(3, abs=1e-6)
