"""Risk–cost frontier (issue 14 item 4): values derived by hand.

The instance is tests/test_risk.py's (its docstring derives every figure): one period, a
build j (capex 450) that only pays in scenario cut (p = 0.2), α = 0.8, so the tail is
exactly scenario cut:

* no build: calm 100, cut 1,000; E = 280, VaR_0.8 = 100, CVaR_0.8 = 1,000;
  objective (1 − λ) 280 + λ 1,000 = 280 + 720 λ;
* build: 500 in both scenarios; E = VaR = CVaR = 500; objective 500.

The plan flips at λ* = 220 / 720 = 11/36 ≈ 0.3056.

Order of solves on the weights (0, 0.25, 0.3, 0.31, 0.5, 1), MIP gap 0 (optimizer/frontier.py):
the ends 0 (no build, 280) and 1 (build, 500) first. The chord of their bounds is
L(λ) = 280 + 220 λ, and the better plan beats it everywhere inside (at 0.25: 460 > 335), so
nothing settles; the lines 280 + 720 λ and 500 cross at λ* = 0.3056, nearest 0.31 (build,
500). Between 0 and 0.31, L(0.25) = 280 + 220 × 0.25 / 0.31 = 457.4 < 460 and
L(0.3) = 492.9 < 496: open; the lines still cross at λ*, nearest 0.3 (no build, 496). Between
0.31 and 1 both plans are the build: L = 500 = f, so 0.5 is inferred; between 0 and 0.3 both
are no build: L(0.25) = 280 + 216 × 0.25 / 0.3 = 460 = f, so 0.25 is inferred. Four solves
(0, 1, 0.31, 0.3), two inferred points; the build starts between λ = 0.3 and 0.31.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.api import load_instance, solve
from optimizer.cli import app
from optimizer.frontier import (
    Point,
    mark_points,
    run_frontier,
    sweep_alphas,
    sweep_weights,
    write_frontier,
)
from optimizer.risk_settings import with_risk
from optimizer.scenario import parse_override
from optimizer.solve import SolveOptions
from tests.conftest import build_instance
from tests.test_risk import LAMBDA_STAR, sheets

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "instances" / "tutorial_adaptive.xlsx"
EXACT = SolveOptions(mip_rel_gap=0)
WEIGHTS = (0.0, 0.25, 0.3, 0.31, 0.5, 1.0)


@pytest.fixture(scope="module")
def flip_instance(tmp_path_factory):
    """tests/test_risk.py's instance (α = 0.8) as a workbook a worker can load."""
    from optimizer.io.write import write_workbook

    path = tmp_path_factory.mktemp("flip") / "flip.xlsx"
    write_workbook(sheets(None, 0.8), path)
    return path


def expected(lam: float) -> dict:
    """The hand-derived figures at λ (module docstring)."""
    if lam < LAMBDA_STAR:
        return {"E": 280.0, "VaR": 100.0, "CVaR": 1000.0, "objective": 280.0 + 720.0 * lam,
                "builds": 0, "calm": 100.0, "cut": 1000.0}
    return {"E": 500.0, "VaR": 500.0, "CVaR": 500.0, "objective": 500.0, "builds": 1,
            "calm": 500.0, "cut": 500.0}


def _frontier(path, tmp_path, weights=WEIGHTS, every=False, alphas=None):
    return run_frontier(path, EXACT, weights, alphas, tmp_path / "points", every_point=every)


