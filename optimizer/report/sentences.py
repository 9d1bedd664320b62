"""Plain-language sentences generated from a saved run: the executive summary and the meaning
of each binding constraint.

Sentences are plain text (no markup); the HTML renderer escapes them. Sign convention of the
tables: ``shadow_price`` is the change of the expected discounted objective (USD) per unit
increase of the constraint's right-hand side, so a negative price is a saving ("one more tonne
of quota would save USD X") and a positive one a cost ("one more tonne of demand would cost
USD X"). ``conditional_price`` is the same per unit if that tree node's scenarios happen,
undiscounted.
"""

from __future__ import annotations

import math

import pandas as pd

from optimizer.report import decision_facts, facts, price_facts
from optimizer.report.fmt import join, pct, pct_present, tonnes, usd
from optimizer.report.load import SavedRun, once_per_run

NOT_AVAILABLE = "not available"
TOP_UNMET = 3
"""Shortfalls listed by name per scenario in the summary; the rest are summed."""


def _v(key: dict, col: str, default: str = "?") -> str:
    x = key.get(col)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return default
    return str(x)


def _element(key: dict, col: str = "element") -> str:
    e = _v(key, col, "*")
    return "rare-earth oxide" if e == "*" else e


def _provenance(key: dict) -> str:
    basis = _v(key, "basis", "either")
    c = _v(key, "country")
    return {"mined": f"mined in {c}", "processed": f"processed in {c}"}.get(
        basis, f"mined or processed in {c}")


def _origin(key: dict, ore: str = "") -> str:
    """``mined in AUS, processed in MYS`` or, for merged rows, the list of pairs."""
    pairs = key.get("provenances")
    if pairs and len(pairs) > 1:
        return (f"any of {len(pairs)} provenances at the same price, {ore}mined → processed in: "
                + ", ".join(pairs))
    if "processed_country" in key:
        return f"{ore}mined in {_v(key, 'mined_country')}, processed in " \
               f"{_v(key, 'processed_country')}"
    return f"{ore}mined in {_v(key, 'mined_country')}"


def constraint_subject(family: str, key: dict, with_period: bool = True) -> str:
    """What one more unit of the constraint's right-hand side is, in words.

    ``key`` is the constraint's row in its ``dual_<family>`` table. The phrase completes
    "One more …", e.g. ``tonne of CN Dy export quota in 2026Q2``. Every phrase names the
    element, the end use where the row has one (``defence Tb``) and the provenance where rows
    differ by it; ``with_period=False`` leaves out " in <period>" (a grouped constraint).
    """
    if not with_period:
        return constraint_subject(family, {**key, "period": "\0"}).replace(" in \0", "") \
            .replace(" at the end of \0", " at the end of a period")
    period = _v(key, "period")
    if family == "export_quota_cap":
        prod = _v(key, "product")
        prod = "oxide" if prod == "*" else prod
        rule_period = _v(key, "rule_period", "*")
        cap = key.get("cap_t")
        which = ""
        if cap is not None and not (isinstance(cap, float) and math.isnan(cap)):
            which = (f" (the {tonnes(float(cap))} quota for {rule_period} only)"
                     if rule_period not in ("*", "?") else
                     f" (the {tonnes(float(cap))}-per-period quota)")
        return f"tonne of {_v(key, 'country')} {prod} export quota{which} in {period}"
    if family == "mine_capacity":
        return f"tonne of mining capacity (REO) at mine {_v(key, 'mine')} in {period}"
    if family == "plant_capacity":
        return f"tonne of separation capacity (REO feed) at plant {_v(key, 'plant')} in {period}"
    if family == "trader_capacity":
        return f"tonne of oxide offered by {_v(key, 'trader')} in {period}"
    if family == "lane_capacity":
        return (f"tonne of shipping capacity on the lane {_v(key, 'origin')} → "
                f"{_v(key, 'destination')} in {period}")
    if family == "stock_capacity":
        return f"tonne of storage room at stockpile {_v(key, 'stockpile')} in {period}"
    if family == "module_build_limit":
        return f"module {_v(key, 'module')} allowed to be built (above its maximum count)"
    if family == "end_use_tonnage_limit":
        return (f"tonne of {_element(key)} {_provenance(key)} allowed into {_v(key, 'end_use')} "
                f"in {period}")
    if family == "end_use_share_limit":
        return (f"tonne of {_element(key)} {_provenance(key)} allowed into {_v(key, 'end_use')} "
                f"above its share limit in {period}")
    if family == "diversification_cap":
        basis = _v(key, "basis", "processed")
        return (f"tonne of {_element(key)} {basis} in {_v(key, 'country')} allowed into "
                f"{_v(key, 'end_use')} above the single-country share cap in {period}")
    if family == "demand_balance":
        use = _v(key, "end_use_of_demand", "")
        what = f"{use} {_element(key)}" if use else _element(key)
        return f"tonne of {what} demanded by {_v(key, 'demand')} in {period}"
    if family == "plant_output":
        return (f"tonne of {_element(key)} oxide ({_origin(key, 'ore ')}) "
                f"separated at plant {_v(key, 'plant')} in {period}")
    if family == "stock_balance":
        return (f"tonne of {_element(key)} ({_origin(key)}) held at stockpile "
                f"{_v(key, 'stockpile')} at the end of {period}")
    return f"unit of {family} right-hand side" + (f" in {period}" if period != "?" else "")


