r"""The objective: expected discounted total cost in USD.

.. math::

    \min\ \sum_{j,m} \pi_m \big(\kappa_{j,m}\, capex_j + \phi_{j,m}\, fom_j\big)\, b_{j,m}
        + \sum_n \pi_n \delta_{t(n)} \Big[ \sum_l (c^{mine}_m + c^{proc}_p + c^{lane}_l + tar_l)\, q_{n,l}
        + \sum_a (price_a + c^{lane}_a + tar_a)\, f_{n,a}
        + \sum_k (h_k - [t(n) = T]\, tv_k)\, s_{n,k} + \sum_{d,e} VoLL_{n,d,e}\, u_{n,d,e} \Big]

:math:`\pi_n` is the probability of node *n* (the sum over its scenarios), :math:`\delta_t`
the discount factor of period *t* (the mean over its base periods, :mod:`optimizer.io.calendar`).
Flows, stocks and unmet demand are totals over their period; holding costs are rates per base
period and are scaled by the period's length like every ``per_period`` column. Stock left at
the end of the last period *T* is credited at its terminal value :math:`tv_k`
(``terminal_value_usd_per_t``, 0 by default: leftover stock is worth nothing).
:math:`VoLL_{n,d,e}` is the lost value of element *e* at demand node *d* in the period of *n*:
its ``demand_quantities`` row's, else the node's.
Tariffs are ad valorem on the customs value (mine cost for concentrate, offer price for
traders, element reference price for plant and stock output) plus a specific duty per tonne,
on lanes between two different countries only; the most specific tariff row applies (an
element's own row before a ``*`` row).

Builds: :math:`b_{j,m}` modules of candidate *j* decided in tree node *m* (probability
:math:`\pi_m`; here-and-now decisions have :math:`\pi = 1`). :math:`\kappa_{j,m}` is the
discounted share of capex charged (its timing: spread over construction by default, at the
decision, at online, or an annuity over the economic life inside the horizon) and
:math:`\phi_{j,m}` the discounted number of base periods online to the horizon's end; both are
given by :func:`build_cost_factors`.

Contracts (:mod:`optimizer.formulation.contracts`) add
:math:`\sum_{c,m} \pi_m v_{a(m)} fee_c\, y_{c,m} + \sum_{c,n} \pi_n \delta_{t(n)}
(price_{c,n} v_{c,n} - price^{spot}_{n,k(c)} w_{c,n})`: the fee when signed, the contracted
price on the tonnes paid for, and a credit of the spot price on the contracted tonnes taken,
which the flow term above charges at the spot price.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.contracts import contract_unit_costs
from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import DECISION_VARS
from optimizer.schema import ANY, CONCENTRATE

if TYPE_CHECKING:
    pass



def _node_lookup(md: ModelData, frame: pd.DataFrame, sheet: str, key_col: str, by: str,
                 column: str) -> np.ndarray:
    """Per-row value of ``sheet.column`` for the row whose ``key_col`` equals ``frame[by]``."""
    table = md.inst.table(sheet)
    if len(frame) == 0:
        return np.zeros(0)
    pos = pd.Series(np.arange(len(table)), index=table[key_col].to_numpy())
    p = pos.reindex(frame[by].to_numpy()).to_numpy()
    values = md.node_values(sheet, column)
    out = np.zeros(len(frame))
    ok = ~np.isnan(p)
    out[ok] = values[frame["node"].to_numpy()[ok], p[ok].astype(int)]
    return np.nan_to_num(out)


def lost_value(md: ModelData, un: pd.DataFrame) -> np.ndarray:
    """Penalty (USD/t) of each unmet-demand column.

    Its ``demand_quantities`` row's ``lost_value_usd_per_t`` where given, else its demand
    node's.
    """
    node_level = _node_lookup(md, un, "demands", "demand", "demand", "lost_value_usd_per_t")
    if len(un) == 0:
        return node_level
    qrow = md.quantity_rows(un)
    own = np.full(len(un), np.nan)
    have = ~np.isnan(qrow)
    values = md.node_values("demand_quantities", "lost_value_usd_per_t")
    own[have] = values[un["node"].to_numpy()[have], qrow[have].astype(int)]
    return np.where(np.isnan(own), node_level, own)


def _tariff(md: ModelData, frame: pd.DataFrame, product: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Duty per tonne on each flow: ad_valorem × customs value + per_t (0 if no tariff row)."""
    tariffs = md.inst.table("tariffs")
    if len(frame) == 0 or tariffs.empty:
        return np.zeros(len(frame))
    key = pd.MultiIndex.from_arrays([tariffs["origin_country"], tariffs["destination_country"],
                                     tariffs["product"]])
    pos = pd.Series(np.arange(len(tariffs)), index=key)
    pos = pos[~pos.index.duplicated()]
    oc, dc = frame["origin_country"].to_numpy(), frame["destination_country"].to_numpy()
    specific = pos.reindex(pd.MultiIndex.from_arrays([oc, dc, product])).to_numpy()
    generic = pos.reindex(pd.MultiIndex.from_arrays([oc, dc, np.full(len(frame), ANY)])).to_numpy()
    row = np.where(np.isnan(specific), generic, specific).astype(float)
    row[oc == dc] = np.nan  # a duty is on goods crossing a border: domestic lanes pay none
    ok = ~np.isnan(row)
    node = frame["node"].to_numpy()
    ad = md.node_values("tariffs", "ad_valorem")
    per_t = md.node_values("tariffs", "per_t_usd")
    duty = np.zeros(len(frame))
    r = row[ok].astype(int)
    duty[ok] = np.nan_to_num(ad[node[ok], r]) * value[ok] + np.nan_to_num(per_t[node[ok], r])
    return duty


