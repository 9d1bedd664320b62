"""report.html of a batch folder and of an analytics folder, rendered from their saved tables.

A *batch folder* (``supplyopt batch``) holds ``batch_summary.csv``, ``sweep_curves.csv``,
``shadow_prices.csv``, ``batch_manifest.json`` and one folder per run; an *analytics folder*
(``supplyopt analyse``, or ``DIR/analysis`` after ``batch --analyse``) holds ``measures.csv``,
``resilience_plans.csv``, ``plan_performance.csv``, ``wait_and_see.csv``,
``cutoff_screen.csv``, ``policy_prices.csv``, ``solves.csv`` and ``analysis.json``. The page is
built with the single-run report's components (:mod:`optimizer.report.components`), so it looks
the same and is just as self-contained (plotly.js inlined once, nothing fetched).

Nothing here solves or recomputes a model result: every number shown is a cell of those tables
(or their sum over cost components for a stacked bar, a sort, a count of failed runs).
Every name from a workbook (run, sweep, rule, country) is escaped by the template, and in chart
labels by :func:`_label`, which plotly shows literally.
"""

from __future__ import annotations

import html as _html
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from optimizer.csv_safe import read_csv
from optimizer.report.components import (
    Chart,
    Column,
    Note,
    Paragraphs,
    Section,
    Table,
    render_page,
)
from optimizer.report.figures import FONT
from optimizer.report.fmt import join, tonnes, usd
from optimizer.report.html import slug
from optimizer.report.palette import HHI_HIGHLY_CONCENTRATED, NEUTRAL, aligned_axes, series_colour

BATCH_MARKER = "batch_summary.csv"
ANALYSIS_MARKER = "measures.csv"
ANALYSIS_TABLES = ("measures", "resilience_plans", "plan_performance", "wait_and_see",
                   "cutoff_screen", "policy_prices", "solves")
TEXT_COLUMNS = ("run", "status", "reason", "builds", "overrides", "sweep", "sweep_unit",
                "value_label", "folder", "top_shadow_prices", "input_sha256", "warm_start",
                "measure", "definition", "plan", "scenario", "country", "from_period", "sheet",
                "rule", "solve", "row", "family", "element", "basis")
"""Columns read as text, so a run named ``1`` or ``NA`` stays that name."""
HHI_CONCERN = int(HHI_HIGHLY_CONCENTRATED)
"""Highlight line for HHI cells: 1,800, the 2023 US Merger Guidelines' "highly concentrated"."""
TOP_PRICES_SHOWN = 3
OK_STATUSES = ("optimal", "feasible", "ok")

VSS_DEFINITION = ("VSS, the value of the stochastic solution, is EEV − RP: what planning for "
                  "the scenarios saves over planning for their probability-weighted average "
                  "data, whose builds are then evaluated in every scenario.")
EVPI_DEFINITION = ("EVPI, the expected value of perfect information, is RP − WS: what knowing "
                   "in advance which scenario will happen would save, each scenario getting "
                   "the best builds for it.")
GAP_NOTE = ("Each optimum is known only within the relative MIP gap × |cost|, so small "
            "differences (VSS, EVPI, policy prices near 0) are within solver tolerance; "
            "use --mip-gap 0 for exact figures on small instances.")


# --- loading --------------------------------------------------------------------------------


def _csv(path: Path) -> pd.DataFrame:
    """A saved table (empty if the file is absent or has no columns)."""
    if not path.exists():
        return pd.DataFrame()
    try:
        return read_csv(path, keep_default_na=False, na_values=[""],
                        dtype={c: str for c in TEXT_COLUMNS})
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@dataclass
class SavedAnalysis:
    """An analytics folder as saved: ``analysis.json`` and its tables."""

    folder: Path
    meta: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """A table by name (empty when absent: a measure that was not computed)."""
        return self.tables.get(name, pd.DataFrame())

    def measure(self, name: str) -> float | None:
        """One value of ``measures.csv`` (None if absent or blank)."""
        m = self.table("measures")
        if m.empty:
            return None
        v = m.loc[m["measure"] == name, "value_usd"]
        return None if v.empty or pd.isna(v.iloc[0]) else float(v.iloc[0])


