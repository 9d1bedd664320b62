"""Build decisions on the scenario tree, with lead times: every value derived by hand.

The instance (element Nd, countries A = home and C = supplier, discount factor 1)::

    mine M (A): 100 t at 5 USD/t ──> plant P (A): capacity 0 ──> demand d (A): 10 t/period
    trader T (C): 10 t/period at 10 USD/t ─────────────────────> demand d
    module j at P: +10 t/period, capex K = 400 (spread: paid when online with no lead time)
    lost value V = 100 USD/t
    scenarios: calm (p = ½), cut (p = ½: T's capacity 0 from period P2)

Per period, own supply costs 10 × 5 = 50, the trader 10 × 10 = 100, and nothing at all
(all unmet) 10 × 100 = 1,000. P1 is shared; the tree splits in P2.

Three periods, lead time 0 (:func:`test_wait_and_see_beats_here_and_now`):

* adaptive, waiting: P1 trader 100; calm: trader 100 + 100; cut: build in the P2 node
  (K + 50 + 50). E = 100 + ½·200 + ½·500 = **450**.
* building now (P1, every scenario): K + 3 × 50 = **550**; building in P2 for every scenario:
  100 + K + 100 = 600; never: 100 + ½·200 + ½·2,000 = 1,200.
* here-and-now optimum 550, adaptive optimum 450: the value of flexibility is **100**, and the
  adaptive plan builds only in the disruption branch.

With a lead time of one quarter (:func:`test_lead_time_flips_the_decision`) a module decided
in period t is online in t + 1:

* decided now (P1), online P2: P1 trader 100, then 50 + 50, plus K: **600** in both scenarios;
* decided in the cut node (P2), online P3: cut pays 100 + 1,000 (P2 unmet) + 50 + K = 1,550,
  calm 300: E = 925; never: 1,200.
* So the optimum builds now, for every scenario (600), and the flip happens as soon as the lead
  time pushes the contingent module past P2: for any lead time in (0, one quarter] (a decision
  at the start of P2 is then online from P3), waiting costs 925 > 600; at lead time 0 waiting
  costs 450 < 550.
"""

from __future__ import annotations

import copy

import pytest

from optimizer.verify import verify_run
from tests.conftest import build_instance, solve_sheets

K = 400.0


