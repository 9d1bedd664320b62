"""Report views of the shadow prices: binding rules and balances as rows, grouped the way the
report and the workbook show them, and the value of extra capacity.

Model quantities come from a saved run's ``dual_*`` tables as the solve wrote them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.report.facts import BALANCE_FAMILIES, PRICE_TOL, periods, scenario_names
from optimizer.report.load import SavedRun, once_per_run


def records(df: pd.DataFrame) -> list[dict]:
    """``df.to_dict("records")``: one dict of plain Python values per row, from each column
    turned into a list once (4x faster than pandas' per-value conversion on the medium
    instance's shadow-price tables; 30x faster than ``iterrows``)."""
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*[df[c].tolist() for c in cols])]


@once_per_run
def constraint_rows(run: SavedRun, families: str = "limits") -> pd.DataFrame:
    """Binding constraint rows of every ``dual_*`` table with a non-zero shadow price.

    ``families`` is ``"limits"`` (capacities and policies), ``"balances"`` (accounting
    identities) or ``"all"``. Each row keeps its own index columns (as a dict in ``key``) plus
    family, period, scenarios, rhs, shadow_price and conditional_price; sorted by
    |shadow_price| descending.
    """
    cols = ["family", "period", "scenarios", "rhs", "shadow_price", "conditional_price", "key"]
    parts = []
    for name, df in run.tables.items():
        if not name.startswith("dual_") or df is None or df.empty:
            continue
        fam = name[len("dual_"):]
        is_balance = fam in BALANCE_FAMILIES
        if (families == "limits" and is_balance) or (families == "balances" and not is_balance):
            continue
        if "shadow_price" not in df.columns:
            continue
        binding = df["binding"].astype(str).str.lower().isin(["true", "1"]) \
            if "binding" in df.columns else pd.Series(True, index=df.index)
        price = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0.0)
        sel = df[binding & (price.abs() > PRICE_TOL)]
        if sel.empty:
            continue
        nan = pd.Series(np.nan, index=sel.index)
        parts.append(pd.DataFrame({
            "family": fam,
            "period": sel["period"] if "period" in sel else None,
            "scenarios": sel["scenarios"] if "scenarios" in sel else None,
            "rhs": sel["rhs"] if "rhs" in sel else None,
            "shadow_price": sel["shadow_price"].astype(float),
            "conditional_price": sel["conditional_price"].astype(float)
            if "conditional_price" in sel else nan,
            "key": records(sel),
        }, index=sel.index, columns=cols))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["_a"] = out["shadow_price"].abs()
    return out.sort_values(["_a", "family"], ascending=[False, True], kind="stable") \
        .drop(columns="_a").reset_index(drop=True)


def capacity_values(run: SavedRun) -> pd.DataFrame:
    """Value of capacity at each mine and plant, set against the capex of its modules.

    ``capacity_value_usd_per_t`` is the sum over tree nodes of −shadow_price of the site's
    capacity rows: the expected discounted saving from one more tonne per period of capacity
    in every period of the horizon (USD per t/period). ``capex_usd_per_t`` is the capex of the
    modules built there per tonne per period of capacity they add (blank when none is built,
    or from a ``modules`` table when the run saved one). A capacity value above the capex per
    tonne says more capacity would pay for itself (fixed O&M aside).
    """
    cols = ["kind", "site", "binding_periods", "capacity_value_usd_per_t", "capex_usd_per_t"]
    rows = []
    capex: dict[str, float] = {}
    b = run.tables.get("builds")
    if b is not None and not b.empty:
        g = b.groupby("site")[["capex_usd", "capacity_added_t"]].sum()
        capex.update({s: float(r["capex_usd"] / r["capacity_added_t"])
                      for s, r in g.iterrows() if r["capacity_added_t"] > 0})
    mods = run.tables.get("modules")
    if mods is not None and not mods.empty and {"site", "capex_usd", "capacity_t"} <= set(mods):
        for s, g in mods.groupby("site"):
            if s not in capex:
                per = g["capex_usd"].astype(float) / g["capacity_t"].astype(float).replace(0, np.nan)
                if per.notna().any():
                    capex[s] = float(per.min())
    for fam, col, kind in (("mine_capacity", "mine", "mine"), ("plant_capacity", "plant", "plant")):
        df = run.tables.get(f"dual_{fam}")
        if df is None or df.empty:
            continue
        price = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0.0).to_numpy(float)
        shown = df["period"].astype(str).tolist() if "period" in df else None
        # Each site's rows in table order, sites sorted, missing sites left out: what
        # ``groupby(col).groups`` gives, read from plain lists (pandas per site was most of it).
        at: dict = {}
        for i, site in enumerate(df[col].tolist()):
            if not pd.isna(site):
                at.setdefault(site, []).append(i)
        for site in sorted(at):
            p = price[at[site]]  # the same values in the same order: the same sum
            rows.append({"kind": kind, "site": site,
                         "binding_periods": period_ranges(
                             [shown[i] for i, v in zip(at[site], p) if abs(v) > PRICE_TOL],
                             periods(run)) if shown is not None else "",
                         "capacity_value_usd_per_t": float(-p.sum()),
                         "capex_usd_per_t": capex.get(site, np.nan)})
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    return out.sort_values(["capacity_value_usd_per_t", "site"], ascending=[False, True]) \
        .reset_index(drop=True)


