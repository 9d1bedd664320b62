"""frontier.html: the risk–cost frontier as a decision aid for an investment committee.

Built only from the frontier's tables (optimizer/frontier.py): a short reading of what
expected cost buys in tail protection, the chart of E[cost] against CVaR_α with each point
labelled by its risk weight λ, what changes in the plan along the curve, and every point.
No computation beyond differences and ratios of the tables' figures.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer.report.components import (
    Chart,
    Column,
    Note,
    Paragraphs,
    Section,
    Table,
    render_page,
)
from optimizer.report.fmt import usd
from optimizer.report.palette import NEUTRAL, series_colour

STEP_COLUMNS = ["cvar_alpha", "from_risk_weight", "to_risk_weight", "expected_cost_change_usd",
                "cvar_change_usd", "protection_per_usd", "decisions"]


def _plans(df: pd.DataFrame) -> pd.DataFrame:
    """The points with a plan that are neither dominated nor a repeat of an earlier point."""
    ok = df[df["status"].isin(["solved", "inferred"])]
    return ok[~ok["dominated"].astype(bool) & ok["duplicate_of_risk_weight"].isna()]


VERBS = {("build", "started"): "builds", ("build", "dropped"): "no longer builds",
         ("build", "more"): "builds more of", ("build", "fewer"): "builds fewer of",
         ("contract", "started"): "signs", ("contract", "dropped"): "no longer signs",
         ("contract", "more"): "signs more of", ("contract", "fewer"): "signs fewer of"}


def _verb(r) -> str:
    """``builds USA_mod (USA), online 2026Q3`` for one row of the changes table."""
    when = "online" if r.kind == "build" else "signed"
    cond = "" if str(r.decided_in) in ("all", "nan", "") else f" if {r.decided_in}"
    return f"{VERBS.get((r.kind, r.change), r.change)} {r.item} ({r.country}), {when} {r.period}" \
        f"{cond}"


def frontier_steps(frontier: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Each step between consecutive distinct plans (one α): ΔE, ΔCVaR, the CVaR removed per
    USD of expected cost added (−ΔCVaR / ΔE), and the decisions that change."""
    rows = []
    for a, df in frontier.groupby("cvar_alpha", sort=True):
        plans = _plans(df).sort_values("risk_weight")
        for (_, p), (_, q) in zip(plans.iterrows(), plans.iloc[1:].iterrows(), strict=False):
            d_e = q["expected_cost_usd"] - p["expected_cost_usd"]
            d_c = q["cvar_usd"] - p["cvar_usd"]
            ch = changes[(changes["cvar_alpha"] == a)
                         & (changes["to_risk_weight"] > p["risk_weight"])
                         & (changes["to_risk_weight"] <= q["risk_weight"])]
            text = "; ".join(_verb(r) for r in ch.itertuples())
            rows.append({"cvar_alpha": a, "from_risk_weight": p["risk_weight"],
                         "to_risk_weight": q["risk_weight"], "expected_cost_change_usd": d_e,
                         "cvar_change_usd": d_c,
                         "protection_per_usd": (-d_c / d_e) if d_e > 0 else math.nan,
                         "decisions": text or "operations only (same builds and contracts)"})
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def decision_aid(frontier: pd.DataFrame, steps: pd.DataFrame) -> list[str]:
    """Sentences: the two ends of each α's curve, what the move between them costs and buys,
    the cheapest protection, and how many distinct plans the sweep found."""
    out = []
    for a, df in frontier.groupby("cvar_alpha", sort=True):
        plans = _plans(df).sort_values("risk_weight")
        if plans.empty:
            continue
        lo, hi = plans.iloc[0], plans.iloc[-1]
        tail = f"the worst {(1 - a) * 100:.3g} % of probability"
        out.append(f"α = {a:g}: the plan at λ = {lo['risk_weight']:g} expects "
                   f"{usd(lo['expected_cost_usd'])} and costs {usd(lo['cvar_usd'])} on average "
                   f"in {tail} (CVaR).")
        d_e, d_c = hi["expected_cost_usd"] - lo["expected_cost_usd"], \
            lo["cvar_usd"] - hi["cvar_usd"]
        if len(plans) == 1 or (abs(d_e) < 0.5 and abs(d_c) < 0.5):
            out.append("Every risk weight gives the same costs: protection against the bad "
                       "scenarios costs nothing here, and there is no choice to make.")
            continue
        out.append(f"Moving to the most protective plan (λ = {hi['risk_weight']:g}) raises the "
                   f"expected cost by {usd(d_e)} ({d_e / lo['expected_cost_usd'] * 100:.2g} %) "
                   f"and lowers the CVaR by {usd(d_c)} ({d_c / lo['cvar_usd'] * 100:.2g} %): "
                   f"USD {d_c / d_e:,.2f} of tail cost removed per USD of expected cost."
                   if d_e > 0 else
                   f"The most protective plan (λ = {hi['risk_weight']:g}) lowers the CVaR by "
                   f"{usd(d_c)} at no expected cost.")
        mine = steps[steps["cvar_alpha"] == a].dropna(subset=["protection_per_usd"])
        shown = mine if len(mine) <= MAX_STEPS else pd.concat(
            [mine.nlargest(MAX_STEPS - 1, "protection_per_usd"), mine.iloc[[-1]]]
        ).drop_duplicates().sort_values("from_risk_weight")
        if len(mine) > 1:
            for r in shown.itertuples():
                out.append(f"λ {r.from_risk_weight:g} → {r.to_risk_weight:g}: "
                           f"{usd(r.expected_cost_change_usd)} more expected cost removes "
                           f"{usd(-r.cvar_change_usd)} of CVaR (USD "
                           f"{r.protection_per_usd:,.2f} per USD); {_what(r.decisions)}.")
        n_dom = int(df["dominated"].astype(bool).sum())
        out.append(f"The sweep found {len(plans)} distinct plan(s) on the frontier"
                   + (f"; {n_dom} point(s) are dominated (another point is no worse on both "
                      "counts and better on one): not worth choosing." if n_dom else "."))
    return out


