r"""Resilience analytics: cost of resilience, VSS and EVPI, cut-off screen, price of policies.

Every measure is a set of solves of the base instance, changed in one of three ways: run
overrides (as in a batch), *transforms* of the instance (keep one scenario, use the
expected-value data, drop the rules, drop one rule row) and *fixed builds*
(``SolveOptions.fixed_builds``: every module build fixed, the rest re-optimised). All solves go
through the batch executor, so ``--jobs`` and ``--cluster`` apply.

Definitions (minimising expected discounted cost; *x* = the module builds; ξ_s the data of
scenario *s* with probability p_s). With adaptive builds (the default) RP decides builds node
by node and *HN* is the same model with every build decided here and now; the *value of
flexibility* is HN − RP (docs/model.md states the multi-stage reading of each measure):

.. math::

    RP &= \min_x \sum_s p_s\, c(x, ξ_s)                 &&\text{(recourse problem: the model)}\\
    EV &= \min_x c(x, \bar ξ), \quad \bar ξ = \sum_s p_s ξ_s  &&\text{(expected-value problem)}\\
    EEV &= \sum_s p_s\, c(\bar x, ξ_s)            &&\text{(}\bar x\text{: builds of EV, fixed)}\\
    WS &= \sum_s p_s \min_x c(x, ξ_s)                   &&\text{(wait-and-see)}\\
    VSS &= EEV - RP \ge 0, \qquad EVPI = RP - WS \ge 0

``c(x, ξ_s)`` re-optimises every other decision (flows, stocks, unmet demand); in EEV the
stochastic model evaluates the fixed builds, so its scenario tree (non-anticipativity) holds.
*Cost of resilience*: the resilient plan (RP) against the *naive* plan, which ignores the
disruption scenarios (base data only) and the end-use limits and diversification caps:
difference in planned expected cost and in capex, and each plan's cost and unmet demand if
each scenario happens, read from the plan's own solve of the full model (RP; the naive plan's
builds fixed in it): decisions before a scenario is revealed are shared by every scenario, so
these are the figures a solve reports (its ``scenario_costs``), not the wait-and-see optima,
which know the scenario from the start. *Cut-off screen*: for each supplying country, its
exports stop from a period (export quotas, its traders' capacities and every lane leaving it
set to 0), with the chosen builds fixed and with no new builds. *Price of a policy*: optimal
cost with the rule minus optimal cost without it (the rule's row removed), for each end-use
limit, diversification cap and export quota.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from optimizer.batch.executors import execute
from optimizer.batch.failures import one_line
from optimizer.batch.task import Task
from optimizer.batch.transforms import (  # noqa: F401 - re-exported: the analytics' transforms
    RULE_SHEETS,
    apply_transforms,
    base_only,
    drop_rows,
    expected_value_instance,
    only_scenario,
)
from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Instance, Override
from optimizer.schema import SHEET_BY_NAME

POLICY_SHEETS = ("end_use_limits", "diversification_caps", "export_quotas")


# --------------------------------------------------------------------------------------------
# Cut-off overrides and policy rows


def supplying_countries(inst: Instance) -> list[str]:
    """Countries that can send material abroad: a cross-border lane starts there, or a trader."""
    country = inst.site_country()
    lanes = inst.table("lanes")
    out = {country[o] for o, d in zip(lanes["origin"], lanes["destination"], strict=True)
           if country.get(o) != country.get(d)}
    out.update(inst.table("traders")["country"])
    order = list(inst.table("countries")["country"])
    return [c for c in order if c in out]


def cutoff_overrides(inst: Instance, country: str, from_period: str | None) -> tuple[Override, ...]:
    """Overrides stopping every export of ``country`` from ``from_period`` on (None = start):
    its export quotas, its traders' spot offers, its traders' contracts (``max_t`` 0: revoked,
    so their take-or-pay lapses with the channel, as when a scenario revokes a licence; a fee
    already paid stays paid) and every lane leaving it."""
    src = f"cut-off of {country}"
    ovs = []
    quotas = inst.table("export_quotas")
    if len(quotas) and (quotas["country"] == country).any():
        ovs.append(Override("export_quotas", (country,), "cap_t", 0.0, "set", from_period,
                            source=src))
    traders = inst.table("traders")
    sellers = list(traders.loc[traders["country"] == country, "trader"])
    for t in sellers:
        ovs.append(Override("traders", (t,), "capacity_t", 0.0, "set", from_period, source=src))
    contracts = inst.tables.get("contracts")
    if contracts is not None and len(contracts):
        # An export ban is force majeure: nothing can be delivered, so nothing is owed.
        for c in contracts.loc[contracts["trader"].isin(sellers), "contract"]:
            ovs.append(Override("contracts", (c,), "max_t", 0.0, "set", from_period,
                                source=src))
    site = inst.site_country()
    lanes = inst.table("lanes")
    for o, d in zip(lanes["origin"], lanes["destination"], strict=True):
        if site.get(o) == country and site.get(d) != country:
            ovs.append(Override("lanes", (o, d), "capacity_t", 0.0, "set", from_period, source=src))
    return tuple(ovs)


def policy_rows(inst: Instance) -> list[tuple[str, int, str]]:
    """(sheet, row position, label) of every end-use limit, diversification cap and quota."""
    out = []
    for sheet in POLICY_SHEETS:
        df = inst.table(sheet)
        for r in range(len(df)):
            key = ",".join("" if df[k].iat[r] is None else str(df[k].iat[r])
                           for k in SHEET_BY_NAME[sheet].key)
            if sheet == "end_use_limits":
                value = f"max_t={df['max_t'].iat[r]}, max_share={df['max_share'].iat[r]}"
            elif sheet == "diversification_caps":
                value = f"max_share={df['max_share'].iat[r]}"
            else:
                value = f"cap_t={df['cap_t'].iat[r]}"
            out.append((sheet, r, f"{sheet}[{key}] {value}"))
    return out


# --------------------------------------------------------------------------------------------
# The analysis


WS_OPTIMUM = "optimum_with_foresight_usd"
"""Column of ``wait_and_see``: the optimum of a scenario known from the first period (builds and
operations chosen for it alone). Not a plan's cost in that scenario (``plan_performance``)."""

