"""Every report figure, written as plain dicts, is the figure plotly builds and checks.

The report's figures skip plotly's checked objects (optimizer.report.plain_figure): traces and
layouts, the default template included, are written as the dicts plotly would serialise, in
its key order. The reference figures below are built the way the report built them before,
through ``go.Figure``, ``update_layout``, ``update_xaxes`` and ``add_hline`` (each call checks
every value and puts keys where plotly puts them); each plain figure must give the same JSON
*text*, byte for byte, so report.html is unchanged.

The micro-instance (``test_report_map``: two scenarios, calm and cut, a contingent build, ISO-3
countries) draws every figure kind: cost breakdown, build timeline, concentration (both
bases), scenario view, Sankey and trade map with their scenario menus.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from test_report_map import run_dir  # noqa: F401  (fixture: the ISO-3 micro-instance)

from optimizer.report import decision_facts, facts, figures, figures_map, flow_facts
from optimizer.report.load import load_run
from optimizer.report.palette import NEUTRAL, WARN, aligned_axes, series_colour
from optimizer.report.plain_figure import PlainFigure, layout, template

FONT = dict(family="Helvetica, Arial, sans-serif", size=12)


def _styled(fig: go.Figure, title: str, height: int) -> go.Figure:
    """The report's chart style as plotly calls (the report's code before plain layouts)."""
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
                      font=FONT, height=height, margin=dict(l=60, r=20, t=50, b=50),
                      paper_bgcolor="white", plot_bgcolor="white",
                      legend=dict(orientation="h", y=-0.18))
    fig.update_xaxes(showgrid=False, linecolor="#888", automargin=True)
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#888", automargin=True)
    return fig


def checked_cost_breakdown(run) -> go.Figure:
    df = run.tables["cost_breakdown"]
    df = df[df["expected_usd"].abs() > 0]
    scale, unit = (1e6, "USD million") if df["expected_usd"].abs().max() >= 1e5 else (1, "USD")
    fig = go.Figure(go.Bar(
        x=df["expected_usd"] / scale, y=[facts.component_label(c) for c in df["component"]],
        orientation="h", marker_color=series_colour(0),
        hovertemplate="%{y}: %{x:,.3f} " + unit + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=f"expected discounted cost ({unit})", tickformat=",")
    return _styled(fig, "Cost breakdown", 120 + 32 * len(df))


def checked_build_timeline(run) -> go.Figure:
    d = decision_facts.decisions(run)
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
    colours = [figures.country_colours(run).get(str(c), NEUTRAL) for c in d["country"]]
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
    _styled(fig, "Build plan: decided (◆), then online to the end of the horizon",
            160 + 44 * len(d))
    fig.update_layout(showlegend=False)
    return fig


def checked_concentration(run, basis: str) -> go.Figure:
    c = facts.concentration(run)
    c = c[c["basis"] == basis]
    fig = go.Figure()
    scen = [s for s in facts.scenario_names(run) if s in set(c["scenario"])]
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
    _styled(fig, f"Supply concentration by {basis} country", 440)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.0, yanchor="bottom",
                                                   x=1, xanchor="right"))
    fig.update_xaxes(tickangle=-40)
    return fig


def checked_scenario_view(run) -> go.Figure:
    df = run.tables["scenario_costs"]
    scale, unit = (1e6, "USD million") if df["cost_usd"].abs().max() >= 1e5 else (1, "USD")
    labels = [f"{s} (p={p:.0%})" for s, p in zip(df["scenario"], df["probability"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(name=f"discounted cost ({unit})", x=labels, y=df["cost_usd"] / scale,
                         marker_color=series_colour(0), yaxis="y",
                         hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>"))
    fig.add_trace(go.Scatter(name="unmet demand (t)", x=labels, y=df["unmet_t"], yaxis="y2",
                             mode="markers", marker=dict(size=12, color=WARN, symbol="diamond"),
                             hovertemplate="%{x}: %{y:,.1f} t unmet<extra></extra>"))
    left, right = aligned_axes(float((df["cost_usd"] / scale).max()), float(df["unmet_t"].max()))
    fig.update_layout(yaxis=dict(title=f"cost ({unit})", tickformat=",", **left),
                      yaxis2=dict(title="unmet demand (t)", overlaying="y", side="right",
                                  showgrid=False, tickformat=",", **right))
    return _styled(fig, "Cost and unmet demand if each scenario happens", 380)


def checked_sankey(run, element: str, plain: PlainFigure) -> go.Figure:
    """The Sankey's traces (already compared with checked ones in test_plain_figure) under
    the layout the report built with plotly calls."""
    fig = go.Figure(data=plain.traces)
    scen = [s for s in facts.scenario_names(run)
            if not all(g.empty for g in flow_facts.sankey_legs(run, element, s))]
    title = f"{element}: mine country → processing country → end use (t over the horizon)"
    if len(scen) > 1:
        fig.update_layout(updatemenus=[dict(
            buttons=[dict(label=s, method="update",
                          args=[{"visible": [j == i for j in range(len(scen))]},
                                {"title.text": f"{title}, scenario {s}"}])
                     for i, s in enumerate(scen)],
            direction="down", x=1, xanchor="right", y=1.02, yanchor="bottom",
            showactive=True)])
        fig.add_annotation(text="scenario:", x=0.86, xref="paper", xanchor="right", y=1.045,
                           yref="paper", yanchor="bottom", showarrow=False)
    _styled(fig, f"{title}, scenario {scen[0]}", 360)
    fig.update_layout(margin=dict(l=10, r=10, t=70, b=10))
    return fig


def checked_flow_map(plain: PlainFigure) -> go.Figure:
    """The map's traces and menu under the layout the report built with plotly calls."""
    fig = go.Figure(data=plain.traces)
    menu = plain.layout_dict.get("updatemenus")
    if menu:
        fig.update_layout(updatemenus=menu)
    title = plain.layout_dict["title"]["text"]
    lon = plain.layout_dict["geo"]["projection"]["rotation"]["lon"]
    fig.update_geos(scope="world", resolution=110, projection_type="natural earth",
                    showland=True, landcolor="#eeeeee", showcountries=True,
                    countrycolor="#bbbbbb", countrywidth=0.5, showcoastlines=False,
                    showocean=False, showlakes=False, showrivers=False, showframe=False,
                    lataxis_range=[-58, 84], projection_rotation_lon=lon)
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
                      font=FONT, height=520, margin=dict(l=10, r=10, t=70, b=10),
                      paper_bgcolor="white")
    return fig