def _scenario_phrase(label, all_scenarios: list[str]) -> str:
    """``in every scenario`` / ``in scenario cut`` / ``in scenarios a and b``."""
    if label is None or (isinstance(label, float) and math.isnan(label)) or label == "":
        return ""
    names = str(label).split("+")
    if all_scenarios and set(names) >= set(all_scenarios):
        return "in every scenario"
    return ("in scenario " if len(names) == 1 else "in scenarios ") + join(names)


def constraint_sentence(row: pd.Series | dict, all_scenarios: list[str]) -> str:
    """One sentence on what relaxing a binding constraint by one unit is worth.

    ``row`` is a row of :func:`optimizer.report.price_facts.constraint_rows`. Example: "One more
    tonne of CN Dy export quota in 2026Q2 would save USD 1,250 in expected discounted cost
    (in scenario cut; USD 5,000 if that scenario happens)."
    """
    fam = row["family"]
    key = row["key"]
    price = float(row["shadow_price"])
    verb = "save" if price < 0 else "add"
    s = f"One more {constraint_subject(fam, key)} would {verb} {usd(abs(price))}"
    s += " in expected discounted cost" if price < 0 else " to the expected discounted cost"
    where = _scenario_phrase(row.get("scenarios"), all_scenarios)
    cond = row.get("conditional_price")
    extra = []
    if where:
        extra.append(where)
    if cond is not None and not (isinstance(cond, float) and math.isnan(cond)) \
            and abs(abs(float(cond)) - abs(price)) > 1e-9 * max(1.0, abs(price)):
        if where == "in every scenario":
            extra.append(f"{usd(abs(float(cond)))} undiscounted")
        else:
            extra.append(f"{usd(abs(float(cond)))} if that happens, undiscounted")
    if fam == "demand_balance" and price < 0:
        extra.append(_demand_price_reason(price))
    if extra:
        s += " (" + "; ".join(extra) + ")"
    return s + "."


def _demand_price_reason(price: float) -> str:
    """Why a demand's price has its sign (docs/model.md, demand balance).

    A tonne more of a demand usually costs its delivered cost, or its lost value when unmet;
    below zero, serving it lowers the cost, which happens only when it loosens a share rule
    (an end use's share limit or diversification cap counts shares of what it receives).
    """
    if price < 0:
        return ("below zero: serving it raises what the end use receives, so a share rule on "
                "that end use lets in more of a cheaper supply; the saving exceeds the tonne's "
                "cost")
    return "at most the demand's lost value, the penalty for unmet demand"


