"""Shadow-price tables: one per constraint family, with slack, binding flag and RHS range.

Part of the result tables (:func:`optimizer.results.all_tables`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation import CONSTRAINT_FAMILIES
from optimizer.formulation.data import ModelData
from optimizer.result_rows import clean, key_columns, memo, reused_table, with_columns
from optimizer.solve import SolveOutcome


def shadow_prices(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """One table per constraint family: index, dual, slack, binding flag and RHS range.

    ``shadow_price`` is the change of the expected discounted objective (USD) per unit increase
    of the right-hand side; ``conditional_price`` divides by the node's probability × discount
    factor: the undiscounted price if that node's scenarios happen.
    """
    periods = np.array(md.inst.periods, dtype=object)
    labels = np.array([n.label for n in md.nodes] or [""], dtype=object)
    tables = {}
    for fam in CONSTRAINT_FAMILIES:
        ix = md.con_ix.get(fam)
        if ix is None or ix.empty:
            continue
        tables[fam] = _family_prices(md, out, fam, ix, periods, labels)
    return tables


def _family_prices(md, out, fam, ix, periods, labels) -> pd.DataFrame:
    """``shadow_prices``' table of one family: the index frame's columns (with each node's
    period and scenarios), then the run's columns computed as arrays.

    slack = activity − rhs for ``>=`` rows, rhs − activity for ``<=``, 0 for ``==``;
    binding: |slack| ≤ 1e-6, and every ``==`` row.

    The first part reads only the index frame and the tree: it is built once per frame
    (:func:`memo`; a live model's runs share it, and a run that gives the family new
    right-hand sides only, a new frame listed in ``md.rhs_only_of``, takes the base frame's
    part with its own rhs and value columns) and the run's columns are set beside it. A live
    model's run whose duals, activities, right-hand sides, ranges and node weights equal the
    last run's takes a copy of the last run's table (:func:`reused_table`).
    """
    n = len(ix)
    dual = out.duals.get(fam, np.full(n, np.nan)) if out.duals else np.full(n, np.nan)
    act = out.activity.get(fam, np.zeros(n))
    ranges = out.rhs_range.get(fam)
    same = getattr(md, "rhs_only_of", {}).get(fam)
    source = ix if same is None else same
    inputs = [dual, act, md.node_weight]
    if same is not None:  # the run's own rhs and value columns
        inputs += [ix[col].to_numpy() for col in ("rhs", "value") if col in ix.columns]
    if ranges is not None:
        inputs += list(ranges)
    return reused_table(md, "price table:" + fam, (source,), tuple(inputs),
                        lambda: _build_family_prices(md, fam, ix, same, dual, act, ranges,
                                                     periods, labels))


def _build_family_prices(md, fam, ix, same, dual, act, ranges, periods, labels):
    """:func:`_family_prices`' table, built."""
    if same is None:
        keys, sense, rhs = memo(md, "prices:" + fam, (ix,),
                                 lambda: _family_keys(md, ix, periods, labels))
    else:  # a live run's new right-hand sides: the base frame's keys, with its rhs and value
        keys, sense, _ = memo(md, "prices:" + fam, (same,),
                              lambda: _family_keys(md, same, periods, labels))
        columns, arrays, index = keys
        arrays = list(arrays)
        for col in ("rhs", "value"):
            if col in ix.columns:
                arrays[columns.get_loc(col)] = ix[col].array
        keys, rhs = (columns, arrays, index), ix["rhs"].to_numpy()
    equal = sense == "=="
    slack = clean(np.where(sense == ">=", act - rhs, rhs - act))
    slack = np.where(equal, 0.0, slack)
    price = clean(dual)
    cols = {"activity": act, "slack": slack, "shadow_price": price}
    if "node" in ix.columns:
        w = md.node_weight[ix["node"].to_numpy()]
        cols["conditional_price"] = np.where(w > 0, price / np.where(w > 0, w, 1), 0)
    cols["binding"] = (np.abs(slack) <= 1e-6) | equal
    if ranges is not None:
        lo, hi = ranges
        cols["rhs_range_low"] = lo
        cols["rhs_range_high"] = hi
    return with_columns(keys, cols)


def _family_keys(md, ix, periods, labels) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The index-frame part of a family's shadow-price table (its columns, a node's period
    and scenarios after the first, a quota's own ``period`` renamed ``rule_period``), and its
    senses and right-hand sides as arrays.
    """
    cols = {c: ix[c] for c in ix.columns}
    if "node" in ix.columns:
        node = ix["node"].to_numpy()
        if "period" in cols:  # an export quota row's own period ('*' = every period)
            cols = {("rule_period" if c == "period" else c): v for c, v in cols.items()}
        first, *rest = cols
        cols = {first: cols[first], "period": periods[md.node_period[node]],
                "scenarios": labels[node].tolist()} | {c: cols[c] for c in rest}
    keys = pd.DataFrame(cols).reset_index(drop=True)
    return key_columns(keys), ix["sense"].to_numpy(object), ix["rhs"].to_numpy()


def dual_tables(md: ModelData, out: SolveOutcome) -> dict[str, pd.DataFrame]:
    """The shadow-price tables, named ``dual_<family>`` (sheet names in results.xlsx)."""
    return {f"dual_{fam}": df for fam, df in shadow_prices(md, out).items()}

