"""report.html: the investment report of one run, rendered from its saved tables and summary.

Sections (each a function returning a :class:`~optimizer.report.components.Section`, so a batch
page can reuse them): executive summary, build plan, cost, supply flows (Sankey per element),
supply concentration, unmet demand and scenarios, shadow prices and capacity values, appendix.
Nothing here solves or recomputes a model result; see :mod:`optimizer.report.facts` for the
presentation arithmetic (sums over periods, probability weights, ranking).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from optimizer.report import decision_facts, facts, figures, price_facts
from optimizer.report import sentences as say
from optimizer.report.components import (
    Chart,
    Column,
    Note,
    Paragraphs,
    Section,
    Table,
    render_page,
)
from optimizer.report.fmt import number, usd
from optimizer.report.load import SavedRun

MIP_NOTE = ("This is a mixed-integer plan: its shadow prices come from the linear programme "
            "re-solved with the build decisions fixed at their optimum, so every price is "
            "conditional on the chosen builds (it does not value building something else).")


def slug(text: str) -> str:
    """An id safe in HTML and JS: lowercase letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s or "x"


def _same_plan_note(run: SavedRun) -> list:
    """When nothing is built the status quo is the plan; warn that share gaps are ties."""
    if facts.builds(run).empty and run.tables.get("status_quo_supply_mix") is not None:
        return [Note("The plan builds nothing, so the status-quo plan has the same cost. Where "
                     "their shares differ, the solver picked another flow pattern of equal "
                     "cost: treat such differences as ties, not as an effect of the plan.")]
    return []


def _scenario_label(label, names: list[str]) -> str:
    parts = str(label).split("+")
    return "all" if names and set(parts) >= set(names) else ", ".join(parts)


def _mip_note(run: SavedRun) -> list:
    if run.summary.get("is_mip") and run.summary.get("duals") == "fixed_lp":
        return [Note(MIP_NOTE)]
    return []


def summary_section(run: SavedRun) -> Section:
    """Executive summary in plain sentences."""
    blocks = []
    for heading, lines in say.executive_summary(run).items():
        blocks.append(Paragraphs(lines, heading=heading, box=heading == "Decision"))
        if heading == "Decision":
            blocks.append(Paragraphs(["The context behind the decision follows; each point "
                                      "has its own section below."], bullets=False))
    status = run.summary.get("status")
    if status and status != "optimal":
        blocks.insert(0, Note(f"Solver status: {status} (gap {run.summary.get('gap')}). The plan "
                              "is feasible but not proven optimal.", "warn"))
    return Section("summary", "Executive summary", blocks)


BUILD_COLS = [Column("module", "module"), Column("site", "site"), Column("country", "country"),
              Column("kind", "decision"), Column("decision_period", "decided in"),
              Column("scenarios", "scenarios"), Column("probability", "probability", "pct"),
              Column("online_period", "online period"), Column("count", "count", "int"),
              Column("capacity_added_t", "capacity added (t/period)", "t"),
              Column("capex_usd", "capex (USD, undiscounted)", "usd"),
              Column("expected_capex_usd", "capex charged in horizon (USD, expected, "
                                           "discounted)", "usd")]

DECISION_KINDS = {"now": "decide now", "planned": "later, every scenario",
                  "every scenario": "in every scenario, once known",
                  "contingent": "contingent"}


def builds_section(run: SavedRun) -> Section:
    """Build plan: timeline chart and one row per decision (kind, when, in which scenarios)."""
    d = decision_facts.decisions(run)
    if len(d):
        scen = facts.scenario_names(run)
        d = d.assign(kind=d["kind"].map(DECISION_KINDS),
                     scenarios=[_scenario_label(x, scen) for x in d["scenarios"]])
    blocks = [Chart(figures.build_timeline(run), "build-timeline"), Table(d, BUILD_COLS)] \
        if len(d) else [Paragraphs(say.build_sentences(run), bullets=False)]
    return Section("builds", "Build plan", blocks, intro="Modules the plan builds: when each is "
             "decided, in which scenarios, when it comes online and what it costs. A decision "
             "'now' is shared by every scenario; a contingent one is taken only if its "
             "scenarios are revealed by its decision period. A module comes online its lead "
             "time after the decision. Capex is paid as its capex timing says (by default in "
             "equal payments over construction, from the decision to going online), or, for a "
             "module with an economic life, as equal payments over that life, of which only "
             "the payments inside the horizon count; the charged column weighs each decision "
             "by its probability.")


