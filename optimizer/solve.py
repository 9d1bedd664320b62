"""The hand-off to HiGHS and the ``highspy.Highs`` object of a solve.

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
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from optimizer.errors import InfeasibleError, SolverError

TERMINATION = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kSolutionLimit": "solution_limit",
    "kInterrupt": "interrupted",
    "kObjectiveBound": "objective_bound",
    "kObjectiveTarget": "objective_target",
    "kModelEmpty": "optimal",
}


LP_ALGORITHMS = ("choose", "simplex", "parallel", "ipm", "pdlp")
"""Values of ``SolveOptions.lp_algorithm``: HiGHS's ``solver`` option, plus ``parallel``, its
parallel dual simplex (PAMI, ``simplex_strategy`` 2). On 2 cores the medium preset's LP took
5.9 s instead of 8.1 s with it (same 45,077 iterations, same optimum), and a MIP's fixed-LP
re-solve 6.6 s instead of 8.9 s. Not the default: it needs a spare core, which a batch's
workers do not have."""


@dataclass(frozen=True)
class SolveOptions:
    """Solver options; defaults are what a planner gets from ``supplyopt solve``."""

    solver: str = "highs"
    time_limit_s: float | None = None
    mip_rel_gap: float = 1e-4  # HiGHS's default; tests pass 0 for exact optima
    threads: int | None = None
    lp_algorithm: str = "choose"  # LP_ALGORITHMS; a MIP uses it for its fixed-LP re-solve only
    # A MIP's fixed LP (shadow prices): "auto" starts it from the LP relaxation, solved in a
    # forked child alongside the MIP when solve(parallel=True) has a spare core
    # (optimizer/solve_fixed_lp.py); "cold" from nothing (or a previous run's basis).
    fixed_lp_start: str = "auto"
    duals: bool = True  # fixed-LP re-solve after a MIP, ranging
    allow_nonoptimal: bool = False  # accept a time-limited feasible plan (with its gap)
    verbose: bool = False
    # Evaluate a given investment plan: ((module, online_period, count), ...) fixes every module
    # build (unlisted = 0; () = no new builds); None leaves the builds to the optimiser.
    fixed_builds: tuple | None = None


@dataclass
class SolveOutcome:
    """What a solve returned. Termination and solution status are kept apart."""

    termination: str
    has_solution: bool
    objective: float | None
    best_bound: float | None
    gap: float | None
    is_mip: bool
    solver: str
    solver_version: str
    duals_source: str | None  # "lp", "fixed_lp" (MIP with builds fixed) or None
    times_s: dict = field(default_factory=dict)
    n_variables: int = 0
    n_constraints: int = 0
    n_integer: int = 0
    values: dict = field(default_factory=dict)  # family → array aligned with md.var_ix
    duals: dict = field(default_factory=dict)  # family → array aligned with md.con_ix
    activity: dict = field(default_factory=dict)
    rhs_range: dict = field(default_factory=dict)  # family → (low, high) arrays
    message: str = ""
    warm_start: str | None = None  # "basis" (LP), "fixed_lp_basis" (MIP's dual re-solve), None

    @property
    def status(self) -> str:
        """One word for tables: optimal, feasible (limit reached with a plan) or the failure."""
        if self.termination == "optimal":
            return "optimal"
        return "feasible" if self.has_solution else self.termination


@dataclass
class CompiledModel:
    """The model as arrays, plus maps from columns/rows back to (family, index)."""

    lp: object
    col_family: list
    col_index: np.ndarray
    row_family: list
    row_index: np.ndarray
    integer_cols: np.ndarray
    offset: float


def _highs_lp(A, cost, lower, upper, row_lower, row_upper, integer, offset=0.0):
    A = A.tocsc()
    return highs_lp_from_csc(A.shape[1], A.shape[0], A.indptr, A.indices, A.data, cost, lower,
                             upper, row_lower, row_upper, integer, offset)


def highs_lp_from_csc(n_cols: int, n_rows: int, start, index, value, cost, lower, upper,
                      row_lower, row_upper, integer=None, offset: float = 0.0):
    """A ``highspy.HighsLp`` from column-wise (CSC) arrays: what ``passModel`` receives.

    ``integer`` is a boolean per column (None or all False: an LP).
    """
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(n_cols), int(n_rows)
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(lower, dtype=float)
    lp.col_upper_ = np.asarray(upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(start).astype(np.int32)
    lp.a_matrix_.index_ = np.asarray(index).astype(np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    if integer is not None and np.any(integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    lp.offset_ = offset
    return lp


def compile_arrays(md) -> CompiledModel:
    """The families' term arrays → one HighsLp, without Pyomo (the default path).

    Columns are the variable families in ``VAR_ORDER``, each in its index-frame order; rows are
    the constraint families in model order, each in its index-frame order.
    """
    import scipy.sparse as sp

    from optimizer.formulation.risk import FREE_VARS
    from optimizer.formulation.rows import VAR_ORDER

    families = md.term_arrays()
    if any(len(ix) for ix in md.con_ix.values()) and not families:
        raise ValueError("compile_arrays needs the families' term arrays (md.families is empty)")
    sizes = [len(md.var_ix[v]) for v in VAR_ORDER]
    col_offset = np.concatenate([[0], np.cumsum(sizes)])
    n_cols = int(col_offset[-1])
    rows, cols, vals, lo, hi, row_family, row_index = [], [], [], [], [], [], []
    r0 = 0
    for name, fam in families.items():
        n = len(fam.rhs)
        rows.append(fam.row + r0)
        cols.append(col_offset[fam.var] + fam.col)
        vals.append(fam.coef)
        lo.append(np.full(n, -np.inf) if fam.sense == "<=" else fam.rhs)
        hi.append(np.full(n, np.inf) if fam.sense == ">=" else fam.rhs)
        row_family.append(np.full(n, name, dtype=object))
        row_index.append(np.arange(n))
        r0 += n
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
    A = sp.csc_matrix((cat(vals, float), (cat(rows, np.int64), cat(cols, np.int64))),
                      shape=(r0, n_cols))
    cost = np.concatenate([md.objective_coef[v] for v in VAR_ORDER]) if n_cols else np.zeros(0)
    upper = np.full(n_cols, np.inf)
    integer = np.zeros(n_cols, dtype=bool)
    b0 = col_offset[VAR_ORDER.index("modules_built")]
    builds = md.var_ix["modules_built"]
    if len(builds):
        upper[b0:b0 + len(builds)] = md.modules["max_count"].to_numpy(float)[builds["module_row"]]
        integer[b0:b0 + len(builds)] = True
    s0 = col_offset[VAR_ORDER.index("contract_signed")]
    signed = md.var_ix["contract_signed"]
    if len(signed):  # contract signings: yes/no (optimizer/formulation/contracts.py)
        upper[s0:s0 + len(signed)] = 1.0
        integer[s0:s0 + len(signed)] = True
    lower = np.zeros(n_cols)
    for v in FREE_VARS:  # the CVaR threshold η may be any amount of USD
        k = VAR_ORDER.index(v)
        lower[col_offset[k]:col_offset[k + 1]] = -np.inf
    lp = _highs_lp(A, cost, lower, upper, cat(lo, float), cat(hi, float), integer)
    col_family = np.repeat(np.array(VAR_ORDER, dtype=object), sizes)
    col_index = np.concatenate([np.arange(n) for n in sizes]) if n_cols else np.zeros(0, np.int64)
    return CompiledModel(lp, col_family, col_index, cat(row_family, object),
                         cat(row_index, np.int64), np.flatnonzero(integer), 0.0)


def compile_model(m, md) -> CompiledModel:
    """Pyomo model → HighsLp via Pyomo's standard-form compiler (the reference path)."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    where = {}
    for fam in md.var_ix:
        comp = getattr(m, fam)
        for k, v in comp.items():
            where[id(v)] = (fam, k)
    cols = [where[id(v)] for v in repn.columns]
    col_family = [c[0] for c in cols]
    col_index = np.fromiter((c[1] for c in cols), dtype=np.int64, count=len(cols))
    # No lower bound is -inf (the CVaR threshold η is free; every other family is ≥ 0).
    lower = np.array([-np.inf if v.lb is None else v.lb for v in repn.columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in repn.columns], dtype=float)
    integer = np.array([v.is_integer() for v in repn.columns], dtype=bool)
    row_family = [c.parent_component().local_name for c, _ in repn.rows]
    row_index = np.fromiter((c.index() for c, _ in repn.rows), dtype=np.int64, count=len(repn.rows))
    sense = np.fromiter((s for _, s in repn.rows), dtype=np.int64, count=len(repn.rows))
    rhs = np.asarray(repn.rhs, dtype=float)
    c = repn.c.toarray().ravel() if repn.c.shape[0] else np.zeros(repn.A.shape[1])
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    lp = _highs_lp(repn.A, c, lower, upper, np.where(sense <= 0, rhs, -np.inf),
                   np.where(sense >= 0, rhs, np.inf), integer, offset)
    return CompiledModel(lp, col_family, col_index, row_family, row_index, np.flatnonzero(integer),
                         offset)