def group_sentence(row: pd.Series | dict, all_scenarios: list[str]) -> str:
    """One sentence on a constraint over every period and scenario where it binds.

    ``row`` is a row of :func:`optimizer.report.price_facts.constraint_groups`. Example: "One more
    tonne of CHN Dy export quota in each of 2026Q1–2027Q4 would save USD 2.1 million in
    expected discounted cost (in scenario china_escalation; USD 40,000 to USD 95,000 per
    period if that happens, undiscounted)."
    """
    fam, key = row["family"], row["key"]
    value = float(row["expected_value"])
    verb = "save" if value < 0 else "add"
    periods = row.get("binding_periods") or ""
    when = ""
    if periods and "period" in key:
        when = f" in {periods}" if "," not in periods and "–" not in periods \
            else f" in each of {periods}"
    s = f"One more {constraint_subject(fam, key, with_period=False)}{when} would {verb} "
    s += f"{usd(abs(value))}" + (" in expected discounted cost" if value < 0
                                  else " to the expected discounted cost")
    extra = []
    where = _scenario_phrase(row.get("scenarios"), all_scenarios)
    if where:
        extra.append(where)
    lo, hi = row.get("price_low"), row.get("price_high")
    if lo is not None and hi is not None and not (pd.isna(lo) or pd.isna(hi)):
        a, b = sorted((abs(float(lo)), abs(float(hi))))
        span = usd(a) if usd(a) == usd(b) else f"{usd(a)} to {usd(b)}"
        cond = "if it happens" if where and where != "in every scenario" else "in each"
        extra.append(f"{span} per period {cond}, undiscounted" if cond != "in each"
                     else f"{span} per period, undiscounted")
    if fam == "demand_balance":
        extra.append(_demand_price_reason(value))
    if extra:
        s += " (" + "; ".join(extra) + ")"
    return s + "."


def _shares_phrase(shares: pd.DataFrame, element: str) -> str:
    g = shares[shares["element"] == element]
    if g.empty:
        return NOT_AVAILABLE
    return ", ".join(f"{c} {pct_present(s)}"
                     for c, s in zip(g["country"], g["share"]))


def supply_sentences(run: SavedRun) -> list[str]:
    """Per element: who mines and who processes it, after (the plan) and before (status quo)."""
    before_mix = run.tables.get("status_quo_supply_mix")
    out = []
    for el in facts.elements(run):
        parts = []
        for basis, word in (("processed", "processed in"), ("mined", "mined in")):
            after = _shares_phrase(facts.table_shares(run, "supply_mix", basis), el)
            before = _shares_phrase(facts.table_shares(run, "status_quo_supply_mix", basis),
                                    el) if before_mix is not None else NOT_AVAILABLE
            parts.append(f"{word} {after} (status quo: {before})")
        out.append(f"{el} supply is " + "; ".join(parts) + ".")
    return out


def unmet_sentences(run: SavedRun) -> list[str]:
    """Unmet demand by scenario and end use, or one sentence saying all demand is met."""
    u = facts.unmet_by_end_use(run)
    u = u[u["unmet_t"] > 0]
    out = []
    sq = run.tables.get("status_quo_summary")
    tail = []
    if sq is not None and not sq.empty and "unmet_t" in sq.columns \
            and pd.notna(sq["unmet_t"].iloc[0]):
        tail.append(f"The status-quo plan would leave {tonnes(float(sq['unmet_t'].iloc[0]))} "
                    "unmet (expected over scenarios).")
    if u.empty:
        return ["All demand is met in every scenario."] + tail
    for sc, g in u.groupby("scenario", sort=False):
        g = g.sort_values("unmet_t", ascending=False, kind="stable")
        items = [f"{tonnes(r.unmet_t)} of {r.element} for {r.end_use} "
                 f"({pct_present(r.unmet_share)} of its {tonnes(r.demand_t)})"
                 for r in g.head(TOP_UNMET + (len(g) == TOP_UNMET + 1)).itertuples()]
        if len(g) > TOP_UNMET + 1:
            rest = g.iloc[TOP_UNMET:]
            items.append(f"{tonnes(rest['unmet_t'].sum())} in {len(rest)} smaller shortfalls")
        text = f"In scenario {sc}, unmet demand is {join(items)}"
        if len(g) > 1:
            text += f" (total {tonnes(g['unmet_t'].sum())})"
        out.append(text + ".")
    return out + tail


def _build_item(r) -> str:
    count = f"{int(r.count)} × " if int(r.count) != 1 else ""
    return f"{count}{r.module} at {r.site} ({r.country}), online {r.online_period}, " \
           f"capex {usd(r.capex_usd)}"