PARTIAL_EXIT_CODE = 4
"""Exit code of ``supplyopt analyse`` when a solve failed (tables written, marked partial)."""


@dataclass
class Analysis:
    """Every table of an analysis (written by :func:`write_analysis`) and its failures."""

    tables: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (solve, full reason: every problem)
    wall_s: float = 0.0
    n_solves: int = 0
    objective: str = "expected discounted cost"
    """What every optimum and ``*_objective_*`` column holds: the expected discounted cost, or
    under a mean-CVaR objective (settings ``risk_weight`` λ > 0) "mean-CVaR objective (λ …)"."""

    @property
    def complete(self) -> bool:
        """True when every solve reached a plan, so every measure and table row has a value."""
        return not self.failures

    @property
    def exit_code(self) -> int:
        """0 complete; 4 partial (some solve failed: measures needing it are missing)."""
        return 0 if self.complete else PARTIAL_EXIT_CODE


def plan_performance(runs: dict, solves: dict, scenarios: list[str], prob: dict) -> pd.DataFrame:
    """Each plan's cost and unmet demand in each scenario, read from its solve of the full model.

    ``runs`` maps a plan label to the result of the solve holding its builds (the resilient
    plan: RP; the naive plan: its builds fixed in the model), ``solves`` to that solve's name.
    A row is the run's ``scenario_costs`` row: the discounted cost (USD) and unmet demand (t)
    if the scenario happens, every decision taken before the scenario is revealed being
    shared with the other scenarios, exactly as a solve reports it, so that

    Σ_s p_s × cost_usd_s = the plan's expected cost.

    It is not the cost of the scenario known from the start (``wait_and_see``, foresight).
    """
    rows = []
    for label, r in runs.items():
        r = r or {}
        ok = r.get("status") == "ok"
        costs = {c["scenario"]: c for c in r.get("scenario_costs") or []} if ok else {}
        unmet = (r.get("scenario_unmet") or {}) if ok else {}
        for s in scenarios:
            c = costs.get(s) or {}
            rows.append({"plan": label, "scenario": s, "probability": prob[s],
                         "status": r.get("status", "not run"), "solve": solves[label],
                         "cost_usd": c.get("cost_usd"), "unmet_t": c.get("unmet_t"),
                         **{f"unmet_{eu}_t": t for eu, t in sorted((unmet.get(s) or {})
                                                                   .items())}})
    return pd.DataFrame(rows)


