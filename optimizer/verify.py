r"""Independent verification of a solution: every constraint and the objective, recomputed.

This is a second implementation of the mathematics in ``docs/instance-format.md`` and the
docstrings of :mod:`optimizer.formulation`, written without the formulation, its index frames
or Pyomo. It reads only

* the validated :class:`~optimizer.instance.Instance` (its tables, discount factors and
  scenarios; per-scenario, per-period data come from :func:`optimizer.scenario.cell_changes`),
* the solution as saved in the result tables: ``flows``, ``builds``, ``stocks`` and
  ``unmet_demand`` (one row per scenario and period, as a planner reads them),

and checks the plan scenario by scenario, period by period. A tree node shared by several
scenarios is checked once per scenario, which is redundant but keeps this module ignorant of
the tree.

Tolerances
----------
A row ``lhs ≤ rhs`` (or ``≥``, ``=``) is violated by ``excess = max(0, lhs − rhs)``; the
violation reported is ``excess / max(1, Σ|terms| + |rhs|)``, i.e. an absolute tolerance of
:data:`ABS_TOL` tonnes on small rows that grows with the size of the row's terms (a solver's
feasibility tolerance is absolute on scaled rows, and the tables print 10 significant digits).
The objective passes if ``|recomputed − reported| ≤ OBJ_TOL · max(1, |reported|)``.

Families
--------
structure            flows on lanes that exist, between sites of the right kinds, with the
                     provenance and element their origin can give; known scenarios, periods
demand_balance       delivered + unmet = demand; unmet = 0 for must-serve demand
plant_output         oxide shipped by a plant, by element and mine country ≤ Σ α ρ q
stock_balance        s_t = s_{t−1} + in − out per lot (stockpile, mined, processed country)
mine_capacity        concentrate out ≤ cap·[t ≥ first] + modules online by t
plant_capacity       feed in ≤ cap·[t ≥ first] + modules online by t
trader_capacity      oxide bought ≤ offer
lane_capacity        tonnes on a lane ≤ its capacity (blank = unlimited)
stock_capacity       end stock of a stockpile ≤ capacity
stock_closing        stock at the horizon's end ≥ closing_min_t
module_build_limit   Σ builds ≤ max_count; online no earlier than earliest_period; integer
export_quota_cap     exports (origin country ≠ destination country) of a product ≤ quota
end_use_tonnage_limit, end_use_share_limit, diversification_cap
                     policy rules on what reaches an end use, by mined/processed country
                     (a share is of the tonnes consumed: no more than the demand)
non_negativity       no negative tonnes, stocks, unmet demand or builds
non_anticipativity   scenarios whose data coincide up to period t decide the same up to t
service_floor        consumed by an end use ≥ min_served_share × its demand, per element
objective            E[cost]; with settings.risk_weight λ > 0, (1 − λ) E[cost] + λ CVaR_α
                     from each scenario's cost (:func:`recompute_risk`)
contract_*           supply contracts: :mod:`optimizer.verify_contracts`
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.instance import Instance
from optimizer.scenario import cell_changes
from optimizer.schema import ANY, CONCENTRATE, SHEET_BY_NAME
from optimizer.verify_contracts import (
    CONTRACT_FAMILIES,
    CONTRACT_TABLE_COLUMNS,
    check_contracts,
    contract_cost,
    spot_purchases,
)

ABS_TOL = 1e-6
"""Largest scaled violation accepted (see the module docstring)."""
OBJ_TOL = 1e-6
"""Largest relative objective mismatch accepted."""

FAMILIES = (
    "structure", "demand_balance", "plant_output", "stock_balance", "mine_capacity",
    "plant_capacity", "trader_capacity", "lane_capacity", "stock_capacity", "stock_closing",
    "module_build_limit",
    "export_quota_cap", "end_use_tonnage_limit", "end_use_share_limit", "diversification_cap",
    "non_negativity", "non_anticipativity", "service_floor",
) + CONTRACT_FAMILIES
"""Families checked, in report order."""

_SENSE_TEXT = {"<=": "≤", ">=": "≥", "==": "="}


# --------------------------------------------------------------------------------------------
# Instance data per scenario and period
# --------------------------------------------------------------------------------------------

class _Data:
    """Instance data with scenario changes: ``value(sheet, column, scenario, period, row)``."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.periods = list(inst.periods)
        self.pidx = {p: i for i, p in enumerate(self.periods)}
        self.scenarios = [s.name for s in inst.scenarios]
        self.prob = {s.name: float(s.probability) for s in inst.scenarios}
        self.disc = {p: float(d) for p, d in zip(self.periods, inst.discount_factors)}
        self.length = dict(zip(self.periods, (int(n) for n in inst.slots)))  # base periods
        self.start = dict(zip(self.periods, np.cumsum([0] + list(inst.slots))[:-1].tolist()))
        self.changes = {sc.name: cell_changes(inst, sc) for sc in inst.scenarios}
        recs = [(sheet, col, s, self.periods[t], row, float(v))
                for s, by_t in self.changes.items() for t, cells in by_t.items()
                for (sheet, row, col), v in cells.items()]
        self._ov = pd.DataFrame(recs, columns=["sheet", "column", "scenario", "period", "row",
                                               "value"])
        self.grid = pd.DataFrame([(s, p) for s in self.scenarios for p in self.periods],
                                 columns=["scenario", "period"])
        self.country = {}
        self.kind = {}
        for sheet in ("mines", "plants", "traders", "stockpiles", "demands"):
            df = inst.table(sheet)
            key = df.columns[1]  # after excel_row: the site identifier
            for site, c in zip(df[key], df["country"]):
                self.country[site] = c
                self.kind[site] = sheet

    def table(self, sheet: str) -> pd.DataFrame:
        return self.inst.table(sheet).reset_index(drop=True)

    def row_of(self, sheet: str, key: str) -> dict:
        """Key value → row position in ``sheet``."""
        return {k: i for i, k in enumerate(self.table(sheet)[key])}

    def value(self, sheet: str, column: str, scenario, period, row) -> np.ndarray:
        """Value of ``sheet.column`` at ``row`` in (scenario, period); NaN where blank."""
        row = np.asarray(row, dtype=np.int64)
        base = pd.to_numeric(self.table(sheet)[column], errors="coerce").to_numpy(float)
        out = base[row] if len(row) else np.zeros(0)
        ov = self._ov[(self._ov["sheet"] == sheet) & (self._ov["column"] == column)]
        if len(ov) and len(row):
            left = pd.DataFrame({"scenario": np.asarray(scenario, dtype=object),
                                 "period": np.asarray(period, dtype=object), "row": row})
            v = left.merge(ov[["scenario", "period", "row", "value"]], how="left",
                           on=["scenario", "period", "row"])["value"].to_numpy(float)
            out = np.where(np.isnan(v), out, v)
        if SHEET_BY_NAME[sheet].column(column).per_period and len(row):
            # A rate per base period: the period holds len(period) of them.
            out = out * pd.Series(np.asarray(period, dtype=object)).map(self.length).to_numpy(float)
        return out


