"""A MIP's fixed LP started from the LP relaxation's basis, solved in a forked child.

The shadow prices must be those of the fixed LP whatever basis it starts from: the expansion
MIP of tests/formulation/test_expansion.py (unique duals, derived by hand there and repeated
below) gives the same prices with the relaxation's start, with a child that fails, and from
nothing.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from optimizer import forked
from optimizer.api import solve
from optimizer.solve import SolveOptions, compile_arrays
from tests.formulation.test_expansion import _sheets

needs_fork = pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")

# Fixed-LP duals of the expansion MIP (builds: one small online in P1, one big in P2), derived
# in test_expansion.test_one_small_now_one_big_later: made Nd costs (10 + 10)/0.5 = 40 per t,
# bought Nd 100. P1 and P3: plant full, 1 t bought at the margin → demand 100, plant capacity
# 20 − 0.5·100 = −30 per t REO. P2: 5 t Nd of room → demand 40 (made), capacity 0.
EXPECTED = (("P1", 100, -30), ("P2", 40, 0), ("P3", 100, -30))


def _check_duals(kit, run):
    assert run.objective == pytest.approx(2050, rel=1e-6)
    assert run.outcome.duals_source == "fixed_lp"
    for period, y_d, y_cap in EXPECTED:
        assert kit.dual(run, "demand_balance", period=period) == pytest.approx(y_d, abs=1e-6)
        assert kit.dual(run, "plant_capacity", plant="P", period=period) == \
            pytest.approx(y_cap, abs=1e-6)


@needs_fork
def test_fixed_lp_from_the_relaxation_basis_gives_the_hand_derived_duals(kit):
    """With a spare core the fixed LP starts from the relaxation's basis: same prices."""
    run = solve(kit.instance(_sheets(kit)), SolveOptions(mip_rel_gap=0), parallel=True)
    assert run.outcome.warm_start == "relaxation_basis"
    _check_duals(kit, run)


@needs_fork
def test_the_child_solves_the_status_quo_too(kit):
    """No builds at all: plant P has no capacity, so all 6 + 10 + 16 = 32 t Nd are bought at
    100: 3,200 (the "nothing" plan of test_expansion's table). The child sends it after the
    basis; the parent's fixed LP keeps the plan's builds (it was not re-solved with 0)."""
    run = solve(kit.instance(_sheets(kit)), SolveOptions(mip_rel_gap=0), parallel=True)
    assert run.outcome.warm_start == "relaxation_basis"
    summary = run.tables["status_quo_summary"].iloc[0]
    assert summary["status"] == "optimal"
    assert summary["objective_usd"] == pytest.approx(3200, rel=1e-6)
    assert summary["unmet_t"] == pytest.approx(0, abs=1e-9)
    # The fixed LP still holds the plan's builds (one small, one big: counts summing to 2);
    # re-solved for the status quo in the parent, they would all be 0.
    fixed = run.outcome.lp_highs.getLp()
    ints = compile_arrays(run.model_data).integer_cols
    assert np.asarray(fixed.col_lower_)[ints].sum() == 2
    assert np.asarray(fixed.col_upper_)[ints].sum() == 2


@needs_fork
def test_a_failed_relaxation_falls_back_to_the_cold_fixed_lp(kit, monkeypatch):
    """The child raises: no start, the fixed LP is solved from nothing, prices unchanged."""
    import optimizer.solve_fixed_lp as sfl

    def broken(compiled, options):
        raise MemoryError("no room for the relaxation")

    monkeypatch.setattr(sfl, "solve_relaxation", broken)  # the forked child inherits it
    run = solve(kit.instance(_sheets(kit)), SolveOptions(mip_rel_gap=0), parallel=True)
    assert run.outcome.warm_start is None
    _check_duals(kit, run)


@needs_fork
def test_fixed_lp_start_cold_keeps_the_child_away(kit):
    """SolveOptions(fixed_lp_start="cold") with parallel=True: no relaxation, same prices."""
    run = solve(kit.instance(_sheets(kit)), SolveOptions(mip_rel_gap=0, fixed_lp_start="cold"),
                parallel=True)
    assert run.outcome.warm_start is None
    _check_duals(kit, run)


def test_without_parallel_no_child_and_the_same_duals(kit):
    """A batch worker (parallel=False) solves the fixed LP from nothing, as before."""
    run = solve(kit.instance(_sheets(kit)), SolveOptions(mip_rel_gap=0))
    assert run.outcome.warm_start is None
    _check_duals(kit, run)


def test_relaxation_lp_frees_the_builds_and_keeps_the_fixed_lps_rows(kit):
    """Builds continuous in [0, max_count] (small ≤ 3, big ≤ 1); other columns and the rows as
    in the fixed LP; and solved, its cost is at most the MIP's 2050 (it relaxes the MIP)."""
    from optimizer.formulation import build_model
    from optimizer.solve import with_fixed_builds
    from optimizer.solve_fixed_lp import relaxation_lp, solve_relaxation

    _, md = build_model(kit.instance(_sheets(kit)), pyomo=False)
    compiled = compile_arrays(md)
    relaxed = relaxation_lp(compiled)
    fixed = with_fixed_builds(compiled, np.ones(len(md.var_ix["modules_built"]))).lp
    ints = compiled.integer_cols
    modules = md.var_ix["modules_built"]["module"].to_numpy()[compiled.col_index[ints]]
    assert list(np.asarray(relaxed.col_upper_)[ints]) == [3.0 if m == "small" else 1.0
                                                         for m in modules]
    assert not np.asarray(relaxed.col_lower_)[ints].any()
    assert len(relaxed.integrality_) == 0  # an LP
    others = np.setdiff1d(np.arange(compiled.lp.num_col_), ints)
    assert np.array_equal(np.asarray(relaxed.col_upper_)[others],
                          np.asarray(fixed.col_upper_)[others])
    assert np.array_equal(np.asarray(relaxed.row_lower_), np.asarray(fixed.row_lower_))
    assert np.array_equal(np.asarray(relaxed.row_upper_), np.asarray(fixed.row_upper_))
    basis = next(solve_relaxation(compiled, SolveOptions()))
    assert len(basis["col"]) == compiled.lp.num_col_
    assert len(basis["row"]) == compiled.lp.num_row_
    assert sum(s == 1 for s in basis["col"] + basis["row"]) == compiled.lp.num_row_  # kBasic


@needs_fork
def test_started_child_returns_its_result_or_none_on_failure():
    """forked.start: the result of fn read back; a raising fn gives None and its error."""
    started = forked.start(lambda: {"pid": os.getpid()})
    got = started.result()
    assert got["pid"] != os.getpid()

    def fail():
        raise ValueError("bad basis")

    started = forked.start(fail)
    assert started.result() is None
    assert started.error == "ValueError: bad basis"


@needs_fork
def test_stopping_a_started_child_kills_it_at_once():
    """stop() on a child that would run for a minute returns within seconds, child gone."""
    started = forked.start(lambda: time.sleep(60))
    pid = started.pid
    t0 = time.perf_counter()
    started.stop()
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: no such process