def measures_table(summary: list[tuple], res: dict) -> pd.DataFrame:
    """The measures with, for each one missing, which solve it needs failed and why.

    ``summary`` holds (measure, definition, value, names of the solves it needs).
    """
    rows = []
    for name, definition, value, needs in summary:
        missing = [f"{n} {(res.get(n) or {}).get('status', 'not run')}" for n in needs
                   if (res.get(n) or {}).get("status") != "ok"]
        rows.append({"measure": name, "definition": definition, "value_usd": value,
                     "status": "ok" if value is not None else
                     "not computed: " + (", ".join(missing) or "a solve it needs failed")})
    return pd.DataFrame(rows, columns=["measure", "definition", "value_usd", "status"])


def _solve_task(name, base, checksum, options, transform=(), overrides=(), fixed=None):
    """A solve of the analysis; ``fixed`` a plan to evaluate: None, () for no new builds or
    contracts, or a solve's result, whose builds and contract signings are fixed."""
    if fixed is None or fixed == ():
        builds = contracts = fixed
    else:
        builds, contracts = fixed.get("builds") or (), fixed.get("contracts") or ()
    opts = replace(options, fixed_builds=None if builds is None else tuple(builds),
                   fixed_contracts=None if contracts is None else tuple(contracts))
    return Task(name, str(base), checksum, tuple(overrides), opts, name, None, "CHN", (),
                tuple(transform), compare_status_quo=False)


def _capex(res: dict) -> float | None:
    row = res.get("row") or {}
    if res.get("status") != "ok":
        return None
    return float(row.get("cost_capex_usd", 0.0) or 0.0) + float(row.get("cost_fixed_om_usd", 0.0)
                                                                or 0.0)


def _obj(res: dict | None) -> float | None:
    return res.get("objective") if res and res.get("status") == "ok" else None


def _diff(a, b):
    return None if a is None or b is None else a - b


def _expected(res: dict | None) -> float | None:
    """A plan's expected discounted cost (USD) from its batch row, where the objective is
    mean-CVaR (the row has it then; risk-neutral, it is the objective itself)."""
    return ((res or {}).get("row") or {}).get("expected_cost_usd") if _obj(res) is not None \
        else None


