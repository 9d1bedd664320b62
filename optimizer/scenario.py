"""Scenario overrides: which cells they change, from when, and the scenario tree they imply.

Two scenarios share a decision in period *t* exactly when their data coincide in every period
up to and including *t* (non-anticipativity). Grouping scenarios that way period by period gives
a scenario tree; the model has one copy of each per-period decision per tree node, so the
constraint holds by construction and the deterministic case is a tree with one node per period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Instance, Override, Scenario
from optimizer.schema import ANY, SHEET_BY_NAME

Cell = tuple[str, int, str]
"""(sheet, row position in the instance table, column)."""


@dataclass(frozen=True)
class Node:
    """A node of the scenario tree: one period, the scenarios that cannot yet be told apart.

    ``changes`` maps cells to their value in this node where it differs from the base data.
    """

    id: int
    period: int
    scenarios: tuple[str, ...]
    probability: float
    parent: int | None
    changes: dict

    @property
    def label(self) -> str:
        """Short name used in result tables."""
        return "+".join(self.scenarios)


def _problem(override: Override, scenario: str, expected: str, value=None) -> Problem:
    src = override.source or f"scenario '{scenario}'"
    return Problem(src, None, None, None, value, f"{expected} (scenario '{scenario}', override "
                   f"{override.describe()})")


SET_SYNTAX = ("sheet:key:column=value, the key being the row's key columns joined by commas "
              "(e.g. export_quotas:CHN,Dy:cap_t=0; column*=factor scales, =value@PERIOD applies "
              "from a period on)")


def parse_override(text: str, source: str = "--set") -> Override:
    """``sheet:key:column=value`` → Override (the ``--set`` syntax of solve and batch).

    ``column*=factor`` scales; ``=value@PERIOD`` applies from a period on. Raises ValueError
    if the text does not have that shape (callers turn it into a Problem naming ``source``).
    """
    import math

    lhs, value = text.split("=", 1)
    mode = "scale" if lhs.endswith("*") else "set"
    sheet, key, column = lhs.rstrip("*").split(":")
    from_period = None
    if "@" in value:
        value, from_period = value.split("@", 1)
    number = float(value.strip())
    if not math.isfinite(number):
        raise ValueError(value)
    return Override(sheet.strip(), tuple(k.strip() for k in key.split(",") if k.strip()),
                    column.strip(), number, mode,
                    from_period.strip() if from_period else None, source=source)


def _excel_row(df, r: int):
    return df["excel_row"].iat[r] if "excel_row" in df.columns else r + 2


_KEY_TEXT: dict[tuple[int, str], tuple] = {}


def _key_shape(spec, df) -> str:
    """What a key of ``spec``'s sheet looks like, with the sheet's first row as the example."""
    example = ",".join(str(df[c].iat[0]) for c in spec.key) if len(df) else ""
    return (f"key columns {', '.join(spec.key)} joined by commas"
            + (f", e.g. '{example}' (the sheet's first row)" if example else "")
            + "; leading parts alone match every row starting with them, '*' matches any value")


def _key_text(df, column: str) -> np.ndarray:
    """``df[column]`` as an array of str, cached per table: a batch matches the same keys
    against the same (read-only) tables run after run. Entries die with their table."""
    hit = _KEY_TEXT.get((id(df), column))
    if hit is not None and hit[0]() is df:
        return hit[1]
    text = np.asarray(df[column].astype(str), dtype=object)
    _remember_key_text(df, column, text)
    return text


def _remember_key_text(df, column: str, text: np.ndarray) -> None:
    import weakref

    key = (id(df), column)
    _KEY_TEXT[key] = (weakref.ref(df, lambda _, k=key: _KEY_TEXT.pop(k, None)), text)


def _share_key_text(old, new, columns) -> None:
    """Give table ``new`` the key text cached for ``old``, for ``columns`` that hold the same
    values in both: an override writes numbers into a copy of a table, never its keys, so a
    batch run's changed sheet need not be turned into text again (each run matches every
    scenario's overrides against it: :func:`check_scenarios`)."""
    for column in columns:
        hit = _KEY_TEXT.get((id(old), column))
        if hit is not None and hit[0]() is old:
            _remember_key_text(new, column, hit[1])


