"""Resilience analytics on two-scenario micro-instances, every value derived by hand.

The instance (one period, element Nd, countries A = home and C = supplier)::

    mine M (A): 100 t at 5 USD/t ──> plant P (A): capacity 0 ──> demand d (A): 15 t, "magnets"
    trader T (C): 20 t at 10 USD/t ──────────────────────────────> demand d
    module j at P: +15 t, capex K, at most one;  lost value V = 50 USD/t
    scenarios: calm (p = 0.5), cut (p = 0.5: T's capacity 0)

Plans: *build* costs K + 15 × 5 = K + 75 in every scenario (own supply at 5 < 10);
*no build* costs 15 × 10 = 150 in calm and 15 × 50 = 750 (all unmet) in cut.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.api import load_instance
from optimizer.batch.analytics import (
    WS_OPTIMUM,
    analyse,
    cutoff_overrides,
    expected_value_instance,
    supplying_countries,
)
from optimizer.cli import app
from optimizer.io.write import write_workbook
from optimizer.solve import SolveOptions

EXACT = SolveOptions(mip_rel_gap=0)


def sheets(capex=300.0, rules=False) -> dict:
    """The instance of the module docstring; ``rules`` adds a quota and an end-use limit."""
    s = {
        # The measures compare plans whose builds are the first-stage decision, shared by
        # every scenario (here-and-now), as derived by hand above.
        "settings": [{"setting": "build_decisions", "value": "here_and_now"}],
        "periods": [{"period": "P1", "discount_factor": 1.0}],
        "countries": [{"country": "A"}, {"country": "C"}],
        "elements": [{"element": "Nd"}],
        "mines": [{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        "mine_assays": [{"mine": "M", "element": "Nd", "share": 1.0}],
        "plants": [{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        "plant_recoveries": [{"plant": "P", "element": "Nd", "recovery": 1.0}],
        "traders": [{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 20,
                     "price_usd_per_t": 10}],
        "demands": [{"demand": "d", "country": "A", "end_use": "magnets",
                     "lost_value_usd_per_t": 50}],
        "demand_quantities": [{"demand": "d", "element": "Nd", "period": "P1", "quantity_t": 15}],
        "lanes": [{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "d"},
                  {"origin": "T", "destination": "d"}],
        "modules": [{"module": "j", "site": "P", "capacity_t": 15, "capex_usd": capex,
                     "max_count": 1}],
        "scenarios": [{"scenario": "calm", "probability": 0.5},
                      {"scenario": "cut", "probability": 0.5}],
        "scenario_changes": [{"scenario": "cut", "sheet": "traders", "key": "T",
                              "column": "capacity_t", "value": 0}],
    }
    if rules:
        s["export_quotas"] = [{"country": "C", "product": "Nd", "cap_t": 4}]
        s["end_use_limits"] = [{"country": "C", "basis": "either", "end_use": "magnets",
                                "max_t": 2}]
    return s


@pytest.fixture(scope="module")
def vss_instance(tmp_path_factory):
    path = tmp_path_factory.mktemp("an") / "vss.xlsx"
    write_workbook(sheets(), path)
    return path


@pytest.fixture(scope="module")
def analysis(vss_instance):
    return analyse(vss_instance, EXACT, jobs=2, measures=("resilience", "vss", "cutoff"))


def measure(a, name):
    m = a.tables["measures"].set_index("measure")["value_usd"]
    return m[name]


def test_vss_and_evpi_by_hand(analysis):
    """K = 300.

    RP  = min(build 375, no build (150 + 750) / 2 = 450) = 375 (build).
    EV: T's mean capacity is (20 + 0) / 2 = 10 t → no build: 10 × 10 + 5 × 50 = 350 < 375:
        EV = 350 and its plan builds nothing.
    EEV = the no-build plan in the stochastic model = 450.  VSS = EEV − RP = 75.
    WS  = ½ min(375, 150) + ½ min(375, 750) = 75 + 187.5 = 262.5.  EVPI = RP − WS = 112.5.
    """
    assert analysis.failures == []
    for name, value in (("RP", 375), ("EV", 350), ("EEV", 450), ("WS", 262.5), ("VSS", 75),
                        ("EVPI", 112.5)):
        assert measure(analysis, name) == pytest.approx(value, abs=1e-6), name
    ws = analysis.tables["wait_and_see"].set_index("scenario")
    assert ws.loc["calm", WS_OPTIMUM] == pytest.approx(150)
    assert ws.loc["cut", "builds"] == "1×j@P1"


def test_cost_of_resilience_by_hand(analysis):
    """The naive plan sees only the base data (T has 20 t): no build, 150.

    cost of resilience = 375 − 150 = 225; capex 300 − 0 = 300; the naive plan in the model
    costs 450 (as EEV), so resilience is worth 450 − 375 = 75. Scenario by scenario, builds
    fixed: resilient 375 / 375 with nothing unmet; naive 150 in calm, 750 in cut with 15 t of
    magnets unmet.
    """
    for name, value in (("naive_planned", 150), ("cost_of_resilience", 225),
                        ("capex_of_resilience", 300), ("naive_in_model", 450),
                        ("value_of_resilience", 75)):
        assert measure(analysis, name) == pytest.approx(value, abs=1e-6), name
    perf = analysis.tables["plan_performance"].set_index(["plan", "scenario"])
    assert perf.loc[("resilient", "calm"), "cost_usd"] == pytest.approx(375)
    assert perf.loc[("resilient", "cut"), "unmet_t"] == pytest.approx(0)
    assert perf.loc[("naive", "calm"), "cost_usd"] == pytest.approx(150)
    assert perf.loc[("naive", "cut"), "cost_usd"] == pytest.approx(750)
    assert perf.loc[("naive", "cut"), "unmet_magnets_t"] == pytest.approx(15)
    plans = analysis.tables["resilience_plans"].set_index("plan")
    assert plans.loc["resilient", "capex_usd"] == pytest.approx(300)
    assert plans.loc["resilient", "builds"] == "1×j@P1"


def test_cutoff_screen_by_hand(analysis, vss_instance):
    """Only C sends material abroad (lane T → d crosses C → A); A's lanes stay at home.

    C cut off from P1: with the chosen build, own supply serves d: 375 in both scenarios,
    +0 against RP. With no builds, d goes unmet (15 t × 50) in both: 750, against the
    status quo's (150 + 750) / 2 = 450: +300, 15 t of magnets unmet.
    """
    inst = load_instance(vss_instance)
    assert supplying_countries(inst) == ["C"]
    assert [o.describe() for o in cutoff_overrides(inst, "C", "P1")] == [
        "traders[T].capacity_t = 0 from P1", "lanes[T,d].capacity_t = 0 from P1"]
    cut = analysis.tables["cutoff_screen"].set_index("builds")
    assert cut.loc["chosen", "objective_usd"] == pytest.approx(375)
    assert cut.loc["chosen", "objective_increase_usd"] == pytest.approx(0)
    assert cut.loc["none", "objective_usd"] == pytest.approx(750)
    assert cut.loc["none", "objective_increase_usd"] == pytest.approx(300)
    assert cut.loc["none", "unmet_magnets_t"] == pytest.approx(15)


def test_price_of_each_policy_by_hand(tmp_path):
    """K = 1000 (build 1075), export quota C/Nd ≤ 4 t, end-use limit C → magnets ≤ 2 t.

    With both rules, no build: calm buys 2 t (20) + 13 t unmet (650) = 670; cut 750;
    expected 710 < 1075, so RP = 710.
    Without the quota the 2 t limit still binds: 710, price 0.
    Without the end-use limit calm buys 4 t (40) + 11 t unmet (550) = 590; expected
    (590 + 750) / 2 = 670: price 710 − 670 = 40.
    """
    path = tmp_path / "pol.xlsx"
    write_workbook(sheets(1000.0, rules=True), path)
    a = analyse(path, EXACT, jobs=1, measures=("policy",))
    assert measure(a, "RP") == pytest.approx(710)
    p = a.tables["policy_prices"].set_index("sheet")
    assert p.loc["export_quotas", "price_usd"] == pytest.approx(0, abs=1e-6)
    assert p.loc["end_use_limits", "price_usd"] == pytest.approx(40)
    assert p.loc["end_use_limits", "cost_without_usd"] == pytest.approx(670)
    assert p.loc["end_use_limits", "row"] == 2  # the Excel row of the rule


def test_expected_value_instance_uses_the_mean_per_cell():
    """T's capacity: 20 in calm, 0 in cut → 10 in the expected-value instance."""
    from optimizer.io.frames import raw_from_frames
    from optimizer.io.validate import validate
    from optimizer.scenario import cell_changes

    inst = validate(raw_from_frames(sheets()), "mem")
    ev = expected_value_instance(inst)
    assert [s.name for s in ev.scenarios] == ["expected_value"]
    changes = cell_changes(ev, ev.scenarios[0])
    assert changes[0] == {("traders", 0, "capacity_t"): 10.0}


