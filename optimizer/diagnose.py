r"""Explanations of infeasible and unbounded models in plain language, naming entities and numbers.

Three tools, all on the compiled arrays (``CompiledModel.lp``), never on Pyomo:

* :func:`explain_infeasibility` asks HiGHS for an irreducible infeasible subset (IIS) of rows
  and, with :func:`relaxations`, reports how far each conflicting requirement would have to move
  for a plan to exist;
* :func:`relaxations` is the *elastic* re-solve. Every row of the families that can conflict
  (must-serve demand, end-use limits and bans, export quotas, diversification caps, capacities,
  build limits) gets a nonnegative elastic column that loosens it, with cost 1 per unit and every
  other cost set to 0:

  .. math:: \min \sum_r e_r \quad \text{s.t.}\quad a_r x + e_r \ge b_r \ (\ge \text{rows}),
            \quad a_r x - e_r \le b_r \ (\le \text{rows}), \quad \text{other rows hard}

  The rows whose elastic is positive at the optimum are one smallest combined repair (least
  total tonnes). For each conflicting requirement alone, the same LP with every other elastic
  fixed at 0 gives the smallest relaxation of *that* requirement that makes the model feasible
  (or proves that relaxing it alone is not enough);
* :func:`diagnose_failure` turns an outcome with no plan into the :class:`InfeasibleError` the
  CLI prints (exit 3): infeasible, unbounded, or HiGHS's "infeasible or unbounded" told apart by
  the elastic LP (optimum 0 means a feasible point exists, so the model is unbounded).

The elastic LP drops integrality. With every cost but the elastics at 0, a fractional module
build can be rounded up without harm (more capacity only loosens the capacity rows; an earlier
single module replaces fractions spread over periods within the build limit), so the LP optimum
is also the MIP optimum for this model. Amounts are in the row's own unit: t per period for
demand, limits, quotas and oxide flows, t REO per period for mine and plant capacity, modules
for build limits.
"""

from __future__ import annotations

import math

import numpy as np

from optimizer.errors import InfeasibleError
from optimizer.formulation.data import ModelData

ELASTIC_FAMILIES = (
    "demand_balance", "end_use_tonnage_limit", "end_use_share_limit", "export_quota_cap",
    "diversification_cap", "mine_capacity", "plant_capacity", "trader_capacity", "lane_capacity",
    "stock_capacity", "module_build_limit", "service_floor",
)
"""Families whose rows are requirements a planner can negotiate; balances stay hard (physics)."""

_TOL = 1e-6  # elastic amounts below this (t) are solver noise, not a needed relaxation
_MAX_ALONE = 12  # single-row re-solves: one per conflicting requirement, at most this many
SHOWN_DECIMALS = 6
"""Decimals kept in an amount shown to a planner (t, t REO or modules): 1e-6 t is a gram, below
any data's precision, while the solver's arithmetic leaves noise like 100.00000000000003."""


def amount_text(x: float) -> str:
    """An amount for a sentence: rounded to :data:`SHOWN_DECIMALS` decimals, then at most 6
    significant digits; noise such as ``-2.84217e-14`` reads ``0``, never ``-0``."""
    if not math.isfinite(x):
        return f"{x}"
    x = round(float(x), SHOWN_DECIMALS)
    if x == 0:
        return "0"  # also turns -0.0 into 0
    if abs(x) >= 1e5:
        return f"{x:,.0f}"  # 1,234,567 rather than 1.23457e+06
    return f"{x:.6g}"


def _describe_row(md: ModelData, family: str, k: int) -> str:
    """'demand_balance[2026Q1, scenarios=base, demand=US_defence, element=Dy] ≥ 16'."""
    ix = md.con_ix[family]
    row = ix.iloc[k]
    parts = []
    for col in ix.columns:
        if col in ("sense", "rhs"):
            continue
        val = row[col]
        if col == "node":
            node = md.nodes[int(val)]
            parts.append(f"period {md.inst.periods[node.period]}")
            parts.append(f"scenario(s) {node.label}")
        elif col not in ("rule", "value") and val is not None and val == val:
            parts.append(f"{col} {val}")
    return f"{family} ({', '.join(parts)}) {row['sense']} {amount_text(row['rhs'])}"


