r"""Risk–cost frontier: plans for a sweep of risk weights λ (and levels α), compared.

For each level α and weight λ ∈ [0, 1] the model minimises

.. math:: V(\lambda) = \min_x\ f_x(\lambda), \qquad
          f_x(\lambda) = (1 - \lambda)\, \mathbb{E}[C(x)] + \lambda\, \mathrm{CVaR}_\alpha(C(x))

(optimizer/formulation/risk.py). Each point reports E[cost], VaR_α, CVaR_α, the cost of
each scenario, the builds (and contracts) of its plan, and what changes from the previous
point. For exact optima E is non-decreasing and CVaR non-increasing in λ: with x₁ optimal at
λ₁ < λ₂ and x₂ at λ₂, adding f_{λ₁}(x₁) ≤ f_{λ₁}(x₂) and f_{λ₂}(x₂) ≤ f_{λ₂}(x₁) gives
(λ₂ − λ₁)[(CVaR₁ − E₁) − (CVaR₂ − E₂)] ≥ 0, and then each inequality gives E₁ ≤ E₂.

Points that need no solve
-------------------------
:math:`f_x` is linear in λ for a fixed plan, so V (a minimum of linear functions) is concave.
Let points a < b be solved, with best bounds β_a ≤ V(λ_a) and β_b ≤ V(λ_b). For λ between
them V lies above its chord, which lies above the chord L of the bounds:

.. math:: V(\lambda) \ge L(\lambda) = \beta_a + (\beta_b - \beta_a)
          \frac{\lambda - \lambda_a}{\lambda_b - \lambda_a}.

So if the better of the two plans at λ satisfies f_x(λ) − L(λ) ≤ g f_x(λ) (g the relative
MIP gap; f > 0), then f_x(λ) − V(λ) ≤ g f_x(λ): x is as good there as a solve at gap g would
be (exactly optimal when g = 0 and the two ends are exact), and the point takes x's figures,
marked ``inferred`` with its proven gap. When both ends have the same plan (or a plan at one
end is within g at the other) this holds at every point between them. The sweep solves the
two ends of each α first; then, between consecutive solved points, it settles what it can and
solves the open point nearest the λ where the two plans' lines cross (where a third plan, if
any, beats both: the non-inferior set estimation of bi-objective programming), each solve
starting from the model the worker holds (:mod:`optimizer.live`: only the objective changes;
a MIP starts from the worker's previous plan). ``every_point`` solves every point instead.

Execution: each solve is a :class:`~optimizer.batch.task.Task` run by the batch worker
(:func:`optimizer.batch.runner.run_task`). ``jobs`` 1 without a cluster runs them one after
the other in this process (one live model for the whole sweep); otherwise each bisection
round goes through :func:`optimizer.batch.runner.execute` (a local process pool, or dask).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Override
from optimizer.risk_measures import tail_measures

DEFAULT_POINTS = 11
"""λ = 0, 0.1, …, 1."""

LP_TOLERANCE = 1e-9
"""Relative slack of the inference check for an LP (its bound is its optimum)."""

SAME = 1e-9
"""Relative tolerance under which two figures (E, CVaR) count as equal (duplicates)."""

LIVE_LAMBDA = 0.5
"""λ of the model a worker keeps: any λ > 0 gives the CVaR columns every point re-prices."""

PARTIAL_EXIT_CODE = 4
"""Exit code when a point failed (tables written, marked partial)."""


# --------------------------------------------------------------------------------------------
# Arguments


def _numbers(text: str, option: str, what: str, ok) -> list[float]:
    """Comma-separated numbers of ``text``, each satisfying ``ok``; ScenarioError otherwise."""
    values, bad = [], []
    for part in str(text).split(","):
        try:
            v = float(part.strip())
        except ValueError:
            bad.append(part.strip())
            continue
        if not (math.isfinite(v) and ok(v)):
            bad.append(part.strip())
        values.append(v)
    if bad or not values:
        example = "0,0.25,0.5,0.75,1" if option == "--weights" else "0.9,0.95"
        raise ScenarioError(Problem(option, None, None, None, ", ".join(bad) or text,
                                    f"{what}, comma-separated (e.g. {option} {example})"))
    return values


def sweep_weights(points: int | None = None, weights: str | None = None) -> tuple[float, ...]:
    """The λ of the sweep, sorted and without repeats: ``weights`` or ``points`` evenly from 0
    to 1 (default 11). ScenarioError (exit 2) for a weight outside [0, 1], both options, or
    fewer than 2 points."""
    if weights is not None and points is not None:
        raise ScenarioError(Problem("--points", None, None, None, points,
                                    "either --points or --weights, not both"))
    if weights is not None:
        return tuple(sorted(set(_numbers(weights, "--weights", "weights λ from 0 to 1",
                                         lambda v: 0.0 <= v <= 1.0))))
    n = DEFAULT_POINTS if points is None else int(points)
    if n < 2:
        raise ScenarioError(Problem("--points", None, None, None, n,
                                    "at least 2 points (λ = 0 and λ = 1)"))
    return tuple(round(i / (n - 1), 12) for i in range(n))


def sweep_alphas(values: list[str] | None, default: float) -> tuple[float, ...]:
    """The α of the sweep (each ``--alpha`` may list several), sorted; the instance's if none."""
    if not values:
        return (default,)
    out = []
    for text in values:
        out += _numbers(text, "--alpha", "levels α above 0 and below 1", lambda v: 0.0 < v < 1.0)
    return tuple(sorted(set(out)))


