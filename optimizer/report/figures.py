"""Plotly figures of a saved run (rendering only: each takes report views, returns a figure).

Each builder returns ``None`` when there is nothing to draw, so a page can say "not available"
instead of an empty axis. Colours are fixed per country across figures (same country, same
colour), which matters when a reader compares the Sankey with the concentration chart.

Every figure is a :class:`~optimizer.report.plain_figure.PlainFigure`: traces and layout are
written as the plain dicts plotly would serialise, in plotly's key order (its checked objects
and ``update_layout`` calls were a fifth of report.html's time; tests compare each figure
kind with the one plotly builds and checks).
"""

from __future__ import annotations

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
from optimizer.report.plain_figure import PlainFigure, layout, trace

PALETTE = list(SERIES_PALETTE)
"""Colours of series that are not countries (kept for pages that import it)."""
FONT = dict(family="Helvetica, Arial, sans-serif", size=12)

X_STYLE = {"showgrid": False, "linecolor": "#888", "automargin": True}
"""Every x axis: no grid lines, a grey axis line, margins that fit the tick labels."""
Y_STYLE = {"gridcolor": "#e5e5e5", "zerolinecolor": "#888", "automargin": True}
"""Every y axis: light grid lines, a grey zero line, margins that fit the tick labels."""
MARGIN = {"l": 60, "r": 20, "t": 50, "b": 50}
LEGEND_BELOW = {"orientation": "h", "y": -0.18}


def chart_title(text: str) -> dict:
    """A chart title at the top left (nested font first: plotly's order)."""
    return {"font": {"size": 14}, "text": text, "x": 0, "xanchor": "left"}


def _frame(title: str, height: int, margin: dict | None = None,
           legend: dict | None = None) -> dict:
    """The report's chart style: title, font, margins, legend below the plot (horizontal),
    height, white background; in the order ``update_layout`` leaves them (nested objects
    before plain values)."""
    return {"title": chart_title(title), "font": dict(FONT), "margin": dict(margin or MARGIN),
            "legend": dict(legend or LEGEND_BELOW), "height": height,
            "paper_bgcolor": "white", "plot_bgcolor": "white"}


def _axis(style: dict, **props) -> dict:
    """An axis with ``props`` (a title as ``{"text": …}``, given first: plotly sets nested
    objects first), then ``style`` (the style is applied last, as ``update_xaxes`` was)."""
    return {**props, **style}


def country_colours(run: SavedRun) -> dict[str, str]:
    """The colour of every country of the run's instance (:mod:`optimizer.report.palette`)."""
    from optimizer.report.palette import country_colours as by_list

    return by_list(facts.countries(run))


def cost_breakdown(run: SavedRun) -> PlainFigure | None:
    """Horizontal bars of expected discounted cost by component (USD million)."""
    df = run.tables.get("cost_breakdown")
    if df is None or df.empty:
        return None
    df = df[df["expected_usd"].abs() > 0]
    if df.empty:
        return None
    scale, unit = (1e6, "USD million") if df["expected_usd"].abs().max() >= 1e5 else (1, "USD")
    bars = trace("bar", x=df["expected_usd"] / scale,
                 y=[facts.component_label(c) for c in df["component"]], orientation="h",
                 marker={"color": series_colour(0)},
                 hovertemplate="%{y}: %{x:,.3f} " + unit + "<extra></extra>")
    return PlainFigure([bars], layout(
        yaxis=_axis(Y_STYLE, autorange="reversed"),
        xaxis=_axis(X_STYLE, title={"text": f"expected discounted cost ({unit})"},
                    tickformat=","),
        **_frame("Cost breakdown", 120 + 32 * len(df))))


