"""The shipped example workbooks validate, solve to optimal and say what they should.

``instances/tutorial.xlsx`` is checked against an optimum derived by hand (below).
``instances/ree_baseline.xlsx`` is checked only on structural facts that hold whatever its
numbers are: they follow from how the instance is built, not from the solver's output.
Regenerate both with ``python instances/build_instances.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import optimizer

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
TUTORIAL = INSTANCES / "tutorial.xlsx"
BASELINE = INSTANCES / "ree_baseline.xlsx"
EXACT = optimizer.SolveOptions(mip_rel_gap=0)


@pytest.fixture(scope="module")
def tutorial_run():
    return optimizer.solve(optimizer.load_instance(TUTORIAL), EXACT)


@pytest.fixture(scope="module")
def baseline_run():
    return optimizer.solve(optimizer.load_instance(BASELINE), EXACT)


@pytest.mark.parametrize("path", [TUTORIAL, BASELINE], ids=["tutorial", "baseline"])
def test_workbook_validates_without_warnings(path):
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


def test_baseline_solves_to_optimal(baseline_run):
    assert baseline_run.outcome.status == "optimal"


def test_baseline_scenarios_are_a_distribution(baseline_run):
    """At least three scenarios, probabilities summing to 1, incl. status quo and escalation."""
    scenarios = baseline_run.instance.scenarios
    assert len(scenarios) >= 3
    assert sum(s.probability for s in scenarios) == pytest.approx(1.0, abs=1e-9)
    assert {"truce_holds", "china_escalation", "malaysia_feed_cut"} <= {s.name for s in scenarios}


def test_baseline_no_chinese_material_reaches_defence(baseline_run):
    """MOFCOM Ann. 46 clause 1: the end-use limit (China, basis 'either', defence, max 0 t)
    bars every oxide mined or processed in China from defence demand nodes, in every scenario
    and period. Checked on the flows, joined to the demands sheet (not on the rule's row)."""
    flows = baseline_run.tables["flows"]
    demands = baseline_run.instance.table("demands")
    defence = set(demands.loc[demands["end_use"] == "defence", "demand"])
    assert defence, "the baseline must have a defence demand node"
    into_defence = flows[flows["destination"].isin(defence)]
    assert not into_defence.empty, "defence must be served by someone"
    chinese = into_defence[(into_defence["mined_in"] == "CHN")
                           | (into_defence["processed_in"] == "CHN")]
    assert chinese["tonnes"].sum() == pytest.approx(0.0, abs=1e-6)


def test_baseline_disruptions_cost_at_least_the_truce_holds(baseline_run):
    """The disruption scenarios share the status quo's data up to 2026Q3 and from 2026Q4 only
    tighten it (lower Chinese offers and licence caps, a higher price and tariff; a lane cut
    to 0), so each shares the status quo's decisions up to then (non-anticipativity) and its
    best continuation cannot be cheaper: cost(scenario) ≥ cost(status quo)."""
    costs = baseline_run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    tol = 1e-6 * abs(costs["truce_holds"])
    assert costs["china_escalation"] >= costs["truce_holds"] - tol
    assert costs["malaysia_feed_cut"] >= costs["truce_holds"] - tol


def test_instance_format_doc_is_generated_from_the_schema():
    """docs/instance-format.md is what ``python -m optimizer.template docs`` writes now."""
    from optimizer.template import instance_format_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "instance-format.md"
    assert doc.read_text(encoding="utf-8") == instance_format_markdown() + "\n", \
        "docs/instance-format.md is stale: run python -m optimizer.template docs"