@dataclass
class SavedBatch:
    """A batch folder as saved: its manifest, tables, and analytics when run with --analyse."""

    folder: Path
    manifest: dict
    summary: pd.DataFrame
    curves: pd.DataFrame
    prices: pd.DataFrame
    analysis: SavedAnalysis | None = None

    @property
    def focus(self) -> str:
        """The country whose share the summary reports (``focus_country``)."""
        return str((self.manifest.get("batch") or {}).get("focus_country") or "CHN")


def is_batch_folder(folder: str | Path) -> bool:
    """True for a folder written by ``supplyopt batch``."""
    return (Path(folder) / BATCH_MARKER).is_file()


def is_analysis_folder(folder: str | Path) -> bool:
    """True for a folder written by ``supplyopt analyse``."""
    return (Path(folder) / ANALYSIS_MARKER).is_file()


def load_analysis(folder: str | Path) -> SavedAnalysis:
    """Read an analytics folder."""
    folder = Path(folder)
    return SavedAnalysis(folder, _json(folder / "analysis.json"),
                         {n: _csv(folder / f"{n}.csv") for n in ANALYSIS_TABLES
                          if (folder / f"{n}.csv").exists()})


def load_batch(folder: str | Path) -> SavedBatch:
    """Read a batch folder (and ``analysis/`` inside it, if present)."""
    folder = Path(folder)
    an = folder / "analysis"
    return SavedBatch(folder, _json(folder / "batch_manifest.json"),
                      _csv(folder / "batch_summary.csv"), _csv(folder / "sweep_curves.csv"),
                      _csv(folder / "shadow_prices.csv"),
                      load_analysis(an) if is_analysis_folder(an) else None)


# --- helpers --------------------------------------------------------------------------------


def _label(text) -> str:
    """A name for a chart label: plotly reads a few HTML tags in labels, so escape them."""
    return _html.escape(str(text), quote=False)


def _num(values) -> list:
    """Numbers as a plain list (None for blanks), so the chart JSON holds readable values."""
    return [None if pd.isna(v) else float(v) for v in pd.to_numeric(pd.Series(list(values)),
                                                                     errors="coerce")]


def _ok(status) -> bool:
    return str(status) in OK_STATUSES


def _scale(values) -> tuple[float, str]:
    """(divisor, unit) for money on a chart axis: USD million from USD 100,000 up."""
    s = pd.to_numeric(pd.Series(list(values), dtype=float), errors="coerce").abs()
    return (1e6, "USD million") if len(s) and s.max() >= 1e5 else (1.0, "USD")


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """The per-run report's chart style (figures._layout), legend above the plot."""
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
                      font=FONT, height=height, margin=dict(l=60, r=20, t=80, b=50),
                      paper_bgcolor="white", plot_bgcolor="white",
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1,
                                  xanchor="right"))
    fig.update_xaxes(showgrid=False, linecolor="#888", automargin=True)
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#888", automargin=True)
    return fig


def merge_builds(text) -> str:
    """A ``"; "``-joined builds list with each build once: folders written before
    :func:`optimizer.batch.summary.builds_short` merged branches list a build decided
    separately in several scenario nodes once per node (``1×X@2027Q3; 1×X@2027Q3``), which
    reads as several builds; it becomes ``1×X@2027Q3 (in 2 scenario nodes)``."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return text
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    counts: dict[str, int] = {}
    for p in parts:
        counts[p] = counts.get(p, 0) + 1
    return "; ".join(p if n == 1 else f"{p} (in {n} scenario nodes)" for p, n in counts.items())


def _merged(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its ``builds`` column shown by :func:`merge_builds`."""
    if "builds" not in df or df.empty:
        return df
    return df.assign(builds=[merge_builds(x) for x in df["builds"]])


def _elements(df: pd.DataFrame, focus: str) -> list[str]:
    """Elements with a focus-share column, in column order."""
    pre = f"{focus}_share_"
    return [c[len(pre):] for c in df.columns if c.startswith(pre)]


