"""HTML building blocks shared by every report page (one run now, batch comparison later).

A page is a list of :class:`Section` objects, each holding blocks: :class:`Paragraphs`,
:class:`Table` (a DataFrame with typed columns), :class:`Chart` (a plotly figure) and
:class:`Note`. :func:`render_page` turns them into one self-contained HTML file: the CSS and
the plotly.js bundle are inlined once in ``<head>``, every chart is a ``<div class="chart">``
drawn by a small inline script from its JSON, and nothing is fetched from the network.

All text passes through jinja2 with autoescaping, so names from an input workbook
(``<script>``, ``=HYPERLINK(...)``) are shown literally. Chart JSON is embedded with ``<``, ``>``
and ``&`` written as ``\\u003c`` etc., so a label cannot close the ``<script>`` element.

A batch page reuses this module as is::

    page = [Section("compare", "Runs compared", [Table(df, cols), Chart(fig, "cost")])]
    html = render_page("Batch comparison", "12 runs", page, appendix={...})
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

# --- blocks ---------------------------------------------------------------------------------


@dataclass
class Paragraphs:
    """Plain sentences, optionally under a small heading; ``bullets`` renders a list."""

    sentences: list[str]
    heading: str = ""
    bullets: bool = True
    box: bool = False  # the page's recommendation: set apart from the context below it


@dataclass
class Note:
    """A highlighted remark (e.g. "prices are conditional on the chosen builds")."""

    text: str
    kind: str = "info"  # info | warn


@dataclass
class Column:
    """A table column: source column, header shown (with unit) and how to format values.

    ``kind`` is one of ``text``, ``t`` (tonnes), ``usd``, ``usd_per_t``, ``pct`` (0–1 share),
    ``int``, ``hhi``, ``num`` (3 significant decimals), ``bool`` or ``html`` (a ``Markup``
    value shown as is; a plain string is escaped).
    """

    name: str
    header: str
    kind: str = "text"
    highlight_above: float | None = None  # cells with a larger value are highlighted


@dataclass
class Table:
    """A DataFrame rendered with typed columns; ``highlight`` marks rows (bool per row)."""

    df: pd.DataFrame
    columns: list[Column]
    caption: str = ""
    highlight: list[bool] | None = None
    max_rows: int = 200
    empty_text: str = "None."


@dataclass
class Chart:
    """A plotly figure (or ``None`` → ``missing`` text) drawn into ``<div id=chart-<key>>``.

    ``figure`` is a ``go.Figure`` or anything with the same ``to_json`` and a ``trace_types``
    set (:class:`optimizer.report.plain_figure.PlainFigure`)."""

    figure: object
    key: str
    missing: str = "Not available: nothing to draw."


@dataclass
class Section:
    """A titled part of a page with an anchor ``id`` for the table of contents."""

    id: str
    title: str
    blocks: list = field(default_factory=list)
    intro: str = ""


# --- formatting -----------------------------------------------------------------------------


def format_cell(value, kind: str) -> str:
    """Format one value for display (missing → empty string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "text":
        return str(value)
    if kind == "html":  # markup the caller built and escaped (markupsafe.Markup), e.g. a link
        return value if hasattr(value, "__html__") else str(value)
    if kind == "bool":
        return "yes" if str(value).lower() in ("true", "1", "yes") else "no"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    v = _no_negative_zero(v, kind)
    if kind == "t":
        return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"
    if kind in ("usd", "usd_per_t"):
        return f"{v:,.0f}" if abs(v) >= 100 or v == 0 else f"{v:,.2f}"
    if kind == "pct":
        return f"{v * 100:.1f}%"
    if kind in ("int", "hhi"):
        return f"{v:,.0f}"
    return f"{v:,.3f}".rstrip("0").rstrip(".") if "." in f"{v:,.3f}" else f"{v:,.3f}"


SHOWN_DECIMALS = {"t": 1, "usd": 0, "usd_per_t": 0, "pct": 3, "int": 0, "hhi": 0, "num": 3}
"""Decimals a kind shows (tonnes: 0 above 1,000; money: 2 below 100; pct: of the 0–1 share)."""


def _no_negative_zero(v: float, kind: str) -> float:
    """0.0 for a value that would print as ``-0`` (``-0.3`` USD, ``-0.0`` from a solver).

    A value rounds to zero at the shown precision when |v| < 0.5 × 10^-decimals; money below
    100 shows 2 decimals (see :func:`format_cell`).
    """
    decimals = SHOWN_DECIMALS.get(kind, 3)
    if kind in ("usd", "usd_per_t") and abs(v) < 100:
        decimals = 2
    if kind == "t" and abs(v) < 1000:
        decimals = 1
    return 0.0 if abs(v) < 0.5 * 10 ** -decimals else v


ALIGN_RIGHT = {"t", "usd", "usd_per_t", "pct", "int", "hhi", "num"}


def _table_context(t: Table) -> dict:
    df = t.df
    shown = df.head(t.max_rows)
    rows = []
    hl = t.highlight if t.highlight is not None else [False] * len(df)
    for i, values in enumerate(_row_values(shown, [c.name for c in t.columns])):
        rows.append({"cells": [(format_cell(v, c.kind), _cell_class(c, v))
                               for c, v in zip(t.columns, values)],
                     "hl": bool(hl[i]) if i < len(hl) else False})
    return {"caption": t.caption, "headers": [(c.header, "num" if c.kind in ALIGN_RIGHT else "")
                                              for c in t.columns],
            "rows": rows, "more": max(0, len(df) - len(shown)), "empty_text": t.empty_text}


def _row_values(df: pd.DataFrame, names: list[str]) -> list[list]:
    """Per row, the value of each named column (``None`` for a column the frame lacks), as
    ``row.get(name)`` of ``df.iterrows()`` gives it: read from the frame's one array
    (``df.to_numpy()``, the array ``iterrows`` slices), so a row of only numbers holds floats
    as it did. Without building a Series per row, which was most of a table's time."""
    if not df.columns.is_unique:  # a name would select several cells: keep pandas' answer
        return [[r.get(n) for n in names] for _, r in df.iterrows()]
    where = {name: j for j, name in enumerate(df.columns)}
    at = [where.get(n) for n in names]
    return [[None if j is None else row[j] for j in at] for row in df.to_numpy()]


def _cell_class(c: Column, value) -> str:
    cls = "num" if c.kind in ALIGN_RIGHT else ""
    if c.highlight_above is not None:
        try:
            if float(value) > c.highlight_above:
                cls += " hl"
        except (TypeError, ValueError):
            pass
    return cls.strip()


def _chart_json(fig) -> str:
    """Figure JSON safe inside a ``<script>`` element."""
    s = fig.to_json()
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- template -------------------------------------------------------------------------------

# html's overflow-y keeps the scrollbar's room from the start: charts are drawn as the page is
# read, and one drawn before the page grew a scrollbar would stay that much (15-17 px) wider
# than its box, its right edge cut (plotly redraws on a window resize only).
CSS = """
:root { --ink:#1b1b1b; --muted:#5f6368; --line:#d9d9d9; --accent:#1f4e79; --hl:#fff4ce; }
* { box-sizing: border-box; }
html { overflow-y: scroll; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.45; font-size: 15px; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
header.page h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
header.page p.sub { margin: 0; color: var(--muted); }
nav.toc { margin: 16px 0 8px; padding: 8px 12px; border: 1px solid var(--line); border-radius: 4px;
          font-size: 14px; }
nav.toc ol { margin: 4px 0; padding-left: 20px; columns: 2; }
nav.toc a { color: var(--accent); text-decoration: none; }
section { margin-top: 28px; }
section h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px;
             color: var(--accent); }
h3 { font-size: 16px; margin: 16px 0 4px; }
p.intro { color: var(--muted); margin-top: 0; }
ul.sentences { padding-left: 20px; margin: 4px 0 8px; }
ul.sentences li { margin: 2px 0; }
div.decision { border: 2px solid var(--accent); border-radius: 6px; padding: 4px 16px 8px;
               margin: 8px 0 16px; background: #f5f9fd; font-size: 16px; }
div.decision h3 { color: var(--accent); font-size: 17px; }
div.note { border-left: 4px solid var(--accent); background: #eef4fa; padding: 8px 12px;
           margin: 10px 0; font-size: 14px; }
div.note.warn { border-color: #b45f06; background: #fdf1e4; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 4px; }
table.data caption { text-align: left; font-weight: bold; padding: 4px 0; caption-side: top; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 8px;
                               text-align: left; vertical-align: top; }
table.data th { background: #f1f3f4; position: sticky; top: 0; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td.num { white-space: nowrap; }
div.scroll { overflow-x: auto; }
table.data tr.hl td, table.data td.hl { background: var(--hl); }
p.more, p.empty { color: var(--muted); font-size: 13px; margin: 2px 0 8px; }
div.chart { width: 100%; min-height: 120px; margin: 8px 0 16px; }
p.missing { color: var(--muted); font-style: italic; }
dl.appendix { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
              font-size: 13px; }
dl.appendix dt { color: var(--muted); }
dl.appendix dd { margin: 0; word-break: break-all; }
#js-errors { display: none; }
body[data-js-errors] #js-errors { display: block; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { background: white; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc { break-after: page; }
  section { break-before: auto; }
  section h2 { break-after: avoid; }
  div.chart, table.data tr, div.note, ul.sentences li { break-inside: avoid; }
  table.data th { position: static; }
  table.data { font-size: 9pt; }
  div.scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  .modebar-container, .updatemenu-container { display: none !important; }
}
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css }}</style>
<script>
window.__reportErrors = [];
window.addEventListener("error", function (e) {
  window.__reportErrors.push(String(e.message || e));
  document.body && document.body.setAttribute("data-js-errors", window.__reportErrors.length);
});
</script>
{% if geo_assets %}<script>{{ geo_assets }}</script>
{% endif %}
{% if plotly_src %}<script id="plotly-js" src="{{ plotly_src }}"></script>
{% else %}<script id="plotly-js">{{ plotly_js }}</script>
{% endif %}
</head>
<body>
<main>
<div class="note warn" id="js-errors">Some charts could not be drawn in this browser; the tables
below carry the same numbers.{% if plotly_src %} This page draws its charts with the plotly.js
file its folder shares ({{ plotly_src }}): open it where it was written, or re-render it with
'supplyopt report' after moving it.{% endif %}</div>
<header class="page"><h1>{{ title }}</h1>{% if subtitle %}<p class="sub">{{ subtitle }}</p>{% endif %}
</header>
<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>
{% for s in sections %}<li><a href="#{{ s.id }}">{{ s.title }}</a></li>
{% endfor %}</ol></nav>
{% for s in sections %}
<section id="{{ s.id }}">
<h2>{{ s.title }}</h2>
{% if s.intro %}<p class="intro">{{ s.intro }}</p>{% endif %}
{% for b in s.blocks %}
{% if b.type == "paragraphs" %}
{% if b.box %}<div class="decision">{% endif %}
{% if b.heading %}<h3>{{ b.heading }}</h3>{% endif %}
{% if b.bullets %}<ul class="sentences">{% for x in b.sentences %}<li>{{ x }}</li>{% endfor %}</ul>
{% else %}{% for x in b.sentences %}<p>{{ x }}</p>{% endfor %}{% endif %}
{% if b.box %}</div>{% endif %}
{% elif b.type == "note" %}<div class="note {{ b.kind }}">{{ b.text }}</div>
{% elif b.type == "table" %}
{% if b.rows %}<div class="scroll"><table class="data">{% if b.caption %}<caption>{{ b.caption }}</caption>{% endif %}
<thead><tr>{% for h, cls in b.headers %}<th class="{{ cls }}" scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for r in b.rows %}<tr{% if r.hl %} class="hl"{% endif %}>{% for v, cls in r.cells %}<td class="{{ cls }}">{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% if b.more %}<p class="more">… and {{ b.more }} more rows (see results.xlsx).</p>{% endif %}
{% else %}{% if b.caption %}<h3>{{ b.caption }}</h3>{% endif %}<p class="empty">{{ b.empty_text }}</p>{% endif %}
{% elif b.type == "chart" %}
{% if b.json %}<div class="chart" id="chart-{{ b.key }}" data-chart="{{ b.key }}"></div>
<script>(function () {
  var spec = {{ b.json | safe }};
  Plotly.newPlot("chart-{{ b.key }}", spec.data, spec.layout,
                 {responsive: true, displayModeBar: false});
})();</script>
{% else %}<p class="missing">{{ b.missing }}</p>{% endif %}
{% endif %}
{% endfor %}
</section>
{% endfor %}
<footer>{{ footer }}</footer>
</main>
<script>
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("div.chart").forEach(function (d) { Plotly.Plots.resize(d); });
});
</script>
</body>
</html>
"""


@lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=1)
def _page():
    """The page template, compiled once per process (``from_string`` compiles it at every
    call: about 10 ms, at every run a batch worker renders)."""
    return _env().from_string(PAGE)


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # Inline inside <script>: a literal "</script" in the bundle would end the element.
    return get_plotlyjs().replace("</script", "<\\/script")