def match_rows(inst: Instance, ov: Override, scenario: str) -> list[int]:
    """Row positions of ``ov.sheet`` that ``ov.key`` matches; raise ScenarioError if none."""
    spec = SHEET_BY_NAME.get(ov.sheet)
    if spec is None or ov.sheet in ("scenarios", "scenario_changes", "settings"):
        raise ScenarioError(_problem(ov, scenario, "a sheet that holds model data (" + ", ".join(
            s for s in SHEET_BY_NAME if s not in ("scenarios", "scenario_changes", "settings")) + ")",
            ov.sheet))
    try:
        col = spec.column(ov.column)
    except KeyError:
        raise ScenarioError(_problem(ov, scenario, f"a column of sheet '{ov.sheet}' ("
                                     + ", ".join(c.name for c in spec.columns if c.overridable) + ")",
                                     ov.column)) from None
    if not col.overridable:
        raise ScenarioError(_problem(ov, scenario, "a numeric column that scenarios may change ("
                                     + ", ".join(c.name for c in spec.columns if c.overridable) + ")",
                                     ov.column))
    if len(ov.key) > len(spec.key):
        raise ScenarioError(_problem(ov, scenario, f"a key of at most {len(spec.key)} parts ("
                                     + _key_shape(spec, inst.table(ov.sheet)) + ")",
                                     ",".join(ov.key)))
    df = inst.table(ov.sheet)
    mask = None
    for part, name in zip(ov.key, spec.key):
        if part in (ANY, ""):
            continue
        if part in ("'*'", '"*"', "\\*"):
            part = ANY  # a quoted star names rows whose key is literally '*'
        m = _key_text(df, name) == part
        mask = m if mask is None else (mask & m)
    rows = list(range(len(df))) if mask is None else np.flatnonzero(mask).tolist()
    if not rows:
        raise ScenarioError(_problem(ov, scenario, f"a key matching a row of sheet '{ov.sheet}' "
                                     f"({_key_shape(spec, df)})", ",".join(ov.key)))
    if ov.from_period is not None and ov.from_period not in inst.period_index:
        raise ScenarioError(_problem(ov, scenario, "a period listed in sheet 'periods'",
                                     ov.from_period))
    if ov.mode not in ("set", "scale"):
        raise ScenarioError(_problem(ov, scenario, "mode set or scale", ov.mode))
    if ov.value < 0 or (ov.mode == "set" and col.max is not None and ov.value > col.max):
        raise ScenarioError(_problem(ov, scenario, f"a value within [0, {col.max if col.max is not None else '∞'}]",
                                     ov.value))
    return rows


def check_scenarios(inst: Instance) -> None:
    """Check every override of every scenario; raise one ScenarioError listing all problems."""
    problems: list[Problem] = []
    for sc in inst.scenarios:
        seen: dict[tuple, Override] = {}
        for ov in sc.overrides:
            if ov.layer == 0 and ov.sheet in FIRST_STAGE_SHEETS:
                problems.append(_problem(ov, sc.name, f"a sheet other than '{ov.sheet}': build "
                                         "decisions are shared by all scenarios, so their data "
                                         "cannot differ by scenario (change the base data or use "
                                         "a batch run)", ov.sheet))
                continue
            try:
                rows = match_rows(inst, ov, sc.name)
            except ScenarioError as err:
                problems.extend(err.problems)
                continue
            for r in rows:
                cell = (ov.sheet, r, ov.column, ov.from_period, ov.layer)
                if cell in seen:
                    problems.append(_problem(ov, sc.name, "at most one override of each cell from "
                                             f"a given period; {seen[cell].describe()} changes it too"))
                    break
                seen[cell] = ov
    if problems:
        raise ScenarioError(problems)