def unit_costs(md: ModelData) -> dict[str, dict[str, np.ndarray]]:
    """Undiscounted cost per unit of every variable, by cost component (USD per t or module).

    Returns ``{variable family: {component: array aligned with its index frame}}``; the
    components are the rows of the cost breakdown in the results.
    """
    costs: dict[str, dict[str, np.ndarray]] = {}

    conc = md.var_ix["ship_concentrate_t"]
    mine_cost = _node_lookup(md, conc, "mines", "mine", "mine", "cost_usd_per_t")
    lane_cost = md.node_values("lanes", "cost_usd_per_t")
    costs["ship_concentrate_t"] = {
        "mining": mine_cost,
        "processing": _node_lookup(md, conc, "plants", "plant", "plant", "opex_usd_per_t"),
        "transport": np.nan_to_num(lane_cost[conc["node"].to_numpy(), conc["lane"].to_numpy()])
        if len(conc) else np.zeros(0),
        "tariffs": _tariff(md, conc.rename(columns={"mined_country": "origin_country",
                                                    "processed_country": "destination_country"}),
                           np.full(len(conc), CONCENTRATE), mine_cost),
    }
    ox = md.var_ix["ship_oxide_t"]
    price = np.where(ox["origin_kind"].to_numpy() == "traders",
                     _node_lookup(md, ox, "traders", "trader", "origin", "price_usd_per_t"), 0.0)
    ref = _node_lookup(md, ox.assign(el=ox["element"]), "elements", "element", "el",
                       "reference_price_usd_per_t")
    customs = np.where(ox["origin_kind"].to_numpy() == "traders", price, ref)
    costs["ship_oxide_t"] = {
        "purchases": price,
        "transport": np.nan_to_num(lane_cost[ox["node"].to_numpy(), ox["lane"].to_numpy()])
        if len(ox) else np.zeros(0),
        "tariffs": _tariff(md, ox, ox["element"].to_numpy(), customs),
    }
    st = md.var_ix["stock_t"]
    last = md.node_period[st["node"].to_numpy()] == len(md.inst.periods) - 1
    costs["stock_t"] = {"holding": _node_lookup(md, st, "stockpiles", "stockpile", "stockpile",
                                                "holding_cost_usd_per_t")}
    # Stock left at the horizon's end is credited at its terminal value (a negative cost); a
    # component only where some stockpile has one, so cost breakdowns list what applies.
    credit = -np.where(last, _node_lookup(md, st, "stockpiles", "stockpile", "stockpile",
                                          "terminal_value_usd_per_t"), 0.0)
    if np.any(credit):
        costs["stock_t"]["terminal_value"] = credit
    un = md.var_ix["unmet_demand_t"]
    costs["unmet_demand_t"] = {"penalty": lost_value(md, un)}
    builds = md.var_ix["modules_built"]
    if len(builds):
        mod = md.modules.iloc[builds["module_row"].to_numpy()]
        capex, fom = build_cost_factors(md.inst, builds, mod)
        capex = capex * mod["capex_usd"].astype(float).to_numpy()
        fom = fom * mod["fixed_om_usd"].fillna(0.0).astype(float).to_numpy()
    else:
        capex = fom = np.zeros(0)
    # Build costs are discounted here and not weighted by probability: the objective weights
    # them by their decision node's probability (objective_coefficients), scenario costs count
    # them in full on every path through that node.
    costs["modules_built"] = {"capex": capex, "fixed_om": fom}
    # Contract fees, contracted purchases and the spot-price credit of contracted tonnes
    # (optimizer/formulation/contracts.py); empty without a contracts sheet.
    costs.update(contract_unit_costs(md))
    return costs


