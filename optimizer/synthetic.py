"""Seeded synthetic instances: a mines → plants → end-use network of the regular format.

The generator writes the same sheets a planner would (``optimizer.schema``) so a synthetic
instance goes through the reader, the validator, the scenario tree and the formulation like
any workbook. Its structure is sparse and loosely realistic:

* only lanes that exist are listed (each mine reaches a few plants, each plant a few demand
  nodes; lanes inside a country are more likely than lanes across borders);
* every mine's assays sum to at most 1 (light elements dominate, heavy ones are rarer);
* a few separation plants and mines are greenfield sites (capacity 0) that only modules open;
* export quotas on heavy elements bind in some periods, a defence-use ban on one processing
  country binds where that country is cheapest, a diversification cap binds now and then;
* every disruption scenario cuts one country's exports (quota set to 0) from a period on, so
  the scenario tree branches at that period.

Sizes are set by :class:`SyntheticSpec`; :data:`PRESETS` holds the benchmark sizes, whose
variable counts are measured by ``benchmarks/run.py`` (``run.summary()["counts"]``) and
recorded in ``docs/performance.md``. Everything is a function of the seed: the same spec and
seed give the same files byte for byte.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

_COUNTRIES = (
    ("CHN", "China"), ("AUS", "Australia"), ("USA", "United States"), ("MMR", "Myanmar"),
    ("MYS", "Malaysia"), ("VNM", "Viet Nam"), ("BRA", "Brazil"), ("IND", "India"),
    ("CAN", "Canada"), ("ZAF", "South Africa"), ("GRL", "Greenland"), ("JPN", "Japan"),
    ("DEU", "Germany"), ("KOR", "Korea"), ("FRA", "France"), ("EST", "Estonia"),
    ("TZA", "Tanzania"), ("MDG", "Madagascar"), ("RUS", "Russia"), ("LAO", "Laos"),
)
"""Country codes used first; beyond these, synthetic codes ``X001``, ``X002``, …"""

_ELEMENTS = (
    # (code, name, reference price USD/t, light element?)
    ("NdPr", "Neodymium-praseodymium oxide", 75_000.0, True),
    ("Dy", "Dysprosium oxide", 280_000.0, False),
    ("Tb", "Terbium oxide", 1_100_000.0, False),
    ("La", "Lanthanum oxide", 1_000.0, True),
    ("Ce", "Cerium oxide", 1_200.0, True),
    ("Sm", "Samarium oxide", 3_000.0, True),
    ("Gd", "Gadolinium oxide", 25_000.0, False),
    ("Y", "Yttrium oxide", 8_000.0, False),
    ("Eu", "Europium oxide", 30_000.0, False),
    ("Ho", "Holmium oxide", 70_000.0, False),
    ("Er", "Erbium oxide", 40_000.0, False),
    ("Lu", "Lutetium oxide", 800_000.0, False),
)
_END_USES = ("ev", "wind", "electronics", "defence", "industrial")

# Country weights by role: (country code, weight). Unlisted countries get a small weight.
_MINE_W = {"CHN": 30, "AUS": 10, "MMR": 10, "USA": 6, "BRA": 5, "VNM": 4, "IND": 4, "CAN": 3,
           "ZAF": 3, "GRL": 2, "TZA": 2, "MDG": 2, "RUS": 3, "LAO": 3}
_PLANT_W = {"CHN": 40, "MYS": 8, "EST": 4, "USA": 6, "JPN": 5, "VNM": 4, "FRA": 3, "IND": 3,
            "AUS": 4, "CAN": 2, "KOR": 2}
_DEMAND_W = {"USA": 10, "JPN": 8, "DEU": 8, "KOR": 6, "FRA": 4, "CHN": 10, "IND": 3, "CAN": 2}


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and shape of a synthetic instance.

    Attributes
    ----------
    mines, plants, demands : number of sites of each kind
    modules : candidate capacity modules (0 gives a pure LP)
    elements : separated oxides (at most 12 named ones, then ``E13``, …)
    periods : quarters from 2025Q1
    scenarios : scenarios including ``base`` (1 = deterministic)
    arc_density : probability that a possible mine→plant or plant→demand lane exists (lanes
        inside one country are three times as likely); every site keeps at least one lane
    traders, stockpiles : offers of oxide and strategic stocks (defaults scale with elements)
    countries : number of countries (default: from the number of sites)
    seed : random seed
    """

    mines: int = 30
    plants: int = 10
    modules: int = 8
    demands: int = 20
    elements: int = 4
    periods: int = 8
    scenarios: int = 3
    arc_density: float = 0.3
    traders: int | None = None
    stockpiles: int | None = None
    countries: int | None = None
    seed: int = 1


