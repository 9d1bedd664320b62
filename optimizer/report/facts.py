"""Report views of a saved run: selections, sums and sorts of its tables, nothing re-solved.

Every function takes a :class:`~optimizer.report.load.SavedRun` (the CSV tables and summary of a
run folder) and returns a small DataFrame or dict that a sentence, a chart, an HTML table or a
worksheet renders. The arithmetic here is presentation arithmetic only: totals over periods,
probability-weighted averages over scenarios, ranking. Model quantities (costs, flows, duals,
shares, HHI) come from the tables as the solve wrote them.

The functions are shared by the single-run report and, later, the batch comparison page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.report.load import SavedRun, once_per_run
from optimizer.report.palette import HHI_HIGHLY_CONCENTRATED

HHI_CONCERN = HHI_HIGHLY_CONCENTRATED
"""HHI above which a supply is called highly concentrated (1,800: 2023 US Merger Guidelines)."""

COMPONENT_LABELS = {"penalty": "penalty (lost value of unmet demand)"}
"""Cost components whose table name needs a word of explanation wherever it is shown."""

PENALTY_EXPLAINED = ("The penalty is the lost value of unmet demand: each tonne a demand does "
                     "not receive is charged at that demand's lost value (USD/t, set in the "
                     "instance), so the plan weighs a shortfall against what supplying it costs.")

BALANCE_FAMILIES = ("demand_balance", "plant_output", "stock_balance")
"""Constraint families that are accounting identities, not limits one could relax.

