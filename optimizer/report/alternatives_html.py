"""alternatives.html: the near-optimal plans as a decision aid (rendering only).

The page leads with the answer (which builds every plan within the slack makes, which can be
swapped, which none makes), then a range chart per decision — a bar from the lowest to the
highest expected count across the plans, the least-cost plan's value marked — must-haves
first, then the plans themselves and the capacity each gives every country. It computes
nothing: every figure comes from :class:`optimizer.alternatives.Alternatives`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from optimizer.report.components import Chart, Column, Note, Paragraphs, Section, Table, render_page
from optimizer.report.figures import FONT
from optimizer.report.fmt import join, pct, usd
from optimizer.report.palette import NEUTRAL, country_colours, series_colour

CLASS_COLOUR = {"must-have": series_colour(0), "interchangeable": series_colour(1),
                "never": "#bbbbbb"}
"""Range bars by class: blue must-haves, orange swappable, grey never built."""


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", font=dict(size=14)),
                      font=FONT, height=height, margin=dict(l=60, r=20, t=70, b=50),
                      paper_bgcolor="white", plot_bgcolor="white",
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.0,
                                  yanchor="bottom"))
    fig.update_xaxes(gridcolor="#e5e5e5", zerolinecolor="#888", automargin=True)
    fig.update_yaxes(showgrid=False, automargin=True)
    return fig


def range_chart(ranges: pd.DataFrame, label: pd.Series, title: str) -> go.Figure | None:
    """One row per decision: a bar from min to max expected count, the optimum an open diamond.

    Rows keep the order of ``ranges`` (must-haves first) from the top. A range of zero width
    shows as a tick, so a decision fixed in every plan is still visible.
    """
    if ranges.empty:
        return None
    fig = go.Figure()
    order = label.tolist()
    for cls, colour in CLASS_COLOUR.items():
        part = ranges[ranges["class"] == cls]
        if part.empty:
            continue
        names = label[part.index]
        xs, ys = [], []
        for lo, hi, y in zip(part["min_expected_count"], part["max_expected_count"], names):
            xs += [lo, hi, None]
            ys += [y, y, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers", name=cls,
            line=dict(color=colour, width=12), marker=dict(symbol="line-ns", size=20,
                                                            line=dict(width=4, color=colour)),
            hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=part["min_expected_count"].tolist() + part["max_expected_count"].tolist(),
            y=list(names) * 2, mode="markers", showlegend=False, marker=dict(opacity=0),
            customdata=list(zip(part["min_expected_count"], part["max_expected_count"])) * 2,
            hovertemplate="%{y}<br>expected count %{customdata[0]:.3g} to "
                          "%{customdata[1]:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=ranges["optimum_expected_count"], y=label, mode="markers", name="least-cost plan",
        # open: a range of zero width (a tick) under it stays visible
        marker=dict(symbol="diamond-open", size=13, color=NEUTRAL, line=dict(width=2)),
        hovertemplate="%{y}<br>least-cost plan: %{x:.3g}<extra></extra>"))
    top = float(max(ranges["max_count"].max(), ranges["max_expected_count"].max(), 1.0))
    fig.update_xaxes(title_text="expected number of modules built (Σ probability × count)",
                     range=[-0.05 * top, 1.05 * top])
    fig.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    return _layout(fig, title, height=max(240, 90 + 34 * len(ranges)))


def capacity_chart(plans: pd.DataFrame, countries: list[str]) -> go.Figure | None:
    """Expected capacity built per country in each plan (grouped bars, t/base period)."""
    ok = plans[plans["cost_usd"].notna()]
    if ok.empty or not countries:
        return None
    colours = country_colours(countries)
    fig = go.Figure()
    for c in countries:
        fig.add_trace(go.Bar(x=ok["plan"], y=ok[f"capacity_{c}_t"], name=c,
                             marker_color=colours.get(c, NEUTRAL),
                             hovertemplate=f"{c}: " + "%{y:,.0f} t per base period<br>%{x}"
                                           "<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="expected capacity built (t REO per base period)",
                     gridcolor="#e5e5e5")
    return _layout(fig, "Capacity each plan builds, by country", height=380)


def _names(df: pd.DataFrame, cls: str) -> list[str]:
    return df.loc[df["class"] == cls, "module"].tolist()


def answer_sentences(a) -> list[str]:
    """The page's paragraph: what every plan builds, what can be swapped, what none builds."""
    from optimizer.alternatives import EXACT_NOTE, NOT_EXACT_NOTE

    mods = a.module_ranges
    ok = [p for p in a.plans if p.has_plan]
    where = (f"Within {a.slack * 100:g} % of the least {a.objective_kind} "
             f"({usd(a.optimum_usd)}, so up to {usd(a.bound_usd)})")
    must, swap, never = (_names(mods, c) for c in ("must-have", "interchangeable", "never"))
    out = [f"{where}, {len(ok)} plans were found"
           + (f"; these builds are in every plan: {join(must)}." if must else
              "; no build is in every plan.")]
    if swap:
        out.append(f"These can be swapped (built in some plans, not in others): {join(swap)}.")
    if never:
        out.append(f"These are in no plan found: {join(never)}.")
    out.append(EXACT_NOTE if a.exact else NOT_EXACT_NOTE)
    return out


