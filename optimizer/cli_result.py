r"""The result table ``supplyopt solve`` prints: status, cost, decisions, unmet demand, checks.

Rows are built as plain (label, text, tone) triples by :func:`result_rows`, then drawn either
as a rich table with colour (a terminal that accepts it) or as aligned plain text (a pipe, a
file, ``NO_COLOR`` set, ``TERM=dumb``): :func:`use_colour` decides. rich is already installed
as typer's dependency and is imported only when colour is used.

Unmet demand is shown for the *worst scenario*: the one with the most unmet tonnes summed
over periods, elements and demand nodes (ties: the first in the instance's scenario order).
For each end use of that scenario,

.. math:: \text{share}_u = \frac{\sum_{p,d \in u, e} \text{unmet}_{p,d,e}}
                               {\sum_{p,d \in u, e} \text{demand}_{p,d,e}}
"""

from __future__ import annotations

import os
from typing import NamedTuple

TONE_STYLE = {"good": "green", "warn": "yellow", "bad": "bold red", "": ""}
"""rich style of each tone (colour only; the plain text carries the same words)."""


class Row(NamedTuple):
    """One line of the result table."""

    label: str
    text: str
    tone: str = ""  # "good", "warn", "bad" or "" (see TONE_STYLE)


def use_colour(stream) -> bool:
    """Whether to colour ``stream``: only a terminal, never with ``NO_COLOR`` or ``TERM=dumb``.

    A pipe or a log file gets plain text (https://no-color.org: any non-empty ``NO_COLOR``).
    """
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def worst_unmet(unmet) -> tuple[str | None, list[tuple[str, float, float]]]:
    """(worst scenario, [(end use, unmet t, demand t), ...]) from the ``unmet_demand`` table.

    The worst scenario has the largest total ``unmet_t`` (module docstring); end uses are
    listed by unmet tonnes, largest first, then by name. ``(None, [])`` when the table is
    empty or absent.
    """
    if unmet is None or len(unmet) == 0:
        return None, []
    totals = unmet.groupby("scenario", sort=False, observed=True)["unmet_t"].sum()
    worst = str(totals.idxmax())  # idxmax keeps the first of equal maxima (scenario order)
    rows = unmet[unmet["scenario"].astype(str) == worst]
    by_use = rows.groupby("end_use", observed=True)[["unmet_t", "demand_t"]].sum()
    out = [(str(use), float(r.unmet_t), float(r.demand_t)) for use, r in by_use.iterrows()]
    out.sort(key=lambda t: (-t[1], t[0]))
    return worst, out


def _tonnes(value: float) -> str:
    """Tonnes with thousands separators, one decimal below 100 t; never ``-0``."""
    value = 0.0 if abs(value) < 5e-7 else value
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def unmet_rows(unmet, n_scenarios: int) -> list[Row]:
    """The unmet-demand rows: none anywhere, or each end use of the worst scenario."""
    worst, uses = worst_unmet(unmet)
    if worst is None:
        return [Row("unmet demand", "no demand in the plan", "")]
    if not any(u > 5e-7 for _, u, _ in uses):
        where = "in any scenario" if n_scenarios > 1 else ""
        return [Row("unmet demand", f"none {where}".strip(), "good")]
    head = f"worst scenario: {worst}" if n_scenarios > 1 else "over the horizon"
    rows = [Row("unmet demand", head, "warn")]
    for use, lost, wanted in uses:
        share = lost / wanted * 100 if wanted > 0 else 0.0
        rows.append(Row(f"  {use}", f"{_tonnes(lost)} t of {_tonnes(wanted)} t ({share:.3g} %)",
                        "bad" if lost > 5e-7 else "good"))
    return rows


LAMBDA_ONE_NOTE = ("λ = 1 weighs the CVaR alone: among plans of equal CVaR this one need not "
                   "be the cheapest on average; a λ just below 1 (e.g. 0.99) weighs the "
                   "expected cost too")
"""Said with a plan solved at λ = 1 whose expected cost was not weighed: the second,
lexicographic solve (optimizer/cvar_tie_break.py) did not finish, or the run predates it."""

LAMBDA_ONE_TIE_BREAK = ("λ = 1: the least CVaR, and among plans of that CVaR the least expected "
                        "cost (a second solve)")
"""Said with a plan solved at λ = 1 by the lexicographic second solve."""


def result_rows(summary: dict, unmet) -> list[Row]:
    """Every row of the table from ``summary.json``'s content and the ``unmet_demand`` table."""
    status = summary["status"]
    gap = summary.get("gap")
    status_text = status + (f" (gap {gap * 100:.3g} %)" if summary.get("is_mip") and gap else "")
    rows = [Row("status", status_text, "good" if status == "optimal" else "warn")]
    risk = summary.get("risk") or {}
    if risk.get("risk_weight"):
        rows.append(Row("objective", f"USD {summary['objective_usd']:,.0f} (mean-CVaR)"))
        rows.append(Row("expected cost", f"USD {risk['expected_cost_usd']:,.0f}"))
        rows.append(Row(f"CVaR at {risk['cvar_alpha']:g}", f"USD {risk['cvar_usd']:,.0f}"))
        if float(risk["risk_weight"]) >= 1.0:
            rows.append(Row("note", LAMBDA_ONE_TIE_BREAK)
                        if risk.get("least_expected_cost_among_least_cvar")
                        else Row("note", LAMBDA_ONE_NOTE, "warn"))
    else:
        rows.append(Row("expected cost", f"USD {summary['objective_usd']:,.0f}"))
    decisions = summary.get("decisions") or {}
    any_build = False
    for head, key in (("decide now", "now"), ("scheduled", "scheduled"),
                      ("contingent", "contingent")):
        for line in decisions.get(key, []):
            rows.append(Row(head, line))
            any_build = True
    if not any_build:
        rows.append(Row("builds", "no new builds"))
    rows.extend(unmet_rows(unmet, len(summary.get("scenarios") or ()) or 1))
    ver = summary.get("verification") or {}
    if ver.get("checked"):
        ok = ver.get("ok", True)
        rows.append(Row("verification", f"{'ok' if ok else 'FAILED'}: max violation "
                        f"{ver.get('max_violation', 0):.2e}, objective mismatch "
                        f"{ver.get('objective_mismatch', 0):.2e}", "good" if ok else "bad"))
    return rows


def plain_lines(rows: list[Row]) -> list[str]:
    """The rows as aligned plain text, two spaces in: ``label  text``."""
    width = max((len(r.label) for r in rows), default=0)
    return [f"  {r.label:<{width}}  {r.text}" for r in rows]


def print_rows(rows: list[Row], stream, colour: bool) -> None:
    """Draw the rows on ``stream``: a rich table in colour, else :func:`plain_lines`."""
    if colour:
        try:  # rich comes with typer; without it (a slimmed install) the text is plain
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text
        except ImportError:
            colour = False
    if not colour:
        stream.write("\n".join(plain_lines(rows)) + "\n")
        stream.flush()
        return

    table = Table(show_header=False, box=None, padding=(0, 2, 0, 2))
    table.add_column(style="bold")
    table.add_column()
    for row in rows:
        table.add_row(row.label, Text(row.text, style=TONE_STYLE[row.tone]))
    # colour was decided by use_colour (the stream is a terminal): rich need not guess again
    Console(file=stream, highlight=False, force_terminal=True).print(table)