# --------------------------------------------------------------------------------------------
# The solution, read from the result tables
# --------------------------------------------------------------------------------------------

_TABLE_COLUMNS = {
    "flows": (["scenario", "period", "product", "origin", "destination", "mined_in",
               "processed_in"], ["tonnes"]),
    "builds": (["scenario", "module", "decision_period", "online_period"], ["count"]),
    "stocks": (["scenario", "period", "stockpile", "element", "mined_country",
                "processed_country"], ["stock_t"]),
    "unmet_demand": (["scenario", "period", "demand", "element"], ["unmet_t"]),
}
_TABLE_COLUMNS.update(CONTRACT_TABLE_COLUMNS)  # contracts: optimizer/verify_contracts.py


def _builds_per_scenario(tables: dict, scenarios: list[str]) -> pd.DataFrame | None:
    """``builds_by_scenario``, or (runs saved before adaptive builds) ``builds`` taken by every
    scenario, decided in its online period."""
    if tables.get("builds_by_scenario") is not None:
        return tables["builds_by_scenario"]
    b = tables.get("builds")
    if b is None or len(b) == 0:
        return b
    b = b.assign(decision_period=b.get("decision_period", b["online_period"]))
    return b.merge(pd.DataFrame({"scenario": scenarios}), how="cross")


def _solution(tables: dict, scenarios: list[str]) -> dict[str, pd.DataFrame]:
    """The four solution tables with text keys and float values (missing table = empty)."""
    out = {}
    tables = dict(tables, builds=_builds_per_scenario(tables, scenarios))
    for name, (keys, values) in _TABLE_COLUMNS.items():
        df = tables.get(name)
        if df is None or len(df) == 0:
            out[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in keys}
                                     | {c: pd.Series(dtype=float) for c in values})
            continue
        missing = [c for c in keys + values if c not in df.columns]
        if missing:
            raise ValueError(f"result table '{name}' lacks column(s) {', '.join(missing)}")
        frame = pd.DataFrame({c: df[c].astype(str).to_numpy() for c in keys})
        for c in values:
            frame[c] = pd.to_numeric(df[c], errors="coerce").to_numpy(float)
        out[name] = frame
    return out


# --------------------------------------------------------------------------------------------
# Collecting violations
# --------------------------------------------------------------------------------------------

class _Report:
    """Worst scaled violation of each family, with a description of its row."""

    def __init__(self):
        self.worst = {f: 0.0 for f in FAMILIES}
        self.rows = {f: 0 for f in FAMILIES}
        self.bad_rows = {f: 0 for f in FAMILIES}
        self.where: dict[str, dict] = {}

    def add(self, family: str, keys: pd.DataFrame, lhs, rhs, sense: str, scale,
            what: str = "lhs") -> None:
        """Record rows ``lhs <sense> rhs``; ``scale`` is Σ|terms| + |rhs| of each row."""
        lhs = np.nan_to_num(np.asarray(lhs, dtype=float))
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), lhs.shape)
        n = len(lhs)
        if n == 0:
            return
        if sense == "<=":
            excess = lhs - rhs
        elif sense == ">=":
            excess = rhs - lhs
        else:
            excess = np.abs(lhs - rhs)
        excess = np.maximum(np.nan_to_num(excess, nan=np.inf), 0.0)
        scale = np.maximum(1.0, np.nan_to_num(np.abs(np.broadcast_to(
            np.asarray(scale, dtype=float), lhs.shape))))
        viol = excess / scale
        self.rows[family] += n
        self.bad_rows[family] += int(np.sum(viol > ABS_TOL))
        k = int(np.argmax(viol))
        if viol[k] > self.worst[family] or family not in self.where and viol[k] > 0:
            self.worst[family] = float(viol[k]) if math.isfinite(viol[k]) else 1e300
            row = keys.iloc[k]
            label = ", ".join(f"{c}={row[c]}" for c in keys.columns)
            self.where[family] = {
                "row": f"{family}[{label}]: {what} {lhs[k]:.10g} {_SENSE_TEXT[sense]} "
                       f"{rhs[k]:.10g} violated by {excess[k]:.3g}",
                "excess": float(excess[k]) if math.isfinite(excess[k]) else 1e300,
                "violation": self.worst[family],
            }


def _sum_by(df: pd.DataFrame, keys: list[str], value: str, name: str) -> pd.DataFrame:
    """Sum ``value`` by ``keys`` into a column called ``name``."""
    if df.empty:
        return pd.DataFrame(columns=keys + [name])
    return df.groupby(keys, as_index=False, sort=False)[value].sum().rename(columns={value: name})


def _attach(left: pd.DataFrame, right: pd.DataFrame, on: list[str], col: str) -> np.ndarray:
    """``right[col]`` aligned with the rows of ``left`` on ``on`` (0 where absent)."""
    if right.empty or left.empty:
        return np.zeros(len(left))
    merged = left[on].merge(right[on + [col]], how="left", on=on)
    return np.nan_to_num(merged[col].to_numpy(float))


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------

_KINDS = {("mines", "plants"), ("plants", "demands"), ("plants", "stockpiles"),
          ("traders", "demands"), ("traders", "stockpiles"), ("stockpiles", "demands")}