NOT_IDENTITY = {"node", "period", "scenarios", "sense", "rhs", "activity", "slack",
                "shadow_price", "conditional_price", "binding", "rhs_range_low",
                "rhs_range_high", "value", "end_use_of_demand"}
"""Columns of a ``dual_*`` row that vary over the periods and scenarios of one constraint
(or are its solution values); the other index columns name the constraint."""


def period_ranges(shown: list[str], in_order: list[str]) -> str:
    """Periods as runs of consecutive ones: ``2025Q3–2026Q2, 2027Q1``.

    ``in_order`` is every period of the horizon in time order; a run is a maximal sequence of
    ``shown`` periods that are adjacent in it.
    """
    pos = {p: i for i, p in enumerate(in_order)}
    ps = sorted(dict.fromkeys(shown), key=lambda p: pos.get(p, len(pos)))
    runs: list[list[str]] = []
    for p in ps:
        if runs and p in pos and runs[-1][-1] in pos and pos[p] == pos[runs[-1][-1]] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


@once_per_run
def constraint_groups(run: SavedRun, families: str = "limits") -> pd.DataFrame:
    """Binding rows grouped by constraint (site, rule, quota, demand…), most valuable first.

    One row per constraint: the rows of :func:`constraint_rows` with the same family and the
    same index apart from period, tree node and scenarios. Columns:

    - ``expected_value`` = Σ shadow_price over the group's rows (USD per unit): the change of
      the expected discounted cost if the limit were one unit higher in every period and
      scenario where it binds (each row's price is already probability-weighted, discounted);
    - ``price_low``, ``price_high``: the smallest and largest ``conditional_price`` (USD per
      unit in one period, if that node's scenarios happen, undiscounted);
    - ``binding_periods`` (runs of consecutive periods), ``scenarios`` (``+``-joined union of
      the rows' scenarios), ``n_rows``;
    - ``key``: the first row's index (with the demand's end use for demand rows).

    Sorted by |expected_value| descending, then family.
    """
    cols = ["family", "key", "expected_value", "price_low", "price_high", "binding_periods",
            "scenarios", "n_rows"]
    rows = constraint_rows(run, families)
    if rows.empty:
        return pd.DataFrame(columns=cols)
    end_use = _demand_end_uses(run)
    ident = _identities(rows["family"].tolist(), rows["key"].tolist())
    order = periods(run)
    scen = scenario_names(run)
    # Groups in order of first appearance, each with its rows in table order (what
    # ``groupby(sort=False)`` gives), read from plain arrays: pandas per group was most of it.
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(ident):
        groups.setdefault(k, []).append(i)
    keys, families_of = rows["key"].tolist(), rows["family"].tolist()
    price = rows["shadow_price"].to_numpy(float)
    price = np.where(np.isnan(price), 0.0, price)  # a sum skips missing prices, as pandas' does
    cond_all = pd.to_numeric(rows["conditional_price"], errors="coerce").to_numpy(float)
    labels, shown = _texts(rows["scenarios"]), _texts(rows["period"])
    out = []
    for members in groups.values():
        at = np.asarray(members)
        key = dict(keys[members[0]])
        if "demand" in key and str(key["demand"]) in end_use:
            key["end_use_of_demand"] = end_use[str(key["demand"])]
        cond = cond_all[at]
        cond = cond[~np.isnan(cond)]
        names = {n for i in members if labels[i] is not None for n in labels[i].split("+")}
        out.append({"family": families_of[members[0]], "key": key,
                    "expected_value": float(price[at].sum()),
                    "price_low": float(cond.min()) if len(cond) else np.nan,
                    "price_high": float(cond.max()) if len(cond) else np.nan,
                    "binding_periods": period_ranges(
                        [shown[i] for i in members if shown[i] is not None], order),
                    "scenarios": "+".join([s for s in scen if s in names]
                                          + sorted(names - set(scen))),
                    "n_rows": len(members)})
    df = pd.DataFrame(out, columns=cols)
    df["_a"] = df["expected_value"].abs()
    return df.sort_values(["_a", "family"], ascending=[False, True], kind="stable") \
        .drop(columns="_a").reset_index(drop=True)


