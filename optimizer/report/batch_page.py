"""report.html of a batch folder, rendered from its saved tables (and its analysis/ page).

Nothing here solves or recomputes a model result: every number shown is a cell of those tables
(or their sum over cost components for a stacked bar, a sort, a count of failed runs). The page
is built with the single-run report's components (:mod:`optimizer.report.components`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from optimizer.report.analysis_page import (
    analysis_sections,
    write_analysis_report,
)
from optimizer.report.batch_common import (
    HHI_CONCERN,
    OK_STATUSES,
    TOP_PRICES_SHOWN,
    _component,
    _cost_columns,
    _elements,
    _end_use,
    _label,
    _layout,
    _links,
    _merged,
    _num,
    _ok,
    _scale,
    _unmet_columns,
    _write_atomic,
)
from optimizer.report.components import (
    Chart,
    Column,
    Note,
    Paragraphs,
    Section,
    Table,
    render_page,
)
from optimizer.report.fmt import join, usd
from optimizer.report.html import slug
from optimizer.report.palette import series_colour
from optimizer.report.saved_folders import (
    SavedBatch,
    load_batch,
)

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
        lines.append(f"Lowest {objective_label(s)}: {lo['run']} at {usd(lo['objective_usd'])};"
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
            Column("objective_usd", f"{objective_label(s)} (USD)", "usd")]
    if "expected_cost_usd" in s:  # risk-averse runs: what their mean-CVaR objective mixes
        cols += [Column("expected_cost_usd", "expected discounted cost (USD)", "usd"),
                 Column("cvar_usd", "CVaR (USD)", "usd")]
    cols += [Column("builds", "builds (count×module@online period (country))"),
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


def objective_label(s: pd.DataFrame) -> str:
    """What ``objective_usd`` holds in the summary ``s``: the expected discounted cost, or, when
    a run is risk-averse (``risk_weight`` > 0), the mean-CVaR objective for those runs."""
    lam = pd.to_numeric(s.get("risk_weight"), errors="coerce") if "risk_weight" in s else None
    if lam is not None and (lam > 0).any():
        return "objective (expected discounted cost; mean-CVaR where risk_weight > 0)"
    return "expected discounted cost"


def cost_by_run(s: pd.DataFrame, cost_cols: list[str]) -> go.Figure | None:
    """Stacked bars of the cost components of each solved run (failed runs have no bar)."""
    d = s[[_ok(x) for x in s["status"]]]
    if d.empty:
        return None
    div, unit = _scale(d["objective_usd"])
    labels = [_label(r) for r in d["run"]]
    fig = go.Figure()
    for i, c in enumerate(cost_cols):
        fig.add_trace(go.Bar(name=_component(c), x=labels,
                             y=[v / div for v in _num(d[c].fillna(0))],
                             marker_color=series_colour(i),
                             hovertemplate="%{x}<br>" + _component(c) + ": %{y:,.3f} " + unit
                                           + "<extra></extra>"))
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text=f"expected discounted cost ({unit})", tickformat=",")
    fig.update_xaxes(tickangle=-30 if _crowded(labels) else 0, automargin=True)
    return _layout(fig, "Cost of each run by component", 440)


def _crowded(labels: list[str], plot_px: float = 1000.0, char_px: float = 7.0) -> bool:
    """Whether a bar chart's category labels would overlap written level: more than six of
    them, or the longest wider (about ``char_px`` a character at the page's 12 px font) than
    its bar's share of the ``plot_px`` plot width. A sweep's run names
    (``export_quotas[CHN,Dy].cap_t=20%``, 31 characters) overlap from five runs on."""
    return len(labels) > 6 or max(map(len, labels), default=0) * char_px > plot_px / len(labels)


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
        f"{objective_label(curve)} ({unit})", "unmet demand (t, expected)",
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
