"""Near-optimal alternatives (MGA): ranges and classes derived by hand.

The main instance (one period P1, discount factor 1, one scenario; countries A, B, C)::

    mine M_nd (A): 100 t at 5 USD/t, all Nd ──> plant P_B (B), capacity 0 ──┐
                                           └──> plant P_C (C), capacity 0 ──┼──> demand d (A)
    mine M_dy (A): 100 t at 5 USD/t, all Dy ──> plant P_A (A), capacity 0 ──┘    10 t Nd, 10 t Dy
    modules (+10 t/period, max 1 each): jA at P_A, jB at P_B, jC at P_C (capex 400 each),
                                        jB2 at P_B (capex 1,000)
    lost value 100 USD/t; lanes and processing free

Serving an element's 10 t through a module costs 400 + 10 × 5 = 450; leaving it unmet
10 × 100 = 1,000. So C* = 450 (Dy through jA) + 450 (Nd through jB or jC) = **900**, and a 2 %
slack allows 918. Every other plan costs more than 918:

* without jA no Dy reaches d (only P_A recovers Dy): ≥ 450 + 1,000 = 1,450. So **jA is a
  must-have**: every plan within the slack builds it;
* jB and jC both: 900 + 400 = 1,300; neither: 1,450; jB2 in place of jB: 1,500, with it
  1,900. So **jB2 is never built**;
* a tonne of Nd left unmet instead of served adds 100 − 5 = 95 > 18.

Within the slack the plans are exactly: jA, one of jB / jC, every tonne served, cost 900. The
two equal-cost suppliers jB (country B) and jC (country C) are **interchangeable**: minimising
B's capacity builds jC, maximising it builds jB, so each ranges over [0, 1] modules, i.e. its
country's capacity over [0, 10] t per base period (the issue's test).
"""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from optimizer.alternatives import find_alternatives
from optimizer.cli import app
from optimizer.io.write import write_workbook
from optimizer.solve import SolveOptions
from tests.conftest import build_instance

EXACT = SolveOptions(mip_rel_gap=0)
CAPEX = {"jA": 400.0, "jB": 400.0, "jC": 400.0, "jB2": 1000.0}
MINE_COST = 5.0
LOST_VALUE = 100.0