Their duals are marginal values of material (what a tonne of demand costs, what a tonne of
oxide at a plant gate is worth); the report lists them apart from binding limits."""

PRICE_TOL = 1e-6
"""Shadow prices smaller than this (USD per unit) are treated as zero."""


def table(run: SavedRun, name: str) -> pd.DataFrame | None:
    """The table ``name`` or ``None`` when the run folder has no such table."""
    df = run.tables.get(name)
    return df if df is not None else None


def periods(run: SavedRun) -> list[str]:
    """Periods in time order: summary['periods'] if saved, else order of first appearance.

    Result tables list rows node by node and tree nodes are numbered period by period, so the
    first appearance in ``unmet_demand`` (every demand, every period) is time order.
    """
    if run.summary.get("periods"):
        return [str(p) for p in run.summary["periods"]]
    return list(_periods_seen(run))


@once_per_run
def _periods_seen(run: SavedRun) -> tuple[str, ...]:
    """:func:`periods` from the tables (a tuple: shared by every caller, read once per run)."""
    seen: list[str] = []
    for name in ("unmet_demand", "flows", "stocks"):
        df = run.tables.get(name)
        if df is not None and "period" in df.columns:
            for p in pd.unique(df["period"].astype(str)):  # first appearances, in order
                if p not in seen:
                    seen.append(p)
    return tuple(seen)


def probabilities(run: SavedRun) -> dict[str, float]:
    """Scenario name → probability, from summary.json (or scenario_costs)."""
    sc = run.summary.get("scenarios") or []
    if sc:
        return {str(s["name"]): float(s["probability"]) for s in sc}
    df = run.tables.get("scenario_costs")
    if df is not None and len(df):
        return dict(zip(df["scenario"].astype(str), df["probability"].astype(float)))
    return {}


def component_label(component) -> str:
    """A cost component as a reader sees it (``penalty`` says what it is)."""
    return COMPONENT_LABELS.get(str(component), str(component))


COUNTRY_COLUMNS = {"supply_mix": ("country",), "status_quo_supply_mix": ("country",),
                   "flows": ("mined_in", "processed_in"), "unmet_demand": ("country",),
                   "candidates": ("country",), "builds": ("country",),
                   "dual_export_quota_cap": ("country",)}
"""Tables (and columns) that name countries, read when summary.json has no country list."""


@once_per_run
def countries(run: SavedRun) -> list[str]:
    """The instance's country codes, sorted: ``summary['countries']`` when saved, else every
    code named in the run's tables (:data:`COUNTRY_COLUMNS`).

    Colours are assigned from this list (:mod:`optimizer.report.palette`), so it must not
    depend on which countries one chart happens to show.
    """
    saved = run.summary.get("countries")
    if saved:
        return sorted({str(c) for c in saved})
    found: set[str] = set()
    for name, cols in COUNTRY_COLUMNS.items():
        df = run.tables.get(name)
        if df is None or df.empty:
            continue
        for c in cols:
            if c in df.columns:
                found.update(str(x) for x in df[c].dropna().unique() if str(x) not in ("", "*"))
    return sorted(found)


def scenario_names(run: SavedRun) -> list[str]:
    """Scenario names in the order of the instance."""
    return list(probabilities(run))


def builds(run: SavedRun) -> pd.DataFrame:
    """The build plan, in online order (empty frame when nothing is built)."""
    df = run.tables.get("builds")
    if df is None or df.empty:
        return pd.DataFrame(columns=["module", "site", "country", "online_period", "count",
                                     "capacity_added_t", "capex_usd", "capex_in_horizon_usd",
                                     "fixed_om_usd_per_period"])
    order = {p: i for i, p in enumerate(periods(run))}
    df = df.copy()
    if "capex_in_horizon_usd" not in df.columns:  # runs saved before module lifetimes
        df["capex_in_horizon_usd"] = df["capex_usd"]
    df["_o"] = df["online_period"].astype(str).map(order)
    return df.sort_values(["_o", "module"]).drop(columns="_o").reset_index(drop=True)


def element_shares(mix: pd.DataFrame | None, probs: dict[str, float], basis: str) -> pd.DataFrame:
    """Share of each country in each element's supply to all end uses, expected over scenarios.

    ``mix`` is a ``supply_mix``-shaped table (tonnes by scenario, element, end use, basis,
    country). Tonnes are summed over end uses and weighted by scenario probability; the share
    is the country's weighted tonnes over the element's. Columns: element, country, tonnes
    (probability-weighted, over the horizon), share. Sorted by element, then share descending.
    """
    cols = ["element", "country", "tonnes", "share"]
    if mix is None or mix.empty:
        return pd.DataFrame(columns=cols)
    m = mix[mix["basis"] == basis].copy()
    m["w"] = m["scenario"].astype(str).map(probs).fillna(0.0 if probs else 1.0)
    m["wt"] = m["tonnes"].astype(float) * m["w"]
    g = m.groupby(["element", "country"], as_index=False)["wt"].sum().rename(columns={"wt": "tonnes"})
    tot = g.groupby("element")["tonnes"].transform("sum")
    g["share"] = np.where(tot > 0, g["tonnes"] / tot.where(tot > 0, 1), 0.0)
    g = g[g["tonnes"] > 0]
    return g.sort_values(["element", "share", "country"], ascending=[True, False, True]) \
        .reset_index(drop=True)[cols]


def unmet_by_end_use(run: SavedRun) -> pd.DataFrame:
    """Demand and unmet demand (t over the horizon) by scenario, end use and element."""
    df = run.tables.get("unmet_demand")
    cols = ["scenario", "end_use", "element", "demand_t", "unmet_t", "unmet_share"]
    if df is None or df.empty:
        return pd.DataFrame(columns=cols)
    g = df.groupby(["scenario", "end_use", "element"], as_index=False, sort=False)[
        ["demand_t", "unmet_t"]].sum()
    g["unmet_share"] = np.where(g["demand_t"] > 0, g["unmet_t"] / g["demand_t"].where(
        g["demand_t"] > 0, 1), 0.0)
    order = {s: i for i, s in enumerate(scenario_names(run))}
    g["_o"] = g["scenario"].astype(str).map(order)
    return g.sort_values(["_o", "end_use", "element"], kind="stable").drop(columns="_o") \
        .reset_index(drop=True)[cols]


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
        price = pd.to_numeric(df["shadow_price"], errors="coerce").fillna(0.0)
        for site, idx in df.groupby(col).groups.items():
            p = price.loc[idx]
            nz = df.loc[idx][p.abs() > PRICE_TOL]
            rows.append({"kind": kind, "site": site,
                         "binding_periods": period_ranges(list(nz["period"].astype(str)),
                                                          periods(run))
                         if "period" in nz else "",
                         "capacity_value_usd_per_t": float(-p.sum()),
                         "capex_usd_per_t": capex.get(site, np.nan)})
    out = pd.DataFrame(rows, columns=cols)
    if out.empty:
        return out
    return out.sort_values(["capacity_value_usd_per_t", "site"], ascending=[False, True]) \
        .reset_index(drop=True)


def concentration(run: SavedRun, name: str = "supply_mix") -> pd.DataFrame:
    """HHI per scenario, element, end use and basis (one row each), with the top supplier."""
    mix = run.tables.get(name)
    cols = ["scenario", "element", "end_use", "basis", "hhi", "top_country", "top_share",
            "concentrated"]
    if mix is None or mix.empty:
        return pd.DataFrame(columns=cols)
    keys = ["scenario", "element", "end_use", "basis"]
    m = mix.sort_values(keys + ["share"], ascending=[True] * 4 + [False])
    g = m.groupby(keys, as_index=False, sort=False).agg(
        hhi=("hhi", "first"), top_country=("country", "first"), top_share=("share", "first"))
    g["concentrated"] = g["hhi"].astype(float) > HHI_CONCERN
    order = {s: i for i, s in enumerate(scenario_names(run))}
    g["_o"] = g["scenario"].astype(str).map(order)
    return g.sort_values(["_o", "element", "end_use", "basis"]).drop(columns="_o") \
        .reset_index(drop=True)[cols]


@once_per_run
@once_per_run
def _deliveries(run: SavedRun) -> pd.DataFrame | None:
    """``flows`` rows that enter a demand node, with its end use (shared by every Sankey and
    map, computed once per run)."""
    flows = run.tables.get("flows")
    un = run.tables.get("unmet_demand")
    if flows is None or flows.empty or un is None or un.empty:
        return None
    end_use = dict(zip(un["demand"].astype(str), un["end_use"].astype(str)))
    f = flows.assign(end_use=flows["destination"].astype(str).map(end_use),
                     product_key=flows["product"].astype(str),
                     scenario_key=flows["scenario"].astype(str))
    return f[f["end_use"].notna()]


@once_per_run
def _deliveries_by_element(run: SavedRun) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`_deliveries` split by (element, scenario): each part holds the rows a filter on
    the two keys would give, in the same order (read by every Sankey and map)."""
    d = _deliveries(run)
    if d is None:
        return {}
    return {k: g for k, g in d.groupby(["product_key", "scenario_key"], sort=False)}


