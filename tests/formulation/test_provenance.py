"""Provenance: where oxide was mined and where it was processed, and the rules that read it.

Each oxide flow carries its mined country and processed country. Initial stock takes the
provenance written in its stockpile row; a plant's output is processed in the plant's country
and mined where its ore came from; export quotas count the country a lane leaves.
"""

import pytest


def _stock_sheets(kit, country, basis):
    """Stockpile S in A holds 10 t Nd mined in C and processed in B.

    Holding 0, capacity 10; its lane to D costs 1 per t (so it never ships more than needed).

    T_A (in A, mined in A) sells Nd at 70. Defence demand D (in A) needs 8 t (must serve).
    One rule bans (0 t) Nd from ``country`` on ``basis`` for defence.
    """
    return kit.sheets(
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 10,
                     "capacity_t": 10, "initial_mined_country": "C",
                     "initial_processed_country": "B"}],
        traders=[{"trader": "T_A", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 70}],
        end_use_limits=[{"country": country, "basis": basis, "end_use": "defence",
                         "element": "Nd", "max_t": 0}],
        demands=[{"demand": "D", "country": "A", "end_use": "defence", "military": True,
                  "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 8}],
        lanes=[{"origin": "S", "destination": "D", "cost_usd_per_t": 1},
               {"origin": "T_A", "destination": "D"}],
    )


@pytest.mark.parametrize(("country", "basis", "from_stock", "objective", "price"), [
    ("C", "mined", 0, 560, 70),
    ("C", "processed", 8, 8, 1),
    ("B", "processed", 0, 560, 70),
    ("B", "mined", 8, 8, 1),
    ("A", "either", 8, 8, 1),
])
def test_initial_stock_provenance_against_bans(kit, country, basis, from_stock, objective,
                                               price):
    """The stock (mined C, processed B) costs 1 per t delivered; T_A 70; 8 t are needed.

    * ban on C-mined or on B-processed Nd: the stock is barred, ``8·70 = 560``;
    * ban on C-processed or B-mined: the stock is allowed, ``8·1 = 8``, 2 t stay in S;
    * ban on A (either basis): bars T_A, not the stock (its provenance is the one written,
      not the stockpile's country A), 8.

    Demand dual (unique: when the stock is barred, T_A's flow is basic at 8 < 100, so
    ``y_D = 70``; when it is allowed, the stock flow (8) and the end stock (2) are both basic
    for the two rows demand and stock_balance, so ``σ = 0`` (holding 0) and ``y_D = 1``).
    """
    run = kit.solve(_stock_sheets(kit, country, basis))
    assert run.objective == pytest.approx(objective, rel=1e-6, abs=1e-9)
    assert kit.total(run, "flows", "tonnes", origin="S") == pytest.approx(from_stock, abs=1e-9)
    lot = kit.row(run, "stocks", stockpile="S")
    assert (lot["mined_country"], lot["processed_country"]) == ("C", "B")
    assert lot["stock_t"] == pytest.approx(10 - from_stock, abs=1e-9)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(price, abs=1e-6)


def test_export_quota_counts_the_plant_country_not_the_mine_country(kit):
    """Mine M_B in B (10 per t REO, 50 % Nd) → plant P_C in C → D in A (10 t Nd, must serve).

    T_A in A sells Nd at 90. Quotas: C may export 4 t of Nd; B may export no Nd and no oxide
    at all (``*``). The oxide P_C→D leaves C (the plant's country) though its ore was mined in
    B, so C's quota binds and B's rows do not touch it (nor B's concentrate: product
    ``concentrate`` is not an oxide).

    Own Nd costs ``10/0.5 = 20``. Optimum ``4·20 + 6·90 = 620`` (``10·20 = 200`` without C's
    quota; 900 if B's rows applied to the oxide).

    Duals (unique: q = 8, f_P = 4 and f_T = 6 are basic for the three binding rows demand,
    plant_output and C's quota): ``y_D = 90`` from f_T; ``10 + 0.5·μ = 0 ⇒ μ = −20`` from q;
    ``0 − 90 − μ − λ = 0 ⇒ λ = −70`` from f_P.
    """
    s = kit.sheets(
        mines=[{"mine": "M_B", "country": "B", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M_B", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P_C", "country": "C", "capacity_t": 1000, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P_C", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T_A", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 90}],
        export_quotas=[{"country": "C", "product": "Nd", "cap_t": 4},
                       {"country": "B", "product": "Nd", "cap_t": 0},
                       {"country": "B", "product": "*", "cap_t": 0}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M_B", "destination": "P_C"}, {"origin": "P_C", "destination": "D"},
               {"origin": "T_A", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(620, rel=1e-6)
    f = kit.row(run, "flows", origin="P_C")
    assert (f["mined_in"], f["processed_in"], f["tonnes"]) == ("B", "C", pytest.approx(4))
    lam = kit.dual(run, "export_quota_cap", country="C")
    assert lam == pytest.approx(-70, abs=1e-6)
    for product in ("Nd", "*"):
        assert kit.row(run, "dual_export_quota_cap", country="B", product=product)["activity"] \
            == pytest.approx(0, abs=1e-9)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(90, abs=1e-6)
    assert kit.dual(run, "plant_output", plant="P_C") == pytest.approx(-20, abs=1e-6)
    kit.check_perturbation(s, run, lam, "export_quotas", "cap_t", 1.0, country="C")


@pytest.mark.parametrize("limit", [{"max_t": 12}, {"max_share": 0.6}])
def test_end_use_limit_on_every_element(kit, limit):
    """At most 12 t from C (processed) for defence, all elements together (element ``*``).

    The limit is a tonnage (``max_t`` 12) or as a share of the 20 t defence receives (``max_share``
    0.6: ``0.6·20 = 12``, since both demands are must-serve and nothing is over-delivered).

    C sells Nd at 50 and Dy at 60; B sells Nd at 80 and Dy at 100 (100 t each). Defence needs
    10 t of each (must serve). A tonne from C saves 30 on Nd and 40 on Dy, so the 12 t go to
    Dy first: 10 t Dy from C, 2 t Nd from C, 8 t Nd from B.
    Optimum ``600 + 100 + 640 = 1340`` (an Nd-only or Dy-only rule would give 1100).

    Tonnage duals (unique: C_Dy = 10, C_Nd = 2, B_Nd = 8 are basic for the three binding
    rows, B_Dy is nonbasic at 0): ``y_Nd = 80`` (B_Nd), ``λ = 50 − 80 = −30`` (C_Nd),
    ``y_Dy = 60 − λ = 90`` (C_Dy); B_Dy's reduced cost ``100 − 90 = 10 ≥ 0``. The share row's
    dual is per unit of its left-hand side (C's tonnes − 0.6 × all), so it is checked only
    through the plan.
    """
    offers = (("T_C_Nd", "C", "Nd", 50), ("T_C_Dy", "C", "Dy", 60),
              ("T_B_Nd", "B", "Nd", 80), ("T_B_Dy", "B", "Dy", 100))
    s = kit.sheets(
        traders=[{"trader": t, "country": c, "element": e, "capacity_t": 100,
                  "price_usd_per_t": p} for t, c, e, p in offers],
        end_use_limits=[{"country": "C", "basis": "processed", "end_use": "defence",
                         "element": "*", **limit}],
        demands=[{"demand": "D", "country": "A", "end_use": "defence", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": e, "period": "P1", "quantity_t": 10}
                           for e in ("Nd", "Dy")],
        lanes=[{"origin": t, "destination": "D"} for t, *_ in offers],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(1340, rel=1e-6)
    assert kit.total(run, "flows", "tonnes", origin="T_C_Dy") == pytest.approx(10, abs=1e-9)
    assert kit.total(run, "flows", "tonnes", origin="T_C_Nd") == pytest.approx(2, abs=1e-9)
    if "max_share" in limit:
        return
    lam = kit.dual(run, "end_use_tonnage_limit", country="C")
    assert lam == pytest.approx(-30, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Nd") == pytest.approx(80, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Dy") == pytest.approx(90, abs=1e-6)
    kit.check_perturbation(s, run, lam, "end_use_limits", "max_t", 1.0, country="C")


DIVERSE_OFFERS = (  # trader, processed in, mined in, price
    ("T1", "B", "C", 50),  # C's ore separated in B
    ("T2", "C", "C", 60),
    ("T3", "B", "B", 100),
)


@pytest.mark.parametrize(("basis", "objective", "plan"), [
    (None, 500, {"T1": 10}),
    ("processed", 550, {"T1": 5, "T2": 5}),
    ("mined", 750, {"T1": 5, "T3": 5}),
])
def test_diversification_basis_changes_the_answer(kit, basis, objective, plan):
    """No country above 50 % of the ev's Nd (10 t, must serve), by mined or processed country.

    Offers: T1 (processed B, mined C) 50, T2 (C, C) 60, T3 (B, B) 100.

    * no cap: all from T1, 500;
    * processed basis: B (T1, T3) ≤ 5 and C (T2) ≤ 5 ⇒ 5 from T1 + 5 from T2 = 550;
    * mined basis: C (T1, T2) ≤ 5 and B (T3) ≤ 5 ⇒ 5 from T1 + 5 from T3 = 750.

    Duals are not asserted: with two countries at exactly 50 % both share rows bind and are
    linearly dependent given the demand row, so the LP is degenerate.
    """
    s = kit.sheets(
        traders=[{"trader": t, "country": pc, "mined_country": mc, "element": "Nd",
                  "capacity_t": 100, "price_usd_per_t": p} for t, pc, mc, p in DIVERSE_OFFERS],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": t, "destination": "D"} for t, *_ in DIVERSE_OFFERS],
    )
    if basis is not None:
        s["diversification_caps"] = [{"end_use": "ev", "element": "Nd", "basis": basis,
                                      "max_share": 0.5}]
    run = kit.solve(s)
    assert run.objective == pytest.approx(objective, rel=1e-6)
    flows = run.tables["flows"].groupby("origin")["tonnes"].sum().to_dict()
    assert flows == pytest.approx(plan, abs=1e-6)