def _check_structure(d: _Data, sol: dict, rep: _Report) -> dict[str, pd.DataFrame]:
    """Flag rows the model could not have produced; return the tables without them."""
    flows = sol["flows"].copy()
    lanes = d.table("lanes")
    lane_set = set(zip(lanes["origin"], lanes["destination"]))
    trader = d.table("traders")
    trader_el = dict(zip(trader["trader"], trader["element"]))
    trader_mc = {t: (m if m is not None and m == m else c)
                 for t, m, c in zip(trader["trader"], trader["mined_country"], trader["country"])}
    stock = d.table("stockpiles")
    stock_el = dict(zip(stock["stockpile"], stock["element"]))
    elements = set(d.table("elements")["element"])
    ok_sc, ok_p = set(d.scenarios), set(d.periods)

    bad = []
    for o, de, p, mc, pc, s, t in zip(flows["origin"], flows["destination"], flows["product"],
                                      flows["mined_in"], flows["processed_in"],
                                      flows["scenario"], flows["period"]):
        ko, kd = d.kind.get(o), d.kind.get(de)
        if s not in ok_sc or t not in ok_p:
            bad.append("unknown scenario or period")
        elif (o, de) not in lane_set:
            bad.append("no such lane")
        elif (ko, kd) not in _KINDS:
            bad.append("lane between sites of these kinds")
        elif ko == "mines":
            bad.append("" if (p == CONCENTRATE and mc == d.country[o] and pc == d.country[de])
                       else "concentrate with the mine's and plant's countries")
        elif p not in elements:
            bad.append("an element")
        elif ko == "plants" and pc != d.country[o]:
            bad.append("processed in the plant's country")
        elif ko == "traders" and (p != trader_el[o] or pc != d.country[o] or mc != trader_mc[o]):
            bad.append("the trader's element and provenance")
        elif ((ko == "stockpiles" and p != stock_el[o])
              or (kd == "stockpiles" and p != stock_el[de])):
            bad.append("the stockpile's element")
        else:
            bad.append("")
    bad = np.array(bad, dtype=object)
    mask = bad != ""
    if len(flows):
        keys = flows[["scenario", "period", "product", "origin", "destination", "mined_in",
                      "processed_in"]].copy()
        keys["expected"] = bad
        t = np.abs(np.nan_to_num(flows["tonnes"].to_numpy(float), nan=1.0))
        # A structural error counts in full whatever its size (a 0 t row is harmless).
        rep.add("structure", keys, np.where(mask, t, 0.0), 0.0, "<=",
                np.where(mask, np.minimum(t, 1.0), 1.0), "tonnes")
    flows = flows[~mask].reset_index(drop=True)

    out = {"flows": flows}
    site_kind = {"stocks": ("stockpile", "stockpiles", "stock_t"),
                 "unmet_demand": ("demand", "demands", "unmet_t")}
    for name, (col, kind, val) in site_kind.items():
        df = sol[name]
        ok = (df["scenario"].isin(ok_sc) & df["period"].isin(ok_p)
              & df[col].map(lambda x, k=kind: d.kind.get(x) == k)).to_numpy(bool)
        if len(df):
            v = np.abs(np.nan_to_num(df[val].to_numpy(float), nan=1.0))
            rep.add("structure", df.drop(columns=[val]), np.where(ok, 0.0, v), 0.0, "<=",
                    np.where(ok, 1.0, np.minimum(v, 1.0)), val)
        out[name] = df[ok].reset_index(drop=True)
    builds = sol["builds"]
    mods = set(d.table("modules")["module"])
    ok = (builds["module"].isin(mods) & builds["online_period"].isin(ok_p)
          & builds["decision_period"].isin(ok_p) & builds["scenario"].isin(ok_sc)).to_numpy(bool)
    if len(builds):
        v = np.abs(np.nan_to_num(builds["count"].to_numpy(float), nan=1.0))
        rep.add("structure", builds.drop(columns=["count"]), np.where(ok, 0.0, v), 0.0, "<=",
                np.where(ok, 1.0, np.minimum(v, 1.0)), "count")
    out["builds"] = builds[ok].reset_index(drop=True)
    return out | {name: sol[name] for name in CONTRACT_TABLE_COLUMNS}  # checked by check_contracts


def _check_non_negativity(sol: dict, rep: _Report) -> None:
    for name, (keys, values) in _TABLE_COLUMNS.items():
        df = sol[name]
        for v in values:
            x = df[v].to_numpy(float)
            rep.add("non_negativity", df[keys], x, 0.0, ">=", np.abs(np.nan_to_num(x)), v)


def _demand_quantities(d: _Data) -> pd.DataFrame:
    """Demand (t) per (scenario, period, demand, element), with scenario changes."""
    q = d.table("demand_quantities")
    q = pd.DataFrame({"demand": q["demand"], "element": q["element"], "period": q["period"],
                      "row": np.arange(len(q))})
    rows = d.grid.merge(q, on="period")
    rows["quantity"] = np.nan_to_num(d.value("demand_quantities", "quantity_t", rows["scenario"],
                                             rows["period"], rows["row"]))
    return rows


def _demand_balance(d: _Data, flows, unmet, rep: _Report) -> None:
    """delivered + unmet = demand: a demand node consumes its demand, no more (no surplus)."""
    rows = _demand_quantities(d)
    into = flows[flows["destination"].map(d.kind.get) == "demands"]
    delivered = _sum_by(into.rename(columns={"destination": "demand", "product": "element"}),
                        ["scenario", "period", "demand", "element"], "tonnes", "delivered")
    un = _sum_by(unmet, ["scenario", "period", "demand", "element"], "unmet_t", "unmet")
    on = ["scenario", "period", "demand", "element"]
    got = _attach(rows, delivered, on, "delivered")
    u = _attach(rows, un, on, "unmet")
    rep.add("demand_balance", rows[on], got + u, rows["quantity"], "==",
            got + u + rows["quantity"].to_numpy(), "delivered + unmet")
    # Deliveries to a (demand, element, period) with no demand row: the model's row is = 0.
    if len(delivered):
        extra = delivered.merge(rows[on], how="left", on=on, indicator=True)
        extra = extra[extra["_merge"] == "left_only"]
        rep.add("demand_balance", extra[on], extra["delivered"], 0.0, "==",
                extra["delivered"].abs(), "delivered without demand")
    must = set(d.table("demands").loc[lambda x: x["must_serve"].fillna(False).astype(bool),
                                      "demand"])
    sel = unmet[unmet["demand"].isin(must)]
    rep.add("demand_balance", sel[on].assign(must_serve=True), sel["unmet_t"], 0.0, "<=",
            sel["unmet_t"].abs(), "unmet of a must-serve demand")


def _plant_output(d: _Data, flows, rep: _Report) -> None:
    conc = flows[flows["origin"].map(d.kind.get) == "mines"].copy()
    conc["mine_country"] = conc["origin"].map(d.country)
    assay = d.table("mine_assays")[["mine", "element", "share"]]
    rec = d.table("plant_recoveries")[["plant", "element", "recovery"]]
    # The mine's country from the instance, not the table's label (structure checks that).
    made = (conc.drop(columns=["product", "mined_in"])
            .rename(columns={"origin": "mine", "destination": "plant", "mine_country": "mined_in"})
            .merge(assay, on="mine").merge(rec, on=["plant", "element"]))
    made["oxide"] = made["tonnes"] * made["share"].astype(float) * made["recovery"].astype(float)
    keys = ["scenario", "period", "plant", "element", "mined_in"]
    separated = _sum_by(made, keys, "oxide", "separated")
    out = flows[flows["origin"].map(d.kind.get) == "plants"].rename(
        columns={"origin": "plant", "product": "element"})
    shipped = _sum_by(out, keys, "tonnes", "shipped")
    rows = pd.concat([separated[keys], shipped[keys]]).drop_duplicates(ignore_index=True)
    lhs = _attach(rows, shipped, keys, "shipped")
    rhs = _attach(rows, separated, keys, "separated")
    rep.add("plant_output", rows, lhs, rhs, "<=", lhs + rhs, "oxide shipped")


