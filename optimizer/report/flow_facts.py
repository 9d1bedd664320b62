"""Report views of where material goes: deliveries by route, Sankey links and legs, and the
trade map's country pairs, per element and scenario (from a saved run's ``flows`` table).

Each view is grouped once per run (``once_per_run``) and then read per element and scenario.
"""

from __future__ import annotations

import pandas as pd

from optimizer.report.load import SavedRun, once_per_run


@once_per_run
def _deliveries(run: SavedRun) -> pd.DataFrame | None:
    """``flows`` rows that enter a demand node, with its end use (shared by every Sankey and
    map, computed once per run)."""
    flows = run.tables.get("flows")
    un = run.tables.get("unmet_demand")
    if flows is None or flows.empty or un is None or un.empty:
        return None
    end_use = dict(zip(un["demand"].astype(str).tolist(), un["end_use"].astype(str).tolist()))
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
def _sankey_tables(run: SavedRun) -> tuple[pd.DataFrame, ...] | None:
    """(links, mined leg, processed leg) of every (element, scenario) at once, keyed by
    ``product_key`` and ``scenario_key``: one grouping each, whose every part's rows, their
    order and their sums are those of grouping that part alone (the same rows are added in
    the same order). None without deliveries."""
    d = _deliveries(run)
    if d is None:
        return None
    keys = ["product_key", "scenario_key"]
    links = d.groupby(keys + SANKEY_COLUMNS[:3], as_index=False)["tonnes"].sum()
    links = links[links["tonnes"] > 0]
    legs = [links.groupby(keys + pair, as_index=False)["tonnes"].sum()
            for pair in (["mined_in", "processed_in"], ["processed_in", "end_use"])]
    return links, legs[0], legs[1]


@once_per_run
def _sankey_all(run: SavedRun) -> dict[tuple[str, str], tuple[pd.DataFrame, ...]]:
    """(links, mined leg, processed leg) of every (element, scenario), split from
    :func:`_sankey_tables` (3 groupings per run instead of 3 per element and scenario)."""
    tables = _sankey_tables(run)
    if tables is None:
        return {}
    links, mined_leg, processed_leg = tables
    keys = ["product_key", "scenario_key"]

    def split(df, cols):
        return {k: g[cols].reset_index(drop=True) for k, g in df.groupby(keys, sort=False)}

    by_links = split(links, SANKEY_COLUMNS)
    mined = split(mined_leg, ["mined_in", "processed_in", "tonnes"])
    processed = split(processed_leg, ["processed_in", "end_use", "tonnes"])
    return {k: (v, mined[k], processed[k]) for k, v in by_links.items()}


@once_per_run
def sankey_leg_rows(run: SavedRun) -> dict[tuple[str, str], tuple[list, list]]:
    """:func:`sankey_legs` of every (element, scenario) as lists of row tuples, (mined_in,
    processed_in, tonnes) and (processed_in, end_use, tonnes): the same rows in the same
    order with the same values, read from the legs' columns once instead of from a frame per
    part (for the Sankeys, which walk every row)."""
    tables = _sankey_tables(run)
    if tables is None:
        return {}
    links, *legs = tables
    keys = zip(links["product_key"].tolist(), links["scenario_key"].tolist())
    out: dict[tuple[str, str], tuple[list, list]] = {k: ([], []) for k in keys}
    for slot, (leg, (a, b)) in enumerate(zip(legs, (("mined_in", "processed_in"),
                                                    ("processed_in", "end_use")))):
        for p, sc, *row in zip(leg["product_key"].tolist(), leg["scenario_key"].tolist(),
                               leg[a].tolist(), leg[b].tolist(), leg["tonnes"].tolist()):
            out[(p, sc)][slot].append(tuple(row))
    return out


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