MMAP_THRESHOLD = 1 << 20
"""Allocations from this size (bytes) get their own memory map from glibc, see
:func:`return_large_frees_to_os`."""

TRIM_THRESHOLD = 8 << 20
"""Free space (bytes) at the top of glibc's heap kept for reuse rather than handed back."""

_MALLOC_TUNED = False


def return_large_frees_to_os() -> None:
    """Have glibc give every allocation of 1 MiB or more its own memory map, released on free.

    glibc starts at 128 KiB and raises this threshold up to the largest block freed so far
    (32 MiB at most), so after the first big arrays are freed, later ones of a few MB (HiGHS's
    vectors, the term and index arrays) come from the heap, and heap space a free returns
    stays resident. On the large preset (1M columns) that kept ~150 MB resident at the peak,
    the ranging after the solve. Setting the threshold also stops glibc from raising it.

    It also freezes glibc's trim threshold, which glibc would otherwise raise along with it,
    at its 128 KiB start: the heap was then shrunk and regrown all through HiGHS's simplex
    (4.5× the page faults, +2.5 % on the medium preset's 8 s solve: 8.37 / 8.54 / 8.23 s
    against 8.00 / 8.32 / 8.14 s). So the trim threshold is set too, to 8 MiB: page faults
    93k, against 182k with the frozen one and 40k with glibc's defaults, and in
    ``benchmarks/run.py medium`` the pipeline's solve is back to 0.99× HiGHS alone (it was
    1.03–1.05×); it keeps at most 8 MiB more resident.
    Once per process; a no-op where the C library is not glibc.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not Linux with glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, MMAP_THRESHOLD)
    mallopt(m_trim_threshold, TRIM_THRESHOLD)


_BANNER_SHOWN = False


def new_highs_object():
    """A ``highspy.Highs`` with its one-time start-up banner kept off stdout."""
    global _BANNER_SHOWN
    import os

    import highspy

    if _BANNER_SHOWN:
        return highspy.Highs()
    # HiGHS prints a banner from C++ on the first construction in a process; stdout belongs
    # to the CLI's results, so send that one write to /dev/null.
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


def highs_version() -> str:
    """Version string of the linked HiGHS library."""
    import highspy

    return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}" \
        if hasattr(highspy, "HIGHS_VERSION_MAJOR") else new_highs_object().version()


def _new_highs(options: SolveOptions):
    h = new_highs_object()
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit_s:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    return h


def set_lp_algorithm(h, algorithm: str) -> None:
    """Set HiGHS's LP algorithm (one of :data:`LP_ALGORITHMS`) on ``h``."""
    if algorithm == "parallel":
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 2)
    elif algorithm != "choose":
        h.setOptionValue("solver", algorithm)