def _deliveries_of(run: SavedRun, element: str, scenario: str) -> pd.DataFrame | None:
    """The deliveries of one element in one scenario (no rows if there are none); None
    without deliveries at all."""
    d = _deliveries(run)
    if d is None:
        return None
    part = _deliveries_by_element(run).get((str(element), str(scenario)))
    return d.iloc[0:0] if part is None else part


def sankey_links(run: SavedRun, element: str, scenario: str) -> pd.DataFrame:
    """Tonnes over the horizon from mine country to processing country to end use.

    Built from ``flows`` rows of the element that enter a demand node (stockpile intake is
    counted when it is drawn to a demand, so nothing is counted twice); the end use of a demand
    node comes from ``unmet_demand``. Columns: mined_in, processed_in, end_use, tonnes.
    """
    part = _sankey_all(run).get((str(element), str(scenario)))
    return pd.DataFrame(columns=SANKEY_COLUMNS) if part is None else part[0]


def sankey_legs(run: SavedRun, element: str, scenario: str) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """The two legs a Sankey draws, summed from :func:`sankey_links`: (mined_in,
    processed_in, tonnes) and (processed_in, end_use, tonnes), pairs sorted."""
    part = _sankey_all(run).get((str(element), str(scenario)))
    if part is None:
        return (pd.DataFrame(columns=["mined_in", "processed_in", "tonnes"]),
                pd.DataFrame(columns=["processed_in", "end_use", "tonnes"]))
    return part[1], part[2]