def _stock_balance(d: _Data, flows, stocks, rep: _Report) -> None:
    st = d.table("stockpiles")
    if st.empty:
        return
    sp_row = {s: i for i, s in enumerate(st["stockpile"])}
    init_mc = {s: (m if m is not None and m == m else c) for s, m, c in
               zip(st["stockpile"], st["initial_mined_country"], st["country"])}
    init_pc = {s: (m if m is not None and m == m else c) for s, m, c in
               zip(st["stockpile"], st["initial_processed_country"], st["country"])}
    lot = ["stockpile", "mined_country", "processed_country"]
    fl = flows.rename(columns={"mined_in": "mined_country", "processed_in": "processed_country"})
    into = fl[fl["destination"].isin(sp_row)].rename(columns={"destination": "stockpile"})
    inflow = _sum_by(into, ["scenario", "period"] + lot, "tonnes", "in")
    outflow = _sum_by(fl[fl["origin"].isin(sp_row)].rename(columns={"origin": "stockpile"}),
                      ["scenario", "period"] + lot, "tonnes", "out")
    held = _sum_by(stocks, ["scenario", "period"] + lot, "stock_t", "stock")
    initial = pd.DataFrame({"stockpile": list(sp_row),
                            "mined_country": [init_mc[s] for s in sp_row],
                            "processed_country": [init_pc[s] for s in sp_row]})
    lots = pd.concat([initial, inflow[lot], outflow[lot], held[lot]]).drop_duplicates(
        ignore_index=True)
    rows = d.grid.merge(lots, how="cross")
    keys = ["scenario", "period"] + lot
    s_now = _attach(rows, held, keys, "stock")
    inn = _attach(rows, inflow, keys, "in")
    out = _attach(rows, outflow, keys, "out")
    # Previous stock: the same lot one period earlier, or the initial stock in the first period.
    rows["prev_period"] = [d.periods[d.pidx[p] - 1] if d.pidx[p] > 0 else None
                           for p in rows["period"]]
    prev_keys = rows[["scenario", "prev_period"] + lot].rename(columns={"prev_period": "period"})
    s_prev = _attach(prev_keys, held, keys, "stock")
    first = rows["prev_period"].isna().to_numpy()
    is_init = ((rows["mined_country"] == rows["stockpile"].map(init_mc))
               & (rows["processed_country"] == rows["stockpile"].map(init_pc))).to_numpy()
    init_val = np.nan_to_num(d.value("stockpiles", "initial_t", rows["scenario"],
                                     np.full(len(rows), d.periods[0], dtype=object),
                                     rows["stockpile"].map(sp_row).to_numpy()))
    s_prev = np.where(first, np.where(is_init, init_val, 0.0), s_prev)
    rep.add("stock_balance", rows[keys], s_now, s_prev + inn - out, "==",
            np.abs(s_now) + np.abs(s_prev) + inn + out, "end stock")


def _module_capacity(d: _Data, builds) -> pd.DataFrame:
    """Capacity added at each site in each (scenario, period) by modules online by then."""
    mods = d.table("modules")
    if builds.empty or mods.empty:
        return pd.DataFrame(columns=["scenario", "period", "site", "added"])
    mrow = {m: i for i, m in enumerate(mods["module"])}
    b = builds.assign(row=builds["module"].map(mrow), site=builds["module"].map(
        dict(zip(mods["module"], mods["site"]))))
    rows = d.grid.merge(b, on="scenario")  # a scenario has the builds decided on its path
    rows = rows[[d.pidx[o] <= d.pidx[p] for o, p in zip(rows["online_period"], rows["period"])]]
    cap = d.value("modules", "capacity_t", rows["scenario"], rows["period"], rows["row"])
    rows = rows.assign(added=rows["count"].to_numpy(float) * np.nan_to_num(cap))
    return _sum_by(rows, ["scenario", "period", "site"], "added", "added")


def _site_capacity(d: _Data, flows, builds, rep: _Report, sheet: str, family: str,
                   side: str) -> None:
    """Mines (concentrate out) and plants (concentrate in): (cap + modules)·[t ≥ first]."""
    sites = d.table(sheet)
    key = sheet[:-1]
    rows = d.grid.merge(pd.DataFrame({key: sites[key], "row": np.arange(len(sites)),
                                      "first": sites["first_period"]}), how="cross")
    if rows.empty:
        return
    cap = np.nan_to_num(d.value(sheet, "capacity_t", rows["scenario"], rows["period"], rows["row"]))
    online = np.array([f is None or f != f or d.pidx[p] >= d.pidx[f]
                       for f, p in zip(rows["first"], rows["period"])], dtype=bool)
    added = _attach(rows.rename(columns={key: "site"}), _module_capacity(d, builds),
                    ["scenario", "period", "site"], "added")
    conc = flows[flows["origin"].map(d.kind.get) == "mines"].rename(columns={side: key})
    used = _attach(rows, _sum_by(conc, ["scenario", "period", key], "tonnes", "used"),
                   ["scenario", "period", key], "used")
    rhs = np.where(online, cap + added, 0.0)  # a module runs only when its site may
    rep.add(family, rows[["scenario", "period", key]], used, rhs, "<=", used + rhs,
            "concentrate out" if key == "mine" else "feed")


def _simple_capacity(d: _Data, used: pd.DataFrame, rep: _Report, sheet: str, key: str,
                     family: str, what: str) -> None:
    """Σ used by (scenario, period, ``key``) ≤ ``sheet.capacity_t`` of that row."""
    table = d.table(sheet)
    rows = d.grid.merge(pd.DataFrame({key: table[key], "row": np.arange(len(table))}), how="cross")
    if rows.empty:
        return
    cap = d.value(sheet, "capacity_t", rows["scenario"], rows["period"], rows["row"])
    lhs = _attach(rows, used, ["scenario", "period", key], "used")
    rep.add(family, rows[["scenario", "period", key]], lhs, np.nan_to_num(cap), "<=",
            lhs + np.nan_to_num(cap), what)


def _stock_closing(d: _Data, stocks: pd.DataFrame, rep: _Report) -> None:
    """Stock of a stockpile at the end of the last period ≥ its closing_min_t (if given)."""
    table = d.table("stockpiles")
    if table.empty or "closing_min_t" not in table:
        return
    last = d.periods[-1]
    rows = pd.DataFrame({"scenario": d.scenarios}).merge(
        pd.DataFrame({"stockpile": table["stockpile"], "row": np.arange(len(table))}),
        how="cross").assign(period=last)
    need = d.value("stockpiles", "closing_min_t", rows["scenario"], rows["period"], rows["row"])
    keep = ~np.isnan(need)
    rows, need = rows[keep], need[keep]
    if rows.empty:
        return
    held = _attach(rows, _sum_by(stocks[stocks["period"] == last], ["scenario", "stockpile"],
                                 "stock_t", "held"), ["scenario", "stockpile"], "held")
    rep.add("stock_closing", rows[["scenario", "period", "stockpile"]], held, need, ">=",
            held + need, "stock at the horizon's end")


