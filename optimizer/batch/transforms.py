r"""Instance transforms of the analytics: one scenario, base data only, rules dropped, mean data.

A transform is a plain tuple (so that a :class:`optimizer.batch.task.Task` stays picklable)
applied by the worker to the base instance before a task's overrides; see
:func:`apply_transforms`. Every function here is pure: it returns a new Instance.

The expected-value instance replaces the scenarios by one scenario holding, for every cell a
scenario changes and every period *t*, the probability-weighted mean

.. math::

    \bar v_c(t) = v_c^{base} + \sum_s p_s \, \bigl(v_{c,s}(t) - v_c^{base}\bigr)

(:math:`v_{c,s}(t)` = the cell's value in scenario *s* at *t*, the base value where the
scenario leaves it). Written as deviations from the base, a cell no scenario changes keeps its
base value exactly, whatever the rounding of Σ p_s; since Σ p_s = 1 it equals Σ_s p_s v_{c,s}(t).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Instance, Override, Scenario
from optimizer.schema import ANY, SHEET_BY_NAME

RULE_SHEETS = ("end_use_limits", "diversification_caps")
"""The rules the naive plan ignores (end-use limits and diversification caps)."""

EXPECTED_VALUE = "expected_value"
"""Name of the one scenario of the expected-value instance."""

LITERAL_ANY = "'*'"
"""How an override key names a row whose key is literally ``*`` (a bare ``*`` matches any)."""


def only_scenario(inst: Instance, name: str) -> Instance:
    """The instance with scenario ``name`` alone, with probability 1."""
    sc = [s for s in inst.scenarios if s.name == name]
    if not sc:
        raise ScenarioError(Problem(inst.source, "scenarios", None, "scenario", name,
                                    "a scenario of the instance"))
    return replace(inst, scenarios=(replace(sc[0], probability=1.0),))


def base_only(inst: Instance) -> Instance:
    """The instance without disruption scenarios: the base data, one scenario."""
    return replace(inst, scenarios=(Scenario("base", 1.0, "Base data, no disruption.", ()),))


def drop_rows(inst: Instance, sheet: str, positions: tuple[int, ...] | None = None) -> Instance:
    """The instance without rows ``positions`` of ``sheet`` (all rows if None).

    Scenario overrides that matched only removed rows are dropped with them.
    """
    from optimizer.scenario import match_rows

    if sheet not in inst.tables:
        return inst
    df = inst.tables[sheet]
    keep = [i for i in range(len(df)) if positions is not None and i not in positions]
    tables = dict(inst.tables)
    tables[sheet] = df.iloc[keep].reset_index(drop=True)
    new = replace(inst, tables=tables)
    scenarios = []
    for sc in new.scenarios:
        kept = []
        for ov in sc.overrides:
            if ov.sheet == sheet:
                try:
                    match_rows(new, ov, sc.name)
                except ScenarioError:
                    continue
            kept.append(ov)
        scenarios.append(replace(sc, overrides=tuple(kept)))
    return replace(new, scenarios=tuple(scenarios))


def row_key(df: pd.DataFrame, sheet: str, r: int) -> tuple[str, ...]:
    """The override key naming row ``r`` of ``sheet`` and no other.

    Every key column is spelled out; a key value that is literally ``*`` (an export quota
    for every period, a tariff on every element) is quoted, because a bare ``*`` in an
    override key matches every row.
    """
    parts = []
    for name in SHEET_BY_NAME[sheet].key:
        v = df[name].iat[r]
        text = "" if v is None else str(v)
        parts.append(LITERAL_ANY if text == ANY else text)
    return tuple(parts)


def _number_or_none(v) -> float | None:
    """A cell value as a float, or None for blank (unlimited)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _periods_of_row(inst: Instance, sheet: str, r: int, pidx: dict) -> list[int]:
    """Positions of the periods a row applies in: its own period if it names one, else all."""
    spec = SHEET_BY_NAME[sheet]
    if spec.period_column:
        p = inst.table(sheet)[spec.period_column].iat[r]
        if p not in (None, ANY):
            return [pidx[p]]
    return list(range(len(inst.periods)))


