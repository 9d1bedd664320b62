"""demand_balance: delivered + unmet = demand; the unmet-demand penalty prices the last tonne."""

import pytest


def _sheets(kit, demand_t=15.0):
    return kit.sheets(
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 10,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 500}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1",
                            "quantity_t": demand_t}],
        lanes=[{"origin": "T", "destination": "D", "cost_usd_per_t": 5}],
    )


def test_unmet_penalty_is_the_marginal_source(kit):
    """One offer (10 t at 100 + 5 freight) short of a 15 t demand; the rest goes unmet at 500.

    Optimum: 10 t bought at 105 and 5 t unmet at 500:
    ``10·105 + 5·500 = 1050 + 2500 = 3550``.

    Duals (unique: the LP is non-degenerate; both the flow and the unmet tonnes are strictly
    positive, so both are basic and their reduced costs are 0):

    * unmet *u* basic: ``500 − y_D = 0`` ⇒ ``y_D = 500`` (the next tonne goes unmet);
    * flow basic: ``105 − y_D − y_T = 0`` ⇒ ``y_T = −395`` (one more tonne offered saves 395).
    """
    s = _sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(3550, rel=1e-6)
    y_d = kit.dual(run, "demand_balance", demand="D", element="Nd")
    assert y_d == pytest.approx(500, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T") == pytest.approx(-395, abs=1e-6)
    assert kit.row(run, "unmet_demand", demand="D")["unmet_t"] == pytest.approx(5, abs=1e-9)
    kit.check_perturbation(s, run, y_d, "demand_quantities", "quantity_t", 0.5, demand="D")


def test_demand_met_below_the_penalty(kit):
    """Demand 8 t within the offer: the offer prices the tonne (``y_D = 105``), objective 840.

    The offer's capacity row is slack (dual 0), the unmet variable is nonbasic at 0 with
    reduced cost ``500 − 105 > 0``; the basis (flow, capacity slack) is non-degenerate.
    """
    s = _sheets(kit, demand_t=8.0)
    run = kit.solve(s)
    assert run.objective == pytest.approx(840, rel=1e-6)
    y_d = kit.dual(run, "demand_balance", demand="D", element="Nd")
    assert y_d == pytest.approx(105, abs=1e-6)
    assert kit.dual(run, "trader_capacity", trader="T") == pytest.approx(0, abs=1e-6)
    kit.check_perturbation(s, run, y_d, "demand_quantities", "quantity_t", 0.5, demand="D")


def test_lost_value_per_element_and_period(kit):
    """A demand_quantities row's own lost value wins over its node's; a blank row falls back.

    D's node-level lost value is 500; its P1 Dy row sets 3000 for itself; its P2 Dy row is
    blank, so 500 applies there.

    P1: Nd 15 t, 10 t offered at 100 + 5 freight: ``10·105 + 5·500 = 3550``. Dy 4 t, 1 t
    offered at 1000 + 5: buying (1005) beats 3000, so ``1005 + 3·3000 = 10005``.
    P2: Dy 2 t at a lost value of 500, below the 1005 the offer costs: all unmet, ``1000``.
    Optimum ``3550 + 10005 + 1000 = 14555``.

    Duals (unique: each period's LP is non-degenerate; every demand row has a strictly
    positive unmet variable, basic with reduced cost 0): ``y(Nd, P1) = 500``,
    ``y(Dy, P1) = 3000``, ``y(Dy, P2) = 500`` (the row's blank falls back to the node's).
    """
    s = kit.sheets(
        periods=("P1", "P2"),
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 10,
                  "price_usd_per_t": 100},
                 {"trader": "TD", "country": "B", "element": "Dy", "capacity_t": 1,
                  "price_usd_per_t": 1000}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 500}],
        demand_quantities=[
            {"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 15},
            {"demand": "D", "element": "Dy", "period": "P1", "quantity_t": 4,
             "lost_value_usd_per_t": 3000},
            {"demand": "D", "element": "Dy", "period": "P2", "quantity_t": 2}],
        lanes=[{"origin": "T", "destination": "D", "cost_usd_per_t": 5},
               {"origin": "TD", "destination": "D", "cost_usd_per_t": 5}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(14555, rel=1e-9)
    for element, period, price in (("Nd", "P1", 500), ("Dy", "P1", 3000), ("Dy", "P2", 500)):
        assert kit.dual(run, "demand_balance", element=element, period=period) == \
            pytest.approx(price, abs=1e-6)
    assert run.verification["ok"]
    y = kit.dual(run, "demand_balance", element="Dy", period="P1")
    kit.check_perturbation(s, run, y, "demand_quantities", "quantity_t", 0.5, element="Dy",
                           period="P1")