def cost_section(run: SavedRun) -> Section:
    """Cost breakdown chart and table (with the status-quo total when saved)."""
    cb = run.tables.get("cost_breakdown", pd.DataFrame(columns=["component", "expected_usd"]))
    if len(cb):
        cb = cb.assign(component=[facts.component_label(c) for c in cb["component"]])
    blocks = [Chart(figures.cost_breakdown(run), "cost-breakdown"),
              Table(cb, [Column("component", "component"),
                         Column("expected_usd", "expected discounted cost (USD)", "usd")])]
    sq = run.tables.get("status_quo_summary")
    if sq is not None and not sq.empty:
        blocks.append(Table(sq, [Column(c, c.replace("_", " "), _kind(c)) for c in sq.columns],
                            caption="Status-quo plan"))
    else:
        blocks.append(Paragraphs(["Status-quo plan: not available in this run."], bullets=False))
    return Section("cost", "Cost", blocks,
                   intro=f"{say.cost_sentence(run)} {facts.PENALTY_EXPLAINED}")


def _kind(col: str) -> str:
    if col.endswith("_usd") or col.startswith("cost_usd"):
        return "usd"
    if col.endswith("_usd_per_t"):
        return "usd_per_t"
    if col.endswith("_t") or col == "tonnes":
        return "t"
    if col in ("share", "probability", "unmet_share", "top_share"):
        return "pct"
    if col == "hhi":
        return "hhi"
    return "text"


SHARE_COLS = [Column("element", "element"), Column("country", "country"),
              Column("plan_t", "plan (t)", "t"), Column("plan_share", "plan share", "pct"),
              Column("status_quo_t", "status quo (t)", "t"),
              Column("status_quo_share", "status-quo share", "pct")]


def flows_section(run: SavedRun) -> Section:
    """Sankey per element (scenario dropdown) and the before/after country shares."""
    blocks: list = _same_plan_note(run)
    for el in facts.elements(run):
        blocks.append(Chart(figures.sankey(run, el), f"sankey-{slug(el)}",
                            f"{el}: no deliveries to end uses."))
    has_sq = run.tables.get("status_quo_supply_mix") is not None
    cols = SHARE_COLS if has_sq else SHARE_COLS[:4]
    for basis in ("processed", "mined"):
        blocks.append(Table(facts.shares_before_after(run, basis), cols,
                            caption=f"Share of each {basis} country: plan and status quo "
                                    "(t over the horizon, probability-weighted)"))
    if not has_sq:
        blocks.append(Paragraphs(["Status-quo shares: not available in this run."], bullets=False))
    return Section("flows", "Supply flows", blocks,
                   intro="Where each element is mined and processed, and which end use receives "
                         "it, in tonnes over the horizon. Use the menu on each chart to switch "
                         "scenario. Shares are over all end uses, weighted by scenario "
                         "probability.")