def _block_context(b) -> dict:
    if isinstance(b, Paragraphs):
        return {"type": "paragraphs", "sentences": b.sentences, "heading": b.heading,
                "bullets": b.bullets, "box": b.box}
    if isinstance(b, Note):
        return {"type": "note", "text": b.text, "kind": b.kind}
    if isinstance(b, Table):
        return {"type": "table", **_table_context(b)}
    if isinstance(b, Chart):
        return {"type": "chart", "key": b.key, "missing": b.missing,
                "json": _chart_json(b.figure) if b.figure is not None else None}
    raise TypeError(f"unknown report block {type(b).__name__}")


def render_page(title: str, subtitle: str, sections: list[Section], footer: str = "",
                plotly_src: str | None = None) -> str:
    """One HTML page that needs no network: CSS and plotly.js inline, or, with ``plotly_src``
    (a relative path such as ``../../plotly.min.js``), plotly.js from a file its folder
    shares (:mod:`optimizer.report.shared_js`)."""
    from markupsafe import Markup

    ctx = [{"id": s.id, "title": s.title, "intro": s.intro,
            "blocks": [_block_context(b) for b in s.blocks]} for s in sections]
    geo = ""
    if any(_is_geo(b) for s in sections for b in s.blocks):
        from optimizer.report.figures_map import geo_assets_script

        geo = geo_assets_script()  # the base map, so plotly.js never fetches it
    return _page().render(
        title=title, subtitle=subtitle, sections=ctx, footer=footer, css=Markup(CSS),
        plotly_js=Markup("" if plotly_src else _plotly_js()), plotly_src=plotly_src,
        geo_assets=Markup(geo))


def _is_geo(block) -> bool:
    """True for a chart drawn on plotly's geo base map."""
    fig = getattr(block, "figure", None) if isinstance(block, Chart) else None
    if fig is None:
        return False
    types = getattr(fig, "trace_types", None)  # a PlainFigure's (optimizer.report.plain_figure)
    if types is None:
        types = {t.type for t in fig.data}
    return bool(types & {"scattergeo", "choropleth"})
