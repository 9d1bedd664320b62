r"""Supply contracts: hedges the planner may sign with a trader (sheet ``contracts``).

Notation: *c* a contract with the offer (trader) *k(c)*; *n* a scenario-tree node; *m* a node
where *c* may be signed (its decision window; in here-and-now mode a period, for every
scenario, node −1); *anc(n)* the nodes on *n*'s path, itself included. Per period of the
contract's term:

=====================  =========================================================  =========
variable               meaning                                                    unit
=====================  =========================================================  =========
contract_signed        :math:`y_{c,m} \in \{0,1\}`: *c* signed in node *m*        yes/no
contract_taken_t       :math:`w_{c,n} \ge 0`: contracted tonnes taken in *n*      t
contract_paid_t        :math:`v_{c,n} \ge 0`: contracted tonnes paid for in *n*   t
=====================  =========================================================  =========

*c* is in force in node *n* when :math:`A_{c,n} = \sum_{m \in anc(n)} y_{c,m}` is 1 (an
adaptive contract; here-and-now: every signing period up to *t(n)*) or always (``decision =
fixed``: already signed, :math:`A_{c,n} = 1` as a constant, no variable) — in the term
:math:`first_c \le t(n) \le last_c` only. With :math:`\overline{W}_{c,n}` = ``max_t`` and
:math:`\underline{W}_{c,n} = \min(\text{min\_take\_t}, \text{max\_t})` in the node (per period,
times its length):

.. math::

    \sum_{m \ni s} y_{c,m} \le 1 \qquad
    w_{c,n} \le \overline{W}_{c,n} A_{c,n} \qquad
    v_{c,n} \ge \underline{W}_{c,n} A_{c,n} \qquad
    v_{c,n} \ge w_{c,n} \qquad
    \sum_{c: k(c) = k} w_{c,n} \le \sum_{a \in out(k)} f_{n,a}

Take-or-pay in linear form: the payment is :math:`price_c \cdot \max(w, \underline{W} A)`;
with :math:`price_c \ge 0` the objective pushes *v* down onto the larger of its two lower
bounds, so :math:`v = \max(w, \underline{W} A)` at any optimum (with price 0 any *v* between
costs the same). A scenario revoking *c* (``max_t`` set to 0) sets
:math:`\overline{W} = \underline{W} = 0`: the obligation lapses with the channel.

Contracted tonnes are part of the trader's oxide flows *f*, which carry the trader's
provenance: lanes, transport costs, duties (at the trader's price as customs value), export
quotas, end-use limits and diversification caps apply to them unchanged. The spot offer is
what is left: :math:`\sum_{a \in out(k)} f_{n,a} - \sum_{c: k(c)=k} w_{c,n} \le cap_{n,k}`
(``trader_capacity``), and the objective charges the flows at the spot price, so the taken
tonnes get a credit of the spot price and the paid tonnes the contracted price:

.. math::

    \text{cost} = \sum_{c,m} \pi_m\, v_{a(m)}\, fee_{c}\, y_{c,m}
      + \sum_{c,n} \pi_n \delta_{t(n)}
        \big(price_{c,n}\, v_{c,n} - price^{spot}_{n,k(c)}\, w_{c,n}\big)

with :math:`v_{a(m)}` the discount factor of the first base period of the signing period.
Cost components: ``contract_fees``, ``contract_purchases`` and (the credit) ``purchases``,
which therefore holds the spot purchases only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows
from optimizer.schema import ANY

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo

CONTRACT_VARS = ("contract_signed", "contract_taken_t", "contract_paid_t")
"""The variable families of contracts (empty without a ``contracts`` sheet)."""

SIGNING_COLUMNS = ["contract_row", "contract", "decision_pos", "decision_period", "node",
                   "probability"]
DELIVERY_COLUMNS = ["node", "contract_row", "contract", "trader", "trader_row"]


def contract_windows(md: ModelData) -> pd.DataFrame:
    """Per contract (sheet order): fixed flag, term and decision window as period positions.

    Columns ``fixed``, ``first``, ``last`` (delivery term), ``d0``, ``d1`` (decision window:
    earliest_decision_period, default the first period; last_decision_period, default the
    last period of the term), ``trader_row``.
    """
    c = md.inst.table("contracts").reset_index(drop=True)
    pidx = md.inst.period_index
    last = len(md.inst.periods) - 1

    def pos(column, default):
        values = c[column] if column in c else pd.Series([None] * len(c), dtype=object)
        return np.array([default if (v is None or v != v) else pidx[v] for v in values], dtype=int)

    out = pd.DataFrame({"contract": c["contract"].astype(str).to_numpy() if len(c) else [],
                        "trader": c["trader"].astype(str).to_numpy() if len(c) else []})
    decision = c["decision"].fillna("adaptive") if "decision" in c and len(c) else \
        pd.Series(["adaptive"] * len(c), dtype=object)
    out["fixed"] = (decision.to_numpy() == "fixed") if len(c) else np.zeros(0, bool)
    out["first"], out["last"] = pos("first_period", 0), pos("last_period", last)
    out["d0"] = pos("earliest_decision_period", 0)
    d1 = pos("last_decision_period", -1)
    out["d1"] = np.where(d1 < 0, out["last"].to_numpy(), d1)
    trader_pos = {t: i for i, t in enumerate(md.traders["trader"])} if len(md.traders) else {}
    out["trader_row"] = np.array([trader_pos.get(t, -1) for t in out["trader"]], dtype=int)
    return out


def index_contract_variables(md: ModelData) -> None:
    """Index frames of ``contract_signed``, ``contract_taken_t`` and ``contract_paid_t``.

    Signing: one column per (adaptive contract, node of a period in its decision window),
    with the node's probability; in here-and-now mode (``settings.build_decisions``) one per
    (contract, period), node −1, probability 1, like builds. A fixed contract has none.
    Deliveries: one row per (node, contract) in the term, from the contract's first signing
    period on (an adaptive contract cannot be in force earlier), node-major.
    """
    win = contract_windows(md)
    md.contract_windows = win
    sign, deliver = [], []
    for c, w in enumerate(win.itertuples()):
        if not w.fixed:
            for tau in range(w.d0, w.d1 + 1):
                deciders = [(n.id, n.probability) for n in md.nodes if n.period == tau] \
                    if md.inst.adaptive_builds else [(-1, 1.0)]
                sign += [(c, w.contract, tau, md.inst.periods[tau], node, prob)
                         for node, prob in deciders]
        start = w.first if w.fixed else max(w.first, w.d0)
        deliver += [(n.id, c, w.contract, w.trader, w.trader_row) for n in md.nodes
                    if start <= n.period <= w.last]
    md.var_ix["contract_signed"] = pd.DataFrame(sign, columns=SIGNING_COLUMNS).astype(
        {"contract_row": np.int64, "decision_pos": np.int64, "node": np.int64,
         "probability": float})
    deliveries = pd.DataFrame(deliver, columns=DELIVERY_COLUMNS).astype(
        {"node": np.int64, "contract_row": np.int64, "trader_row": np.int64}).sort_values(
        ["node", "contract_row"], kind="stable").reset_index(drop=True)
    signings = md.var_ix["contract_signed"]
    # Text as categoricals, like every index frame (optimizer/formulation/data.py _per_node).
    for frame, cols in ((signings, ("contract", "decision_period")),
                        (deliveries, ("contract", "trader"))):
        for col in cols:
            frame[col] = pd.Categorical(frame[col].astype(str))
    md.var_ix["contract_taken_t"] = deliveries
    md.var_ix["contract_paid_t"] = deliveries.copy()


def _in_force_terms(md: ModelData, index: pd.DataFrame, coef: np.ndarray) -> Terms:
    r"""``coef[row]`` × :math:`y_{c,m}` for every signing of the row's contract on the row's
    path: a node *m* in *anc(n)* (adaptive), or a here-and-now signing period ≤ *t(n)*.

    ``index`` has columns node, contract_row; ``coef`` one value per index row.
    """
    sign = md.var_ix["contract_signed"]
    if sign.empty or index.empty:
        return Terms.of("contract_signed", [], [])
    cols = sign[["contract_row", "node", "decision_pos"]].copy()
    cols["col"] = np.arange(len(sign))
    rows = index[["node", "contract_row"]].copy()
    rows["row"] = np.arange(len(index))
    rows["coef"] = coef
    rows["t"] = md.node_period[rows["node"].to_numpy()]
    if md.inst.adaptive_builds:
        rows = rows.merge(md.ancestor_pairs(), on="node")
        joined = rows.merge(cols, left_on=["contract_row", "ancestor"],
                            right_on=["contract_row", "node"], suffixes=("", "_signed"))
    else:
        joined = rows.merge(cols, on="contract_row", suffixes=("", "_signed"))
        joined = joined[joined["decision_pos"] <= joined["t"]]
    return Terms.of("contract_signed", joined["row"], joined["col"], joined["coef"])


def _term_values(md: ModelData, column: str) -> np.ndarray:
    """``contracts.column`` (per period × length) in each delivery row's node."""
    ix = md.var_ix["contract_taken_t"]
    if ix.empty:
        return np.zeros(0)
    return md.node_values("contracts", column)[ix["node"].to_numpy(), ix["contract_row"].to_numpy()]