@pytest.mark.parametrize("every", [False, True])
def test_frontier_flips_at_lambda_star(flip_instance, tmp_path, every):
    """Every point's E, VaR, CVaR, objective, scenario costs and builds are the hand-derived
    ones; the sweep solves 0, 1, 0.31 and 0.3 and infers 0.25 and 0.5 (docstring)."""
    f = _frontier(flip_instance, tmp_path, every=every)
    assert [p.lam for p in f.points] == list(WEIGHTS)
    for p in f.points:
        want = expected(p.lam)
        assert (p.expected, p.var, p.cvar) == pytest.approx(
            (want["E"], want["VaR"], want["CVaR"]), rel=1e-9), p.name
        assert p.objective == pytest.approx(want["objective"], rel=1e-9), p.name
        costs = dict(zip(p.scenario_costs["scenario"], p.scenario_costs["cost_usd"],
                         strict=True))
        assert costs == pytest.approx({"calm": want["calm"], "cut": want["cut"]}), p.name
        assert sum(p.decisions.values()) == want["builds"], p.name
    status = {p.lam: p.status for p in f.points}
    if every:
        assert set(status.values()) == {"solved"}
    else:
        assert status == {0.0: "solved", 0.25: "inferred", 0.3: "solved", 0.31: "solved",
                          0.5: "inferred", 1.0: "solved"}
        assert {p.lam: p.plan_from for p in f.points}[0.25] in (0.0, 0.3)
        assert {p.lam: p.plan_from for p in f.points}[0.5] in (0.31, 1.0)


def test_what_changes_along_the_curve(flip_instance, tmp_path):
    """The only change: module j started between λ = 0.3 and 0.31 (online P1, site P in A);
    the frontier table has it on the 0.31 row, and no point is dominated (E rises, CVaR falls
    strictly at the flip); 0.25 repeats 0 and 0.5 repeats 0.31."""
    f = _frontier(flip_instance, tmp_path)
    tables = write_frontier(f, tmp_path, {"instance": "flip"})
    ch = tables["changes"]
    assert len(ch) == 1
    row = ch.iloc[0]
    assert (row["from_risk_weight"], row["to_risk_weight"], row["kind"], row["item"],
            row["change"], row["count_after"]) == (0.3, 0.31, "build", "j", "started", 1)
    fr = tables["frontier"].set_index("risk_weight")
    assert fr.loc[0.31, "changes_from_previous"].startswith("started 1×j@P1")
    assert not fr["dominated"].any()
    assert fr["duplicate_of_risk_weight"].to_dict() == pytest.approx(
        {0.0: float("nan"), 0.25: 0.0, 0.3: 0.0, 0.31: float("nan"), 0.5: 0.31, 1.0: 0.31},
        nan_ok=True)
    for name in ("frontier.csv", "scenario_costs.csv", "changes.csv", "frontier.xlsx",
                 "frontier.json", "frontier.html"):
        assert (tmp_path / name).is_file(), name
    data = json.loads((tmp_path / "frontier.json").read_text())
    assert data["counts"] == {"solved": 4, "inferred": 2, "failed": 0}
    # The decision aid: 280 → 500 expected (+220, 79 %), 1,000 → 500 CVaR (−500, 50 %),
    # 500 / 220 = 2.27 of tail cost removed per USD.
    page = (tmp_path / "frontier.html").read_text()
    assert ("Moving to the most protective plan (λ = 0.31) raises the expected cost by USD 220 "
            "(79 %) and lowers the CVaR by USD 500 (50 %): USD 2.27 of tail cost removed per "
            "USD of expected cost.") in page


def test_points_are_monotone_in_lambda(flip_instance, tmp_path):
    """E non-decreasing and CVaR non-increasing in λ (optimizer/frontier.py proves it for
    exact optima), every point solved, on two instances: the flip instance (21 weights) and
    the adaptive tutorial (CVaR_0.9 = cut's 21 M throughout; at λ = 1 the build 'Y1 for all',
    E 20.5 M, ties with the contingent one, E 19.5 M: instances/README.md)."""
    weights = tuple(i / 20 for i in range(21))
    for path, sub in ((flip_instance, "a"), (TUTORIAL, "b")):
        f = _frontier(path, tmp_path / sub, weights=weights, every=True)
        e = [p.expected for p in f.points]
        c = [p.cvar for p in f.points]
        assert all(b >= a - 1e-6 for a, b in zip(e, e[1:], strict=False)), e
        assert all(b <= a + 1e-6 for a, b in zip(c, c[1:], strict=False)), c
    assert e[0] == pytest.approx(19_500_000.0) and c[0] == pytest.approx(21_000_000.0)
    assert c[-1] == pytest.approx(21_000_000.0)


