"""report.html (and analysis.xlsx) of an analytics folder, rendered from its saved tables.

Nothing here solves or recomputes a model result: every number shown is a cell of those tables
(or a sort, a sum over cost components, a count of failed solves). The page is built with the
single-run report's components (:mod:`optimizer.report.components`), so it looks the same and
is just as self-contained (plotly.js inlined once, nothing fetched).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from optimizer.report.analysis_cutoff import cost_word, cutoff_base, cutoff_section
from optimizer.report.batch_common import (
    EVPI_DEFINITION,
    GAP_NOTE,
    VSS_DEFINITION,
    _end_use,
    _label,
    _layout,
    _merged,
    _num,
    _ok,
    _scale,
    _unmet_columns,
    _write_atomic,
    merge_builds,
)
from optimizer.report.components import (
    Chart,
    Column,
    Note,
    Paragraphs,
    Section,
    Table,
    render_page,
)
from optimizer.report.fmt import tonnes, usd
from optimizer.report.palette import aligned_axes, series_colour
from optimizer.report.saved_folders import (
    BATCH_MARKER,
    SavedAnalysis,
    load_analysis,
)

# --- analytics sections ---------------------------------------------------------------------


def _ws_optimum(ws: pd.DataFrame) -> str:
    """The wait-and-see optimum's column (``optimum_usd`` in folders written before it was
    renamed to say it is an optimum with foresight)."""
    return "optimum_with_foresight_usd" if "optimum_with_foresight_usd" in ws else "optimum_usd"


def _partial_notes(a: SavedAnalysis) -> list:
    """A warning naming every failed solve and its full reason, when the analysis is partial."""
    failures = a.meta.get("failures") or []
    if not failures:
        return []
    items = "; ".join(f"{f.get('solve')}: " + " | ".join(f.get("problems") or
                                                          [str(f.get("reason") or "")])
                      for f in failures)
    return [Note(f"Partial result: {len(failures)} solve(s) failed, so the measures and rows "
                 f"that need them are blank. {items}", "warn")]


def measures_section(a: SavedAnalysis) -> Section:
    """Cost of resilience, VSS and EVPI in sentences, with the table of every measure."""
    rp, vss, evpi = a.measure("RP"), a.measure("VSS"), a.measure("EVPI")
    lines = [f"RP, the {a.objective} of the resilient plan (the model's optimum): {usd(rp)}."]
    if a.measure("cost_of_resilience") is not None:
        lines.append(f"Cost of resilience: {usd(a.measure('cost_of_resilience'))}, RP minus the "
                     f"planned cost of the naive plan ({usd(a.measure('naive_planned'))}), "
                     "which ignores the disruption scenarios and the end-use limits and "
                     "diversification caps; capex (+ fixed O&M) differs by "
                     f"{usd(a.measure('capex_of_resilience'))}.")
        lines.append(f"Value of resilience: {usd(a.measure('value_of_resilience'))}, the naive "
                     "plan's builds evaluated in the full model "
                     f"({usd(a.measure('naive_in_model'))}) minus RP.")
    if vss is not None or evpi is not None or a.measure("EEV") is not None:
        lines.append(f"{VSS_DEFINITION} Here VSS = {usd(vss)} (EEV {usd(a.measure('EEV'))}).")
        lines.append(f"{EVPI_DEFINITION} Here EVPI = {usd(evpi)} (WS {usd(a.measure('WS'))}).")
    m = a.table("measures")
    blocks: list = [*_partial_notes(a), Paragraphs(lines), Note(GAP_NOTE),
                    Table(m, [Column("measure", "measure"),
                              Column("definition", "definition"),
                              Column("value_usd", "value (USD)", "usd")]
                          + ([Column("status", "status")] if "status" in m else []),
                          caption="Every measure (blank: a solve it needs failed)",
                          highlight=[v is None or pd.isna(v) for v in m["value_usd"]]
                          if "value_usd" in m else None)]
    ws = _merged(a.table("wait_and_see"))
    if len(ws):
        blocks.append(Table(ws, [Column("scenario", "scenario"),
                                 Column("probability", "probability", "pct"),
                                 Column("status", "status"),
                                 Column(_ws_optimum(ws), "optimum if the scenario were known "
                                        "from the start (USD)", "usd"),
                                 Column("builds", "builds chosen")],
                            caption="Wait-and-see: each scenario solved alone, known from the "
                                    "first period (builds and operations chosen for it), and "
                                    "the expected-value problem. Not a plan's cost if the "
                                    "scenario happens: see the resilient vs naive plan "
                                    "section",
                            highlight=[not _ok(x) for x in ws["status"]]))
    return Section("measures", "Resilience measures", blocks,
                   intro="Builds are decided per scenario-tree node (shared by the scenarios "
                         "not yet told apart there; HN decides them all here and now); every "
                         "other decision (flows, stocks, unmet demand) is re-optimised in each "
                         "evaluation.")


def plan_performance_figure(perf: pd.DataFrame) -> go.Figure | None:
    """Each plan's cost (bars) and unmet demand (markers) if each scenario happens."""
    d = perf[[_ok(x) for x in perf["status"]]]
    if d.empty:
        return None
    div, unit = _scale(d["cost_usd"])
    fig = go.Figure()
    scen = list(dict.fromkeys(perf["scenario"]))
    colours = {"resilient": series_colour(2), "naive": series_colour(1)}
    for i, (plan, g) in enumerate(d.groupby("plan", sort=False)):
        col = colours.get(str(plan), series_colour(i))
        labels = [_label(s) for s in g["scenario"]]
        fig.add_trace(go.Bar(name=f"{_label(plan)} plan: cost ({unit})", x=labels,
                             y=[None if v is None else v / div for v in _num(g["cost_usd"])],
                             marker_color=col,
                             offsetgroup=str(plan),
                             hovertemplate="%{x}: %{y:,.3f} " + unit + "<extra></extra>"))
        fig.add_trace(go.Scatter(name=f"{_label(plan)} plan: unmet demand (t)", x=labels,
                                 y=_num(g["unmet_t"]), yaxis="y2",
                                 mode="markers", offsetgroup=str(plan),
                                 marker=dict(size=12, symbol="diamond", color=col,
                                             line=dict(color="#333", width=1)),
                                 hovertemplate="%{x}: %{y:,.1f} t unmet<extra></extra>"))
    # Round ticks on both axes, on shared grid lines (autoscaled right ticks read 40/81/121).
    left, right = aligned_axes(max((v or 0) / div for v in _num(d["cost_usd"])),
                               max(v or 0 for v in _num(d["unmet_t"])))
    fig.update_layout(barmode="group", scattermode="group", bargap=0.35,
                      xaxis=dict(categoryorder="array", categoryarray=[_label(s) for s in scen]),
                      yaxis=dict(title=f"discounted cost ({unit})", tickformat=",", **left),
                      yaxis2=dict(title="unmet demand (t)", overlaying="y", side="right",
                                  showgrid=False, tickformat=",", **right))
    return _layout(fig, "Each plan's cost and unmet demand if each scenario happens "
                        "(as in a solve's report)", 420)