def _fixed(md: ModelData) -> np.ndarray:
    """Per delivery row: is its contract fixed (in force without a signing)?"""
    ix = md.var_ix["contract_taken_t"]
    return md.contract_windows["fixed"].to_numpy(bool)[ix["contract_row"].to_numpy()] \
        if len(ix) else np.zeros(0, bool)


def add_contract_sign_once(m: "pyo.ConcreteModel | None", md: ModelData) -> None:
    r"""An adaptive contract is signed at most once on any scenario's path.

    .. math:: \sum_{m \in path(s)} y_{c,m} \le 1 \quad \forall c, s

    Index (contract, scenario); in here-and-now mode, or with one scenario, one row per
    contract (scenario '*' or the scenario's name). No rows without adaptive contracts.
    """
    sign = md.var_ix["contract_signed"]
    names = [sc.name for sc in md.inst.scenarios]
    adaptive = np.flatnonzero(~md.contract_windows["fixed"].to_numpy(bool))
    contracts = md.contract_windows["contract"].to_numpy()
    if not md.inst.adaptive_builds or len(names) <= 1:
        index = pd.DataFrame({"contract": contracts[adaptive],
                              "scenario": ANY if len(names) > 1 else names[0]})
        row_of = np.full(len(contracts), -1)
        row_of[adaptive] = np.arange(len(adaptive))
        terms = [Terms.of("contract_signed", row_of[sign["contract_row"].to_numpy()],
                          np.arange(len(sign)))] if len(sign) else []
    else:
        index = pd.DataFrame({"contract": np.repeat(contracts[adaptive], len(names)),
                              "scenario": np.tile(names, len(adaptive))})
        row_of = np.full(len(contracts), -1)
        row_of[adaptive] = np.arange(len(adaptive))
        s_pos = {s: k for k, s in enumerate(names)}
        node_sc = pd.DataFrame([(n.id, s_pos[s]) for n in md.nodes for s in n.scenarios],
                               columns=["node", "s"])
        y = sign[["contract_row", "node"]].assign(col=np.arange(len(sign))).merge(node_sc,
                                                                                  on="node")
        terms = [Terms.of("contract_signed",
                          row_of[y["contract_row"].to_numpy()] * len(names) + y["s"].to_numpy(),
                          y["col"])]
    add_rows(m, md, "contract_sign_once", index, terms, "<=", 1.0,
             "A contract is signed at most once on a scenario's path (yes/no).")