def _scatter(md, compiled: CompiledModel, values: np.ndarray, rows: bool) -> dict:
    """Split a solver vector into per-family arrays aligned with the index frames."""
    frames = md.con_ix if rows else md.var_ix
    out = {f: np.zeros(len(ix)) for f, ix in frames.items()}
    for f, (sel, idx) in _split(compiled, rows).items():
        if f in out:
            out[f][idx] = values[sel]
    return out


def _split(compiled: CompiledModel, rows: bool) -> dict:
    """Map each family to (solver positions, index-frame rows) of its rows or columns.

    Computed once per compiled model: a live batch model scatters its vectors run after run.
    """
    key = "_split_rows" if rows else "_split_cols"
    cached = compiled.__dict__.get(key)
    if cached is None:
        fams, idx = (compiled.row_family, compiled.row_index) if rows else \
            (compiled.col_family, compiled.col_index)
        fam_arr = np.asarray(fams, dtype=object)
        cached = {}
        for f in dict.fromkeys(fam_arr.tolist()):
            sel = np.flatnonzero(fam_arr == f)
            cached[f] = (sel, np.asarray(idx)[sel])
        compiled.__dict__[key] = cached
    return cached


def _termination(h) -> str:
    name = h.modelStatusToString(h.getModelStatus())
    status = h.getModelStatus()
    key = str(status).split(".")[-1]
    if key not in TERMINATION:
        import warnings

        warnings.warn(f"unknown HiGHS model status {name!r}; reported as 'unknown'", stacklevel=2)
    return TERMINATION.get(key, "unknown")


termination_of = _termination


_MIP_PROGRESS: ContextVar = ContextVar("mip_progress", default=None)
"""The listener :func:`run_highs` reports a MIP's progress to (set by :func:`mip_progress`)."""