def resilience_section(a: SavedAnalysis) -> Section | None:
    """Resilient vs naive plan, and each plan's cost in each scenario."""
    plans, perf = a.table("resilience_plans"), a.table("plan_performance")
    if plans.empty and perf.empty:
        return None
    blocks: list = [Table(_merged(plans), [
        Column("plan", "plan"), Column("status", "status"),
        Column("planned_objective_usd", f"planned {cost_word(a)} (USD)", "usd"),
        Column("objective_in_model_usd", f"{cost_word(a)} in the full model (USD)", "usd")]
        + ([Column("expected_cost_in_model_usd", "expected discounted cost in the full model "
                   "(USD)", "usd")] if "expected_cost_in_model_usd" in plans else []) + [
        Column("capex_usd", "capex + fixed O&M (USD, discounted)", "usd"),
        Column("builds", "builds"), Column("expected_unmet_t", "planned unmet demand (t)", "t")],
        caption="The two plans", highlight=[not _ok(x) for x in plans.get("status", [])])]
    if len(perf):
        blocks.insert(0, Chart(plan_performance_figure(perf), "plan-performance",
                               "No plan evaluation succeeded: nothing to draw."))
        ucols = [c for c in _unmet_columns(perf) if c != "unmet_t"]
        blocks.append(Table(perf, [
            Column("scenario", "scenario"), Column("probability", "probability", "pct"),
            Column("plan", "plan"), Column("status", "status"),
            Column("cost_usd", "discounted cost if it happens (USD)", "usd"),
            Column("unmet_t", "unmet demand (t)", "t")] + [
            Column(c, f"unmet {_end_use(c)} (t)", "t") for c in ucols],
            caption="Each plan in each scenario: the plan's own solve of the full model, "
                    "so decisions taken before the scenario is revealed are shared by every "
                    "scenario (the same figures as a solve's scenario costs; Σ probability × "
                    "cost = the plan's expected cost in the full model)",
            highlight=[not _ok(x) for x in perf["status"]], max_rows=10_000))
    return Section("resilience", "Cost of resilience: resilient vs naive plan", blocks,
                   intro="The resilient plan is the model's optimum. The naive plan is the "
                         "optimum of the base data alone, with no disruption scenario and no "
                         "end-use limit or diversification cap. Below, each plan's cost and "
                         "unmet demand if each scenario happens, as a solve reports them: the "
                         "plan's builds in the full model, operations before a scenario is "
                         "revealed shared by every scenario.")


