"""When capacity exists: site first_period, module earliest_period, fixed O&M and annuities.

Every instance here has the same shape: Nd from an own mine → plant chain in A, or bought from
C at 50 per t (100 t offered); D in A needs 10 t of Nd in every period (must serve). Own ore is
50 % Nd, so a tonne of Nd takes 2 t REO.
"""

import pytest


def _sheets(kit, periods=("P1", "P2"), mine=None, plant=None, modules=(), price=50.0):
    mine = {"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 10, **(mine or {})}
    plant = {"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 0,
             **(plant or {})}
    labels = [p if isinstance(p, str) else p[0] for p in periods]
    s = kit.sheets(
        periods=periods,
        mines=[mine],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[plant],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": price}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 10}
                           for p in labels],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T_C", "destination": "D"}],
    )
    if modules:
        s["modules"] = [dict(m) for m in modules]
    return s


@pytest.mark.parametrize("sheet", ["mines", "plants"])
def test_first_period(kit, sheet):
    """The site (mine or plant) has ``first_period`` P2: its capacity is 0 in P1.

    P1: 10 t from C at 50 = 500. P2: own Nd at ``10/0.5 = 20`` per t = 200. Optimum 700
    (both sites from P1 would give 400).

    The P1 capacity row has right-hand side 0. Duals (unique: in each period the one flow
    into D is basic and strictly inside every capacity; P1's own chain carries 0 t with
    reduced cost ``20 − 50 < 0`` only because the zero capacity blocks it):
    ``y_D,P1 = 50``, ``y_D,P2 = 20``.
    """
    site = {"first_period": "P2"}
    s = _sheets(kit, mine=site if sheet == "mines" else None,
                plant=site if sheet == "plants" else None)
    run = kit.solve(s)
    assert run.objective == pytest.approx(700, rel=1e-6)
    family = "mine_capacity" if sheet == "mines" else "plant_capacity"
    assert kit.row(run, f"dual_{family}", period="P1")["rhs"] == 0
    assert kit.row(run, f"dual_{family}", period="P2")["rhs"] in (100, 1000)
    assert kit.total(run, "flows", "tonnes", period="P1", origin="T_C") == pytest.approx(10)
    assert kit.total(run, "flows", "tonnes", period="P2", origin="P") == pytest.approx(10)
    assert kit.dual(run, "demand_balance", period="P1") == pytest.approx(50, abs=1e-6)
    assert kit.dual(run, "demand_balance", period="P2") == pytest.approx(20, abs=1e-6)


def test_module_at_greenfield_plant_from_its_earliest_period(kit):
    """Greenfield plant P (capacity 0); module K adds 30 t REO for capex 200, earliest P2.

    Three periods, no discounting. Own Nd costs 20 per t, C's 50.

    * K online from P2: P1 from C 500; P2, P3 own ``2·200``; capex 200: 1100 ← optimum;
    * K online from P3: ``500 + 500 + 200 + 200 = 1400``; no module: ``3·500 = 1500``;
    * K online from P1 would cost ``3·200 + 200 = 800``, but P1 is before its earliest period
      (the model offers no such build).

    The module's capacity (not the site's 0) is what the plant uses from P2: plant_capacity
    in P2 has rhs 0 and activity ``feed − module capacity = 20 − 30 = −10``. Duals of the
    fixed LP (unique: K's 30 t leave the plant row slack, so the one flow into D is basic in
    each period): ``y_D = 50, 20, 20``.
    """
    s = _sheets(kit, periods=("P1", "P2", "P3"), plant={"capacity_t": 0},
                modules=[{"module": "K", "site": "P", "capacity_t": 30, "capex_usd": 200,
                          "earliest_period": "P2", "max_count": 1}])
    run = kit.solve(s)
    assert run.objective == pytest.approx(1100, rel=1e-6)
    b = run.tables["builds"]
    assert list(zip(b["module"], b["online_period"], b["count"], strict=True)) == [("K", "P2", 1)]
    assert set(run.tables["candidates"]["earliest_period"]) == {"P2"}
    row = kit.row(run, "dual_plant_capacity", period="P2", plant="P")
    assert (row["rhs"], row["activity"]) == (0, pytest.approx(-10))
    for period, price in (("P1", 50), ("P2", 20), ("P3", 20)):
        assert kit.dual(run, "demand_balance", period=period) == pytest.approx(price, abs=1e-6)