def _cost_columns(df: pd.DataFrame) -> list[str]:
    """``cost_<component>_usd`` columns that are non-zero in some run."""
    out = []
    for c in df.columns:
        if c.startswith("cost_") and c.endswith("_usd"):
            v = pd.to_numeric(df[c], errors="coerce").fillna(0)
            if (v.abs() > 0).any():
                out.append(c)
    return out


def _component(col: str) -> str:
    """``cost_penalty_usd`` → ``penalty (lost value of unmet demand)``."""
    from optimizer.report.facts import component_label

    return component_label(col[len("cost_"):-len("_usd")]).replace("_", " ")


def _end_use(col: str) -> str:
    return col[len("unmet_"):-len("_t")]


def _unmet_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith("unmet_") and c.endswith("_t")]


def _links(batch: SavedBatch) -> list:
    """Per run: links to its report.html and results.xlsx (relative), or why there are none."""
    out = []
    for folder, status in zip(batch.summary.get("folder", pd.Series(dtype=str)),
                              batch.summary["status"], strict=False):
        if pd.isna(folder):
            out.append("")
            continue
        parts = []
        for name, text in (("report.html", "report"), ("results.xlsx", "workbook")):
            if (batch.folder / str(folder) / name).is_file():
                parts.append(Markup('<a href="{}">{}</a>').format(
                    quote(f"{folder}/{name}"), text))
        out.append(Markup(" · ").join(parts) if parts else
                   ("no outputs (failed)" if not _ok(status) else "not found"))
    return out


# --- batch sections -------------------------------------------------------------------------


def batch_overview_section(batch: SavedBatch) -> Section:
    """How many runs, of what, which failed; cheapest and dearest run."""
    s, m = batch.summary, batch.manifest
    base = m.get("base_instance") or {}
    status = s["status"].astype(str) if len(s) else pd.Series(dtype=str)
    n_ok = int(status.isin(OK_STATUSES).sum())
    n_failed = int((status == "failed").sum())
    n_not = int((status == "not run").sum())
    counts = [f"{n_ok} solved", f"{n_failed} failed"] + ([f"{n_not} not run"] if n_not else [])
    lines = [f"{len(s)} runs of the base instance {base.get('name') or base.get('path') or '?'}: "
             f"{join(counts)}."]
    desc = (m.get("batch") or {}).get("description")
    if desc:
        lines.append(str(desc))
    solved = s[status.isin(OK_STATUSES)] if len(s) else s
    obj = pd.to_numeric(solved.get("objective_usd"), errors="coerce") if len(solved) else None
    if obj is not None and obj.notna().any():
        lo, hi = solved.loc[obj.idxmin()], solved.loc[obj.idxmax()]
        lines.append(f"Lowest expected discounted cost: {lo['run']} at {usd(lo['objective_usd'])};"
                     f" highest: {hi['run']} at {usd(hi['objective_usd'])}.")
    feasible = solved[solved["status"].astype(str) == "feasible"]["run"].tolist() \
        if len(solved) else []
    lines.append(f"Shares are those of {batch.focus} (the batch's focus country) in what end "
                 "uses received of each element, by processing country, expected over the "
                 "scenarios and summed over the horizon.")
    blocks: list = [Paragraphs(lines, bullets=False)]
    if n_failed or n_not:
        bad = s[~status.isin(OK_STATUSES)]
        why = [f"{r['run']}: {r['reason'] if pd.notna(r['reason']) and r['reason'] else st}"
               for st, (_, r) in zip(bad["status"], bad.iterrows(), strict=True)]
        blocks.append(Note(f"{len(bad)} run(s) have no plan: " + "; ".join(why), "warn"))
    if feasible:
        blocks.append(Note(f"Not proven optimal (stopped at a time limit, within its gap): "
                           f"{', '.join(map(str, feasible))}.", "warn"))
    if batch.analysis is not None:
        blocks.append(Paragraphs([Markup(
            'The resilience analytics of the base instance follow the run comparison (also as '
            'a page of their own: <a href="analysis/report.html">analysis/report.html</a>).')],
            bullets=False))
    return Section("overview", "Overview", blocks)


