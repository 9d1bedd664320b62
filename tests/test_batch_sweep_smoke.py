"""Smoke test of benchmarks/batch_sweep.py, and warm re-solves giving the cold answers.

No timed assertions: the benchmark's figures are in docs/batch.md. Here:

* the benchmark runs end to end on ``instances/tutorial.xlsx`` (3 runs of a sweep of the
  traders' capacities, MIP and LP variants, and a 2-run ``--jobs 1`` / ``--jobs 2`` batch), every
  path (cold, warm, live, floor) reaches the cold objective, and the live model is passed to
  HiGHS once (each later run changes only bounds);
* a sequence of warm-started solves (``warm_start=`` the previous outcome, as a batch worker
  does) gives the same objectives as cold solves and passes independent verification, for the
  MIP (warm: its fixed-LP re-solve) and the LP with builds fixed (warm: the basis);
* regression: on ``instances/ree_baseline_10q.xlsx``, China's Dy export quota at 50 % then 20 %.
  With the previous MIP incumbent as HiGHS 1.16's MIP start, the 20 % run came back "optimal"
  with an objective 1.1 % below the true optimum (verification failed); MIPs now start cold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from optimizer.api import load_instance, solve
from optimizer.batch.definition import parse_sweep
from optimizer.scenario import parse_override
from optimizer.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "instances" / "tutorial.xlsx"
BASELINE = ROOT / "instances" / "ree_baseline_10q.xlsx"  # the small variant: a quick model
TARGET = "traders:*:capacity_t"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import batch_sweep

    return batch_sweep


def test_benchmark_runs_end_to_end(tmp_path, bench):
    out = tmp_path / "sweep.json"
    bench.main(["--runs", "3", "--instance", str(TUTORIAL), "--target", TARGET,
                "--jobs-runs", "2", "--jobs-repeat", "1", "--json", str(out)])
    r = json.loads(out.read_text())
    assert set(r["variants"]) == {"mip", "lp"}
    assert r["variants"]["mip"]["is_mip"] and not r["variants"]["lp"]["is_mip"]
    for name, v in r["variants"].items():
        assert v["runs"] == 3
        assert v["objective_mismatches"] == [], name
        assert v["live_runs"] == {"live": 3, "declined": 0}, name  # only bounds change
        assert set(v["median_s"]) == {"cold", "warm", "live", "live_ranging", "floor"}
        assert v["live_ranging_runs"] == {"live": 3, "declined": 0}, name
        assert all(t > 0 for t in v["median_s"].values())
    assert r["variants"]["mip"]["warm_kinds"] == ["fixed_lp_basis"]
    assert r["variants"]["lp"]["warm_kinds"] == ["basis"]
    jobs = r["jobs"]
    assert {b["jobs"] for b in jobs["batches"]} == {1, 2}
    for b in jobs["batches"]:
        assert b["exit"] == 0, b["stderr"]
        assert b["counts"]["ok"] == 2 and b["counts"]["failed"] == 0
    assert jobs["speedup"] > 0


@pytest.mark.parametrize("variant", ["mip", "lp"])
def test_warm_sequence_matches_cold(variant):
    inst = load_instance(TUTORIAL)
    options = SolveOptions(mip_rel_gap=0.0)
    if variant == "lp":
        base = solve(inst, options, compare_status_quo=False)
        options = SolveOptions(mip_rel_gap=0.0, fixed_builds=tuple(
            (r["module"], r["online_period"], int(r["count"]))
            for _, r in base.tables["builds"].iterrows()))
    prev = None
    kinds = []
    for run in parse_sweep(f"{TARGET}=0..100%:4"):
        cold = solve(inst, options, run.overrides)
        warm = solve(inst, options, run.overrides,
                     warm_start=prev.outcome if prev is not None else None)
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
        assert warm.verification.get("ok", True)
        kinds.append(warm.outcome.warm_start)
        prev = warm
    assert kinds[0] is None
    assert set(kinds[1:]) == {"fixed_lp_basis" if variant == "mip" else "basis"}


def test_mip_warm_start_regression_ree_baseline():
    inst = load_instance(BASELINE)
    at = [(parse_override(f"export_quotas:CHN,Dy:cap_t*={f}"),) for f in (0.5, 0.2)]
    prev = solve(inst, SolveOptions(), at[0], compare_status_quo=False, verify=False)
    cold = solve(inst, SolveOptions(), at[1], compare_status_quo=False)
    warm = solve(inst, SolveOptions(), at[1], compare_status_quo=False,
                 warm_start=prev.outcome)  # verify=True: raised SolverError before the fix
    assert warm.verification["ok"]
    assert warm.objective == pytest.approx(cold.objective, rel=1e-4)
    assert warm.outcome.warm_start == "fixed_lp_basis"
