"""Plotly figures as plain dicts: the report's charts without plotly's checked objects.

plotly builds every trace as an object and checks every property as it is set, and
``go.Figure(data=traces)`` copies and checks each trace again: for the trade map of a medium
instance (about 1,000 one-line traces per page) and the Sankeys (every link's source, target,
value and colour checked) that was half of report.html's time, and each ``update_layout`` /
``update_xaxes`` call parses its keys and checks its values again (a fifth of the rest), while
the checks only guard this package's own code. A :class:`PlainFigure` keeps its traces and its
layout as the dicts plotly itself would serialise.

:meth:`PlainFigure.to_json` gives the same text the checked ``go.Figure`` gives:

- a trace's properties are in alphabetical order at every level with its ``type`` last
  (:func:`trace`), and a numpy array or pandas Series becomes plotly's typed-array spec
  ``{"dtype": "f8", "bdata": <base64>}`` through plotly's own conversion (int64 narrowed to
  the smallest integer type that holds it, as plotly does);
- a layout starts with plotly's default template (:func:`template`, copied once from
  ``go.Figure()``), then its properties in the order the caller writes them: the builders write
  them in the order plotly's ``update_layout`` leaves them (an update sets nested objects
  before plain values, and a key set again keeps its first place);
- the text is encoded by plotly's own JSON encoder.

:meth:`PlainFigure.to_figure` builds the checked figure (raising on an invalid property);
tests compare the two texts for every figure kind.
"""

from __future__ import annotations

from functools import lru_cache


def _sorted(value):
    """Dicts with their keys in alphabetical order at every level (plotly's JSON order),
    lists of dicts included (a menu's buttons); other lists are kept as they are; a numpy
    array or pandas Series becomes plotly's typed-array spec (:func:`_typed_array`)."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value] if value and isinstance(value[0], dict) else value
    if isinstance(value, _SCALARS) or value is None:
        return value
    if _is_array(value):
        return _typed_array(value)
    return value


_SCALARS = (str, int, float, tuple)
"""Values kept as they are (bool is an int; a numpy float a float; a tuple is written as a
list, as plotly writes it)."""


def _is_array(value) -> bool:
    """True for what plotly treats as an array (numpy array, pandas Series or Index)."""
    from _plotly_utils.basevalidators import is_homogeneous_array

    return is_homogeneous_array(value)


def _typed_array(values):
    """What plotly keeps of an array-valued property: the values as a read-only numpy array
    (its check), written as ``{"dtype", "bdata"}`` when numeric (``Figure.to_dict``); an
    array of text stays an array, which the encoder writes as a list."""
    from _plotly_utils.utils import copy_to_readonly_numpy_array, to_typed_array_spec

    return to_typed_array_spec(copy_to_readonly_numpy_array(values))


@lru_cache(maxsize=1)
def template() -> dict:
    """plotly's default template as ``go.Figure().to_dict()`` writes it (read once; callers
    share it and must not change it)."""
    import plotly.graph_objects as go

    return go.Figure().to_dict()["layout"]["template"]


def layout(**props) -> dict:
    """A layout as plotly serialises it: the default template first, then ``props`` in the
    order given (values as plotly keeps them; see the module docstring for the order)."""
    return {"template": template(), **props}


def trace(type_: str, **props) -> dict:
    """One trace as plotly serialises it: properties in alphabetical order, ``type`` last.

    Values must already be what plotly would keep (lists, plain numbers, strings and
    booleans), except that a numpy array or pandas Series is written as plotly writes one
    (:func:`_typed_array`).
    """
    out = _sorted(props)
    out["type"] = type_
    return out


class PlainFigure:
    """A figure of plain trace dicts and a plain layout; see the module docstring.

    Reads like a ``go.Figure`` where it matters: :meth:`to_json`, and ``data`` / ``layout``
    (the checked plotly objects, built on first use: for tests and callers that inspect a
    figure, never on the way to report.html).

    Attributes
    ----------
    traces : list[dict]
        The traces, each from :func:`trace`.
    layout_dict : dict
        The layout as plotly would serialise it, template included (from :func:`layout`, or
        ``go.Figure(layout=…).to_dict()["layout"]`` of a ``layout_figure``), with
        ``plain_layout`` added.
    """

    def __init__(self, traces: list[dict], layout_figure, **plain_layout):
        """``layout_figure``: a dict from :func:`layout`, or a ``go.Figure`` whose layout is
        taken. ``plain_layout``: layout properties as plain values, set as if first after the
        template (the scenario menu of a map: its buttons carry one flag per trace, and
        plotly's check of them cost more than the map's traces)."""
        self.traces = traces
        laid = dict(layout_figure) if isinstance(layout_figure, dict) \
            else layout_figure.to_dict()["layout"]
        head = {"template": laid.pop("template")} if "template" in laid else {}
        self.layout_dict = {**head, **_sorted(plain_layout), **laid}
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
