r"""Near-optimal alternatives (modelling to generate alternatives, MGA).

Given the optimum :math:`C^*` of an instance and a cost slack :math:`\varepsilon` (2 % by
default), every plan :math:`x` with

.. math:: c^\top x \le C^* + \varepsilon\, |C^*| \qquad (\texttt{near\_optimal\_cost})

is *near-optimal* (at slack 0 the bound keeps 10⁻⁹ |C*| against round-off: :data:`ROUND_OFF`).
:math:`c^\top x` is the solver's objective: the expected discounted cost
(USD), or, for a risk-averse instance (``settings.risk_weight`` λ > 0), the mean-CVaR objective
:math:`(1-\lambda)\,\mathbb{E}[C] + \lambda\,\mathrm{CVaR}_\alpha(C)` of
:mod:`optimizer.formulation.risk`: the slack is then a slack on that objective, not on the
expected cost (both are reported for every plan). With the CVaR's η and z_s free in the row it
admits exactly the plans whose mean-CVaR objective is within the bound (CVaR is the minimum
over η). :math:`C^*` is the incumbent of the first solve, which is within the MIP gap
(``--mip-gap``) of the true optimum.

Inside that set, each country *c* with candidate modules gets two plans, minimising and then
maximising the **expected capacity it builds** (t REO per base period):

.. math::

    K_c(x) = \sum_{j:\ c(site_j) = c}\ \sum_{m} \pi_m\, inc_j\, b_{j,m}
           = \sum_s p_s \sum_{j:\ c(site_j) = c}\ \sum_{m \ni s} inc_j\, b_{j,m}

Expected capacity, because builds are decided in scenario-tree nodes: a build decided in a
branch exists only in that branch's scenarios. Weighting each by its node's probability
:math:`\pi_m` makes :math:`K_c` the expectation over scenarios of the capacity built on each
scenario's path (the right-hand side above), which is linear; counting every node's build in
full would add up builds of branches that exclude each other. It counts a module's capacity
(``modules.capacity_t``, a rate per base period, so builds of periods of different lengths add
up), not when it comes online.

With ``share_country`` *c* two more plans minimise and maximise the expected share of demand
supplied by *c* (processed in *c*, or mined in *c*: ``share_basis``), in tonnes summed over
elements and periods:

.. math::

    S_c(x) = \frac{1}{\bar D} \sum_n \pi_n \sum_{a \to D,\ prov(a) = c} f_{n,a}, \qquad
    \bar D = \sum_n \pi_n \sum_{d,e} D_{n,d,e}

(the denominator is data, so the share is linear in the flows; unmet demand counts as supplied
by nobody).

Each alternative is a full plan: the MGA solve fixes its builds (and any other integer
decision, such as contract signings), and the flows are then re-optimised at least cost with
them (an LP, warm-started from the optimum's fixed LP: :func:`operate`): the plan a planner who
chose those builds would operate, no dearer than the MGA solve's own flows, so
still within the slack (a share plan's flows are re-optimised with its share held:
:func:`least_cost_holding`). Every plan is checked by the independent verifier
(:func:`optimizer.verify.verify_run`), whose recomputed cost is the one reported.

Ranges: for each module its expected count :math:`\sum_m \pi_m b_{j,m}`, and for each
(module, decision period) the same sum over that period's nodes, are taken over the plans
found (the optimum included); a decision is **must-have** if it is built (> 0) in every plan,
**never** if in none, **interchangeable** otherwise. MGA is a heuristic for the near-optimal
space: these are ranges across the alternatives found, not the exact ranges. ``exact=True``
also minimises and maximises each module's expected count within the slack (two MIPs per
module; a bound the alternatives already reach — 0 from below, ``max_count`` from above — is
not solved again): its exact range, which then decides its class.

Every goal's MIP is offered the least-cost plan as a start (it satisfies the slack row): on the
10-quarter baseline that halved the CPU time of the goal solves. With ``jobs`` > 1 the goals
are solved by forked workers (:mod:`optimizer.forked`), one Highs each.
"""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from optimizer.errors import OptimizerError
from optimizer.instance import Instance
from optimizer.solve import SolveOptions, SolveOutcome

DEFAULT_SLACK = 0.02
"""The cost slack ε when none is given: plans within 2 % of the least cost."""