PLAN_COLUMNS = [Column("plan", "plan"), Column("status", "status"),
                Column("cost_usd", "cost (USD)", "usd"),
                Column("cost_over_optimum", "above least cost", "pct"),
                Column("expected_cost_usd", "E[cost] (USD)", "usd"),
                Column("verified", "verified", "bool"), Column("builds", "builds")]

RANGE_COLUMNS = [Column("module", "module"), Column("country", "country"),
                 Column("class", "class"),
                 Column("min_expected_count", "min expected count", "num"),
                 Column("max_expected_count", "max expected count", "num"),
                 Column("optimum_expected_count", "least-cost plan", "num"),
                 Column("plans_built_in", "plans built in", "int"),
                 Column("capacity_t", "capacity per module (t/base period)", "t")]


def render_alternatives(a) -> str:
    """The page for :class:`optimizer.alternatives.Alternatives` ``a``, as one HTML string."""
    from optimizer.alternatives import plans_table

    plans = plans_table(a)
    mods = a.module_ranges
    decs = a.decision_ranges
    decs_built = decs[decs["class"] != "never"].reset_index(drop=True)
    blocks = [Paragraphs(answer_sentences(a), bullets=False, box=True)]
    if a.failed:
        blocks.append(Note(f"{len(a.failed)} alternative(s) gave no verified plan: "
                           + join([p.goal.name for p in a.failed])
                           + ". Their goals are missing from the ranges.", "warn"))
    if a.unproven:
        blocks.append(Note(f"{len(a.unproven)} goal solve(s) stopped at the time limit before "
                           "proving their goal's extreme: " + join([p.goal.name for p in
                                                                    a.unproven])
                           + ". Their plans are valid and within the slack, but the ranges may "
                           "be narrower than the near-optimal plans allow (raise --time-limit).",
                           "warn"))
    if "mean-CVaR" in a.objective_kind:
        blocks.append(Note("The slack is on the mean-CVaR objective the instance minimises "
                           "(settings.risk_weight > 0), not on the expected cost; both are "
                           "listed for every plan."))
    sections = [Section("answer", "Which builds are robust", blocks)]
    sections.append(Section("ranges", "Range of each decision", [
        Chart(range_chart(mods, mods["module"], "Each module: expected count across the plans"),
              "module-ranges"),
        Chart(range_chart(decs_built, decs_built["module"] + " @ "
                          + decs_built["decision_period"].astype(str),
                          "Each build decision (module @ decision period) made in some plan"),
              "decision-ranges", missing="No build is made in any plan."),
        Table(mods, RANGE_COLUMNS + ([Column("exact_solves", "exact solves", "int")]
                                     if a.exact else []),
              caption="Modules, must-haves first." + (
                  " Ranges exact within the slack: each module's expected count was also "
                  "minimised and maximised (a bound the plans already reached is not solved "
                  "again)." if a.exact else "")),
    ], intro="A bar runs from the lowest to the highest expected count (Σ over the tree nodes "
             "of probability × modules built) across the plans; the diamond is the least-cost "
             "plan. A contingent build decided in a branch of probability 0.5 counts 0.5."))
    extra = [Column(f"capacity_{c}_t", f"{c} capacity (t/base period)", "t")
             for c in a.countries]
    if "contracts" in plans:  # an instance with contracts: what each plan signs
        extra.append(Column("contracts", "contracts signed"))
    if a.share_country:
        extra.append(Column(f"share_{a.share_country}",
                            f"{a.share_country} share of demand ({a.share_basis})", "pct"))
    sections.append(Section("plans", "The plans", [
        Chart(capacity_chart(plans, a.countries), "capacity"),
        Table(plans, PLAN_COLUMNS + extra, caption="Each plan minimises or maximises one "
              "country's expected capacity (or share) with its cost within the slack; its "
              "flows are then re-optimised at least cost for its builds. Cost recomputed by "
              "the independent verifier."),
    ]))
    sections.append(Section("reading", "How to read this page", [Paragraphs([
        f"Every plan costs at most {usd(a.bound_usd)}: the least {a.objective_kind} plus "
        f"{a.slack * 100:g} %.",
        "Capacity is the expected capacity built: each module's capacity (t REO per base "
        "period) × the probability of the tree node it is decided in, summed.",
        "A must-have is built in every plan found; interchangeable in some; never in none.",
        "alternatives.csv lists the plans, decision_ranges.csv the ranges, plan_builds.csv "
        "every build of every plan.",
    ] + ([f"The share of {a.share_country} is its expected share of all demand tonnes "
          f"({a.share_basis} there), unmet demand counting as nobody's."]
         if a.share_country else []))]))
    subtitle = (f"{a.instance}: {len(plans)} plans within {a.slack * 100:g} % of the least "
                f"{a.objective_kind}")
    return render_page("Near-optimal alternatives", subtitle, sections,
                       footer=f"supplyopt alternatives; share of supply: "
                              f"{a.share_country or 'not asked'}; "
                              f"{pct(a.slack, 1)} slack")