def _lane_capacity(d: _Data, flows, rep: _Report) -> None:
    lanes = d.table("lanes")
    rows = d.grid.merge(pd.DataFrame({"origin": lanes["origin"],
                                      "destination": lanes["destination"],
                                      "row": np.arange(len(lanes))}), how="cross")
    if rows.empty:
        return
    cap = d.value("lanes", "capacity_t", rows["scenario"], rows["period"], rows["row"])
    limited = ~np.isnan(cap)
    rows, cap = rows[limited], cap[limited]
    keys = ["scenario", "period", "origin", "destination"]
    lhs = _attach(rows, _sum_by(flows, keys, "tonnes", "used"), keys, "used")
    rep.add("lane_capacity", rows[keys], lhs, cap, "<=", lhs + cap, "tonnes on lane")


def _module_build_limit(d: _Data, builds, rep: _Report) -> None:
    """Per scenario: Σ builds ≤ max_count; decided no earlier than earliest_decision_period;
    online exactly when the lead time says and no earlier than earliest_period; integer."""
    mods = d.table("modules")
    if mods.empty:
        return
    total = _sum_by(builds, ["scenario", "module"], "count", "built")
    rows = pd.DataFrame({"module": mods["module"]}).merge(
        pd.DataFrame({"scenario": d.scenarios}), how="cross")
    built = _attach(rows, total, ["scenario", "module"], "built")
    cap = rows["module"].map(dict(zip(mods["module"], mods["max_count"].fillna(1)))).to_numpy(float)
    rep.add("module_build_limit", rows, built, cap, "<=", built + cap, "modules built")
    if builds.empty:
        return
    info = mods.set_index("module")
    per_year = float(d.inst.settings.get("periods_per_year", 4) or 4)
    c = builds["count"].to_numpy(float)
    keys = builds[["scenario", "module", "decision_period", "online_period"]]

    def flag(bad: np.ndarray, rule: str, what: str) -> None:
        rep.add("module_build_limit", keys.assign(rule=rule), np.where(bad, c, 0.0), 0.0, "<=",
                np.where(bad, np.minimum(np.abs(c), 1.0), 1.0), what)

    def pos(label) -> int:
        return -1 if label is None or label != label else d.pidx[label]

    decided = np.array([d.pidx[p] for p in builds["decision_period"]])
    online = np.array([d.pidx[p] for p in builds["online_period"]])
    first = np.array([pos(info.at[m, "earliest_decision_period"]) for m in builds["module"]])
    flag(decided < first, "decided ≥ earliest_decision_period", "count decided too early")
    earliest = np.array([pos(info.at[m, "earliest_period"]) for m in builds["module"]])
    flag(online < earliest, "online ≥ earliest_period", "count before earliest_period")
    # Lead time: online from the first period starting ≥ lead_time_years after the decision.
    starts = np.array([d.start[p] for p in d.periods], dtype=float)
    due = [d.start[p] + float(info.at[m, "lead_time_years"] or 0.0) * per_year
           for p, m in zip(builds["decision_period"], builds["module"])]
    expected = np.array([int(np.argmax(starts >= x - 1e-9)) if (starts >= x - 1e-9).any()
                         else len(starts) for x in due])
    flag(online != expected, "online = decision + lead_time_years", "count online off its "
         "lead time")
    rep.add("module_build_limit", keys.assign(rule="integer"), c, np.round(c), "==", 1.0, "count")


def _rule_grid(d: _Data, sheet: str, column: str) -> pd.DataFrame:
    """Rules × (scenario, period) where the rule is active, with its value there."""
    rules = d.table(sheet)
    if rules.empty:
        return pd.DataFrame()
    r = rules.drop(columns=["excel_row"], errors="ignore").assign(rule=np.arange(len(rules)))
    if "period" in r.columns:
        r = r.rename(columns={"period": "rule_period"})
    rows = d.grid.merge(r, how="cross")
    if "rule_period" in rows.columns:
        rows = rows[rows["rule_period"].isin([None, ANY]) | rows["rule_period"].isna()
                    | (rows["rule_period"] == rows["period"])]
    rows = rows.reset_index(drop=True)
    rows["value"] = d.value(sheet, column, rows["scenario"], rows["period"], rows["rule"])
    return rows[~rows["value"].isna()].reset_index(drop=True)


def _export_quota(d: _Data, flows, rep: _Report) -> None:
    rows = _rule_grid(d, "export_quotas", "cap_t")
    if rows.empty:
        return
    f = flows.assign(oc=flows["origin"].map(d.country), dc=flows["destination"].map(d.country),
                     is_conc=flows["origin"].map(d.kind.get) == "mines")
    f = f[f["oc"] != f["dc"]]
    exports = {
        "conc": _sum_by(f[f["is_conc"]], ["scenario", "period", "oc"], "tonnes", "x"),
        "all": _sum_by(f[~f["is_conc"]], ["scenario", "period", "oc"], "tonnes", "x"),
        "el": _sum_by(f[~f["is_conc"]], ["scenario", "period", "oc", "product"], "tonnes", "x"),
    }
    left = rows.rename(columns={"country": "oc"})
    lhs = np.where(rows["product"] == CONCENTRATE,
                   _attach(left, exports["conc"], ["scenario", "period", "oc"], "x"),
                   np.where(rows["product"] == ANY,
                            _attach(left, exports["all"], ["scenario", "period", "oc"], "x"),
                            _attach(left, exports["el"], ["scenario", "period", "oc", "product"],
                                    "x")))
    keys = rows[["scenario", "period", "country", "product", "rule_period"]]
    rep.add("export_quota_cap", keys, lhs, rows["value"], "<=", lhs + rows["value"],
            "exports")


def _into_end_uses(d: _Data, flows) -> pd.DataFrame:
    end_use = dict(zip(d.table("demands")["demand"], d.table("demands")["end_use"]))
    into = flows[flows["destination"].map(d.kind.get) == "demands"]
    return into.assign(end_use=into["destination"].map(end_use))


def _consumed(d: _Data, flows) -> pd.DataFrame:
    """Tonnes each demand node consumes, per (scenario, period, demand, end_use, element).

    What it received, but never more than its demand: a surplus tonne is not consumed, so it
    cannot dilute a share rule (the denominator of every share check below).
    """
    into = _into_end_uses(d, flows).rename(columns={"destination": "demand", "product": "element"})
    on = ["scenario", "period", "demand", "element"]
    got = _sum_by(into, on + ["end_use"], "tonnes", "delivered")
    if got.empty:
        return got.assign(consumed=pd.Series(dtype=float))
    demand = _attach(got, _demand_quantities(d), on, "quantity")
    return got.assign(consumed=np.minimum(got["delivered"].to_numpy(float), demand))


def _provenance(f: pd.DataFrame, country: str, basis: str) -> pd.Series:
    mined, processed = f["mined_in"] == country, f["processed_in"] == country
    return mined if basis == "mined" else processed if basis == "processed" else mined | processed