SANKEY_COLUMNS = ["mined_in", "processed_in", "end_use", "tonnes"]


@once_per_run
def _sankey_all(run: SavedRun) -> dict[tuple[str, str], tuple[pd.DataFrame, ...]]:
    """(links, mined leg, processed leg) of every (element, scenario), each from one grouping
    of every part at once: a part's rows, their order and their sums are those of grouping
    that part alone (the same rows are added in the same order), with 3 groupings per run
    instead of 3 per element and scenario."""
    d = _deliveries(run)
    if d is None:
        return {}
    keys = ["product_key", "scenario_key"]
    links = d.groupby(keys + SANKEY_COLUMNS[:3], as_index=False)["tonnes"].sum()
    links = links[links["tonnes"] > 0]
    legs = [links.groupby(keys + pair, as_index=False)["tonnes"].sum()
            for pair in (["mined_in", "processed_in"], ["processed_in", "end_use"])]

    def split(df, cols):
        return {k: g[cols].reset_index(drop=True) for k, g in df.groupby(keys, sort=False)}

    by_links = split(links, SANKEY_COLUMNS)
    mined = split(legs[0], ["mined_in", "processed_in", "tonnes"])
    processed = split(legs[1], ["processed_in", "end_use", "tonnes"])
    return {k: (v, mined[k], processed[k]) for k, v in by_links.items()}


def elements(run: SavedRun) -> list[str]:
    """Elements that are demanded, in order of first appearance."""
    un = run.tables.get("unmet_demand")
    if un is None or un.empty:
        return []
    return list(dict.fromkeys(un["element"].astype(str)))


def shares_before_after(run: SavedRun, basis: str) -> pd.DataFrame:
    """Plan and status-quo country shares side by side (status-quo columns NaN if not saved).

    Columns: element, country, plan_t, plan_share, status_quo_t, status_quo_share.
    """
    probs = probabilities(run)
    after = element_shares(run.tables.get("supply_mix"), probs, basis)
    before = element_shares(run.tables.get("status_quo_supply_mix"), probs, basis)
    out = after.rename(columns={"tonnes": "plan_t", "share": "plan_share"}).merge(
        before.rename(columns={"tonnes": "status_quo_t", "share": "status_quo_share"}),
        on=["element", "country"], how="outer")
    out = out.fillna({"plan_t": 0.0, "plan_share": 0.0})
    if run.tables.get("status_quo_supply_mix") is not None:
        out = out.fillna({"status_quo_t": 0.0, "status_quo_share": 0.0})
    return out.sort_values(["element", "plan_share", "country"], ascending=[True, False, True]) \
        .reset_index(drop=True)


def concentration_pivot(run: SavedRun) -> tuple[pd.DataFrame, list[str]]:
    """HHI with one column per scenario (``plan: s``, then ``status quo: s`` when saved).

    Rows: element, end use, basis. Returns the frame and the names of its HHI columns.
    """
    keys = ["element", "end_use", "basis"]
    parts = []
    cols: list[str] = []
    for name, label in (("supply_mix", "plan"), ("status_quo_supply_mix", "status quo")):
        c = concentration(run, name)
        if c.empty:
            continue
        for sc in [s for s in scenario_names(run) if s in set(c["scenario"])]:
            col = f"{label}: {sc}"
            cols.append(col)
            parts.append(c[c["scenario"] == sc][keys + ["hhi"]].rename(columns={"hhi": col}))
    if not parts:
        return pd.DataFrame(columns=keys), []
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p, on=keys, how="outer")
    return out.sort_values(keys).reset_index(drop=True), cols


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
    ident = [(f,) + tuple(sorted((k, str(v)) for k, v in key.items() if k not in NOT_IDENTITY))
             for f, key in zip(rows["family"], rows["key"])]
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
    labels = [None if pd.isna(v) else str(v) for v in rows["scenarios"]]
    shown = [None if pd.isna(v) else str(v) for v in rows["period"]]
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