def point_name(lam: float, alpha: float, several_alphas: bool) -> str:
    """Name (and folder) of a point: ``lambda=0.3``, or ``alpha=0.9,lambda=0.3``."""
    return (f"alpha={alpha:g}," if several_alphas else "") + f"lambda={lam:g}"


# --------------------------------------------------------------------------------------------
# Points


@dataclass
class Point:
    """One (α, λ) of the sweep and the plan reported for it."""

    alpha: float
    lam: float
    name: str
    status: str = "not run"  # solved | inferred | failed | not run
    plan_from: float | None = None  # λ of the solve whose plan this is
    reason: str = ""
    objective: float | None = None  # f_x(λ), USD
    bound: float | None = None
    gap: float | None = None  # solver's relative gap, or the inference's guarantee
    is_mip: bool = False
    expected: float | None = None
    var: float | None = None
    cvar: float | None = None
    scenario_costs: pd.DataFrame | None = None  # scenario, probability, cost_usd
    decisions: dict = field(default_factory=dict)  # (kind, item, country, period, decided_in)
    folder: str = ""
    wall_s: float | None = None

    @property
    def has_plan(self) -> bool:
        """True for a solved or inferred point with figures."""
        return self.status in ("solved", "inferred") and self.expected is not None


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def plan_decisions(builds: pd.DataFrame | None, contracts: pd.DataFrame | None) -> dict:
    """(kind, item, country, period, decided in) → count: the builds (online period) and the
    contracts signed (decision period) of a plan."""
    out: dict = {}
    for kind, df, item, period, count in (("build", builds, "module", "online_period", "count"),
                                          ("contract", contracts, "contract", "decision_period",
                                           "signed")):
        if df is None or df.empty or item not in df:
            continue
        for _, r in df.iterrows():
            n = float(r.get(count, 1) if count in df else 1)
            if n <= 0:
                continue
            key = (kind, str(r[item]), str(r.get("country", "")), str(r.get(period, "")),
                   str(r.get("decided_in", "all")))
            out[key] = out.get(key, 0.0) + n
    return out