def _end_use_limits(d: _Data, flows, rep: _Report) -> None:
    rules = d.table("end_use_limits")
    if rules.empty:
        return
    into = _into_end_uses(d, flows)
    consumed = _consumed(d, flows)
    sp = ["scenario", "period"]
    for column, family in (("max_t", "end_use_tonnage_limit"),
                           ("max_share", "end_use_share_limit")):
        grid = _rule_grid(d, "end_use_limits", column)
        for r, rows in grid.groupby("rule", sort=True):
            rule = rules.iloc[r]
            f = into[into["end_use"] == rule["end_use"]]
            if rule["element"] != ANY:
                f = f[f["product"] == rule["element"]]
            matched = _attach(rows, _sum_by(f[_provenance(f, rule["country"], rule["basis"])], sp,
                                            "tonnes", "x"), sp, "x")
            keys = rows[["scenario", "period", "country", "basis", "end_use", "element"]]
            if column == "max_t":
                rep.add(family, keys, matched, rows["value"], "<=", matched + rows["value"],
                        "tonnes")
            else:
                c = consumed[consumed["end_use"] == rule["end_use"]]
                if rule["element"] != ANY:
                    c = c[c["element"] == rule["element"]]
                total = _attach(rows, _sum_by(c, sp, "consumed", "x"), sp, "x")
                rhs = rows["value"].to_numpy() * total
                rep.add(family, keys, matched, rhs, "<=", matched + rhs,
                        "tonnes from the country")


def _diversification(d: _Data, flows, rep: _Report) -> None:
    grid = _rule_grid(d, "diversification_caps", "max_share")
    if grid.empty:
        return
    into = _into_end_uses(d, flows)
    consumed = _consumed(d, flows)
    for (eu, el, basis), rows in grid.groupby(["end_use", "element", "basis"], sort=True):
        f = into[into["end_use"] == eu]
        if el != ANY:
            f = f[f["product"] == el]
        col = "mined_in" if basis == "mined" else "processed_in"
        by_country = _sum_by(f.rename(columns={col: "country", "product": "el"}),
                             ["scenario", "period", "el", "country"], "tonnes", "x")
        c = consumed[consumed["end_use"] == eu]
        if el != ANY:
            c = c[c["element"] == el]
        total = _sum_by(c.rename(columns={"element": "el"}), ["scenario", "period", "el"],
                        "consumed", "total")
        if by_country.empty:
            continue
        r = rows[["scenario", "period", "end_use", "element", "basis", "value"]].merge(
            by_country, on=["scenario", "period"])
        tot = _attach(r, total, ["scenario", "period", "el"], "total")
        rhs = r["value"].to_numpy() * tot
        keys = r[["scenario", "period", "end_use", "el", "basis", "country"]].rename(
            columns={"el": "element"})
        rep.add("diversification_cap", keys, r["x"], rhs, "<=", r["x"] + rhs,
                "tonnes from the country")


def _non_anticipativity(d: _Data, sol: dict, rep: _Report) -> None:
    """Scenarios with the same data in every period ≤ t decide the same in period t."""
    gid: dict[tuple, int] = {}
    rows = []
    for s in d.scenarios:
        sig: tuple = ()
        for t, p in enumerate(d.periods):
            sig = (sig, frozenset(d.changes[s].get(t, {}).items()))
            rows.append((s, p, gid.setdefault(sig, len(gid))))
    groups = pd.DataFrame(rows, columns=["scenario", "period", "group"])
    shared = groups.assign(group=-1)
    size = pd.concat([groups, shared]).groupby(["period", "group"]).size().rename("n").reset_index()
    if len(d.scenarios) <= 1:
        return
    for name, (keys, values) in _TABLE_COLUMNS.items():
        table = sol[name]
        if name == "builds":
            # A build belongs to the period it is decided in; here-and-now builds are decided
            # before anything is revealed, so every scenario must share them.
            table = table.rename(columns={"decision_period": "period"})
            keys = ["scenario", "period", "module", "online_period"]
        df = table.merge(groups if name != "builds" or d.inst.adaptive_builds else shared,
                         on=["scenario", "period"])
        if df.empty:
            continue
        k = ["period", "group"] + [c for c in keys if c not in ("scenario", "period")]
        v = values[0]
        agg = df.groupby(k, as_index=False, sort=False).agg(hi=(v, "max"), lo=(v, "min"),
                                                           cnt=(v, "size"))
        agg = agg.merge(size, on=["period", "group"])
        agg = agg[agg["n"] > 1]
        partial = (agg["cnt"] < agg["n"]).to_numpy()  # absent rows are 0 (flows: positive only)
        hi = np.where(partial, np.maximum(agg["hi"], 0.0), agg["hi"])
        lo = np.where(partial, np.minimum(agg["lo"], 0.0), agg["lo"])
        members = pd.concat([groups, shared]).groupby(["period", "group"])["scenario"].agg(
            lambda x: "+".join(x))
        label = agg[["period", "group"]].apply(tuple, axis=1).map(members)
        keys_df = agg[k].drop(columns=["group"]).assign(scenarios=label.to_numpy(), table=name)
        rep.add("non_anticipativity", keys_df, hi - lo, 0.0, "<=",
                np.maximum(np.abs(hi), np.abs(lo)), f"spread of {v} across scenarios")


def _service_floor(d: _Data, flows, rep: _Report) -> None:
    """Σ consumed by the end use's demand nodes ≥ min_served_share × Σ their demand, in every
    scenario and period, for the rule's element (each element the end use demands for '*')."""
    grid = _rule_grid(d, "service_levels", "min_served_share")
    if grid.empty:
        return
    end_use = dict(zip(d.table("demands")["demand"], d.table("demands")["end_use"]))
    need = _demand_quantities(d)
    need = need.assign(end_use=need["demand"].map(end_use))
    need = _sum_by(need, ["scenario", "period", "end_use", "element"], "quantity", "demand_t")
    got = _consumed(d, flows)
    got = _sum_by(got, ["scenario", "period", "end_use", "element"], "consumed", "served_t")
    r = grid[["scenario", "period", "end_use", "element", "value"]].rename(
        columns={"element": "rule_element"}).merge(need, on=["scenario", "period", "end_use"])
    r = r[(r["rule_element"] == ANY) | (r["rule_element"] == r["element"])].reset_index(drop=True)
    served = _attach(r, got, ["scenario", "period", "end_use", "element"], "served_t")
    rhs = r["value"].to_numpy(float) * r["demand_t"].to_numpy(float)
    rep.add("service_floor", r[["scenario", "period", "end_use", "element", "value"]], served,
            rhs, ">=", served + rhs, "tonnes served")