def _demand_end_uses(run: SavedRun) -> dict[str, str]:
    """Demand node → its end use (from ``unmet_demand``)."""
    un = run.tables.get("unmet_demand")
    if un is None or un.empty or "end_use" not in un.columns:
        return {}
    return dict(zip(un["demand"].astype(str), un["end_use"].astype(str)))


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


@once_per_run
def _demand_countries(run: SavedRun) -> dict[str, str] | None:
    """Demand node → its country, from ``unmet_demand`` (None if the table lacks countries).

    Read once per run: the table has a row per node, element, period and scenario, and the
    map asks for every (element, scenario)."""
    un = run.tables.get("unmet_demand")
    if un is None or "country" not in un.columns:
        return None
    nodes = un.drop_duplicates("demand")
    return dict(zip(nodes["demand"].astype(str), nodes["country"].astype(str)))


def map_links(run: SavedRun, element: str, scenario: str) -> pd.DataFrame:
    """Tonnes over the horizon by country pair, for the map: two legs of each delivery.

    ``leg`` is ``mined → processed`` (origin = mine country, destination = processing
    country) or ``processed → used`` (processing country → the demand node's country, from
    ``unmet_demand``). Built from the same deliveries as the Sankey (flows entering demand
    nodes, with their provenance), so the two charts agree. A pair within one country is kept
    (the map draws it as a dot). Columns: leg, origin, destination, tonnes.
    """
    part = _map_links_all(run).get((str(element), str(scenario)))
    return pd.DataFrame(columns=MAP_LINK_COLUMNS) if part is None else part


MAP_LINK_COLUMNS = ["leg", "origin", "destination", "tonnes"]
MAP_LEGS = (("mined → processed", "mined_in", "processed_in"),
            ("processed → used", "processed_in", "used_in"))