def sheets(periods=("P1", "P2", "P3"), lead=None, mode=None, cut_from="P2") -> dict:
    """The instance of the module docstring."""
    s = {
        "periods": [{"period": p, "discount_factor": 1.0} for p in periods],
        "countries": [{"country": "A"}, {"country": "C"}],
        "elements": [{"element": "Nd"}],
        "mines": [{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        "mine_assays": [{"mine": "M", "element": "Nd", "share": 1.0}],
        "plants": [{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        "plant_recoveries": [{"plant": "P", "element": "Nd", "recovery": 1.0}],
        "traders": [{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 10,
                     "price_usd_per_t": 10}],
        "demands": [{"demand": "d", "country": "A", "end_use": "magnets",
                     "lost_value_usd_per_t": 100}],
        "demand_quantities": [{"demand": "d", "element": "Nd", "period": p, "quantity_t": 10}
                              for p in periods],
        "lanes": [{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "d"},
                  {"origin": "T", "destination": "d"}],
        "modules": [{"module": "j", "site": "P", "capacity_t": 10, "capex_usd": K,
                     "max_count": 1, "lead_time_years": lead}],
        "scenarios": [{"scenario": "calm", "probability": 0.5},
                      {"scenario": "cut", "probability": 0.5}],
        "scenario_changes": [{"scenario": "cut", "sheet": "traders", "key": "T",
                              "column": "capacity_t", "value": 0, "from_period": cut_from}],
    }
    if mode:
        s["settings"] = [{"setting": "build_decisions", "value": mode}]
    return s


def test_wait_and_see_beats_here_and_now():
    """Adaptive 450 (builds only if cut), here-and-now 550: flexibility is worth 100."""
    adaptive = solve_sheets(sheets())
    here_now = solve_sheets(sheets(mode="here_and_now"))
    assert adaptive.objective == pytest.approx(450.0)
    assert here_now.objective == pytest.approx(550.0)
    assert here_now.objective - adaptive.objective == pytest.approx(100.0)
    b = adaptive.tables["builds"]
    assert len(b) == 1
    row = b.iloc[0]
    assert (row["module"], row["decision_period"], row["online_period"]) == ("j", "P2", "P2")
    assert row["decided_in"] == "cut" and bool(row["contingent"])
    assert row["probability"] == pytest.approx(0.5)
    assert row["expected_capex_usd"] == pytest.approx(0.5 * K)
    hn = here_now.tables["builds"].iloc[0]
    assert (hn["decision_period"], hn["decided_in"]) == ("P1", "all")
    # Scenario costs count the contingent build in full on the path that takes it.
    sc = adaptive.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert sc["calm"] == pytest.approx(300.0)
    assert sc["cut"] == pytest.approx(100.0 + K + 100.0)


def test_lead_time_flips_the_decision():
    """One quarter of lead time: build now (600) beats waiting (925)."""
    run = solve_sheets(sheets(lead=0.25))
    assert run.objective == pytest.approx(600.0)
    row = run.tables["builds"].iloc[0]
    assert (row["decision_period"], row["online_period"], row["decided_in"]) == ("P1", "P2", "all")


def test_capacity_arrives_after_the_lead_time():
    """A module that must be decided in P2 (earliest_decision_period) with a lead time of one
    quarter is online in P3 only: the cut scenario loses P2 entirely.

    Only decision: the cut node of P2 (or the calm one). Cut: 100 (P1) + 1,000 (P2 unmet) +
    K + 50 (P3) = 1,550 against 2,100 without: build. Calm: 300 without, K + 250 with: skip.
    E = ½·300 + ½·1,550 = 925.
    """
    s = sheets(lead=0.25)
    s["modules"][0]["earliest_decision_period"] = "P2"
    run = solve_sheets(s)
    assert run.objective == pytest.approx(925.0)
    row = run.tables["builds"].iloc[0]
    assert (row["decision_period"], row["online_period"], row["decided_in"]) == ("P2", "P3", "cut")
    unmet = run.tables["unmet_demand"].set_index(["scenario", "period"])["unmet_t"]
    assert unmet[("cut", "P2")] == pytest.approx(10.0)
    assert unmet[("cut", "P3")] == pytest.approx(0.0)


def test_non_anticipativity_until_the_tree_splits():
    """Scenarios that differ only from P3 share every decision of P1 and P2.

    Four periods, the cut from P3, lead one quarter, K = 400. A decision in P2 (shared, both
    scenarios) brings the module online in P3; in the cut branch it saves 1,000 − 50 per
    period in P3 and P4, in calm 100 − 50: shared build in P2 costs K + 2·50 in P3–P4 in both,
    against ½·(200) + ½·(2,000) = 1,100 without: build in P2 (cost 500) — or earlier in P1
    (online P2, +50 − 100 saved in P2: cheaper by 50, but the capex is the same), so the
    optimum builds in P1: 100 (P1) + 3·50 + K = 650. Either way the decision is in a node
    both scenarios share: decided_in 'all'.
    """
    run = solve_sheets(sheets(periods=("P1", "P2", "P3", "P4"), lead=0.25, cut_from="P3"))
    assert run.objective == pytest.approx(650.0)
    b = run.tables["builds"]
    assert list(b["decision_period"]) == ["P1"] and list(b["decided_in"]) == ["all"]
    assert run.verification["ok"]


def test_verifier_catches_anticipative_builds_and_wrong_lead_times():
    """The verifier recomputes non-anticipativity and lead times from the instance alone."""
    s = sheets()
    run = solve_sheets(s)
    inst = build_instance(s)
    good = verify_run(inst, run.tables, run.objective)
    assert good["ok"], good
    # A build 'decided' in P1 by the cut scenario only: P1 is shared, so it anticipates.
    tables = copy.deepcopy(run.tables)
    b = tables["builds_by_scenario"]
    b.loc[:, "decision_period"] = "P1"
    b.loc[:, "online_period"] = "P1"
    bad = verify_run(inst, tables, None)
    assert bad["by_family"]["non_anticipativity"] > 1e-6
    # Online a period before its lead time allows.
    s2 = sheets(lead=0.25)
    run2 = solve_sheets(s2)
    tables = copy.deepcopy(run2.tables)
    tables["builds_by_scenario"].loc[:, "online_period"] = "P1"
    bad = verify_run(build_instance(s2), tables, None)
    assert bad["by_family"]["module_build_limit"] > 1e-6


def test_here_and_now_builds_are_shared_by_every_scenario():
    """In here-and-now mode the verifier refuses a build that only one scenario takes."""
    s = sheets(mode="here_and_now")
    run = solve_sheets(s)
    tables = copy.deepcopy(run.tables)
    b = tables["builds_by_scenario"]
    tables["builds_by_scenario"] = b[b["scenario"] == "cut"]
    bad = verify_run(build_instance(s), tables, None)
    assert bad["by_family"]["non_anticipativity"] > 1e-6


def test_analyse_reports_the_value_of_flexibility(tmp_path):
    """analyse: RP 450 (adaptive), HN 550 (here and now), value of flexibility 100 (module
    docstring)."""
    from optimizer.batch.analytics import analyse
    from optimizer.io.write import write_workbook
    from optimizer.solve import SolveOptions

    path = write_workbook(sheets(), tmp_path / "adaptive.xlsx")
    result = analyse(path, SolveOptions(mip_rel_gap=0), measures=("vss",))
    m = result.tables["measures"].set_index("measure")["value_usd"]
    assert m["RP"] == pytest.approx(450.0)
    assert m["HN"] == pytest.approx(550.0)
    assert m["value_of_flexibility"] == pytest.approx(100.0)