def _tail_by_sorting(cost: np.ndarray, prob: np.ndarray, alpha: float) -> tuple[float, float]:
    """(VaR_α, CVaR_α) by walking the sorted costs: VaR is the first cost at which the
    cumulative probability from the cheapest reaches α; CVaR the probability-weighted mean
    of the dearest scenarios filling the last 1 − α of probability (the boundary scenario
    counted with the part of its probability that falls in the tail)."""
    up = np.argsort(cost, kind="stable")
    cum, var = 0.0, float(cost[up[-1]])
    for k in up:
        cum += prob[k]
        if cum >= alpha - 1e-12:
            var = float(cost[k])
            break
    left, tail = 1.0 - alpha, 0.0
    for k in up[::-1]:
        take = min(float(prob[k]), left)
        tail += take * float(cost[k])
        left -= take
        if left <= 1e-15:
            break
    return var, tail / (1.0 - alpha)


def recompute_risk(d: _Data, sol: dict) -> dict:
    """Each scenario's discounted cost, E[cost], VaR_α and CVaR_α, from the plan's tables.

    A scenario's cost is :func:`recompute_objective` of its own rows with its probability set
    to 1: every node on its path at its discount factor, and every build it takes in full.
    λ and α are ``settings.risk_weight`` (default 0) and ``settings.cvar_alpha`` (0.9).
    """
    import copy

    s_ = d.inst.settings
    lam = float(str(s_.get("risk_weight", 0) or 0))
    alpha = float(str(s_.get("cvar_alpha", 0.9) or 0.9))
    alone = copy.copy(d)
    alone.prob = {s: 1.0 for s in d.scenarios}
    cost = np.array([recompute_objective(alone, {k: df[df["scenario"] == s] if "scenario" in df
                                                  else df for k, df in sol.items()})
                     for s in d.scenarios])
    prob = np.array([d.prob[s] for s in d.scenarios])
    var, cvar = _tail_by_sorting(cost, prob, alpha)
    expected = float(np.sum(prob * cost))
    return {"risk_weight": lam, "cvar_alpha": alpha, "scenario_cost_usd": dict(zip(
        d.scenarios, cost.tolist())), "expected_cost_usd": expected, "var_usd": var,
        "cvar_usd": cvar, "objective_usd": (1 - lam) * expected + lam * cvar}


# --------------------------------------------------------------------------------------------
# The objective
# --------------------------------------------------------------------------------------------

def _tariff_per_t(d: _Data, f: pd.DataFrame, product: pd.Series, customs: np.ndarray) -> np.ndarray:
    """Duty per tonne on each flow crossing a border: the most specific tariff row applies."""
    tariffs = d.table("tariffs")
    if tariffs.empty or f.empty:
        return np.zeros(len(f))
    at = {(o, de, p): i for i, (o, de, p) in enumerate(zip(
        tariffs["origin_country"], tariffs["destination_country"], tariffs["product"]))}
    oc = f["origin"].map(d.country).to_numpy()
    dc = f["destination"].map(d.country).to_numpy()
    row = np.array([-1 if a == b else at.get((a, b, p), at.get((a, b, ANY), -1))
                    for a, b, p in zip(oc, dc, product)], dtype=np.int64)
    has = row >= 0
    duty = np.zeros(len(f))
    if has.any():
        s, t, r = f["scenario"].to_numpy()[has], f["period"].to_numpy()[has], row[has]
        ad = np.nan_to_num(d.value("tariffs", "ad_valorem", s, t, r))
        per_t = np.nan_to_num(d.value("tariffs", "per_t_usd", s, t, r))
        duty[has] = ad * customs[has] + per_t
    return duty


def _weight(d: _Data, df: pd.DataFrame) -> np.ndarray:
    return (df["scenario"].map(d.prob).to_numpy(float) * df["period"].map(d.disc).to_numpy(float))


def _lookup(d: _Data, df: pd.DataFrame, sheet: str, key: str, by: str, column: str) -> np.ndarray:
    rows = df[by].map(d.row_of(sheet, key)).to_numpy()
    return np.nan_to_num(d.value(sheet, column, df["scenario"], df["period"],
                                 rows.astype(np.int64)))


def _build_costs(d: _Data, builds: pd.DataFrame) -> float:
    """Expected discounted capex and fixed O&M of the builds on each scenario's path.

    Capex without a lifetime: ``spread`` (default) = equal payments in each base period from
    the decision until online (at online if they coincide); ``decision``; ``online``. With a
    lifetime of L base periods: capex · i / (1 − (1+i)^−L) in each base period of the life
    inside the horizon. Fixed O&M: per base period online, to the end of the horizon.
    """
    mods = d.table("modules").set_index("module")
    v = d.inst.slot_discount()  # factor of each base period (validated data)
    s_ = d.inst.settings
    i = (1 + float(s_.get("discount_rate_per_year", 0) or 0)) ** (
        1 / float(s_.get("periods_per_year", 4) or 4)) - 1
    mrow = d.row_of("modules", "module")
    total = 0.0
    for s, mod, dec, online, count in zip(builds["scenario"], builds["module"],
                                          builds["decision_period"], builds["online_period"],
                                          builds["count"]):
        a, o = d.start[dec], d.start[online]
        capex = float(np.nan_to_num(mods.at[mod, "capex_usd"]))
        life = mods.at[mod, "lifetime_periods"]
        timing = mods.at[mod, "capex_timing"] if "capex_timing" in mods else None
        if life is not None and life == life:
            life = int(life)
            payment = 1 / life if i == 0 else i / (1 - (1 + i) ** -life)
            share = payment * float(v[o:o + life].sum())
        elif timing == "decision":
            share = float(v[a])
        elif timing == "online" or o == a:
            share = float(v[o])
        else:
            share = float(v[a:o].mean())
        later = d.periods[d.pidx[online]:]
        fom = d.value("modules", "fixed_om_usd", [s] * len(later), later,
                      [mrow[mod]] * len(later))  # per period: rate × length
        disc = np.array([d.disc[t] for t in later])
        total += d.prob[s] * count * (capex * share + float(np.sum(disc * np.nan_to_num(fom))))
    return total


