"""A MIP expansion: which module is built, in which period, how many; fixed-LP shadow prices."""

import pytest


def _sheets(kit):
    return kit.sheets(
        periods=("P1", "P2", "P3"),
        mines=[{"mine": "M", "country": "A", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 10}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        modules=[{"module": "small", "site": "P", "capacity_t": 10, "capex_usd": 250,
                  "max_count": 3},
                 {"module": "big", "site": "P", "capacity_t": 20, "capex_usd": 400,
                  "earliest_period": "P2", "max_count": 1}],
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": q}
                           for p, q in (("P1", 6), ("P2", 10), ("P3", 16))],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T", "destination": "D"}],
    )


@pytest.mark.parametrize("lp_algorithm", ["choose", "parallel"])
def test_one_small_now_one_big_later(kit, lp_algorithm):
    """Greenfield plant P; Nd demand 6, 10, 16 t in P1–P3; Nd bought at 100 or made at 40.

    Made Nd costs ``(10 + 10)/0.5 = 40`` per t, so each t made instead of bought saves 60.
    ``small`` adds 10 t REO = 5 t Nd per period from any period for 250 (up to 3);
    ``big`` adds 20 t REO = 10 t Nd per period from P2 on for 400 (at most 1).
    Cost of a plan = ``100·32 − 60·(t made) + capex`` (32 t demanded in all). Plans with no
    idle module:

    ===============================  =====================  ====================  ======
    plan                             t made (P1+P2+P3)       capex                 cost
    ===============================  =====================  ====================  ======
    nothing                          0                      0                     3200
    1 small P1                       5+5+5 = 15             250                   2550
    2 small P1                       6+10+10 = 26           500                   2140
    3 small (P1, P1, P2 or P3)       6+10+15 = 31           750                   2090
    small P1/P2/P3 one each          5+10+15 = 30           750                   2150
    big P2                           0+10+10 = 20           400                   2400
    **1 small P1 + big P2**          5+10+15 = 30           650                   **2050**
    1 small P1 + big P2 + small P3   5+10+16 = 31           900                   2240
    2 small P1 + big P2              6+10+16 = 32           900                   2180
    ===============================  =====================  ====================  ======

    so the optimum builds one ``small`` online in P1 and one ``big`` online in P2: 2050.

    Fixed-LP duals (builds fixed; unique because each period's LP is non-degenerate: in P1
    and P3 the plant is full and the offer tops up 1 t, both basic; in P2 the plant has 5 t Nd
    of room, so its capacity slack is basic and the offer is not used):
    demand ``100, 40, 100`` in P1, P2, P3; plant capacity (per t REO, which costs 20 and
    yields 0.5 t Nd priced at the period's demand dual) ``20 − 0.5·100 = −30`` in P1 and P3,
    ``0`` in P2. The same with the fixed LP re-solved by HiGHS's parallel dual simplex.
    """
    s = _sheets(kit)
    run = kit.solve(s, lp_algorithm=lp_algorithm)
    assert run.objective == pytest.approx(2050, rel=1e-6)
    builds = run.tables["builds"].set_index("module")
    assert sorted(builds.index) == ["big", "small"]
    assert builds.loc["small", "online_period"] == "P1"
    assert builds.loc["small", "count"] == 1
    assert builds.loc["big", "online_period"] == "P2"
    assert builds.loc["big", "count"] == 1
    assert run.outcome.duals_source == "fixed_lp"
    for period, y_d, y_cap in (("P1", 100, -30), ("P2", 40, 0), ("P3", 100, -30)):
        assert kit.dual(run, "demand_balance", period=period) == pytest.approx(y_d, abs=1e-6)
        assert kit.dual(run, "plant_capacity", plant="P", period=period) == \
            pytest.approx(y_cap, abs=1e-6)
    # Sign check: 1 t REO more existing capacity in every period is worth the sum of the
    # per-period prices (−60); the plan stays optimal (the next best, 2090, gains at most 30).
    kit.check_perturbation(s, run, -60.0, "plants", "capacity_t", 1.0, plant="P")


def test_modules_wait_for_their_site_to_open(kit):
    """As above, but plant P may run only from P2 (``first_period``): so may its modules.

    P1's 6 t Nd must then be bought (600). Made Nd saves 60 per t in P2 (demand 10) and P3
    (16) only. Plans (a module online in P1 adds nothing before P2, so online periods tie):

    ====================  ======================  ======  ==========================
    plan                  t made (P2+P3)          capex   cost = 3200 − 60·made + capex
    ====================  ======================  ======  ==========================
    nothing               0                       0       3200
    1 small               5+5 = 10                250     2850
    2 small               10+10 = 20              500     2500
    3 small               10+15 = 25              750     2950
    big                   10+10 = 20              400     2400
    **big + 1 small**     10+15 = 25              650     **2350**
    big + 2 small         10+16 = 26              900     2540
    ====================  ======================  ======  ==========================

    Optimum 2350 with one ``big`` and one ``small``, and nothing made in P1. (Counting the
    module before its site opens would allow the 2050 plan of the test above.)
    """
    s = _sheets(kit)
    s["plants"][0]["first_period"] = "P2"
    run = kit.solve(s)
    assert run.objective == pytest.approx(2350, rel=1e-6)
    builds = run.tables["builds"].groupby("module")["count"].sum()
    assert builds.to_dict() == {"big": 1, "small": 1}
    flows = run.tables["flows"]
    made_p1 = flows[(flows["period"] == "P1") & (flows["origin"] == "P")]["tonnes"].sum()
    assert made_p1 == pytest.approx(0, abs=1e-9)
    assert run.verification["ok"]