def _delivery_index(md: ModelData) -> pd.DataFrame:
    ix = md.var_ix["contract_taken_t"]
    return ix[["node", "contract", "trader", "contract_row"]]


def add_contract_max_take(m: "pyo.ConcreteModel | None", md: ModelData) -> None:
    r"""Contracted tonnes taken are within the contract's maximum while it is in force.

    .. math:: w_{c,n} - \overline{W}_{c,n} \sum_{m \in anc(n)} y_{c,m} \le
              \overline{W}_{c,n} [c \text{ fixed}] \quad \forall (n, c) \text{ in the term}

    Units: t per period. Dual ≤ 0: what one more tonne of the contract's volume in that node
    would save (for an adaptive contract, the right-hand side is 0 and the volume enters
    through the signing; the dual still prices a tonne more of headroom).
    """
    index = _delivery_index(md)
    cap = _term_values(md, "max_t")
    fixed = _fixed(md)
    n = len(index)
    terms = [Terms.of("contract_taken_t", np.arange(n), np.arange(n)),
             _in_force_terms(md, index, np.where(fixed, 0.0, -np.nan_to_num(cap)))]
    add_rows(m, md, "contract_max_take", index.drop(columns="contract_row"), terms, "<=",
             np.where(fixed, np.nan_to_num(cap), 0.0),
             "Contracted tonnes taken ≤ max_t while the contract is in force (t/period).")