PRESETS: dict[str, SyntheticSpec] = {
    # Measured variable counts of the LP variant (modules=0; the MIP variant adds the modules'
    # integer columns): tiny 0.6k, small 13k, medium 105k, large 0.95M, xlarge 3.0M.
    "tiny": SyntheticSpec(mines=6, plants=3, modules=3, demands=5, elements=3, periods=4,
                          scenarios=2, arc_density=0.5),
    "small": SyntheticSpec(mines=24, plants=8, modules=8, demands=16, elements=4, periods=8,
                           scenarios=3, arc_density=0.3),
    "medium": SyntheticSpec(mines=55, plants=16, modules=16, demands=40, elements=5, periods=8,
                            scenarios=4, arc_density=0.25),
    "large": SyntheticSpec(mines=120, plants=30, modules=30, demands=80, elements=6, periods=12,
                           scenarios=5, arc_density=0.2),
    "xlarge": SyntheticSpec(mines=160, plants=40, modules=40, demands=100, elements=6,
                            periods=12, scenarios=8, arc_density=0.2),
}
"""Benchmark sizes. ``xlarge`` is documented but not run in CI."""


def preset(name: str, **changes) -> SyntheticSpec:
    """The preset ``name`` with fields replaced (e.g. ``modules=0`` for the LP variant)."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return replace(PRESETS[name], **changes)


def _countries(n: int) -> list[tuple[str, str]]:
    out = list(_COUNTRIES[:n])
    out += [(f"X{i:03d}", f"Synthetic country {i}") for i in range(1, n - len(out) + 1)]
    return out


def _weights(codes: list[str], table: dict[str, float]) -> np.ndarray:
    w = np.array([table.get(c, 0.5) for c in codes], dtype=float)
    return w / w.sum()


def _periods(n: int) -> list[str]:
    return [f"{2025 + i // 4}Q{i % 4 + 1}" for i in range(n)]


def _ensure_each(mask: np.ndarray, rng, axis: int) -> np.ndarray:
    """Give every row (axis=1: every column) of a boolean matrix at least one True."""
    mask = mask.copy()
    if axis == 1:
        for i in np.flatnonzero(~mask.any(axis=1)):
            mask[i, rng.integers(mask.shape[1])] = True
    else:
        for j in np.flatnonzero(~mask.any(axis=0)):
            mask[rng.integers(mask.shape[0]), j] = True
    return mask


def generate_tables(spec: SyntheticSpec) -> dict[str, pd.DataFrame]:
    """Build every sheet of a synthetic instance as DataFrames (see the module docstring)."""
    rng = np.random.default_rng(spec.seed)
    n_sites = spec.mines + spec.plants + spec.demands
    n_countries = spec.countries or int(np.clip(n_sites // 6, 8, 60))
    countries = _countries(n_countries)
    codes = [c for c, _ in countries]
    periods = _periods(spec.periods)
    T = spec.periods

    elements = list(_ELEMENTS[: spec.elements])
    elements += [(f"E{i}", f"Synthetic oxide {i}", 20_000.0, False)
                 for i in range(len(elements) + 1, spec.elements + 1)]
    el_codes = [e[0] for e in elements]
    ref_price = np.array([e[2] for e in elements])
    light = np.array([e[3] for e in elements])
    E = len(elements)

    # --- mines and assays -------------------------------------------------------------------
    M = spec.mines
    mine_country = rng.choice(codes, size=M, p=_weights(codes, _MINE_W))
    mine_cap = np.round(rng.lognormal(np.log(4_000), 0.7, size=M), 0)
    greenfield_mines = rng.random(M) < 0.05
    mine_cap[greenfield_mines] = 0.0
    mine_cost = np.round(rng.uniform(1_500, 6_000, size=M) * np.where(mine_country == "CHN", 0.7, 1), 0)
    mine_first = np.where(rng.random(M) < 0.1, rng.integers(1, max(T // 2, 2), size=M), 0)
    has_el = rng.random((M, E)) < np.where(light, 0.95, 0.45)[None, :]
    has_el[:, 0] = True  # every mine carries NdPr (or the first element)
    weight = rng.uniform(0.2, 1.0, size=(M, E)) * np.where(light, 1.0, 0.08)[None, :] * has_el
    reo_total = rng.uniform(0.70, 0.98, size=M)  # the rest is impurities: shares sum to < 1
    share = np.round(weight / weight.sum(axis=1, keepdims=True) * reo_total[:, None], 5)
    mine_ids = [f"M{i:04d}" for i in range(M)]

    # --- plants and recoveries --------------------------------------------------------------
    P = spec.plants
    plant_country = rng.choice(codes, size=P, p=_weights(codes, _PLANT_W))
    recovers = rng.random((P, E)) < 0.85
    recovers[:, 0] = True
    recovery = np.round(rng.uniform(0.85, 0.97, size=(P, E)), 3) * recovers
    plant_ids = [f"P{i:03d}" for i in range(P)]

    # Mine → plant lanes: more likely inside a country; every mine and plant has one.
    same = mine_country[:, None] == plant_country[None, :]
    conc = rng.random((M, P)) < np.minimum(1.0, spec.arc_density * np.where(same, 3.0, 1.0))
    conc = _ensure_each(_ensure_each(conc, rng, axis=1), rng, axis=0)
    feed = np.zeros(P)
    for i, j in zip(*np.nonzero(conc)):
        feed[j] += mine_cap[i] / conc[i].sum()
    plant_cap = np.round(feed * rng.uniform(0.6, 1.0, size=P), 0)  # separation binds sometimes
    greenfield_plants = rng.random(P) < 0.1
    plant_cap[greenfield_plants] = 0.0
    plant_opex = np.round(rng.uniform(800, 3_000, size=P) * np.where(plant_country == "CHN", 0.6, 1), 0)

    # --- demand nodes -----------------------------------------------------------------------
    D = spec.demands
    demand_country = rng.choice(codes, size=D, p=_weights(codes, _DEMAND_W))
    end_use = np.array([_END_USES[i % len(_END_USES)] for i in rng.permutation(D)])
    wants = rng.random((D, E)) < np.where(light, 0.6, 0.5)[None, :]
    wants[:, 0] = True
    demand_ids = [f"D{i:04d}" for i in range(D)]

    # Potential oxide output per element if every mine ran at capacity through average plants.
    potential = (mine_cap[:, None] * share).sum(axis=0) * 0.9
    per_node = potential / np.maximum(wants.sum(axis=0), 1)
    growth = 1.0 + 0.015 * np.arange(T)
    base_q = rng.uniform(0.25, 0.6, size=(D, E)) * per_node[None, :]
    q_rows = []
    for d, e in zip(*np.nonzero(wants)):
        for t in range(T):
            q_rows.append((demand_ids[d], el_codes[e], periods[t], round(float(base_q[d, e] * growth[t]), 2)))
    demand_quantities = pd.DataFrame(q_rows, columns=["demand", "element", "period", "quantity_t"])

    # Plant → demand lanes: only where the plant recovers something the demand wants.
    useful = (recovers.astype(int) @ wants.T.astype(int)) > 0  # (P, D)
    same_pd = plant_country[:, None] == demand_country[None, :]
    pd_lane = useful & (rng.random((P, D)) < np.minimum(1.0, spec.arc_density * np.where(same_pd, 3.0, 1.0)))
    pd_lane = _ensure_each(pd_lane, rng, axis=0)  # every plant recovers element 0: useful

    # --- traders and stockpiles -------------------------------------------------------------
    n_traders = spec.traders if spec.traders is not None else 2 * E
    trader_rows, trader_lanes = [], []
    for k in range(n_traders):
        e = k % E
        country = "CHN" if k % 2 == 0 else rng.choice(codes[1:])
        tid = f"T{k:03d}"
        trader_rows.append({"trader": tid, "country": country, "mined_country": None,
                            "element": el_codes[e],
                            "capacity_t": round(float(potential[e] * rng.uniform(0.05, 0.15)), 1),
                            "price_usd_per_t": round(float(ref_price[e] * rng.uniform(1.2, 1.6)), 0)})
        for d in np.flatnonzero(wants[:, e] & (rng.random(D) < spec.arc_density)):
            trader_lanes.append((tid, demand_ids[d]))
    n_stock = spec.stockpiles if spec.stockpiles is not None else min(E, 3)
    stock_rows, stock_lanes = [], []
    importers = [c for c in ("USA", "JPN", "DEU", "KOR") if c in codes]
    for k in range(n_stock):
        e = k % E
        country = importers[k % len(importers)] if importers else codes[0]
        sid = f"S{k:02d}"
        stock_rows.append({"stockpile": sid, "country": country, "element": el_codes[e],
                           "initial_t": round(float(per_node[e] * 0.5), 1),
                           "capacity_t": round(float(per_node[e] * 3), 1),
                           "holding_cost_usd_per_t": round(float(ref_price[e] * 0.005), 1),
                           "initial_mined_country": None, "initial_processed_country": None})
        into = [p for p in np.flatnonzero(recovers[:, e] & (plant_country != "CHN"))][:3]
        stock_lanes += [(plant_ids[p], sid) for p in into]
        stock_lanes += [(r["trader"], sid) for r in trader_rows if r["element"] == el_codes[e]][:1]
        out = np.flatnonzero(wants[:, e] & (demand_country == country))
        stock_lanes += [(sid, demand_ids[d]) for d in out]

    # --- lanes ------------------------------------------------------------------------------
    lane_rows = []
    for i, j in zip(*np.nonzero(conc)):
        cost = rng.uniform(20, 60) if same[i, j] else rng.uniform(80, 300)
        cap = round(float(mine_cap[i] * rng.uniform(0.3, 0.8)), 0) if rng.random() < 0.1 else None
        lane_rows.append((mine_ids[i], plant_ids[j], round(cost, 1), cap))
    for j, d in zip(*np.nonzero(pd_lane)):
        cost = rng.uniform(30, 120) if same_pd[j, d] else rng.uniform(150, 900)
        lane_rows.append((plant_ids[j], demand_ids[d], round(cost, 1), None))
    for o, d in trader_lanes + stock_lanes:
        lane_rows.append((o, d, round(float(rng.uniform(100, 600)), 1), None))
    lanes = pd.DataFrame(lane_rows, columns=["origin", "destination", "cost_usd_per_t", "capacity_t"])
    lanes = lanes.drop_duplicates(["origin", "destination"]).reset_index(drop=True)

    # --- policy -----------------------------------------------------------------------------
    tariffs = [{"origin_country": "CHN", "destination_country": "USA", "product": "*",
                "ad_valorem": 0.25, "per_t_usd": 0.0}]
    for _ in range(min(10, n_countries)):
        a, b = rng.choice(codes, size=2, replace=False)
        tariffs.append({"origin_country": a, "destination_country": b,
                        "product": rng.choice(["*", "concentrate"]),
                        "ad_valorem": round(float(rng.uniform(0, 0.1)), 3),
                        "per_t_usd": round(float(rng.uniform(0, 200)), 0)})
    tariffs = pd.DataFrame(tariffs).drop_duplicates(
        ["origin_country", "destination_country", "product"]).reset_index(drop=True)

    # Which countries the scenarios cut: the big exporters, in turn.
    export_share = pd.Series(mine_cap).groupby(mine_country).sum().sort_values(ascending=False)
    cut_countries = [c for c in export_share.index][: max(1, spec.scenarios - 1)]
    chn_potential = (mine_cap[mine_country == "CHN", None] * share[mine_country == "CHN"]).sum(axis=0)
    quotas = []
    for e in np.flatnonzero(~light)[:2]:  # heavy-element quotas: binding in some periods
        quotas.append(("CHN", el_codes[e], "*", round(float(chn_potential[e] * 0.4 + 1), 1)))
        quotas.append(("CHN", el_codes[e], periods[-1], round(float(chn_potential[e] * 0.15 + 1), 1)))
    big = float(mine_cap.sum())
    for c in cut_countries:  # non-binding in base; the scenarios set them to 0
        quotas.append((c, "*", "*", round(big, 0)))
        quotas.append((c, "concentrate", "*", round(big, 0)))
    export_quotas = pd.DataFrame(quotas, columns=["country", "product", "period", "cap_t"]) \
        .drop_duplicates(["country", "product", "period"])

    limits = [{"country": "CHN", "basis": "processed", "end_use": "defence", "element": "*",
               "max_t": 0.0, "max_share": None}]
    if D >= 2:
        limits.append({"country": "CHN", "basis": "either", "end_use": "ev", "element": el_codes[0],
                       "max_t": None, "max_share": 0.7})
    end_use_limits = pd.DataFrame(limits)
    div_caps = pd.DataFrame([{"end_use": "wind", "element": "*", "basis": "processed",
                              "max_share": 0.8}])
    present_uses = set(end_use)
    end_use_limits = end_use_limits[end_use_limits["end_use"].isin(present_uses)]
    div_caps = div_caps[div_caps["end_use"].isin(present_uses)]

    # --- modules ----------------------------------------------------------------------------
    mod_rows = []
    gf_sites = [plant_ids[j] for j in np.flatnonzero(greenfield_plants)] + \
        [mine_ids[i] for i in np.flatnonzero(greenfield_mines)]
    for k in range(spec.modules):
        if k < len(gf_sites):
            site = gf_sites[k]
        elif rng.random() < 0.6:
            site = plant_ids[rng.integers(P)]
        else:
            site = mine_ids[rng.integers(M)]
        is_plant = site.startswith("P")
        avg = float(plant_cap.mean() if is_plant else mine_cap.mean()) or 1_000.0
        cap = round(avg * rng.uniform(0.3, 0.8), 0)
        mod_rows.append({"module": f"B{k:03d}", "site": site, "capacity_t": cap,
                         "capex_usd": round(cap * rng.uniform(2_000, 12_000), -3),
                         "fixed_om_usd": round(cap * rng.uniform(50, 300), -2),
                         "earliest_period": periods[int(rng.integers(1, max(T // 2, 2)))],
                         "max_count": int(rng.integers(1, 3))})
    modules = pd.DataFrame(mod_rows, columns=["module", "site", "capacity_t", "capex_usd",
                                              "fixed_om_usd", "earliest_period", "max_count"])

    # --- scenarios --------------------------------------------------------------------------
    S = max(1, spec.scenarios)
    sc_rows, ch_rows = [], []
    if S > 1:
        p_dis = min(0.08, 0.5 / (S - 1))
        sc_rows.append({"scenario": "base", "probability": round(1 - p_dis * (S - 1), 12),
                        "description": "No disruption."})
        for k in range(1, S):
            c = cut_countries[(k - 1) % len(cut_countries)]
            start = int(1 + (k - 1) * max(1, (T - 1) // (S - 1)) % max(T - 1, 1))
            name = f"cut_{c}_{periods[start]}_{k}"
            sc_rows.append({"scenario": name, "probability": p_dis,
                            "description": f"{c} stops exporting from {periods[start]}."})
            ch_rows.append({"scenario": name, "sheet": "export_quotas", "key": c, "column": "cap_t",
                            "mode": "set", "value": 0.0, "from_period": periods[start]})
            if k % 2 == 0:  # every other scenario also sees demand rise 20 % from the same period
                ch_rows.append({"scenario": name, "sheet": "demand_quantities", "key": "*",
                                "column": "quantity_t", "mode": "scale", "value": 1.2,
                                "from_period": periods[start]})

    tables = {
        "settings": pd.DataFrame([
            {"setting": "name", "value": f"synthetic-s{spec.seed}"},
            {"setting": "description", "value": "Synthetic instance: " + ", ".join(
                f"{k}={v}" for k, v in asdict(spec).items())},
            {"setting": "discount_rate_per_year", "value": "0.08"}]),
        "periods": pd.DataFrame({"period": periods, "discount_factor": [None] * T}),
        "countries": pd.DataFrame(countries, columns=["country", "name"]),
        "elements": pd.DataFrame({"element": el_codes, "name": [e[1] for e in elements],
                                  "reference_price_usd_per_t": ref_price}),
        "mines": pd.DataFrame({"mine": mine_ids, "country": mine_country, "capacity_t": mine_cap,
                               "cost_usd_per_t": mine_cost,
                               "first_period": [periods[f] if f else None for f in mine_first]}),
        "mine_assays": pd.DataFrame([(mine_ids[i], el_codes[e], share[i, e])
                                     for i, e in zip(*np.nonzero(share > 0))],
                                    columns=["mine", "element", "share"]),
        "plants": pd.DataFrame({"plant": plant_ids, "country": plant_country,
                                "capacity_t": plant_cap, "opex_usd_per_t": plant_opex,
                                "first_period": None}),
        "plant_recoveries": pd.DataFrame([(plant_ids[j], el_codes[e], recovery[j, e])
                                          for j, e in zip(*np.nonzero(recovers))],
                                         columns=["plant", "element", "recovery"]),
        "traders": pd.DataFrame(trader_rows),
        "stockpiles": pd.DataFrame(stock_rows),
        "demands": pd.DataFrame({"demand": demand_ids, "country": demand_country,
                                 "end_use": end_use, "military": end_use == "defence",
                                 "must_serve": False,
                                 "lost_value_usd_per_t": np.round(
                                     rng.uniform(1.5, 3.0, size=D) * ref_price.max(), -2)}),
        "demand_quantities": demand_quantities,
        "lanes": lanes,
        "tariffs": tariffs,
        "export_quotas": export_quotas,
        "end_use_limits": end_use_limits,
        "diversification_caps": div_caps,
    }
    if len(modules):
        tables["modules"] = modules
    if sc_rows:
        tables["scenarios"] = pd.DataFrame(sc_rows)
        tables["scenario_changes"] = pd.DataFrame(ch_rows)
    return {k: v for k, v in tables.items() if not (isinstance(v, pd.DataFrame) and v.empty)}


README_FIRST_LINE = "Synthetic instance written by optimizer.synthetic (supplyopt generate)."
"""First line of a generated workbook's README sheet: how a later run recognises its own file."""


