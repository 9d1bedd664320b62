"""The shipped example workbooks validate, solve to optimal and say what they should.

``instances/tutorial.xlsx`` and ``instances/tutorial_adaptive.xlsx`` are checked against
optima derived by hand (below). ``instances/ree_baseline.xlsx`` (2025Q3-2035) is checked only on
structural facts that hold whatever its numbers are: they follow from how the instance is
built, not from the solver's output. ``instances/ree_baseline_10q.xlsx`` (the former 10-quarter
baseline) must validate. Regenerate them all with ``python instances/build_instances.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import optimizer

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
TUTORIAL = INSTANCES / "tutorial.xlsx"
TUTORIAL_ADAPTIVE = INSTANCES / "tutorial_adaptive.xlsx"
BASELINE = INSTANCES / "ree_baseline.xlsx"
BASELINE_10Q = INSTANCES / "ree_baseline_10q.xlsx"
EXACT = optimizer.SolveOptions(mip_rel_gap=0)


@pytest.fixture(scope="module")
def tutorial_run():
    """Solve the tutorial to a zero gap, once for the module."""
    return optimizer.solve(optimizer.load_instance(TUTORIAL), EXACT)


@pytest.fixture(scope="module")
def baseline_run():
    """Solve the 2035 baseline to a zero gap, once for the module (~20 s CPU)."""
    return optimizer.solve(optimizer.load_instance(BASELINE), EXACT)


@pytest.mark.parametrize("path", [TUTORIAL, TUTORIAL_ADAPTIVE, BASELINE, BASELINE_10Q],
                         ids=["tutorial", "tutorial_adaptive", "baseline", "baseline_10q"])
def test_workbook_validates_without_warnings(path):
    """Every shipped workbook validates with no warning."""
    inst = optimizer.load_instance(path)  # raises InputError on any error
    assert inst.periods
    assert inst.warnings == ()


def test_tutorial_solves_to_the_hand_optimum(tutorial_run):
    """Build the module in P1; expected cost US$17,098,000.

    Data (per period, two periods, no discounting): demand defence 20 t and EV 100 t of NdPr;
    Chinese oxide 200 t at 60,000 + 300 freight = 60,300 USD/t, barred from defence; one
    optional module (400 t REO feed per period from P1, capex 3,000,000) at a US plant fed by
    an Australian mine: 5,000 mining + 100 freight + 8,000 opex = 13,100 USD per t feed, which
    yields 0.25 × 0.9 = 0.225 t NdPr, i.e. 58,222 USD/t NdPr. Unserved demand costs 200,000
    (defence) or 80,000 (EV) USD/t.

    Without the module: defence is unserved (20 × 200,000 = 4,000,000) and EV buys Chinese
    oxide (100 × 60,300 = 6,030,000): 10,030,000 per period, 20,060,000 in total.

    With the module: plant NdPr (58,222/t) is cheaper than Chinese oxide (60,300/t), so the
    plant runs full: 400 × 13,100 = 5,240,000 for 90 t NdPr; 20 t go to defence, 70 t to EV,
    and EV buys the remaining 30 t from China (30 × 60,300 = 1,809,000): 7,049,000 per period.
    Total 3,000,000 + 2 × 7,049,000 = 17,098,000 < 20,060,000, so the module is built, online
    from P1. (A partial run is worse: each tonne of NdPr the plant makes saves 2,078 USD.)
    """
    run = tutorial_run
    assert run.outcome.status == "optimal"
    assert run.objective == pytest.approx(17_098_000, rel=1e-6)
    builds = run.tables["builds"]
    assert builds[["module", "online_period", "count"]].values.tolist() == [
        ["USA_Plant_mod", "P1", 1]]
    unmet = run.tables["unmet_demand"]
    assert unmet["unmet_t"].sum() == pytest.approx(0.0, abs=1e-6)


def _tutorial_adaptive_with(tmp_path, sheet: str, key: str, column: str, value) -> Path:
    """Copy tutorial_adaptive.xlsx with one cell changed.

    The row is the one whose first cell is ``key`` in ``sheet``.
    """
    from openpyxl import load_workbook

    wb = load_workbook(TUTORIAL_ADAPTIVE)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    if column not in header:
        ws.cell(row=1, column=len(header) + 1, value=column)
        header.append(column)
    rows = [r for r in ws.iter_rows(min_row=2) if r[0].value == key]
    assert len(rows) == 1
    ws.cell(row=rows[0][0].row, column=header.index(column) + 1, value=value)
    path = tmp_path / "tutorial_adaptive_changed.xlsx"
    wb.save(path)
    return path


def _solve(path):
    return optimizer.solve(optimizer.load_instance(path), EXACT)


def test_tutorial_adaptive_waits_for_the_news():
    """Build only if China cuts, decided when the cut is known: expected cost US$19,500,000.

    Data (three one-year periods, no discounting, demand 100 t NdPr a year): Chinese oxide
    60,000 USD/t (200 t a year); a US module (capex 2,000,000, lead time 0, 500 t feed a year)
    makes (5,000 + 8,000) / (0.25 × 0.8) = 65,000 USD/t NdPr, 100 t a year; unmet demand
    80,000 USD/t. Scenario cut (0.5): no Chinese oxide from Y2, known in Y2; calm (0.5): no
    change.

    calm: China serves every year, 3 × 100 × 60,000 = 18,000,000; a module would idle (65,000
    > 60,000), so none is built. cut: Y1 from China 6,000,000; from Y2 the module (decided and
    online in Y2) serves Y2 and Y3: 2 × 100 × 65,000 + 2,000,000 = 15,000,000, total
    21,000,000 (without it, Y2 and Y3 go unmet: 16,000,000, total 22,000,000).
    Expected: 0.5 × 18,000,000 + 0.5 × 21,000,000 = 19,500,000.
    """
    run = _solve(TUTORIAL_ADAPTIVE)
    assert run.objective == pytest.approx(19_500_000, rel=1e-9)
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs["calm"] == pytest.approx(18_000_000, rel=1e-9)
    assert costs["cut"] == pytest.approx(21_000_000, rel=1e-9)
    builds = run.tables["builds"]
    assert builds[["module", "decision_period", "decided_in", "online_period", "count"]
                  ].values.tolist() == [["USA_Plant_mod", "Y2", "cut", "Y2", 1]]


def test_tutorial_adaptive_here_and_now_costs_the_value_of_waiting(tmp_path):
    """Decided before the news, the module is not worth it: US$20,000,000, no build.

    Build in Y1 for both scenarios: calm pays the capex for nothing (18,000,000 + 2,000,000)
    and cut still buys Y1 from China (21,000,000 as above): 0.5 × 20,000,000 + 0.5 ×
    21,000,000 = 20,500,000. No build: 0.5 × 18,000,000 + 0.5 × 22,000,000 = 20,000,000,
    the optimum. Value of flexibility: 20,000,000 − 19,500,000 = 500,000.
    """
    run = _solve(_tutorial_adaptive_with(tmp_path, "settings", "build_decisions", "value",
                                         "here_and_now"))
    assert run.objective == pytest.approx(20_000_000, rel=1e-9)
    assert run.tables["builds"].empty


def test_tutorial_adaptive_a_one_year_lead_time_makes_waiting_worthless(tmp_path):
    """With lead_time_years = 1 a module decided when the cut is known (Y2) is online in Y3.

    cut, decided in Y2: it serves Y3 only, saving (80,000 − 65,000) × 100 = 1,500,000 <
    2,000,000 capex: not built. Decided in Y1 to be online in Y2 it is shared with calm:
    20,500,000 as in the here-and-now case. Optimum: no build, 20,000,000.
    """
    run = _solve(_tutorial_adaptive_with(tmp_path, "modules", "USA_Plant_mod",
                                         "lead_time_years", 1))
    assert run.objective == pytest.approx(20_000_000, rel=1e-9)
    assert run.tables["builds"].empty


def test_baseline_solves_to_optimal(baseline_run):
    """The 2035 baseline solves to a proven optimum."""
    assert baseline_run.outcome.status == "optimal"


def test_baseline_scenarios_are_a_distribution(baseline_run):
    """Five scenarios (at most six, to keep the model small), probabilities summing to 1."""
    scenarios = baseline_run.instance.scenarios
    assert 3 <= len(scenarios) <= 6
    assert sum(s.probability for s in scenarios) == pytest.approx(1.0, abs=1e-9)
    assert {s.name for s in scenarios} == {"truce_holds", "price_recovery", "annex61_lapse",
                                           "china_escalation", "malaysia_feed_cut"}


def test_baseline_calendar_is_quarters_then_years(baseline_run):
    """2025Q3-2027Q4 as quarters (10), then 2028-2035 as years (8): 18 periods, at most 18."""
    periods = list(baseline_run.instance.periods)
    assert periods == ([f"{y}Q{q}" for y, q in [(2025, 3), (2025, 4)]]
                       + [f"{y}Q{q}" for y in (2026, 2027) for q in (1, 2, 3, 4)]
                       + [str(y) for y in range(2028, 2036)])


def test_baseline_year_demand_is_four_quarters_of_the_rate(baseline_run):
    """The demand rows are quarterly rates; a year period holds four of them.

    Defence Nd (data §7): 176 t NdPr/yr × 75 % Nd = 132 t in 2025, growing 2^(1/10) per year
    (doubling in a decade), so 2030 needs 132 × 2^(5/10) = 186.676 t: the workbook row holds
    the quarterly rate 46.669 t and the model must count it four times. 2027Q1 (a quarter)
    needs 132 × 2^(2/10) × 24 % (Q1's seasonal share) = 36.391 t.
    """
    unmet = baseline_run.tables["unmet_demand"]
    row = unmet[(unmet["scenario"] == "truce_holds") & (unmet["demand"] == "USA_defence_Nd")]
    by_period = row.set_index("period")["demand_t"]
    assert by_period["2030"] == pytest.approx(132 * 2 ** 0.5, abs=1e-2)
    assert by_period["2027Q1"] == pytest.approx(132 * 2 ** 0.2 * 0.24, abs=1e-2)


def test_baseline_no_chinese_material_reaches_defence(baseline_run):
    """No oxide mined or processed in China reaches defence, in any scenario or period.

    MOFCOM Ann. 46 clause 1: the end-use limit (China, basis 'either', defence, max 0 t).
    Checked on the flows, joined to the demands sheet (not on the rule's row).
    """
    flows = baseline_run.tables["flows"]
    demands = baseline_run.instance.table("demands")
    defence = set(demands.loc[demands["end_use"] == "defence", "demand"])
    assert defence, "the baseline must have a defence demand node"
    into_defence = flows[flows["destination"].isin(defence)]
    assert not into_defence.empty, "defence must be served by someone"
    chinese = into_defence[(into_defence["mined_in"] == "CHN")
                           | (into_defence["processed_in"] == "CHN")]
    assert chinese["tonnes"].sum() == pytest.approx(0.0, abs=1e-6)


def test_baseline_lynas_malaysia_gets_no_chinese_feed(baseline_run):
    """No tonne mined in China reaches the Kuantan plants, in any scenario or period.

    Lynas Malaysia runs on Mt Weld concentrate/MREC (and, from 2028, Malaysian ionic clay):
    no public source supports Chinese feed (instances/README.md).
    """
    flows = baseline_run.tables["flows"]
    into_lynas = flows[flows["destination"].str.startswith("MYS_Lynas")]
    assert into_lynas["tonnes"].sum() > 0, "Lynas Malaysia must run"
    assert into_lynas.loc[into_lynas["mined_in"] == "CHN", "tonnes"].sum() == 0.0


def test_baseline_price_recovery_costs_at_least_the_truce(baseline_run):
    """cost(truce_holds) <= cost(price_recovery).

    price_recovery and truce_holds share every data cell up to 2026Q4 and split in 2027Q1,
    where price_recovery only raises Chinese prices. So they share every decision up to then
    (one tree node each period), and from 2027Q1 the truce could copy price_recovery's
    continuation at lower prices: cost(truce_holds) <= cost(price_recovery).

    (The 10-quarter baseline's version of this test compared each disruption with the truce;
    in the 2035 tree the other disruptions split from groups of scenarios, not from the truce
    alone, so the argument holds only for this sibling pair.)
    """
    costs = baseline_run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs["price_recovery"] >= costs["truce_holds"] * (1 - 1e-6)


def test_instance_format_doc_is_generated_from_the_schema():
    """docs/instance-format.md is what ``python -m optimizer.template docs`` writes now."""
    from optimizer.template import instance_format_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "instance-format.md"
    assert doc.read_text(encoding="utf-8") == instance_format_markdown() + "\n", \
        "docs/instance-format.md is stale: run python -m optimizer.template docs"
