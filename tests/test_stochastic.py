"""Two-scenario instances: a resilient build, buying ahead, and non-anticipativity, by hand.

Scenarios are a ``scenarios`` sheet (name, probability) plus ``scenario_changes`` rows that
change base data from a period on. A single-scenario instance is the same data with one
scenario of probability 1: what a planner who was sure of that future would do.
"""

import pytest


def _with_scenarios(s: dict, probabilities: dict[str, float], changes: list[dict]) -> dict:
    s = dict(s)
    s["scenarios"] = [{"scenario": n, "probability": p} for n, p in probabilities.items()]
    rows = [c for c in changes if c["scenario"] in probabilities]
    if rows:
        s["scenario_changes"] = rows
    return s


# --- A resilient build -------------------------------------------------------------------

CUT_C = [{"scenario": "cut", "sheet": "traders", "key": "T_C", "column": "capacity_t",
          "mode": "set", "value": 0}]


def _build_sheets(kit, probabilities, max_count=2):
    """Greenfield plant P: modules of 10 t REO (5 t Nd) at 500; own Nd costs 40 per t.

    Nd (10 t, lost value 1000 per t unmet) is bought from C at 50 (100 t) or from B at 200
    (only 5 t). In scenario ``cut`` C sells nothing.
    """
    s = kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 1000, "cost_usd_per_t": 20}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        modules=[{"module": "K", "site": "P", "capacity_t": 10, "capex_usd": 500,
                  "max_count": max_count}],
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50},
                 {"trader": "T_B", "country": "B", "element": "Nd", "capacity_t": 5,
                  "price_usd_per_t": 200}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 1000}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T_C", "destination": "D"}, {"origin": "T_B", "destination": "D"}],
    )
    return _with_scenarios(s, probabilities, CUT_C)


def _modules(run) -> int:
    return int(run.tables["builds"]["count"].sum())


def test_resilient_build_differs_from_each_single_scenario_build(kit):
    """Calm alone builds 0 modules, cut alone 2, the 50/50 mix builds 1.

    A module makes 5 t Nd at 40 per t. What it saves in each scenario:

    * calm: it replaces C's Nd at 50: ``5·10 = 50`` per module (first or second) < 500;
    * cut: the first module replaces 5 t of unmet demand: ``5·(1000 − 40) = 4800``; the second
      replaces B's 5 t at 200: ``5·(200 − 40) = 800``; both > 500.

    So calm alone builds 0 (cost ``10·50 = 500``); cut alone builds 2 (``1000 + 10·40 =
    1400``). With probabilities ½, ½ the first module saves ``½·50 + ½·4800 = 2425 > 500``
    and the second ``½·50 + ½·800 = 425 < 500``: build 1. Its cost in each scenario:

    * calm: ``500 + 5·40 + 5·50 = 950``; cut: ``500 + 5·40 + 5·200 = 1700``;
    * expected ``½·950 + ½·1700 = 1325``, against 1400 with 2 modules
      (``1000 + 400``) and ``½·500 + ½·6000 = 3250`` with none (cut: 5 t from B at 200 and
      5 t unmet at 1000).
    """
    # The cut is known from P1, the only period: the mix must decide its builds before
    # knowing which scenario it is in (here and now) for the derivation above to hold.
    mix = _build_sheets(kit, {"calm": 0.5, "cut": 0.5})
    mix["settings"] = [{"setting": "build_decisions", "value": "here_and_now"}]
    both = kit.solve(mix)
    calm = kit.solve(_build_sheets(kit, {"calm": 1.0}))
    cut = kit.solve(_build_sheets(kit, {"cut": 1.0}))
    assert (_modules(calm), _modules(both), _modules(cut)) == (0, 1, 2)
    assert calm.objective == pytest.approx(500, rel=1e-6)
    assert cut.objective == pytest.approx(1400, rel=1e-6)
    assert both.objective == pytest.approx(1325, rel=1e-6)
    costs = both.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs.to_dict() == pytest.approx({"calm": 950, "cut": 1700}, rel=1e-6)
    # The single-scenario plans judged in the two-scenario world (hand values above).
    none = kit.solve(_build_sheets(kit, {"calm": 0.5, "cut": 0.5}, max_count=0))
    assert none.objective == pytest.approx(3250, rel=1e-6)


# --- Buying ahead and non-anticipativity -------------------------------------------------

CUT_C_FROM_P2 = [{"scenario": "cut", "sheet": "traders", "key": "T_C", "column": "capacity_t",
                  "mode": "set", "value": 0, "from_period": "P2"}]


def _stock_sheets(kit, probabilities, *, holding, b_capacity, lost_value=None):
    """Nd 10 t per period; C sells at 100 (nothing from P2 in ``cut``), B at 300; stockpile S."""
    demand = {"demand": "D", "country": "A", "end_use": "ev"}
    demand.update({"must_serve": True} if lost_value is None
                  else {"lost_value_usd_per_t": lost_value})
    s = kit.sheets(
        periods=("P1", "P2"),
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100},
                 {"trader": "T_B", "country": "B", "element": "Nd", "capacity_t": b_capacity,
                  "price_usd_per_t": 300}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 0,
                     "capacity_t": 100, "holding_cost_usd_per_t": holding}],
        demands=[demand],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 10}
                           for p in ("P1", "P2")],
        lanes=[{"origin": "T_C", "destination": "S"}, {"origin": "T_C", "destination": "D"},
               {"origin": "T_B", "destination": "D"}, {"origin": "S", "destination": "D"}],
    )
    return _with_scenarios(s, probabilities, CUT_C_FROM_P2)


