"""Plotly figures of a saved run (rendering only: each takes report views, returns a Figure).

Each builder returns ``None`` when there is nothing to draw, so a page can say "not available"
instead of an empty axis. Colours are fixed per country across figures (same country, same
colour), which matters when a reader compares the Sankey with the concentration chart.
"""

from __future__ import annotations

import plotly.graph_objects as go

from optimizer.report import decision_facts, facts, flow_facts
from optimizer.report.load import SavedRun
from optimizer.report.palette import (
    NEUTRAL,
    SERIES_PALETTE,
    WARN,
    aligned_axes,
    rgba,
    series_colour,
)
from optimizer.report.plain_figure import PlainFigure, trace

PALETTE = list(SERIES_PALETTE)
"""Colours of series that are not countries (kept for pages that import it)."""
FONT = dict(family="Helvetica, Arial, sans-serif", size=12)


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
                      font=FONT, height=height, margin=dict(l=60, r=20, t=50, b=50),
                      paper_bgcolor="white", plot_bgcolor="white",
                      legend=dict(orientation="h", y=-0.18))
    fig.update_xaxes(showgrid=False, linecolor="#888", automargin=True)
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#888", automargin=True)
    return fig


def country_colours(run: SavedRun) -> dict[str, str]:
    """The colour of every country of the run's instance (:mod:`optimizer.report.palette`)."""
    from optimizer.report.palette import country_colours as by_list

    return by_list(facts.countries(run))


def cost_breakdown(run: SavedRun) -> go.Figure | None:
    """Horizontal bars of expected discounted cost by component (USD million)."""
    df = run.tables.get("cost_breakdown")
    if df is None or df.empty:
        return None
    df = df[df["expected_usd"].abs() > 0]
    if df.empty:
        return None
    scale, unit = (1e6, "USD million") if df["expected_usd"].abs().max() >= 1e5 else (1, "USD")
    fig = go.Figure(go.Bar(
        x=df["expected_usd"] / scale, y=[facts.component_label(c) for c in df["component"]],
        orientation="h",
        marker_color=series_colour(0),
        hovertemplate="%{y}: %{x:,.3f} " + unit + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=f"expected discounted cost ({unit})", tickformat=",")
    return _layout(fig, "Cost breakdown", height=120 + 32 * len(df))


def sankey(run: SavedRun, element: str) -> PlainFigure | None:
    """Mine country → processing country → end use for one element, one trace per scenario.

    A dropdown switches scenario; the first scenario is shown (and printed).
    """
    scenarios = facts.scenario_names(run)
    col = country_colours(run)
    traces = []
    for sc in scenarios:
        g1, g2 = flow_facts.sankey_legs(run, element, sc)
        if g1.empty and g2.empty:
            traces.append((sc, None))
            continue
        labels, colours = [], []
        idx: dict[tuple, int] = {}

        def node(kind, name, colour, _labels=labels, _colours=colours, _idx=idx):
            k = (kind, name)
            if k not in _idx:
                _idx[k] = len(_labels)
                _labels.append(f"{name} ({kind})")
                _colours.append(colour)
            return _idx[k]

        src, dst, val, lcol = [], [], [], []
        for r in g1.itertuples():
            src.append(node("mined", r.mined_in, col[str(r.mined_in)]))
            dst.append(node("processed", r.processed_in, col[str(r.processed_in)]))
            val.append(r.tonnes)
            lcol.append(_alpha(col[str(r.mined_in)]))
        for r in g2.itertuples():
            src.append(node("processed", r.processed_in, col[str(r.processed_in)]))
            dst.append(node("end use", r.end_use, NEUTRAL))
            val.append(r.tonnes)
            lcol.append(_alpha(col[str(r.processed_in)]))
        traces.append((sc, dict(
            name=sc, arrangement="snap", valueformat=",.1f", valuesuffix=" t",
            node=dict(label=labels, color=colours, pad=14, thickness=14,
                      line=dict(color="white", width=0.5)),
            link=dict(source=src, target=dst, value=val, color=lcol))))
    drawn = [(s, t) for s, t in traces if t is not None]
    if not drawn:
        return None
    # Traces as plain dicts and the menu as plain values: plotly's checks of every link were
    # most of this figure's time, for the same JSON (optimizer.report.plain_figure).
    data = [trace("sankey", visible=i == 0, **t) for i, (_, t) in enumerate(drawn)]
    fig = go.Figure()  # the layout only
    menu = {}
    title = f"{element}: mine country → processing country → end use (t over the horizon)"
    if len(drawn) > 1:
        buttons = [dict(label=s, method="update",
                        args=[{"visible": [j == i for j in range(len(drawn))]},
                              {"title.text": f"{title}, scenario {s}"}])
                   for i, (s, _) in enumerate(drawn)]
        menu["updatemenus"] = [dict(buttons=buttons, direction="down", x=1, xanchor="right",
                                    y=1.02, yanchor="bottom", showactive=True)]
        fig.add_annotation(text="scenario:", x=0.86, xref="paper", xanchor="right", y=1.045,
                           yref="paper", yanchor="bottom", showarrow=False)
    _layout(fig, f"{title}, scenario {drawn[0][0]}", height=360)
    fig.update_layout(margin=dict(l=10, r=10, t=70, b=10))
    return PlainFigure(data, fig, **menu)


def _alpha(hex_colour: str, a: float = 0.45) -> str:
    return rgba(hex_colour, a)


def build_timeline(run: SavedRun) -> go.Figure | None:
    """Each build decision as a bar from its online period to the end of the horizon, in its
    country's colour; a diamond marks when it is decided; contingent bars are hatched."""
    d = decision_facts.decisions(run)
    if d.empty:
        return None
    per = facts.periods(run)
    pos = {p: i for i, p in enumerate(per)}
    end = len(per)
    scale, unit = (1e6, "USD million") if d["capex_usd"].max() >= 1e5 else (1, "USD")
    labels = []
    for r in d.itertuples():
        cond = "" if r.kind != "contingent" else \
            f"<br>only if {', '.join(str(r.scenarios).split('+'))} ({r.probability:.0%})"
        labels.append(f"{r.module} @ {r.site} ({r.country}){cond}")
    start = [pos.get(str(p), 0) for p in d["online_period"]]
    decided = [pos.get(str(p), 0) for p in d["decision_period"]]
    colours = [country_colours(run).get(str(c), NEUTRAL) for c in d["country"]]
    fig = go.Figure(go.Bar(
        y=labels, x=[end - s for s in start], base=[s - 0.5 for s in start], orientation="h",
        marker=dict(color=colours, pattern=dict(
            shape=["/" if k == "contingent" else "" for k in d["kind"]], fgcolor="white")),
        customdata=[f"decided {p}, online {o}, capex {c / scale:,.1f} {unit}"
                    for p, o, c in zip(d["decision_period"], d["online_period"], d["capex_usd"])],
        hovertemplate="%{y}<br>%{customdata}<extra></extra>", showlegend=False))
    fig.add_trace(go.Scatter(y=labels, x=decided, mode="markers", name="decided",
                             marker=dict(symbol="diamond", size=11, color="black"),
                             hovertemplate="%{y}: decided here<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=list(range(end)), ticktext=per,
                     range=[-0.5, end - 0.5], title_text="period")
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    _layout(fig, "Build plan: decided (◆), then online to the end of the horizon",
            160 + 44 * len(d))
    fig.update_layout(showlegend=False)
    return fig


def concentration(run: SavedRun, basis: str) -> go.Figure | None:
    """HHI per element · end use (bars per scenario) against the 1,800 line (palette)."""
    c = facts.concentration(run)
    c = c[c["basis"] == basis]
    if c.empty:
        return None
    fig = go.Figure()
    scen = [s for s in facts.scenario_names(run) if s in set(c["scenario"])] or \
        list(dict.fromkeys(c["scenario"]))
    for i, sc in enumerate(scen):
        g = c[c["scenario"] == sc]
        fig.add_trace(go.Bar(
            name=str(sc), x=[f"{e} · {u}" for e, u in zip(g["element"], g["end_use"])],
            y=g["hhi"], marker_color=series_colour(i),
            customdata=list(zip(g["top_country"], g["top_share"] * 100)),
            hovertemplate="%{x}<br>HHI %{y:,.0f}<br>largest: %{customdata[0]} "
                          "%{customdata[1]:.0f}%<extra>" + str(sc) + "</extra>"))
    fig.add_hline(y=facts.HHI_CONCERN, line_dash="dash", line_color=WARN)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines",
                             name=f"highly concentrated above {facts.HHI_CONCERN:,.0f} "
                                  "(2023 US Merger Guidelines)",
                             line=dict(color=WARN, dash="dash")))
    fig.update_yaxes(range=[0, 10500], title_text="HHI (10,000 = one country)", tickformat=",")
    _layout(fig, f"Supply concentration by {basis} country", 440)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.0, yanchor="bottom",
                                                   x=1, xanchor="right"))
    fig.update_xaxes(tickangle=-40)
    return fig