def sankey(run: SavedRun, element: str) -> PlainFigure | None:
    """Mine country → processing country → end use for one element, one trace per scenario.

    A dropdown switches scenario; the first scenario is shown (and printed).
    """
    scenarios = facts.scenario_names(run)
    col = country_colours(run)
    traces = []
    legs = flow_facts.sankey_leg_rows(run)
    for sc in scenarios:
        g1, g2 = legs.get((str(element), str(sc)), ([], []))
        if not g1 and not g2:
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
        for mined_in, processed_in, tonnes in g1:
            src.append(node("mined", mined_in, col[str(mined_in)]))
            dst.append(node("processed", processed_in, col[str(processed_in)]))
            val.append(tonnes)
            lcol.append(_alpha(col[str(mined_in)]))
        for processed_in, end_use, tonnes in g2:
            src.append(node("processed", processed_in, col[str(processed_in)]))
            dst.append(node("end use", end_use, NEUTRAL))
            val.append(tonnes)
            lcol.append(_alpha(col[str(processed_in)]))
        traces.append((sc, dict(
            name=sc, arrangement="snap", valueformat=",.1f", valuesuffix=" t",
            node=dict(label=labels, color=colours, pad=14, thickness=14,
                      line=dict(color="white", width=0.5)),
            link=dict(source=src, target=dst, value=val, color=lcol))))
    drawn = [(s, t) for s, t in traces if t is not None]
    if not drawn:
        return None
    # Plain dicts (optimizer.report.plain_figure): plotly's checks of every link were most
    # of this figure's time, for the same JSON. The menu goes in sorted, after the template.
    data = [trace("sankey", visible=i == 0, **t) for i, (_, t) in enumerate(drawn)]
    menu, label = {}, {}
    title = f"{element}: mine country → processing country → end use (t over the horizon)"
    if len(drawn) > 1:
        buttons = [dict(label=s, method="update",
                        args=[{"visible": [j == i for j in range(len(drawn))]},
                              {"title.text": f"{title}, scenario {s}"}])
                   for i, (s, _) in enumerate(drawn)]
        menu["updatemenus"] = [dict(buttons=buttons, direction="down", x=1, xanchor="right",
                                    y=1.02, yanchor="bottom", showactive=True)]
        label["annotations"] = [{"showarrow": False, "text": "scenario:", "x": 0.86,
                                 "xanchor": "right", "xref": "paper", "y": 1.045,
                                 "yanchor": "bottom", "yref": "paper"}]
    # No cartesian trace, but the style's axis updates still write both axes.
    return PlainFigure(data, layout(
        **label, **_frame(f"{title}, scenario {drawn[0][0]}", 360,
                          margin={"l": 10, "r": 10, "t": 70, "b": 10}),
        xaxis=dict(X_STYLE), yaxis=dict(Y_STYLE)), **menu)


def _alpha(hex_colour: str, a: float = 0.45) -> str:
    return rgba(hex_colour, a)


def build_timeline(run: SavedRun) -> PlainFigure | None:
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
    bars = trace(
        "bar", y=labels, x=[end - s for s in start], base=[s - 0.5 for s in start],
        orientation="h",
        marker=dict(color=colours, pattern=dict(
            shape=["/" if k == "contingent" else "" for k in d["kind"]], fgcolor="white")),
        customdata=[f"decided {p}, online {o}, capex {c / scale:,.1f} {unit}"
                    for p, o, c in zip(d["decision_period"], d["online_period"], d["capex_usd"])],
        hovertemplate="%{y}<br>%{customdata}<extra></extra>", showlegend=False)
    marks = trace("scatter", y=labels, x=decided, mode="markers", name="decided",
                  marker=dict(symbol="diamond", size=11, color="black"),
                  hovertemplate="%{y}: decided here<extra></extra>")
    # The y grid is the style's light grey: the report has always drawn it so.
    return PlainFigure([bars, marks], layout(
        xaxis=_axis(X_STYLE, title={"text": "period"}, tickmode="array",
                    tickvals=list(range(end)), ticktext=per, range=[-0.5, end - 0.5]),
        yaxis=_axis(Y_STYLE, autorange="reversed"),
        **_frame("Build plan: decided (◆), then online to the end of the horizon",
                 160 + 44 * len(d)),
        showlegend=False))


