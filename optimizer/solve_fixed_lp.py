"""A start for a MIP's fixed LP: the LP relaxation's basis, solved on the second core.

A MIP has no duals, so its shadow prices come from the LP with the builds fixed at the MIP's
counts (the *fixed LP*, :func:`optimizer.solve.with_fixed_builds`). Solved from nothing, that
LP costs as much as the MIP itself: at the medium preset (105k columns, 98 builds) the MIP is
one root LP (52,186 simplex iterations) plus rounding, and the fixed LP took 47,179. What
HiGHS offers after a MIP gives no better start (measured on the medium preset's model, HiGHS
1.16, simplex iterations of the fixed LP):

* from nothing: 47,179;
* ``setSolution`` with the MIP's point, so that HiGHS forms a basis from it
  (``Highs::basisForSolution``): 52,274. The point is very degenerate (9,834 of 17,941 basic
  positions are strictly between bounds), and the basis is filled up arbitrarily;
* ``crossover`` from that point (no duals to give it): stops at once; then 59,810;
* a basis of the point formed here (between bounds = basic, binding slacks filling the
  rest): 53,877; presolve off: 50,237; the primal simplex (slack basis, presolve off): 134,751;
* HiGHS has no option that keeps the MIP's root LP basis or solves the fixed LP for duals.

What does help is the basis of the LP relaxation: the fixed LP differs from it only in the
bounds of the build columns, so the dual simplex re-solves from it in 2,185 iterations
(2.2 s instead of 12.7 s of CPU time on a loaded machine). The relaxation costs about what
the fixed LP costs from nothing (45,062 iterations), so it pays only where it runs alongside
the MIP, on a second core: :func:`start_relaxation` forks a child that solves it while the
parent solves the MIP, and :func:`relaxation_basis` hands the basis over once the MIP is
done. Waiting for it is never much worse than the cold start it replaces: the child started
with the MIP, and its whole work is a cold solve of the same size.

The child then goes on to the report's status-quo LP (every build at 0), from the same
basis, which the parent would otherwise solve after the shadow prices (1.6 s at medium):
:func:`optimizer.solve.resolve_builds` takes it from the child (:func:`status_quo_outcome`).

The relaxation is the fixed LP with the build columns' bounds freed again (``0 ≤ builds ≤
max_count``, continuous), so that rows the fixed LP relaxes (see ``with_fixed_builds``) are
relaxed in both. Shadow prices are the fixed LP's optimal duals whichever basis it starts
from; where they are unique they are identical, where the LP is degenerate another optimal
basis may price a degenerate row differently (as any two correct solves may).
"""

from __future__ import annotations

import numpy as np

STATUS_CODES = ("kLower", "kBasic", "kUpper", "kZero", "kNonbasic")
"""HiGHS's basis statuses in the order of their integer values (``HighsBasisStatus``)."""


def relaxation_lp(compiled):
    """The LP relaxation of ``compiled``'s MIP, with the fixed LP's rows: a ``HighsLp``.

    ``compiled.lp`` with every build column continuous between its MIP bounds, and the rows as
    :func:`optimizer.solve.with_fixed_builds` gives them to the fixed LP.
    """
    from optimizer.highs_model import with_fixed_builds

    ints = compiled.integer_cols
    # Every integer family (builds, contract signings) by name: the copy is then an LP.
    zero = np.zeros(int(compiled.col_index[ints].max()) + 1 if len(ints) else 0)
    relaxed = with_fixed_builds(compiled, {f: zero for f in set(
        np.asarray(compiled.col_family, dtype=object)[ints])} or zero).lp
    lower = np.array(relaxed.col_lower_, dtype=float)
    upper = np.array(relaxed.col_upper_, dtype=float)
    lower[ints] = np.asarray(compiled.lp.col_lower_, dtype=float)[ints]
    upper[ints] = np.asarray(compiled.lp.col_upper_, dtype=float)[ints]
    relaxed.col_lower_, relaxed.col_upper_ = lower, upper
    return relaxed


