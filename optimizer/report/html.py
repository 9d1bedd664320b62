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

from optimizer.report import facts, figures
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
        blocks.append(Paragraphs(lines, heading=heading))
    status = run.summary.get("status")
    if status and status != "optimal":
        blocks.insert(0, Note(f"Solver status: {status} (gap {run.summary.get('gap')}). The plan "
                              "is feasible but not proven optimal.", "warn"))
    return Section("summary", "Executive summary", blocks)


BUILD_COLS = [Column("module", "module"), Column("site", "site"), Column("country", "country"),
              Column("online_period", "online period"), Column("count", "count", "int"),
              Column("capacity_added_t", "capacity added (t/period)", "t"),
              Column("capex_usd", "capex (USD)", "usd"),
              Column("capex_in_horizon_usd", "capex charged in horizon (USD, discounted)", "usd"),
              Column("fixed_om_usd_per_period", "fixed O&M (USD/period)", "usd")]


def builds_section(run: SavedRun) -> Section:
    """Build plan: timeline chart and table."""
    b = facts.builds(run)
    blocks = [Chart(figures.build_timeline(run), "build-timeline"), Table(b, BUILD_COLS)] \
        if len(b) else [Paragraphs(say.build_sentences(run), bullets=False)]
    return Section("builds", "Build plan", blocks, intro="Modules the plan builds, when they come online and what they cost. "
             "The decision is the same in every scenario. Capex is paid in the first online period, "
             "or, for a module with an economic life, charged as equal payments over that life, of "
             "which only the payments inside the horizon count.")


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
        Paragraphs(say.unmet_sentences(run), heading="Unmet demand"),
        Table(u[u["unmet_t"] > 0], [Column("scenario", "scenario"), Column("end_use", "end use"),
                  Column("element", "element"), Column("demand_t", "demand (t)", "t"),
                  Column("unmet_t", "unmet (t)", "t"),
                  Column("unmet_share", "unmet share", "pct")],
              caption="Shortfalls over the horizon, by scenario, end use and element (every "
                      "demand row is in results.xlsx, sheet unmet_demand)",
              empty_text="No demand goes unmet."),
    ])


LIMIT_ROWS = 200
"""Binding limits listed in the report (most valuable first); every one is in results.xlsx."""
BALANCE_ROWS = 30
"""Balance rows listed in the report (most valuable first)."""


def _explained(rows: pd.DataFrame, scen: list[str], shown: int) -> pd.DataFrame:
    """``rows`` with a ``meaning`` sentence and a readable ``scenarios`` label.

    Only the first ``shown`` rows (those the table displays) get them; the rest are counted in
    the table's "… more rows" line. A medium run has ~15,000 binding rows, and writing a
    sentence for each was most of the report's time.
    """
    if rows.empty:
        return rows
    head = rows.head(shown)
    pad = [""] * (len(rows) - len(head))
    return rows.assign(
        meaning=[say.constraint_sentence(r, scen) for r in head.to_dict("records")] + pad,
        scenarios=[_scenario_label(x, scen) for x in head["scenarios"]] + pad)


def prices_section(run: SavedRun) -> Section:
    """Ranked binding limits with their meaning; capacity values against capex; balances."""
    scen = facts.scenario_names(run)
    lim = _explained(facts.constraint_rows(run, "limits"), scen, LIMIT_ROWS)
    cols = [Column("family", "constraint"), Column("period", "period"),
            Column("scenarios", "scenarios"),
            Column("shadow_price", "shadow price (USD per unit, expected, discounted)", "usd"),
            Column("conditional_price", "if it happens (USD per unit, undiscounted)", "usd"),
            Column("meaning", "meaning")]
    cap = facts.capacity_values(run)
    if len(cap):
        cap = cap.assign(signal=[
            "" if pd.isna(c) else ("worth more than its capex" if v > c else "below its capex")
            for v, c in zip(cap["capacity_value_usd_per_t"], cap["capex_usd_per_t"])])
    bal = _explained(facts.constraint_rows(run, "balances"), scen, BALANCE_ROWS)
    blocks = _mip_note(run) + [
        Table(lim, cols, caption="Binding capacity and policy limits, most valuable first",
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
              highlight=list(cap["signal"] == "worth more than its capex") if len(cap) else None,
              empty_text="No mine or plant capacity rows in this run."),
        Paragraphs(["The value of capacity is the sum of the expected discounted shadow prices of "
                    "a site's capacity rows over every tree node: what one more tonne per period "
                    "of capacity, held over the whole horizon, would save. Module capex per "
                    "tonne is shown for sites where the plan builds (fixed O&M not included)."],
                   bullets=False),
        Table(bal, cols, caption="Marginal values of material (balance rows)",
              max_rows=BALANCE_ROWS,
              empty_text="No balance row has a non-zero price."),
    ]
    return Section("prices", "Shadow prices and capacity values", blocks,
                   intro="A shadow price is the change of the expected discounted cost per unit "
                         "increase of a constraint's limit: negative means one more unit would "
                         "save money. The conditional price is the same if that scenario "
                         "happens, undiscounted. All binding rows are in results.xlsx.")


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
            concentration_section(run), scenarios_section(run), prices_section(run),
            appendix_section(run)]


def render_report(run: SavedRun) -> str:
    """The report of one run as one self-contained HTML string."""
    s = run.summary
    sub = (f"Expected discounted cost {usd(s.get('objective_usd'))} · status {s.get('status')} · "
           f"{len(facts.scenario_names(run))} scenarios, {len(facts.periods(run))} periods")
    footer = (f"Generated by supplyopt from the saved tables of run folder '{run.folder.name}' "
              f"(input SHA-256 {str(s.get('input_sha256'))[:12]}…). Re-render with "
              f"'supplyopt report RUN_DIR'.")
    return render_page(f"Supply plan: {s.get('instance')}", sub, report_sections(run), footer)


def write_html_report(run: SavedRun, path: str | Path) -> Path:
    """Write report.html for ``run`` at ``path``."""
    path = Path(path)
    path.write_text(render_report(run), encoding="utf-8")
    return path
