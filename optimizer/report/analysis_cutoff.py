"""The analytics page's single-country cut-off screen: its chart, table and base figures.

Split from :mod:`optimizer.report.analysis_page`, which places the section; like it, it shows
cells of the saved tables only (``cutoff_screen.csv``, and ``resilience_plans.csv`` /
``measures.csv`` for the base plan).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from optimizer.report.batch_common import (
    _end_use,
    _label,
    _layout,
    _num,
    _ok,
    _scale,
    _unmet_columns,
)
from optimizer.report.components import Chart, Column, Note, Section, Table
from optimizer.report.fmt import tonnes, usd
from optimizer.report.palette import NEUTRAL, series_colour
from optimizer.report.saved_folders import SavedAnalysis


def cost_word(a: SavedAnalysis) -> str:
    """"expected cost", or the mean-CVaR objective's name: what a difference of optima is."""
    return a.objective if a.risk_averse else "expected cost"


def increase_word(a: SavedAnalysis) -> str:
    """What the cut-off screen's saved increase is: "cost increase", or the objective's."""
    return "objective increase" if a.risk_averse else "cost increase"


def cutoff_base(a: SavedAnalysis) -> tuple[float | None, float | None]:
    """(objective, expected unmet t) of the base plan: the resilient plan, no cut-off."""
    plans = a.table("resilience_plans")
    unmet = None
    if len(plans) and "expected_unmet_t" in plans:
        r = plans[plans["plan"].astype(str) == "resilient"]
        if len(r) and pd.notna(r["expected_unmet_t"].iloc[0]):
            unmet = float(r["expected_unmet_t"].iloc[0])
    return a.measure("RP"), unmet


def cutoff_figure(cut: pd.DataFrame, base_cost: float | None = None,
                  base_unmet: float | None = None,
                  objective: str = "expected discounted cost") -> go.Figure | None:
    """Cost increase beside unmet-demand increase per cut-off country, both over the base plan.

    The base plan is the resilient plan with no cut-off (cost RP, unmet ``base_unmet``), for
    both bars of a country: with the chosen builds, increase = objective − RP and expected
    unmet − base unmet; with no new builds, the same differences, so the gap between the two
    bars is what the builds are worth in that cut-off. Without the base figures (an older
    folder), the saved ``objective_increase_usd`` and the unmet tonnes themselves are shown.
    ``objective``: what RP and the cut-off optima are (:attr:`SavedAnalysis.objective`).
    """
    d = cut[[_ok(x) for x in cut["status"]]]
    if d.empty:
        return None
    like = base_cost is not None and base_unmet is not None and "objective_usd" in d
    if like:
        d = d.assign(_cost=pd.to_numeric(d["objective_usd"], errors="coerce") - base_cost,
                     _unmet=pd.to_numeric(d["expected_unmet_t"], errors="coerce") - base_unmet)
    else:
        d = d.assign(_cost=pd.to_numeric(d["objective_increase_usd"], errors="coerce"),
                     _unmet=pd.to_numeric(d["expected_unmet_t"], errors="coerce"))
    chosen = d[d["builds"] == "chosen"].set_index("country")["_cost"]
    order = list(dict.fromkeys(list(chosen.sort_values(ascending=False).index)
                               + list(d["country"])))
    div, unit = _scale(d["_cost"])
    risk = objective != "expected discounted cost"  # then the optima are not expectations
    what, per = (f"{objective} increase", f"({unit})") if risk else \
        ("cost increase", f"({unit}, expected)")
    titles = ((f"{what} over the base plan {per}",
               "unmet-demand increase over the base plan (t, expected)") if like else
              (f"{what} {per}", "unmet demand (t, expected)"))
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=titles)
    names = {"chosen": ("with the chosen builds", series_colour(0)),
             "none": ("with no new builds", NEUTRAL)}
    for b, (name, colour) in names.items():
        g = d[d["builds"] == b].set_index("country").reindex(order)
        y = [_label(c) for c in order]
        fig.add_trace(go.Bar(name=name, y=y, x=[None if v is None else v / div
                                                 for v in _num(g["_cost"])],
                             orientation="h", marker_color=colour, legendgroup=b,
                             hovertemplate="%{y}: %{x:+,.3f} " + unit + "<extra>" + name
                                           + "</extra>"), 1, 1)
        fig.add_trace(go.Bar(name=name, y=y, x=_num(g["_unmet"]),
                             orientation="h", marker_color=colour, legendgroup=b,
                             showlegend=False,
                             hovertemplate="%{y}: %{x:+,.1f} t<extra>" + name
                                           + "</extra>"), 1, 2)
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(tickformat=",", gridcolor="#e5e5e5", zerolinecolor="#888")
    fig.update_layout(barmode="group")
    _layout(fig, "If one country's exports stop", 200 + 60 * len(order))
    fig.update_layout(legend=dict(orientation="h", y=-0.12, yanchor="top", x=0.5,
                                  xanchor="center"), margin=dict(l=60, r=20, t=80, b=60))
    fig.update_annotations(font=dict(size=12))
    return fig


def cutoff_section(a: SavedAnalysis) -> Section | None:
    """The single-country cut-off screen: chart and table."""
    cut = a.table("cutoff_screen")
    if cut.empty:
        return None
    frm = cut["from_period"].iloc[0] if "from_period" in cut else "the first period"
    ucols = [c for c in _unmet_columns(cut) if c != "expected_unmet_t"]
    base_cost, base_unmet = cutoff_base(a)
    blocks: list = [Chart(cutoff_figure(cut, base_cost, base_unmet, a.objective), "cutoff",
                          "No cut-off solve succeeded.")]
    bad = cut[[not _ok(x) for x in cut["status"]]]
    if len(bad):
        blocks.append(Note("No plan (left out of the chart): " + "; ".join(
            f"{r['country']} with {r['builds']} builds: {r.get('reason') or r['status']}"
            for _, r in bad.iterrows()), "warn"))
    blocks.append(Table(cut, [
        Column("country", "country cut off"), Column("builds", "builds"),
        Column("status", "status"), Column("objective_usd", f"{cost_word(a)} (USD)", "usd"),
        Column("objective_increase_usd", f"{increase_word(a)} (USD)", "usd")]
        + ([Column("expected_cost_usd", "expected discounted cost (USD)", "usd")]
           if "expected_cost_usd" in cut else []) + [
        Column("expected_unmet_t", "unmet demand (t)", "t")] + [
        Column(c, f"unmet {_end_use(c)} (t)", "t") for c in ucols] + [
        Column("reason", "why it failed")], max_rows=10_000,
        highlight=[not _ok(x) for x in cut["status"]]))
    return Section("cutoff", "Single-country cut-off screen", blocks,
                   intro=f"For each supplying country, every export stops from {frm}: its "
                         "export quotas, its traders' capacities and every lane leaving it set "
                         "to 0. 'Chosen builds' fixes the resilient plan's builds; 'no new builds' "
                         "fixes none. The chart sets both against the same base plan (the "
                         "resilient plan with no cut-off, "
                         f"{usd(base_cost)} and {tonnes(base_unmet)} unmet): "
                         f"{increase_word(a)} beside unmet-demand increase. The table's "
                         f"'{increase_word(a)}' column is the saved one (over RP with the "
                         "chosen builds, over the status quo with none). Countries are sorted "
                         "by the increase with the chosen builds.")