def concentration(run: SavedRun, basis: str) -> PlainFigure | None:
    """HHI per element · end use (bars per scenario) against the 1,800 line (palette)."""
    c = facts.concentration(run, "supply_mix")
    c = c[c["basis"] == basis]
    if c.empty:
        return None
    scen = [s for s in facts.scenario_names(run) if s in set(c["scenario"])] or \
        list(dict.fromkeys(c["scenario"]))
    data = []
    for i, sc in enumerate(scen):
        g = c[c["scenario"] == sc]
        data.append(trace(
            "bar", name=str(sc), x=[f"{e} · {u}" for e, u in zip(g["element"], g["end_use"])],
            y=g["hhi"], marker={"color": series_colour(i)},
            customdata=[list(p) for p in zip(g["top_country"], g["top_share"] * 100)],
            hovertemplate="%{x}<br>HHI %{y:,.0f}<br>largest: %{customdata[0]} "
                          "%{customdata[1]:.0f}%<extra>" + str(sc) + "</extra>"))
    data.append(trace("scatter", x=[None], y=[None], mode="lines",
                      name=f"highly concentrated above {facts.HHI_CONCERN:,.0f} "
                           "(2023 US Merger Guidelines)",
                      line=dict(color=WARN, dash="dash")))
    concern = {"line": {"color": WARN, "dash": "dash"}, "type": "line", "x0": 0, "x1": 1,
               "xref": "x domain", "y0": facts.HHI_CONCERN, "y1": facts.HHI_CONCERN,
               "yref": "y"}  # a horizontal line across the plot (plotly's add_hline)
    return PlainFigure(data, layout(
        shapes=[concern],
        yaxis=_axis(Y_STYLE, title={"text": "HHI (10,000 = one country)"}, range=[0, 10500],
                    tickformat=","),
        **_frame(f"Supply concentration by {basis} country", 440,
                 legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1,
                         "xanchor": "right"}),
        xaxis={**X_STYLE, "tickangle": -40},
        barmode="group"))


def scenario_view(run: SavedRun) -> PlainFigure | None:
    """Cost of the plan if each scenario happens (bars) and its unmet demand (markers)."""
    df = run.tables.get("scenario_costs")
    if df is None or df.empty:
        return None
    scale, unit = (1e6, "USD million") if df["cost_usd"].abs().max() >= 1e5 else (1, "USD")
    labels = [f"{s} (p={p:.0%})" for s, p in zip(df["scenario"], df["probability"])]
    data = [trace("bar", name=f"discounted cost ({unit})", x=labels, y=df["cost_usd"] / scale,
                  marker={"color": series_colour(0)}, yaxis="y",
                  hovertemplate="%{x}: %{y:,.2f} " + unit + "<extra></extra>"),
            trace("scatter", name="unmet demand (t)", x=labels, y=df["unmet_t"], yaxis="y2",
                  mode="markers", marker=dict(size=12, color=WARN, symbol="diamond"),
                  hovertemplate="%{x}: %{y:,.1f} t unmet<extra></extra>")]
    # Round ticks on both axes, on shared grid lines (autoscaled right ticks read 40/81/121).
    left, right = aligned_axes(float((df["cost_usd"] / scale).max()), float(df["unmet_t"].max()))
    return PlainFigure(data, layout(
        yaxis=_axis(Y_STYLE, title={"text": f"cost ({unit})"}, tickformat=",", **left),
        yaxis2=_axis(Y_STYLE, title={"text": "unmet demand (t)"}, overlaying="y",
                     side="right", showgrid=False, tickformat=",", **right),
        **_frame("Cost and unmet demand if each scenario happens", 380),
        xaxis=dict(X_STYLE)))