def map_section(run: SavedRun) -> Section:
    """A world map of flows by country pair per element (scenario menu), drawn offline."""
    from optimizer.report import figures_map

    blocks: list = []
    off = figures_map.unplaced(run)
    if off:
        blocks.append(Note(f"Not on the map: {', '.join(off)} (the map places ISO 3166 "
                           "alpha-3 country codes; the Sankeys above show every country)."))
    for el in facts.elements(run):
        blocks.append(Chart(figures_map.flow_map(run, el), f"map-{slug(el)}",
                            f"{el}: no flow between countries that the map can place."))
    return Section("map", "Trade map", blocks,
                   intro="Where each element travels: from the country where it is mined to "
                         "the one where it is processed (solid lines), and on to the country "
                         "of the end user (dotted), in tonnes over the horizon. Line width is "
                         "proportional to tonnes; a line has the colour of the country it "
                         "leaves, as in the Sankeys. Dots are sized by the largest of what a "
                         "country mines, processes or uses; hover for the figures. The base "
                         "map ships with supplyopt: the page needs no network.")


def concentration_section(run: SavedRun) -> Section:
    """HHI charts against the concern line, and the table behind them."""
    piv, hcols = facts.concentration_pivot(run)
    cols = [Column("element", "element"), Column("end_use", "end use"),
            Column("basis", "basis")] + [
        Column(c, f"HHI {c}", "hhi", highlight_above=facts.HHI_CONCERN) for c in hcols]
    blocks: list = _same_plan_note(run) + [
                    Chart(figures.concentration(run, "processed"), "hhi-processed"),
                    Chart(figures.concentration(run, "mined"), "hhi-mined"),
                    Table(piv, cols, caption="HHI per element, end use and scenario, plan and "
                                             f"status quo (highlighted: above "
                                             f"{number(facts.HHI_CONCERN)})")]
    if run.tables.get("status_quo_supply_mix") is None:
        blocks.append(Paragraphs(["Status-quo concentration: not available in this run."],
                                 bullets=False))
    return Section("concentration", "Supply concentration", blocks,
                   intro="Herfindahl–Hirschman index of the countries supplying each element to "
                         "each end use (Σ share² × 10,000; 10,000 = a single country). Above "
                         f"{number(facts.HHI_CONCERN)} a supply is highly concentrated, the line "
                         "the 2023 US Merger Guidelines (DOJ/FTC, section 2.1) draw for markets; "
                         "only those cells are highlighted.")


def risk_sentences(run: SavedRun) -> list[str]:
    """E[cost], VaR and CVaR of the plan (summary.json's ``risk``), and how it was chosen."""
    r = run.summary.get("risk") or {}
    if "expected_cost_usd" not in r:
        return []
    alpha, lam = float(r.get("cvar_alpha", 0.9)), float(r.get("risk_weight", 0.0))
    tail = 1.0 - alpha
    out = [f"Expected discounted cost {usd(r['expected_cost_usd'])}; value at risk "
           f"VaR{alpha:.0%} {usd(r['var_usd'])} (a cost exceeded with probability at most "
           f"{tail:.0%}); CVaR{alpha:.0%} {usd(r['cvar_usd'])}, the mean cost of the worst "
           f"{tail:.0%} of outcomes. The worst scenario, {r.get('worst_scenario')}, costs "
           f"{usd(r.get('worst_scenario_cost_usd'))}."]
    if lam > 0:
        out.append(f"The plan minimises (1 − λ)·E[cost] + λ·CVaR with λ = {lam:g}: "
                   f"{usd(r['mean_cvar_objective_usd'])}. Shadow prices are then changes of "
                   "that objective, weighting each scenario by its risk-adjusted probability "
                   "(docs/model.md).")
        if lam >= 1.0 and r.get("least_expected_cost_among_least_cvar"):
            out.append("With λ = 1 the plan has the least CVaR and, among plans of that CVaR, "
                       "the least expected cost (a second solve: docs/model.md).")
        elif lam >= 1.0:
            out.append("With λ = 1 the expected cost is not weighed at all: among plans of "
                       "equal CVaR this one need not be the cheapest on average; a λ just "
                       "below 1 (e.g. 0.99) weighs it too.")
    else:
        out.append("The plan is risk-neutral (it minimises the expected cost); set risk_weight "
                   "in the instance's settings, or solve --risk-weight, to trade expected cost "
                   "for a lower CVaR.")
    return out