def read_point(point: Point, folder: Path, res: dict) -> Point:
    """Fill ``point`` from its run folder (summary.json, tables/) or its failure."""
    point.wall_s = res.get("wall_s")
    if res.get("status") != "ok":
        point.status, point.reason = "failed", str(res.get("reason") or "no plan")
        return point
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    costs = pd.read_csv(folder / "tables" / "scenario_costs.csv")
    point.status, point.plan_from = "solved", point.lam
    point.objective, point.bound = summary.get("objective_usd"), summary.get("best_bound_usd")
    point.gap, point.is_mip = summary.get("gap"), bool(summary.get("is_mip"))
    point.scenario_costs = costs[["scenario", "probability", "cost_usd"]].copy()
    _set_risk(point)
    point.decisions = plan_decisions(_read_csv(folder / "tables" / "builds.csv"),
                                     _read_csv(folder / "tables" / "contracts.csv"))
    return point


def _set_risk(point: Point) -> None:
    c = point.scenario_costs["cost_usd"].to_numpy(float)
    p = point.scenario_costs["probability"].to_numpy(float)
    point.expected = float(np.sum(p * c))
    point.var, point.cvar = tail_measures(c, p, point.alpha)


def mean_cvar(point: Point, lam: float) -> float:
    """f_x(λ) of ``point``'s plan: (1 − λ) E + λ CVaR (USD)."""
    return (1.0 - lam) * point.expected + lam * point.cvar


def chord_bound(a: Point, b: Point, lam: float) -> float:
    """L(λ): the bounds of solved points ``a`` and ``b`` joined by a line; V(λ) ≥ L(λ) between
    them, V being concave (module docstring)."""
    t = (lam - a.lam) / (b.lam - a.lam)
    return (1.0 - t) * a.bound + t * b.bound


def settle(a: Point, b: Point, target: Point, gap: float) -> Point | None:
    """``target`` (between solved ``a`` and ``b``) with the better of their plans, if that
    plan is provably within ``gap`` of the optimum there: f_x(λ) − L(λ) ≤ gap · f_x(λ)
    (module docstring); None otherwise."""
    if a.bound is None or b.bound is None or a.status != "solved" or b.status != "solved":
        return None
    plans = [p for p in (a, b) if p.has_plan]
    gap = gap if a.is_mip or b.is_mip else 0.0  # an LP's bound is its optimum
    best = min(plans, key=lambda p: mean_cvar(p, target.lam))
    f, low = mean_cvar(best, target.lam), chord_bound(a, b, target.lam)
    if f <= 0 or f - low > (gap + LP_TOLERANCE) * f:
        return None
    return inferred(best, target, max((f - low) / f, 0.0))


def inferred(plan: Point, target: Point, guarantee: float) -> Point:
    """``target`` given ``plan``'s figures; ``gap`` is the proven bound (f − L) / f."""
    return replace(target, status="inferred", plan_from=plan.lam,
                   objective=mean_cvar(plan, target.lam), bound=None, gap=guarantee,
                   is_mip=plan.is_mip, expected=plan.expected, var=plan.var, cvar=plan.cvar,
                   scenario_costs=plan.scenario_costs, decisions=dict(plan.decisions),
                   folder=plan.folder, reason="", wall_s=0.0)


def crossing(a: Point, b: Point) -> float | None:
    """λ where the lines f_{x_a} and f_{x_b} cross (None if parallel or a plan is missing):
    where a third plan, if there is one between them, does best against both."""
    if not (a.has_plan and b.has_plan):
        return None
    slope = (a.cvar - a.expected) - (b.cvar - b.expected)
    if abs(slope) <= SAME * max(abs(a.cvar), abs(a.expected), 1.0):
        return None
    return (b.expected - a.expected) / slope