def test_template_is_plotlys_default():
    """The template every plain layout starts with is the one an empty go.Figure carries,
    and a layout with no properties is an empty figure's layout."""
    assert template() == go.Figure().to_dict()["layout"]["template"]
    assert PlainFigure([], layout()).to_json() == go.Figure().to_json()


def test_numeric_series_written_as_plotly_typed_arrays():
    """A float Series is written as plotly's typed array, an int64 Series narrowed to int8
    when its values fit (0 and 5 do), a list of numbers as a list: plotly's go.Bar gives
    the same text for the same values."""
    import pandas as pd

    from optimizer.report.plain_figure import trace

    floats, ints = pd.Series([1.5, 2.0]), pd.Series([0, 5], dtype="int64")
    plain = PlainFigure([trace("bar", x=floats, y=ints, customdata=[1, 2])], layout())
    assert plain.traces[0]["y"]["dtype"] == "i1"
    assert plain.traces[0]["x"]["dtype"] == "f8"
    assert plain.to_json() == go.Figure(go.Bar(x=floats, y=ints, customdata=[1, 2])).to_json()


@pytest.mark.parametrize("kind", ["cost", "timeline", "processed", "mined", "scenarios"])
def test_cartesian_figures_equal_plotly_checked_ones(run_dir, kind):  # noqa: F811
    """Cost breakdown, build timeline, both concentration charts and the scenario view:
    the same JSON text as the figure built with plotly's checked calls."""
    run = load_run(run_dir)
    plain, checked = {
        "cost": lambda: (figures.cost_breakdown(run), checked_cost_breakdown(run)),
        "timeline": lambda: (figures.build_timeline(run), checked_build_timeline(run)),
        "processed": lambda: (figures.concentration(run, "processed"),
                              checked_concentration(run, "processed")),
        "mined": lambda: (figures.concentration(run, "mined"),
                          checked_concentration(run, "mined")),
        "scenarios": lambda: (figures.scenario_view(run), checked_scenario_view(run)),
    }[kind]()
    assert isinstance(plain, PlainFigure)
    assert plain.to_json() == checked.to_json()


def test_sankey_and_map_layouts_equal_plotly_checked_ones(run_dir):  # noqa: F811
    """The Sankey and the trade map of Dy (two scenarios, so both carry a scenario menu and
    the Sankey its "scenario:" label): the same JSON text as plotly's checked layout."""
    run = load_run(run_dir)
    sankey = figures.sankey(run, "Dy")
    assert "updatemenus" in sankey.layout_dict and "annotations" in sankey.layout_dict
    assert sankey.to_json() == checked_sankey(run, "Dy", sankey).to_json()
    flow_map = figures_map.flow_map(run, "Dy")
    assert len(flow_map.layout_dict["updatemenus"][0]["buttons"]) == 2
    assert flow_map.to_json() == checked_flow_map(flow_map).to_json()
