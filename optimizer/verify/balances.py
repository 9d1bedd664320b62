"""Checks of the plan's shape and balances: structure, non-negativity, demand, plant output,
stock (formulas in :mod:`optimizer.verify`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.schema import CONCENTRATE
from optimizer.verify.base import (
    TABLE_COLUMNS,
    InstanceData,
    Violations,
)
from optimizer.verify.contracts import (
    CONTRACT_TABLE_COLUMNS,
)
from optimizer.verify.keys import attach, groups_of, present, sum_by

_KINDS = {("mines", "plants"), ("plants", "demands"), ("plants", "stockpiles"),
          ("traders", "demands"), ("traders", "stockpiles"), ("stockpiles", "demands")}


def check_structure(d: InstanceData, sol: dict, rep: Violations) -> dict[str, pd.DataFrame]:
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

    def expected(o, de, p, mc, pc) -> str:
        """What the model would have given a flow of ``p`` on lane (o, de); "" if it could."""
        ko, kd = d.kind.get(o), d.kind.get(de)
        if (o, de) not in lane_set:
            return "no such lane"
        elif (ko, kd) not in _KINDS:
            return "lane between sites of these kinds"
        elif ko == "mines":
            return ("" if (p == CONCENTRATE and mc == d.country[o] and pc == d.country[de])
                    else "concentrate with the mine's and plant's countries")
        elif p not in elements:
            return "an element"
        elif ko == "plants" and pc != d.country[o]:
            return "processed in the plant's country"
        elif ko == "traders" and (p != trader_el[o] or pc != d.country[o] or mc != trader_mc[o]):
            return "the trader's element and provenance"
        elif ((ko == "stockpiles" and p != stock_el[o])
              or (kd == "stockpiles" and p != stock_el[de])):
            return "the stockpile's element"
        return ""

    # Judged once per distinct (lane, product, provenance): the same in every scenario, period.
    shape = ["origin", "destination", "product", "mined_in", "processed_in"]
    group, first = groups_of(flows, shape)
    verdict = np.array([expected(*row) for row in zip(
        *(flows[c].to_numpy(dtype=object)[first] for c in shape))], dtype=object)
    known = (flows["scenario"].isin(ok_sc) & flows["period"].isin(ok_p)).to_numpy(bool)
    bad = np.where(known, verdict[group], "unknown scenario or period").astype(object)
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
              & df[col].isin(d.sites[kind])).to_numpy(bool)
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


def check_non_negativity(sol: dict, rep: Violations) -> None:
    for name, (keys, values) in TABLE_COLUMNS.items():
        df = sol[name]
        for v in values:
            x = df[v].to_numpy(float)
            rep.add("non_negativity", df[keys], x, 0.0, ">=", np.abs(np.nan_to_num(x)), v)


def demand_quantities(d: InstanceData) -> pd.DataFrame:
    """Demand (t) per (scenario, period, demand, element), with scenario changes (computed
    once per run: several checks read it, none changes it)."""
    if "demand_quantities" not in d.memo:
        q = d.table("demand_quantities")
        q = d.labelled(pd.DataFrame({"demand": q["demand"], "element": q["element"],
                                     "period": q["period"], "row": np.arange(len(q))}))
        rows = d.grid.merge(q, on="period")
        rows["quantity"] = np.nan_to_num(d.value("demand_quantities", "quantity_t",
                                                 rows["scenario"], rows["period"], rows["row"]))
        d.memo["demand_quantities"] = rows
    return d.memo["demand_quantities"]


def check_demand_balance(d: InstanceData, flows, unmet, rep: Violations) -> None:
    """delivered + unmet = demand: a demand node consumes its demand, no more (no surplus)."""
    rows = demand_quantities(d)
    into = flows[flows["destination"].isin(d.sites["demands"])]
    delivered = sum_by(into.rename(columns={"destination": "demand", "product": "element"}),
                        ["scenario", "period", "demand", "element"], "tonnes", "delivered")
    un = sum_by(unmet, ["scenario", "period", "demand", "element"], "unmet_t", "unmet")
    on = ["scenario", "period", "demand", "element"]
    got = attach(rows, delivered, on, "delivered")
    u = attach(rows, un, on, "unmet")
    rep.add("demand_balance", rows[on], got + u, rows["quantity"], "==",
            got + u + rows["quantity"].to_numpy(), "delivered + unmet")
    # Deliveries to a (demand, element, period) with no demand row: the model's row is = 0.
    if len(delivered):
        extra = delivered[~present(delivered, rows, on)]
        rep.add("demand_balance", extra[on], extra["delivered"], 0.0, "==",
                extra["delivered"].abs(), "delivered without demand")
    must = set(d.table("demands").loc[lambda x: x["must_serve"].fillna(False).astype(bool),
                                      "demand"])
    sel = unmet[unmet["demand"].isin(must)]
    rep.add("demand_balance", sel[on].assign(must_serve=True), sel["unmet_t"], 0.0, "<=",
            sel["unmet_t"].abs(), "unmet of a must-serve demand")


def check_plant_output(d: InstanceData, flows, rep: Violations) -> None:
    conc = flows[flows["origin"].isin(d.sites["mines"])].copy()
    conc["mine_country"] = d.label(conc["origin"].map(d.country))
    assay = d.labelled(d.table("mine_assays")[["mine", "element", "share"]], ["mine", "element"])
    rec = d.labelled(d.table("plant_recoveries")[["plant", "element", "recovery"]],
                     ["plant", "element"])
    # The mine's country from the instance, not the table's label (structure checks that).
    made = (conc.drop(columns=["product", "mined_in"])
            .rename(columns={"origin": "mine", "destination": "plant", "mine_country": "mined_in"})
            .merge(assay, on="mine").merge(rec, on=["plant", "element"]))
    made["oxide"] = made["tonnes"] * made["share"].astype(float) * made["recovery"].astype(float)
    keys = ["scenario", "period", "plant", "element", "mined_in"]
    separated = sum_by(made, keys, "oxide", "separated")
    out = flows[flows["origin"].isin(d.sites["plants"])].rename(
        columns={"origin": "plant", "product": "element"})
    shipped = sum_by(out, keys, "tonnes", "shipped")
    rows = pd.concat([separated[keys], shipped[keys]]).drop_duplicates(ignore_index=True)
    lhs = attach(rows, shipped, keys, "shipped")
    rhs = attach(rows, separated, keys, "separated")
    rep.add("plant_output", rows, lhs, rhs, "<=", lhs + rhs, "oxide shipped")


def check_stock_balance(d: InstanceData, flows, stocks, rep: Violations) -> None:
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
    inflow = sum_by(into, ["scenario", "period"] + lot, "tonnes", "in")
    outflow = sum_by(fl[fl["origin"].isin(sp_row)].rename(columns={"origin": "stockpile"}),
                      ["scenario", "period"] + lot, "tonnes", "out")
    held = sum_by(stocks, ["scenario", "period"] + lot, "stock_t", "stock")
    initial = d.labelled(pd.DataFrame({"stockpile": list(sp_row),
                                       "mined_country": [init_mc[s] for s in sp_row],
                                       "processed_country": [init_pc[s] for s in sp_row]}))
    lots = pd.concat([initial, inflow[lot], outflow[lot], held[lot]]).drop_duplicates(
        ignore_index=True)
    rows = d.grid.merge(lots, how="cross")
    keys = ["scenario", "period"] + lot
    s_now = attach(rows, held, keys, "stock")
    inn = attach(rows, inflow, keys, "in")
    out = attach(rows, outflow, keys, "out")
    # Previous stock: the same lot one period earlier, or the initial stock in the first period.
    rows["prev_period"] = [d.periods[d.pidx[p] - 1] if d.pidx[p] > 0 else None
                           for p in rows["period"]]
    prev_keys = rows[["scenario", "prev_period"] + lot].rename(columns={"prev_period": "period"})
    prev_keys["period"] = d.label(prev_keys["period"])
    s_prev = attach(prev_keys, held, keys, "stock")
    first = rows["prev_period"].isna().to_numpy()
    is_init = ((rows["mined_country"] == rows["stockpile"].map(init_mc))
               & (rows["processed_country"] == rows["stockpile"].map(init_pc))).to_numpy()
    init_val = np.nan_to_num(d.value("stockpiles", "initial_t", rows["scenario"],
                                     np.full(len(rows), d.periods[0], dtype=object),
                                     rows["stockpile"].map(sp_row).to_numpy()))
    s_prev = np.where(first, np.where(is_init, init_val, 0.0), s_prev)
    rep.add("stock_balance", rows[keys], s_now, s_prev + inn - out, "==",
            np.abs(s_now) + np.abs(s_prev) + inn + out, "end stock")


