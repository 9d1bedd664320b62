"""What the batch page and the analytics page share: chart layout, labels, column helpers.

Every name from a workbook (run, sweep, rule, country) is escaped by the page template, and in
chart labels by :func:`_label`, which plotly shows literally.
"""

from __future__ import annotations

import html as _html
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from optimizer.report.figures import FONT
from optimizer.report.palette import HHI_HIGHLY_CONCENTRATED
from optimizer.report.saved_folders import (
    SavedBatch,
)

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


def _write_atomic(text: str, path: Path) -> Path:
    """Write ``text`` to a temporary file next to ``path``, then rename it into place."""
    from optimizer.atomic import atomic_file

    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
