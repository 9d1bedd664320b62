"""A plotly figure whose traces are plain dicts: for the report's trace-heavy charts.

plotly builds every trace as an object and checks every property as it is set, and
``go.Figure(data=traces)`` copies and checks each trace again: for the trade map of a medium
instance (about 1,000 one-line traces per page) and the Sankeys (every link's source, target,
value and colour checked) that was half of report.html's time, while the checks only guard
this package's own code. A :class:`PlainFigure` keeps its traces as the
dicts plotly itself would serialise, and its layout as a checked ``go.Figure``'s (one object,
so the layout and the default template are exactly plotly's).

:meth:`PlainFigure.to_json` gives the same text ``go.Figure(data=traces, layout=…).to_json()``
gives: plotly writes a trace's properties in alphabetical order at every level with its
``type`` last, which :func:`trace` reproduces, and the text is encoded by plotly's own JSON
encoder. :meth:`PlainFigure.to_figure` builds the checked figure; tests compare the two.
"""

from __future__ import annotations


def _sorted(value):
    """Dicts with their keys in alphabetical order at every level (plotly's JSON order),
    lists of dicts included (a menu's buttons); other lists are kept as they are."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_sorted(v) for v in value]
    return value


def trace(type_: str, **props) -> dict:
    """One trace as plotly serialises it: properties in alphabetical order, ``type`` last.

    Values must already be what plotly would keep: lists (not tuples or arrays), plain
    numbers, strings and booleans.
    """
    out = _sorted(props)
    out["type"] = type_
    return out


class PlainFigure:
    """A figure of plain trace dicts and a plotly layout; see the module docstring.

    Reads like a ``go.Figure`` where it matters: :meth:`to_json`, and ``data`` / ``layout``
    (the checked plotly objects, built on first use: for tests and callers that inspect a
    figure, never on the way to report.html).

    Attributes
    ----------
    traces : list[dict]
        The traces, each from :func:`trace`.
    layout_dict : dict
        ``go.Figure(layout=…).to_dict()["layout"]``: the checked layout, template included,
        with ``plain_layout`` added.
    """

    def __init__(self, traces: list[dict], layout_figure, **plain_layout):
        """``plain_layout``: layout properties as plain values, set as if first after the
        template (the scenario menu of a map: its buttons carry one flag per trace, and
        plotly's check of them cost more than the map's traces)."""
        self.traces = traces
        layout = layout_figure.to_dict()["layout"]
        head = {"template": layout.pop("template")} if "template" in layout else {}
        self.layout_dict = {**head, **_sorted(plain_layout), **layout}
        self._figure = None

    def to_json(self) -> str:
        """The figure as ``go.Figure.to_json`` writes it (compact, plotly's encoder)."""
        from plotly.io.json import to_json_plotly

        return to_json_plotly({"data": self.traces, "layout": self.layout_dict})

    def to_figure(self):
        """The same figure as a checked ``go.Figure`` (raises on an invalid property)."""
        if self._figure is None:
            import plotly.graph_objects as go

            self._figure = go.Figure(data=self.traces, layout=self.layout_dict)
        return self._figure

    @property
    def data(self):
        """The traces as plotly objects (:meth:`to_figure`)."""
        return self.to_figure().data

    @property
    def layout(self):
        """The layout as a plotly object (:meth:`to_figure`)."""
        return self.to_figure().layout

    @property
    def trace_types(self) -> set[str]:
        """The plotly trace types drawn (``scattergeo`` …)."""
        return {t["type"] for t in self.traces}
