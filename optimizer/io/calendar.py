r"""The planning calendar: each period's length in base periods and its discount factors.

A *base period* is 1/periods_per_year of a year (a quarter by default). A period may span
several base periods (``periods.length_years``: quarters near term, then years); its
per-period data are rates per base period, scaled by its length in the model. Discounting is
per base period: base period *k* (counted from the start of the horizon) has the factor

.. math:: v_k = (1 + i)^{-k}, \qquad i = (1 + r)^{1/\text{periods\_per\_year}} - 1

for a yearly rate *r*, and a period's factor :math:`\delta_t` — the one that multiplies its
flows — is the mean of its base periods' factors. With that choice a period of four quarters
with uniform data costs exactly what the four quarters cost (tests/test_calendar.py). A
``discount_factor`` written in the workbook is the period's factor and each of its base
periods' factor.

Lump sums paid at a point in time (capex at the decision or online) take the factor of the
base period they fall in; see :mod:`optimizer.formulation.objective`.
"""

from __future__ import annotations

import math

SLOT_TOLERANCE = 1e-6
"""How far (in base periods) a length may be from a whole number and still count as one."""


def period_calendar(tables: dict, settings: dict, file: str | None, out) -> tuple[
        tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    """(slots per period, discount factor per base period, discount factor per period).

    Problems (a length that is not a positive whole number of base periods) are added to the
    validator's collector ``out`` with the cell they come from.
    """
    periods = tables["periods"]
    per_year = float(settings.get("periods_per_year", 4.0))
    rate = float(settings.get("discount_rate_per_year", 0.0))
    lengths = periods["length_years"] if "length_years" in periods else [None] * len(periods)
    slots = []
    for row, years in zip(periods.index, lengths):
        if years is None:
            slots.append(1)
            continue
        n = float(years) * per_year
        if n < 1 - SLOT_TOLERANCE or abs(n - round(n)) > SLOT_TOLERANCE:
            out.add("periods", row, "length_years", years,
                    f"a positive whole number of base periods (1/{per_year:g} year each: "
                    f"{1 / per_year:g}, {2 / per_year:g}, … years); set periods_per_year in "
                    "sheet 'settings' to use shorter periods", file=file)
            slots.append(1)
            continue
        slots.append(int(round(n)))
    i = (1.0 + rate) ** (1.0 / per_year) - 1.0
    slot_disc: list[float] = []
    factors: list[float] = []
    k = 0
    for n, written in zip(slots, periods["discount_factor"]):
        if written is not None and not (isinstance(written, float) and math.isnan(written)):
            part = [float(written)] * n
        else:
            part = [(1.0 + i) ** -(k + j) for j in range(n)]
        slot_disc.extend(part)
        factors.append(sum(part) / n)
        k += n
    return tuple(slots), tuple(slot_disc), tuple(factors)


def check_module_timing(tables: dict, slots: tuple[int, ...], settings: dict,
                        file: str | None, out) -> None:
    """Flag candidate modules that can never be online inside the horizon.

    A module decided at the start of its earliest decision period comes online
    ``lead_time_years`` later; if that is after the last period starts, no decision is offered
    and the row cannot matter: an error naming the cell, since it is almost always a typo
    in the lead time or the decision period (or a horizon that is too short for the project;
    set its max_count to 0 to keep it as a reference).
    """
    mods = tables.get("modules")
    if mods is None or mods.empty:
        return
    periods = list(tables["periods"]["period"])
    pos = {p: i for i, p in enumerate(periods)}
    per_year = float(settings.get("periods_per_year", 4.0))
    start = [0]
    for n in slots[:-1]:
        start.append(start[-1] + n)
    last_start = start[-1]
    for row, first, lead, mod, most in zip(
            mods.index, mods.get("earliest_decision_period", []), mods.get("lead_time_years", []),
            mods["module"], mods["max_count"]):
        if most == 0:
            continue  # switched off on purpose (kept for reference, e.g. a later horizon)
        d0 = 0 if first is None or first not in pos else pos[first]
        due = start[d0] + float(lead or 0.0) * per_year
        if due > last_start + SLOT_TOLERANCE:
            column = "lead_time_years" if lead else "earliest_decision_period"
            value = lead if lead else first
            out.add("modules", row, column, value,
                    f"a lead time and earliest decision period that let module {mod} come online "
                    f"by the last period, {periods[-1]} (decided in {periods[d0]}, it would be "
                    f"online {float(lead or 0):g} year(s) later, after the horizon ends)",
                    file=file)
