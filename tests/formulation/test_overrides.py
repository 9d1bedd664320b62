"""Overrides: scenario_changes and run overrides, which win over a scenario's change.

scenario_changes: set, scale, from_period, key wildcards and prefixes. Run overrides:
``with_overrides`` and ``solve(overrides=...)``.

The base market: C sells Nd at 50 (8 t offered), B at 80 (100 t); D in A needs 10 t of Nd in
every period (must serve). Base cost per period ``8·50 + 2·80 = 560``; B is the marginal
offer, so wherever B's flow is strictly between 0 and 100 t the demand dual is 80 (unique: B's
flow is basic and C's offer row is the only other binding row, with C's flow basic).
"""

import pytest

from optimizer.api import solve
from optimizer.errors import ScenarioError
from optimizer.instance import Override
from optimizer.scenario import scenario_tree, with_overrides
from optimizer.solve import SolveOptions


def _market(kit, periods=("P1",), scenarios=None, changes=(), c_capacity=8):
    s = kit.sheets(
        periods=periods,
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": c_capacity,
                  "price_usd_per_t": 50},
                 {"trader": "T_B", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 80}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 10}
                           for p in periods],
        lanes=[{"origin": "T_C", "destination": "D"}, {"origin": "T_B", "destination": "D"}],
    )
    if scenarios:
        s["scenarios"] = [{"scenario": n, "probability": p} for n, p in scenarios.items()]
    if changes:
        s["scenario_changes"] = [dict(c) for c in changes]
    return s


def _costs(run) -> dict:
    return run.tables["scenario_costs"].set_index("scenario")["cost_usd"].to_dict()


def test_scale_and_set(kit):
    """Scenario ``half`` (½) scales C's offer by 0.5; ``pricey`` (½) sets C's price to 70.

    * half: C offers 4 t: ``4·50 + 6·80 = 680``;
    * pricey: ``8·70 + 2·80 = 720``;
    * expected ``½·680 + ½·720 = 700``.

    Both scenarios differ from the base from the first period on, so there are two root
    nodes. Conditional demand prices (unique, see the module docstring): 80 in both.
    """
    s = _market(kit, scenarios={"half": 0.5, "pricey": 0.5}, changes=[
        {"scenario": "half", "sheet": "traders", "key": "T_C", "column": "capacity_t",
         "mode": "scale", "value": 0.5},
        {"scenario": "pricey", "sheet": "traders", "key": "T_C", "column": "price_usd_per_t",
         "mode": "set", "value": 70}])
    run = kit.solve(s)
    assert run.objective == pytest.approx(700, rel=1e-6)
    assert _costs(run) == pytest.approx({"half": 680, "pricey": 720}, rel=1e-9)
    for sc in ("half", "pricey"):
        row = kit.row(run, "dual_demand_balance", scenarios=sc)
        assert row["conditional_price"] == pytest.approx(80, abs=1e-6)
        assert row["shadow_price"] == pytest.approx(40, abs=1e-6)
    assert kit.row(run, "dual_trader_capacity", scenarios="half", trader="T_C")["rhs"] == 4


def test_from_period_makes_a_time_invariant_row_time_varying(kit):
    """One scenario (probability 1): C's offer (a row with no period) set to 0 from P2.

    P1 ``560``; P2 and P3 all from B: ``800`` each. Optimum 2160. C's offer row has
    right-hand side 8, 0, 0; demand duals 80 in every period (B's flow is basic and strictly
    inside its offer each period; in P2–P3 C's flow is fixed at 0 by its own row).
    """
    s = _market(kit, periods=("P1", "P2", "P3"), scenarios={"cut": 1.0}, changes=[
        {"scenario": "cut", "sheet": "traders", "key": "T_C", "column": "capacity_t",
         "value": 0, "from_period": "P2"}])
    run = kit.solve(s)
    assert run.objective == pytest.approx(2160, rel=1e-6)
    rhs = run.tables["dual_trader_capacity"].query("trader == 'T_C'").set_index("period")["rhs"]
    assert rhs.to_dict() == {"P1": 8, "P2": 0, "P3": 0}
    for p in ("P1", "P2", "P3"):
        assert kit.dual(run, "demand_balance", period=p) == pytest.approx(80, abs=1e-6)