def scenario_view(run: SavedRun) -> go.Figure | None:
    """Cost of the plan if each scenario happens (bars) and its unmet demand (markers)."""
    df = run.tables.get("scenario_costs")
    if df is None or df.empty:
        return None
    scale, unit = (1e6, "USD million") if df["cost_usd"].abs().max() >= 1e5 else (1, "USD")
    labels = [f"{s} (p={p:.0%})" for s, p in zip(df["scenario"], df["probability"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(name=f"discounted cost ({unit})", x=labels, y=df["cost_usd"] / scale,
                         marker_color=series_colour(0), yaxis="y",
                         hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>"))
    fig.add_trace(go.Scatter(name="unmet demand (t)", x=labels, y=df["unmet_t"], yaxis="y2",
                             mode="markers", marker=dict(size=12, color=WARN, symbol="diamond"),
                             hovertemplate="%{x}: %{y:,.1f} t unmet<extra></extra>"))
    # Round ticks on both axes, on shared grid lines (autoscaled right ticks read 40/81/121).
    left, right = aligned_axes(float((df["cost_usd"] / scale).max()), float(df["unmet_t"].max()))
    fig.update_layout(yaxis=dict(title=f"cost ({unit})", tickformat=",", **left),
                      yaxis2=dict(title="unmet demand (t)", overlaying="y", side="right",
                                  showgrid=False, tickformat=",", **right))
    return _layout(fig, "Cost and unmet demand if each scenario happens", 380)