def _stock_after_p1(run) -> dict[str, float]:
    st = run.tables["stocks"].query("period == 'P1'")
    return st.groupby("scenario")["stock_t"].sum().to_dict()


def test_buying_ahead_before_a_disruption(kit):
    """C may stop selling in P2 (``cut``, probability ½); stocking in P1 costs 100 + 5.

    A tonne stocked in P1 replaces, in P2, a tonne from C at 100 (calm) or from B at 300
    (cut): worth ``½·100 + ½·300 = 200 > 105``, up to P2's 10 t (an 11th tonne is worth 0).
    So P1 buys 20 t from C, 10 into S. Optimum ``20·100 + 10·5 = 2050`` (P2 costs nothing in
    either scenario: S covers it). Without the threat (calm alone) nothing is stocked and
    the cost is ``2·10·100 = 2000``; buying just in time under the threat would cost
    ``1000 + ½·1000 + ½·3000 = 3000``.
    """
    both = kit.solve(_stock_sheets(kit, {"calm": 0.5, "cut": 0.5}, holding=5, b_capacity=100))
    calm = kit.solve(_stock_sheets(kit, {"calm": 1.0}, holding=5, b_capacity=100))
    assert both.objective == pytest.approx(2050, rel=1e-6)
    assert calm.objective == pytest.approx(2000, rel=1e-6)
    assert _stock_after_p1(both) == pytest.approx({"calm": 10, "cut": 10}, abs=1e-6)
    assert _stock_after_p1(calm) == pytest.approx({"calm": 0}, abs=1e-6)
    costs = both.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs.to_dict() == pytest.approx({"calm": 2050, "cut": 2050}, rel=1e-6)


def test_non_anticipativity_binds(kit):
    """``cut`` (probability ¼) stops C from P2; B sells only 4 t; unmet Nd is lost at 1000.

    Stocking a tonne in P1 costs ``100 + 60`` (holding). In P2 the stocked tonnes replace:

    * calm (¾): C's tonnes at 100;
    * cut (¼): tonnes 1–6 unmet demand (1000), tonnes 7–10 B's Nd (300).

    Expected value of tonnes 1–6: ``¾·100 + ¼·1000 = 325 > 160``; of tonnes 7–10:
    ``¾·100 + ¼·300 = 150 < 160``. So the plan stocks 6 t in P1, in both scenarios (P1 is
    one tree node: nobody knows yet which future comes). Costs:

    * P1: ``16·100 + 6·60 = 1960``; P2 calm: ``4·100 = 400``; P2 cut: ``4·300 = 1200``;
    * scenario costs calm 2360, cut 3160; expected ``1960 + ¾·400 + ¼·1200 = 2560``
      (stocking 10 instead: ``2000 + 600 = 2600``; stocking 0: ``1000 + 750 + ¼·7200 = 3550``).

    Alone, cut would stock all 10 t (each worth ≥ 300 > 160): ``2000 + 600 = 2600``, and calm
    none (2000). The shared P1 decision (6) differs from what cut alone would do (10):
    non-anticipativity binds.
    """
    kw = {"holding": 60, "b_capacity": 4, "lost_value": 1000}
    both = kit.solve(_stock_sheets(kit, {"calm": 0.75, "cut": 0.25}, **kw))
    cut = kit.solve(_stock_sheets(kit, {"cut": 1.0}, **kw))
    calm = kit.solve(_stock_sheets(kit, {"calm": 1.0}, **kw))
    assert both.objective == pytest.approx(2560, rel=1e-6)
    assert cut.objective == pytest.approx(2600, rel=1e-6)
    assert calm.objective == pytest.approx(2000, rel=1e-6)
    assert _stock_after_p1(both) == pytest.approx({"calm": 6, "cut": 6}, abs=1e-6)
    assert _stock_after_p1(cut) == pytest.approx({"cut": 10}, abs=1e-6)
    assert _stock_after_p1(calm) == pytest.approx({"calm": 0}, abs=1e-6)
    # P1 is one node shared by both scenarios; P2 splits.
    sb = both.tables["dual_stock_balance"]
    assert set(sb.query("period == 'P1'")["scenarios"]) == {"calm+cut"}
    assert set(sb.query("period == 'P2'")["scenarios"]) == {"calm", "cut"}
    # The P1 plan reads the same in both scenarios' flows.
    p1 = both.tables["flows"].query("period == 'P1'")
    by_sc = {sc: sorted(zip(g["origin"], g["destination"], g["tonnes"].round(9)))
             for sc, g in p1.groupby("scenario")}
    assert by_sc["calm"] == by_sc["cut"] == [("T_C", "D", 10.0), ("T_C", "S", 6.0)]
    costs = both.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs.to_dict() == pytest.approx({"calm": 2360, "cut": 3160}, rel=1e-6)