def sheets() -> dict:
    """The instance of the module docstring."""
    module = {"capacity_t": 10, "max_count": 1}
    return {
        "periods": [{"period": "P1", "discount_factor": 1.0}],
        "countries": [{"country": c} for c in ("A", "B", "C")],
        "elements": [{"element": "Nd"}, {"element": "Dy"}],
        "mines": [{"mine": "M_nd", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5},
                  {"mine": "M_dy", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        "mine_assays": [{"mine": "M_nd", "element": "Nd", "share": 1.0},
                        {"mine": "M_dy", "element": "Dy", "share": 1.0}],
        "plants": [{"plant": p, "country": c, "capacity_t": 0, "opex_usd_per_t": 0}
                   for p, c in (("P_A", "A"), ("P_B", "B"), ("P_C", "C"))],
        "plant_recoveries": [{"plant": "P_A", "element": "Dy", "recovery": 1.0},
                             {"plant": "P_B", "element": "Nd", "recovery": 1.0},
                             {"plant": "P_C", "element": "Nd", "recovery": 1.0}],
        "demands": [{"demand": "d", "country": "A", "end_use": "magnets",
                     "lost_value_usd_per_t": LOST_VALUE}],
        "demand_quantities": [{"demand": "d", "element": e, "period": "P1", "quantity_t": 10}
                              for e in ("Nd", "Dy")],
        "lanes": [{"origin": o, "destination": d} for o, d in (
            ("M_nd", "P_B"), ("M_nd", "P_C"), ("M_dy", "P_A"),
            ("P_A", "d"), ("P_B", "d"), ("P_C", "d"))],
        "modules": [{"module": j, "site": site, "capex_usd": CAPEX[j], **module}
                    for j, site in (("jA", "P_A"), ("jB", "P_B"), ("jC", "P_C"),
                                    ("jB2", "P_B"))],
    }


def hand_cost(plan) -> float:
    """A plan's cost from its own builds and flows, with this instance's prices (not the
    solver's objective, nor the verifier's): capex of each module built + 5 USD per tonne
    mined + 100 USD per tonne unmet (one period, one scenario, no discounting).
    """
    t = plan.tables
    builds = t["builds"]
    flows = t["flows"]
    mined = flows.loc[flows["origin"].isin(["M_nd", "M_dy"]), "tonnes"].sum()
    unmet = t["unmet_demand"]["unmet_t"].sum() if len(t["unmet_demand"]) else 0.0
    return float(sum(CAPEX[m] * n for m, n in zip(builds["module"], builds["count"]))
                 + MINE_COST * mined + LOST_VALUE * unmet)


def ranges(a) -> dict:
    """Module → (min, max) expected count."""
    m = a.module_ranges
    return {r.module: (r.min_expected_count, r.max_expected_count) for r in m.itertuples()}


def classes(a) -> dict:
    return dict(zip(a.module_ranges["module"], a.module_ranges["class"]))


@pytest.fixture(scope="module")
def two_percent():
    return find_alternatives(build_instance(sheets()), EXACT, slack=0.02, share_country="C")


def test_two_equal_cost_suppliers_range_over_zero_to_full(two_percent):
    """JB and jC (countries B and C, identical cost, either alone meets the Nd demand): each
    ranges over [0, 1] module, its country's capacity over [0, 10] t/base period.
    """
    a = two_percent
    assert a.optimum_usd == pytest.approx(900.0)
    assert a.bound_usd == pytest.approx(918.0)
    r = ranges(a)
    assert r["jB"] == pytest.approx((0.0, 1.0))
    assert r["jC"] == pytest.approx((0.0, 1.0))
    cap = {p.goal.name: p.country_capacity_t for p in a.plans}
    assert cap["min B capacity"]["B"] == pytest.approx(0.0)
    assert cap["max B capacity"]["B"] == pytest.approx(10.0)
    assert cap["min C capacity"]["C"] == pytest.approx(0.0)
    assert cap["max C capacity"]["C"] == pytest.approx(10.0)
    assert classes(a)["jB"] == classes(a)["jC"] == "interchangeable"


def test_must_have_and_never(two_percent):
    """JA is in every plan (without it Dy is unmet: ≥ 1,450 > 918); jB2 in none (≥ 1,500);
    country A's capacity is 10 in every plan (min = max).
    """
    a = two_percent
    r = ranges(a)
    assert r["jA"] == pytest.approx((1.0, 1.0))
    assert r["jB2"] == pytest.approx((0.0, 0.0))
    assert classes(a) == {"jA": "must-have", "jB": "interchangeable", "jC": "interchangeable",
                          "jB2": "never"}
    # must-haves first in the table (the page's order)
    assert a.module_ranges["module"].iloc[0] == "jA"
    assert a.module_ranges["module"].iloc[-1] == "jB2"
    caps = [p.country_capacity_t["A"] for p in a.plans]
    assert caps == pytest.approx([10.0] * 9)  # least cost, min/max A, B, C, min/max C share


def test_every_alternative_costs_at_most_the_bound_recomputed_by_hand(two_percent):
    """Each plan's cost from its own builds and flows (hand_cost) is ≤ 1.02 × 900 = 918;
    in fact every plan within the slack costs exactly 900 (module docstring).
    """
    a = two_percent
    assert len(a.plans) == 9  # least cost, min/max capacity of A, B, C, min/max share of C
    for plan in a.plans:
        assert plan.verified, plan.message
        assert hand_cost(plan) <= 1.02 * 900.0 + 1e-6, plan.goal.name
        assert hand_cost(plan) == pytest.approx(900.0, abs=1e-6), plan.goal.name


def test_share_of_one_country(two_percent):
    """C's expected share of all demand tonnes (20 t) ranges over [0, 10/20]: it can process
    only Nd, and only through jC.
    """
    share = {p.goal.name: p.share for p in two_percent.plans}
    assert share["min C share"] == pytest.approx(0.0, abs=1e-9)
    assert share["max C share"] == pytest.approx(0.5)


def test_zero_slack_on_a_unique_optimum_collapses_every_range():
    """JC's capex raised to 401: jA + jB (900) is the unique optimum (jA + jC costs 901). With
    slack 0 every plan is that optimum: each range collapses to its value.
    """
    s = sheets()
    next(m for m in s["modules"] if m["module"] == "jC")["capex_usd"] = 401.0
    a = find_alternatives(build_instance(s), EXACT, slack=0.0)
    r = ranges(a)
    assert r == {"jA": pytest.approx((1.0, 1.0)), "jB": pytest.approx((1.0, 1.0)),
                 "jC": pytest.approx((0.0, 0.0)), "jB2": pytest.approx((0.0, 0.0))}
    assert classes(a) == {"jA": "must-have", "jB": "must-have", "jC": "never", "jB2": "never"}
    decisions = a.decision_ranges
    assert (decisions["min_expected_count"] == decisions["max_expected_count"]).all()
    for plan in a.plans:
        assert plan.country_capacity_t == pytest.approx({"A": 10.0, "B": 10.0, "C": 0.0})


def test_exact_ranges_solve_only_the_open_bounds():
    """--exact: a module's min needs a solve only if no plan found left it at 0 (jA: min 1),
    its max only if no plan reached max_count (jB2: max 0 < 1). The exact ranges equal the
    MGA ones here: jA [1, 1], jB2 [0, 0].
    """
    a = find_alternatives(build_instance(sheets()), EXACT, slack=0.02, exact=True)
    solves = dict(zip(a.module_ranges["module"], a.module_ranges["exact_solves"]))
    assert solves == {"jA": 1, "jB": 0, "jC": 0, "jB2": 1}
    assert ranges(a)["jA"] == pytest.approx((1.0, 1.0))
    assert ranges(a)["jB2"] == pytest.approx((0.0, 0.0))


def adaptive_sheets(risk: dict | None = None) -> dict:
    """tests/test_adaptive_builds.py's instance: see expected_capacity test."""
    from tests.test_adaptive_builds import sheets as adaptive

    s = copy.deepcopy(adaptive())
    if risk:
        s["settings"] = [{"setting": k, "value": v} for k, v in risk.items()]
    return s


def test_expected_capacity_weights_a_contingent_build_by_its_probability():
    """test_adaptive_builds' instance (calm / cut, ½ each): the optimum (450) builds j only in
    the cut node of P2. Every other plan costs ≥ 550 (build in P1) > 1.02 × 450 = 459, so all
    plans are the optimum: j's expected count is ½ in every plan (must-have), the decision
    (j, P2) ½, (j, P1) and (j, P3) never; A's expected capacity ½ × 10 = 5 t/base period.
    """
    a = find_alternatives(build_instance(adaptive_sheets()), EXACT, slack=0.02)
    assert a.optimum_usd == pytest.approx(450.0)
    assert ranges(a) == {"j": pytest.approx((0.5, 0.5))}
    d = {r.decision_period: (r.min_expected_count, r.max_expected_count, r[-1])
         for r in a.decision_ranges.itertuples()}
    assert d["P2"] == (pytest.approx(0.5), pytest.approx(0.5), "must-have")
    assert d["P1"][2] == d["P3"][2] == "never"
    assert [p.country_capacity_t["A"] for p in a.plans] == pytest.approx([5.0, 5.0, 5.0])


def test_risk_averse_slack_is_on_the_mean_cvar_objective():
    """λ = 1, α = 0.5: the objective is CVaR_0.5 = the worse scenario's cost (p = ½ each).
    Build in P1: 550 in both scenarios → 550, the optimum. Wait and build in cut's P2:
    cut 100 + 400 + 50 + 50 = 600, calm 300 → 600 (E = 450). Build in P2 in both nodes: 600.
    Never, or build in P3: ≥ 1,550. With 10 % slack (≤ 605) the wait plan is in: j's expected
    count ranges over [½, 1] (must-have) and A's capacity over [5, 10], although the wait
    plan's expected cost (450) is below the optimum's (550): the slack is on mean-CVaR.
    """
    inst = build_instance(adaptive_sheets({"risk_weight": 1.0, "cvar_alpha": 0.5}))
    a = find_alternatives(inst, EXACT, slack=0.10)
    assert a.objective_kind.startswith("mean-CVaR")
    assert a.optimum_usd == pytest.approx(550.0)
    assert ranges(a)["j"] == pytest.approx((0.5, 1.0))
    assert classes(a)["j"] == "must-have"
    cap = {p.goal.name: p.country_capacity_t["A"] for p in a.plans}
    assert cap["min A capacity"] == pytest.approx(5.0)
    assert cap["max A capacity"] == pytest.approx(10.0)
    low = next(p for p in a.plans if p.goal.name == "min A capacity")
    assert low.cost_usd == pytest.approx(600.0)  # its CVaR: the cut path
    assert low.expected_cost_usd == pytest.approx(450.0)
    assert all(p.cost_usd <= 605.0 + 1e-6 for p in a.plans)


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture()
def workbook(tmp_path):
    return write_workbook(sheets(), tmp_path / "mga.xlsx")


@pytest.mark.parametrize("slack", ["-1%", "150%", "2", "-0.01", "abc"])
def test_bad_slack_is_exit_2_with_nothing_written(workbook, tmp_path, slack):
    """A slack below 0 or above 100 % (a bare '2' is 200 %) is refused before anything runs."""
    out = tmp_path / "out"
    res = runner.invoke(app, ["alternatives", str(workbook), "--slack", slack, "--out",
                              str(out), "--quiet"])
    assert res.exit_code == 2, res.output
    assert "--slack" in res.output
    assert not out.exists()


def test_unknown_share_country_is_exit_2_with_nothing_written(workbook, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["alternatives", str(workbook), "--share", "ZZ", "--out",
                              str(out), "--quiet"])
    assert res.exit_code == 2, res.output
    assert "ZZ" in res.output and "countries" in res.output
    assert not out.exists()


def test_command_writes_every_output_and_refuses_a_foreign_folder(workbook, tmp_path):
    """Slack '2%' is 0.02: the summary states 900 and the bound 918, names jA as in every
    plan; a second run into a folder holding a user's file is refused (exit 2), the file kept.
    """
    import json

    from optimizer.csv_safe import read_csv

    out = tmp_path / "out"
    res = runner.invoke(app, ["alternatives", str(workbook), "--slack", "2%", "--out", str(out),
                              "--mip-gap", "0", "--quiet"])
    assert res.exit_code == 0, res.output
    for name in ("alternatives.csv", "decision_ranges.csv", "plan_builds.csv",
                 "alternatives.json", "alternatives.html"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "alternatives.json").read_text())
    assert summary["slack"] == pytest.approx(0.02)
    assert summary["optimum_usd"] == pytest.approx(900.0)
    assert summary["bound_usd"] == pytest.approx(918.0)
    assert summary["must_have"] == ["jA"] and summary["never"] == ["jB2"]
    assert "not the exact range" in summary["note"]
    ranges_csv = read_csv(out / "decision_ranges.csv")
    mods = ranges_csv[ranges_csv["level"] == "module"].set_index("module")
    assert mods.loc["jB", "max_expected_count"] == pytest.approx(1.0)
    assert "in every plan: jA" in res.output
    page = (out / "alternatives.html").read_text(encoding="utf-8")
    assert "these builds are in every plan: jA" in page
    assert "not the exact range" in page

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    res = runner.invoke(app, ["alternatives", str(workbook), "--out", str(foreign), "--quiet"])
    assert res.exit_code == 2, res.output
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_parallel_jobs_give_the_same_ranges(workbook, tmp_path):
    """--jobs 2 (forked workers) finds the same ranges as one process."""
    from optimizer import forked

    if not forked.available():
        pytest.skip("forking needs Linux and two cores")
    a = find_alternatives(build_instance(sheets()), EXACT, slack=0.02, jobs=2)
    assert ranges(a) == {"jA": pytest.approx((1.0, 1.0)), "jB": pytest.approx((0.0, 1.0)),
                         "jC": pytest.approx((0.0, 1.0)), "jB2": pytest.approx((0.0, 0.0))}


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

def test_page_draws_every_chart_in_chromium(two_percent, tmp_path):
    """alternatives.html offline in headless Chromium: both range charts and the capacity
    chart hold an <svg>, no JS error; must-haves come first (jA is the first row drawn).
    """
    import re

    from test_report_html import CHROMIUM, _chromium

    from optimizer.report.alternatives_html import render_alternatives

    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); .ci/run installs it")
    page = tmp_path / "alternatives.html"
    page.write_text(render_alternatives(two_percent), encoding="utf-8")
    res = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    assert "data-js-errors" not in dom.split("<body", 1)[1].split(">", 1)[0]
    charts = dict(re.findall(r'<div class="chart[^"]*" id="chart-([a-z0-9-]+)"[^>]*>(.*?)</script>',
                             dom, flags=re.S))
    assert {"module-ranges", "decision-ranges", "capacity"} <= set(charts)
    assert all("<svg" in inner for inner in charts.values()), charts.keys()
    shot = tmp_path / "alternatives.png"
    _chromium(tmp_path, page.as_uri(), "--window-size=1280,3000", f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 10_000
