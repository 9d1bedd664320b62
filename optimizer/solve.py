"""A solve: the hand-off to HiGHS, the run, and what is read back (values, shadow prices).

The parts live in their own modules and are re-exported here for callers:
:mod:`optimizer.solve_options` (what a solve is asked and returns), :mod:`optimizer.highs_model`
(the matrix, fixed builds) and :mod:`optimizer.highs_runtime` (a Highs at work);
:mod:`optimizer.solve_fixed_lp` starts a MIP's fixed LP from its relaxation and imports only
those lower modules, so imports run one way.

Path: the formulation's families, recorded as term arrays (``md.families``), are assembled
into one column-wise sparse matrix with scipy and handed to ``highspy.Highs.passModel`` in
bulk (:func:`compile_arrays`). The Pyomo model built by the same family functions can instead
go through Pyomo's ``LinearStandardFormCompiler`` (:func:`compile_model`); both give the same
matrix, and tests/test_backends.py holds them to it. Owning the Highs object keeps warm
starts, ranging, the fixed-LP re-solve of a MIP and IIS reachable. ``options.solver`` other than
``"highs"`` sends the model to any Pyomo solver instead (values and LP duals only). A batch
worker keeps one Highs alive across runs instead (optimizer/live.py), built from these parts.

Sign convention of shadow prices (HiGHS's row duals, passed through unchanged): the dual of a
row is the change in the optimal objective (expected discounted USD) per unit increase of its
right-hand side. Minimising cost, a ≤ capacity row has a dual ≤ 0; the demand rows are
equalities, whose dual is free in sign (usually ≥ 0: see add_demand_balance).
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.errors import InfeasibleError, SolverError
from optimizer.highs_model import (
    CompiledModel,
    _highs_lp,
    _scatter,
    compile_arrays,
    compile_model,
    free_implied_rows,
    highs_lp_from_csc,
    integer_targets,
    with_fixed_builds,
)
from optimizer.highs_runtime import (
    _new_highs,
    _termination,
    highs_version,
    mip_progress,
    new_highs_object,
    read_rhs_ranges,
    read_shadow_prices,
    return_large_frees_to_os,
    run_highs,
    set_lp_algorithm,
    termination_of,
)
from optimizer.solve_options import LP_ALGORITHMS, TERMINATION, SolveOptions, SolveOutcome


def _same_shape(compiled: CompiledModel):
    """A test: does a Highs object hold a valid basis of a model of ``compiled``'s shape?"""
    def same_shape(prev_h):
        return prev_h is not None and prev_h.getNumCol() == compiled.lp.num_col_ \
            and prev_h.getNumRow() == compiled.lp.num_row_ and prev_h.getBasis().valid
    return same_shape