@once_per_run
def _map_links_all(run: SavedRun) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`map_links` of every (element, scenario), from one grouping per leg: the rows of
    each part, and their order, are those of grouping that part's deliveries alone (pairs
    sorted within each leg, the mined leg first; positive tonnes only)."""
    used_in = _demand_countries(run)
    d = _deliveries(run)
    if d is None or used_in is None or d.empty:
        return {}
    f = d.assign(used_in=d["destination"].astype(str).map(used_in))
    keys = ["product_key", "scenario_key"]
    parts = []
    for leg, a, b in MAP_LEGS:
        g = f.groupby(keys + [a, b], as_index=False)["tonnes"].sum()
        parts.append(pd.DataFrame({"product_key": g["product_key"],
                                   "scenario_key": g["scenario_key"], "leg": leg,
                                   "origin": g[a].astype(str), "destination": g[b].astype(str),
                                   "tonnes": g["tonnes"]}))
    out = pd.concat(parts, ignore_index=True)
    out = out[out["tonnes"] > 0]
    return {k: g[MAP_LINK_COLUMNS].reset_index(drop=True)
            for k, g in out.groupby(keys, sort=False)}


PROBABILITY_TOL = 1e-6
"""Probabilities summing to 1 within this are "every scenario"."""


@once_per_run
def decisions(run: SavedRun) -> pd.DataFrame:
    """The build plan as decisions: one row per module, decision period and online period.

    The ``builds`` table has one row per scenario-tree node that decides a build (adaptive
    builds, with ``decision_period``, ``decided_in``, ``probability``, ``contingent``); a
    module built in every scenario but decided after the scenarios part has one row per
    scenario. Here they are one decision, with:

    - ``scenarios``: the decision nodes' scenarios (``+``-joined, instance order; "all" rows
      count as every scenario);
    - ``probability`` = Σ node probabilities (1 when it is built whatever happens);
    - ``kind``: ``now`` (shared by every scenario, decided in the first period), ``planned``
      (shared by every scenario, decided later), ``every scenario`` (decided separately in
      each scenario's node, but in all of them: a robust build whose commitment can wait until
      the scenario is known), or ``contingent`` (only in some scenarios);
    - ``capex_usd`` (undiscounted, per decision) and ``expected_capex_usd`` (Σ probability ×
      discounted capex charged in the horizon: the table's ``expected_capex_usd``, or for an
      older run its ``capex_in_horizon_usd`` × probability).

    Runs saved before adaptive builds have no decision columns: every build is then a
    here-and-now decision (kind ``now``, probability 1), as those runs were solved.
    Columns: module, site, country, decision_period, online_period, count, capacity_added_t,
    capex_usd, expected_capex_usd, probability, scenarios, kind. Sorted by decision period,
    then kind (now, planned, every scenario, contingent), then module.
    """
    cols = ["module", "site", "country", "decision_period", "online_period", "count",
            "capacity_added_t", "capex_usd", "expected_capex_usd", "probability", "scenarios",
            "kind", "revealed"]
    b = builds(run)
    if b.empty:
        return pd.DataFrame(columns=cols)
    scen = scenario_names(run)
    order = {p: i for i, p in enumerate(periods(run))}
    adaptive = "contingent" in b.columns
    b = b.assign(
        decision_period=b["decision_period"].astype(str) if "decision_period" in b
        else (periods(run)[:1] or [""])[0],
        probability=pd.to_numeric(b["probability"], errors="coerce").fillna(1.0)
        if "probability" in b else 1.0,
        decided_in=b["decided_in"].astype(str) if "decided_in" in b else "all",
        contingent=b["contingent"].astype(str).str.lower().isin(["true", "1"])
        if adaptive else False)
    charged = next((c for c in ("expected_capex_usd", "charged") if c in b.columns), None)
    if charged is None and "capex_in_horizon_usd" in b.columns:  # a run saved before the tree
        b = b.assign(_charged=pd.to_numeric(b["capex_in_horizon_usd"], errors="coerce")
                     * b["probability"])
        charged = "_charged"
    rows = []
    keys = ["module", "site", "country", "decision_period", "online_period"]
    for k, g in b.groupby(keys, sort=False):
        names: set[str] = set()
        for label in g["decided_in"]:
            names |= set(scen) if label == "all" else set(label.split("+"))
        p = float(g["probability"].sum())
        if not g["contingent"].any():  # one node shared by every scenario (or a pre-tree run)
            kind = "now" if order.get(str(k[3]), 0) == 0 else "planned"
        elif p >= 1 - PROBABILITY_TOL:
            kind = "every scenario"
        else:
            kind = "contingent"
        rows.append(dict(zip(keys, k)) | {
            "count": int(g["count"].max()), "capacity_added_t": float(
                g["capacity_added_t"].max()) if "capacity_added_t" in g else np.nan,
            "capex_usd": float(g["capex_usd"].max()),
            "expected_capex_usd": float(pd.to_numeric(g[charged], errors="coerce").sum())
            if charged else np.nan,
            "probability": min(p, 1.0),
            "scenarios": "+".join([s for s in scen if s in names] + sorted(names - set(scen))),
            "kind": kind, "revealed": _earliest(g.get("revealed_period"), order)})
    out = pd.DataFrame(rows, columns=cols)
    rank = {"now": 0, "planned": 1, "every scenario": 2, "contingent": 3}
    out["_p"] = out["decision_period"].astype(str).map(order).fillna(len(order))
    out["_k"] = out["kind"].map(rank)
    return out.sort_values(["_p", "_k", "module"], kind="stable").drop(columns=["_p", "_k"]) \
        .reset_index(drop=True)


def contract_decisions(run: SavedRun) -> pd.DataFrame:
    """The contracts the plan signs, as decisions (the ``contracts`` table, one row per
    contract and signing period).

    Signings of a contract in one period but in several tree nodes are one decision, classed
    as builds are (:func:`decisions`): ``now``, ``planned``, ``every scenario`` or
    ``contingent``; a fixed contract (already signed) is ``fixed``. Columns: contract, trader,
    country, element, decision_period, probability, scenarios, kind, revealed, fee_usd,
    price_usd_per_t, min_take_t, max_t, first_period, last_period, expected_paid_t. Empty
    for a run without contracts.
    """
    cols = ["contract", "trader", "country", "element", "decision_period", "probability",
            "scenarios", "kind", "revealed", "fee_usd", "price_usd_per_t", "min_take_t",
            "max_t", "first_period", "last_period", "expected_paid_t"]
    c = run.tables.get("contracts")
    if c is None or c.empty:
        return pd.DataFrame(columns=cols)
    scen = scenario_names(run)
    order = {p: i for i, p in enumerate(periods(run))}
    c = c.assign(decision_period=c["decision_period"].astype(str),
                 decided_in=c["decided_in"].astype(str),
                 contingent=c["contingent"].astype(str).str.lower().isin(["true", "1"]),
                 probability=pd.to_numeric(c["probability"], errors="coerce").fillna(1.0))
    rows = []
    for (name, period, decision), g in c.groupby(["contract", "decision_period", "decision"],
                                                 sort=False):
        names: set[str] = set()
        for label in g["decided_in"]:
            names |= set(scen) if label == "all" else set(label.split("+"))
        p = float(g["probability"].sum())
        if decision == "fixed":
            kind = "fixed"
        elif not g["contingent"].any():
            kind = "now" if order.get(str(period), 0) == 0 else "planned"
        else:
            kind = "every scenario" if p >= 1 - PROBABILITY_TOL else "contingent"
        first = g.iloc[0]
        rows.append({"contract": name, "decision_period": period, "probability": min(p, 1.0),
                     "scenarios": "+".join([s for s in scen if s in names]
                                           + sorted(names - set(scen))),
                     "kind": kind, "revealed": _earliest(g.get("revealed_period"), order),
                     "expected_paid_t": float(pd.to_numeric(g["expected_paid_t"]).sum())}
                    | {k: first.get(k) for k in ("trader", "country", "element", "fee_usd",
                                                 "price_usd_per_t", "min_take_t", "max_t",
                                                 "first_period", "last_period")})
    return pd.DataFrame(rows, columns=cols)


def _earliest(labels, order: dict) -> str:
    """The earliest period among ``labels`` (blank/NaN skipped), '' if none."""
    if labels is None:
        return ""
    found = [str(x) for x in labels if isinstance(x, str) and x and x != "nan"]
    return min(found, key=lambda p: order.get(p, len(order))) if found else ""


def worst_scenario(run: SavedRun) -> dict | None:
    """The scenario with the most unmet demand (tonnes over the horizon, ties: dearest), with
    its probability, unmet tonnes and cost; None without ``scenario_costs``."""
    sc = run.tables.get("scenario_costs")
    if sc is None or sc.empty or "unmet_t" not in sc.columns:
        return None
    r = sc.sort_values(["unmet_t", "cost_usd"], ascending=False, kind="stable").iloc[0]
    return {"scenario": str(r["scenario"]), "probability": float(r["probability"]),
            "unmet_t": float(r["unmet_t"]), "cost_usd": float(r["cost_usd"])}
