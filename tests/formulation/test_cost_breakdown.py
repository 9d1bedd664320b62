"""The objective's pieces: cost_breakdown components and scenario_costs, derived by hand."""

import pytest


def _sheets(kit):
    """Two periods (discount 1, ½), calm (0.6) or cut (0.4: C stops selling from P2).

    Mine M in B (10 per t REO, 50 % Nd) → lane (2 per t, tariff B→A on concentrate 10 % of
    the mine cost + 0.5 per t) → plant P in A (4 t REO, opex 6, + module K of 10 t for capex
    30 and 4 per period). Trader T_C in C sells Nd at 40 (lane 1, tariff 25 % of the price).
    Stockpile S in A starts with 1 t (holding 1 per t per period). Demand 8 t in P1, 9 in
    P2; unmet Nd is lost at 200.
    """
    return kit.sheets(
        periods=(("P1", 1.0), ("P2", 0.5)),
        mines=[{"mine": "M", "country": "B", "capacity_t": 100, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 4, "opex_usd_per_t": 6}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        modules=[{"module": "K", "site": "P", "capacity_t": 10, "capex_usd": 30,
                  "fixed_om_usd": 4, "max_count": 1}],
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 40}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 1,
                     "capacity_t": 10, "holding_cost_usd_per_t": 1}],
        tariffs=[{"origin_country": "B", "destination_country": "A", "product": "concentrate",
                  "ad_valorem": 0.1, "per_t_usd": 0.5},
                 {"origin_country": "C", "destination_country": "A", "product": "*",
                  "ad_valorem": 0.25}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 200}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 8},
                           {"demand": "D", "element": "Nd", "period": "P2", "quantity_t": 9}],
        lanes=[{"origin": "M", "destination": "P", "cost_usd_per_t": 2},
               {"origin": "P", "destination": "D"},
               {"origin": "T_C", "destination": "D", "cost_usd_per_t": 1},
               {"origin": "S", "destination": "D"}],
        scenarios=[{"scenario": "calm", "probability": 0.6},
                   {"scenario": "cut", "probability": 0.4}],
        scenario_changes=[{"scenario": "cut", "sheet": "traders", "key": "T_C",
                           "column": "capacity_t", "value": 0, "from_period": "P2"}],
    )


EXPECTED = {  # expected discounted USD; derivation in the test docstring
    "capex": 30.0, "fixed_om": 6.0, "mining": 210.0, "processing": 126.0, "transport": 43.3,
    "tariffs": 44.5, "purchases": 52.0, "holding": 1.0, "penalty": 40.0,
}


def test_components_and_scenario_costs(kit):
    """Plan: build K in P1; run P at 14 t REO (7 t Nd) every period; keep the 1 t in stock.

    Own Nd costs ``(10 + 6 + 2 + 1.5)/0.5 = 39`` per t (concentrate tariff
    ``0.1·10 + 0.5 = 1.5``); C's costs ``40 + 1 + 0.25·40 = 51``. K saves ≥ 5·12 per period
    for ``30 + 4·1.5``, so it is built in P1. The stocked tonne used in P1 would save 51;
    kept, it costs 1 and saves in P2 ``0.6·½·51 + 0.4·½·200 = 55.3``: kept. So P1: 7 own +
    1 from C; P2 calm: 7 own + 1 stock + 1 from C; P2 cut: 7 own + 1 stock + 1 unmet.
    Weights π·δ: P1 1, P2 calm 0.3, P2 cut 0.2 (P2 both: 0.5).

    ==========  =======================================  ======
    component   expected discounted                       USD
    ==========  =======================================  ======
    capex       30·δ₁                                     30
    fixed_om    4·(δ₁ + δ₂)                               6
    mining      14·10·(1 + 0.5)                           210
    processing  14·6·1.5                                  126
    transport   14·2·1.5 + 1·(1 + 0.3)                    43.3
    tariffs     14·1.5·1.5 + 10·(1 + 0.3)                 44.5
    purchases   40·(1 + 0.3)                              52
    holding     1·1                                       1
    penalty     200·0.2                                   40
    total                                                 552.8
    ==========  =======================================  ======

    Scenario costs (discounted, first stage 36 in both): P1 ``14·19.5 + 51 + 1 = 325``;
    calm ``36 + 325 + ½·(273 + 51) = 523``; cut ``36 + 325 + ½·(273 + 200) = 597.5``;
    ``0.6·523 + 0.4·597.5 = 552.8``.

    Shadow prices (fixed LP; unique: every node has its marginal source strictly inside its
    bounds) are expected discounted; ``conditional_price`` divides by π·δ. P2 demand: calm
    ``51·0.3 = 15.3`` (conditional 51), cut ``200·0.2 = 40`` (conditional 200). The initial
    tonne in S: ``−(15.3 + 40 − 1) = −54.3``.
    """
    run = kit.solve(_sheets(kit))
    assert run.objective == pytest.approx(552.8, rel=1e-6)
    breakdown = run.tables["cost_breakdown"].set_index("component")["expected_usd"]
    assert breakdown.sum() == pytest.approx(run.objective, rel=1e-9)
    assert breakdown.to_dict() == pytest.approx(EXPECTED, abs=1e-6)
    sc = run.tables["scenario_costs"].set_index("scenario")
    assert sc["cost_usd"].to_dict() == pytest.approx({"calm": 523.0, "cut": 597.5}, rel=1e-9)
    assert (sc["probability"] * sc["cost_usd"]).sum() == pytest.approx(run.objective, rel=1e-9)
    assert sc["unmet_t"].to_dict() == pytest.approx({"calm": 0.0, "cut": 1.0}, abs=1e-9)
    for scenario, price, conditional in (("calm", 15.3, 51.0), ("cut", 40.0, 200.0)):
        row = kit.row(run, "dual_demand_balance", period="P2", scenarios=scenario)
        assert row["shadow_price"] == pytest.approx(price, abs=1e-6)
        assert row["conditional_price"] == pytest.approx(conditional, abs=1e-6)
    assert kit.dual(run, "stock_balance", period="P1") == pytest.approx(-54.3, abs=1e-6)
