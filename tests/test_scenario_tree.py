"""The scenario tree: scenarios grouped period by period while their data coincide.

Two scenarios share the node of period t exactly when their data are equal in every period up
to and including t. The market is the one of tests/formulation/test_overrides.py: C sells Nd
at 50 (8 t), B at 80 (100 t); D needs 10 t a period (must serve): 560 a period, 800 when C
stops selling.
"""

import pytest

from optimizer.scenario import scenario_tree

PERIODS = ("P1", "P2", "P3")


def _cut(scenario, from_period=None, **extra):
    row = {"scenario": scenario, "sheet": "traders", "key": "T_C", "column": "capacity_t",
           "mode": "set", "value": 0, **extra}
    if from_period:
        row["from_period"] = from_period
    return row


def _sheets(kit, scenarios, changes):
    return kit.sheets(
        periods=PERIODS,
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 8,
                  "price_usd_per_t": 50},
                 {"trader": "T_B", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 80}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 10}
                           for p in PERIODS],
        lanes=[{"origin": "T_C", "destination": "D"}, {"origin": "T_B", "destination": "D"}],
        scenarios=[{"scenario": n, "probability": p} for n, p in scenarios.items()],
        scenario_changes=list(changes),
    )


def _shape(nodes):
    """{(period, scenarios): (probability, parent's scenarios or None)}."""
    by_id = {n.id: n for n in nodes}
    return {(PERIODS[n.period], n.scenarios):
            (pytest.approx(n.probability, abs=1e-12),
             None if n.parent is None else by_id[n.parent].scenarios)
            for n in nodes}


def test_disruptions_starting_in_different_periods(kit):
    """Scenarios calm (0.5), early (0.2: C stops from P2), late (0.3: C stops from P3).

    P1: nobody can tell them apart: one root {calm, early, late}, probability 1.
    P2: early differs: {calm, late} (0.8) and {early} (0.2), both children of the root.
    P3: late differs: {calm} (0.5) and {late} (0.3) under {calm, late}; {early} (0.2) under
    {early}. Six nodes, each period's probabilities summing to 1.

    Cost: P1 560; P2 ``0.8·560 + 0.2·800 = 608``; P3 ``0.5·560 + 0.5·800 = 680``; total 1848.
    Per scenario: calm ``3·560 = 1680``, early ``560 + 2·800 = 2160``, late
    ``2·560 + 800 = 1920``; ``0.5·1680 + 0.2·2160 + 0.3·1920 = 1848``.
    Demand duals (unique: in every node B's flow is basic strictly inside its offer) are
    ``80·π``: P1 80; P2 64 and 16; P3 40, 24 and 16; each conditional price is 80.
    """
    s = _sheets(kit, {"calm": 0.5, "early": 0.2, "late": 0.3},
                [_cut("early", "P2"), _cut("late", "P3")])
    nodes = scenario_tree(kit.instance(s))
    assert _shape(nodes) == {
        ("P1", ("calm", "early", "late")): (1.0, None),
        ("P2", ("calm", "late")): (0.8, ("calm", "early", "late")),
        ("P2", ("early",)): (0.2, ("calm", "early", "late")),
        ("P3", ("calm",)): (0.5, ("calm", "late")),
        ("P3", ("late",)): (0.3, ("calm", "late")),
        ("P3", ("early",)): (0.2, ("early",)),
    }
    assert len(nodes) == 6
    run = kit.solve(s)
    assert run.objective == pytest.approx(1848, rel=1e-6)
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"].to_dict()
    assert costs == pytest.approx({"calm": 1680, "early": 2160, "late": 1920}, rel=1e-9)
    duals = run.tables["dual_demand_balance"]
    got = {(r.period, r.scenarios): (r.shadow_price, r.conditional_price)
           for r in duals.itertuples()}
    assert got == {
        ("P1", "calm+early+late"): (pytest.approx(80, abs=1e-6), pytest.approx(80, abs=1e-6)),
        ("P2", "calm+late"): (pytest.approx(64, abs=1e-6), pytest.approx(80, abs=1e-6)),
        ("P2", "early"): (pytest.approx(16, abs=1e-6), pytest.approx(80, abs=1e-6)),
        ("P3", "calm"): (pytest.approx(40, abs=1e-6), pytest.approx(80, abs=1e-6)),
        ("P3", "late"): (pytest.approx(24, abs=1e-6), pytest.approx(80, abs=1e-6)),
        ("P3", "early"): (pytest.approx(16, abs=1e-6), pytest.approx(80, abs=1e-6)),
    }