@contextmanager
def mip_progress(on_progress):
    """While active, :func:`run_highs` calls ``on_progress(figures)`` about twice a second
    during a MIP solve; ``figures`` has HiGHS's ``incumbent`` (primal bound), ``bound`` (dual
    bound), ``gap`` (relative) and ``nodes``, as its MIP callbacks last reported them.

    A hook for the CLI's progress line, kept out of SolveOptions (which summary.json records).
    """
    token = _MIP_PROGRESS.set(on_progress)
    try:
        yield
    finally:
        _MIP_PROGRESS.reset(token)


def run_highs(h) -> None:
    """``h.run()`` in HiGHS's own thread, so that Ctrl-C stops the solve promptly.

    A plain ``h.run()`` holds the main thread inside C++ and Python sees SIGINT only when the
    solve ends, minutes later on a large model. Here the main thread waits, catches the
    KeyboardInterrupt, asks HiGHS to stop at its next interrupt check (simplex, IPM and MIP
    callbacks), waits for it and re-raises: the caller (the CLI) then exits with 130.

    The interrupt callbacks are switched on only when Ctrl-C arrives: while on, HiGHS calls
    into Python (taking the GIL) at every check, which cost 3-5 % of a 9 s simplex solve on
    the medium preset (45,077 iterations: 8.80 / 9.16 s without, 9.24 / 9.41 s with).
    Switching them on mid-solve sets HiGHS's per-callback "active" flags, which its loop reads
    at its next check (measured: stopped 6 ms after Ctrl-C on the same model).
    """
    h.HandleUserInterrupt = False
    on_progress, latest = _MIP_PROGRESS.get(), {}

    def note(event):  # HiGHS's thread: keep the figures; the main thread reports them
        out = event.data_out
        latest.update(incumbent=out.mip_primal_bound, bound=out.mip_dual_bound,
                      gap=out.mip_gap, nodes=out.mip_node_count)

    if on_progress is not None:  # only when a listener asked: callbacks take the GIL
        h.cbMipImprovingSolution += note
        h.cbMipInterrupt += note
    h.startSolve()
    interrupted = False
    ticks = 0
    while True:
        try:
            done, _ = h.wait(0.1)
        except KeyboardInterrupt:
            interrupted = True
            h.HandleUserInterrupt = True
            h.cancelSolve()
            continue
        if done:
            break
        ticks += 1
        if on_progress is not None and latest and ticks % 5 == 0:
            on_progress(dict(latest))
    if on_progress is not None:
        h.cbMipImprovingSolution -= note
        h.cbMipInterrupt -= note
    h.HandleUserInterrupt = False
    if interrupted or _termination(h) == "interrupted":
        # Some HiGHS builds catch SIGINT themselves and end with kInterrupt: the same event.
        raise KeyboardInterrupt


def read_shadow_prices(md, compiled: CompiledModel, lp_h, outcome: SolveOutcome,
                       source: str, ranging: bool = True) -> None:
    """Row duals of an optimal LP held by ``lp_h`` into ``outcome``, and their RHS ranges
    unless ``ranging`` is False (then :func:`read_rhs_ranges` is the caller's to call).

    ``source`` is "lp", or "fixed_lp" for a MIP's LP with builds fixed.
    """
    fsol = lp_h.getSolution()
    outcome.duals = _scatter(md, compiled, np.asarray(fsol.row_dual), rows=True)
    outcome.duals_source = source
    if ranging:
        read_rhs_ranges(md, compiled, lp_h, outcome)


def read_rhs_ranges(md, compiled: CompiledModel, lp_h, outcome: SolveOutcome) -> None:
    """For each row, the right-hand-side interval over which its shadow price holds.

    HiGHS's ``getRanging`` (0.45 s of the medium preset; it holds the GIL throughout).
    """
    import highspy

    _, ranging = lp_h.getRanging()
    if not ranging.valid:
        return
    lo = np.asarray(ranging.row_bound_dn.value_, dtype=float)
    hi = np.asarray(ranging.row_bound_up.value_, dtype=float)
    # For a row whose slack is basic (not binding), HiGHS ranges how far its activity can be
    # pushed; its right-hand side can move anywhere on the slack side of the activity with the
    # price staying 0.
    basic = np.asarray(lp_h.getBasis().row_status) == highspy.HighsBasisStatus.kBasic
    act = np.asarray(lp_h.getSolution().row_value, dtype=float)
    is_le = np.isinf(np.asarray(compiled.lp.row_lower_, dtype=float))
    is_ge = np.isinf(np.asarray(compiled.lp.row_upper_, dtype=float))
    lo = np.where(basic & is_le, act, np.where(basic & is_ge, -np.inf, lo))
    hi = np.where(basic & is_le, np.inf, np.where(basic & is_ge, act, hi))
    lo_f = _scatter(md, compiled, lo, rows=True)
    hi_f = _scatter(md, compiled, hi, rows=True)
    outcome.rhs_range = {f: (lo_f[f], hi_f[f]) for f in lo_f}


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
        return _after_solve(md, compiled, options, h, is_mip, warm, warm_start, relaxation,
                            times, ranging)
    finally:
        if relaxation is not None and not relaxation.handed_over:
            relaxation.stop()