def scenarios_section(run: SavedRun) -> Section:
    """Cost and unmet demand per scenario, and unmet demand by end use."""
    sc = run.tables.get("scenario_costs", pd.DataFrame())
    cols = [Column("scenario", "scenario"), Column("probability", "probability", "pct"),
            Column("cost_usd", "discounted cost if it happens (USD)", "usd"),
            Column("unmet_t", "unmet demand (t)", "t")]
    sq = run.tables.get("status_quo_scenario_costs")
    if sq is not None and not sq.empty and len(sc):
        sc = sc.merge(sq[["scenario", "cost_usd", "unmet_t"]].rename(
            columns={"cost_usd": "sq_cost_usd", "unmet_t": "sq_unmet_t"}), on="scenario",
            how="left")
        cols += [Column("sq_cost_usd", "status quo: cost (USD)", "usd"),
                 Column("sq_unmet_t", "status quo: unmet (t)", "t")]
    u = facts.unmet_by_end_use(run)
    return Section("scenarios", "Scenarios and unmet demand", [
        Chart(figures.scenario_view(run), "scenarios"),
        Table(sc, cols),
        Paragraphs(risk_sentences(run), heading="Risk profile"),
        Paragraphs(say.unmet_sentences(run), heading="Unmet demand"),
        Table(u[u["unmet_t"] > 0], [Column("scenario", "scenario"), Column("end_use", "end use"),
                  Column("element", "element"), Column("demand_t", "demand (t)", "t"),
                  Column("unmet_t", "unmet (t)", "t"),
                  Column("unmet_share", "unmet share", "pct")],
              caption="Shortfalls over the horizon, by scenario, end use and element (every "
                      "demand row is in results.xlsx, sheet unmet_demand)",
              empty_text="No demand goes unmet."),
    ])


LIMIT_ROWS = 60
"""Constraints (grouped over periods and scenarios) listed in the report, most valuable first;
every binding row is in results.xlsx."""
BALANCE_ROWS = 30
"""Balance constraints listed in the report (most valuable first)."""

FAMILY_LABELS = {
    "export_quota_cap": "export quota", "mine_capacity": "mine capacity",
    "plant_capacity": "plant capacity", "trader_capacity": "trader offer",
    "lane_capacity": "lane capacity", "stock_capacity": "stockpile room",
    "module_build_limit": "module count limit", "end_use_tonnage_limit": "end-use limit",
    "end_use_share_limit": "end-use share limit", "diversification_cap": "diversification cap",
    "demand_balance": "demand (penalty if unmet)", "plant_output": "plant output",
    "stock_balance": "stock balance"}
"""Constraint families as a reader names them (the table name is in results.xlsx)."""


def _grouped(groups: pd.DataFrame, scen: list[str], shown: int) -> pd.DataFrame:
    """``groups`` with readable columns for the first ``shown`` rows (the rest are counted).

    ``what`` is the constraint in words (element, end use, provenance named); ``range`` the
    per-period price if it happens, ``low – high`` (one figure when they round alike).
    """
    if groups.empty:
        return groups
    head = groups.head(shown)
    pad = [""] * (len(groups) - len(head))

    def span(lo, hi):
        if pd.isna(lo) or pd.isna(hi):
            return ""
        a, b = sorted((abs(float(lo)), abs(float(hi))))
        fa, fb = usd(a), usd(b)
        return fa if fa == fb else f"{fa} – {fb}"

    return groups.assign(
        rank=list(range(1, len(groups) + 1)),
        label=[FAMILY_LABELS.get(f, f.replace("_", " ")) for f in groups["family"]],
        what=[say.constraint_subject(f, k, with_period=False)
              for f, k in zip(head["family"], head["key"])] + pad,
        effect=["saves" if v < 0 else "adds" for v in groups["expected_value"]],
        value=groups["expected_value"].abs(),
        range=[span(lo, hi) for lo, hi in zip(head["price_low"], head["price_high"])] + pad,
        scenarios=[_scenario_label(x, scen) for x in head["scenarios"]] + pad)