def _run_name_notes(batch: SavedBatch) -> list:
    """A warning for each run named like a scenario of the base instance (it is not that
    scenario: its overrides apply to every scenario; see batch_manifest.json ``warnings``)."""
    return [Note(str(w), "warn") for w in batch.manifest.get("warnings") or []]


def runs_section(batch: SavedBatch) -> Section:
    """The comparison table (status, cost, builds, unmet, focus share, HHI), failed rows marked."""
    s = _merged(batch.summary.copy())
    els = _elements(s, batch.focus)
    s["outputs"] = _links(batch)
    cols = [Column("run", "run"), Column("outputs", "run outputs", "html"),
            Column("status", "status"),
            Column("objective_usd", "expected discounted cost (USD)", "usd"),
            Column("builds", "builds (count×module@online period (country))"),
            Column("unmet_t", "unmet demand (t, expected)", "t")]
    cols += [Column(f"{batch.focus}_share_{el}", f"{batch.focus} share of {el}", "pct")
             for el in els]
    hhi = [Column(f"hhi_{el}", f"HHI {el}", "hhi", highlight_above=HHI_CONCERN)
           for el in els if f"hhi_{el}" in s]
    if len(els) <= 2:  # narrow enough for one table; otherwise concentration gets its own
        cols, hhi = cols + hhi, []
    failed = [not _ok(x) for x in s["status"]] if len(s) else None
    if failed and any(failed):
        cols.append(Column("reason", "why it failed"))
    blocks: list = [*_run_name_notes(batch), Table(s, cols, max_rows=10_000, highlight=failed,
                          caption="Runs compared (highlighted: no plan"
                                  + ("" if hhi else f"; HHI cells above {HHI_CONCERN:,}, highly "
                                                    "concentrated per the 2023 US Merger "
                                                    "Guidelines") + ")")]
    if hhi:
        blocks.append(Table(s, [Column("run", "run")] + hhi, max_rows=10_000,
                            caption="Concentration of each element's supply by processing "
                                    f"country (HHI; highlighted: above {HHI_CONCERN:,}, highly "
                                    "concentrated per the 2023 US Merger Guidelines)"))
    cost_cols = _cost_columns(s)
    if cost_cols:
        blocks.append(Chart(cost_by_run(s, cost_cols), "cost-by-run"))
        blocks.append(Table(s, [Column("run", "run")] + [
            Column(c, f"{_component(c)} (USD)", "usd") for c in cost_cols] + [
            Column("objective_usd", "total (USD)", "usd")], max_rows=10_000, highlight=failed,
            caption="Expected discounted cost by component (components that are zero in every "
                    "run are left out)"))
    ucols = _unmet_columns(s)
    ucols = [c for c in ucols if c != "unmet_t"]
    if ucols and (s[ucols].apply(pd.to_numeric, errors="coerce").fillna(0) > 0).any().any():
        blocks.append(Table(s, [Column("run", "run")] + [
            Column(c, f"{_end_use(c)} (t)", "t") for c in ucols] + [
            Column("unmet_t", "total (t)", "t")], max_rows=10_000,
            caption="Unmet demand by end use (t over the horizon, expected over the scenarios)"))
    if "overrides" in s:
        blocks.append(Table(s, [Column("run", "run"), Column("overrides", "overrides applied"),
                                Column("wall_s", "wall time (s)", "num"),
                                Column("warm_start", "warm start")], max_rows=10_000,
                            caption="What each run changes"))
    return Section("runs", "Runs compared", blocks,
                   intro="One row per run: its status, expected discounted cost over the "
                         "scenarios, the modules it builds, its expected unmet demand and "
                         "the focus country's share and the concentration (HHI, 10,000 = one "
                         "country) of each element's supply. Follow a run's links for its own "
                         "report.")