def cell_changes(inst: Instance, scenario: Scenario) -> dict[int, dict[Cell, float]]:
    """Period position → {cell: value} for every cell whose value differs from the base data.

    A row tied to one period (``demand_quantities``; an ``export_quotas`` row with a period)
    changes only in that period; every other row changes in every period from ``from_period``.
    Overrides of a cell are applied in order of their ``from_period``, later ones winning.
    """
    pidx = inst.period_index
    n = len(inst.periods)
    out: dict[int, dict[Cell, float]] = defaultdict(dict)
    ordered = sorted(scenario.overrides, key=lambda o: (o.layer, -1 if o.from_period is None else pidx[o.from_period]))
    for ov in ordered:
        spec = SHEET_BY_NAME[ov.sheet]
        df = inst.table(ov.sheet)
        start = 0 if ov.from_period is None else pidx[ov.from_period]
        col = spec.column(ov.column)
        # The columns' arrays, read once: a frame's column per cell cost 30 µs a cell (0.1 s
        # for the medium preset's scenarios, whose overrides match thousands of rows).
        bases = df[ov.column].array
        row_periods = df[spec.period_column].array if spec.period_column else None
        for r in match_rows(inst, ov, scenario.name):
            base = bases[r]
            if base is None:
                if ov.mode == "scale":
                    continue  # scaling an unlimited value leaves it unlimited
                new = ov.value
            else:
                new = ov.value if ov.mode == "set" else float(base) * ov.value
            if col.max is not None and new > col.max + 1e-12:
                raise ScenarioError(_problem(ov, scenario.name, f"a result within [0, {col.max:g}] "
                                             f"for {ov.column} (row {_excel_row(df, r)} of sheet '{ov.sheet}' "
                                             f"would become {new:g})"))
            if row_periods is not None and row_periods[r] not in (None, ANY):
                periods = [pidx[row_periods[r]]]
            else:
                periods = range(n)
            for t in periods:
                if t < start:
                    continue
                if base is not None and new == float(base):
                    out[t].pop((ov.sheet, r, ov.column), None)
                else:
                    out[t][(ov.sheet, r, ov.column)] = new
    return out


def scenario_tree(inst: Instance) -> list[Node]:
    """Group scenarios period by period into tree nodes (see the module docstring)."""
    changes = {sc.name: cell_changes(inst, sc) for sc in inst.scenarios}
    prob = {sc.name: sc.probability for sc in inst.scenarios}
    nodes: list[Node] = []
    groups: list[tuple[tuple[str, ...], int | None]] = [(tuple(prob), None)]
    for t in range(len(inst.periods)):
        next_groups = []
        for members, parent in groups:
            by_sig: dict[frozenset, list[str]] = defaultdict(list)
            for s in members:
                by_sig[frozenset(changes[s].get(t, {}).items())].append(s)
            for sig, names in by_sig.items():
                node = Node(len(nodes), t, tuple(names), sum(prob[s] for s in names), parent,
                            dict(sig))
                nodes.append(node)
                next_groups.append((tuple(names), node.id))
        groups = next_groups
    return nodes


FIRST_STAGE_SHEETS = ("modules",)
"""Sheets describing build candidates: scenarios cannot change them (a build decided in a node
is shared by its scenarios, and its cost and capacity must be the same for all of them);
batch runs and --set may (they change the base data)."""