def _where(md: ModelData, row) -> str:
    """' in 2026Q1' plus the scenario(s) when the instance has more than one."""
    if "node" not in row.index:
        return ""
    node = md.nodes[int(row["node"])]
    text = f" in {md.inst.periods[node.period]}"
    return text + (f" (scenario {node.label})" if len(md.inst.scenarios) > 1 else "")


def _getter(row):
    def g(col):
        value = row.get(col)
        return "any element" if value == "*" and col in ("element", "product") else value
    return g


def _plain(md: ModelData, family: str, k: int) -> str:
    """The requirement a row states, in a planner's words."""
    row = md.con_ix[family].iloc[k]
    where = _where(md, row)
    rhs = amount_text(row["rhs"])
    g = _getter(row)
    text = {
        "demand_balance": lambda: f"{g('demand')} must receive {rhs} t of {g('element')}"
                                  f"{where} (must-serve: no unmet demand allowed)",
        "end_use_tonnage_limit": lambda: f"at most {rhs} t of {g('element')} "
                                         f"{_basis_words(g('basis'))} in {g('country')} may "
                                         f"reach {g('end_use')}{where}"
                                         + (" (a ban)" if rhs == "0" else ""),
        "end_use_share_limit": lambda: f"{g('country')} ({g('basis')}) may supply at most "
                                       f"{g('value'):.0%} of {g('end_use')}'s "
                                       f"{g('element')}{where}",
        "export_quota_cap": lambda: f"{g('country')} may export at most {rhs} t of "
                                    f"{g('product')}{where}",
        "mine_capacity": lambda: f"mine {g('mine')} can ship at most {rhs} t REO plus modules "
                                 f"built{where}",
        "plant_capacity": lambda: f"plant {g('plant')} can take at most {rhs} t REO feed plus "
                                  f"modules built{where}",
        "trader_capacity": lambda: f"offer {g('trader')} sells at most {rhs} t{where}",
        "lane_capacity": lambda: f"lane {g('origin')} → {g('destination')} carries at most "
                                 f"{rhs} t{where}",
        "diversification_cap": lambda: f"{g('country')} may supply at most {g('value'):.0%} of "
                                       f"{g('end_use')}'s {g('element')}{where}",
        "stock_capacity": lambda: f"stockpile {g('stockpile')} holds at most {rhs} t{where}",
        "module_build_limit": lambda: f"module {g('module')} can be built at most {rhs} times",
        "service_floor": lambda: f"{g('end_use')} must be served at least {g('value'):.0%} of "
                                 f"its {g('element')}{where} (at most {rhs} t unmet: sheet "
                                 "service_levels)",
    }.get(family)
    return text() if text else _describe_row(md, family, k)


def _basis_words(basis) -> str:
    return {"mined": "mined", "processed": "processed"}.get(basis, "mined or processed")


def _relax(md: ModelData, family: str, k: int, amount: float) -> str:
    """How to loosen row ``k`` of ``family`` by ``amount`` (its own unit), in a planner's words."""
    row = md.con_ix[family].iloc[k]
    g = _getter(row)
    where = _where(md, row)
    rhs = float(row["rhs"])
    a = amount_text(amount)
    new_up, new_down = amount_text(rhs + amount), amount_text(rhs - amount)
    text = {
        "demand_balance": lambda: f"serve {a} t less {g('element')} to {g('demand')}{where} "
                                  f"(must-serve demand {amount_text(rhs)} t → {new_down} t)",
        "end_use_tonnage_limit": lambda: (
            f"relax the {g('country')} {g('end_use')} ban by {a} t: allow {a} t of {g('element')} "
            f"{_basis_words(g('basis'))} in {g('country')} into {g('end_use')}{where}"
            if amount_text(rhs) == "0" else
            f"raise the limit on {g('element')} {_basis_words(g('basis'))} in {g('country')} "
            f"into {g('end_use')}{where} by {a} t ({amount_text(rhs)} t → {new_up} t)"),
        "end_use_share_limit": lambda: f"let {g('country')} supply {a} t more {g('element')} to "
                                       f"{g('end_use')}{where} than its {g('value'):.0%} share "
                                       "limit allows",
        "export_quota_cap": lambda: f"raise the {g('country')} export quota for {g('product')}"
                                    f"{where} by {a} t ({amount_text(rhs)} t → {new_up} t)",
        "diversification_cap": lambda: f"let {g('country')} supply {a} t more {g('element')} to "
                                       f"{g('end_use')}{where} than the {g('value'):.0%} "
                                       "diversification cap allows",
        "mine_capacity": lambda: f"raise the capacity of mine {g('mine')}{where} by {a} t REO",
        "plant_capacity": lambda: f"raise the capacity of plant {g('plant')}{where} by {a} t REO",
        "trader_capacity": lambda: f"buy {a} t more from offer {g('trader')}{where} "
                                   f"({amount_text(rhs)} t → {new_up} t)",
        "lane_capacity": lambda: f"raise the capacity of lane {g('origin')} → "
                                 f"{g('destination')}{where} by {a} t",
        "stock_capacity": lambda: f"raise the capacity of stockpile {g('stockpile')}{where} by "
                                  f"{a} t",
        "module_build_limit": lambda: f"allow {a} more module(s) {g('module')} "
                                      f"({amount_text(rhs)} → {new_up})",
        "service_floor": lambda: f"accept {a} t more of {g('end_use')}'s {g('element')} "
                                 f"unmet{where} (lower its min_served_share of "
                                 f"{g('value'):.0%})",
    }.get(family)
    return text() if text else f"relax {_describe_row(md, family, k)} by {a}"