def expected_value_instance(inst: Instance) -> Instance:
    """The expected-value instance: one scenario holding the scenarios' mean data, per period.

    For each cell a scenario changes and each period, the value is the mean of the module
    docstring (the base value where a scenario leaves it). A blank (unlimited) value in any
    scenario keeps it blank: the mean of an unbounded quantity is unbounded. The mean is
    written as one override per cell and period where it changes (from the first period, or
    from the period it changes in), each naming its row alone (:func:`row_key`), so no two
    overrides write the same cell.

    Raises ScenarioError if a row cannot be named alone (two rows with the same key).
    """
    from optimizer.scenario import cell_changes, match_rows

    probs = {s.name: s.probability for s in inst.scenarios}
    changes = {s.name: cell_changes(inst, s) for s in inst.scenarios}
    cells = sorted({c for ch in changes.values() for t in ch.values() for c in t})
    if not cells:
        return base_only(inst)

    def base_value(cell):
        sheet, r, col = cell
        return _number_or_none(inst.table(sheet)[col].iat[r])

    def mean(cell, t):
        base = base_value(cell)
        deviation = 0.0
        for s, ch in changes.items():
            v = _number_or_none(ch.get(t, {}).get(cell, base))
            if v is None:
                return None
            if base is not None:
                deviation += probs[s] * (v - base)
            else:  # a blank base given a value in every scenario: the mean itself
                deviation += probs[s] * v
        return deviation if base is None else base + deviation

    keys = {}
    problems = []
    for cell in cells:
        sheet, r, col = cell
        key = row_key(inst.table(sheet), sheet, r)
        rows = match_rows(inst, Override(sheet, key, col, 0.0), EXPECTED_VALUE)
        if rows != [r]:
            problems.append(Problem(inst.source, sheet, r + 2, None, ",".join(key),
                                    "a key naming this row alone, to write its mean value in "
                                    "the expected-value problem"))
        keys[cell] = key
    if problems:
        raise ScenarioError(problems)

    pidx = inst.period_index
    overrides = []
    for cell in cells:
        sheet, r, col = cell
        prev = base_value(cell)
        for t in _periods_of_row(inst, sheet, r, pidx):
            value = mean(cell, t)
            if value is None or value == prev:
                continue
            prev = value
            overrides.append(Override(sheet, keys[cell], col, value, "set",
                                      None if t == 0 else inst.periods[t],
                                      source="expected-value problem"))
    sc = Scenario(EXPECTED_VALUE, 1.0, "Mean of the scenarios' data.", tuple(overrides))
    return replace(inst, scenarios=(sc,))


def here_and_now(inst: Instance) -> Instance:
    """The instance with every build decided before anything is revealed (two-stage)."""
    from dataclasses import replace

    return replace(inst, settings={**inst.settings, "build_decisions": "here_and_now"})


def apply_transforms(inst: Instance, transforms: tuple) -> Instance:
    """Apply instance transforms in order.

    Each is a tuple: ``("only_scenario", name)``, ``("base_only",)``, ``("drop_rules",)``,
    ``("drop_row", sheet, position)``, ``("expected_value",)``, ``("here_and_now",)`` or
    ``("with_risk", λ)`` (risk_weight set to λ: optimizer/frontier.py).
    """
    for tr in transforms:
        kind = tr[0]
        if kind == "only_scenario":
            inst = only_scenario(inst, tr[1])
        elif kind == "base_only":
            inst = base_only(inst)
        elif kind == "drop_rules":
            for sheet in RULE_SHEETS:
                inst = drop_rows(inst, sheet, None)
        elif kind == "drop_row":
            inst = drop_rows(inst, tr[1], (int(tr[2]),))
        elif kind == "expected_value":
            inst = expected_value_instance(inst)
        elif kind == "here_and_now":
            inst = here_and_now(inst)
        elif kind == "with_risk":  # the CVaR columns and rows, for the frontier's live model
            from optimizer.risk_settings import with_risk

            inst = with_risk(inst, float(tr[1]))
        else:
            raise ValueError(f"unknown transform {tr!r}")
    return inst