def policy_section(a: SavedAnalysis) -> Section | None:
    """The price of each policy, most expensive first."""
    p = a.table("policy_prices")
    if "price_usd" not in p:
        return None
    p = p.assign(_ok=[_ok(x) for x in p["status"]],
                 _price=pd.to_numeric(p["price_usd"], errors="coerce"))
    p = p.sort_values(["_ok", "_price"], ascending=[False, False], kind="stable",
                      na_position="last").reset_index(drop=True)
    p["rank"] = [i + 1 if ok else None for i, ok in enumerate(p["_ok"])]
    return Section("policy", "Price of each policy", [
        Table(p, [Column("rank", "rank", "int"), Column("rule", "rule"),
                  Column("sheet", "sheet"), Column("row", "workbook row", "int"),
                  Column("status", "status"),
                  Column("cost_without_usd", "optimum without the rule (USD)", "usd"),
                  Column("price_usd", "price of the rule (USD)", "usd")], max_rows=10_000,
              highlight=[not x for x in p["_ok"]],
              empty_text="The instance has no end-use limit, diversification cap or export "
                         "quota.")],
        intro="For each end-use limit, diversification cap and export quota: RP minus the "
              "optimum with that rule's row removed, i.e. what the rule costs. A price of 0 "
              "means the rule does not bind; a small negative one is within the MIP gap.")


def analysis_appendix_section(a: SavedAnalysis, sid: str = "solves") -> Section:
    """Every solve of the analysis with its status, objective and time."""
    m = a.meta
    rows = [("instance", m.get("instance")), ("cut-off from", m.get("cutoff_from") or
                                               "the first period"),
            ("solves", m.get("solves")), ("wall time (s)", m.get("wall_s"))]
    info = pd.DataFrame([(k, "" if v is None else str(v)) for k, v in rows],
                        columns=["item", "value"])
    s = a.table("solves")
    return Section(sid, "Appendix: analysis solves", [
        Table(info, [Column("item", "item"), Column("value", "value")]),
        Table(s, [Column("solve", "solve"), Column("status", "status"),
                  Column("objective_usd", "objective (USD)", "usd"),
                  Column("wall_s", "wall time (s)", "num"), Column("reason", "reason")],
              max_rows=10_000, highlight=[not _ok(x) for x in s.get("status", [])],
              caption="Every solve (RP, naive, naive_in_model, EV, WS:<scenario>, EEV, "
                      "status_quo, cut:<country>:<builds>, policy:<rule number>)")])