def build_sentences(run: SavedRun) -> list[str]:
    """One sentence listing the recommended builds, or saying none is recommended.

    Builds decided separately in several scenarios are one decision here
    (:func:`optimizer.report.decision_facts.decisions`); the total is the capex of builds made
    in every scenario, the contingent ones named apart.
    """
    d = decision_facts.decisions(run)
    if d.empty:
        return ["No new capacity is recommended: the existing supply chain is cheapest."]
    sure = d[d["kind"] != "contingent"]
    text = []
    if len(sure):
        text.append(f"Build {join([_build_item(r) for r in sure.itertuples()])}; total capex "
                    f"{usd(float(sure['capex_usd'].sum()))}.")
    for r in d[d["kind"] == "contingent"].itertuples():
        text.append(f"Only {_scenario_phrase(r.scenarios, facts.scenario_names(run))} "
                    f"(probability {pct(r.probability)}): build {_build_item(r)}.")
    return text


def _when_revealed(scenarios: str, period: str, all_scenarios: list[str]) -> str:
    names = scenarios.split("+")
    if len(names) == 1:
        return f"If {names[0]} is revealed by {period}"
    if len(names) >= len(all_scenarios):
        return f"Whichever scenario is revealed by {period}"
    # One of them happens, not all: "a, b or c", as the console's "if a or b or c".
    return f"If {', '.join(names[:-1])} or {names[-1]} is revealed by {period}"


def decision_sentences(run: SavedRun) -> list[str]:
    """The first screen: what to decide now, what is contingent, cost, and the risk left.

    In reading order: builds to decide now (shared by every scenario, first period); builds
    shared by every scenario but decided later; builds the plan makes in every scenario but
    decides only once the scenario is known; contingent builds ("If china_escalation is
    revealed by 2032: start …"); the expected discounted cost against the status quo (no new
    builds); the unmet demand left in the worst scenario, by end use and element.
    """
    scen = facts.scenario_names(run)
    d = decision_facts.decisions(run)
    first = (facts.periods(run)[:1] or ["the first period"])[0]
    out = []
    now = d[d["kind"] == "now"]
    if len(now):
        items = join([_build_item(r) for r in now.itertuples()])
        out.append(f"Decide now ({first}): build {items}.")
    elif len(d):
        out.append("Nothing needs to be started now: every build below waits for a later "
                   "decision point.")
    else:
        out.append("Build nothing: no new capacity pays for itself in any scenario; the "
                   "existing supply chain is cheapest.")
    for period, g in d[d["kind"] == "planned"].groupby("decision_period", sort=False):
        out.append(f"Decide by {period}, the same in every scenario: build "
                   f"{join([_build_item(r) for r in g.itertuples()])}.")
    for period, g in d[d["kind"] == "every scenario"].groupby("decision_period", sort=False):
        out.append(f"Decide in {period}, once the scenario is known; the plan builds it in "
                   f"every scenario: {join([_build_item(r) for r in g.itertuples()])}.")
    for r in d[d["kind"] == "contingent"].itertuples():
        revealed = getattr(r, "revealed", "") or ""
        if revealed and revealed != r.decision_period:
            # Known since its branch split off; the decision itself waits (lead times, the
            # earliest decision period, or simply because later is cheaper).
            out.append(f"{_when_revealed(r.scenarios, revealed, scen)}: decide in "
                       f"{r.decision_period} to start {_build_item(r)} (probability "
                       f"{pct(r.probability)}).")
        else:
            out.append(f"{_when_revealed(r.scenarios, r.decision_period, scen)}: start "
                       f"{_build_item(r)} (probability {pct(r.probability)}).")
    from optimizer.decisions import contract_lines  # contracts to sign (issue 14 item 3)

    out += [line[0].upper() + line[1:] + "." for lines in contract_lines(
        decision_facts.contract_decisions(run)).values() for line in lines]
    out.append(_cost_against_status_quo(run))
    out.append(_risk_left(run))
    return [x for x in out if x]


def objective_name(summary: dict) -> str:
    """What ``objective_usd`` is: the expected discounted cost, or, when the plan was solved
    risk-averse (``risk.risk_weight`` λ > 0), the mean-CVaR objective (1 − λ) E + λ CVaR,
    a different quantity that must not be called the expected cost."""
    r = summary.get("risk") or {}
    lam = float(r.get("risk_weight") or 0.0)
    if lam > 0:
        return f"mean-CVaR objective (λ {lam:g}, α {float(r.get('cvar_alpha', 0.9)):g})"
    return "expected discounted cost"