def cost_by_run(s: pd.DataFrame, cost_cols: list[str]) -> go.Figure | None:
    """Stacked bars of the cost components of each solved run (failed runs have no bar)."""
    d = s[[_ok(x) for x in s["status"]]]
    if d.empty:
        return None
    div, unit = _scale(d["objective_usd"])
    fig = go.Figure()
    for i, c in enumerate(cost_cols):
        fig.add_trace(go.Bar(name=_component(c), x=[_label(r) for r in d["run"]],
                             y=[v / div for v in _num(d[c].fillna(0))],
                             marker_color=series_colour(i),
                             hovertemplate="%{x}<br>" + _component(c) + ": %{y:,.3f} " + unit
                                           + "<extra></extra>"))
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=f"expected discounted cost ({unit})", tickformat=",")
    fig.update_xaxes(tickangle=-30 if len(d) > 6 else 0)
    return _layout(fig, "Cost of each run by component", 440)


def _sweep_target(batch: SavedBatch, curve: pd.DataFrame) -> str:
    """What a sweep moves, read from its first run's overrides (``modules[j].capex_usd``)."""
    s = batch.summary
    if "overrides" not in s or curve.empty:
        return ""
    o = s.loc[s["run"] == curve["run"].iloc[0], "overrides"]
    if o.empty or pd.isna(o.iloc[0]):
        return ""
    targets = [t.split(" = ")[0].split(" × ")[0].strip() for t in str(o.iloc[0]).split("; ")]
    return ", ".join(dict.fromkeys(t for t in targets if t))


def sweep_figure(curve: pd.DataFrame, focus: str, els: list[str],
                 target: str = "") -> go.Figure | None:
    """Cost, unmet demand and focus-country share against the swept value (one sweep)."""
    ok = curve[[_ok(x) for x in curve["status"]]]
    if ok.empty:
        return None
    pct_sweep = str(curve["sweep_unit"].iloc[0]) == "%"
    x = [v * (100 if pct_sweep else 1) for v in _num(ok["sweep_value"])]
    div, unit = _scale(ok["objective_usd"])
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.09, subplot_titles=(
        f"expected discounted cost ({unit})", "unmet demand (t, expected)",
        f"{_label(focus)} share of supply (%)"))
    hover = "%{x}" + ("%" if pct_sweep else "") + ": %{y:,.3f}<extra>%{fullData.name}</extra>"
    fig.add_trace(go.Scatter(x=x, y=[v / div for v in _num(ok["objective_usd"])],
                             mode="lines+markers",
                             name="cost", marker_color=series_colour(0), hovertemplate=hover,
                             showlegend=False), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=_num(ok["unmet_t"]),
                             mode="lines+markers", name="unmet demand",
                             marker_color=series_colour(3),
                             hovertemplate=hover, showlegend=False), 1, 2)
    for i, el in enumerate(els):
        col = f"{focus}_share_{el}"
        if col in ok:
            fig.add_trace(go.Scatter(x=x, y=[None if v is None else v * 100
                                             for v in _num(ok[col])],
                                     mode="lines+markers", name=f"{_label(focus)} share of "
                                     f"{_label(el)}", marker_color=series_colour(i + 4),
                                     hovertemplate=hover), 1, 3)
    xt = "swept value (% of the base value)" if pct_sweep else "swept value (as set)"
    fig.update_xaxes(title_text=xt, ticksuffix="%" if pct_sweep else "")
    fig.update_yaxes(rangemode="tozero", tickformat=",")
    fig.update_yaxes(range=[0, 105], row=1, col=3)
    what = (f"<br><span style='font-size:12px'>{'scales' if pct_sweep else 'sets'} "
            f"{_label(target)}</span>") if target else ""
    _layout(fig, f"Sweep {_label(curve['sweep'].iloc[0])}{what}", 420)
    fig.update_layout(legend=dict(orientation="h", y=-0.3, yanchor="top", x=1, xanchor="right"),
                      margin=dict(l=60, r=20, t=100, b=90))
    fig.update_annotations(font=dict(size=12))
    return fig