MAX_STEPS = 4
"""Steps the decision aid spells out (the cheapest ones and the last)."""


def _what(decisions: str) -> str:
    return "the plan changes its operations only" if decisions.startswith("operations only") \
        else f"it {decisions}"


def off_chart(frontier: pd.DataFrame) -> pd.DataFrame:
    """Dominated points far from the frontier (more than its own spread away in expected
    cost or CVaR): drawn, they would squash the curve into a corner, so the page names them."""
    ok = frontier[frontier["status"].isin(["solved", "inferred"])]
    dom = ok["dominated"].astype(bool)
    keep = ok[~dom]
    if keep.empty:
        return ok.iloc[0:0]
    far = pd.Series(False, index=ok.index)
    for col in ("expected_cost_usd", "cvar_usd"):
        lo, hi = keep[col].min(), keep[col].max()
        room = max(hi - lo, 0.01 * abs(hi))
        far |= (ok[col] > hi + room) | (ok[col] < lo - room)
    return ok[dom & far]


def frontier_chart(frontier: pd.DataFrame):
    """E[cost] (x) against CVaR (y), USD million, one line per α through its non-dominated
    points, each point labelled λ; dominated points as open markers (:func:`off_chart` ones
    left out)."""
    import plotly.graph_objects as go

    ok = frontier[frontier["status"].isin(["solved", "inferred"])]
    ok = ok.drop(index=off_chart(frontier).index)
    if ok.empty:
        return None
    fig = go.Figure()
    for k, (a, df) in enumerate(ok.groupby("cvar_alpha", sort=True)):
        df = df.sort_values("risk_weight")
        colour = series_colour(k)
        # A repeated plan sits on its twin: label the first λ of each (E, CVaR) with all of
        # them; labels alternate above and below so that neighbours do not overlap.
        labels, where = [], []
        for _, r in df.iterrows():
            same = df[(df["expected_cost_usd"] == r["expected_cost_usd"])
                      & (df["cvar_usd"] == r["cvar_usd"])]
            first = same["risk_weight"].iloc[0] == r["risk_weight"]
            labels.append("λ " + ", ".join(f"{v:g}" for v in same["risk_weight"])
                          if first else "")
            where.append("top right" if sum(bool(t) for t in labels) % 2 else "bottom left")
        for dominated, part in ((False, df[~df["dominated"].astype(bool)]),
                                (True, df[df["dominated"].astype(bool)])):
            if part.empty:
                continue
            pos = [df.index.get_loc(i) for i in part.index]
            fig.add_trace(go.Scatter(
                x=part["expected_cost_usd"] / 1e6, y=part["cvar_usd"] / 1e6,
                mode="markers+text" if dominated else "lines+markers+text",
                text=[labels[i] for i in pos], textposition=[where[i] for i in pos],
                name=f"α = {a:g}" + (" (dominated)" if dominated else ""),
                line=dict(color=colour),
                marker=dict(size=9, color="white" if dominated else colour,
                            line=dict(color=colour, width=2)),
                customdata=list(zip(part["risk_weight"], part["status"], strict=True)),
                hovertemplate="λ %{customdata[0]}: E %{x:,.2f} M, CVaR %{y:,.2f} M "
                              "(%{customdata[1]})<extra></extra>"))
    fig.update_layout(title=dict(text="Each point: the least-cost plan for one risk weight λ",
                                 x=0, xanchor="left", font=dict(size=14)),
                      font=dict(family="Helvetica, Arial, sans-serif", size=12), height=460,
                      margin=dict(l=70, r=40, t=50, b=60), paper_bgcolor="white",
                      plot_bgcolor="white", legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title="expected discounted cost E[cost] (USD million)", showgrid=False,
                     linecolor="#888", tickformat=",.1f")
    fig.update_yaxes(title="CVaR: mean cost of the worst cases (USD million)",
                     gridcolor="#e5e5e5", linecolor=NEUTRAL, tickformat=",.1f")
    return fig