def solve_relaxation(compiled, options):
    """Solve the LP relaxation (:func:`relaxation_lp`); yield its basis, then the status quo.

    First ``{"col": [...], "row": [...]}``, the integer value of each ``HighsBasisStatus``
    (None if the relaxation did not reach optimality, and nothing more). Then the status-quo
    LP (every build at 0, the report's "before"), re-solved from that basis: ``{"termination",
    "objective", "col_value"}`` (the column values as float64 bytes in base64), for
    :func:`status_quo_outcome`. One thread: it runs next to the MIP.
    """
    import base64

    import highspy

    from optimizer.highs_runtime import _new_highs, set_lp_algorithm, termination_of

    # A forked child inherits the parent's HiGHS scheduler but none of its threads: start a
    # fresh one. Without this, a process that had solved anything before forking (a batch
    # worker, a test session) gets a child whose run() fails ('threads' differs from the
    # scheduler's), and the fixed LP silently falls back to a cold start.
    highspy.Highs.resetGlobalScheduler(True)
    h = _new_highs(options)
    h.setOptionValue("threads", 1)
    if options.lp_algorithm in ("simplex", "parallel"):
        set_lp_algorithm(h, "simplex")  # the parallel simplex would take the MIP's core
    h.passModel(relaxation_lp(compiled))
    h.run()
    basis = h.getBasis()
    if termination_of(h) != "optimal" or not basis.valid:
        yield None
        return
    yield {"col": [int(s) for s in basis.col_status], "row": [int(s) for s in basis.row_status]}
    ints = compiled.integer_cols.astype(np.int32)
    zero = np.zeros(len(ints))
    h.changeColsBounds(len(ints), ints, zero, zero)
    h.run()
    termination = termination_of(h)
    solved = termination == "optimal" and h.getInfo().primal_solution_status == 2
    yield {"termination": termination,
           "objective": float(h.getInfo().objective_function_value) if solved else None,
           "col_value": base64.b64encode(np.asarray(h.getSolution().col_value, dtype=np.float64)
                                         .tobytes()).decode() if solved else None}


def start_relaxation(compiled, options):
    """Fork a child solving the LP relaxation (:func:`solve_relaxation`); a handle or None.

    None where no second core can take it (:func:`optimizer.forked.worth_it`).
    """
    from optimizer import forked

    if not forked.worth_it(compiled.lp.num_col_):
        return None
    return forked.start(lambda: solve_relaxation(compiled, options))


def relaxation_basis(started):
    """Wait for the child of :func:`start_relaxation`; its basis as a ``HighsBasis``, or None."""
    import highspy

    got = started.result() if started is not None else None
    if not got:
        return None
    status = [getattr(highspy.HighsBasisStatus, name) for name in STATUS_CODES]
    basis = highspy.HighsBasis()
    basis.col_status = [status[s] for s in got["col"]]
    basis.row_status = [status[s] for s in got["row"]]
    basis.valid = True
    return basis


def hand_status_quo_to(lp_h, started) -> None:
    """Leave the child's coming status quo with ``lp_h``, the solved fixed LP, for
    :func:`optimizer.solve.resolve_builds`; the child is stopped when ``lp_h`` goes."""
    import weakref

    lp_h.status_quo_child = started
    started.handed_over = True  # solve_compiled leaves it running
    weakref.finalize(lp_h, started.stop)


def status_quo_outcome(md, compiled, started):
    """The status quo the child of :func:`start_relaxation` solved, as ``resolve_builds``
    gives it (a SolveOutcome with values), or None if it has none to give."""
    import base64
    import time

    from optimizer.highs_model import _scatter
    from optimizer.highs_runtime import highs_version
    from optimizer.solve_options import SolveOutcome

    t0 = time.perf_counter()
    got = started.result()
    started.stop()
    if not got or got.get("termination") is None:
        return None
    has_solution = got["objective"] is not None
    outcome = SolveOutcome(
        termination=got["termination"], has_solution=has_solution,
        objective=got["objective"], best_bound=None, gap=0.0 if has_solution else None,
        is_mip=False, solver="highs", solver_version=highs_version(), duals_source=None,
        times_s={"solve": time.perf_counter() - t0}, n_variables=compiled.lp.num_col_,
        n_constraints=compiled.lp.num_row_)
    if has_solution:
        x = np.frombuffer(base64.b64decode(got["col_value"]), dtype=np.float64)
        outcome.values = _scatter(md, compiled, x, rows=False)
    return outcome