def recompute_objective(d: _Data, sol: dict) -> float:
    """Expected discounted total cost (USD) of the plan, from the objective's docstring."""
    flows = sol["flows"]
    lanes = d.table("lanes")
    lane_row = {k: i for i, k in enumerate(zip(lanes["origin"], lanes["destination"]))}
    total = 0.0
    is_conc = (flows["origin"].map(d.kind.get) == "mines").to_numpy()
    for conc in (True, False):
        f = flows[is_conc == conc].reset_index(drop=True)
        if f.empty:
            continue
        lane = np.array([lane_row[k] for k in zip(f["origin"], f["destination"])], dtype=np.int64)
        unit = np.nan_to_num(d.value("lanes", "cost_usd_per_t", f["scenario"], f["period"], lane))
        if conc:
            mine_cost = _lookup(d, f, "mines", "mine", "origin", "cost_usd_per_t")
            unit = unit + mine_cost + _lookup(d, f, "plants", "plant", "destination",
                                              "opex_usd_per_t")
            unit = unit + _tariff_per_t(d, f, pd.Series([CONCENTRATE] * len(f)), mine_cost)
        else:
            from_trader = (f["origin"].map(d.kind.get) == "traders").to_numpy()
            price = np.zeros(len(f))
            if from_trader.any():
                price[from_trader] = _lookup(d, f[from_trader], "traders", "trader", "origin",
                                             "price_usd_per_t")
            ref = _lookup(d, f, "elements", "element", "product", "reference_price_usd_per_t")
            customs = np.where(from_trader, price, ref)
            unit = unit + price + _tariff_per_t(d, f, f["product"], customs)
        total += float(np.sum(_weight(d, f) * unit * f["tonnes"].to_numpy(float)))
    st = sol["stocks"]
    if len(st):
        hold = _lookup(d, st, "stockpiles", "stockpile", "stockpile", "holding_cost_usd_per_t")
        total += float(np.sum(_weight(d, st) * hold * st["stock_t"].to_numpy(float)))
        # Stock left at the end of the last period is credited at its terminal value.
        end = (st["period"] == d.periods[-1]).to_numpy()
        if end.any():
            tv = _lookup(d, st[end], "stockpiles", "stockpile", "stockpile",
                         "terminal_value_usd_per_t")
            total -= float(np.sum(_weight(d, st[end]) * tv * st["stock_t"].to_numpy(float)[end]))
    un = sol["unmet_demand"]
    if len(un):
        voll = _lookup(d, un, "demands", "demand", "demand", "lost_value_usd_per_t")
        # A demand_quantities row may set its own lost value for its element and period.
        q = d.table("demand_quantities")
        qrow = {k: i for i, k in enumerate(zip(q["demand"], q["element"], q["period"]))}
        rows = np.array([qrow.get(k, -1) for k in zip(un["demand"], un["element"], un["period"])],
                        dtype=np.int64)
        have = rows >= 0
        own = np.full(len(un), np.nan)
        own[have] = d.value("demand_quantities", "lost_value_usd_per_t",
                            un["scenario"].to_numpy()[have], un["period"].to_numpy()[have],
                            rows[have])
        voll = np.where(np.isnan(own), voll, own)
        total += float(np.sum(_weight(d, un) * voll * un["unmet_t"].to_numpy(float)))
    builds = sol["builds"]
    if len(builds):
        total += _build_costs(d, builds)
    return total + contract_cost(d, sol)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def verify_run(inst: Instance, tables: dict, objective: float | None) -> dict:
    """Recompute every constraint and the objective of a solution from the instance data.

    Parameters
    ----------
    inst : the instance that was solved (with any run overrides already applied)
    tables : result tables by name; ``flows``, ``builds``, ``stocks`` and ``unmet_demand`` are read
    objective : the objective the solver reported (expected discounted USD), or None

    Returns
    -------
    dict with ``checked``, ``ok``, ``max_violation`` (largest scaled violation),
    ``by_family`` (family → largest scaled violation), ``worst`` (family, row, sizes of the
    largest violation), ``violated_rows`` (family → rows over tolerance, only where > 0),
    ``worst_rows`` (family → description, only for families over tolerance),
    ``objective_recomputed``, ``objective_reported``, ``objective_mismatch`` (relative) and
    ``tolerance``.
    """
    d = _Data(inst)
    sol = _solution(tables, d.scenarios)
    rep = _Report()
    _check_non_negativity(sol, rep)
    sol = _check_structure(d, sol, rep)
    flows, builds = sol["flows"], sol["builds"]
    _demand_balance(d, flows, sol["unmet_demand"], rep)
    _plant_output(d, flows, rep)
    _stock_balance(d, flows, sol["stocks"], rep)
    _site_capacity(d, flows, builds, rep, "mines", "mine_capacity", "origin")
    _site_capacity(d, flows, builds, rep, "plants", "plant_capacity", "destination")
    traders = flows[flows["origin"].map(d.kind.get) == "traders"].rename(
        columns={"origin": "trader"})
    _simple_capacity(d, spot_purchases(d, sol, _sum_by(traders, ["scenario", "period", "trader"],
                                                       "tonnes", "used")), rep,
                     "traders", "trader", "trader_capacity", "oxide bought")
    _lane_capacity(d, flows, rep)
    _simple_capacity(d, _sum_by(sol["stocks"], ["scenario", "period", "stockpile"], "stock_t",
                                "used"), rep, "stockpiles", "stockpile", "stock_capacity",
                     "stock held")
    _stock_closing(d, sol["stocks"], rep)
    _module_build_limit(d, builds, rep)
    _export_quota(d, flows, rep)
    _end_use_limits(d, flows, rep)
    _diversification(d, flows, rep)
    _non_anticipativity(d, sol, rep)
    _service_floor(d, flows, rep)
    check_contracts(d, sol, rep)

    risk = recompute_risk(d, sol) if len(d.scenarios) else None
    # Under a mean-CVaR objective the solver reports (1 − λ) E + λ CVaR, not E.
    recomputed = risk["objective_usd"] if risk and risk["risk_weight"] > 0 \
        else recompute_objective(d, sol)
    if objective is None or not math.isfinite(float(objective)):
        mismatch = None
    else:
        mismatch = abs(recomputed - float(objective)) / max(1.0, abs(float(objective)))
    worst_family = max(FAMILIES, key=lambda f: rep.worst[f])
    max_violation = rep.worst[worst_family]
    ok = max_violation <= ABS_TOL and (mismatch is None or mismatch <= OBJ_TOL)
    worst = {"family": worst_family, **rep.where[worst_family]} if max_violation > 0 else None
    if mismatch is not None and mismatch > OBJ_TOL and max_violation <= ABS_TOL:
        worst = {"family": "objective", "row": f"objective: recomputed {recomputed:.10g} USD, "
                 f"solver reported {float(objective):.10g} USD", "excess":
                 abs(recomputed - float(objective)), "violation": mismatch}
    return {
        "checked": True,
        "ok": bool(ok),
        "max_violation": max_violation,
        "by_family": dict(rep.worst),
        "rows_checked": dict(rep.rows),
        "violated_rows": {f: n for f, n in rep.bad_rows.items() if n},
        "worst_rows": {f: rep.where[f]["row"] for f in FAMILIES if rep.worst[f] > ABS_TOL},
        "worst": worst,
        "objective_recomputed": recomputed,
        "objective_reported": None if objective is None else float(objective),
        "objective_mismatch": mismatch,
        "risk": risk,
        "tolerance": {"scaled_absolute": ABS_TOL, "objective_relative": OBJ_TOL},
    }


def describe_failure(report: dict) -> str:
    """One line naming the worst family and row of a failed verification."""
    w = report.get("worst") or {}
    fam = w.get("family", "?")
    if fam == "objective":
        return (f"objective mismatch {report.get('objective_mismatch', 0):.3g} (relative): "
                f"{w['row']}")
    return f"family {fam}, worst row {w.get('row', '?')} (scaled violation " \
           f"{report.get('max_violation', 0):.3g} > {ABS_TOL:g})"