def _shortfall(md: ModelData, k: int, amount: float) -> str:
    """'Under the rules as they stand, us_defence (defence in A) can get at most 5 t of the
    8 t of Dy it must receive in P1 (3 t short)'.

    ``amount`` is the demand row's own relaxation with the rules (limits, caps, bans,
    capacities) held: how far they leave this demand short. It is not the smallest repair: a
    90 % cap on the only supplier leaves 100 t short, yet 10 t more under the cap repairs it.
    """
    row = md.con_ix["demand_balance"].iloc[k]
    d = md.demands.set_index("demand").loc[row["demand"]]
    rhs = float(row["rhs"])
    return (f"Under the rules as they stand, {row['demand']} ({d['end_use']} in "
            f"{d['country']}) can get at most {amount_text(max(rhs - amount, 0.0))} t of the "
            f"{amount_text(rhs)} t of {row['element']} it must receive{_where(md, row)} "
            f"({amount_text(amount)} t short)")


# --------------------------------------------------------------------------- the elastic LP


def _elastic_lp(compiled, rows: np.ndarray):
    """The compiled LP with costs 0, integrality dropped and one elastic column per row."""
    import scipy.sparse as sp

    from optimizer.solve import _highs_lp, free_implied_rows

    lp = compiled.lp
    A = sp.csc_matrix((np.asarray(lp.a_matrix_.value_, dtype=float),
                       np.asarray(lp.a_matrix_.index_, dtype=np.int64),
                       np.asarray(lp.a_matrix_.start_, dtype=np.int64)),
                      shape=(lp.num_row_, lp.num_col_))
    # Implied rows (tightening) restate the capacities this LP may relax: free them.
    row_lower, row_upper = free_implied_rows(compiled)
    # +1 loosens a ≥ row (a x + e ≥ b); −1 loosens a ≤ row (a x − e ≤ b).
    sign = np.where(np.isfinite(row_lower[rows]), 1.0, -1.0)
    E = sp.csc_matrix((sign, (rows, np.arange(len(rows)))), shape=(lp.num_row_, len(rows)))
    n = lp.num_col_ + len(rows)
    cost = np.concatenate([np.zeros(lp.num_col_), np.ones(len(rows))])
    lower = np.concatenate([np.asarray(lp.col_lower_, dtype=float), np.zeros(len(rows))])
    upper = np.concatenate([np.asarray(lp.col_upper_, dtype=float), np.full(len(rows), np.inf)])
    return _highs_lp(sp.hstack([A, E]).tocsc(), cost, lower, upper, row_lower, row_upper,
                     np.zeros(n, dtype=bool))


