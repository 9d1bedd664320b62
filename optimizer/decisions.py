"""What to decide now and what later: the build plan (and contracts to sign) read as decisions,
in plain sentences.

The ``builds`` table (:func:`optimizer.results.builds_table`) has one row per decision. This
module sorts them for a reader (console, summary.json, reports):

* **now** — decided in the first period by every scenario: the commitment on the table today;
* **scheduled** — decided later, but by every scenario (no news is needed to take it);
* **contingent** — decided only in the scenarios of a branch of the tree, once it is revealed
  ("if china_escalation is revealed in 2026Q4: start X, online 2029");

and warns about builds whose value the horizon cannot see: a module coming online less than
its lead time before the horizon ends has most of its useful life, and possibly costs (an
annuity's payments), outside the horizon, so the plan's choice there is an artifact of where
the horizon stops.
"""

from __future__ import annotations

import pandas as pd

from optimizer.instance import Instance


def _sentence(r) -> str:
    count = int(r.count)
    what = f"{count} × {r.module}" if count > 1 else str(r.module)
    cost = float(r.capex_usd)
    money = f"USD {cost / 1e6:,.1f} M" if cost >= 1e5 else f"USD {cost:,.0f}"
    return (f"start {what} at {r.site} ({r.country}) in {r.decision_period}, online "
            f"{r.online_period}, capex {money}")


def contract_sentence(r) -> str:
    """'sign K with S (C, Nd) in P1: 20 USD/t for P2–P4, take-or-pay 10 t/period (up to 15),
    fee USD 112' for a row of :func:`optimizer.report.decision_facts.contract_decisions`."""
    term = f"{r.first_period}" if r.first_period == r.last_period else \
        f"{r.first_period}–{r.last_period}"
    low = float(pd.to_numeric(r.min_take_t, errors="coerce") or 0.0)
    low = 0.0 if low != low else low
    volume = f"take-or-pay {low:,.4g} t/period (up to {float(r.max_t):,.4g})" if low > 0 \
        else f"up to {float(r.max_t):,.4g} t/period, no minimum"
    fee = float(pd.to_numeric(r.fee_usd, errors="coerce") or 0.0)
    fee = 0.0 if fee != fee else fee
    money = f"USD {fee / 1e6:,.1f} M" if fee >= 1e5 else f"USD {fee:,.0f}"
    return (f"sign {r.contract} with {r.trader} ({r.country}, {r.element}) in "
            f"{r.decision_period}: {float(r.price_usd_per_t):,.6g} USD/t for {term}, {volume}, "
            f"fee {money}")


def contract_lines(contract_rows: pd.DataFrame) -> dict[str, list[str]]:
    """Contract signings as {"now", "scheduled", "contingent"} sentences (classified by
    :func:`optimizer.report.decision_facts.contract_decisions`; fixed contracts are no decision)."""
    out: dict[str, list[str]] = {"now": [], "scheduled": [], "contingent": []}
    for r in contract_rows.itertuples():
        if r.kind == "now":
            out["now"].append(contract_sentence(r))
        elif r.kind == "planned":
            out["scheduled"].append(contract_sentence(r) + " (in every scenario: no news "
                                    "changes it)")
        elif r.kind == "every scenario":
            out["scheduled"].append(contract_sentence(r) + " (in every scenario, decided once "
                                    "the scenario is known)")
        elif r.kind == "contingent":
            when = f" (revealed {r.revealed})" if r.revealed else ""
            who = " or ".join(str(r.scenarios).split("+"))
            out["contingent"].append(f"if {who}{when} — probability {r.probability:.0%}: "
                                     + contract_sentence(r))
    return out


def decision_summary(inst: Instance, builds: pd.DataFrame | None,
                     contracts: pd.DataFrame | None = None) -> dict:
    """``{"now": [...], "scheduled": [...], "contingent": [...], "horizon_warnings": [...]}``,
    each a list of sentences (empty lists when nothing is built).

    The decisions are those of the report's first screen (:func:`optimizer.report.facts.
    decisions`, one classification for both): *now*; *scheduled* = the same in every
    scenario, whether decided in one shared node later or in every branch once it is known;
    *contingent* on the branches that take it, named with when they were revealed.
    Contract signings (``contracts``, the results table) follow the builds of each list
    ("sign K with S (C, Nd) in 2026Q1: …").
    """
    from pathlib import Path

    from optimizer.report import decision_facts
    from optimizer.report.load import SavedRun

    out: dict[str, list[str]] = {"now": [], "scheduled": [], "contingent": [],
                                 "horizon_warnings": horizon_warnings(inst, builds)}
    run = SavedRun(Path("."), {"periods": list(inst.periods), "scenarios": [
        {"name": sc.name, "probability": sc.probability} for sc in inst.scenarios]},
        {"builds": builds, "contracts": contracts})
    signings = contract_lines(decision_facts.contract_decisions(run))
    if builds is None or builds.empty:
        return {k: v + signings.get(k, []) for k, v in out.items()}
    for r in decision_facts.decisions(run).itertuples():
        if r.kind == "now":
            out["now"].append(_sentence(r))
        elif r.kind == "planned":
            out["scheduled"].append(_sentence(r) + " (in every scenario: no news changes it)")
        elif r.kind == "every scenario":
            out["scheduled"].append(_sentence(r) + " (in every scenario, decided once the "
                                    "scenario is known)")
        else:
            when = f" (revealed {r.revealed})" if r.revealed else ""
            who = " or ".join(str(r.scenarios).split("+"))
            out["contingent"].append(f"if {who}{when} — probability {r.probability:.0%}: "
                                     + _sentence(r))
    return {k: v + signings.get(k, []) for k, v in out.items()}


def horizon_warnings(inst: Instance, builds: pd.DataFrame | None) -> list[str]:
    """One sentence per build online less than its lead time before the horizon's end."""
    if builds is None or builds.empty:
        return []
    mods = inst.table("modules").set_index("module")
    start = dict(zip(map(str, inst.periods), inst.start_slot))
    end = int(inst.slots.sum())
    out = []
    for _, r in builds.iterrows():
        if r["module"] not in mods.index:
            continue  # a saved plan read against another instance: nothing to compare with
        lead = float(mods.at[r["module"], "lead_time_years"] or 0.0) \
            if "lead_time_years" in mods else 0.0
        left = (end - start[str(r["online_period"])]) / inst.periods_per_year
        if lead > 0 and left < lead:
            out.append(f"{r['module']} comes online in {r['online_period']}, {left:g} year(s) "
                       f"before the horizon ends, less than its {lead:g}-year lead time: most "
                       "of its life (and of its value) is outside the horizon, so this choice "
                       "depends on where the horizon stops; extend the horizon to confirm it")
    return out
