"""Explanations of infeasible models in plain language, naming entities and numbers."""

from __future__ import annotations

import numpy as np

from optimizer.formulation.data import ModelData


def _describe_row(md: ModelData, family: str, k: int) -> str:
    """'demand_balance[2026Q1, scenarios=base, demand=US_defence, element=Dy] ≥ 16'."""
    ix = md.con_ix[family]
    row = ix.iloc[k]
    parts = []
    for col in ix.columns:
        if col in ("sense", "rhs"):
            continue
        val = row[col]
        if col == "node":
            node = md.nodes[int(val)]
            parts.append(f"period {md.inst.periods[node.period]}")
            parts.append(f"scenario(s) {node.label}")
        elif col not in ("rule", "value") and val is not None and val == val:
            parts.append(f"{col} {val}")
    return f"{family} ({', '.join(parts)}) {row['sense']} {row['rhs']:g}"


_MEANING = {
    "demand_balance": "a must-serve demand has no lane that can bring this element to it",
}


def explain_empty_rows(md: ModelData) -> str:
    """Rows with no variables whose right-hand side cannot hold (e.g. unreachable must-serve)."""
    lines = []
    for family, k in md.empty_rows:
        lines.append(f"  - {_describe_row(md, family, k)}: "
                     f"{_MEANING.get(family, 'no decision can satisfy this requirement')}")
    return "Conflicting requirements:\n" + "\n".join(lines)


def explain_infeasibility(md: ModelData, compiled, options) -> str:
    """Ask HiGHS for an irreducible infeasible subset (IIS) and name its rows."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = compiled.lp
    if len(compiled.integer_cols):
        lp.integrality_ = [highspy.HighsVarType.kContinuous] * lp.num_col_
    h.passModel(lp)
    try:
        h.setOptionValue("iis_strategy", 2)
    except Exception:  # older HiGHS: option absent
        pass
    try:
        status, iis = h.getIis()
        rows = list(np.asarray(iis.row_index_, dtype=int))
    except Exception:
        rows = []
    if not rows:
        return ("HiGHS found no solution; no irreducible infeasible subset could be computed. "
                "Check must-serve demands against quotas, bans and capacities.")
    lines = [f"  - {_describe_row(md, compiled.row_family[r], int(compiled.row_index[r]))}"
             for r in rows[:25]]
    more = f"\n  … and {len(rows) - 25} more" if len(rows) > 25 else ""
    return ("These requirements conflict (an irreducible infeasible set: drop or relax any one "
            "and the rest can hold):\n" + "\n".join(lines) + more)