def analyse(base: str | Path, options=None, jobs: int = 1, cluster: str | None = None,
            cutoff_from: str | None = None, quiet: bool = True, stream=None,
            measures: tuple[str, ...] = ("resilience", "vss", "cutoff", "policy"),
            overrides: tuple = ()) -> Analysis:
    """Run the analyses of ``measures`` on the instance at ``base``; return the tables.

    ``overrides`` (``supplyopt analyse --set``, ``--risk-weight``, ``--cvar-alpha``) change the
    base data of every solve, as ``supplyopt solve``'s do: each solve's own changes (a cut-off,
    a dropped rule) come on top of them.

    Raises InputError if the instance is invalid or ``cutoff_from`` is not one of its periods.
    A solve that fails (e.g. a plan that cannot serve a must-serve demand in some scenario)
    is reported in the tables with its status, never raised.
    """
    from optimizer.api import load_instance
    from optimizer.batch.progress import Progress
    from optimizer.risk_settings import risk_settings
    from optimizer.solve import SolveOptions

    t0 = time.perf_counter()
    overrides = tuple(overrides)
    inst = load_instance(base)
    ck = inst.checksum  # of the file every solve reads; the overrides travel with each task
    if overrides:
        from optimizer.scenario import with_overrides

        inst = with_overrides(inst, overrides)  # what the measures below read (λ, countries …)
    if cutoff_from is not None and cutoff_from not in inst.period_index:
        raise ScenarioError(Problem("--cutoff-from", None, None, None, cutoff_from,
                                    "a period of the instance (" + ", ".join(inst.periods) + ")"))
    options = replace(options or SolveOptions(), threads=1, fixed_builds=None,
                      fixed_contracts=None)

    given = overrides

    def _task(name, base, checksum, options, transform=(), overrides=(), fixed=None):
        """:func:`_solve_task` with the analysis's own overrides first."""
        return _solve_task(name, base, checksum, options, transform,
                           given + tuple(overrides), fixed)

    scen = [s.name for s in inst.scenarios]
    prob = {s.name: s.probability for s in inst.scenarios}
    countries = supplying_countries(inst) if "cutoff" in measures else []
    policies = policy_rows(inst) if "policy" in measures else []
    cut = {c: cutoff_overrides(inst, c, cutoff_from) for c in countries}

    stage1 = [_task("RP", base, ck, options)]
    if "resilience" in measures:
        stage1.append(_task("naive", base, ck, options, (("base_only",), ("drop_rules",))))
    if "vss" in measures:
        stage1.append(_task("EV", base, ck, options, (("expected_value",),)))
        if inst.adaptive_builds and len(scen) > 1:
            stage1.append(_task("HN", base, ck, options, (("here_and_now",),)))
        stage1 += [_task(f"WS:{s}", base, ck, options, (("only_scenario", s),)) for s in scen]
    if "cutoff" in measures:
        stage1.append(_task("status_quo", base, ck, options, fixed=()))
        stage1 += [_task(f"cut:{c}:none", base, ck, options, overrides=cut[c], fixed=())
                   for c in countries]
    stage1 += [_task(f"policy:{i}", base, ck, options, (("drop_row", sheet, r),))
               for i, (sheet, r, _) in enumerate(policies)]
    progress = Progress(len(stage1), enabled=not quiet, stream=stream, label="analysis")
    res: dict[str, dict] = {}

    def run_all(tasks):
        for r in execute(tasks, jobs, cluster, on_start=lambda t: progress.started(t.name)):
            res[r["name"]] = r
            ok = r["status"] == "ok"
            progress.finished(r["name"], ok, "" if ok else one_line(r.get("reason")))

    run_all(stage1)
    rp, naive, ev = res.get("RP"), res.get("naive"), res.get("EV")
    stage2 = []
    if _obj(rp) is not None:
        stage2 += [_task(f"cut:{c}:chosen", base, ck, options, overrides=cut[c],
                         fixed=rp) for c in countries]
    if _obj(naive) is not None:
        stage2.append(_task("naive_in_model", base, ck, options, fixed=naive))
    if _obj(ev) is not None:
        stage2.append(_task("EEV", base, ck, options, fixed=ev))
    progress.total += len(stage2)
    run_all(stage2)
    progress.close()

    out = Analysis(n_solves=len(stage1) + len(stage2))
    lam = risk_settings(inst)[0]
    if lam > 0:
        out.objective = f"mean-CVaR objective (λ {lam:g})"
    out.failures = [(k, v.get("reason") or "no reason recorded") for k, v in res.items()
                    if v["status"] != "ok"]  # the full reason: every problem
    from optimizer.batch.summary import builds_short

    def plan_short(r):  # module@decision period, once per decision, "if …" when contingent
        return builds_short(pd.DataFrame(
            [{"count": c, "module": m, "online_period": p, "country": "", "decided_in": d}
             for m, p, c, d in (r or {}).get("builds", [])]), scen) \
            if _obj(r) is not None else None

    rp_obj = _obj(rp)
    summary = [("RP", "expected cost of the resilient plan (the model's optimum)", rp_obj,
                ("RP",))]
    if "resilience" in measures:
        n_model = _obj(res.get("naive_in_model"))
        rows = []
        for label, r, in_model, model_run in (("resilient", rp, rp_obj, rp),
                                              ("naive", naive, n_model,
                                               res.get("naive_in_model"))):
            rows.append({"plan": label, "status": (r or {}).get("status", "not run"),
                         "planned_objective_usd": _obj(r),
                         "objective_in_model_usd": in_model,
                         # under mean-CVaR the objective is not the expected cost: both
                         **({"expected_cost_in_model_usd": _expected(model_run)} if lam > 0
                            else {}),
                         "capex_usd": _capex(r or {}), "builds": plan_short(r),
                         "expected_unmet_t": (r or {}).get("row", {}).get("unmet_t")})
        out.tables["resilience_plans"] = pd.DataFrame(rows)
        out.tables["plan_performance"] = plan_performance(
            {"resilient": rp, "naive": res.get("naive_in_model")},
            {"resilient": "RP", "naive": "naive_in_model"}, scen, prob)
        summary += [
            ("naive_planned", "planned cost of the naive plan (base data, no end-use/"
             "diversification rules)", _obj(naive), ("naive",)),
            ("naive_in_model", "expected cost of the naive plan's builds in the model", n_model,
             ("naive", "naive_in_model")),
            ("cost_of_resilience", "RP − naive planned cost", _diff(rp_obj, _obj(naive)),
             ("RP", "naive")),
            ("capex_of_resilience", "capex (+ fixed O&M) of the resilient plan − the naive plan's",
             _diff(_capex(rp or {}), _capex(naive or {})), ("RP", "naive")),
            ("value_of_resilience", "naive plan's expected cost in the model − RP",
             _diff(n_model, rp_obj), ("RP", "naive", "naive_in_model")),
        ]
    if "vss" in measures:
        ws_parts = [(_obj(res.get(f"WS:{s}")), prob[s]) for s in scen]
        ws = None if any(v is None for v, _ in ws_parts) else sum(v * p for v, p in ws_parts)
        eev = _obj(res.get("EEV"))
        ws_solves = tuple(f"WS:{s}" for s in scen)
        summary += [
            ("EV", "optimum of the expected-value problem", _obj(ev), ("EV",)),
            ("EEV", "expected cost of the EV plan's builds in the model", eev, ("EV", "EEV")),
            ("WS", "wait-and-see: Σ p_s × optimum of scenario s known from the start", ws,
             ws_solves),
            ("VSS", "value of the stochastic solution = EEV − RP", _diff(eev, rp_obj),
             ("EV", "EEV", "RP")),
            ("EVPI", "expected value of perfect information = RP − WS", _diff(rp_obj, ws),
             ("RP", *ws_solves)),
        ]
        if "HN" in res:
            summary += [
                ("HN", "optimum with every build decided here and now (before anything is "
                 "revealed, the same in every scenario)", _obj(res["HN"]), ("HN",)),
                ("value_of_flexibility", "HN − RP: what waiting to decide builds on news is "
                 "worth", _diff(_obj(res["HN"]), rp_obj), ("HN", "RP")),
            ]
        out.tables["wait_and_see"] = pd.DataFrame(
            [{"scenario": s, "probability": prob[s], "status": (res.get(f"WS:{s}") or {})
              .get("status", "not run"), WS_OPTIMUM: _obj(res.get(f"WS:{s}")),
              "builds": plan_short(res.get(f"WS:{s}"))} for s in scen]
            + [{"scenario": "(expected value)", "probability": None,
                "status": (ev or {}).get("status", "not run"), WS_OPTIMUM: _obj(ev),
                "builds": plan_short(ev)}])
    if lam > 0:  # every optimum above is of (1 − λ) E + λ CVaR: say so, not "expected cost"
        name = out.objective
        summary = [(m, d.replace("expected cost", name).replace("optimum of", f"{name} of"),
                    v, n) for m, d, v, n in summary]
    out.tables["measures"] = measures_table(summary, res)
    if "cutoff" in measures:
        rows = []
        base_cost = {"chosen": rp_obj, "none": _obj(res.get("status_quo"))}
        for c in countries:
            for builds in ("chosen", "none"):
                r = res.get(f"cut:{c}:{builds}") or {}
                rows.append({"country": c, "from_period": cutoff_from or inst.periods[0],
                             "builds": builds, "status": r.get("status", "not run"),
                             "objective_usd": _obj(r),
                             "objective_increase_usd": _diff(_obj(r), base_cost[builds]),
                             **({"expected_cost_usd": _expected(r)} if lam > 0 else {}),
                             "expected_unmet_t": (r.get("row") or {}).get("unmet_t"),
                             **{f"unmet_{eu}_t": t for eu, t in sorted((r.get("unmet") or {})
                                                                       .items())},
                             "reason": one_line(r.get("reason"))})
        out.tables["cutoff_screen"] = pd.DataFrame(rows)
    if "policy" in measures:
        rows = []
        for i, (sheet, r, label) in enumerate(policies):
            x = res.get(f"policy:{i}") or {}
            rows.append({"sheet": sheet, "row": r + 2, "rule": label,
                         "status": x.get("status", "not run"), "cost_without_usd": _obj(x),
                         "price_usd": _diff(rp_obj, _obj(x))})
        out.tables["policy_prices"] = pd.DataFrame(
            rows, columns=["sheet", "row", "rule", "status", "cost_without_usd", "price_usd"])
    out.tables["solves"] = pd.DataFrame(
        [{"solve": k, "status": v["status"], "objective_usd": _obj(v),
          "reason": one_line(v.get("reason")), "wall_s": v.get("wall_s")} for k, v in res.items()])
    out.wall_s = time.perf_counter() - t0
    return out