def solve_compiled(md, compiled: CompiledModel, options: SolveOptions,
                   warm_start=None, ranging: bool = True,
                   concurrent: bool = False) -> SolveOutcome:
    """Solve with HiGHS; for a MIP, re-solve the LP with builds fixed to get shadow prices.

    ``warm_start`` is a previous outcome of a model with the same rows and columns (a batch
    run that changed only data): its basis starts this LP, or this MIP's fixed-LP re-solve
    (``outcome.warm_start`` says which; None = cold). ``ranging=False`` leaves the RHS ranges
    to the caller (:func:`read_rhs_ranges` on :func:`dual_highs`), who can do other work
    around it. ``concurrent`` lets a MIP without such a basis solve its LP relaxation in a
    forked child while the MIP runs, to start the fixed LP from
    (:mod:`optimizer.solve_fixed_lp`; ``warm_start`` "relaxation_basis"): for a single run
    with a spare core, not inside a batch's workers.
    """

    times = {}
    h = _new_highs(options)
    is_mip = len(compiled.integer_cols) > 0
    if not is_mip:
        set_lp_algorithm(h, options.lp_algorithm)
    t0 = time.perf_counter()
    h.passModel(compiled.lp)
    times["handoff"] = time.perf_counter() - t0
    warm = None

    same_shape = _same_shape(compiled)

    # A MIP gets no start solution: with HiGHS 1.16 a previous run's incumbent as MIP start
    # sometimes came back as "optimal" with a wrong objective and bound (the Dy export-quota
    # sweep of ree_baseline.xlsx at 20 %), and it did not make the MIP faster (docs/batch.md).
    # A MIP's warm start is the basis of its fixed-LP re-solve (below).
    prev = getattr(warm_start, "highs", None)
    if not is_mip and same_shape(prev):
        h.setBasis(prev.getBasis())
        warm = "basis"
    relaxation = None
    if is_mip and options.duals and concurrent and options.fixed_lp_start == "auto" and \
            not same_shape(getattr(warm_start, "lp_highs", None)):
        from optimizer.solve_fixed_lp import start_relaxation

        relaxation = start_relaxation(compiled, options)
    try:
        t0 = time.perf_counter()
        run_highs(h)
        times["solve"] = time.perf_counter() - t0
        tie = _cvar_tie_break(md, compiled, options, h, times)
        return _after_solve(md, compiled, options, h, is_mip, warm, warm_start, relaxation,
                            times, ranging, tie)
    finally:
        if relaxation is not None and not relaxation.handed_over:
            relaxation.stop()


def _cvar_tie_break(md, compiled, options, h, times):
    """At λ = 1, the second, lexicographic solve (:mod:`optimizer.cvar_tie_break`); else None."""
    from optimizer import cvar_tie_break

    if not cvar_tie_break.applies(md) or _termination(h) != "optimal":
        return None
    t0 = time.perf_counter()
    tie = cvar_tie_break.least_expected_cost(md, compiled, options, h, times.get("solve", 0.0))
    times["tie_break"] = time.perf_counter() - t0
    return tie


def _after_solve(md, compiled, options, h, is_mip, warm, warm_start, relaxation, times,
                 ranging, tie=None):
    """The rest of :func:`solve_compiled`: outcome, values, and the duals (fixed LP).

    With ``tie`` (λ = 1), the values are its second solve's plan and the objective that plan's
    CVaR; the bound, an LP's duals and the warm-start basis stay the first solve's.
    """
    same_shape = _same_shape(compiled)
    termination = _termination(h)
    info = h.getInfo()
    # kSolutionStatusFeasible; a feasible point of an unbounded model is not a plan.
    has_solution = info.primal_solution_status == 2 and termination != "unbounded"
    outcome = SolveOutcome(
        termination=termination, has_solution=has_solution,
        objective=float(info.objective_function_value) if has_solution else None,
        best_bound=float(info.mip_dual_bound) if is_mip else None,
        gap=float(info.mip_gap) if is_mip and has_solution else (0.0 if has_solution else None),
        is_mip=is_mip, solver="highs", solver_version=highs_version(),
        duals_source=None, times_s=times, n_variables=compiled.lp.num_col_,
        n_constraints=compiled.lp.num_row_, n_integer=len(compiled.integer_cols))
    outcome.warm_start = warm
    if not is_mip and has_solution:
        outcome.best_bound = outcome.objective
    if not has_solution:
        return outcome
    from optimizer.cvar_tie_break import adopt

    values_h = adopt(outcome, tie, h)
    t0 = time.perf_counter()
    sol = values_h.getSolution()
    x = np.asarray(sol.col_value)
    outcome.values = _scatter(md, compiled, x, rows=False)
    outcome.activity = _scatter(md, compiled, np.asarray(sol.row_value), rows=True)
    times["extract"] = time.perf_counter() - t0
    if options.duals:
        t0 = time.perf_counter()
        lp_h = h
        if is_mip:
            lp_h = _new_highs(options)
            if options.lp_algorithm == "parallel":
                set_lp_algorithm(lp_h, "parallel")
            lp_h.passModel(with_fixed_builds(compiled, outcome.values).lp)
            prev_lp = getattr(warm_start, "lp_highs", None)
            if same_shape(prev_lp):
                lp_h.setBasis(prev_lp.getBasis())
                warm = "fixed_lp_basis"
            elif relaxation is not None:
                import highspy

                from optimizer.solve_fixed_lp import relaxation_basis

                basis = relaxation_basis(relaxation)
                if basis is not None and lp_h.setBasis(basis) != highspy.HighsStatus.kError:
                    warm = "relaxation_basis"
            # No setSolution(MIP incumbent) otherwise: it is no basis, and HiGHS 1.16's simplex
            # took more iterations from it than from nothing (baseline 4,192 vs 2,453; medium
            # preset 52,274 vs 47,179, 12.9 s vs 9.8 s).
            run_highs(lp_h)
            if _termination(lp_h) != "optimal":
                outcome.message = "fixed-LP re-solve for shadow prices did not reach optimality"
                outcome.warm_start = warm
                times["duals"] = time.perf_counter() - t0
                return outcome
        elif options.lp_algorithm == "ipm":
            lp_h.setOptionValue("solver", "simplex")  # ranging needs a basis: 0 iterations
            run_highs(lp_h)
        outcome.warm_start = warm
        if warm == "relaxation_basis":
            from optimizer.solve_fixed_lp import hand_status_quo_to

            hand_status_quo_to(lp_h, relaxation)  # the child solves the status quo next
        read_shadow_prices(md, compiled, lp_h, outcome, "fixed_lp" if is_mip else "lp",
                           ranging=ranging)
        times["duals"] = time.perf_counter() - t0
    outcome.highs = h  # kept for warm re-solves and IIS within this process
    if options.duals and is_mip:
        outcome.lp_highs = lp_h  # the fixed LP, optimal basis in hand (see resolve_builds)
    return outcome


