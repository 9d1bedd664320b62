"""Figures built as plain dicts (optimizer.report.plain_figure) are the figures plotly checks.

The trade map and the Sankeys skip plotly's per-property checks for speed; these tests build
the same figure through a checked ``go.Figure`` (which raises on any invalid property) and
require the same JSON, so the page draws exactly what it drew before.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
from test_report_map import run_dir  # noqa: F401  (fixture: the ISO-3 micro-instance)

from optimizer.report import facts, figures, figures_map
from optimizer.report.load import load_run
from optimizer.report.plain_figure import PlainFigure, trace


def test_trace_writes_properties_as_plotly_does():
    """plotly writes a trace's properties in alphabetical order at every level and its type
    last: line (color, width) before mode before text, then "type"."""
    t = trace("scattergeo", text="A → B", mode="lines", line={"width": 2, "color": "red"})
    assert json.dumps(t, separators=(",", ":"), ensure_ascii=False) == (
        '{"line":{"color":"red","width":2},"mode":"lines","text":"A → B",'
        '"type":"scattergeo"}')
    checked = go.Scattergeo(text="A → B", mode="lines", line={"width": 2, "color": "red"})
    assert list(checked.to_plotly_json()) == list(t)


def test_menu_after_template_as_plotly_places_it():
    """A menu given as plain values sits where plotly puts one set first: after the
    template, before the title set later; its buttons' keys sorted (args, label, method)."""
    layout = go.Figure()
    layout.update_layout(title_text="t")
    fig = PlainFigure([trace("scatter", x=[1], y=[2])], layout,
                      updatemenus=[{"buttons": [{"method": "update", "label": "a",
                                                 "args": [{"visible": [True]}]}]}])
    checked = go.Figure(go.Scatter(x=[1], y=[2]))
    checked.update_layout(updatemenus=[dict(buttons=[dict(method="update", label="a",
                                                          args=[{"visible": [True]}])])])
    checked.update_layout(title_text="t")
    assert fig.to_json() == checked.to_json()


def test_map_and_sankeys_equal_checked_plotly_figures(run_dir):  # noqa: F811
    """Every map and Sankey of the micro-instance: its JSON holds what plotly gives for the
    same figure with every property checked (to_figure builds that, raising if one is
    invalid); a checked layout built from a dict lists its keys alphabetically, so the texts
    are compared as JSON values."""
    run = load_run(run_dir)
    built = [figures_map.flow_map(run, el) for el in facts.elements(run)]
    built += [figures.sankey(run, el) for el in facts.elements(run)]
    built = [f for f in built if f is not None]
    assert len(built) == 2  # Dy: one map, one Sankey
    for fig in built:
        assert isinstance(fig, PlainFigure)
        assert json.loads(fig.to_json()) == json.loads(fig.to_figure().to_json())


def test_map_has_one_line_per_country_pair_with_its_hover_text(run_dir):  # noqa: F811
    """The micro-instance's Dy flows between countries (test_report_map's derivation): calm
    AUS → USA 20 t and CHN → USA 4 t, cut AUS → USA 20 t and CHN → USA 2 t; pairs within one
    country are dots. So four lines, shown in the first scenario's two."""
    fig = figures_map.flow_map(load_run(run_dir), "Dy")
    lines = [(t["text"], t["visible"]) for t in fig.traces if t["mode"] == "lines"]
    assert sorted(lines) == sorted([
        ("AUS → USA: 20.0 t (mined → processed)", True),
        ("CHN → USA: 4.0 t (processed → used)", True),
        ("AUS → USA: 20.0 t (mined → processed)", False),
        ("CHN → USA: 2.0 t (processed → used)", False)])
    assert fig.trace_types == {"scattergeo"}