def next_round(points: list[Point], gap: float) -> list[int]:
    """Indices (into ``points``, sorted by λ) to solve next; settled points are filled in.

    Between two consecutive solved (or failed) points, every point not yet decided is
    settled if :func:`settle` proves one of the two plans good enough there; of those left,
    the one nearest the crossing of the two plans' lines is solved next (the middle one if
    the lines do not cross between them).
    """
    ends = [i for i, p in enumerate(points) if p.status in ("solved", "failed")]
    todo = []
    for i, j in zip(ends, ends[1:], strict=False):
        a, b = points[i], points[j]
        for k in range(i + 1, j):
            if points[k].status == "not run":
                points[k] = settle(a, b, points[k], gap) or points[k]
        left = [k for k in range(i + 1, j) if points[k].status == "not run"]
        if not left:
            continue
        x = crossing(a, b)
        if x is None or not (a.lam < x < b.lam):
            todo.append(left[(len(left) - 1) // 2])
        else:
            todo.append(min(left, key=lambda k: (abs(points[k].lam - x), k)))
    return todo


# --------------------------------------------------------------------------------------------
# The sweep


@dataclass
class Frontier:
    """The points of a sweep (by α, then λ) and how long it took."""

    points: list[Point]
    weights: tuple[float, ...]
    alphas: tuple[float, ...]
    wall_s: float = 0.0
    rounds: int = 0

    @property
    def failures(self) -> list[tuple[str, str]]:
        """(point, reason) of every point that failed."""
        return [(p.name, p.reason) for p in self.points if p.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 complete; 4 partial (a point failed)."""
        return PARTIAL_EXIT_CODE if self.failures else 0


def _task(base: str, checksum: str, options, point: Point, folder: Path):
    from optimizer.batch.definition import run_key
    from optimizer.batch.task import Task

    ovs = (Override("settings", ("risk_weight",), "value", point.lam, source="frontier", layer=1),
           Override("settings", ("cvar_alpha",), "value", point.alpha, source="frontier",
                    layer=1))
    return Task(point.name, base, checksum, ovs, options, run_key(checksum, ovs, options),
                str(folder), "CHN", (("risk_weight", point.lam), ("cvar_alpha", point.alpha)),
                (("with_risk", LIVE_LAMBDA),), compare_status_quo=False, live=True,
                render=False)


def _run_local(tasks, on_start):
    """Run ``tasks`` one after the other in this process (the worker's function, its cache)."""
    from optimizer.batch.runner import run_task

    for t in tasks:
        on_start(t)
        yield run_task(t)


def run_frontier(base: str | Path, options, weights: tuple[float, ...],
                 alphas: tuple[float, ...] | None, points_dir: Path, jobs: int = 1,
                 cluster: str | None = None, every_point: bool = False, quiet: bool = True,
                 stream=None) -> Frontier:
    """Solve the sweep; each solved point's run folder goes to ``points_dir/<name>/``.

    ``options`` is a SolveOptions (its MIP gap is the ``g`` of the module docstring).
    Raises InputError if the instance is invalid; a point that fails is recorded, not raised.
    """
    from optimizer.api import load_instance
    from optimizer.batch.progress import Progress
    from optimizer.batch.runner import execute, save_run
    from optimizer.paths import safe_name
    from optimizer.risk_settings import risk_settings

    t0 = time.perf_counter()
    inst = load_instance(base)
    if not alphas:
        alphas = (risk_settings(inst)[1],)
    in_process = cluster is None and int(jobs or 1) <= 1
    opts = replace(options, fixed_builds=None, fixed_contracts=None,
                   threads=options.threads if in_process else 1)
    several = len(alphas) > 1
    by_alpha = {a: [Point(a, lam, point_name(lam, a, several)) for lam in weights]
                for a in alphas}
    gap = max(float(opts.mip_rel_gap), 0.0)
    progress = Progress(0, enabled=not quiet, stream=stream, label="frontier")
    rounds = 0
    todo = {a: (list(range(len(weights))) if every_point else sorted({0, len(weights) - 1}))
            for a in alphas}
    while any(todo.values()):
        rounds += 1
        batch = [(a, i) for a in alphas for i in todo[a]]
        tasks = {}
        for a, i in batch:
            p = by_alpha[a][i]
            p.folder = f"points/{safe_name(p.name)}"
            tasks[p.name] = (a, i, _task(str(base), inst.checksum, opts, p,
                                         points_dir / safe_name(p.name)))
        progress.total += len(tasks)
        run = _run_local if in_process else (lambda ts, on_start: execute(ts, jobs, cluster,
                                                                          on_start))
        for res in run([t for _, _, t in tasks.values()],
                       lambda t: progress.started(t.name)):
            a, i, task = tasks[res["name"]]
            if not res.get("written"):
                try:
                    save_run(task, res)
                except Exception as exc:  # noqa: BLE001 - recorded as the point's failure
                    res.update(status="failed", reason=f"writing outputs failed: {exc}")
            read_point(by_alpha[a][i], Path(task.out_dir), res)
            ok = res.get("status") == "ok"
            progress.finished(task.name, ok, "" if ok else str(res.get("reason"))[:200])
        todo = {a: [] if every_point else next_round(by_alpha[a], gap) for a in alphas}
    progress.close()
    points = [p for a in alphas for p in by_alpha[a]]
    return Frontier(points, tuple(weights), tuple(alphas), time.perf_counter() - t0, rounds)


# --------------------------------------------------------------------------------------------
# Tables


def _short(decisions: dict, kind: str, scenarios: set[str]) -> str:
    """``1×mod@2029 (USA); 1×exp@2028 (MYS) if a+b``: one item per (item, country, period,
    count), its branches joined; plain when the branches together hold every scenario."""
    groups: dict = {}
    for (k, item, country, period, decided), n in sorted(decisions.items()):
        if k == kind:
            every = decided in ("all", "nan", "")  # decided here and now
            groups.setdefault((item, country, period, n), set()).update(
                {"*all*"} if every else decided.split("+"))
    parts = []
    for (item, country, period, n), who in groups.items():
        where = f" ({country})" if country and country != "nan" else ""
        cond = "" if "*all*" in who or (scenarios and who >= scenarios) \
            else " if " + "/".join(sorted(who))
        parts.append(f"{n:g}×{item}@{period}{where}{cond}")
    return "; ".join(parts)


def _same(x: float, y: float) -> bool:
    return abs(x - y) <= SAME * max(abs(x), abs(y), 1.0)


def mark_points(points: list[Point]) -> tuple[list[bool], list[float | None]]:
    """Per point (one α): dominated? (another plan has E and CVaR no higher, one lower) and
    the λ of the first point with the same E and CVaR (a duplicate), else None."""
    dominated, duplicate = [], []
    for p in points:
        if not p.has_plan:
            dominated.append(False)
            duplicate.append(None)
            continue
        others = [q for q in points if q is not p and q.has_plan]
        dominated.append(any(
            (q.expected <= p.expected or _same(q.expected, p.expected))
            and (q.cvar <= p.cvar or _same(q.cvar, p.cvar))
            and ((q.expected < p.expected and not _same(q.expected, p.expected))
                 or (q.cvar < p.cvar and not _same(q.cvar, p.cvar))) for q in others))
        first = next((q.lam for q in points if q.has_plan and q.lam < p.lam
                      and _same(q.expected, p.expected) and _same(q.cvar, p.cvar)), None)
        duplicate.append(first)
    return dominated, duplicate


def decision_changes(points: list[Point]) -> list[dict]:
    """What changes from each point with a plan to the next one (same α): one row per
    build or contract started, dropped, or taken in a different number."""
    rows = []
    with_plan = [p for p in points if p.has_plan]
    for prev, cur in zip(with_plan, with_plan[1:], strict=False):
        for key in sorted(set(prev.decisions) | set(cur.decisions)):
            before, after = prev.decisions.get(key, 0.0), cur.decisions.get(key, 0.0)
            if _same(before, after):
                continue
            kind, item, country, period, decided = key
            rows.append({"cvar_alpha": cur.alpha, "from_risk_weight": prev.lam,
                         "to_risk_weight": cur.lam, "kind": kind, "item": item,
                         "country": country, "period": period, "decided_in": decided,
                         "count_before": before, "count_after": after,
                         "change": "started" if before == 0 else "dropped" if after == 0
                         else "more" if after > before else "fewer"})
    return rows


def _change_text(rows: list[dict]) -> str:
    """``started 1×j@P1; dropped 2×k@P2``: the count after (before, for a dropped one)."""
    def count(r):
        return r["count_before"] if r["change"] == "dropped" else r["count_after"]

    return "; ".join(f"{r['change']} {count(r):g}×{r['item']}@{r['period']}" for r in rows)


def frontier_tables(frontier: Frontier) -> dict[str, pd.DataFrame]:
    """``frontier`` (one row per point), ``scenario_costs`` and ``changes`` (long tables)."""
    rows, costs, changes = [], [], []
    for a in frontier.alphas:
        pts = [p for p in frontier.points if p.alpha == a]
        dominated, duplicate = mark_points(pts)
        ch = decision_changes(pts)
        changes += ch
        for p, dom, dup in zip(pts, dominated, duplicate, strict=True):
            mine = [r for r in ch if r["to_risk_weight"] == p.lam]
            worst = None if p.scenario_costs is None else float(p.scenario_costs["cost_usd"].max())
            scen = set() if p.scenario_costs is None else set(p.scenario_costs["scenario"])
            rows.append({"cvar_alpha": a, "risk_weight": p.lam, "point": p.name,
                         "status": p.status, "plan_from_risk_weight": p.plan_from,
                         "objective_usd": p.objective, "expected_cost_usd": p.expected,
                         "var_usd": p.var, "cvar_usd": p.cvar,
                         "worst_scenario_cost_usd": worst, "gap": p.gap,
                         "builds": _short(p.decisions, "build", scen),
                         "contracts": _short(p.decisions, "contract", scen),
                         "changes_from_previous": _change_text(mine),
                         "dominated": dom, "duplicate_of_risk_weight": dup,
                         "folder": p.folder, "wall_s": p.wall_s, "reason": p.reason})
            if p.scenario_costs is not None:
                for r in p.scenario_costs.itertuples(index=False):
                    costs.append({"cvar_alpha": a, "risk_weight": p.lam,
                                  "scenario": r.scenario, "probability": r.probability,
                                  "cost_usd": r.cost_usd})
    return {"frontier": pd.DataFrame(rows),
            "scenario_costs": pd.DataFrame(costs, columns=["cvar_alpha", "risk_weight",
                                                           "scenario", "probability",
                                                           "cost_usd"]),
            "changes": pd.DataFrame(changes, columns=[
                "cvar_alpha", "from_risk_weight", "to_risk_weight", "kind", "item", "country",
                "period", "decided_in", "count_before", "count_after", "change"])}


def write_frontier(frontier: Frontier, tmp: Path, meta: dict) -> dict[str, pd.DataFrame]:
    """Write frontier.csv, scenario_costs.csv, changes.csv, frontier.xlsx, frontier.json and
    frontier.html into ``tmp`` (the caller's atomic output folder)."""
    from optimizer.csv_safe import write_csv
    from optimizer.json_safe import json_safe
    from optimizer.output import write_json
    from optimizer.report.excel import write_tables_workbook
    from optimizer.report.frontier_html import write_frontier_report

    tables = frontier_tables(frontier)
    for name, df in tables.items():
        write_csv(df, tmp / ("frontier.csv" if name == "frontier" else f"{name}.csv"))
    write_tables_workbook(tables, tmp / "frontier.xlsx")
    counts = {s: sum(p.status == s for p in frontier.points)
              for s in ("solved", "inferred", "failed")}
    write_json(json_safe({
        **meta, "complete": not frontier.failures, "risk_weights": list(frontier.weights),
        "cvar_alphas": list(frontier.alphas), "counts": counts, "rounds": frontier.rounds,
        "wall_s": round(frontier.wall_s, 3),
        "failures": [{"point": n, "reason": r} for n, r in frontier.failures],
        "points": tables["frontier"].drop(columns=["wall_s"]).to_dict("records")}),
        tmp / "frontier.json")
    write_frontier_report(tmp, tables, meta)
    return tables