def dual_highs(outcome: SolveOutcome):
    """The Highs object holding the LP whose duals ``outcome`` reports (None without duals)."""
    if outcome.duals_source is None:
        return None
    return getattr(outcome, "lp_highs" if outcome.is_mip else "highs", None)


def resolve_builds(md, compiled: CompiledModel, lp_h, counts) -> SolveOutcome:
    """Re-solve an optimal fixed LP (``outcome.lp_highs``) with the builds set to ``counts``.

    Only the bounds of the build columns change, so HiGHS starts from the optimal basis it
    holds (dual simplex warm start): far cheaper than solving the fixed LP again from scratch.
    Values only (no shadow prices). ``lp_h`` is changed in place. The status quo (every
    count 0) of a fixed LP that started from the relaxation's basis comes from the child
    that solved the relaxation, which went on to it (:mod:`optimizer.solve_fixed_lp`).
    """
    ints, values = integer_targets(compiled, counts)
    child = getattr(lp_h, "status_quo_child", None)
    if child is not None and not values.any():
        from optimizer.solve_fixed_lp import status_quo_outcome

        lp_h.status_quo_child = None
        outcome = status_quo_outcome(md, compiled, child)
        if outcome is not None:
            return outcome
    t0 = time.perf_counter()
    lp_h.changeColsBounds(len(ints), ints.astype(np.int32), values, values)
    run_highs(lp_h)
    termination = _termination(lp_h)
    info = lp_h.getInfo()
    has_solution = termination == "optimal" and info.primal_solution_status == 2
    outcome = SolveOutcome(
        termination=termination, has_solution=has_solution,
        objective=float(info.objective_function_value) if has_solution else None,
        best_bound=None, gap=0.0 if has_solution else None, is_mip=False, solver="highs",
        solver_version=highs_version(), duals_source=None,
        times_s={"solve": time.perf_counter() - t0}, n_variables=compiled.lp.num_col_,
        n_constraints=compiled.lp.num_row_)
    if has_solution:
        outcome.values = _scatter(md, compiled, np.asarray(lp_h.getSolution().col_value),
                                  rows=False)
    return outcome


