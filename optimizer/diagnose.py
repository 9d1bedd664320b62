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


def _plain(md: ModelData, family: str, k: int) -> str:
    """The requirement a row states, in a planner's words."""
    row = md.con_ix[family].iloc[k]
    where = ""
    if "node" in row.index:
        node = md.nodes[int(row["node"])]
        where = f" in {md.inst.periods[node.period]} (scenario {node.label})"
    rhs = row["rhs"]

    def g(col):
        value = row.get(col)
        return "any element" if value == "*" and col in ("element", "product") else value
    text = {
        "demand_balance": lambda: f"{g('demand')} must receive {rhs:g} t of {g('element')}"
                                  f"{where} (must-serve: no unmet demand allowed)",
        "end_use_tonnage_limit": lambda: f"at most {rhs:g} t of {g('element')} "
                                         f"{'mined or processed' if g('basis') == 'either' else g('basis')}"
                                         f" in {g('country')} may reach {g('end_use')}{where}"
                                         + (" (a ban)" if rhs == 0 else ""),
        "end_use_share_limit": lambda: f"{g('country')} ({g('basis')}) may supply at most "
                                       f"{g('value'):.0%} of {g('end_use')}'s {g('element')}{where}",
        "export_quota_cap": lambda: f"{g('country')} may export at most {rhs:g} t of "
                                    f"{g('product')}{where}",
        "mine_capacity": lambda: f"mine {g('mine')} can ship at most {rhs:g} t REO plus modules "
                                 f"built{where}",
        "plant_capacity": lambda: f"plant {g('plant')} can take at most {rhs:g} t REO feed plus "
                                  f"modules built{where}",
        "trader_capacity": lambda: f"offer {g('trader')} sells at most {rhs:g} t{where}",
        "lane_capacity": lambda: f"lane {g('origin')} → {g('destination')} carries at most "
                                 f"{rhs:g} t{where}",
        "diversification_cap": lambda: f"{g('country')} may supply at most {g('value'):.0%} of "
                                       f"{g('end_use')}'s {g('element')}{where}",
        "stock_capacity": lambda: f"stockpile {g('stockpile')} holds at most {rhs:g} t{where}",
        "module_build_limit": lambda: f"module {g('module')} can be built at most {rhs:g} times",
    }.get(family)
    return text() if text else _describe_row(md, family, k)


_MEANING = {
    "demand_balance": "a must-serve demand has no lane that can bring this element to it",
}


def explain_empty_rows(md: ModelData) -> str:
    """Rows with no variables whose right-hand side cannot hold (e.g. unreachable must-serve)."""
    lines = []
    for family, k in md.empty_rows:
        lines.append(f"  - {_plain(md, family, k)}: "
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
    lines = [f"  - {_plain(md, compiled.row_family[r], int(compiled.row_index[r]))}"
             f"   [{compiled.row_family[r]}]" for r in rows[:25]]
    more = f"\n  … and {len(rows) - 25} more" if len(rows) > 25 else ""
    return ("These requirements conflict (an irreducible infeasible set: drop or relax any one "
            "and the rest can hold):\n" + "\n".join(lines) + more)