def test_dominated_and_duplicate_marks():
    """Three plans at one α: (E, CVaR) = (10, 20), (12, 20) and (12, 15): the second is
    dominated by the first (same CVaR, higher E); a fourth equal to the third is its
    duplicate, and neither of those is dominated."""
    import pandas as pd

    pts = []
    for lam, (e, c) in zip((0.0, 0.3, 0.6, 1.0), ((10, 20), (12, 20), (12, 15), (12, 15)),
                           strict=True):
        p = Point(0.9, lam, f"l{lam}", status="solved", expected=float(e), cvar=float(c))
        p.scenario_costs = pd.DataFrame({"scenario": ["s"], "probability": [1.0],
                                         "cost_usd": [float(e)]})
        pts.append(p)
    dominated, duplicate = mark_points(pts)
    assert dominated == [False, True, False, False]
    assert duplicate == [None, None, None, 0.6]


@pytest.mark.parametrize("path_name", ["flip", "tutorial"])
def test_live_frontier_equals_rebuilt_solves(flip_instance, tmp_path, path_name):
    """Each point of the frontier (one live model, every point solved) has the objective, E and CVaR of a cold rebuild at that λ (α 0.8 and 0.95),
    to 1e-6."""
    path = flip_instance if path_name == "flip" else TUTORIAL
    weights = (0.0, 0.2, 0.3, 0.35, 0.7, 1.0)
    f = _frontier(path, tmp_path, weights=weights, every=True, alphas=(0.8, 0.95))
    inst = load_instance(path)
    for p in f.points:
        cold = solve(with_risk(inst, p.lam, p.alpha), EXACT)
        assert p.objective == pytest.approx(cold.objective, rel=1e-6), p.name
        risk = cold.summary()["risk"]
        assert p.expected == pytest.approx(risk["expected_cost_usd"], rel=1e-6), p.name
        assert p.cvar == pytest.approx(risk["cvar_usd"], rel=1e-6), p.name


def test_live_model_takes_risk_settings():
    """On a base with λ > 0 the live model solves λ' and α' overrides itself (none declined,
    no rebuild), in any order, each equal to a cold solve; λ' = 0 in the CVaR structure gives
    the risk-neutral plan and shadow prices of test_risk (demand duals calm 8 = 0.8 × 10,
    cut 20 = 0.2 × 100; q = p)."""
    from optimizer.live import LiveModel

    inst = build_instance(sheets(0.5, 0.8))
    live = LiveModel(inst, EXACT)
    for lam, alpha in ((0.2, 0.8), (0.9, 0.8), (0.0, 0.8), (0.25, 0.5), (1.0, 0.8),
                       (LAMBDA_STAR + 0.01, 0.8)):
        ovs = (parse_override(f"settings:risk_weight:value={lam}"),
               parse_override(f"settings:cvar_alpha:value={alpha}"))
        run = live.solve(ovs)
        assert run is not None, (lam, alpha)
        cold = solve(with_risk(inst, lam, alpha), EXACT)
        assert run.objective == pytest.approx(cold.objective, rel=1e-9), (lam, alpha)
        assert run.verification["ok"], (lam, alpha)
        if lam == 0.0:
            duals = run.tables["dual_demand_balance"]
            by = dict(zip(duals["scenarios"], duals["shadow_price"], strict=True))
            assert by == pytest.approx({"calm": 8.0, "cut": 20.0}, abs=1e-6)
            q = dict(zip(run.tables["risk"]["scenario"],
                         run.tables["risk"]["risk_adjusted_probability"], strict=True))
            assert q == pytest.approx({"calm": 0.8, "cut": 0.2})
    assert live.runs == {"live": 6, "declined": 0}


def test_live_risk_sequence_that_broke_mip_starts():
    """The frontier's own order on the flip instance (λ 0, 1, 0.31, 0.3 at α 0.8): each run's
    objective is the hand-derived one (module docstring: 280 at λ = 0; 500 from λ* on; 280 +
    720 × 0.3 = 496 at λ = 0.3) and its plan passes the verifier. Started from the previous
    run's MIP solution, HiGHS 1.16 returned 100 and 226 at λ = 1 and 0.3 (infeasible points
    reported optimal), which is why the live model gives no start."""
    from optimizer.live import LiveModel

    live = LiveModel(build_instance(sheets(0.5, 0.8)), EXACT)
    for lam in (0.0, 1.0, 0.31, 0.3):
        run = live.solve((parse_override(f"settings:risk_weight:value={lam}"),))
        assert run is not None and run.verification["ok"], lam
        assert run.objective == pytest.approx(expected(lam)["objective"], rel=1e-9), lam