class Elastic:
    """One HiGHS object holding the elastic LP; re-solved with different elastics allowed."""

    def __init__(self, compiled, rows: np.ndarray, time_limit_s: float | None = None):
        from optimizer.solve import new_highs_object

        self.rows = np.asarray(rows, dtype=np.int64)
        self.n0 = compiled.lp.num_col_
        self.h = new_highs_object()
        self.h.setOptionValue("output_flag", False)
        if time_limit_s:
            self.h.setOptionValue("time_limit", float(time_limit_s))
        self.h.passModel(_elastic_lp(compiled, self.rows))

    def solve(self, allowed: np.ndarray | None = None) -> np.ndarray | None:
        """Elastic amounts (aligned with ``rows``) at the optimum; None if still infeasible.

        ``allowed`` (bool per row) keeps the other elastics at 0; None allows all.
        """
        from optimizer.solve import run_highs, termination_of

        ok = np.ones(len(self.rows), bool) if allowed is None else np.asarray(allowed, bool)
        cols = np.arange(self.n0, self.n0 + len(self.rows), dtype=np.int32)
        self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)),
                                np.where(ok, np.inf, 0.0))
        run_highs(self.h)
        if termination_of(self.h) != "optimal":
            return None
        return np.asarray(self.h.getSolution().col_value, dtype=float)[self.n0:]


def candidate_rows(compiled) -> np.ndarray:
    """Rows of the families in :data:`ELASTIC_FAMILIES` (positions in the compiled matrix)."""
    fam = np.asarray(compiled.row_family, dtype=object)
    return np.flatnonzero(np.isin(fam, ELASTIC_FAMILIES))


def relaxations(md: ModelData, compiled, focus=None, time_limit_s: float | None = None) -> dict:
    """Smallest relaxations that make the model feasible.

    Returns ``{"total", "combined", "alone"}``:

    * ``combined``: ``[(row, amount), ...]``, one least-total repair over every negotiable row;
      ``total`` its sum (0: the model is feasible as it stands; None: even relaxing every
      negotiable row leaves no plan);
    * ``alone``: per ``focus`` row ``(row, amount, extras)``: the smallest relaxation of that
      row with every other negotiable row held, if that makes the model feasible (``extras`` =
      []); otherwise the least repair that relaxes it together with rows outside ``focus``
      (``extras`` = ``[(row, amount), ...]``, e.g. another period's own conflict, or a quota
      that binds once a ban is lifted); ``amount`` None if no such repair exists.

    ``focus`` (e.g. the rows of an IIS) defaults to the rows of ``combined``. Rows are
    positions in the compiled matrix.
    """
    rows = candidate_rows(compiled)
    out = {"total": None, "combined": [], "alone": []}
    if not len(rows):
        return out
    el = Elastic(compiled, rows, time_limit_s)
    e = el.solve()
    if e is None:
        return out
    out["total"] = float(e.sum())
    out["combined"] = [(int(rows[i]), float(e[i])) for i in np.flatnonzero(e > _TOL)]
    pos = {int(r): i for i, r in enumerate(rows)}
    focus = [r for r, _ in out["combined"]] if focus is None else \
        [int(r) for r in focus if int(r) in pos]
    in_focus = np.zeros(len(rows), bool)
    in_focus[[pos[r] for r in focus]] = True
    for r in focus[:_MAX_ALONE]:
        only = np.zeros(len(rows), bool)
        only[pos[r]] = True
        alone = el.solve(only)
        if alone is not None:
            out["alone"].append((r, float(alone[pos[r]]), []))
            continue
        with_others = el.solve(only | ~in_focus)
        if with_others is None:
            out["alone"].append((r, None, []))
            continue
        extras = [(int(rows[i]), float(with_others[i]))
                  for i in np.flatnonzero((with_others > _TOL) & ~only)]
        out["alone"].append((r, float(with_others[pos[r]]), extras))
    return out


def _iis_rows(compiled) -> list[int]:
    """Rows of an irreducible infeasible subset of the LP relaxation, or [] if none found."""
    import highspy

    from optimizer.solve import new_highs_object

    h = new_highs_object()
    h.setOptionValue("output_flag", False)
    lp = _elastic_lp(compiled, np.zeros(0, dtype=np.int64))  # a copy: costs 0, no integers
    h.passModel(lp)
    try:
        h.setOptionValue("iis_strategy", 6)  # 2 elastic LP + 4 irreducible (a true IIS)
    except Exception:  # noqa: BLE001 - older HiGHS: option absent
        pass
    try:
        _, iis = h.getIis()
        return [int(r) for r in np.asarray(iis.row_index_, dtype=int)]
    except (AttributeError, RuntimeError, getattr(highspy, "HighsError", RuntimeError)):
        return []