def _texts(column: pd.Series) -> list[str | None]:
    """The column's values as text, ``None`` where missing (one missing-value test for the
    whole column, not one call per cell)."""
    missing = column.isna().tolist()
    return [None if m else str(v) for v, m in zip(column.tolist(), missing)]


def _identities(families: list[str], keys: list[dict]) -> list[tuple]:
    """Each row's constraint: ``(family, (str(value), …))``, the values of its index columns
    that are not in :data:`NOT_IDENTITY`, columns sorted by name; rows with equal identities
    are one constraint.

    Every row of a family comes from one ``dual_*`` table, so they share their columns: the
    columns are chosen once per family and read one at a time (a sorted comprehension per row
    was a third of the report's price section on the medium instance), and the names need not
    be repeated in each identity.
    """
    rows_of: dict[str, list[int]] = {}
    for i, f in enumerate(families):
        rows_of.setdefault(f, []).append(i)
    out: list[tuple] = [()] * len(keys)
    for f, at in rows_of.items():
        names = sorted(k for k in keys[at[0]] if k not in NOT_IDENTITY)
        if not names:
            for i in at:
                out[i] = (f, ())
            continue
        columns = [[str(keys[i][k]) for i in at] for k in names]
        for i, values in zip(at, zip(*columns)):
            out[i] = (f, values)
    return out


def _demand_end_uses(run: SavedRun) -> dict[str, str]:
    """Demand node → its end use (from ``unmet_demand``)."""
    un = run.tables.get("unmet_demand")
    if un is None or un.empty or "end_use" not in un.columns:
        return {}
    return dict(zip(un["demand"].astype(str).tolist(), un["end_use"].astype(str).tolist()))


PROVENANCE_COLUMNS = ("mined_country", "processed_country")
"""Index columns of a ``dual_*`` row that only say where material came from."""


def merge_provenance(groups: pd.DataFrame) -> pd.DataFrame:
    """Constraint groups that differ only by provenance and have the same prices, as one row.

    A stockpile's balance is one constraint per provenance (mined in, processed in), and they
    usually carry the same price: listed one by one they look like the same row six times.
    Rows with the same family, the same index apart from :data:`PROVENANCE_COLUMNS`, the same
    binding periods and scenarios and the same expected value (to 6 significant digits) become one,
    whose ``key['provenances']`` lists each ``mined → processed`` pair. Order is kept.
    """
    if groups.empty:
        return groups
    merged: dict[tuple, dict] = {}
    for r in groups.to_dict("records"):
        key = r["key"]
        if not any(c in key for c in PROVENANCE_COLUMNS):
            merged[("row", len(merged))] = r
            continue
        rest = tuple(sorted((k, str(v)) for k, v in key.items()
                            if k not in NOT_IDENTITY and k not in PROVENANCE_COLUMNS))
        value = float(r["expected_value"])
        ident = (r["family"], rest, r["binding_periods"], r["scenarios"],
                 float(f"{value:.5e}"))
        pair = " → ".join(str(key.get(c)) for c in PROVENANCE_COLUMNS if c in key)
        if ident in merged:
            merged[ident]["key"]["provenances"].append(pair)
            merged[ident]["n_rows"] += r["n_rows"]
        else:
            merged[ident] = {**r, "key": {**key, "provenances": [pair]}}
    out = pd.DataFrame(list(merged.values()), columns=groups.columns)
    return out.reset_index(drop=True)