def _after_solve(md, compiled, options, h, is_mip, warm, warm_start, relaxation, times,
                 ranging):
    """The rest of :func:`solve_compiled`: outcome, values, and the duals (fixed LP)."""
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
    t0 = time.perf_counter()
    sol = h.getSolution()
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


def integer_targets(compiled: CompiledModel, counts) -> tuple[np.ndarray, np.ndarray]:
    """The integer columns ``counts`` fixes and their values (rounded).

    ``counts`` is either a mapping {integer family: values aligned with
    ``md.var_ix[family]``} (e.g. ``outcome.values``: every integer family of a plan) or, as
    before contracts, one array aligned with ``md.var_ix["modules_built"]``. Only the
    integer columns of the families given are returned; the others are left to the caller.
    """
    ints = compiled.integer_cols
    family = np.asarray(compiled.col_family, dtype=object)[ints]
    if not isinstance(counts, Mapping):
        counts = {"modules_built": counts}
    keep = np.isin(family, list(counts))
    values = np.zeros(int(keep.sum()))
    index = compiled.col_index[ints[keep]]
    for fam, given in counts.items():
        at = family[keep] == fam
        if at.any():
            values[at] = np.round(np.asarray(given, dtype=float))[index[at]]
    return ints[keep], values


def with_fixed_builds(compiled: CompiledModel, counts) -> CompiledModel:
    """A copy of ``compiled`` with its integer decisions fixed to ``counts``.

    ``counts`` (see :func:`integer_targets`) is a mapping {integer family: values}, fixing
    each family from its own values — module builds and contract signings alike, as the
    MIP's fixed LP for shadow prices does with ``outcome.values`` — or one array aligned with
    ``md.var_ix["modules_built"]`` (builds only). The copy is an LP when every integer family
    is given (use it to evaluate a given investment plan: status quo = all zeros; another
    plan's builds for the value of the stochastic solution or the cost of resilience);
    integer columns of families not given stay integer (``integer_cols`` of the copy), so
    fixing only the builds of a model with contracts leaves the signings to the solver.
    """
    import highspy

    lp = compiled.lp
    fixed = highspy.HighsLp()
    fixed.num_col_, fixed.num_row_ = lp.num_col_, lp.num_row_
    fixed.col_cost_, fixed.offset_ = lp.col_cost_, lp.offset_
    lower = np.array(lp.col_lower_, dtype=float)
    upper = np.array(lp.col_upper_, dtype=float)
    ints, values = integer_targets(compiled, counts)
    lower[ints] = upper[ints] = values
    fixed.col_lower_, fixed.col_upper_ = lower, upper
    fixed.row_lower_, fixed.row_upper_ = free_implied_rows(compiled)
    fixed.a_matrix_ = lp.a_matrix_
    free = np.setdiff1d(compiled.integer_cols, ints)
    if len(free):  # integer families not fixed stay integer: the copy is still a MIP
        fixed.integrality_ = [highspy.HighsVarType.kInteger if k else
                              highspy.HighsVarType.kContinuous
                              for k in np.isin(np.arange(lp.num_col_), free)]
    return CompiledModel(fixed, compiled.col_family, compiled.col_index, compiled.row_family,
                         compiled.row_index, free.astype(np.int64), compiled.offset)


def free_implied_rows(compiled: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds of ``compiled`` with the rows of implied families made free (−∞, ∞).

    Those rows (``optimizer.formulation.IMPLIED_FAMILIES``) only tighten the MIP: with builds
    fixed they restate other rows and would take a share of degenerate shadow prices.
    """
    from optimizer.formulation import IMPLIED_FAMILIES

    lower = np.array(compiled.lp.row_lower_, dtype=float)
    upper = np.array(compiled.lp.row_upper_, dtype=float)
    implied = np.isin(np.asarray(compiled.row_family, dtype=object), IMPLIED_FAMILIES)
    lower[implied], upper[implied] = -np.inf, np.inf
    return lower, upper


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
