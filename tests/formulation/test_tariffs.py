"""Tariffs in the objective: which row applies, on which customs value, and where none does.

A tariff adds ``ad_valorem × customs value + per_t_usd`` to every tonne on a lane whose origin
and destination sites are in different countries. The customs value is the offer price for a
trader, the element's reference price for plant and stock output, and the mine cost for
concentrate. An element's own row wins over a ``*`` row of the same country pair.
"""

import pytest


def _cost(run, component):
    return float(run.tables["cost_breakdown"].set_index("component")["expected_usd"][component])


def _unit_cost(run, origin, destination):
    row = run.tables["flows"].query("origin == @origin and destination == @destination")
    assert len(row) == 1, row
    return float(row["unit_cost_usd_per_t"].iloc[0])


def test_element_row_wins_over_star_row(kit):
    """C sells Nd and Dy at 100 each; A needs 10 t of each (must serve).

    Tariff rows C→A: ``*`` at 50 % (written first, so a first-match rule would pick it) and
    Nd at 10 %. Nd pays its own row: ``100 + 0.1·100 = 110`` per t; Dy falls back to ``*``:
    ``100 + 0.5·100 = 150`` per t. Optimum ``10·110 + 10·150 = 2600``; tariffs
    ``10·10 + 10·50 = 600``.

    Duals (unique: each element has one source whose flow is basic at 10 t, strictly inside the
    offer's 100 t): ``y_Nd = 110``, ``y_Dy = 150``. One more t of Nd demand costs 110.
    """
    s = kit.sheets(
        traders=[{"trader": f"T_{e}", "country": "C", "element": e, "capacity_t": 100,
                  "price_usd_per_t": 100} for e in ("Nd", "Dy")],
        tariffs=[{"origin_country": "C", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.5},
                 {"origin_country": "C", "destination_country": "A", "product": "Nd",
                  "ad_valorem": 0.1}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": e, "period": "P1", "quantity_t": 10}
                           for e in ("Nd", "Dy")],
        lanes=[{"origin": f"T_{e}", "destination": "D"} for e in ("Nd", "Dy")],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(2600, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(600, abs=1e-6)
    assert _unit_cost(run, "T_Nd", "D") == pytest.approx(110, abs=1e-9)
    assert _unit_cost(run, "T_Dy", "D") == pytest.approx(150, abs=1e-9)
    y_nd = kit.dual(run, "demand_balance", element="Nd")
    assert y_nd == pytest.approx(110, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Dy") == pytest.approx(150, abs=1e-6)
    kit.check_perturbation(s, run, y_nd, "demand_quantities", "quantity_t", 1.0, element="Nd")


def _customs_sheets(kit):
    """One 10 % tariff C→A on every oxide and one on concentrate B→C; four ways into D (in A).

    * Mine M in B (20 per t REO, 50 % Nd) → plant P in C (10 t REO, opex 0, recovery 1) → D;
    * stockpile S in B (2 t of Nd, holding 0; capacity 3 t, room for the sign check's +1 t
      of initial stock, and slack since the stock is drawn to 0) → D, under a 20 % tariff B→A
      on ``*``;
    * trader T in C: Nd at 80 (100 t) → D.

    Nd's reference price is 300. D needs 10 t Nd (must serve).
    """
    return kit.sheets(
        elements=[{"element": "Nd", "reference_price_usd_per_t": 300}, {"element": "Dy"}],
        mines=[{"mine": "M", "country": "B", "capacity_t": 1000, "cost_usd_per_t": 20}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "C", "capacity_t": 10, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 80}],
        stockpiles=[{"stockpile": "S", "country": "B", "element": "Nd", "initial_t": 2,
                     "capacity_t": 3}],
        tariffs=[{"origin_country": "C", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.1},
                 {"origin_country": "B", "destination_country": "C", "product": "concentrate",
                  "ad_valorem": 0.1},
                 {"origin_country": "B", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.2}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "S", "destination": "D"}, {"origin": "T", "destination": "D"}],
    )


def test_customs_value_depends_on_the_origin(kit):
    """Ad valorem on the offer price (trader), the reference price (plant, stock), mine cost.

    Duty per tonne:

    * concentrate M→P (B→C): ``0.1 × mine cost 20 = 2`` ⇒ unit cost ``20 + 2 = 22`` per t REO;
    * oxide P→D (C→A): ``0.1 × reference 300 = 30`` (the plant has no price) ⇒ own Nd costs
      ``22/0.5 + 30 = 74`` per t;
    * oxide S→D (B→A, 20 %): ``0.2 × 300 = 60`` per t (the stock itself is free);
    * oxide T→D (C→A): ``0.1 × offer 80 = 8`` ⇒ ``88`` per t.

    Plan: P full (10 t REO → 5 t Nd at 74), all 2 t of stock (60 < 88), 3 t from T at 88.
    Optimum ``10·22 + 5·30 + 2·60 + 3·88 = 220 + 150 + 120 + 264 = 754``; tariffs
    ``10·2 + 5·30 + 2·60 + 3·8 = 314``.

    Duals (unique: q = 10, f_P = 5, f_S = 2, f_T = 3 are basic, for 4 binding rows: demand,
    plant_output, plant_capacity, stock_balance; the end stock sits at 0 with reduced cost
    ``0 − σ = 28 > 0``): from f_T, ``y_D = 88``; from f_P, ``30 − 88 − μ = 0 ⇒ μ = −58``
    (plant_output); from q, ``22 + 0.5·μ − λ = 0 ⇒ λ = −7`` per t REO (plant_capacity:
    one more t REO makes ½ t Nd at 74 in place of 88); from f_S, ``60 − 88 − σ = 0 ⇒
    σ = −28`` (stock_balance: one more initial t saves 28).
    """
    s = _customs_sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(754, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(314, abs=1e-6)
    for origin, dest, unit in (("M", "P", 22), ("P", "D", 30), ("S", "D", 60), ("T", "D", 88)):
        assert _unit_cost(run, origin, dest) == pytest.approx(unit, abs=1e-9), (origin, dest)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(88, abs=1e-6)
    assert kit.dual(run, "plant_output", plant="P") == pytest.approx(-58, abs=1e-6)
    lam = kit.dual(run, "plant_capacity", plant="P")
    assert lam == pytest.approx(-7, abs=1e-6)
    sigma = kit.dual(run, "stock_balance", stockpile="S")
    assert sigma == pytest.approx(-28, abs=1e-6)
    kit.check_perturbation(s, run, lam, "plants", "capacity_t", 1.0, plant="P")
    kit.check_perturbation(s, run, sigma, "stockpiles", "initial_t", 1.0, stockpile="S")


def test_per_tonne_duty(kit):
    """A specific duty adds to the ad-valorem one: C→A Nd at 10 % + 8 per t.

    C sells Nd at 50 (100 t): ``50 + 0.1·50 + 8 = 63`` per t. B sells at 60 (4 t), no tariff.
    D needs 10 t: 4 from B (60), 6 from C (63). Optimum ``240 + 378 = 618``; tariffs
    ``6·13 = 78``.

    Duals (unique: both flows basic, B's offer binding, C's slack; 2 rows for 2 basic
    variables): ``y_D = 63``, B's offer ``60 − 63 = −3``. Raising the specific duty by 1
    raises the objective by the 6 t that pay it (checked by re-solving).
    """
    s = kit.sheets(
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50},
                 {"trader": "T_B", "country": "B", "element": "Nd", "capacity_t": 4,
                  "price_usd_per_t": 60}],
        tariffs=[{"origin_country": "C", "destination_country": "A", "product": "Nd",
                  "ad_valorem": 0.1, "per_t_usd": 8}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "T_C", "destination": "D"}, {"origin": "T_B", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(618, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(78, abs=1e-6)
    assert _unit_cost(run, "T_C", "D") == pytest.approx(63, abs=1e-9)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(63, abs=1e-6)
    y_b = kit.dual(run, "trader_capacity", trader="T_B")
    assert y_b == pytest.approx(-3, abs=1e-6)
    kit.check_perturbation(s, run, y_b, "traders", "capacity_t", 1.0, trader="T_B")
    again = kit.solve(kit.changed(s, "tariffs", "per_t_usd", 1.0, product="Nd"))
    assert again.objective - run.objective == pytest.approx(6, abs=1e-6)


def test_domestic_lane_pays_nothing(kit):
    """Ore mined in C, separated in A, delivered in A: only the concentrate crosses a border.

    Mine M in C (10 per t REO, 50 % Nd) → plant P in A (opex 0) → D in A, 10 t Nd. Tariffs
    C→A: concentrate 4 per t, Nd 100 % of the reference price 100. The oxide lane P→D is
    domestic (A→A), so the Nd row does not apply even though the Nd was mined in C (tariffs
    follow the lane's countries, not the provenance). Optimum ``20·(10 + 4) = 280``; tariffs
    ``20·4 = 80`` (charging the Nd row would add 1000).

    Dual (unique: one path, every capacity slack): ``y_D = 14/0.5 = 28``.
    """
    s = kit.sheets(
        elements=[{"element": "Nd", "reference_price_usd_per_t": 100}, {"element": "Dy"}],
        mines=[{"mine": "M", "country": "C", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        tariffs=[{"origin_country": "C", "destination_country": "A", "product": "concentrate",
                  "per_t_usd": 4},
                 {"origin_country": "C", "destination_country": "A", "product": "Nd",
                  "ad_valorem": 1.0}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(280, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(80, abs=1e-6)
    assert _unit_cost(run, "P", "D") == pytest.approx(0, abs=1e-9)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(28, abs=1e-6)


def test_same_country_tariff_row_is_not_charged(kit):
    """A tariff row A→A (``*``, 50 %) on a domestic offer: domestic lanes pay nothing.

    T_A in A sells Nd at 50 to D in A, 10 t: the lane never crosses a border, so the optimum is
    ``10·50 = 500`` and no tariff is charged (fixed in 033ba54: the model charged the row and
    failed its own verification).
    """
    s = kit.sheets(
        traders=[{"trader": "T_A", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50}],
        tariffs=[{"origin_country": "A", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.5}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "T_A", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(500, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(0, abs=1e-9)


def test_star_row_covers_concentrate(kit):
    """A ``*`` tariff row covers every product, concentrate included.

    (Export quotas differ: there ``*`` means every oxide.)

    Mine M in B (20 per t REO, 50 % Nd) → plant P in A → D in A (10 t Nd, must serve).
    Tariff B→A ``*``: 25 % + 1 per t, on the mine cost: ``0.25·20 + 1 = 6`` per t REO.
    Optimum ``20·(20 + 6) = 520``; tariffs ``20·6 = 120``. Dual (unique: one path, every
    capacity slack): ``y_D = 26/0.5 = 52``.
    """
    s = kit.sheets(
        mines=[{"mine": "M", "country": "B", "capacity_t": 1000, "cost_usd_per_t": 20}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        tariffs=[{"origin_country": "B", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.25, "per_t_usd": 1}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(520, rel=1e-6)
    assert _cost(run, "tariffs") == pytest.approx(120, abs=1e-6)
    assert _unit_cost(run, "M", "P") == pytest.approx(26, abs=1e-9)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(52, abs=1e-6)
