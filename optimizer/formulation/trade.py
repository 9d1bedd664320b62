"""Policy families: export quota caps, end-use limits and diversification caps.

Provenance is carried by the oxide flows themselves (each *f* knows its mined country *mc*
and processed country *pc*), so a rule can name either. An export is a flow on a lane whose
origin and destination sites are in different countries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData
from optimizer.formulation.rows import Terms, add_rows
from optimizer.schema import ANY, CONCENTRATE

if TYPE_CHECKING:  # Pyomo is imported only when a Pyomo model is built
    import pyomo.environ as pyo


def _expand_rules(md: ModelData, sheet: str, value_col: str) -> pd.DataFrame:
    """Rules × nodes where the rule is active (value not blank in that node; period matches)."""
    rules = md.inst.table(sheet).reset_index(drop=True)
    values = md.node_values(sheet, value_col)
    node_idx, rule_idx = np.nonzero(~np.isnan(values)) if len(rules) else (np.zeros(0, int),) * 2
    out = rules.iloc[rule_idx].reset_index(drop=True)
    out.insert(0, "node", node_idx)
    out.insert(1, "rule", rule_idx)
    out["value"] = values[node_idx, rule_idx]
    if "period" in rules.columns:
        period = np.array(md.inst.periods, dtype=object)[md.node_period[node_idx]] if len(out) \
            else np.zeros(0, object)
        keep = out["period"].isin([None, ANY]).to_numpy() | (out["period"].to_numpy() == period)
        out = out[keep].reset_index(drop=True)
    return out.drop(columns="excel_row", errors="ignore")


def _rule_cells(index: pd.DataFrame, sheet: str, column: str) -> tuple | None:
    """``add_rows``' rhs_cells of a family whose right-hand side is its rule's value."""
    if not len(index):
        return None
    return (sheet, column, index["node"].to_numpy(), index["rule"].to_numpy(), None)


def _into_end_uses(md: ModelData) -> pd.DataFrame:
    """Oxide flows into demand nodes, with their end use; ``col`` is the variable row."""
    ox = md.var_ix["ship_oxide_t"]
    end_use = dict(zip(md.demands["demand"], md.demands["end_use"]))
    into = ox[ox["destination_kind"] == "demands"].copy()
    into["col"] = into.index.to_numpy()
    into["end_use"] = into["destination"].map(end_use)
    return into


def _provenance_match(flows: pd.DataFrame, country: pd.Series, basis: pd.Series) -> np.ndarray:
    mined = flows["mined_country"].to_numpy() == country.to_numpy()
    processed = flows["processed_country"].to_numpy() == country.to_numpy()
    b = basis.to_numpy()
    return np.where(b == "mined", mined, np.where(b == "processed", processed, mined | processed))


def add_export_quota_cap(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Exports of a product from a country stay within its quota in each period.

    .. math:: \sum_{a:\, c(orig_a) = c \ne c(dest_a),\ prod(a) \in P_r} x_{n,a} \le cap_{n,r}
              \quad \forall n, r = (c, P_r, period) \text{ active in } t(n)

    The product is an element, ``*`` (every oxide) or ``concentrate`` (mine → plant lanes
    leaving the country). A quota row with a period applies in that period only. Units:
    t per period. Dual ≤ 0 (USD/t): what one more tonne of quota would save.
    """
    index = _expand_rules(md, "export_quotas", "cap_t")
    terms = []
    if len(index):
        index["row"] = np.arange(len(index))
        ox = md.var_ix["ship_oxide_t"]
        ox = ox[ox["origin_country"] != ox["destination_country"]]
        j = index[["row", "node", "country", "product"]].merge(
            ox[["node", "origin_country", "element"]].assign(col=ox.index.to_numpy()),
            left_on=["node", "country"], right_on=["node", "origin_country"])
        j = j[(j["product"] == ANY) | (j["product"] == j["element"])]
        terms.append(Terms.of("ship_oxide_t", j["row"], j["col"]))
        conc = md.var_ix["ship_concentrate_t"]
        conc = conc[conc["mined_country"] != conc["processed_country"]]
        j = index[index["product"] == CONCENTRATE][["row", "node", "country"]].merge(
            conc[["node", "mined_country"]].assign(col=conc.index.to_numpy()),
            left_on=["node", "country"], right_on=["node", "mined_country"])
        terms.append(Terms.of("ship_concentrate_t", j["row"], j["col"]))
        index = index.drop(columns="row")
    add_rows(m, md, "export_quota_cap", index, terms, "<=", index["value"] if len(index) else 0.0,
             "Exports of a product from a country ≤ quota (t/period).",
             rhs_cells=_rule_cells(index, "export_quotas", "cap_t"))


