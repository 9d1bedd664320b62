"""What a solve is asked (:class:`SolveOptions`) and what it returns (:class:`SolveOutcome`).

Plain data, imported by everything that solves, reads or records a solve; it imports nothing
of the tool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    # Right-hand-side ranges of the shadow prices (HiGHS's getRanging). On for a single solve
    # (its report reads them); off in a batch unless asked (``supplyopt batch --ranging``):
    # a sweep is itself the sensitivity analysis, and the ranging costs more than a warm
    # re-solve (docs/batch.md). Without it the shadow-price tables have no rhs_range columns.
    ranging: bool = True
    allow_nonoptimal: bool = False  # accept a time-limited feasible plan (with its gap)
    verbose: bool = False
    # HiGHS's sub-MIP heuristics (RINS, RENS, root reduced cost): off by default, they slow
    # this model's MIPs
    # (optimizer.highs_runtime.SUB_MIP_HEURISTICS says by how much).
    sub_mip_heuristics: bool = False
    # HiGHS's restarts of a MIP's root: off by default, they slow this model's MIPs
    # (optimizer.highs_runtime.MIP_RESTART says by how much).
    mip_restarts: bool = False
    # Evaluate a given investment plan: ((module, decision_period, count[, decided_in]), ...) fixes
    # every module build (unlisted = 0; () = no new builds); None leaves them to the optimiser.
    fixed_builds: tuple | None = None
    # ... and its contracts: ((contract, decision_period, decided_in), ...) signs those adaptive
    # contracts (unlisted = not signed; () = no new contracts); None leaves them to the optimiser.
    fixed_contracts: tuple | None = None


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