def _apply_to_base(inst: Instance, overrides: tuple[Override, ...], label: str) -> Instance:
    """Write overrides without ``from_period`` into the base tables (a new Instance)."""
    import pandas as pd

    tables = dict(inst.tables)
    for ov in overrides:
        if ov.from_period is not None:
            continue
        rows = match_rows(inst, ov, label)
        df = tables[ov.sheet]
        if df is inst.tables[ov.sheet]:
            df = df.copy()
            tables[ov.sheet] = df
        col = df[ov.column]
        # The column's cells, changed in a copy and set back whole: DataFrame.iat a cell at
        # a time cost about 5 µs more a cell (all 360 demand rows of the 2035 baseline:
        # 4.7 → 2.9 ms), which an override of thousands of rows, run after run, notices.
        values = col.to_numpy(copy=True)
        for r in rows:
            base = values[r]
            if base is None or (isinstance(base, float) and base != base):
                if ov.mode == "scale":
                    continue
                new = ov.value
            else:
                new = ov.value if ov.mode == "set" else float(base) * ov.value
            values[r] = new
        df.isetitem(df.columns.get_loc(ov.column), pd.Series(values, index=df.index,
                                                              dtype=col.dtype, copy=False))
        tables[ov.sheet] = pd.DataFrame(df)
    for sheet in {ov.sheet for ov in overrides if tables[ov.sheet] is not inst.tables[ov.sheet]}:
        written = {ov.column for ov in overrides if ov.sheet == sheet}
        _share_key_text(inst.tables[sheet], tables[sheet],
                        [c for c in SHEET_BY_NAME[sheet].key if c not in written])
    return replace(inst, tables=tables)


def _check_stock_after(inst: Instance, overrides, label: str) -> None:
    """Refuse overrides that leave a stockpile starting above its capacity (ScenarioError):
    the validator's rule, which overrides would otherwise bypass."""
    from optimizer.data_rules import stock_above_capacity

    stock = inst.table("stockpiles")
    if stock.empty:
        return
    touching = [ov for ov in overrides if ov.sheet == "stockpiles"
                and ov.column in ("initial_t", "capacity_t")]
    problems = []
    for pos, initial, capacity in stock_above_capacity(stock.reset_index(drop=True)):
        ov = touching[0] if touching else None
        problems.append(Problem(ov.source if ov else label, "stockpiles", _excel_row(stock, pos),
                                "initial_t", initial, f"at most the stockpile's capacity_t "
                                f"({capacity:g} t) after the overrides of run '{label}'"
                                + (f" ({ov.describe()})" if ov else "")))
    if problems:
        raise ScenarioError(problems)


def with_overrides(inst: Instance, overrides: tuple[Override, ...], label: str = "run") -> Instance:
    """A new Instance with ``overrides`` applied, taking priority over the scenarios.

    This is how batch runs and ``--set`` change an instance (priority: run > scenario > base
    data). An override without ``from_period`` changes the base data (so first-stage data such
    as module capex can change too); a ``set`` is also added to every scenario, so that it wins
    over a scenario's own change of the same cell, while a ``scale`` composes with it (the
    scenario acts on the scaled base). An override with ``from_period`` is added to every
    scenario and computed from the base value. Overrides of sheet ``settings`` (only
    ``risk_weight`` and ``cvar_alpha``) change the instance's settings
    (:func:`optimizer.risk_settings.apply_setting_overrides`).
    """
    from optimizer.risk_settings import apply_setting_overrides

    inst, overrides = apply_setting_overrides(inst, tuple(overrides), label)
    problems: list[Problem] = []
    for ov in overrides:
        try:
            match_rows(inst, ov, label)
            if ov.from_period is not None and ov.sheet in FIRST_STAGE_SHEETS:
                raise ScenarioError(_problem(ov, label, f"no from_period on sheet '{ov.sheet}' "
                                             "(build decisions are shared by every period)"))
        except ScenarioError as err:
            problems.extend(err.problems)
    if problems:
        raise ScenarioError(problems)
    layered = tuple(replace(ov, layer=1) for ov in overrides)
    new = _apply_to_base(inst, tuple(overrides), label)
    _check_stock_after(new, overrides, label)
    # A base-data scale composes with scenario changes (they act on the scaled base); a set,
    # or any change from a period on, must also win over the scenarios, so it joins them.
    joins = tuple(ov for ov in layered if ov.sheet not in FIRST_STAGE_SHEETS
                  and (ov.mode == "set" or ov.from_period is not None))
    scenarios = tuple(replace(sc, overrides=sc.overrides + joins) for sc in new.scenarios)
    new = replace(new, scenarios=scenarios)
    check_scenarios(new)
    return new