def solve_with_pyomo(m, md, options: SolveOptions) -> SolveOutcome:
    """Solve with another Pyomo solver (``--solver NAME``): values, and duals for an LP."""
    import pyomo.environ as pyo

    times = {}
    opt = pyo.SolverFactory(options.solver)
    if not opt.available(exception_flag=False):
        raise SolverError(f"solver '{options.solver}' is not available to Pyomo on this machine; "
                          "install it or use --solver highs")
    is_mip = len(md.var_ix["modules_built"]) > 0 or len(md.var_ix["contract_signed"]) > 0
    if not is_mip:
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    t0 = time.perf_counter()
    res = opt.solve(m, load_solutions=False, tee=options.verbose)
    times["solve"] = time.perf_counter() - t0
    tc = str(res.solver.termination_condition)
    ok = tc in ("optimal",) and len(res.solution) > 0
    outcome = SolveOutcome(termination="optimal" if ok else tc, has_solution=ok, objective=None,
                           best_bound=None, gap=None, is_mip=is_mip, solver=options.solver,
                           solver_version=str(opt.version() if hasattr(opt, "version") else ""),
                           duals_source=None, times_s=times)
    if not ok:
        return outcome
    m.solutions.load_from(res)
    outcome.objective = float(pyo.value(m.total_cost))
    outcome.values = {f: np.array([pyo.value(getattr(m, f)[k], exception=False) or 0.0
                                   for k in range(len(ix))]) for f, ix in md.var_ix.items()}
    if not is_mip:
        outcome.duals = {f: np.array([m.dual.get(getattr(m, f)[k], 0.0) if k in getattr(m, f)
                                      else 0.0 for k in range(len(ix))]) if hasattr(m, f) else
                         np.zeros(len(ix)) for f, ix in md.con_ix.items()}
        outcome.duals_source = "lp"
    return outcome


def check_outcome(outcome: SolveOutcome, options: SolveOptions) -> None:
    """Raise unless the outcome is optimal (or feasible and ``allow_nonoptimal``)."""
    if outcome.termination == "optimal" and outcome.has_solution:
        return
    if outcome.has_solution and options.allow_nonoptimal:
        return
    limit = "the time limit" if outcome.termination == "time_limit" else \
        f"a solver limit ({outcome.termination})"
    if outcome.termination == "time_limit" and options.time_limit_s:
        limit = f"the time limit of {options.time_limit_s:g} s"
    if outcome.has_solution:
        raise InfeasibleError(
            f"the solver stopped at {limit} with a plan that may not be optimal: its cost is "
            f"within {(outcome.gap or 0) * 100:.3g} % of the best possible (gap); pass "
            "--allow-nonoptimal to accept it, or raise --time-limit")
    if outcome.termination == "unbounded":
        raise InfeasibleError("the model is unbounded: some cost can fall without limit "
                              "(check for negative costs on a lane without capacity)")
    if outcome.termination in ("time_limit", "iteration_limit", "solution_limit"):
        raise InfeasibleError(f"no plan found: the solver stopped at {limit} before finding "
                              "any plan; raise --time-limit")
    raise InfeasibleError(f"no plan found: the solver reports '{outcome.termination}'")


__all__ = [  # the solve's own functions, and the names callers import from here
    "LP_ALGORITHMS", "TERMINATION", "CompiledModel", "SolveOptions", "SolveOutcome",
    "_highs_lp", "_new_highs", "_scatter", "check_outcome", "compile_arrays", "compile_model",
    "dual_highs", "free_implied_rows", "highs_lp_from_csc", "highs_version", "mip_progress",
    "new_highs_object", "read_rhs_ranges", "read_shadow_prices", "resolve_builds",
    "return_large_frees_to_os", "run_highs", "set_lp_algorithm", "solve_compiled",
    "solve_with_pyomo", "termination_of", "with_fixed_builds"]