PRICE_COLS = [Column("rank", "rank", "int"), Column("label", "constraint"),
              Column("what", "one more …"), Column("binding_periods", "binds in"),
              Column("scenarios", "scenarios"), Column("effect", "effect"),
              Column("value", "expected value, every binding period (USD per unit, "
                              "discounted)", "usd"),
              Column("range", "per period if it happens (USD per unit, undiscounted)")]


def _capacity_signal(value: float, capex: float, built: bool) -> str:
    """The investment signal of a site, consistent with the build plan.

    Prices are conditional on the chosen builds: once a module is built, the capacity it
    adds relieves the limit, so the value left at the margin is what a *further* tonne would
    save, and may well be below the capex per tonne although building the first module paid.
    """
    if pd.isna(capex):
        return ""
    if built:
        return ("built; a further module would also pay (its value at the margin exceeds "
                "the capex)" if value > capex else
                "built; below its capex only at the margin: with the build in place the limit "
                "binds less, so a further module would not pay")
    return "worth more than its capex" if value > capex else "below its capex"


def prices_section(run: SavedRun) -> Section:
    """Constraints grouped over periods and scenarios, ranked; capacity values; balances."""
    scen = facts.scenario_names(run)
    lim = _grouped(price_facts.constraint_groups(run, "limits"), scen, LIMIT_ROWS)
    balances = price_facts.constraint_groups(run, "balances")
    bal = _grouped(price_facts.merge_provenance(balances), scen, BALANCE_ROWS)
    n_rows = len(price_facts.constraint_rows(run, "limits"))
    cap = price_facts.capacity_values(run)
    if len(cap):
        built = set(facts.builds(run)["site"].astype(str))
        cap = cap.assign(signal=[_capacity_signal(v, c, str(s) in built) for v, c, s in zip(
            cap["capacity_value_usd_per_t"], cap["capex_usd_per_t"], cap["site"])])
    top = [say.group_sentence(r, scen) for r in price_facts.constraint_groups(run, "limits")
           .head(5).to_dict("records")]
    blocks = _mip_note(run) + (
        [Paragraphs(top, heading="The five most valuable limits")] if top else []) + [
        Table(lim, PRICE_COLS,
              caption=f"Binding capacity and policy limits, most valuable first ({len(lim)} "
                      f"constraints binding in {n_rows} period/scenario rows)",
              max_rows=LIMIT_ROWS,
              empty_text="No capacity or policy limit binds with a non-zero shadow price."),
        Table(cap, [Column("kind", "kind"), Column("site", "site"),
                    Column("binding_periods", "periods where it binds"),
                    Column("capacity_value_usd_per_t",
                           "value of +1 t/period of capacity (USD/t, whole horizon)", "usd_per_t"),
                    Column("capex_usd_per_t", "module capex per t/period of capacity (USD/t)",
                           "usd_per_t"),
                    Column("signal", "investment signal")],
              caption="Capacity values: the investment signal",
              highlight=[str(x).startswith("worth more") for x in cap["signal"]]
              if len(cap) else None,
              empty_text="No mine or plant capacity rows in this run."),
        Paragraphs(["The value of capacity is the sum of the expected discounted shadow prices of "
                    "a site's capacity rows over every tree node: what one more tonne per period "
                    "of capacity, held over the whole horizon, would save. Module capex per "
                    "tonne is shown for sites where the plan builds or could build (fixed O&M "
                    "not included). Where the plan builds, the value is measured with the build "
                    "in place, so it is the value of a further module."],
                   bullets=False),
        Table(bal, PRICE_COLS, caption="Marginal values of material (balance constraints; "
                                       "provenances with the same price are merged)",
              max_rows=BALANCE_ROWS,
              empty_text="No balance row has a non-zero price."),
        Paragraphs([facts.PENALTY_EXPLAINED + " A demand's price is therefore at most its lost "
                    "value: up to that price the plan prefers to supply the tonne."],
                   bullets=False),
    ]
    return Section("prices", "Shadow prices and capacity values", blocks,
                   intro="A shadow price is the change of the expected discounted cost per unit "
                         "increase of a constraint's limit. Each row here is one constraint (a "
                         "site, rule, quota or demand) over every period and scenario where it "
                         "binds: its expected value is the sum of its rows' prices, what one "
                         "more unit in each of those periods would save (or add); the range is "
                         "its price in one period if that scenario happens, undiscounted. Every "
                         "binding row is in results.xlsx.")