ROUND_OFF = 1e-9
"""The bound is C* + max(ε, this) × |C*|: at slack 0 the optimum itself must not be cut off by
the round-off in its own cost (USD 10⁻⁷ on a cost of 10⁹), and 10⁻⁹ of C* admits no other
plan a planner could tell apart."""

COUNT_TOL = 1e-6
"""Expected counts at or below this are 'not built' (solver round-off, not a decision)."""

NOT_EXACT_NOTE = ("MGA is a heuristic for the near-optimal space: each range is the range "
                  "across the alternatives found, not the exact range of the decision within "
                  "the slack.")
EXACT_NOTE = ("Module ranges are exact within the slack (each module's expected count "
              "minimised and maximised); decision-period ranges are across the plans found.")


class NothingToVary(OptimizerError):
    """The instance has no candidate modules: there are no build decisions to vary (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Goal:
    """One MGA objective: minimise or maximise a linear function of the plan.

    ``kind`` is ``least_cost`` (the optimum), ``capacity`` (a country's expected capacity,
    t/base period), ``share`` (a country's expected share of demand, 0–1) or ``module`` (a
    module's expected count).
    """

    kind: str
    sense: str  # "min" | "max" ("" for the least-cost plan)
    target: str | None = None

    @property
    def name(self) -> str:
        """A short label: 'least cost', 'min USA capacity', 'max CHN share', 'max mod count'."""
        if self.kind == "least_cost":
            return "least cost"
        what = {"capacity": "capacity", "share": "share", "module": "count"}[self.kind]
        return f"{self.sense} {self.target} {what}"


@dataclass
class Plan:
    """One alternative: its goal, how it was found, its builds and its (recomputed) cost."""

    goal: Goal
    status: str  # optimal, feasible (limit reached with a plan), or the failure
    seconds: float = 0.0
    goal_value: float | None = None  # the MGA objective at the plan (its unit: Goal)
    counts: np.ndarray | None = None  # aligned with md.var_ix["modules_built"]
    cost_usd: float | None = None  # recomputed objective: expected or mean-CVaR (USD)
    expected_cost_usd: float | None = None
    cvar_usd: float | None = None
    verified: bool | None = None
    country_capacity_t: dict = field(default_factory=dict)
    share: float | None = None
    message: str = ""
    tables: dict = field(default_factory=dict, repr=False)  # the plan's result tables

    @property
    def has_plan(self) -> bool:
        return self.counts is not None


@dataclass
class Alternatives:
    """Everything :func:`find_alternatives` found, with the tables the outputs are made of."""

    instance: str
    slack: float
    objective_kind: str  # "expected cost" or "mean-CVaR objective (λ …, α …)"
    optimum_usd: float
    bound_usd: float
    plans: list[Plan]
    builds: pd.DataFrame  # md.var_ix["modules_built"] with site, country, capacity_t
    countries: list[str]
    share_country: str | None
    share_basis: str
    exact: bool
    module_ranges: pd.DataFrame
    decision_ranges: pd.DataFrame
    mip_start: bool
    times_s: dict = field(default_factory=dict)

    @property
    def unproven(self) -> list[Plan]:
        """Plans whose goal solve stopped at a limit with a plan (valid, within the slack, but
        perhaps short of the goal's extreme: the ranges may be narrower than they could be)."""
        return [p for p in self.plans if p.has_plan and p.status == "feasible"]

    @property
    def failed(self) -> list[Plan]:
        """Plans whose solve gave no plan, or whose plan failed verification."""
        return [p for p in self.plans if not p.has_plan or p.verified is False]


# --------------------------------------------------------------------------------------------
# Objective vectors
# --------------------------------------------------------------------------------------------

def _family_cols(compiled, family: str) -> tuple[np.ndarray, np.ndarray]:
    """(solver column positions, index-frame rows) of one variable family."""
    fam = np.asarray(compiled.col_family, dtype=object)
    cols = np.flatnonzero(fam == family)
    return cols, np.asarray(compiled.col_index)[cols]


def build_frame(md) -> pd.DataFrame:
    """``md.var_ix["modules_built"]`` with each build's site, country and capacity_t."""
    b = md.var_ix["modules_built"].copy()
    mods = md.modules.reset_index(drop=True)
    rows = b["module_row"].to_numpy()
    b["site"] = mods["site"].to_numpy()[rows]
    b["country"] = b["site"].map(md.inst.site_country())
    b["capacity_t"] = mods["capacity_t"].astype(float).to_numpy()[rows]
    b["max_count"] = mods["max_count"].astype(float).to_numpy()[rows]
    b["probability"] = b["probability"].astype(float)
    return b


def goal_vector(md, compiled, builds: pd.DataFrame, goal: Goal, share_basis: str) -> np.ndarray:
    """The goal's coefficient on every solver column (to be minimised: max goals negated)."""
    c = np.zeros(compiled.lp.num_col_)
    if goal.kind in ("capacity", "module"):
        cols, rows = _family_cols(compiled, "modules_built")
        b = builds.iloc[rows]
        hit = (b["country"] if goal.kind == "capacity" else b["module"]).to_numpy() == goal.target
        weight = b["probability"].to_numpy() * (b["capacity_t"].to_numpy()
                                                if goal.kind == "capacity" else 1.0)
        c[cols] = np.where(hit, weight, 0.0)
    elif goal.kind == "share":
        c = share_vector(md, compiled, goal.target, share_basis)
    return -c if goal.sense == "max" else c


def share_vector(md, compiled, country: str, basis: str) -> np.ndarray:
    """Coefficients of :math:`S_c` (module docstring) on every solver column."""
    c = np.zeros(compiled.lp.num_col_)
    prob = np.array([n.probability for n in md.nodes], dtype=float)
    dem = md.con_ix["demand_balance"]
    total = float(np.sum(prob[dem["node"].to_numpy()] * dem["rhs"].to_numpy(float)))
    if total <= 0:
        return c
    cols, rows = _family_cols(compiled, "ship_oxide_t")
    ox = md.var_ix["ship_oxide_t"].iloc[rows]
    column = {"processed": "processed_country", "mined": "mined_country"}[basis]
    hit = (ox["destination_kind"].to_numpy() == "demands") & \
        (ox[column].astype(str).to_numpy() == country)
    c[cols] = np.where(hit, prob[ox["node"].to_numpy()] / total, 0.0)
    return c


# --------------------------------------------------------------------------------------------
# Solving the goals
# --------------------------------------------------------------------------------------------

def _solve_goals(md, compiled, bound_usd: float, vectors: list[np.ndarray],
                 options: SolveOptions, start: np.ndarray | None, names: list[str],
                 keep_flows: frozenset = frozenset()):
    """Yield one result dict per goal vector: minimise it with the near-optimal cost row.

    Each goal gets a fresh Highs holding the model and the row, with the goal as its costs:
    HiGHS 1.16 re-run on a solved MIP with changed costs, or started from a feasible point
    (``setSolution``), has returned infeasible points as "optimal" (reproduced on the
    risk-cost frontier's instance: docs/model.md, MIP starts). ``start``, the optimum's
    column values, is offered as a MIP start only when asked (``mip_start``; it satisfies the
    row). The result holds the builds, and every column's value for the goals in
    ``keep_flows``.
    """
    import highspy

    from optimizer.solve import _new_highs, run_highs, termination_of

    cost = np.asarray(compiled.lp.col_cost_, dtype=float)
    n = len(cost)
    nz = np.flatnonzero(cost)
    ints = np.asarray(compiled.integer_cols)
    every = np.arange(n, dtype=np.int32)
    for name, vec in zip(names, vectors):
        t0 = time.perf_counter()
        h = _new_highs(options)
        h.passModel(compiled.lp)
        h.addRow(-highspy.kHighsInf, bound_usd - float(compiled.lp.offset_), len(nz),
                 nz.astype(np.int32), cost[nz])
        h.changeColsCost(n, every, np.asarray(vec, dtype=float))
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
        run_highs(h)
        term = termination_of(h)
        info = h.getInfo()
        has = info.primal_solution_status == 2 and term != "unbounded"
        out = {"name": name, "termination": term, "has_solution": bool(has),
               "seconds": time.perf_counter() - t0,
               "gap": float(info.mip_gap) if has else None}
        if has:
            x = np.asarray(h.getSolution().col_value, dtype=float)
            out["goal_value"] = float(vec @ x)
            out["integers"] = x[ints].tolist()  # builds (and any other integer decision)
            if name in keep_flows:  # a share goal's plan is its flows: sent whole
                out["columns"] = x.tolist()
        yield out


def _in_children(md, compiled, bound_usd, vectors, options, start, names, jobs: int,
                 keep_flows: frozenset):
    """:func:`_solve_goals` split round-robin over ``jobs`` forked children; yield results."""
    from optimizer import forked

    def child(k):
        def run():
            import highspy

            # A forked child inherits the parent's HiGHS scheduler but not its threads.
            highspy.Highs.resetGlobalScheduler(True)
            yield from _solve_goals(md, compiled, bound_usd, vectors[k::jobs], options, start,
                                    names[k::jobs], keep_flows)
        return run

    started = []
    try:
        for k in range(jobs):
            started.append(forked.start(child(k)))
        # Read in goal order, alternating between children: each streams its results as they
        # come, and none waits on a full pipe while the parent reads another.
        for i in range(len(names)):
            child_k = started[i % jobs]
            got = child_k.result()
            if got is None:
                raise OptimizerError(f"an alternatives worker failed: {child_k.error}")
            yield got
    finally:
        for s in started:
            s.stop()


def solve_goals(md, compiled, bound_usd, vectors, options, start, names, jobs: int = 1,
                keep_flows: frozenset = frozenset()):
    """Iterate over the results of the goals in their order: solved here one by one as they
    are asked for, or by ``jobs`` forked children when ``jobs`` > 1 and forking is possible."""
    from optimizer import forked

    jobs = max(1, min(int(jobs or 1), len(vectors)))
    if jobs > 1 and forked.available():
        # One thread per worker, as a batch's workers: the workers are the parallelism.
        return _in_children(md, compiled, bound_usd, vectors, replace(options, threads=1),
                            start, names, jobs, keep_flows)
    return _solve_goals(md, compiled, bound_usd, vectors, options, start, names, keep_flows)


# --------------------------------------------------------------------------------------------
# A plan from its builds
# --------------------------------------------------------------------------------------------

def country_capacity(builds: pd.DataFrame, counts: np.ndarray, countries: list[str]) -> dict:
    """Expected capacity built per country (t/base period): Σ π × capacity_t × count."""
    w = builds["probability"].to_numpy() * builds["capacity_t"].to_numpy() * counts
    by = pd.Series(w).groupby(builds["country"].to_numpy()).sum()
    return {c: float(by.get(c, 0.0)) for c in countries}


def _finish_plan(plan: Plan, md, inst, outcome, builds, countries, share_vec) -> None:
    """Fill ``plan`` from a solved outcome: tables, independent verification, cost, capacity."""
    from optimizer.results import solution_tables
    from optimizer.verify import verify_run

    tables = solution_tables(md, outcome)
    plan.tables = {k: tables[k] for k in ("builds", "flows", "unmet_demand", "stocks",
                                          "scenario_costs", "contracts") if k in tables}
    check = verify_run(inst, tables, None)
    plan.verified = bool(check.get("ok"))
    if not plan.verified:
        from optimizer.verify import describe_failure

        plan.message = "failed independent verification: " + describe_failure(check)
    plan.cost_usd = float(check["objective_recomputed"])
    risk = check.get("risk") or {}
    plan.expected_cost_usd = float(risk.get("expected_cost_usd", plan.cost_usd))
    plan.cvar_usd = risk.get("cvar_usd")
    plan.counts = np.round(np.asarray(outcome.values["modules_built"], dtype=float)) + 0.0
    plan.country_capacity_t = country_capacity(builds, plan.counts, countries)
    if share_vec is not None:
        x = _columns(md, outcome)
        plan.share = float(share_vec @ x)


def operate(md, compiled, lp_h, integers) -> SolveOutcome:
    """The least-cost plan with every integer decision fixed at ``integers`` (aligned with
    ``compiled.integer_cols``): the fixed LP ``lp_h`` of the optimum, re-solved warm with only
    those columns' bounds changed (as :func:`optimizer.solve.resolve_builds`, but for every
    integer family, so that decisions other than builds follow the alternative too)."""
    from optimizer.solve import _scatter, highs_version, run_highs, termination_of

    ints = np.asarray(compiled.integer_cols)
    values = np.round(np.asarray(integers, dtype=float))
    lp_h.changeColsBounds(len(ints), ints.astype(np.int32), values, values)
    run_highs(lp_h)
    term = termination_of(lp_h)
    ok = term == "optimal" and lp_h.getInfo().primal_solution_status == 2
    out = SolveOutcome(term, ok, None, None, None, False, "highs", highs_version(), None)
    if ok:
        out.values = _scatter(md, compiled, np.asarray(lp_h.getSolution().col_value),
                              rows=False)
    return out


def least_cost_holding(md, compiled, lp_h, integers, vec, value: float, sense: str):
    """The least-cost plan for ``integers`` (:func:`operate`) that keeps ``vec · x`` at
    ``value`` or better (≤ for a min goal, ≥ for a max goal): one row added to the fixed LP
    ``lp_h``, then removed.

    Without it a share plan would keep whatever flows its MGA solve stopped at, which may
    spend the whole slack on tonnes mined and discarded (they do not change the share).
    """
    import highspy

    nz = np.flatnonzero(vec)
    give = 1e-7 * max(1.0, abs(value))  # the MGA solve's own point must stay feasible
    lo, hi = (value - give, highspy.kHighsInf) if sense == "max" else \
        (-highspy.kHighsInf, value + give)
    lp_h.addRow(lo, hi, len(nz), nz.astype(np.int32), np.asarray(vec, dtype=float)[nz])
    try:
        return operate(md, compiled, lp_h, integers)
    finally:
        lp_h.deleteRows(1, np.array([lp_h.getNumRow() - 1], dtype=np.int32))


def _outcome_of(md, compiled, columns) -> SolveOutcome:
    """An outcome holding a solve's column values (what the result tables read)."""
    from optimizer.solve import _scatter, highs_version

    out = SolveOutcome("optimal", True, None, None, None, True, "highs", highs_version(), None)
    out.values = _scatter(md, compiled, np.asarray(columns, dtype=float), rows=False)
    return out


def _columns(md, outcome) -> np.ndarray:
    """The outcome's values as one solver column vector (the order of compile_arrays)."""
    from optimizer.formulation.rows import VAR_ORDER

    return np.concatenate([np.asarray(outcome.values[v], dtype=float) for v in VAR_ORDER])


# --------------------------------------------------------------------------------------------
# Ranges and classes
# --------------------------------------------------------------------------------------------

def classify(low: float, high: float) -> str:
    """must-have (built in every plan: low > 0), never (high = 0), else interchangeable."""
    if low > COUNT_TOL:
        return "must-have"
    if high <= COUNT_TOL:
        return "never"
    return "interchangeable"


CLASS_ORDER = {"must-have": 0, "interchangeable": 1, "never": 2}


def decision_ranges(builds: pd.DataFrame, plans: list[Plan], by: list[str]) -> pd.DataFrame:
    """Range of each decision's expected count (Σ π × count over its build columns) across
    the plans, with the optimum's value and the class, grouped by ``by`` columns.
    """
    ok = [p for p in plans if p.has_plan]
    keys = builds[by].astype(str)
    expected = pd.DataFrame({p.goal.name: builds["probability"].to_numpy() * p.counts
                             for p in ok})
    expected[by] = keys
    per = expected.groupby(by, sort=False).sum()
    first = builds.groupby(by, sort=False).first()
    first.index = per.index
    out = pd.DataFrame({
        "site": first["site"].to_numpy(), "country": first["country"].to_numpy(),
        "capacity_t": first["capacity_t"].to_numpy(),
        "max_count": first["max_count"].to_numpy(),
        "min_expected_count": per.min(axis=1).to_numpy(),
        "max_expected_count": per.max(axis=1).to_numpy(),
        "optimum_expected_count": per[ok[0].goal.name].to_numpy() if ok else np.nan,
        "plans_built_in": (per > COUNT_TOL).sum(axis=1).to_numpy(),
        "plans": len(ok),
    }, index=per.index).reset_index()
    out["class"] = [classify(lo, hi) for lo, hi in
                    zip(out["min_expected_count"], out["max_expected_count"])]
    return out


def _sorted(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Must-haves first, then interchangeable, then never; within, by name."""
    key = df["class"].map(CLASS_ORDER)
    return df.assign(_k=key).sort_values(["_k"] + by, kind="stable").drop(columns="_k") \
        .reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------

def objective_kind(inst: Instance) -> str:
    """What the slack applies to: the expected cost, or the mean-CVaR objective."""
    from optimizer.formulation.risk import risk_settings

    lam, alpha = risk_settings(inst)
    if lam > 0:
        return f"mean-CVaR objective (λ {lam:g}, α {alpha:g})"
    return "expected cost"


def find_alternatives(inst: Instance, options: SolveOptions | None = None,
                      slack: float = DEFAULT_SLACK, share_country: str | None = None,
                      share_basis: str = "processed", exact: bool = False, jobs: int = 1,
                      mip_start: bool = False, on_stage=None) -> Alternatives:
    """Solve ``inst``, then the MGA plans within ``slack`` (module docstring).

    ``on_stage(text)`` is told what runs next (the CLI's progress line). Raises
    :class:`NothingToVary` without candidate modules, InfeasibleError if the least-cost solve
    finds no plan, and ScenarioError for a ``share_country`` that is not a country.
    """
    from optimizer.errors import InfeasibleError, Problem, ScenarioError
    from optimizer.formulation import build_model
    from optimizer.solve import check_outcome, compile_arrays, solve_compiled

    note = on_stage or (lambda text: None)
    options = options or SolveOptions()
    if not 0.0 <= slack <= 1.0:
        raise ScenarioError(Problem("--slack", None, None, None, slack,
                                    "a cost slack from 0 % to 100 %"))
    countries_all = [str(c) for c in inst.table("countries")["country"]]
    if share_country is not None and share_country not in countries_all:
        raise ScenarioError(Problem("--share", "countries", None, "country", share_country,
                                    "a country of sheet 'countries' ("
                                    + ", ".join(countries_all) + ")"))
    if share_basis not in ("processed", "mined"):
        raise ScenarioError(Problem("--share-basis", None, None, None, share_basis,
                                    "processed or mined"))
    times: dict = {}
    t0 = time.perf_counter()
    _, md = build_model(inst, pyomo=False)
    if getattr(md, "empty_rows", None):
        from optimizer.diagnose import explain_empty_rows

        raise InfeasibleError("the hard constraints cannot all hold", explain_empty_rows(md))
    compiled = compile_arrays(md)
    times["build"] = time.perf_counter() - t0
    builds = build_frame(md)
    if builds.empty:
        raise NothingToVary(f"{inst.name}: the instance has no candidate modules (sheet "
                            "'modules'), so every near-optimal plan builds nothing; add "
                            "candidate modules to compare alternatives")
    # Countries with a module that may be built (a max_count of 0 offers nothing to vary).
    countries = sorted(builds.loc[builds["max_count"] > 0, "country"].dropna().astype(str)
                       .unique())

    note("solving the least-cost plan")
    t0 = time.perf_counter()
    best = solve_compiled(md, compiled, replace(options, duals=True, fixed_builds=None,
                                                  fixed_contracts=None),
                          ranging=False)
    times["optimum"] = time.perf_counter() - t0
    if best.termination in ("infeasible", "infeasible_or_unbounded", "unbounded"):
        from optimizer.diagnose import diagnose_failure

        raise diagnose_failure(md, compiled, best, options)
    try:
        check_outcome(best, options)
    except InfeasibleError as exc:  # its hint names solve's --allow-nonoptimal: not an option here
        message = str(exc).replace(
            "pass --allow-nonoptimal to accept it, or raise --time-limit",
            "raise --time-limit: the slack is measured from the least cost, which must be proven")
        raise InfeasibleError(f"least-cost solve: {message}") from None
    optimum = float(best.objective)
    bound = optimum + max(slack, ROUND_OFF) * abs(optimum)
    share_vec = share_vector(md, compiled, share_country, share_basis) \
        if share_country else None

    least = Plan(Goal("least_cost", ""), best.status, times["optimum"])
    _finish_plan(least, md, inst, best, builds, countries, share_vec)
    plans = [least]

    goals = [Goal("capacity", s, c) for c in countries for s in ("min", "max")]
    if share_country:
        goals += [Goal("share", s, share_country) for s in ("min", "max")]
    start = _columns(md, best) if mip_start else None
    lp_h = getattr(best, "lp_highs", None)
    if lp_h is None:  # its fixed LP failed: the MIP itself, every integer to be fixed, serves
        from optimizer.solve import _new_highs

        lp_h = _new_highs(options)
        lp_h.passModel(compiled.lp)

    def run(goal_list, what):
        vectors = [goal_vector(md, compiled, builds, g, share_basis) for g in goal_list]
        names = [g.name for g in goal_list]
        shares = frozenset(g.name for g in goal_list if g.kind == "share")
        results = solve_goals(md, compiled, bound, vectors, options, start, names, jobs, shares)
        with closing(results):  # on an error, workers still running are stopped at once
            for i, g in enumerate(goal_list):
                note(f"{what} {i + 1} of {len(goal_list)}: {g.name}" if jobs <= 1 else
                     f"{what}s: {i} of {len(goal_list)} done ({jobs} workers)")
                plans.append(plan_of(g, next(results)))

    def plan_of(g: Goal, r: dict) -> Plan:
        """Goal ``g``'s solve result ``r`` as a plan: its flows, verification and figures."""
        p = Plan(g, "optimal" if r["termination"] == "optimal" else
                 ("feasible" if r["has_solution"] else r["termination"]), r["seconds"])
        if not r["has_solution"]:
            p.message = f"no plan within the slack: the solver reports {r['termination']}"
            return p
        p.goal_value = -r["goal_value"] if g.sense == "max" else r["goal_value"]
        # Its builds operated at least cost; a share goal's plan also holds the share it
        # reached (re-optimising freely would undo it).
        if g.kind == "share":
            outcome = least_cost_holding(md, compiled, lp_h, r["integers"], share_vec,
                                         p.goal_value, g.sense)
            if not outcome.has_solution:  # numerically tight: keep the MGA's own flows
                outcome = _outcome_of(md, compiled, r["columns"])
        else:
            outcome = operate(md, compiled, lp_h, r["integers"])
        if outcome.has_solution:
            _finish_plan(p, md, inst, outcome, builds, countries, share_vec)
        else:
            p.status, p.message = outcome.termination, (
                "the least-cost flows for this plan's builds were not found")
        return p

    t0 = time.perf_counter()
    run(goals, "alternative")
    times["alternatives"] = time.perf_counter() - t0

    modules = _sorted(decision_ranges(builds, plans, ["module"]), ["module"])
    if exact:
        t0 = time.perf_counter()
        todo = []
        for row in modules.itertuples():
            if row.min_expected_count > COUNT_TOL:
                todo.append(Goal("module", "min", row.module))
            if row.max_expected_count < row.max_count - COUNT_TOL:
                todo.append(Goal("module", "max", row.module))
        run(todo, "exact bound")
        times["exact"] = time.perf_counter() - t0
        modules = _sorted(decision_ranges(builds, plans, ["module"]), ["module"])
        modules["exact_solves"] = [sum(1 for g in todo if g.target == m) for m in modules["module"]]
    decisions = _sorted(decision_ranges(builds, plans, ["module", "decision_period"]),
                        ["module", "decision_period"])
    return Alternatives(inst.name, slack, objective_kind(inst), optimum, bound, plans, builds,
                        countries, share_country, share_basis, exact, modules, decisions,
                        mip_start, times)


# --------------------------------------------------------------------------------------------
# Tables for the outputs
# --------------------------------------------------------------------------------------------

def plan_builds(a: Alternatives) -> pd.DataFrame:
    """Every build of every plan: plan, module, site, country, decision period, decided in
    (the node's scenarios), probability, count, expected capacity (t/base period).
    """
    rows = []
    for p in a.plans:
        if not p.has_plan:
            continue
        b = a.builds[p.counts > 0.5]
        for r, count in zip(b.itertuples(), p.counts[p.counts > 0.5]):
            rows.append((p.goal.name, r.module, r.site, r.country, r.decision_period, r.period,
                         r.probability, int(count), r.probability * r.capacity_t * count))
    return pd.DataFrame(rows, columns=["plan", "module", "site", "country", "decision_period",
                                       "online_period", "probability", "count",
                                       "expected_capacity_t"])


def builds_text(builds: pd.DataFrame, counts: np.ndarray) -> str:
    """A plan's builds in one cell: 'jA 2026Q1; 2 × jB 2027Q4 (p 0.5)', in decision order.

    The same build decided in several nodes of a period is one entry with their probabilities
    summed: built in every branch of 2027Q3 reads 'USA_EF_ph2 2027Q3', in branches of
    probability 0.15 and 0.1 '… (p 0.25)'. A count above 1 and a probability below 1 are shown.
    """
    b = builds.assign(count=counts)[counts > 0.5]
    b = b.groupby(["decision_pos", "decision_period", "module", "count"], sort=True,
                  observed=True)["probability"].sum().reset_index()
    return "; ".join((f"{int(c)} × " if c > 1.5 else "") + f"{m} {d}"
                     + (f" (p {pr:.3g})" if pr < 1 - 1e-9 else "")
                     for m, d, c, pr in zip(b["module"], b["decision_period"], b["count"],
                                            b["probability"])) or "nothing"


def contracts_text(contracts: pd.DataFrame | None) -> str:
    """The contracts a plan signs, in one cell: 'c1 2026Q1; c2 2027Q1 (p 0.5)' (from the
    ``contracts`` result table when the instance has contracts; fixed ones not listed)."""
    if contracts is None or "contract" not in contracts:
        return ""
    c = contracts[contracts["decision"] != "fixed"] if "decision" in contracts else contracts
    prob = c["probability"] if "probability" in c else pd.Series(1.0, index=c.index)
    period = c["decision_period"] if "decision_period" in c else pd.Series("", index=c.index)
    return "; ".join(f"{n} {d}" + (f" (p {p:.3g})" if p < 1 - 1e-9 else "")
                     for n, d, p in zip(c["contract"], period, prob)) or "none"


def plans_table(a: Alternatives) -> pd.DataFrame:
    """alternatives.csv: one row per plan with its goal, cost, verification and capacities."""
    rows = []
    for p in a.plans:
        row = {"plan": p.goal.name, "goal": p.goal.kind, "sense": p.goal.sense,
               "target": p.goal.target, "status": p.status, "seconds": p.seconds,
               "goal_value": p.goal_value, "cost_usd": p.cost_usd,
               "expected_cost_usd": p.expected_cost_usd, "cvar_usd": p.cvar_usd,
               "cost_over_optimum": None if p.cost_usd is None else
               (p.cost_usd - a.optimum_usd) / max(abs(a.optimum_usd), 1e-9),
               "within_slack": None if p.cost_usd is None else
               bool(p.cost_usd <= a.bound_usd * (1 + 1e-7) + 1e-6),
               "verified": p.verified}
        for c in a.countries:
            row[f"capacity_{c}_t"] = p.country_capacity_t.get(c)
        if a.share_country:
            row[f"share_{a.share_country}"] = p.share
        row["builds"] = builds_text(a.builds, p.counts) if p.has_plan else ""
        if any(len(q.tables.get("contracts", ())) for q in a.plans):
            row["contracts"] = contracts_text(p.tables.get("contracts"))
        row["message"] = p.message
        rows.append(row)
    return pd.DataFrame(rows)


def summary(a: Alternatives) -> dict:
    """alternatives.json: settings, the optimum, the bound, classes and notes."""
    mods = a.module_ranges
    names = {k: mods.loc[mods["class"] == k, "module"].tolist() for k in CLASS_ORDER}
    return {
        "instance": a.instance, "slack": a.slack, "objective": a.objective_kind,
        "optimum_usd": a.optimum_usd, "bound_usd": a.bound_usd,
        "share_country": a.share_country, "share_basis": a.share_basis if a.share_country
        else None, "exact_module_ranges": a.exact, "mip_start": a.mip_start,
        "plans": len(a.plans), "plans_failed": len(a.failed),
        "goals_not_proven": [p.goal.name for p in a.unproven],
        "must_have": names["must-have"], "interchangeable": names["interchangeable"],
        "never": names["never"],
        "note": EXACT_NOTE if a.exact else NOT_EXACT_NOTE,
        "capacity_unit": "t REO per base period (expected over scenarios)",
        "times_s": {k: round(v, 3) for k, v in a.times_s.items()},
    }