def test_cli_analyse_writes_tables_and_rejects_bad_period(tmp_path, vss_instance):
    runner = CliRunner()
    res = runner.invoke(app, ["analyse", str(vss_instance), "--cutoff-from", "P9",
                              "--out", str(tmp_path / "bad")])
    assert res.exit_code == 2 and "P9" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "bad").exists()
    res = runner.invoke(app, ["analyse", str(tmp_path / "nope.xlsx"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_written_analysis(tmp_path, analysis):
    from optimizer.batch.analytics import write_analysis

    out = write_analysis(analysis, tmp_path / "a", {"instance": "vss"})
    m = pd.read_csv(out / "measures.csv").set_index("measure")["value_usd"]
    assert m["VSS"] == pytest.approx(75)
    assert set(pd.ExcelFile(out / "analysis.xlsx").sheet_names) >= {
        "measures", "plan_performance", "cutoff_screen", "wait_and_see"}


# --------------------------------------------------------------------------------------------
# Issue 13 items 6 and 7: the expected-value builder, failures in full, strict JSON, and a plan's
# cost in a scenario meaning the same thing in `analyse` as in `solve`.


def two_period(p_cut: float = 0.1) -> dict:
    """Two periods; demand D (A, "ev") 10 t in P2 only, lost value 50 USD/t.

    Trader T1 (B) sells Nd at 10 USD/t, 20 t per period; stockpile S (A) holds up to 100 t at
    5 USD/t per period held; scenario ``cut`` (probability ``p_cut``) stops T1 from P2.
    No module: every plan has the same (empty) builds.
    """
    return dict(
        periods=[{"period": p, "discount_factor": 1.0} for p in ("P1", "P2")],
        countries=[{"country": c} for c in ("A", "B")],
        elements=[{"element": "Nd"}],
        # an idle mine and plant (the format needs both sheets; no lane reaches them)
        mines=[{"mine": "M_idle", "country": "A", "capacity_t": 0, "cost_usd_per_t": 0}],
        mine_assays=[{"mine": "M_idle", "element": "Nd", "share": 1.0}],
        plants=[{"plant": "P_idle", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P_idle", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T1", "country": "B", "element": "Nd", "capacity_t": 20,
                  "price_usd_per_t": 10}],
        stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 0,
                     "capacity_t": 100, "holding_cost_usd_per_t": 5}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 50}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P2", "quantity_t": 10}],
        lanes=[{"origin": "T1", "destination": "S"}, {"origin": "S", "destination": "D"},
               {"origin": "T1", "destination": "D"}],
        scenarios=[{"scenario": "calm", "probability": 1 - p_cut},
                   {"scenario": "cut", "probability": p_cut}],
        scenario_changes=[{"scenario": "cut", "sheet": "traders", "key": "T1",
                           "column": "capacity_t", "value": 0, "from_period": "P2"}],
    )


def test_plan_in_a_scenario_is_the_solve_reports_figure(tmp_path):
    """Issue 13 item 7: ``plan_performance`` holds what ``solve`` reports per scenario.

    x = tonnes bought in P1 into S, decided before anyone knows whether T1 stops (shared):
    calm costs 10x + 5x + 10(10 − x) = 100 + 5x; cut costs 15x + 50(10 − x) = 500 − 35x.
    Expected (p_cut = 0.1): 0.9(100 + 5x) + 0.1(500 − 35x) = 140 + x → x = 0, RP = 140:
    calm 100, cut 500 with 10 t of ev demand unmet, and 0.9 × 100 + 0.1 × 500 = 140 = RP.
    Knowing cut from the start (what the table showed before) one would stock x = 10:
    150 with nothing unmet: a different quantity, the wait-and-see optimum (WS column).
    WS = 0.9 × 100 + 0.1 × 150 = 105.
    """
    path = tmp_path / "two.xlsx"
    write_workbook(two_period(), path)
    a = analyse(path, EXACT, jobs=1, measures=("resilience", "vss"))
    assert a.failures == []
    assert measure(a, "RP") == pytest.approx(140)
    perf = a.tables["plan_performance"].set_index(["plan", "scenario"])
    assert perf.loc[("resilient", "calm"), "cost_usd"] == pytest.approx(100)
    assert perf.loc[("resilient", "cut"), "cost_usd"] == pytest.approx(500)
    assert perf.loc[("resilient", "cut"), "unmet_t"] == pytest.approx(10)
    assert perf.loc[("resilient", "cut"), "unmet_ev_t"] == pytest.approx(10)
    ws = a.tables["wait_and_see"].set_index("scenario")
    assert ws.loc["cut", WS_OPTIMUM] == pytest.approx(150)
    assert measure(a, "WS") == pytest.approx(105)
    from optimizer.api import solve

    run = solve(load_instance(path), EXACT)  # what `supplyopt solve` writes
    sc = run.tables["scenario_costs"].set_index("scenario")
    for s in ("calm", "cut"):
        assert perf.loc[("resilient", s), "cost_usd"] == pytest.approx(sc.loc[s, "cost_usd"])
        assert perf.loc[("resilient", s), "unmet_t"] == pytest.approx(sc.loc[s, "unmet_t"])


def quota_sheets() -> dict:
    """Two periods; China-like country C has an Nd export quota written as two rows:
    ``(C, Nd, *)`` cap 8 t (every period without its own row) and ``(C, Nd, P1)`` cap 6 t.
    Scenario ``cut`` (p = 0.25) halves ``export_quotas[C,Nd]`` from P2: the key ``C,Nd``
    matches both rows, but the P1 row applies in P1 only, so only the ``*`` row changes."""
    s = sheets()
    s["periods"] = [{"period": "P1", "discount_factor": 1.0},
                    {"period": "P2", "discount_factor": 1.0}]
    s["demand_quantities"] = [{"demand": "d", "element": "Nd", "period": p, "quantity_t": 15}
                              for p in ("P1", "P2")]
    s["export_quotas"] = [{"country": "C", "product": "Nd", "period": "*", "cap_t": 8},
                          {"country": "C", "product": "Nd", "period": "P1", "cap_t": 6}]
    s["scenarios"] = [{"scenario": "calm", "probability": 0.75},
                      {"scenario": "cut", "probability": 0.25}]
    s["scenario_changes"] = [{"scenario": "cut", "sheet": "export_quotas", "key": "C,Nd",
                              "column": "cap_t", "mode": "scale", "value": 0.5,
                              "from_period": "P2"}]
    return s


def test_expected_value_instance_names_each_row_alone(tmp_path):
    """Issue 13 item 6: the EV instance wrote ``export_quotas[C,Nd,*]`` (whose bare ``*`` also
    matches the P1 row) and ``[C,Nd,P1]`` from the same period: two overrides of one cell.

    By hand: the ``*`` row in P2 is 8 in calm and 0.5 × 8 = 4 in cut, mean
    0.75 × 8 + 0.25 × 4 = 7; in P1 both scenarios keep 8 and the P1 row keeps 6. So one
    override: the ``*`` row (named with a quoted star, that row alone) = 7 from P2; the
    instance passes the scenario checks and the whole analysis runs without a failure.
    """
    from optimizer.io.frames import raw_from_frames
    from optimizer.io.validate import validate
    from optimizer.scenario import cell_changes, check_scenarios

    inst = validate(raw_from_frames(quota_sheets()), "mem")
    ev = expected_value_instance(inst)
    assert [o.describe() for o in ev.scenarios[0].overrides] == [
        "export_quotas[C,Nd,'*'].cap_t = 7 from P2"]
    check_scenarios(ev)  # raised "at most one override of each cell" before the fix
    changes = cell_changes(ev, ev.scenarios[0])
    assert changes[1] == {("export_quotas", 0, "cap_t"): 7.0}
    assert changes.get(0, {}) == {}
    path = tmp_path / "quota.xlsx"
    write_workbook(quota_sheets(), path)
    a = analyse(path, EXACT, jobs=1, measures=("vss",))
    assert a.failures == [] and a.exit_code == 0
    assert measure(a, "EV") is not None and measure(a, "VSS") is not None


def test_failed_solves_exit_4_with_every_problem_and_strict_json(tmp_path):
    """A must-serve demand and an analysis whose plans without builds cannot serve it.

    d must be served (15 t). In ``cut`` T has 0 t, so only the module (own supply) serves d.
    The naive plan (base data: T has 20 t) builds nothing, so its builds in the full model are
    infeasible in ``cut``; so are the status quo and C's cut-off with no new builds. Those
    three solves fail; naive_in_model and value_of_resilience are therefore n/a, written as
    null in analysis.json, and the command exits 4 (partial) listing each reason in full: the
    InfeasibleError's explanation lines too, not only its first line.
    """
    import json

    s = sheets()
    s["demands"][0]["must_serve"] = True
    path = tmp_path / "ms.xlsx"
    write_workbook(s, path)
    out = tmp_path / "an"
    res = CliRunner().invoke(app, ["analyse", str(path), "--out", str(out), "--jobs", "1",
                                   "--mip-gap", "0", "--quiet"])
    assert res.exit_code == 4, res.output
    assert "partial analysis: 3 solve(s)" in res.output
    text = (out / "analysis.json").read_text(encoding="utf-8")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in analysis.json"))
    assert data["complete"] is False
    assert data["measures"]["naive_in_model"] is None
    assert data["measures"]["value_of_resilience"] is None
    assert data["measures"]["RP"] == pytest.approx(375)
    failed = {f["solve"]: f for f in data["failures"]}
    assert set(failed) == {"naive_in_model", "status_quo", "cut:C:none"}
    for f in failed.values():
        lines = [ln.strip() for ln in f["reason"].splitlines() if ln.strip()]
        assert len(lines) > 1  # a headline and its explanation
        for ln in lines:  # every line of every reason reaches the console
            assert ln.removeprefix("- ") in res.output
    m = pd.read_csv(out / "measures.csv").set_index("measure")
    assert m.loc["value_of_resilience", "status"] == "not computed: naive_in_model failed"
    assert m.loc["RP", "status"] == "ok"