def test_key_wildcards_and_prefixes(kit):
    """Keys on ``demand_quantities`` (key columns demand, element, period).

    Nd costs 10, Dy 100 (offers in A, 100 t each). Base: D (ev) needs 1 t Nd and 1 t Dy, E
    (wind) 1 t Nd; base cost ``10 + 100 + 10 = 120``.

    * ``prefix`` (½), key ``D`` (trailing columns left out), scale 2: D's two rows double,
      E's does not: ``20 + 200 + 10 = 230``;
    * ``wild`` (¼), key ``*,Nd``, scale 3: both Nd rows triple, D's Dy does not:
      ``30 + 100 + 30 = 160``;
    * ``every`` (¼), key ``*,*,P1``, set 5: all three rows 5 t: ``50 + 500 + 50 = 600``.

    Expected ``115 + 40 + 150 = 305``.
    """
    s = kit.sheets(
        traders=[{"trader": f"T_{e}", "country": "A", "element": e, "capacity_t": 100,
                  "price_usd_per_t": p} for e, p in (("Nd", 10), ("Dy", 100))],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True},
                 {"demand": "E", "country": "A", "end_use": "wind", "must_serve": True}],
        demand_quantities=[{"demand": d, "element": e, "period": "P1", "quantity_t": 1}
                           for d, e in (("D", "Nd"), ("D", "Dy"), ("E", "Nd"))],
        lanes=[{"origin": f"T_{e}", "destination": d}
               for e in ("Nd", "Dy") for d in ("D", "E")],
        scenarios=[{"scenario": "prefix", "probability": 0.5},
                   {"scenario": "wild", "probability": 0.25},
                   {"scenario": "every", "probability": 0.25}],
        scenario_changes=[
            {"scenario": "prefix", "sheet": "demand_quantities", "key": "D",
             "column": "quantity_t", "mode": "scale", "value": 2},
            {"scenario": "wild", "sheet": "demand_quantities", "key": "*,Nd",
             "column": "quantity_t", "mode": "scale", "value": 3},
            {"scenario": "every", "sheet": "demand_quantities", "key": "*,*,P1",
             "column": "quantity_t", "mode": "set", "value": 5}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(305, rel=1e-6)
    assert _costs(run) == pytest.approx({"prefix": 230, "wild": 160, "every": 600}, rel=1e-9)
    need = run.tables["unmet_demand"].set_index(["scenario", "demand", "element"])["demand_t"]
    assert need.to_dict() == pytest.approx({
        ("prefix", "D", "Nd"): 2, ("prefix", "D", "Dy"): 2, ("prefix", "E", "Nd"): 1,
        ("wild", "D", "Nd"): 3, ("wild", "D", "Dy"): 1, ("wild", "E", "Nd"): 3,
        ("every", "D", "Nd"): 5, ("every", "D", "Dy"): 5, ("every", "E", "Nd"): 5})


def test_unlimited_lane_cut_to_zero_in_one_scenario(kit):
    """Lane T_C→D has a blank (unlimited) capacity; C offers 100 t here.

    * calm (0.5): all 10 t from C, 500;
    * blocked (0.3): the lane's capacity set to 0: all from B, 800;
    * scaled (0.2): the lane's capacity scaled by ½: ½ × unlimited is unlimited, so its data
      equal the base and it shares calm's node: 500.

    Expected ``250 + 240 + 100 = 590``. Only the blocked node has a lane_capacity row (rhs 0).
    """
    s = _market(kit, scenarios={"calm": 0.5, "blocked": 0.3, "scaled": 0.2}, c_capacity=100,
                changes=[{"scenario": "blocked", "sheet": "lanes", "key": "T_C,D",
                          "column": "capacity_t", "value": 0},
                         {"scenario": "scaled", "sheet": "lanes", "key": "T_C,D",
                          "column": "capacity_t", "mode": "scale", "value": 0.5}])
    run = kit.solve(s)
    assert run.objective == pytest.approx(590, rel=1e-6)
    assert _costs(run) == pytest.approx({"calm": 500, "blocked": 800, "scaled": 500}, rel=1e-9)
    lanes = run.tables["dual_lane_capacity"]
    rows = zip(lanes["scenarios"], lanes["origin"], lanes["rhs"], strict=True)
    assert list(rows) == [("blocked", "T_C", 0)]
    assert sorted(n.label for n in run.model_data.nodes) == ["blocked", "calm+scaled"]


CUT = {"scenario": "cut", "sheet": "traders", "key": "T_C", "column": "capacity_t", "value": 0}


def test_run_set_override_wins_over_the_scenario(kit):
    """A run override's set wins over cut's own change of the same cell.

    Scenarios calm (0.7) and cut (0.3: C offers nothing). Without a run override:
    ``0.7·560 + 0.3·800 = 632``.

    A run override sets C's offer to 5 t: it changes the base and wins over cut's 0, so both
    scenarios have the same data (one tree node) and cost ``5·50 + 5·80 = 650``.
    Through ``solve(inst, overrides=...)`` the result is the same, and the run records it.
    """
    s = _market(kit, scenarios={"calm": 0.7, "cut": 0.3}, changes=[CUT])
    inst = kit.instance(s)
    assert kit.solve(s).objective == pytest.approx(632, rel=1e-6)
    ov = Override("traders", ("T_C",), "capacity_t", 5.0)
    new = with_overrides(inst, (ov,))
    nodes = scenario_tree(new)
    assert [(n.scenarios, n.probability, n.parent) for n in nodes] == [(("calm", "cut"), 1.0,
                                                                        None)]
    run = solve(inst, SolveOptions(mip_rel_gap=0), overrides=[ov])
    assert run.objective == pytest.approx(650, rel=1e-6)
    assert _costs(run) == pytest.approx({"calm": 650, "cut": 650}, rel=1e-9)
    assert run.summary()["overrides"] == ["traders[T_C].capacity_t = 5"]


def test_run_scale_override_composes_with_the_scenario(kit):
    """A run override scaling C's offer by ½ changes the base (8 → 4 t); cut still sets 0.

    calm ``4·50 + 6·80 = 680``, cut ``800``: ``0.7·680 + 0.3·800 = 716``.
    """
    s = _market(kit, scenarios={"calm": 0.7, "cut": 0.3}, changes=[CUT])
    ov = Override("traders", ("T_C",), "capacity_t", 0.5, mode="scale")
    run = solve(kit.instance(s), SolveOptions(mip_rel_gap=0), overrides=[ov])
    assert run.objective == pytest.approx(716, rel=1e-6)
    assert _costs(run) == pytest.approx({"calm": 680, "cut": 800}, rel=1e-9)


def test_run_override_from_a_period(kit):
    """Two periods; cut sets C's offer to 0 from P1; the run sets it to 5 from P2.

    P1: calm 560, cut 800 (``0.7·560 + 0.3·800 = 632``); P2: both 5 t, 650. Total 1282.
    In P2 the two scenarios have the same data but not the same history, so the tree keeps
    them apart: 4 nodes, each P2 node the child of its own P1 node.
    """
    s = _market(kit, periods=("P1", "P2"), scenarios={"calm": 0.7, "cut": 0.3}, changes=[CUT])
    ov = Override("traders", ("T_C",), "capacity_t", 5.0, from_period="P2")
    run = solve(kit.instance(s), SolveOptions(mip_rel_gap=0), overrides=[ov])
    assert run.objective == pytest.approx(1282, rel=1e-6)
    rhs = run.tables["dual_trader_capacity"].query("trader == 'T_C'")
    assert {(r.period, r.scenarios): r.rhs for r in rhs.itertuples()} == {
        ("P1", "calm"): 8, ("P1", "cut"): 0, ("P2", "calm"): 5, ("P2", "cut"): 5}
    nodes = run.model_data.nodes
    assert len(nodes) == 4
    for n in nodes[2:]:
        assert nodes[n.parent].scenarios == n.scenarios


def _module_sheets(kit):
    """Greenfield plant P in A with one candidate module K; C sells Nd at 50.

    K adds 20 t REO for capex 100; mine M costs 10 per t REO (50 % Nd). D needs 10 t. Own Nd:
    ``200 + capex 100 = 300 < 500``: K is built.
    """
    return kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        modules=[{"module": "K", "site": "P", "capacity_t": 20, "capex_usd": 100}],
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T_C", "destination": "D"}],
    )