def risk_figures(summary: dict) -> str:
    """For a risk-averse plan, its expected discounted cost and CVaR (what the mean-CVaR
    objective mixes); '' for a risk-neutral one, whose objective is the expected cost."""
    r = summary.get("risk") or {}
    if float(r.get("risk_weight") or 0.0) <= 0 or "expected_cost_usd" not in r:
        return ""
    return (f"expected discounted cost {usd(r['expected_cost_usd'])}, "
            f"CVaR{float(r.get('cvar_alpha', 0.9)):.0%} {usd(r.get('cvar_usd'))}")


def _cost_against_status_quo(run: SavedRun) -> str:
    obj = run.summary.get("objective_usd")
    sq = run.tables.get("status_quo_summary")
    name = objective_name(run.summary)
    text = f"{name[0].upper()}{name[1:]}: {usd(obj)}"
    if sq is not None and not sq.empty and "objective_usd" in sq.columns \
            and pd.notna(sq["objective_usd"].iloc[0]) and obj is not None:
        before = float(sq["objective_usd"].iloc[0])
        diff = float(obj) - before
        how = (f"{usd(-diff)} less than" if diff < 0 else f"{usd(diff)} more than") \
            if abs(diff) >= 0.5 else "the same as"
        text += f", {how} the status quo (no new builds, {usd(before)})"
    extra = risk_figures(run.summary)
    return text + (f"; {extra}." if extra else ".")


def _risk_left(run: SavedRun) -> str:
    w = facts.worst_scenario(run)
    if w is None:
        return ""
    if w["unmet_t"] <= 0:
        return "Risk left: all demand is met in every scenario."
    u = facts.unmet_by_end_use(run)
    u = u[(u["scenario"].astype(str) == w["scenario"]) & (u["unmet_t"] > 0)]
    u = u.sort_values("unmet_t", ascending=False, kind="stable")
    items = [f"{tonnes(r.unmet_t)} of {r.end_use} {r.element}" for r in u.head(TOP_UNMET)
             .itertuples()]
    if len(u) > TOP_UNMET:
        items.append(f"{tonnes(u.iloc[TOP_UNMET:]['unmet_t'].sum())} in {len(u) - TOP_UNMET} "
                     "other shortfalls")
    return (f"Risk left: in the worst scenario, {w['scenario']} (probability "
            f"{pct(w['probability'])}), {tonnes(w['unmet_t'])} of demand go unmet: "
            f"{join(items)}.")


def cost_sentence(run: SavedRun) -> str:
    """Total expected cost, with the status-quo plan's cost when the run saved it."""
    s = run.summary
    text = f"The plan's {objective_name(s)} is {usd(s.get('objective_usd'))}"
    sq = run.tables.get("status_quo_summary")
    if sq is not None and not sq.empty and "objective_usd" in sq.columns:
        before = sq["objective_usd"].iloc[0]
        if before is None or pd.isna(before):
            text += (f"; the status-quo plan (no new builds) has no solution "
                     f"({sq['status'].iloc[0]})")
        else:
            text += f", against {usd(float(before))} for the status-quo plan (no new builds)"
    else:
        text += " (status-quo plan: not available)"
    r = s.get("risk") or {}
    if risk_figures(s):
        text += (f"; its expected discounted cost, which the breakdown below adds up, is "
                 f"{usd(r['expected_cost_usd'])} and its CVaR{float(r.get('cvar_alpha', 0.9)):.0%} "
                 f"{usd(r.get('cvar_usd'))}")
    return text + "."


@once_per_run
def executive_summary(run: SavedRun) -> dict[str, list[str]]:
    """The executive summary as headed lists of plain sentences, in reading order."""
    scen = facts.scenario_names(run)
    top = price_facts.constraint_groups(run, "limits").head(3)
    binding = [group_sentence(r, scen) for r in top.to_dict("records")] or [
        "No capacity or policy limit binds with a non-zero shadow price."]
    notes = []
    if run.summary.get("is_mip") and run.summary.get("duals") == "fixed_lp":
        notes.append("Prices are conditional on the chosen builds: they come from the linear "
                     "programme re-solved with the build decisions fixed at their optimum.")
    return {
        "Decision": decision_sentences(run),
        "Supply by country": supply_sentences(run),
        "Unmet demand": unmet_sentences(run),
        "Most valuable binding constraints": binding + notes,
    }