def measure_lines(analysis: Analysis) -> list[str]:
    """Console lines of the measures: value, or ``n/a`` with the failed solve it needs."""
    lines = []
    for r in analysis.tables["measures"].itertuples():
        missing = r.value_usd is None or r.value_usd != r.value_usd
        value = "n/a" if missing else f"USD {r.value_usd:,.0f}"
        why = f"  [{r.status}]" if missing and getattr(r, "status", "") else ""
        lines.append(f"  {r.measure:<20} {value:>20}  {r.definition}{why}")
    return lines


def write_analysis(analysis: Analysis, folder: str | Path, meta: dict | None = None) -> Path:
    """One CSV per table and analysis.json, atomically in ``folder``; then analysis.xlsx and
    report.html, rendered from the saved tables (as ``supplyopt report`` re-renders them)."""
    from optimizer.batch.failures import reason_parts
    from optimizer.json_safe import json_safe
    from optimizer.output import atomic_dir, write_json, write_tables

    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        write_tables(analysis.tables, tmp)
        m = analysis.tables.get("measures")
        # json_safe: a measure that could not be computed is NaN in its column; JSON has null
        write_json(json_safe({
            **(meta or {}),
            "complete": analysis.complete,
            "objective": analysis.objective,
            "measures": {r.measure: r.value_usd for r in m.itertuples()} if m is not None
            else {},
            "failures": [{"solve": k, "reason": v, "problems": reason_parts(v)}
                         for k, v in analysis.failures],
            "solves": analysis.n_solves, "wall_s": round(analysis.wall_s, 3)}),
            tmp / "analysis.json")
    from optimizer.report.analysis_page import write_analysis_report

    write_analysis_report(folder)  # analysis.xlsx and report.html, from the tables just written
    return folder
