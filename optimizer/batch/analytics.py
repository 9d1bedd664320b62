r"""Resilience analytics: cost of resilience, VSS and EVPI, cut-off screen, price of policies.

Every measure is a set of solves of the base instance, changed in one of three ways: run
overrides (as in a batch), *transforms* of the instance (keep one scenario, use the
expected-value data, drop the rules, drop one rule row) and *fixed builds*
(``SolveOptions.fixed_builds``: every module build fixed, the rest re-optimised). All solves go
through the batch executor, so ``--jobs`` and ``--cluster`` apply.

Definitions (minimising expected discounted cost; *x* = the module builds, the first-stage
decision shared by every scenario; ξ_s the data of scenario *s* with probability p_s):

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
difference in planned expected cost and in capex, and each plan's cost and unmet demand in
each scenario alone with its builds fixed. *Cut-off screen*: for each supplying country, its
exports stop from a period (export quotas, its traders' capacities and every lane leaving it
set to 0), with the chosen builds fixed and with no new builds. *Price of a policy*: optimal
cost with the rule minus optimal cost without it (the rule's row removed), for each end-use
limit, diversification cap and export quota.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Instance, Override, Scenario
from optimizer.schema import SHEET_BY_NAME

RULE_SHEETS = ("end_use_limits", "diversification_caps")
POLICY_SHEETS = ("end_use_limits", "diversification_caps", "export_quotas")


# --------------------------------------------------------------------------------------------
# Instance transforms (applied in the worker; each is a plain tuple so tasks stay picklable)


def only_scenario(inst: Instance, name: str) -> Instance:
    """The instance with scenario ``name`` alone, with probability 1."""
    sc = [s for s in inst.scenarios if s.name == name]
    if not sc:
        raise ScenarioError(Problem(inst.source, "scenarios", None, "scenario", name,
                                    "a scenario of the instance"))
    return replace(inst, scenarios=(replace(sc[0], probability=1.0),))


def base_only(inst: Instance) -> Instance:
    """The instance without disruption scenarios: the base data, one scenario."""
    return replace(inst, scenarios=(Scenario("base", 1.0, "Base data, no disruption.", ()),))


def drop_rows(inst: Instance, sheet: str, positions: tuple[int, ...] | None = None) -> Instance:
    """The instance without rows ``positions`` of ``sheet`` (all rows if None).

    Scenario overrides that matched only removed rows are dropped with them.
    """
    from optimizer.scenario import match_rows

    if sheet not in inst.tables:
        return inst
    df = inst.tables[sheet]
    keep = [i for i in range(len(df)) if positions is not None and i not in positions]
    tables = dict(inst.tables)
    tables[sheet] = df.iloc[keep].reset_index(drop=True)
    new = replace(inst, tables=tables)
    scenarios = []
    for sc in new.scenarios:
        kept = []
        for ov in sc.overrides:
            if ov.sheet == sheet:
                try:
                    match_rows(new, ov, sc.name)
                except ScenarioError:
                    continue
            kept.append(ov)
        scenarios.append(replace(sc, overrides=tuple(kept)))
    return replace(new, scenarios=tuple(scenarios))


def _full_key(df: pd.DataFrame, sheet: str, r: int) -> tuple[str, ...]:
    return tuple("" if df[k].iat[r] is None else str(df[k].iat[r])
                 for k in SHEET_BY_NAME[sheet].key)


def expected_value_instance(inst: Instance) -> Instance:
    """The expected-value instance: one scenario holding the scenarios' mean data, per period.

    For each cell a scenario changes and each period, the value is Σ_s p_s v_s(t) (the base
    value where a scenario leaves it). A blank (unlimited) value in any scenario keeps it
    blank: the mean of an unbounded quantity is unbounded. The mean is written as overrides
    from each period on; an override whose key also matches other rows (a ``*`` in the row's
    key) is followed by those rows' own values, so each cell ends with its own mean.
    """
    from optimizer.scenario import cell_changes, match_rows

    n = len(inst.periods)
    probs = {s.name: s.probability for s in inst.scenarios}
    changes = {s.name: cell_changes(inst, s) for s in inst.scenarios}
    cells = sorted({c for ch in changes.values() for t in ch.values() for c in t})
    if not cells:
        return base_only(inst)

    def base_value(sheet, r, col):
        v = inst.table(sheet)[col].iat[r]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    def mean(cell, t):
        vals = []
        for s, ch in changes.items():
            v = ch.get(t, {}).get(cell, base_value(*cell))
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return None
            vals.append(probs[s] * float(v))
        return sum(vals)

    matched: dict = {}

    def matches(cell):
        if cell not in matched:
            sheet, r, col = cell
            ov = Override(sheet, _full_key(inst.table(sheet), sheet, r), col, 0.0)
            matched[cell] = [(sheet, x, col) for x in match_rows(inst, ov, "expected_value")]
        return matched[cell]

    # Close the set under "an override of this cell also writes that one".
    todo = list(cells)
    allcells = set(cells)
    while todo:
        c = todo.pop()
        for other in matches(c):
            if other not in allcells:
                allcells.add(other)
                todo.append(other)
    overrides = []
    prev = {c: base_value(*c) for c in allcells}
    for t in range(n):
        emit = {c for c in allcells if (m := mean(c, t)) is not None and m != prev[c]}
        for c in list(emit):
            emit.update(o for o in matches(c) if mean(o, t) is not None)
        for c in sorted(emit, key=lambda c: -len(matches(c))):
            sheet, r, col = c
            value = mean(c, t)
            prev[c] = value
            overrides.append(Override(sheet, _full_key(inst.table(sheet), sheet, r), col, value,
                                      "set", None if t == 0 else inst.periods[t],
                                      source="expected-value problem"))
    sc = Scenario("expected_value", 1.0, "Mean of the scenarios' data.", tuple(overrides))
    return replace(inst, scenarios=(sc,))


def apply_transforms(inst: Instance, transforms: tuple) -> Instance:
    """Apply instance transforms in order.

    Each is a tuple: ``("only_scenario", name)``, ``("base_only",)``, ``("drop_rules",)``,
    ``("drop_row", sheet, position)`` or ``("expected_value",)``.
    """
    for tr in transforms:
        kind = tr[0]
        if kind == "only_scenario":
            inst = only_scenario(inst, tr[1])
        elif kind == "base_only":
            inst = base_only(inst)
        elif kind == "drop_rules":
            for sheet in RULE_SHEETS:
                inst = drop_rows(inst, sheet, None)
        elif kind == "drop_row":
            inst = drop_rows(inst, tr[1], (int(tr[2]),))
        elif kind == "expected_value":
            inst = expected_value_instance(inst)
        else:
            raise ValueError(f"unknown transform {tr!r}")
    return inst


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
    """Overrides stopping every export of ``country`` from ``from_period`` on (None = start)."""
    src = f"cut-off of {country}"
    ovs = []
    quotas = inst.table("export_quotas")
    if len(quotas) and (quotas["country"] == country).any():
        ovs.append(Override("export_quotas", (country,), "cap_t", 0.0, "set", from_period,
                            source=src))
    traders = inst.table("traders")
    for t in traders.loc[traders["country"] == country, "trader"]:
        ovs.append(Override("traders", (t,), "capacity_t", 0.0, "set", from_period, source=src))
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
            key = ",".join(_full_key(df, sheet, r))
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


@dataclass
class Analysis:
    """Every table of an analysis (written by :func:`write_analysis`) and its failures."""

    tables: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (solve, reason)
    wall_s: float = 0.0
    n_solves: int = 0


def _task(name, base, checksum, options, transform=(), overrides=(), fixed=None):
    from optimizer.batch.runner import Task

    opts = replace(options, fixed_builds=None if fixed is None else tuple(fixed))
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


def analyse(base: str | Path, options=None, jobs: int = 1, cluster: str | None = None,
            cutoff_from: str | None = None, quiet: bool = True, stream=None,
            measures: tuple[str, ...] = ("resilience", "vss", "cutoff", "policy")) -> Analysis:
    """Run the analyses of ``measures`` on the instance at ``base``; return the tables.

    Raises InputError if the instance is invalid or ``cutoff_from`` is not one of its periods.
    A solve that fails (e.g. a plan that cannot serve a must-serve demand in some scenario)
    is reported in the tables with its status, never raised.
    """
    from optimizer.api import load_instance
    from optimizer.batch.progress import Progress
    from optimizer.batch.runner import execute
    from optimizer.solve import SolveOptions

    t0 = time.perf_counter()
    inst = load_instance(base)
    if cutoff_from is not None and cutoff_from not in inst.period_index:
        raise ScenarioError(Problem("--cutoff-from", None, None, None, cutoff_from,
                                    "a period of the instance (" + ", ".join(inst.periods) + ")"))
    options = replace(options or SolveOptions(), threads=1, fixed_builds=None)
    ck = inst.checksum
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
            progress.finished(r["name"], ok,
                              "" if ok else (r.get("reason") or "").splitlines()[0])

    run_all(stage1)
    rp, naive, ev = res.get("RP"), res.get("naive"), res.get("EV")
    stage2 = []
    if _obj(rp) is not None:
        rb = rp["builds"]
        if "resilience" in measures:
            stage2 += [_task(f"perf:resilient:{s}", base, ck, options, (("only_scenario", s),),
                             fixed=rb) for s in scen]
        stage2 += [_task(f"cut:{c}:chosen", base, ck, options, overrides=cut[c], fixed=rb)
                   for c in countries]
    if _obj(naive) is not None:
        nb = naive["builds"]
        stage2.append(_task("naive_in_model", base, ck, options, fixed=nb))
        stage2 += [_task(f"perf:naive:{s}", base, ck, options, (("only_scenario", s),), fixed=nb)
                   for s in scen]
    if _obj(ev) is not None:
        stage2.append(_task("EEV", base, ck, options, fixed=ev["builds"]))
    progress.total += len(stage2)
    run_all(stage2)
    progress.close()

    out = Analysis(n_solves=len(stage1) + len(stage2))
    out.failures = [(k, (v.get("reason") or "").splitlines()[0]) for k, v in res.items()
                    if v["status"] != "ok"]
    from optimizer.batch.summary import builds_short

    def plan_short(r):
        return builds_short(pd.DataFrame(
            [{"count": c, "module": m, "online_period": p, "country": ""} for m, p, c in
             (r or {}).get("builds", [])])).replace(" ()", "") if _obj(r) is not None else None

    rp_obj = _obj(rp)
    summary = [("RP", "expected cost of the resilient plan (the model's optimum)", rp_obj)]
    if "resilience" in measures:
        n_model = _obj(res.get("naive_in_model"))
        rows = []
        for label, r, in_model in (("resilient", rp, rp_obj), ("naive", naive, n_model)):
            rows.append({"plan": label, "status": (r or {}).get("status", "not run"),
                         "planned_expected_cost_usd": _obj(r),
                         "expected_cost_in_model_usd": in_model,
                         "capex_usd": _capex(r or {}), "builds": plan_short(r),
                         "expected_unmet_t": (r or {}).get("row", {}).get("unmet_t")})
        out.tables["resilience_plans"] = pd.DataFrame(rows)
        perf = []
        for label in ("resilient", "naive"):
            for s in scen:
                r = res.get(f"perf:{label}:{s}") or {}
                perf.append({"plan": label, "scenario": s, "probability": prob[s],
                             "status": r.get("status", "not run"), "cost_usd": _obj(r),
                             "unmet_t": (r.get("row") or {}).get("unmet_t"),
                             **{f"unmet_{eu}_t": t for eu, t in sorted((r.get("unmet") or {})
                                                                       .items())}})
        out.tables["plan_performance"] = pd.DataFrame(perf)
        summary += [
            ("naive_planned", "planned cost of the naive plan (base data, no end-use/"
             "diversification rules)", _obj(naive)),
            ("naive_in_model", "expected cost of the naive plan's builds in the model", n_model),
            ("cost_of_resilience", "RP − naive planned cost", _diff(rp_obj, _obj(naive))),
            ("capex_of_resilience", "capex (+ fixed O&M) of the resilient plan − the naive plan's",
             _diff(_capex(rp or {}), _capex(naive or {}))),
            ("value_of_resilience", "naive plan's expected cost in the model − RP",
             _diff(n_model, rp_obj)),
        ]
    if "vss" in measures:
        ws_parts = [(_obj(res.get(f"WS:{s}")), prob[s]) for s in scen]
        ws = None if any(v is None for v, _ in ws_parts) else sum(v * p for v, p in ws_parts)
        eev = _obj(res.get("EEV"))
        summary += [
            ("EV", "optimum of the expected-value problem", _obj(ev)),
            ("EEV", "expected cost of the EV plan's builds in the model", eev),
            ("WS", "wait-and-see: Σ p_s × optimum of scenario s alone", ws),
            ("VSS", "value of the stochastic solution = EEV − RP", _diff(eev, rp_obj)),
            ("EVPI", "expected value of perfect information = RP − WS", _diff(rp_obj, ws)),
        ]
        out.tables["wait_and_see"] = pd.DataFrame(
            [{"scenario": s, "probability": prob[s], "status": (res.get(f"WS:{s}") or {})
              .get("status"), "optimum_usd": _obj(res.get(f"WS:{s}")),
              "builds": plan_short(res.get(f"WS:{s}"))} for s in scen]
            + [{"scenario": "(expected value)", "probability": None,
                "status": (ev or {}).get("status"), "optimum_usd": _obj(ev),
                "builds": plan_short(ev)}])
    out.tables["measures"] = pd.DataFrame(summary, columns=["measure", "definition", "value_usd"])
    if "cutoff" in measures:
        rows = []
        base_cost = {"chosen": rp_obj, "none": _obj(res.get("status_quo"))}
        for c in countries:
            for builds in ("chosen", "none"):
                r = res.get(f"cut:{c}:{builds}") or {}
                rows.append({"country": c, "from_period": cutoff_from or inst.periods[0],
                             "builds": builds, "status": r.get("status", "not run"),
                             "expected_cost_usd": _obj(r),
                             "cost_increase_usd": _diff(_obj(r), base_cost[builds]),
                             "expected_unmet_t": (r.get("row") or {}).get("unmet_t"),
                             **{f"unmet_{eu}_t": t for eu, t in sorted((r.get("unmet") or {})
                                                                       .items())},
                             "reason": (r.get("reason") or "").splitlines()[0] if r.get("reason")
                             else ""})
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
          "reason": (v.get("reason") or "").splitlines()[0] if v.get("reason") else "",
          "wall_s": v.get("wall_s")} for k, v in res.items()])
    out.wall_s = time.perf_counter() - t0
    return out


def write_analysis(analysis: Analysis, folder: str | Path, meta: dict | None = None) -> Path:
    """One CSV per table, analysis.xlsx and analysis.json, atomically in ``folder``."""
    from optimizer.output import atomic_dir, write_json, write_tables

    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        write_tables(analysis.tables, tmp)
        with pd.ExcelWriter(tmp / "analysis.xlsx", engine="openpyxl") as xw:
            for name, df in analysis.tables.items():
                df.to_excel(xw, sheet_name=name[:31], index=False)
        m = analysis.tables.get("measures")
        write_json({**(meta or {}),
                    "measures": {r.measure: r.value_usd for r in m.itertuples()} if m is not None
                    else {},
                    "failures": [{"solve": k, "reason": v} for k, v in analysis.failures],
                    "solves": analysis.n_solves, "wall_s": round(analysis.wall_s, 3)},
                   tmp / "analysis.json")
    from optimizer.report.batch_html import write_analysis_report

    write_analysis_report(folder)  # report.html, from the tables just written
    return folder