def sweeps_section(batch: SavedBatch) -> Section | None:
    """One chart (cost, unmet demand, focus share vs swept value) and table per sweep."""
    c = batch.curves
    if c.empty or "sweep" not in c:
        return None
    els = _elements(c, batch.focus)
    blocks: list = []
    for name, g in c.groupby("sweep", sort=False):
        blocks.append(Chart(sweep_figure(g, batch.focus, els, _sweep_target(batch, g)),
                            f"sweep-{slug(name)}",
                            "No run of this sweep has a plan: nothing to draw."))
        bad = g[[not _ok(x) for x in g["status"]]]
        if len(bad):
            blocks.append(Note("No plan (left out of the chart) at " + ", ".join(
                f"{v} ({st})" for v, st in zip(bad["value_label"], bad["status"],
                                               strict=True)) + ".", "warn"))
        blocks.append(Table(g, [Column("value_label", "swept value"), Column("run", "run"),
                                Column("status", "status"),
                                Column("objective_usd", "expected discounted cost (USD)", "usd"),
                                Column("unmet_t", "unmet demand (t)", "t")] + [
            Column(f"{batch.focus}_share_{el}", f"{batch.focus} share of {el}", "pct")
            for el in els], max_rows=10_000, caption=f"Sweep {name}: the runs",
            highlight=[not _ok(x) for x in g["status"]]))
    return Section("sweeps", "Sweep curves", blocks,
                   intro="Each sweep runs the base instance with one value (or several together) "
                         "moved across a range. A % sweep scales the base value (0% = none, "
                         "100% = as in the base data); an absolute sweep sets it.")


def shadow_prices_section(batch: SavedBatch) -> Section:
    """The most valuable limits of each run (from shadow_prices.csv)."""
    p = batch.prices
    if "rank" in p:
        p = p[pd.to_numeric(p["rank"], errors="coerce") <= TOP_PRICES_SHOWN]
    return Section("prices", "Most valuable limits per run", [
        Table(p, [Column("run", "run"), Column("rank", "rank", "int"),
                  Column("row", "constraint row (index, period, scenarios)"),
                  Column("shadow_price", "shadow price (USD per unit, expected, discounted)",
                         "usd")], max_rows=10_000,
              empty_text="No run has a binding limit with a non-zero shadow price.")],
        intro="For each run, the constraint rows with the largest |shadow price|: the change of "
              "expected discounted cost per unit increase of the limit (negative: one more "
              "unit would save money). For a mixed-integer run they are conditional on its "
              f"builds. The top {TOP_PRICES_SHOWN} per run are shown (five in "
              "shadow_prices.csv); each run's report explains every price.")


def batch_appendix_section(batch: SavedBatch) -> Section:
    """Batch file, base instance, execution, solver, versions, times."""
    m = batch.manifest
    b, base, ex, counts = (m.get(k) or {} for k in ("batch", "base_instance", "execution",
                                                      "counts"))
    rows = [("batch file", b.get("source")), ("batch file SHA-256", b.get("sha256")),
            ("base instance", base.get("path")), ("base instance name", base.get("name")),
            ("base instance SHA-256", base.get("sha256")),
            ("focus country", b.get("focus_country")),
            ("batch defaults", "; ".join(f"{k}={v}" for k, v in (b.get("defaults") or {}).items())
             or "none"),
            ("execution", ex.get("mode")), ("jobs", ex.get("jobs")), ("cluster", ex.get("cluster")),
            ("threads per solve", ex.get("threads_per_solve")),
            ("solver", f"{m.get('solver')} {m.get('solver_version')}"),
            ("started (UTC)", m.get("started_utc")), ("finished (UTC)", m.get("finished_utc")),
            ("wall time (s)", m.get("wall_s")), ("host", m.get("host")),
            ("Python", m.get("python")), ("supplyopt", m.get("supplyopt_version"))]
    rows += [(f"runs {k.replace('_', ' ')}", v) for k, v in counts.items()]
    df = pd.DataFrame([(k, "" if v is None else str(v)) for k, v in rows],
                      columns=["item", "value"])
    return Section("appendix", "Appendix: batch details", [
        Table(df, [Column("item", "item"), Column("value", "value")], max_rows=500),
        Paragraphs(["Tables behind this page: batch_summary.csv (also batch_summary.xlsx), "
                    "sweep_curves.csv, supply_shares.csv, shadow_prices.csv and "
                    "batch_manifest.json in this folder; each run's files under runs/."],
                   bullets=False)])


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
    lines = [f"RP, the expected discounted cost of the resilient plan (the model's optimum): "
             f"{usd(rp)}."]
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
        Column("planned_expected_cost_usd", "planned expected cost (USD)", "usd"),
        Column("expected_cost_in_model_usd", "expected cost in the full model (USD)", "usd"),
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