# --------------------------------------------------------------------------------------------
# Arguments and the command line


def test_sweep_arguments():
    """--points 5 → 0, .25, .5, .75, 1; --weights sorted, repeats dropped; α lists."""
    assert sweep_weights(5) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert sweep_weights(None) == tuple(i / 10 for i in range(11))
    assert sweep_weights(None, "1, 0.5,0,0.5") == (0.0, 0.5, 1.0)
    assert sweep_alphas(["0.95,0.9", "0.8"], 0.9) == (0.8, 0.9, 0.95)
    assert sweep_alphas(None, 0.9) == (0.9,)


@pytest.mark.parametrize(("args", "named"), [
    (["--weights", "0,0.5,1.5"], "1.5"), (["--weights", "0,-0.1"], "-0.1"),
    (["--weights", "0,x"], "x"), (["--points", "1"], "--points"),
    (["--points", "3", "--weights", "0,1"], "not both"), (["--alpha", "1"], "--alpha"),
    (["--alpha", "0.9,0"], "--alpha")])
def test_cli_bad_arguments_exit_2_write_nothing(tmp_path, args, named):
    """A weight outside [0, 1] (or not a number), fewer than 2 points, both options, an α
    outside (0, 1): exit 2, one message naming the option and the value, no folder."""
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["frontier", str(TUTORIAL), "--out", str(out), "-q", *args])
    assert res.exit_code == 2, res.output
    assert named in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_output_folder_safety(tmp_path):
    """A folder holding a user's file is refused (exit 2, the file untouched, nothing
    written); the tool's own frontier folder is replaced by a rerun (exit 0)."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    res = CliRunner().invoke(app, ["frontier", str(TUTORIAL), "--out", str(out), "-q",
                                   "--weights", "0,1"])
    assert res.exit_code == 2, res.output
    assert "notes.txt" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    fresh = tmp_path / "fresh"
    for _ in range(2):
        res = CliRunner().invoke(app, ["frontier", str(TUTORIAL), "--out", str(fresh), "-q",
                                       "--weights", "0,1", "--mip-gap", "0"])
        assert res.exit_code == 0, res.output
    data = json.loads((fresh / "frontier.json").read_text())
    # λ = 0: the adaptive optimum (E 19.5 M, cut's 21 M the CVaR_0.9). λ = 1 minimises the
    # CVaR alone, and two plans tie at cut's 21 M (instances/README.md): the contingent build
    # (E 19.5 M) and the build in Y1 for both (E 20.5 M); either may come back.
    e = [p["expected_cost_usd"] for p in data["points"]]
    assert e[0] == pytest.approx(19_500_000.0)
    assert e[1] == pytest.approx(19_500_000.0) or e[1] == pytest.approx(20_500_000.0)
    assert [p["cvar_usd"] for p in data["points"]] == pytest.approx([21_000_000.0] * 2)
    assert (fresh / "points" / "lambda_1" / "summary.json").is_file()


def test_default_folder_is_one_per_instance(flip_instance, tmp_path, monkeypatch):
    """Without --out the frontier goes to reports/<instance>-frontier/ under the working
    folder (flip.xlsx → reports/flip-frontier), so two instances' frontiers never replace
    each other; the hand-derived λ = 0 and λ = 1 objectives (280 and 500) are in it."""
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["frontier", str(flip_instance), "--weights", "0,1", "-q",
                                   "--mip-gap", "0"])
    assert res.exit_code == 0, res.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "reports" / "flip-frontier" / "frontier.csv")
    assert dict(zip(table["risk_weight"], table["objective_usd"])) == \
        pytest.approx({0: 280.0, 1: 500.0})