def test_fixed_om_of_a_mine_module_built_in_the_second_period(kit):
    """Fixed O&M of a module at a greenfield mine, built in P2, discounted.

    Mine M has capacity 0; module K at M: 30 t REO, capex 100, fixed O&M 30 per period,
    earliest P2. Discount factors 1, 0.9, 0.8 (as written in the periods sheet).

    Capex is paid in the online period, fixed O&M in it and every later period:

    * online P2: capex ``100·0.9 = 90``, O&M ``30·(0.9 + 0.8) = 51``, P1 from C ``500``,
      mining ``200·(0.9 + 0.8) = 340``: 981 ← optimum;
    * online P3: ``80 + 24 + 500 + 450 + 160 = 1214``; none: ``500·2.7 = 1350``.

    Cost breakdown: capex 90, fixed_om 51, mining 340, purchases 500. Duals of the fixed LP
    (unique: K's 30 t leave the mine row slack, one basic flow into D per period) are
    discounted: ``y_D = 50·1, 20·0.9, 20·0.8``; conditional prices 50, 20, 20.
    """
    s = _sheets(kit, periods=(("P1", 1.0), ("P2", 0.9), ("P3", 0.8)), mine={"capacity_t": 0},
                modules=[{"module": "K", "site": "M", "capacity_t": 30, "capex_usd": 100,
                          "fixed_om_usd": 30, "earliest_period": "P2", "max_count": 1}])
    run = kit.solve(s)
    assert run.objective == pytest.approx(981, rel=1e-6)
    b = kit.row(run, "builds", module="K")
    assert (b["online_period"], b["fixed_om_usd_per_period"]) == ("P2", 30)
    costs = run.tables["cost_breakdown"].set_index("component")["expected_usd"]
    costs = costs[costs.abs() > 1e-9].to_dict()
    assert costs == pytest.approx({"capex": 90, "fixed_om": 51, "mining": 340,
                                   "purchases": 500}, abs=1e-6)
    for period, price, conditional in (("P1", 50, 50), ("P2", 18, 20), ("P3", 16, 20)):
        row = kit.row(run, "dual_demand_balance", period=period)
        assert row["shadow_price"] == pytest.approx(price, abs=1e-6)
        assert row["conditional_price"] == pytest.approx(conditional, abs=1e-6)


def _rate_periods(s, labels):
    """Periods with blank discount factors (computed from the yearly rate)."""
    s["periods"] = [{"period": p, "discount_factor": None} for p in labels]
    s["settings"] = [{"setting": "discount_rate_per_year", "value": "0.1"},
                     {"setting": "periods_per_year", "value": "1"}]
    return s


@pytest.mark.parametrize(("earliest", "charged", "objective"), [
    ("P1", 231.0, 231.0),
    ("P2", 210.0, 1210.0),
    ("P3", 100.0, 1000.0 + 1000.0 / 1.1 + 100.0),
])
def test_lifetime_annuity_at_a_nonzero_rate(kit, earliest, charged, objective):
    """Module K (greenfield plant, 30 t REO, capex 210, life 2 periods), rate 10 % a period.

    Settings: 10 % a year, one period a year, so i = 0.1 and δ = 1, 1/1.1, 1/1.21. Capital
    recovery factor ``crf = i/(1 − 1.1⁻²) = 0.1·1.21/0.21 = 0.121/0.21``, so K pays
    ``210·crf = 121`` in each period of its life inside the horizon:

    * online P1 (life P1–P2): ``121·(1 + 1/1.1) = 121 + 110 = 231``;
    * online P2 (life P2–P3): ``121·(1/1.1 + 1/1.21) = 110 + 100 = 210``;
    * online P3 (life P3–P4, P4 outside the horizon): ``121/1.21 = 100``.

    Own ore costs 0 (mine cost 0) and C's Nd 100 per t, so K is built at its earliest period
    (each period earlier saves ≥ 1000·δ > the extra annuity). Objective = C's Nd before then
    (``1000·δ_t``) + the annuity: 231, ``1000 + 210 = 1210``, ``1000 + 909.09 + 100``.
    """
    s = _sheets(kit, periods=("P1", "P2", "P3"), mine={"cost_usd_per_t": 0},
                plant={"capacity_t": 0}, price=100.0,
                modules=[{"module": "K", "site": "P", "capacity_t": 30, "capex_usd": 210,
                          "earliest_period": earliest, "lifetime_periods": 2, "max_count": 1}])
    s = _rate_periods(s, ("P1", "P2", "P3"))
    run = kit.solve(s)
    assert run.instance.discount_factors == pytest.approx((1.0, 1 / 1.1, 1 / 1.21), rel=1e-12)
    b = kit.row(run, "builds", module="K")
    assert b["online_period"] == earliest
    assert b["capex_in_horizon_usd"] == pytest.approx(charged, rel=1e-9)
    assert run.objective == pytest.approx(objective, rel=1e-6)