def _row_name(md, compiled, r: int) -> tuple[str, int]:
    return compiled.row_family[r], int(compiled.row_index[r])


def smallest_repair(md: ModelData, compiled, rel: dict) -> str:
    """The headline of an infeasibility: the least-total repair the elastic LP found.

    One row: 'Smallest repair: <relaxation> (this alone makes a plan possible).'; several:
    'Smallest repair (least total, 6 in all), together:' and one line each. Empty when the
    elastic LP found nothing to relax (total 0) or could not be solved.
    """
    combined = rel["combined"]
    if not combined:
        if rel["total"] is None:
            return ("Even relaxing every demand, limit, quota and capacity leaves no plan: the "
                    "conflict lies in the material balances (e.g. a stockpile's initial stock "
                    "or a plant that cannot separate what its lanes require).")
        return ""
    if len(combined) == 1:
        r, a = combined[0]
        return (f"Smallest repair: {_relax(md, *_row_name(md, compiled, r), a)} (this alone "
                "makes a plan possible).")
    lines = [f"Smallest repair (least total, {amount_text(rel['total'])} in all), together:"]
    lines += [f"  - {_relax(md, *_row_name(md, compiled, r), a)}" for r, a in combined[:25]]
    if len(combined) > 25:
        lines.append(f"  … and {len(combined) - 25} more")
    return "\n".join(lines)


def explain_relaxations(md: ModelData, compiled, rel: dict) -> str:
    """The elastic re-solve's findings beyond the headline (:func:`smallest_repair`): each
    short demand, each requirement's own smallest relaxation, and those that cannot help alone
    (empty if nothing was found)."""
    def name(r):
        return _row_name(md, compiled, r)

    lines = []
    for r, amount, _ in rel["alone"]:
        family, k = name(r)
        if family == "demand_balance" and amount is not None and amount > _TOL:
            lines.append(f"{_shortfall(md, k, amount)}.")
    useful = [(r, a, x) for r, a, x in rel["alone"] if a is not None and a > _TOL]
    if useful:
        lines.append("Ways out, each the smallest relaxation of one conflicting requirement:")
    for r, amount, extras in useful:
        lines.append(f"  - {_relax(md, *name(r), amount)}"
                     + ("" if extras else " (this alone makes a plan possible)"))
        for r2, a2 in extras[:10]:
            lines.append(f"      together with: {_relax(md, *name(r2), a2)}")
        if len(extras) > 10:
            lines.append(f"      … and {len(extras) - 10} more")
    stuck = [r for r, a, _ in rel["alone"] if a is None or a <= _TOL]
    if stuck:
        lines.append("Relaxing one of these does not help on its own:")
        lines += [f"  - {_plain(md, *name(r))}" for r in stuck]
    return "\n".join(lines)


def explain_infeasibility(md: ModelData, compiled, options=None, rel: dict | None = None,
                          iis: list[int] | None = None) -> str:
    """Name the conflicting requirements (an IIS) and the smallest relaxations that resolve them.

    The first line is the headline, the smallest repair (:func:`smallest_repair`); then the
    IIS, the demands left short and each requirement's own smallest relaxation. ``rel`` and
    ``iis`` are results of :func:`relaxations` and the IIS when already computed.
    """
    rows = _iis_rows(compiled) if iis is None else iis
    time_limit = getattr(options, "time_limit_s", None)
    if rel is None:
        focus = [r for r in rows if compiled.row_family[r] in ELASTIC_FAMILIES] or None
        rel = relaxations(md, compiled, focus=focus, time_limit_s=time_limit)
    headline = smallest_repair(md, compiled, rel)
    parts = [headline] if headline else []
    if rows:
        lines = [f"  - {_plain(md, *_row_name(md, compiled, r))}   [{compiled.row_family[r]}]"
                 for r in rows[:25]]
        more = f"\n  … and {len(rows) - 25} more" if len(rows) > 25 else ""
        parts.append("These requirements conflict (an irreducible infeasible set: drop or relax "
                     "any one and the rest can hold):\n" + "\n".join(lines) + more)
    else:
        parts.append("HiGHS could not isolate an irreducible infeasible subset; the elastic "
                     "re-solve below looks at every must-serve demand, ban, quota, cap and "
                     "capacity instead.")
    relax = explain_relaxations(md, compiled, rel)
    if relax:
        parts.append(relax)
    return "\n".join(parts)