def findings_sentences(a: SavedAnalysis) -> list[str]:
    """The analytics page's first screen: the plan, what resilience costs and is worth, the
    most damaging cut-off and the dearest rule (each only when its table is present)."""
    out = []
    plans = a.table("resilience_plans")
    rp = a.measure("RP")
    if len(plans) and "plan" in plans:
        r = plans[plans["plan"].astype(str) == "resilient"]
        if len(r):
            builds = merge_builds(r["builds"].iloc[0]) if "builds" in r and pd.notna(
                r["builds"].iloc[0]) and str(r["builds"].iloc[0]) else "nothing"
            out.append(f"The resilient plan builds {builds} (capex + fixed O&M "
                       f"{usd(r['capex_usd'].iloc[0])}, discounted); its {a.objective} is "
                       f"{usd(rp)}.")
    cor, vor = a.measure("cost_of_resilience"), a.measure("value_of_resilience")
    if cor is not None and vor is not None:
        out.append(f"Resilience costs {usd(cor)} over the naive plan's planned cost and is "
                   f"worth {usd(vor)}: what the naive plan's builds would cost more once the "
                   "disruption scenarios and rules are taken into account.")
    cut = a.table("cutoff_screen")
    base_cost, base_unmet = cutoff_base(a)
    if len(cut) and base_cost is not None and "objective_usd" in cut:
        ok = cut[cut["status"].map(_ok).astype(bool) & (cut["builds"].astype(str) == "chosen")]
        if len(ok):
            inc = pd.to_numeric(ok["objective_usd"], errors="coerce") - base_cost
            w = ok.loc[inc.idxmax()]
            more = "" if base_unmet is None else \
                f" and {tonnes(float(w['expected_unmet_t']) - base_unmet)} more unmet demand"
            out.append(f"The most damaging single cut-off is {w['country']}: "
                       f"{usd(float(inc.max()))} more {cost_word(a)}{more} with the chosen "
                       "builds.")
    pol = a.table("policy_prices")
    if len(pol) and "price_usd" in pol:
        price = pd.to_numeric(pol["price_usd"], errors="coerce")
        if price.notna().any() and price.max() > 0:
            r = pol.loc[price.idxmax()]
            out.append(f"The dearest rule is {r['rule']} ({r['sheet']}, row {r['row']}): "
                       f"{usd(float(price.max()))}.")
    return out


def findings_section(a: SavedAnalysis) -> Section | None:
    """Key findings, boxed, before the measures."""
    lines = findings_sentences(a)
    if not lines:
        return None
    return Section("findings", "Key findings", [Paragraphs(lines, heading="In short",
                                                           box=True)])


def analysis_sections(a: SavedAnalysis, appendix: bool = True) -> list[Section]:
    """The analytics sections present in ``a``, in reading order."""
    out = [findings_section(a), measures_section(a), resilience_section(a), cutoff_section(a),
           policy_section(a)]
    if appendix:
        out.append(analysis_appendix_section(a))
    return [s for s in out if s is not None]


def render_analysis_report(a: SavedAnalysis, plotly_src: str | None = None) -> str:
    """The analytics page as one HTML string (self-contained unless ``plotly_src``)."""
    inst = Path(str(a.meta.get("instance") or a.folder.name)).stem
    sub = (f"Resilient plan {usd(a.measure('RP'))} · cost of resilience "
           f"{usd(a.measure('cost_of_resilience'))} · VSS {usd(a.measure('VSS'))} · EVPI "
           f"{usd(a.measure('EVPI'))}")
    failures = a.meta.get("failures") or []
    if failures:
        sub += f" · {len(failures)} solve(s) failed"
    footer = (f"Generated by supplyopt from the saved tables of analysis folder "
              f"'{a.folder.name}'. Re-render with 'supplyopt report ANALYSIS_DIR'.")
    return render_page(f"Resilience analytics: {inst}", sub, analysis_sections(a), footer,
                       plotly_src=plotly_src)



def write_analysis_report(folder: str | Path, plotly_src: str | None = None) -> Path:
    """Render ``folder/report.html`` and ``folder/analysis.xlsx`` of an analytics folder.

    The workbook is (re)written from the saved CSV tables with the formatting of results.xlsx
    (:mod:`optimizer.report.excel_analysis`), so 'supplyopt report' refreshes it too.
    """
    from optimizer.atomic import atomic_file
    from optimizer.report.excel_analysis import write_analysis_workbook
    from optimizer.report.shared_js import PLOTLY_FILE

    folder = Path(folder)
    a = load_analysis(folder)
    if plotly_src is None and (folder.parent / BATCH_MARKER).is_file() \
            and (folder.parent / PLOTLY_FILE).is_file():
        plotly_src = f"../{PLOTLY_FILE}"  # re-rendered inside its batch folder
    with atomic_file(folder / "analysis.xlsx") as tmp:
        write_analysis_workbook(a.tables, a.meta, tmp)
    return _write_atomic(render_analysis_report(a, plotly_src), folder / "report.html")