def add_contract_take_or_pay(m: "pyo.ConcreteModel | None", md: ModelData) -> None:
    r"""Take-or-pay: the tonnes paid for are at least the minimum take while in force.

    .. math:: v_{c,n} - \underline{W}_{c,n} \sum_{m \in anc(n)} y_{c,m} \ge
              \underline{W}_{c,n} [c \text{ fixed}], \qquad
              \underline{W}_{c,n} = \min(\text{min\_take\_t}, \text{max\_t})

    The minimum never exceeds the maximum of the node: a scenario that revokes the contract
    (max_t = 0) lifts the obligation too. Units: t per period. Dual ≥ 0: what one more tonne
    of obligation costs (the contracted price less what the tonne is worth to the plan).
    """
    index = _delivery_index(md)
    low = np.minimum(np.nan_to_num(_term_values(md, "min_take_t")),
                     np.nan_to_num(_term_values(md, "max_t")))
    fixed = _fixed(md)
    n = len(index)
    terms = [Terms.of("contract_paid_t", np.arange(n), np.arange(n)),
             _in_force_terms(md, index, np.where(fixed, 0.0, -low))]
    add_rows(m, md, "contract_take_or_pay", index.drop(columns="contract_row"), terms, ">=",
             np.where(fixed, low, 0.0),
             "Contracted tonnes paid ≥ min(min_take_t, max_t) while in force (t/period).")


def add_contract_pay_taken(m: "pyo.ConcreteModel | None", md: ModelData) -> None:
    r"""Every contracted tonne taken is paid for.

    .. math:: v_{c,n} - w_{c,n} \ge 0

    Units: t per period. Dual ≥ 0: with the take-or-pay row, it makes the payment
    :math:`\max(w, \underline{W} A)`.
    """
    index = _delivery_index(md)
    n = len(index)
    k = np.arange(n)
    add_rows(m, md, "contract_pay_taken", index.drop(columns="contract_row"),
             [Terms.of("contract_paid_t", k, k), Terms.of("contract_taken_t", k, k, -1.0)], ">=",
             0.0, "Contracted tonnes paid ≥ tonnes taken (t/period).")


