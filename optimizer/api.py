"""The Python API: load an instance, solve it, get results as pandas DataFrames.

>>> import optimizer
>>> inst = optimizer.load_instance("instances/tutorial.xlsx")
>>> run = optimizer.solve(inst)
>>> run.tables["builds"]
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.errors import InfeasibleError
from optimizer.fixed_plan import (  # noqa: F401 - fixed_build_counts re-exported (API)
    fixed_build_counts,
    fixed_decision_counts,
)
from optimizer.instance import Instance, Override
from optimizer.io.read import read_raw_sheets
from optimizer.io.validate import validate
from optimizer.solve import SolveOptions, SolveOutcome


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file, or of every CSV file of a folder (sorted by name)."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(f.name.encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def load_instance(path: str | Path, times: dict | None = None) -> Instance:
    """Read and validate an instance (workbook, CSV folder); raise InputError listing problems."""
    times = {} if times is None else times
    t0 = time.perf_counter()
    raw = read_raw_sheets(path)
    times["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    inst = validate(raw, path, checksum=file_checksum(path) if Path(path).exists() else "")
    times["validate"] = time.perf_counter() - t0
    return inst


@dataclass
class RunResult:
    """Everything one solve produced: the outcome, the result tables and a summary."""

    instance: Instance
    outcome: SolveOutcome
    tables: dict[str, pd.DataFrame]
    options: SolveOptions
    overrides: tuple[Override, ...] = ()
    times_s: dict = field(default_factory=dict)
    verification: dict = field(default_factory=dict)
    model_data: object = None
    warnings: list = field(default_factory=list)  # numerical warnings (optimizer.numerics)
    child_private_mb: dict = field(default_factory=dict)
    """Memory (MB) forked helpers held on their own (``verify``), for the benchmarks."""
    pending_verification: object = None
    """The verifier still at work (:class:`optimizer.verification.InChild`) in a run solved
    with ``defer_verification``; :meth:`finish_verification` waits for it."""

    def finish_verification(self) -> None:
        """Wait for a verification left running (``solve(..., defer_verification=True)``) and
        raise SolverError if the plan fails it; nothing to do when none is left."""
        pending, self.pending_verification = self.pending_verification, None
        if pending is not None:
            pending.finish()

    def stop_verification(self) -> None:
        """Kill a verification left running, unread (the run failed on another count)."""
        pending, self.pending_verification = self.pending_verification, None
        if pending is not None:
            pending.stop()

    @property
    def objective(self) -> float | None:
        """Expected discounted cost (USD) of the plan; None without a plan."""
        return self.outcome.objective

    def summary(self) -> dict:
        """Machine-readable summary (summary.json); waits for a verification left running
        (:meth:`finish_verification`), whose verdict it holds."""
        from optimizer.cvar_tie_break import tie_break_summary
        from optimizer.decisions import decision_summary
        from optimizer.risk_measures import risk_summary

        self.finish_verification()
        o = self.outcome
        inst = self.instance
        return {
            "instance": inst.name,
            "source": inst.source,
            "input_sha256": inst.checksum,
            "status": o.status,
            "termination": o.termination,
            "objective_usd": o.objective,
            "best_bound_usd": o.best_bound,
            "gap": o.gap,
            "is_mip": o.is_mip,
            "duals": o.duals_source,
            "rhs_ranges": bool(o.rhs_range),  # SolveOptions.ranging, and HiGHS gave them
            "solver": o.solver,
            "solver_version": o.solver_version,
            "options": {k: v for k, v in self.options.__dict__.items()},
            "overrides": [ov.describe() for ov in self.overrides],
            "override_cells": [{"sheet": ov.sheet, "key": list(ov.key), "column": ov.column,
                                "value": ov.value, "mode": ov.mode, "from_period": ov.from_period}
                               for ov in self.overrides],  # exact, for `supplyopt verify`
            "counts": {"variables": o.n_variables, "constraints": o.n_constraints,
                       "integer_variables": o.n_integer, "periods": len(inst.periods),
                       "scenarios": len(inst.scenarios),
                       "tree_nodes": len(self.model_data.nodes) if self.model_data else None},
            "scenarios": [{"name": s.name, "probability": s.probability} for s in inst.scenarios],
            "times_s": {k: round(v, 4) for k, v in self.times_s.items()},
            "risk": {**risk_summary(inst, self.tables.get("risk")), **tie_break_summary(o)},
            "decisions": decision_summary(inst, self.tables.get("builds"),
                                          self.tables.get("contracts")),
            "verification": self.verification,
            "warnings": list(self.warnings),
            "message": o.message,
        }


def solve(inst: Instance, options: SolveOptions | None = None, overrides=(),
          times: dict | None = None, verify: bool = True, warm_start=None,
          compare_status_quo: bool = True, on_warning=None, parallel: bool = False,
          render: bool = True, defer_verification: bool = False) -> RunResult:
    """Build, solve, extract and verify; raise InfeasibleError/SolverError on failure.

    ``overrides`` (batch runs, ``--set``) apply to every scenario and win over them.
    ``compare_status_quo`` adds tables for the plan without new builds (see
    :func:`status_quo_tables`). ``warm_start`` is the ``outcome`` of an earlier run of the same
    instance structure (see :func:`optimizer.solve.solve_compiled`); ``run.outcome.highs``
    holds the solver.
    ``on_warning`` is called with each numerical warning found before the solve (the CLI prints
    them); they are also kept in ``run.warnings`` and on a raised InfeasibleError.
    ``parallel`` verifies the plan in a forked child while HiGHS ranges the right-hand sides
    (:mod:`optimizer.forked`, where :func:`~optimizer.forked.worth_it`): for a single run,
    not inside a batch's workers. ``render`` False says the caller will not render
    results.xlsx and report.html (``--no-report``): a parallel LP solve then does not warm
    up their imports (0.25 CPU s for nothing).
    ``defer_verification`` (with ``parallel``): the forked verifier is not waited for here; the
    run is returned with it still at work (``run.pending_verification``), and the caller waits
    with :meth:`RunResult.finish_verification` (``write_run`` does, after the tables and before
    summary.json; ``summary()`` does too). ``supplyopt solve`` writes its tables meanwhile:
    the verifier takes 0.2 s at the 2035 baseline, the ranging 0.03 s.
    """
    from optimizer import forked, verification
    from optimizer.formulation import build_model
    from optimizer.result_rows import release_table_cache
    from optimizer.results import dual_tables, solution_tables
    from optimizer.scenario import with_overrides
    from optimizer.solve import (
        check_outcome,
        compile_arrays,
        dual_highs,
        read_rhs_ranges,
        return_large_frees_to_os,
        solve_compiled,
        solve_with_pyomo,
    )

    return_large_frees_to_os()  # lowers the peak memory of large models (see there)
    options = options or SolveOptions()
    times = {} if times is None else times
    overrides = tuple(overrides)
    if overrides:
        inst = with_overrides(inst, overrides)
    t0 = time.perf_counter()
    m, md = build_model(inst, pyomo=options.solver != "highs")
    times["build"] = time.perf_counter() - t0
    if getattr(md, "empty_rows", None):
        from optimizer.diagnose import explain_empty_rows

        raise InfeasibleError("the hard constraints cannot all hold", explain_empty_rows(md))
    if options.solver == "highs":
        t0 = time.perf_counter()
        compiled = free = compile_arrays(md)
        md.release_families()  # the matrix holds them now (a recompile rebuilds them)
        if options.fixed_builds is not None or options.fixed_contracts is not None:
            from optimizer.solve import with_fixed_builds

            compiled = with_fixed_builds(free, fixed_decision_counts(md, options))
        times["compile"] = time.perf_counter() - t0
        # The second core idles while HiGHS solves an LP: the numerics scan and the first-use
        # work of what follows run there (a MIP's relaxation child has that core; a fork
        # waits for the warm-up, forked.py, and the scan is waited for right after the solve).
        idle_core = parallel and not len(compiled.integer_cols) and forked.available()
        scan = _NumericsScan(md, compiled, on_warning, background=idle_core, releasing=(free,))
        if idle_core:
            forked.warm_up_in_thread(_warm_up if render else _warm_up_without_reports)
        # parallel: a MIP's LP relaxation is solved on the second core alongside it, to
        # start the fixed LP of its shadow prices from (optimizer/solve_fixed_lp.py).
        try:
            outcome = solve_compiled(md, compiled, options, warm_start=warm_start,
                                     ranging=False, concurrent=parallel)
        finally:
            numeric_warnings = scan.warnings()
    else:
        compiled = free = None
        numeric_warnings = []
        if options.fixed_builds is not None:
            for k, n in enumerate(fixed_build_counts(md, options.fixed_builds)):
                m.modules_built[k].setlb(n)
                m.modules_built[k].setub(n)
        outcome = solve_with_pyomo(m, md, options)
    times.update(outcome.times_s)
    if outcome.termination in ("infeasible", "infeasible_or_unbounded", "unbounded") \
            and compiled is not None:
        from optimizer.diagnose import diagnose_failure

        exc = diagnose_failure(md, compiled, outcome, options)
        exc.warnings = numeric_warnings
        raise exc
    try:
        check_outcome(outcome, options)
    except InfeasibleError as exc:
        exc.warnings = numeric_warnings
        raise
    t0 = time.perf_counter()
    tables = solution_tables(md, outcome)
    times["tables"] = time.perf_counter() - t0
    status_quo = bool(compare_status_quo and compiled is not None and (
        len(md.var_ix["modules_built"]) or len(md.var_ix["contract_signed"])))
    # The tables' cached key columns serve the runs of a live model, not this one-off solve:
    # dropped before the ranging, whose working memory is the run's peak (the status quo's
    # supply mix still reads its keys).
    release_table_cache(md, keep=("supply_keys",) if status_quo else ())
    run = RunResult(inst, outcome, tables, options, overrides, times, model_data=md,
                    warnings=numeric_warnings)
    lp_h = dual_highs(outcome) if compiled is not None else None
    parallel = parallel and options.ranging and compiled is not None \
        and forked.worth_it(compiled.lp.num_col_)  # the child overlaps the ranging
    # The verifier reads the plan's tables only: in a forked child it overlaps the ranging
    # (and, deferred, the caller's writing of the tables).
    checking = verification.InChild(run) if verify and parallel else None
    try:
        if lp_h is not None and options.ranging:  # off in a batch unless asked
            t0 = time.perf_counter()
            read_rhs_ranges(md, compiled, lp_h, outcome)
            times["duals"] = times.get("duals", 0.0) + time.perf_counter() - t0
        if verify and not parallel:
            verification.verify_result(run)
        elif checking is not None and not defer_verification:
            checking.finish()
        t0 = time.perf_counter()
        tables.update(dual_tables(md, outcome))
        times["tables"] += time.perf_counter() - t0
        if status_quo:
            # With fixed builds the solved model has no build decisions left: the status quo
            # (no builds, no new contracts) is re-solved from the free model, not the fixed
            # one.
            t0 = time.perf_counter()
            tables.update(status_quo_tables(md, free, options,
                                            _decision_values(md, outcome.values),
                                            getattr(outcome, "lp_highs", None)))
            times["status_quo"] = time.perf_counter() - t0
    except BaseException:
        if checking is not None:
            checking.stop()
        raise
    if checking is not None and defer_verification:
        run.pending_verification = checking
    release_table_cache(md)  # nor through the writing
    return run


class _NumericsScan:
    """:func:`optimizer.numerics.scan_numerics` of the compiled model, each warning passed to
    ``on_warning`` as it is found; with ``background``, in a thread while HiGHS solves (0.1 s
    of the medium preset off the wall time; HiGHS works on its own copy of the arrays).
    """

    def __init__(self, md, compiled, on_warning, background: bool, releasing=()):
        """``compiled.csc``, the compiler's arrays the scan reads, is handed to the scan alone
        and dropped from ``compiled`` and each of ``releasing`` (models sharing it) at once, so
        that it is not held through the solve (the large preset's peak memory)."""
        import threading
        from dataclasses import replace

        holders = (compiled, *releasing)
        arrays = next((h.csc for h in holders if h.csc is not None), None)
        for h in holders:
            h.csc = None
        compiled = replace(compiled, csc=arrays)  # the scan's own; gone when it is done
        self._found, self._error, self._thread = [], None, None
        if background:
            self._thread = threading.Thread(target=self._scan, args=(md, compiled, on_warning),
                                            name="supplyopt-numerics", daemon=True)
            self._thread.start()
        else:
            self._scan(md, compiled, on_warning)

    def _scan(self, md, compiled, on_warning) -> None:
        from optimizer.numerics import scan_numerics

        try:
            self._found = scan_numerics(md, compiled)
            for w in self._found if on_warning else ():
                on_warning(w)
        except Exception as exc:  # raised in the caller's thread by warnings()
            self._error = exc

    def warnings(self) -> list[str]:
        """The warnings found (after waiting for the scan); its error, if it failed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        return self._found


def _warm_up_without_reports() -> None:
    """Import what a single run needs after its solve: verification, summary, tables."""
    import optimizer.csv_safe
    import optimizer.decisions
    import optimizer.json_safe
    import optimizer.risk_measures
    import optimizer.verify  # noqa: F401


def _warm_up() -> None:
    """:func:`_warm_up_without_reports`, and load what rendering uses
    (:func:`optimizer.report.warm_up`): 0.25 s the first time."""
    from optimizer.report import warm_up

    _warm_up_without_reports()
    warm_up()


def status_quo_tables(md, compiled, options: SolveOptions, builds=None,
                      lp_highs=None) -> dict[str, pd.DataFrame]:
    """The status-quo plan (no new builds or contracts) next to the chosen one, for the report's
    "before".

    Tables: ``status_quo_summary`` (status, objective_usd, unmet_t), ``status_quo_supply_mix``
    and ``status_quo_scenario_costs`` (same columns as supply_mix / scenario_costs). Empty when
    the instance has no candidate modules or contracts to sign, or the plan's ``builds``
    (counts aligned with ``md.var_ix["modules_built"]``, or a mapping {integer family:
    values} such as :func:`_decision_values`, when given) are all zero: the status quo is then
    the plan.
    ``lp_highs``, the plan's solved fixed LP (``outcome.lp_highs``), makes this a warm re-solve,
    except at λ = 1, where a fresh solve picks the status quo of least expected cost among those
    of least CVaR, as the plan's own solve does.
    """
    import numpy as np

    from optimizer import cvar_tie_break
    from optimizer.formulation.rows import DECISION_VARS
    from optimizer.results import scenario_costs, supply_mix
    from optimizer.solve import resolve_builds, solve_compiled, with_fixed_builds

    if not any(len(md.var_ix[f]) for f in DECISION_VARS if f in md.var_ix):
        return {}
    chosen = builds.values() if isinstance(builds, dict) else [builds]
    if builds is not None and not any(np.round(np.asarray(v, dtype=float)).any()
                                      for v in chosen):
        # Nothing is built or signed: the status quo *is* the plan. Re-solving could pick
        # another flow pattern of equal cost and show a spurious "before/after" difference.
        return {}
    # No new builds and no new contracts (fixed contracts need no signing and stay in force).
    zero = {f: np.zeros(len(md.var_ix[f])) for f in DECISION_VARS if f in md.var_ix}
    # At λ = 1 the status quo's plans tie like any (optimizer/cvar_tie_break.py): a fresh solve
    # breaks the tie (the least expected cost among them); the warm re-solve would not.
    if lp_highs is not None and not cvar_tie_break.applies(md):
        outcome = resolve_builds(md, compiled, lp_highs, zero)
    else:
        outcome = solve_compiled(md, with_fixed_builds(compiled, zero), SolveOptions(
            time_limit_s=options.time_limit_s, threads=options.threads, duals=False))
    if not outcome.has_solution:
        return {"status_quo_summary": pd.DataFrame(
            [{"status": outcome.termination, "objective_usd": None, "unmet_t": None}])}
    sc = scenario_costs(md, outcome)
    probs = sc["probability"].to_numpy()
    return {
        "status_quo_summary": pd.DataFrame([{
            "status": outcome.status, "objective_usd": outcome.objective,
            "unmet_t": float((sc["unmet_t"].to_numpy() * probs).sum())}]),
        "status_quo_supply_mix": supply_mix(md, outcome),
        "status_quo_scenario_costs": sc,
    }


def _decision_values(md, values: dict) -> dict:
    """The plan's integer decisions (builds, contract signings) from ``outcome.values``."""
    from optimizer.formulation.rows import DECISION_VARS

    return {f: values[f] for f in DECISION_VARS if f in values}