def frontier_page(tables: dict[str, pd.DataFrame], meta: dict) -> str:
    """The HTML page of a frontier's tables."""
    frontier, changes = tables["frontier"], tables["changes"]
    steps = frontier_steps(frontier, changes)
    n = len(frontier)
    solved = int((frontier["status"] == "solved").sum())
    inferred = int((frontier["status"] == "inferred").sum())
    failed = frontier[frontier["status"] == "failed"]
    sections = [Section("reading", "What the committee chooses", [
        Paragraphs(decision_aid(frontier, steps), box=True),
        Paragraphs([
            "Each point is the least-cost plan for one risk weight λ: it minimises "
            "(1 − λ) × expected cost + λ × CVaR, where CVaR is the mean cost over the worst "
            "(1 − α) of probability. λ = 0 is the cheapest plan on average; λ = 1 the plan "
            "that does best in the bad scenarios (and, of those, the cheapest on average).",
            "Choose a point, not a λ: read along the curve how much expected cost each step "
            "adds and how much worst-case cost it removes, and stop where the protection is no "
            "longer worth its price. The folder of each solved point holds its full plan "
            "(supplyopt report renders it).",
        ], heading="How to read it")])]
    if len(failed):
        sections[0].blocks.insert(0, Note(f"{len(failed)} point(s) have no plan (see the table "
                                          "of points): the curve is partial.", "warn"))
    sections.append(Section("curve", "Expected cost against tail cost", [
        Chart(frontier_chart(frontier), "frontier"),
        Note("Open markers are dominated points: another point has no higher expected cost "
             "and no higher CVaR, and is lower in one. Points with the same costs share a "
             "label." + "".join(
                 f" λ {r.risk_weight:g} (α {r.cvar_alpha:g}, dominated) lies off the chart: "
                 f"E {usd(r.expected_cost_usd)}, CVaR {usd(r.cvar_usd)}."
                 for r in off_chart(frontier).itertuples()))]))
    sections.append(Section("changes", "What changes along the curve", [
        Table(steps, [Column("cvar_alpha", "α", "num"),
                      Column("from_risk_weight", "from λ", "num"),
                      Column("to_risk_weight", "to λ", "num"),
                      Column("expected_cost_change_usd", "Δ expected cost (USD)", "usd"),
                      Column("cvar_change_usd", "Δ CVaR (USD)", "usd"),
                      Column("protection_per_usd", "CVaR removed per USD", "num"),
                      Column("decisions", "builds and contracts that change")],
              caption="Between consecutive distinct plans (dominated and repeated points left "
                      "out).", empty_text="One plan for every λ: nothing changes."),
        Table(changes, [Column("cvar_alpha", "α", "num"),
                        Column("from_risk_weight", "from λ", "num"),
                        Column("to_risk_weight", "to λ", "num"), Column("change", "change"),
                        Column("kind", "decision"), Column("item", "module / contract"),
                        Column("country", "country"), Column("period", "period"),
                        Column("decided_in", "decided in"),
                        Column("count_before", "before", "num"),
                        Column("count_after", "after", "num")],
              caption="Every build (online period) and contract (signing period) that starts, "
                      "stops or changes in number from one point to the next.",
              empty_text="No build or contract changes along the curve.")]))
    sections.append(Section("points", "Every point", [
        Table(frontier, [Column("cvar_alpha", "α", "num"), Column("risk_weight", "λ", "num"),
                         Column("status", "status"),
                         Column("plan_from_risk_weight", "plan solved at λ", "num"),
                         Column("expected_cost_usd", "E[cost] (USD)", "usd"),
                         Column("var_usd", "VaR (USD)", "usd"),
                         Column("cvar_usd", "CVaR (USD)", "usd"),
                         Column("worst_scenario_cost_usd", "worst scenario (USD)", "usd"),
                         Column("objective_usd", "objective (USD)", "usd"),
                         Column("builds", "builds"),
                         Column("contracts", "contracts"),
                         Column("dominated", "dominated", "bool"),
                         Column("reason", "reason")],
              highlight=frontier["dominated"].astype(bool).tolist()),
        Note(f"{solved} of {n} points were solved; {inferred} were settled without a solve: a "
             "neighbouring plan is, provably, within the MIP gap of the optimum there (the "
             "optimum is concave in λ; docs). Their figures are that plan's. "
             "Run with --every-point to solve each one. At λ = 1 the plan is the one of least "
             "expected cost among the plans of least CVaR (a second solve; docs/model.md). "
             "frontier.csv gives each point's MIP gap (or the proven one).")]))
    sub = (f"{meta.get('instance', '')} · {n} points, {solved} solved · MIP gap "
           f"{meta.get('mip_rel_gap', 0):g}")
    return render_page("Risk–cost frontier", sub, sections)


def write_frontier_report(folder: Path, tables: dict[str, pd.DataFrame], meta: dict) -> Path:
    """Write ``folder/frontier.html`` (the caller's folder is written atomically)."""
    path = Path(folder) / "frontier.html"
    path.write_text(frontier_page(tables, meta), encoding="utf-8")
    return path