def cutoff_base(a: SavedAnalysis) -> tuple[float | None, float | None]:
    """(expected cost, expected unmet t) of the base plan: the resilient plan, no cut-off."""
    plans = a.table("resilience_plans")
    unmet = None
    if len(plans) and "expected_unmet_t" in plans:
        r = plans[plans["plan"].astype(str) == "resilient"]
        if len(r) and pd.notna(r["expected_unmet_t"].iloc[0]):
            unmet = float(r["expected_unmet_t"].iloc[0])
    return a.measure("RP"), unmet


def cutoff_figure(cut: pd.DataFrame, base_cost: float | None = None,
                  base_unmet: float | None = None) -> go.Figure | None:
    """Cost increase beside unmet-demand increase per cut-off country, both over the base plan.

    The base plan is the resilient plan with no cut-off (cost RP, unmet ``base_unmet``), for
    both bars of a country: with the chosen builds, increase = expected cost − RP and expected
    unmet − base unmet; with no new builds, the same differences, so the gap between the two
    bars is what the builds are worth in that cut-off. Without the base figures (an older
    folder), the saved ``cost_increase_usd`` and the unmet tonnes themselves are shown.
    """
    d = cut[[_ok(x) for x in cut["status"]]]
    if d.empty:
        return None
    like = base_cost is not None and base_unmet is not None and "expected_cost_usd" in d
    if like:
        d = d.assign(_cost=pd.to_numeric(d["expected_cost_usd"], errors="coerce") - base_cost,
                     _unmet=pd.to_numeric(d["expected_unmet_t"], errors="coerce") - base_unmet)
    else:
        d = d.assign(_cost=pd.to_numeric(d["cost_increase_usd"], errors="coerce"),
                     _unmet=pd.to_numeric(d["expected_unmet_t"], errors="coerce"))
    chosen = d[d["builds"] == "chosen"].set_index("country")["_cost"]
    order = list(dict.fromkeys(list(chosen.sort_values(ascending=False).index)
                               + list(d["country"])))
    div, unit = _scale(d["_cost"])
    titles = ((f"cost increase over the base plan ({unit}, expected)",
               "unmet-demand increase over the base plan (t, expected)") if like else
              (f"cost increase ({unit}, expected)", "unmet demand (t, expected)"))
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
    blocks: list = [Chart(cutoff_figure(cut, base_cost, base_unmet), "cutoff",
                          "No cut-off solve succeeded.")]
    bad = cut[[not _ok(x) for x in cut["status"]]]
    if len(bad):
        blocks.append(Note("No plan (left out of the chart): " + "; ".join(
            f"{r['country']} with {r['builds']} builds: {r.get('reason') or r['status']}"
            for _, r in bad.iterrows()), "warn"))
    blocks.append(Table(cut, [
        Column("country", "country cut off"), Column("builds", "builds"),
        Column("status", "status"), Column("expected_cost_usd", "expected cost (USD)", "usd"),
        Column("cost_increase_usd", "cost increase (USD)", "usd"),
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
                         f"{usd(base_cost)} and {tonnes(base_unmet)} unmet): cost increase beside "
                         "unmet-demand increase. The table's 'cost increase' column is the "
                         "saved one (over RP with the chosen builds, over the status quo with "
                         "none). Countries are sorted by the increase with the chosen builds.")


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
                       f"{usd(r['capex_usd'].iloc[0])}, discounted); its expected discounted "
                       f"cost is {usd(rp)}.")
    cor, vor = a.measure("cost_of_resilience"), a.measure("value_of_resilience")
    if cor is not None and vor is not None:
        out.append(f"Resilience costs {usd(cor)} over the naive plan's planned cost and is "
                   f"worth {usd(vor)}: what the naive plan's builds would cost more once the "
                   "disruption scenarios and rules are taken into account.")
    cut = a.table("cutoff_screen")
    base_cost, base_unmet = cutoff_base(a)
    if len(cut) and base_cost is not None and "expected_cost_usd" in cut:
        ok = cut[cut["status"].map(_ok).astype(bool) & (cut["builds"].astype(str) == "chosen")]
        if len(ok):
            inc = pd.to_numeric(ok["expected_cost_usd"], errors="coerce") - base_cost
            w = ok.loc[inc.idxmax()]
            more = "" if base_unmet is None else \
                f" and {tonnes(float(w['expected_unmet_t']) - base_unmet)} more unmet demand"
            out.append(f"The most damaging single cut-off is {w['country']}: "
                       f"{usd(float(inc.max()))} more expected cost{more} with the chosen "
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


# --- pages ----------------------------------------------------------------------------------


def batch_sections(batch: SavedBatch) -> list[Section]:
    """Every section of the batch page, in reading order."""
    out = [batch_overview_section(batch), runs_section(batch), sweeps_section(batch),
           shadow_prices_section(batch)]
    if batch.analysis is not None:
        out += analysis_sections(batch.analysis, appendix=False)
    out.append(batch_appendix_section(batch))
    return [s for s in out if s is not None]


def render_batch_report(batch: SavedBatch, plotly_src: str | None = None) -> str:
    """The batch page as one HTML string (self-contained unless ``plotly_src`` is given)."""
    m = batch.manifest
    base = (m.get("base_instance") or {}).get("name") or batch.folder.name
    s = batch.summary
    n_ok = int(s["status"].astype(str).isin(OK_STATUSES).sum()) if len(s) else 0
    sub = f"{len(s)} runs · {n_ok} with a plan · {len(s) - n_ok} without"
    if batch.analysis is not None:
        sub += f" · resilient plan {usd(batch.analysis.measure('RP'))}"
    footer = (f"Generated by supplyopt from the saved tables of batch folder "
              f"'{batch.folder.name}'. Re-render with 'supplyopt report BATCH_DIR'.")
    return render_page(f"Batch comparison: {base}", sub, batch_sections(batch), footer,
                       plotly_src=plotly_src)


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


def _write_atomic(text: str, path: Path) -> Path:
    """Write ``text`` to a temporary file next to ``path``, then rename it into place."""
    from optimizer.atomic import atomic_file

    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_batch_report(folder: str | Path) -> Path:
    """Render ``folder/report.html`` of a batch folder (and its analysis/ page, if any)."""
    from optimizer.report.shared_js import PLOTLY_FILE, share_plotly_in_batch

    folder = Path(folder)
    batch = load_batch(folder)
    # One plotly.js for the whole folder (optimizer.report.shared_js): runs, analysis, page.
    runs = [str(f) for f in batch.summary.get("folder", pd.Series(dtype=str)).dropna()]
    share_plotly_in_batch(folder, runs)
    if batch.analysis is not None:
        write_analysis_report(batch.analysis.folder, plotly_src=f"../{PLOTLY_FILE}")
    return _write_atomic(render_batch_report(batch, plotly_src=PLOTLY_FILE),
                         folder / "report.html")


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
    return _write_atomic(render_analysis_report(a), folder / "report.html")


def write_folder_report(folder: str | Path) -> Path | None:
    """Render the report of a batch or analytics folder; None for any other folder."""
    if is_batch_folder(folder):
        return write_batch_report(folder)
    if is_analysis_folder(folder):
        return write_analysis_report(folder)
    return None


__all__ = ["SavedAnalysis", "SavedBatch", "is_analysis_folder", "is_batch_folder",
           "load_analysis", "load_batch", "render_analysis_report", "render_batch_report",
           "write_analysis_report", "write_batch_report", "write_folder_report"]
