r"""Independent verification of a solution: every constraint and the objective, recomputed.

This is a second implementation of the mathematics in ``docs/instance-format.md`` and the
docstrings of :mod:`optimizer.formulation`, written without the formulation, its index frames
or Pyomo. It reads only

* the validated :class:`~optimizer.instance.Instance` (its tables, discount factors and
  scenarios; per-scenario, per-period data come from :func:`optimizer.scenario.cell_changes`),
* the solution as saved in the result tables: ``flows``, ``builds``, ``stocks`` and
  ``unmet_demand`` (one row per scenario and period, as a planner reads them),

and checks the plan scenario by scenario, period by period. A tree node shared by several
scenarios is checked once per scenario, which is redundant but keeps this module ignorant of
the tree. The checks sum and join the tables by their keys with :mod:`optimizer.verify.keys`
(pandas groupby and merge semantics on integer codes of the keys).

Tolerances
----------
A row ``lhs ≤ rhs`` (or ``≥``, ``=``) is violated by ``excess = max(0, lhs − rhs)``; the
violation reported is ``excess / max(1, Σ|terms| + |rhs|)``, i.e. an absolute tolerance of
:data:`ABS_TOL` tonnes on small rows that grows with the size of the row's terms (a solver's
feasibility tolerance is absolute on scaled rows, and the tables print 10 significant digits).
The objective passes if ``|recomputed − reported| ≤ OBJ_TOL · max(1, |reported|)``.

Families
--------
structure            flows on lanes that exist, between sites of the right kinds, with the
                     provenance and element their origin can give; known scenarios, periods
demand_balance       delivered + unmet = demand; unmet = 0 for must-serve demand
plant_output         oxide shipped by a plant, by element and mine country ≤ Σ α ρ q
stock_balance        s_t = s_{t−1} + in − out per lot (stockpile, mined, processed country)
mine_capacity        concentrate out ≤ cap·[t ≥ first] + modules online by t
plant_capacity       feed in ≤ cap·[t ≥ first] + modules online by t
trader_capacity      oxide bought ≤ offer
lane_capacity        tonnes on a lane ≤ its capacity (blank = unlimited)
stock_capacity       end stock of a stockpile ≤ capacity
stock_closing        stock at the horizon's end ≥ closing_min_t
module_build_limit   Σ builds ≤ max_count; online no earlier than earliest_period; integer
export_quota_cap     exports (origin country ≠ destination country) of a product ≤ quota
end_use_tonnage_limit, end_use_share_limit, diversification_cap
                     policy rules on what reaches an end use, by mined/processed country
                     (a share is of the tonnes consumed: no more than the demand)
non_negativity       no negative tonnes, stocks, unmet demand or builds
non_anticipativity   scenarios whose data coincide up to period t decide the same up to t
service_floor        consumed by an end use ≥ min_served_share × its demand, per element
objective            E[cost]; with settings.risk_weight λ > 0, (1 − λ) E[cost] + λ CVaR_α
                     from each scenario's cost (:func:`recompute_risk`)
contract_*           supply contracts: :mod:`optimizer.verify.contracts`
"""

from __future__ import annotations

import math

from optimizer.instance import Instance
from optimizer.verify.balances import (
    check_demand_balance,
    check_non_negativity,
    check_plant_output,
    check_stock_balance,
    check_structure,
)
from optimizer.verify.base import (
    ABS_TOL,
    FAMILIES,
    OBJ_TOL,
    InstanceData,
    Violations,
    read_solution,
)
from optimizer.verify.capacity import (
    check_lane_capacity,
    check_module_build_limit,
    check_simple_capacity,
    check_site_capacity,
    check_stock_closing,
)
from optimizer.verify.contracts import check_contracts, spot_purchases
from optimizer.verify.costs import recompute_objective, recompute_risk, row_terms
from optimizer.verify.keys import sum_by
from optimizer.verify.rules import (
    check_diversification,
    check_end_use_limits,
    check_export_quota,
    check_non_anticipativity,
    check_service_floor,
)

# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def verify_run(inst: Instance, tables: dict, objective: float | None) -> dict:
    """Recompute every constraint and the objective of a solution from the instance data.

    Parameters
    ----------
    inst : the instance that was solved (with any run overrides already applied)
    tables : result tables by name; ``flows``, ``builds``, ``stocks`` and ``unmet_demand`` are read
    objective : the objective the solver reported (expected discounted USD), or None

    Returns
    -------
    dict with ``checked``, ``ok``, ``max_violation`` (largest scaled violation),
    ``by_family`` (family → largest scaled violation), ``worst`` (family, row, sizes of the
    largest violation), ``violated_rows`` (family → rows over tolerance, only where > 0),
    ``worst_rows`` (family → description, only for families over tolerance),
    ``objective_recomputed``, ``objective_reported``, ``objective_mismatch`` (relative) and
    ``tolerance``.
    """
    d = InstanceData(inst)
    sol = read_solution(tables, d)
    rep = Violations()
    check_non_negativity(sol, rep)
    sol = check_structure(d, sol, rep)
    flows, builds = sol["flows"], sol["builds"]
    check_demand_balance(d, flows, sol["unmet_demand"], rep)
    check_plant_output(d, flows, rep)
    check_stock_balance(d, flows, sol["stocks"], rep)
    check_site_capacity(d, flows, builds, rep, "mines", "mine_capacity", "origin")
    check_site_capacity(d, flows, builds, rep, "plants", "plant_capacity", "destination")
    traders = flows[flows["origin"].isin(d.sites["traders"])].rename(
        columns={"origin": "trader"})
    check_simple_capacity(d, spot_purchases(d, sol, sum_by(traders, ["scenario", "period", "trader"],
                                                       "tonnes", "used")), rep,
                     "traders", "trader", "trader_capacity", "oxide bought")
    check_lane_capacity(d, flows, rep)
    check_simple_capacity(d, sum_by(sol["stocks"], ["scenario", "period", "stockpile"], "stock_t",
                                "used"), rep, "stockpiles", "stockpile", "stock_capacity",
                     "stock held")
    check_stock_closing(d, sol["stocks"], rep)
    check_module_build_limit(d, builds, rep)
    check_export_quota(d, flows, rep)
    check_end_use_limits(d, flows, rep)
    check_diversification(d, flows, rep)
    check_non_anticipativity(d, sol, rep)
    check_service_floor(d, flows, rep)
    check_contracts(d, sol, rep)

    terms = row_terms(d, sol)  # priced once for the scenarios' costs and the objective
    risk = recompute_risk(d, sol, terms) if len(d.scenarios) else None
    # Under a mean-CVaR objective the solver reports (1 − λ) E + λ CVaR, not E.
    recomputed = risk["objective_usd"] if risk and risk["risk_weight"] > 0 \
        else recompute_objective(d, sol, terms)
    if objective is None or not math.isfinite(float(objective)):
        mismatch = None
    else:
        mismatch = abs(recomputed - float(objective)) / max(1.0, abs(float(objective)))
    worst_family = max(FAMILIES, key=lambda f: rep.worst[f])
    max_violation = rep.worst[worst_family]
    ok = max_violation <= ABS_TOL and (mismatch is None or mismatch <= OBJ_TOL)
    worst = {"family": worst_family, **rep.where[worst_family]} if max_violation > 0 else None
    if mismatch is not None and mismatch > OBJ_TOL and max_violation <= ABS_TOL:
        worst = {"family": "objective", "row": f"objective: recomputed {recomputed:.10g} USD, "
                 f"solver reported {float(objective):.10g} USD", "excess":
                 abs(recomputed - float(objective)), "violation": mismatch}
    return {
        "checked": True,
        "ok": bool(ok),
        "max_violation": max_violation,
        "by_family": dict(rep.worst),
        "rows_checked": dict(rep.rows),
        "violated_rows": {f: n for f, n in rep.bad_rows.items() if n},
        "worst_rows": {f: rep.where[f]["row"] for f in FAMILIES if rep.worst[f] > ABS_TOL},
        "worst": worst,
        "objective_recomputed": recomputed,
        "objective_reported": None if objective is None else float(objective),
        "objective_mismatch": mismatch,
        "risk": risk,
        "tolerance": {"scaled_absolute": ABS_TOL, "objective_relative": OBJ_TOL},
    }


def describe_failure(report: dict) -> str:
    """One line naming the worst family and row of a failed verification."""
    w = report.get("worst") or {}
    fam = w.get("family", "?")
    if fam == "objective":
        return (f"objective mismatch {report.get('objective_mismatch', 0):.3g} (relative): "
                f"{w['row']}")
    return f"family {fam}, worst row {w.get('row', '?')} (scaled violation " \
           f"{report.get('max_violation', 0):.3g} > {ABS_TOL:g})"


__all__ = ["ABS_TOL", "FAMILIES", "OBJ_TOL", "describe_failure", "verify_run"]