_MEANING = {
    "demand_balance": "a must-serve demand has no lane that can bring this element to it",
}


def explain_empty_rows(md: ModelData) -> str:
    """Rows with no variables whose right-hand side cannot hold (e.g. unreachable must-serve)."""
    lines = []
    for family, k in md.empty_rows:
        lines.append(f"  - {_plain(md, family, k)}: "
                     f"{_MEANING.get(family, 'no decision can satisfy this requirement')}")
    return "Conflicting requirements:\n" + "\n".join(lines)


# --------------------------------------------------------------------------- unbounded models


def _primal_ray(compiled) -> np.ndarray | None:
    """A direction of unbounded descent (one value per column), or None if HiGHS gives none."""
    from optimizer.solve import new_highs_object, run_highs

    h = new_highs_object()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")  # presolve reports "infeasible or unbounded", no ray
    h.passModel(_elastic_lp(compiled, np.zeros(0, dtype=np.int64)))
    h.changeColsCost(compiled.lp.num_col_, np.arange(compiled.lp.num_col_, dtype=np.int32),
                     np.asarray(compiled.lp.col_cost_, dtype=float))
    run_highs(h)
    try:
        _, has_ray, ray = h.getPrimalRay()
    except (AttributeError, RuntimeError, TypeError, ValueError):  # older highspy: other shape
        return None
    return np.asarray(ray, dtype=float) if has_ray else None


def explain_unbounded(md: ModelData, compiled) -> str:
    """Name the decisions along which the cost falls without limit.

    HiGHS's primal ray (solved without presolve) gives the direction; the decisions listed are
    those moving along it at a negative cost. Without a ray: negative-cost decisions with no
    upper bound.
    """
    from optimizer.numerics import describe_col

    cost = np.asarray(compiled.lp.col_cost_, dtype=float)
    ray = _primal_ray(compiled)
    if ray is not None and (cost * ray < 0).any():
        cols = np.flatnonzero(cost * ray < 0)
        cols = cols[np.argsort(cost[cols] * ray[cols])]
    else:
        upper = np.asarray(compiled.lp.col_upper_, dtype=float)
        cols = np.flatnonzero((cost < 0) & ~np.isfinite(upper))
        cols = cols[np.argsort(cost[cols])]
    if not len(cols):
        return ("No decision with a negative cost could be singled out: a cycle of flows earns "
                "money on every round (check costs and tariffs along the lanes).")
    lines = [f"  - {describe_col(md, compiled, int(c))}: cost {cost[c]:.6g} USD per unit"
             for c in cols[:10]]
    more = f"\n  … and {len(cols) - 10} more" if len(cols) > 10 else ""
    return ("These decisions earn money on every unit and nothing limits them; give them a "
            "capacity or a nonnegative cost:\n" + "\n".join(lines) + more)


def diagnose_failure(md: ModelData, compiled, outcome, options=None) -> InfeasibleError:
    """The error to raise for a solve that ended infeasible, unbounded or either (exit 3)."""
    unbounded = "the model is unbounded: some cost can fall without limit"
    if outcome.termination == "unbounded":
        return InfeasibleError(unbounded, explain_unbounded(md, compiled))
    time_limit = getattr(options, "time_limit_s", None)
    if outcome.termination == "infeasible_or_unbounded":
        rel = relaxations(md, compiled, time_limit_s=time_limit)
        if rel["total"] is not None and rel["total"] <= _TOL:
            return InfeasibleError(unbounded, explain_unbounded(md, compiled))
        rows = _iis_rows(compiled)
        focus = [r for r in rows if compiled.row_family[r] in ELASTIC_FAMILIES]
        if focus:
            rel = relaxations(md, compiled, focus=focus, time_limit_s=time_limit)
        return InfeasibleError("the hard constraints cannot all hold (no plan exists)",
                               explain_infeasibility(md, compiled, options, rel=rel, iis=rows))
    return InfeasibleError("the hard constraints cannot all hold (no plan exists)",
                           explain_infeasibility(md, compiled, options))