def appendix_section(run: SavedRun) -> Section:
    """Instance, input checksum, solver, options, status, gap, times, overrides."""
    s = run.summary
    rows = [("instance", s.get("instance")), ("source", s.get("source")),
            ("input SHA-256", s.get("input_sha256")), ("status", s.get("status")),
            ("termination", s.get("termination")),
            ("objective", usd(s.get("objective_usd"))),
            ("best bound", usd(s.get("best_bound_usd"))),
            ("relative gap", "" if s.get("gap") is None else f"{float(s['gap']):.2e}"),
            ("mixed-integer", "yes" if s.get("is_mip") else "no"),
            ("shadow prices from", {"fixed_lp": "LP with builds fixed (conditional on builds)",
                                    "lp": "the LP itself"}.get(s.get("duals"), s.get("duals"))),
            ("solver", f"{s.get('solver')} {s.get('solver_version')}")]
    rows += [(f"option {k}", v) for k, v in (s.get("options") or {}).items()]
    rows += [("overrides", "; ".join(s.get("overrides") or []) or "none")]
    rows += [(f"{k} (counts)", v) for k, v in (s.get("counts") or {}).items()]
    rows += [(f"time {k} (s)", v) for k, v in (s.get("times_s") or {}).items()]
    ver = s.get("verification") or {}
    if ver:
        rows.append(("independent check", "passed" if ver.get("ok") else
                     ver.get("reason") or str(ver)))
    df = pd.DataFrame([(k, "" if v is None else str(v)) for k, v in rows], columns=["item", "value"])
    return Section("appendix", "Appendix: run details", [
        Table(df, [Column("item", "item"), Column("value", "value")], max_rows=500)])


def report_sections(run: SavedRun) -> list[Section]:
    """Every section of the single-run report, in reading order."""
    return [summary_section(run), builds_section(run), cost_section(run), flows_section(run),
            map_section(run), concentration_section(run), scenarios_section(run),
            prices_section(run), appendix_section(run)]


def render_report(run: SavedRun, plotly_src: str | None = None) -> str:
    """The report of one run as one HTML string: self-contained, or loading plotly.js from
    ``plotly_src`` (a run inside a batch folder, :mod:`optimizer.report.shared_js`)."""
    s = run.summary
    name, extra = say.objective_name(s), say.risk_figures(s)
    sub = (f"{name[0].upper()}{name[1:]} {usd(s.get('objective_usd'))}"
           f"{f' ({extra})' if extra else ''} · status {s.get('status')} · "
           f"{len(facts.scenario_names(run))} scenarios, {len(facts.periods(run))} periods")
    footer = (f"Generated by supplyopt from the saved tables of run folder '{run.folder.name}' "
              f"(input SHA-256 {str(s.get('input_sha256'))[:12]}…). Re-render with "
              f"'supplyopt report RUN_DIR'.")
    return render_page(f"Supply plan: {s.get('instance')}", sub, report_sections(run), footer,
                       plotly_src=plotly_src)


def write_html_report(run: SavedRun, path: str | Path, plotly_src: str | None = None) -> Path:
    """Write report.html for ``run`` at ``path`` (``plotly_src``: see :func:`render_report`)."""
    path = Path(path)
    path.write_text(render_report(run, plotly_src), encoding="utf-8")
    return path