def build_cost_factors(inst, builds: pd.DataFrame, mod: pd.DataFrame) -> tuple[np.ndarray,
                                                                              np.ndarray]:
    r"""Discounted USD per USD of capex and per USD/base period of fixed O&M, per decision.

    With *v_k* the discount factor of base period *k*, *a* the base period a decision is taken
    in and *o* the one its module comes online in (:mod:`optimizer.io.calendar`):

    * capex, no lifetime: ``spread`` (default) :math:`\frac{1}{o-a}\sum_{k=a}^{o-1} v_k` —
      equal payments over construction — or :math:`v_o` when *o* = *a*; ``decision`` *v_a*;
      ``online`` *v_o*;
    * capex with a lifetime of *L* base periods: the annuity
      :math:`crf \sum_{k=o}^{\min(o+L, K)-1} v_k`, :math:`crf = i/(1-(1+i)^{-L})` (1/L if
      *i* = 0), whatever the timing: only the payments inside the horizon count;
    * fixed O&M: :math:`\sum_{k \ge o} v_k` (every base period online, to the horizon's end).
    """
    v = inst.slot_discount()
    start = inst.start_slot
    a = start[builds["decision_pos"].to_numpy()]
    o = start[builds["period_pos"].to_numpy()]
    csum = np.concatenate([[0.0], np.cumsum(v)])
    timing = mod["capex_timing"].fillna("spread").to_numpy() if "capex_timing" in mod \
        else np.full(len(mod), "spread")
    capex = np.where(timing == "decision", v[np.minimum(a, len(v) - 1)], v[o])
    spread = (timing == "spread") & (o > a)
    capex[spread] = (csum[o[spread]] - csum[a[spread]]) / (o[spread] - a[spread])
    rate = inst.rate_per_period
    for k, life in enumerate(mod["lifetime_periods"].to_numpy()):
        if life is None or life != life:
            continue
        life = int(life)
        crf = 1.0 / life if rate == 0 else rate / (1.0 - (1.0 + rate) ** (-life))
        capex[k] = (csum[min(o[k] + life, len(v))] - csum[o[k]]) * crf
    fom = csum[len(v)] - csum[o]
    return capex, fom


def objective_coefficients(md: ModelData) -> dict[str, np.ndarray]:
    """Objective coefficient of every variable: π_n δ_t(n) × unit cost; a build's (or a
    contract signing's) discounted cost × the probability of the node it is decided in (1 in
    here-and-now mode)."""
    coef = {}
    for var, parts in md.unit_costs.items():
        total = sum(parts.values()) if parts else np.zeros(len(md.var_ix[var]))
        if var in DECISION_VARS:
            coef[var] = np.asarray(total, dtype=float) * \
                md.var_ix[var]["probability"].to_numpy(float)
        else:
            coef[var] = md.node_weight[md.var_ix[var]["node"].to_numpy()] * total
    return coef