def add_end_use_tonnage_limit(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Material from a country reaching an end use stays within a tonnage (0 = a ban).

    .. math:: \sum_{a \to d:\ eu(d) = u,\ e(a) \in E_r,\ prov_b(a) = c} f_{n,a} \le maxt_{n,r}

    *prov_b* is the mined country, the processed country, or either (basis of the rule).
    Units: t per period. Dual ≤ 0: the saving from one more tonne allowed.
    """
    index = _expand_rules(md, "end_use_limits", "max_t")
    terms = []
    if len(index):
        index["row"] = np.arange(len(index))
        j = index[["row", "node", "country", "basis", "end_use", "element"]].merge(
            _into_end_uses(md)[["node", "end_use", "element", "mined_country", "processed_country",
                                "col"]].rename(columns={"element": "flow_element"}),
            on=["node", "end_use"])
        j = j[((j["element"] == ANY) | (j["element"] == j["flow_element"]))
              & _provenance_match(j, j["country"], j["basis"])]
        terms.append(Terms.of("ship_oxide_t", j["row"], j["col"]))
        index = index.drop(columns="row")
    add_rows(m, md, "end_use_tonnage_limit", index, terms, "<=",
             index["value"] if len(index) else 0.0,
             "Tonnes from a country to an end use ≤ limit (t/period).",
             rhs_cells=_rule_cells(index, "end_use_limits", "max_t"))


def add_end_use_share_limit(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""Material from a country is at most a share of what an end use receives.

    .. math:: \sum_{a \in A_{u,E}:\ prov_b(a) = c} f_{n,a} - \sigma_{n,r} \sum_{a \in A_{u,E}}
              f_{n,a} \le 0

    where :math:`A_{u,E}` are the flows of the rule's elements into demand nodes of end use
    *u*. Deliveries equal demand served (``demand_balance`` is an equality), so the sum is what
    the end use consumes: no surplus can dilute the share. Units: t per period. Dual ≤ 0 (USD
    per t of the left-hand side).
    """
    index = _expand_rules(md, "end_use_limits", "max_share")
    terms = []
    if len(index):
        index["row"] = np.arange(len(index))
        j = index[["row", "node", "country", "basis", "end_use", "element", "value"]].merge(
            _into_end_uses(md)[["node", "end_use", "element", "mined_country", "processed_country",
                                "col"]].rename(columns={"element": "flow_element"}),
            on=["node", "end_use"])
        j = j[(j["element"] == ANY) | (j["element"] == j["flow_element"])]
        coef = _provenance_match(j, j["country"], j["basis"]).astype(float) - j["value"].to_numpy()
        terms.append(Terms.of("ship_oxide_t", j["row"], j["col"], coef))
        index = index.drop(columns="row")
    add_rows(m, md, "end_use_share_limit", index, terms, "<=", 0.0,
             "Share of a country in an end use's supply ≤ limit.")


def add_diversification_cap(m: pyo.ConcreteModel, md: ModelData) -> None:
    r"""No single country supplies more than a share of an element to an end use.

    .. math:: \sum_{a \in A_{u,e}:\ prov_b(a) = c} f_{n,a} - \sigma_{n,r} \sum_{a \in A_{u,e}}
              f_{n,a} \le 0 \quad \forall n, r, e \in E_r, c

    One row per country that could supply (appears in the provenance of some flow into the end
    use); an element ``*`` means each element separately. The total is what the end use
    consumes (deliveries equal demand served), so no surplus can dilute the cap. Units: t per
    period.
    """
    rules = _expand_rules(md, "diversification_caps", "max_share")
    terms = []
    index = pd.DataFrame(columns=["node", "rule", "end_use", "element", "basis", "country", "value"])
    if len(rules):
        flows = _into_end_uses(md)
        prov = flows[["node", "end_use", "element"]].copy()
        rows = []
        for basis in ("mined", "processed"):
            sub = rules[rules["basis"] == basis]
            if sub.empty:
                continue
            cand = flows[["node", "end_use", "element", f"{basis}_country"]].drop_duplicates()
            cand = cand.rename(columns={f"{basis}_country": "country", "element": "flow_element"})
            r = sub.merge(cand, on=["node", "end_use"])
            r = r[(r["element"] == ANY) | (r["element"] == r["flow_element"])]
            r["element"] = r["flow_element"]
            rows.append(r.drop(columns="flow_element"))
        del prov
        index = pd.concat(rows, ignore_index=True) if rows else index
        index = index[["node", "rule", "end_use", "element", "basis", "country", "value"]]
        index = index.sort_values(["node", "rule", "element", "country"]).reset_index(drop=True)
        index["row"] = np.arange(len(index))
        j = index.merge(flows[["node", "end_use", "element", "mined_country", "processed_country",
                               "col"]], on=["node", "end_use", "element"])
        match = np.where(j["basis"] == "mined", j["mined_country"] == j["country"],
                         j["processed_country"] == j["country"])
        terms.append(Terms.of("ship_oxide_t", j["row"], j["col"],
                              match.astype(float) - j["value"].to_numpy()))
        index = index.drop(columns="row")
    add_rows(m, md, "diversification_cap", index, terms, "<=", 0.0,
             "Share of one country in an element's supply to an end use ≤ cap.")