def test_modules_cannot_change_by_scenario(kit):
    """A scenario changing module capex is refused (builds are shared by every scenario)."""
    s = _module_sheets(kit)
    s["scenarios"] = [{"scenario": "calm", "probability": 0.5},
                      {"scenario": "dear", "probability": 0.5}]
    s["scenario_changes"] = [{"scenario": "dear", "sheet": "modules", "key": "K",
                              "column": "capex_usd", "mode": "scale", "value": 2}]
    with pytest.raises(ScenarioError, match=r"scenario 'dear'") as err:
        kit.instance(s)
    assert "modules" in str(err.value)


def test_run_override_may_change_modules_but_not_from_a_period(kit):
    """A run override may change module data, but not from a period.

    Without from_period it changes first-stage data: capex 400 makes own Nd cost
    ``200 + 400 = 600 > 500``, so nothing is built and C supplies: 500 (300 without).
    With a from_period it is refused: a build decision is shared by every period.
    """
    inst = kit.instance(_module_sheets(kit))
    assert kit.solve(_module_sheets(kit)).objective == pytest.approx(300, rel=1e-6)
    run = solve(inst, SolveOptions(mip_rel_gap=0),
                overrides=[Override("modules", ("K",), "capex_usd", 400.0)])
    assert run.objective == pytest.approx(500, rel=1e-6)
    assert run.tables["builds"].empty
    with pytest.raises(ScenarioError, match="from_period"):
        with_overrides(inst, (Override("modules", ("K",), "capex_usd", 400.0, from_period="P1"),))
