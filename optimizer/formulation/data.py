"""Index sets and parameters of the model, built from an Instance with pandas (no Pyomo).

Every variable family and constraint family is indexed by the rows of a tidy DataFrame (its
*index frame*): row ``k`` of ``ModelData.var_ix["ship_oxide_t"]`` says which node, lane,
element and provenance ``ship_oxide_t[k]`` is. Results, shadow prices and the verifier read
the same frames, so names and index order are one contract.

Per-node parameters (data that scenarios can change) are arrays of shape (nodes, rows) built
by :meth:`ModelData.node_values`: the base column broadcast to every node, with each node's
scenario changes written over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.instance import Instance
from optimizer.scenario import Node, scenario_tree
from optimizer.schema import ANY, CONCENTRATE, SHEET_BY_NAME

OXIDE_SOURCES = ("plants", "traders", "stockpiles")


@dataclass
class ModelData:
    """Everything the formulation needs, as arrays and index frames."""

    inst: Instance
    nodes: list[Node]
    node_period: np.ndarray  # node → period position
    node_weight: np.ndarray  # node → probability × discount factor of its period
    var_ix: dict[str, pd.DataFrame] = field(default_factory=dict)
    con_ix: dict[str, pd.DataFrame] = field(default_factory=dict)
    families: dict = field(default_factory=dict)  # constraint family → rows.Family arrays
    empty_rows: list = field(default_factory=list)  # (family, row) that no decision can satisfy
    _cache: dict = field(default_factory=dict)
    families_released: bool = False  # see release_families
    # The family functions that wrote ``families`` (formulation.FAMILIES, set by build_model):
    # what term_arrays re-runs, passed in so this module need not import the package.
    family_builders: tuple = ()

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def release_families(self) -> None:
        """Drop the term arrays once the solver holds the matrix built from them.

        On the large preset they take 150 MB (five million nonzeros), more than the matrix
        itself, and nothing after the hand-off to HiGHS reads them. :meth:`term_arrays` rebuilds
        them if the model is compiled again.
        """
        self.families = {}
        self.families_released = True

    def term_arrays(self) -> dict:
        """``families``, rebuilt from the instance if :meth:`release_families` dropped them."""
        if self.families_released:
            import copy

            # The family functions also write con_ix and empty_rows: let them write into a
            # copy, so this model's frames stay the ones its results were read against.
            scratch = copy.copy(self)
            scratch.con_ix, scratch.families, scratch.empty_rows = {}, {}, []
            for _, add_family, _ in self.family_builders:
                add_family(None, scratch)
            self.families, self.families_released = scratch.families, False
        return self.families

    @property
    def node_slots(self) -> np.ndarray:
        """Length of each node's period in base periods."""
        return self.inst.slots[self.node_period]

    def node_values(self, sheet: str, column: str) -> np.ndarray:
        """(nodes × rows) float array of ``sheet.column`` in each node; NaN where blank.

        A column the schema marks ``per_period`` (a rate per base period) is multiplied by the
        length of the node's period: the quantity over the whole period.
        """
        key = (sheet, column)
        if key not in self._cache:
            base = pd.to_numeric(self.inst.table(sheet)[column], errors="coerce").to_numpy(float)
            arr = np.tile(base, (self.n_nodes, 1))
            for node in self.nodes:
                for (sh, row, col), value in node.changes.items():
                    if sh == sheet and col == column:
                        arr[node.id, row] = value
            if SHEET_BY_NAME[sheet].column(column).per_period:
                arr = arr * self.node_slots[:, None]
            self._cache[key] = arr
        return self._cache[key]

    def ancestor_pairs(self) -> pd.DataFrame:
        """(node, ancestor) for every node and every node on its path from the root, itself
        included: the nodes whose decisions a node inherits."""
        if "ancestor_pairs" not in self._cache:
            pairs = []
            for n in self.nodes:
                a: int | None = n.id
                while a is not None:
                    pairs.append((n.id, a))
                    a = self.nodes[a].parent
            self._cache["ancestor_pairs"] = pd.DataFrame(pairs, columns=["node", "ancestor"])
        return self._cache["ancestor_pairs"]

    def quantity_rows(self, frame: pd.DataFrame) -> np.ndarray:
        """Row of sheet ``demand_quantities`` for each (node, demand, element) of ``frame``.

        The row of the node's period, as floats: NaN where the sheet has none.
        """
        q = self.inst.table("demand_quantities")
        pos = pd.Series(np.arange(len(q), dtype=float), index=pd.MultiIndex.from_arrays(
            [q["demand"].to_numpy(), q["element"].to_numpy(),
             q["period"].map(self.inst.period_index).to_numpy()]))
        keys = pd.MultiIndex.from_arrays([frame["demand"].to_numpy(), frame["element"].to_numpy(),
                                          self.node_period[frame["node"].to_numpy()]])
        return pos.reindex(keys).to_numpy()

    def varies(self, sheet: str, column: str) -> bool:
        """True if any scenario changes ``sheet.column`` (the value differs between nodes)."""
        return any(sh == sheet and col == column for n in self.nodes for (sh, _, col) in n.changes)