def test_scenarios_that_differ_from_the_first_period_have_separate_roots(kit):
    """Scenarios calm (0.6) and cut (0.4: C stops from the start, blank from_period): two roots.

    Each scenario is then a chain of its own: 6 nodes, P2 and P3 nodes the children of the
    same scenario's previous node. Cost ``0.6·3·560 + 0.4·3·800 = 1008 + 960 = 1968``.
    """
    s = _sheets(kit, {"calm": 0.6, "cut": 0.4}, [_cut("cut")])
    nodes = scenario_tree(kit.instance(s))
    assert _shape(nodes) == {
        ("P1", ("calm",)): (0.6, None), ("P1", ("cut",)): (0.4, None),
        ("P2", ("calm",)): (0.6, ("calm",)), ("P2", ("cut",)): (0.4, ("cut",)),
        ("P3", ("calm",)): (0.6, ("calm",)), ("P3", ("cut",)): (0.4, ("cut",)),
    }
    assert sum(n.parent is None for n in nodes) == 2
    assert kit.solve(s).objective == pytest.approx(1968, rel=1e-6)


def test_scenarios_with_identical_data_share_every_node(kit):
    """Scenarios a and b write the same data differently.

    ``a`` sets C's offer to 0 from P2; ``b`` scales it by 0 from P2 (8·0 = 0). With calm:
    a and b share every node; calm splits off in P2.
    """
    s = _sheets(kit, {"a": 0.25, "b": 0.25, "calm": 0.5},
                [_cut("a", "P2"),
                 _cut("b", "P2", mode="scale")])
    nodes = scenario_tree(kit.instance(s))
    assert _shape(nodes) == {
        ("P1", ("a", "b", "calm")): (1.0, None),
        ("P2", ("a", "b")): (0.5, ("a", "b", "calm")),
        ("P2", ("calm",)): (0.5, ("a", "b", "calm")),
        ("P3", ("a", "b")): (0.5, ("a", "b")),
        ("P3", ("calm",)): (0.5, ("calm",)),
    }
    node = next(n for n in nodes if PERIODS[n.period] == "P2" and n.scenarios == ("a", "b"))
    assert node.changes == {("traders", 0, "capacity_t"): 0}


def test_changes_equal_to_the_base_do_not_split_the_tree(kit):
    """Scenario same (0.5) changes cells without changing their values.

    * C's offer set to 8 (its base value) from P2;
    * B's price scaled by 1;
    * D's P1 demand set to 99 from P2: the row belongs to P1, before the change starts.

    So same and calm (0.5) have equal data in every period: one node per period, and the
    cost is calm's ``3·560 = 1680``.
    """
    s = _sheets(kit, {"calm": 0.5, "same": 0.5}, [
        {"scenario": "same", "sheet": "traders", "key": "T_C", "column": "capacity_t",
         "value": 8, "from_period": "P2"},
        {"scenario": "same", "sheet": "traders", "key": "T_B", "column": "price_usd_per_t",
         "mode": "scale", "value": 1},
        {"scenario": "same", "sheet": "demand_quantities", "key": "D,Nd,P1",
         "column": "quantity_t", "value": 99, "from_period": "P2"}])
    nodes = scenario_tree(kit.instance(s))
    assert _shape(nodes) == {
        ("P1", ("calm", "same")): (1.0, None),
        ("P2", ("calm", "same")): (1.0, ("calm", "same")),
        ("P3", ("calm", "same")): (1.0, ("calm", "same")),
    }
    assert all(n.changes == {} for n in nodes)
    assert kit.solve(s).objective == pytest.approx(1680, rel=1e-6)


def test_a_restored_value_does_not_merge_branches(kit):
    """``outage`` (0.5): C's offer 0 from P2, back to 8 (the base) from P3.

    In P3 its data equal calm's, but its history does not: the branches stay apart (a node's
    decisions may depend on everything revealed before). The P3 node of outage records no
    change. Cost: calm ``1680``, outage ``560 + 800 + 560 = 1920``; expected 1800.
    """
    s = _sheets(kit, {"calm": 0.5, "outage": 0.5}, [
        _cut("outage", "P2"),
        {"scenario": "outage", "sheet": "traders", "key": "T_C", "column": "capacity_t",
         "value": 8, "from_period": "P3"}])
    nodes = scenario_tree(kit.instance(s))
    assert _shape(nodes) == {
        ("P1", ("calm", "outage")): (1.0, None),
        ("P2", ("calm",)): (0.5, ("calm", "outage")),
        ("P2", ("outage",)): (0.5, ("calm", "outage")),
        ("P3", ("calm",)): (0.5, ("calm",)),
        ("P3", ("outage",)): (0.5, ("outage",)),
    }
    p3 = next(n for n in nodes if PERIODS[n.period] == "P3" and n.scenarios == ("outage",))
    assert p3.changes == {}
    assert kit.solve(s).objective == pytest.approx(1800, rel=1e-6)
