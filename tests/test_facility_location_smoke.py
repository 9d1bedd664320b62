"""Smoke test of benchmarks/facility_location.py (no timed assertions).

The generator's tiny instance (4 sites × 12 customers), solved to proven optimality (gap 0)
four ways: the tool end to end (``solve``, verified), the compact highspy model with aggregated
capacity rows, the same with strong links, and the tool's model as it was before the
tightening. All are the same problem, so all four optima must agree; the tool's plan must open
the sites the reference opens.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer.api import solve
from optimizer.solve import SolveOptions, new_highs_object

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import facility_location as fl  # noqa: E402


def test_generator_is_seeded_and_consistent():
    """Same seed, same arrays; total capacity is 4× total demand (up to rounding to cents)."""
    a, b = fl.generate(4, 12, seed=5), fl.generate(4, 12, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(
        (a.fixed_usd, a.capacity_t, a.demand_t, a.cost_usd_per_t),
        (b.fixed_usd, b.capacity_t, b.demand_t, b.cost_usd_per_t)))
    assert a.capacity_t.sum() == pytest.approx(4 * a.demand_t.sum(), rel=1e-3)
    sheets = fl.to_sheets(a)
    assert len(sheets["modules"]) == 4 and len(sheets["demands"]) == 12
    assert len(sheets["lanes"]) == 4 + 4 * 12
    assert all(r["capacity_t"] == 0 for r in sheets["plants"])
    assert all(r["max_count"] == 1 for r in sheets["modules"])


def test_tiny_optima_agree():
    p = fl.generate(*fl.SIZES["tiny"], seed=0)
    exact = {"mip_rel_gap": 0.0}  # threads: HiGHS refuses a new count once its pool runs
    ref = {}
    for strong in (False, True):
        h = new_highs_object()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.passModel(fl.reference_lp(p, strong))
        h.run()
        assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
        ref[strong] = (h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value))
    assert ref[False][0] == pytest.approx(ref[True][0], rel=1e-9)
    run = solve(fl.tool_instance(p), SolveOptions(mip_rel_gap=0))
    assert run.objective == pytest.approx(ref[True][0], rel=1e-9)
    assert run.verification["ok"], run.verification
    opened_ref = {f"S{i:03d}" for i in np.flatnonzero(ref[True][1][:len(p.fixed_usd)] > 0.5)}
    builds = run.tables["builds"]
    assert set(builds.loc[builds["count"] > 0.5, "site"]) == opened_ref
    before, _, status, _ = fl.solve_mip(fl.tool_lp(p, before=True), exact)
    assert status == "Optimal" and before == pytest.approx(ref[True][0], rel=1e-9)