def add_contract_delivery(m: "pyo.ConcreteModel | None", md: ModelData) -> None:
    r"""Contracted tonnes are delivered through the trader's flows.

    .. math:: \sum_{c: k(c) = k} w_{c,n} - \sum_{a \in out(k)} f_{n,a} \le 0
              \quad \forall n, k \text{ with a contract in the term}

    So the taken tonnes ship on the trader's lanes with its provenance (quotas and end-use
    rules see them). Units: t per period. Dual ≤ 0.
    """
    ix = md.var_ix["contract_taken_t"]
    index = ix[["node", "trader"]].drop_duplicates().reset_index(drop=True)
    row_of = pd.Series(np.arange(len(index)), index=pd.MultiIndex.from_arrays(
        [index["node"].to_numpy(), index["trader"].to_numpy()]), dtype=np.int64)
    terms = []
    if len(index):
        taken_rows = row_of.loc[list(zip(ix["node"], ix["trader"], strict=True))].to_numpy()
        terms.append(Terms.of("contract_taken_t", taken_rows, np.arange(len(ix))))
        ox = md.var_ix["ship_oxide_t"]
        sel = np.flatnonzero(ox["origin_kind"].to_numpy() == "traders")
        keys = pd.MultiIndex.from_arrays([ox["node"].to_numpy()[sel],
                                          ox["origin"].astype(str).to_numpy()[sel]])
        hit = keys.isin(row_of.index)
        terms.append(Terms.of("ship_oxide_t", row_of.loc[keys[hit]].to_numpy(), sel[hit], -1.0))
    add_rows(m, md, "contract_delivery", index, terms, "<=", 0.0,
             "Contracted tonnes taken from a trader ≤ its oxide shipped (t/period).")


def spot_capacity_terms(md: ModelData, n_traders: int) -> list[Terms]:
    r"""The −w terms of ``trader_capacity``: contracted tonnes are not spot purchases.

    Row of (node, trader) = node × n_traders + trader_row (the family's node-major index).
    None without contracts, so a model without them is unchanged.
    """
    ix = md.var_ix.get("contract_taken_t")
    if ix is None or ix.empty:
        return []
    rows = ix["node"].to_numpy() * n_traders + ix["trader_row"].to_numpy()
    return [Terms.of("contract_taken_t", rows, np.arange(len(ix)), -1.0)]


def contract_unit_costs(md: ModelData) -> dict[str, dict[str, np.ndarray]]:
    """Undiscounted unit costs of the contract variables by cost component (module docstring).

    A fee is discounted to the start of the signing period and, like a build's cost, not
    weighted by probability here (the objective weights it by the signing node's). Empty
    component dicts without contracts: the cost breakdown then lists nothing new.
    """
    sign = md.var_ix["contract_signed"]
    taken = md.var_ix["contract_taken_t"]
    if not len(sign) and not len(taken):
        return {v: {} for v in CONTRACT_VARS}
    fee = np.zeros(len(sign))
    if len(sign):
        node = sign["node"].to_numpy()
        row = sign["contract_row"].to_numpy()
        base = pd.to_numeric(md.inst.table("contracts")["fee_usd"], errors="coerce").fillna(0.0) \
            .to_numpy(float)
        per_node = md.node_values("contracts", "fee_usd")
        fee = np.where(node >= 0, np.nan_to_num(per_node[np.maximum(node, 0), row]), base[row])
        fee = fee * md.inst.slot_discount()[md.inst.start_slot[sign["decision_pos"].to_numpy()]]
    price = np.nan_to_num(md.node_values("contracts", "price_usd_per_t")[
        taken["node"].to_numpy(), taken["contract_row"].to_numpy()]) if len(taken) else np.zeros(0)
    spot = np.nan_to_num(md.node_values("traders", "price_usd_per_t")[
        taken["node"].to_numpy(), taken["trader_row"].to_numpy()]) if len(taken) else np.zeros(0)
    return {"contract_signed": {"contract_fees": fee},
            "contract_taken_t": {"purchases": -spot},
            "contract_paid_t": {"contract_purchases": price}}


def signing_bounds(md: ModelData) -> np.ndarray:
    """Upper bound of every ``contract_signed`` column: 1 (a yes/no decision)."""
    return np.ones(len(md.var_ix["contract_signed"]))