def _positions(series: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row position in ``keys`` of each value of ``series``."""
    lookup = pd.Series(np.arange(len(keys)), index=keys.to_numpy())
    return lookup.loc[series.to_numpy()].to_numpy()


def _per_node(frame: pd.DataFrame, n_nodes: int) -> pd.DataFrame:
    """Cross ``frame`` with every node: one row per (node, original row), node-major.

    Text columns (site, element and country names) are stored as categoricals: on a large
    model these frames hold millions of rows, and a Python string per cell would cost
    several times the memory HiGHS itself needs.
    """
    nodes = np.repeat(np.arange(n_nodes), len(frame))
    out = {"node": nodes}
    # Object columns and pandas's string dtype ("str": what pandas 3 gives mapped text columns
    # such as origin_country, which are otherwise a Python object per cell).
    text = [c for c in frame.columns
            if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    # One category set for every text column, so that columns compare with each other
    # (mined_country == processed_country) as plain strings would.
    names = pd.Index(sorted({v for c in text for v in frame[c].dropna().unique()}, key=str))
    for col in frame.columns:
        if col in text:
            codes = names.get_indexer(frame[col])
            out[col] = pd.Categorical.from_codes(np.tile(codes, n_nodes), names)
        else:
            out[col] = np.tile(frame[col].to_numpy(), n_nodes)
    return pd.DataFrame(out, index=pd.RangeIndex(n_nodes * len(frame)))


def build_model_data(inst: Instance) -> ModelData:
    """Derive the index frames of every variable family from the instance."""
    nodes = scenario_tree(inst)
    node_period = np.array([n.period for n in nodes], dtype=int)
    discount = np.asarray(inst.discount_factors, dtype=float)
    node_weight = np.array([n.probability for n in nodes]) * discount[node_period]
    md = ModelData(inst, nodes, node_period, node_weight)
    country = inst.site_country()
    kind = inst.site_kind

    lanes = inst.table("lanes").reset_index(drop=True).copy()
    lanes["lane"] = np.arange(len(lanes))
    lanes["origin_kind"] = lanes["origin"].map(kind)
    lanes["destination_kind"] = lanes["destination"].map(kind)
    lanes["origin_country"] = lanes["origin"].map(country)
    lanes["destination_country"] = lanes["destination"].map(country)
    md.lanes = lanes

    # Concentrate lanes mine → plant.
    conc = lanes[lanes["origin_kind"] == "mines"][["lane", "origin", "destination",
                                                   "origin_country", "destination_country"]]
    conc = conc.rename(columns={"origin": "mine", "destination": "plant",
                                "origin_country": "mined_country",
                                "destination_country": "processed_country"})
    md.conc_lanes = conc.reset_index(drop=True)
    md.var_ix["ship_concentrate_t"] = _per_node(md.conc_lanes, md.n_nodes)

    # Products each oxide source can ship: (site, element, mined_country, processed_country).
    assays = inst.table("mine_assays")
    recov = inst.table("plant_recoveries")
    made = (md.conc_lanes[["mine", "plant", "mined_country", "processed_country"]]
            .merge(assays[["mine", "element", "share"]], on="mine")
            .merge(recov[["plant", "element", "recovery"]], on=["plant", "element"]))
    made = made[(made["share"] > 0) & (made["recovery"] > 0)]
    md.plant_yield = made.reset_index(drop=True)  # per (mine, plant, element): share × recovery
    products = [made[["plant", "element", "mined_country", "processed_country"]]
                .rename(columns={"plant": "site"}).drop_duplicates()]
    traders = inst.table("traders").copy()
    if not traders.empty:
        traders["mined_country"] = traders["mined_country"].where(traders["mined_country"].notna(),
                                                                  traders["country"])
        products.append(pd.DataFrame({"site": traders["trader"], "element": traders["element"],
                                      "mined_country": traders["mined_country"],
                                      "processed_country": traders["country"]}))
    md.traders = traders.reset_index(drop=True)
    stock = inst.table("stockpiles").copy()
    if not stock.empty:
        for c in ("initial_mined_country", "initial_processed_country"):
            stock[c] = stock[c].where(stock[c].notna(), stock["country"])
    md.stockpiles = stock.reset_index(drop=True)
    supply = pd.concat(products, ignore_index=True) if products else pd.DataFrame(
        columns=["site", "element", "mined_country", "processed_country"])

    # Stockpile lots: the provenance each stockpile can hold (what can flow in, plus initial).
    oxide_lanes = lanes[lanes["origin_kind"].isin(OXIDE_SOURCES)]
    into_stock = oxide_lanes[oxide_lanes["destination_kind"] == "stockpiles"]
    lots = into_stock.merge(supply, left_on="origin", right_on="site")
    if not stock.empty:
        lots = lots.merge(stock[["stockpile", "element"]], left_on=["destination", "element"],
                          right_on=["stockpile", "element"])
        lots = lots[["stockpile", "element", "mined_country", "processed_country"]]
        initial = pd.DataFrame({"stockpile": stock["stockpile"], "element": stock["element"],
                                "mined_country": stock["initial_mined_country"],
                                "processed_country": stock["initial_processed_country"]})
        lots = pd.concat([lots, initial]).drop_duplicates(ignore_index=True)
    else:
        lots = pd.DataFrame(columns=["stockpile", "element", "mined_country", "processed_country"])
    md.lots = lots.reset_index(drop=True)
    md.var_ix["stock_t"] = _per_node(md.lots, md.n_nodes)
    supply = pd.concat([supply, lots.rename(columns={"stockpile": "site"})], ignore_index=True)

    # Oxide arcs: lane × product the origin can ship × what the destination accepts.
    demand_q = inst.table("demand_quantities")
    wanted = demand_q[["demand", "element"]].drop_duplicates().rename(columns={"demand": "site"})
    accepts = pd.concat([wanted, stock[["stockpile", "element"]].rename(
        columns={"stockpile": "site"})] if not stock.empty else [wanted], ignore_index=True)
    arcs = (oxide_lanes[["lane", "origin", "destination", "origin_kind", "destination_kind",
                         "origin_country", "destination_country"]]
            .merge(supply, left_on="origin", right_on="site").drop(columns="site")
            .merge(accepts, left_on=["destination", "element"], right_on=["site", "element"])
            .drop(columns="site"))
    md.oxide_arcs = arcs.sort_values(["lane", "element", "mined_country", "processed_country"],
                                     kind="stable").reset_index(drop=True)
    md.var_ix["ship_oxide_t"] = _per_node(md.oxide_arcs, md.n_nodes)

    # Unmet demand: one variable per (node, demand, element) unless the end use is must-serve.
    demands = inst.table("demands")
    md.demands = demands.reset_index(drop=True)
    serve = dict(zip(demands["demand"], demands["must_serve"].fillna(False)))
    pairs = wanted.rename(columns={"site": "demand"}).reset_index(drop=True)
    md.demand_pairs = pairs
    md.var_ix["unmet_demand_t"] = _per_node(pairs[~pairs["demand"].map(serve).astype(bool)],
                                            md.n_nodes)

    md.modules = inst.table("modules").reset_index(drop=True)
    md.var_ix["modules_built"] = build_decisions(md)
    return md


def online_position(inst: Instance, decision_pos: int, lead_years: float) -> int | None:
    """Period a module decided at the start of period ``decision_pos`` is online from.

    The first period starting at least ``lead_years`` after the decision's period starts;
    None when that is after the horizon. (A lead time ending inside a period brings the
    module online at the start of the next one.)
    """
    start = inst.start_slot
    due = start[decision_pos] + float(lead_years or 0.0) * inst.periods_per_year - 1e-9
    later = np.flatnonzero(start >= due)
    return int(later[0]) if len(later) else None


def build_decisions(md: ModelData) -> pd.DataFrame:
    """Index frame of ``modules_built``: one integer per (module, decision node).

    Adaptive builds (the default): a candidate may be decided in any tree node from its
    earliest decision period on, shared by the node's scenarios. Here-and-now builds
    (``settings.build_decisions``): one decision per (module, start period) for every scenario
    (``node`` = −1, probability 1). A decision is kept only if the module can be online in the
    horizon (:func:`online_position`) and no earlier than its ``earliest_period``: a decision
    that would bring it online sooner is not offered (decide later instead).
    ``period_pos``/``period`` are the online period.
    """
    inst, modules = md.inst, md.modules
    pidx = inst.period_index
    cols = ["module_row", "module", "decision_pos", "decision_period", "node", "probability",
            "period_pos", "period"]
    rows = []
    for j in range(len(modules)):
        mod = modules["module"].iat[j]
        first = modules["earliest_decision_period"].iat[j] \
            if "earliest_decision_period" in modules else None
        earliest_online = modules["earliest_period"].iat[j]
        lead = modules["lead_time_years"].iat[j] if "lead_time_years" in modules else 0.0
        d0 = 0 if first is None else pidx[first]
        e0 = 0 if earliest_online is None else pidx[earliest_online]
        for tau in range(d0, len(inst.periods)):
            online = online_position(inst, tau, lead)
            if online is None or online < e0:
                continue
            deciders = [(n.id, n.probability) for n in md.nodes if n.period == tau] \
                if inst.adaptive_builds else [(-1, 1.0)]
            rows += [(j, mod, tau, inst.periods[tau], node, prob, online, inst.periods[online])
                     for node, prob in deciders]
    return pd.DataFrame(rows, columns=cols)


def node_frame(md: ModelData, ix: pd.DataFrame) -> pd.DataFrame:
    """Add period, scenario-list and probability columns to an index frame with a node column."""
    out = ix.copy()
    out.insert(1, "period", [md.inst.periods[md.node_period[n]] for n in ix["node"]])
    out.insert(2, "scenarios", [md.nodes[n].label for n in ix["node"]])
    return out


def product_matches(product: str, element: pd.Series) -> pd.Series:
    """Mask of rows whose element a rule's ``product`` names ('*' = every oxide)."""
    if product == ANY:
        return pd.Series(True, index=element.index)
    if product == CONCENTRATE:
        return pd.Series(False, index=element.index)
    return element == product