def _generated_workbook(path: Path) -> bool:
    """True if ``path`` is a workbook ``generate`` wrote (its README sheet's first line)."""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            first = next(wb["README"].iter_rows(max_row=1, values_only=True), (None,))[0]
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - unreadable or not a workbook: not ours
        return False
    return first == README_FIRST_LINE


def check_generate_target(path: Path, fmt: str) -> None:
    """Raise OutputFolderError unless a synthetic instance may be written to ``path``.

    A workbook only if it is new or an earlier generated one; a CSV folder only if it is new,
    empty or an earlier generated one holding nothing else (its marker lists its files).
    """
    from optimizer.out_folder import OutputFolderError, check_replaceable

    if fmt == "xlsx":
        if path.exists() and not (path.is_file() and _generated_workbook(path)):
            raise OutputFolderError(f"{path}: exists and was not written by 'supplyopt "
                                    "generate'; choose another file name")
        return
    check_replaceable(path, option="OUT")


def write_synthetic(spec: SyntheticSpec, path: str | Path, fmt: str | None = None) -> Path:
    """Generate ``spec`` and write it as a CSV folder (default) or, for ``*.xlsx``, a workbook.

    Never deletes or overwrites a file it did not write (:func:`check_generate_target`, checked
    before anything is touched): regenerating a folder removes only the files its marker
    lists, then lists the new ones.
    """
    from optimizer.io.write import write_csv_folder, write_workbook
    from optimizer.out_folder import read_marker, write_marker

    path = Path(path)
    fmt = fmt or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    check_generate_target(path, fmt)
    tables = generate_tables(spec)
    if fmt == "xlsx":
        return write_workbook(tables, path, readme=[
            README_FIRST_LINE,
            "Spec: " + ", ".join(f"{k}={v}" for k, v in asdict(spec).items())])
    for name in (read_marker(path) or {}).get("files") or []:
        (path / name).unlink(missing_ok=True)  # listed by the marker: written by generate
    write_csv_folder(tables, path)
    write_marker(path)
    return path
