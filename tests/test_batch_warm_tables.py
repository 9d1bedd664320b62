"""Result tables of warm batch runs (issue 15, target 5): what the tables cache per live model
is reused only while its sources are unchanged, and the supply mix groups as a groupby would.

``optimizer.results`` builds the parts of a table that read only index frames and the scenario
tree once (``results.memo``) and a live model's runs share them. A run whose overrides give a
family new right-hand sides, or change the modules sheet, gets new frames, so the parts built
from the old ones must not be reused.
"""

from __future__ import annotations

import copy
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.api import load_instance
from optimizer.instance import Override
from optimizer.live import LiveModel
from optimizer.result_rows import memo
from optimizer.results import all_tables, supply_mix
from optimizer.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "instances" / "ree_baseline_10q.xlsx"
FIXED_PLAN = (("MYS_Lynas_HRE_exp", "2027Q4", 1, "china_escalation"),)
"""The 10-quarter baseline's optimal builds (docs/batch.md): with them fixed, runs are LPs."""


def _node(i, period, scenarios, parent=None):
    return types.SimpleNamespace(id=i, period=period, parent=parent, scenarios=scenarios,
                                 label="+".join(scenarios), probability=1.0, changes={})


def _tree(**frames):
    """P1, P2; node 0 (P1) holds a and b, node 1 (P2) holds a, node 2 (P2) holds b."""
    nodes = [_node(0, 0, ("a", "b")), _node(1, 1, ("a",), 0), _node(2, 1, ("b",), 0)]
    return types.SimpleNamespace(nodes=nodes, inst=types.SimpleNamespace(periods=["P1", "P2"]),
                                 node_period=np.array([0, 1, 1]), **frames)


def _counting_build():
    """A build function for memo that returns how many times it has been called."""
    built = []

    def build():
        built.append(1)
        return len(built)
    return build


def test_memo_rebuilds_when_a_source_frame_or_the_tree_changes():
    """Built once for one frame; a new frame (even equal in content) or another tree rebuilds
    it; the same frame and an equal tree reuse it."""
    md = _tree()
    frame = pd.DataFrame({"x": [1]})
    build = _counting_build()
    assert memo(md, "part", (frame,), build) == 1
    assert memo(md, "part", (frame,), build) == 1
    assert memo(md, "part", (frame.copy(),), build) == 2
    md.nodes = [_node(0, 0, ("a", "b")), _node(1, 1, ("a",), 0), _node(2, 1, ("b",), 0)]
    assert memo(md, "part", (frame,), build) == 3  # an equal tree: kept
    assert memo(md, "part", (frame,), build) == 3
    md.nodes = [_node(0, 0, ("a",)), _node(1, 1, ("a",), 0), _node(2, 1, ("b",), 0)]
    assert memo(md, "part", (frame,), build) == 4


def test_supply_mix_groups_sorts_and_shares_by_hand():
    """Oxide flows into demand nodes d1 (end use ev) and d2 (wind), plus one into a plant:

    ======  ====  ====  =======  =====  =========  ======
    flow    node  into  element  mined  processed  tonnes
    ======  ====  ====  =======  =====  =========  ======
    0       0     d1    Nd       AUS    MYS        30
    1       0     d1    Nd       CHN    CHN        10
    2       1     d2    Dy       AUS    CHN        5
    3       0     p1    Nd       AUS    MYS        100 (a plant: not counted)
    4       2     d1    Nd       AUS    MYS        20
    ======  ====  ====  =======  =====  =========  ======

    Node 0 holds a and b, node 1 a, node 2 b. Scenario a: Nd/ev mined AUS 30, CHN 10 (shares
    0.75, 0.25, HHI (0.75² + 0.25²) × 10,000 = 6,250), processed MYS 30, CHN 10 (same);
    Dy/wind AUS / CHN 5 (share 1, HHI 10,000). Scenario b: Nd/ev AUS 30 + 20 = 50, CHN 10
    (5/6, 1/6, HHI (25 + 1) / 36 × 10,000). The element column is a categorical ordered
    Nd, Dy, so Nd sorts first, as a groupby on it sorts; then basis (mined first), then share
    descending.
    """
    element = pd.Categorical(["Nd", "Nd", "Dy", "Nd", "Nd"], categories=["Nd", "Dy"])
    ox = pd.DataFrame({"node": [0, 0, 1, 0, 2],
                       "destination": ["d1", "d1", "d2", "p1", "d1"],
                       "destination_kind": ["demands"] * 3 + ["plants", "demands"],
                       "element": element,
                       "mined_country": ["AUS", "CHN", "AUS", "AUS", "AUS"],
                       "processed_country": ["MYS", "CHN", "CHN", "MYS", "MYS"]})
    md = _tree(var_ix={"ship_oxide_t": ox},
               demands=pd.DataFrame({"demand": ["d1", "d2"], "end_use": ["ev", "wind"]}))
    out = types.SimpleNamespace(values={"ship_oxide_t": np.array([30.0, 10, 5, 100, 20])})
    mix = supply_mix(md, out)
    got = list(zip(mix["scenario"], mix["element"], mix["end_use"], mix["basis"],
                   mix["country"], mix["tonnes"], strict=True))
    assert got == [("a", "Nd", "ev", "mined", "AUS", 30.0), ("a", "Nd", "ev", "mined", "CHN", 10.0),
                   ("a", "Nd", "ev", "processed", "MYS", 30.0),
                   ("a", "Nd", "ev", "processed", "CHN", 10.0),
                   ("a", "Dy", "wind", "mined", "AUS", 5.0),
                   ("a", "Dy", "wind", "processed", "CHN", 5.0),
                   ("b", "Nd", "ev", "mined", "AUS", 50.0), ("b", "Nd", "ev", "mined", "CHN", 10.0),
                   ("b", "Nd", "ev", "processed", "MYS", 50.0),
                   ("b", "Nd", "ev", "processed", "CHN", 10.0)]
    assert mix["share"].to_numpy() == pytest.approx(
        [0.75, 0.25, 0.75, 0.25, 1, 1, 5 / 6, 1 / 6, 5 / 6, 1 / 6], rel=1e-12)
    assert mix["hhi"].to_numpy() == pytest.approx(
        [6250] * 4 + [10000] * 2 + [26 / 36 * 10000] * 4, rel=1e-12)


def _fresh_tables(run) -> dict:
    """The run's tables computed again from a copy of its model data with no cache."""
    md = copy.copy(run.model_data)
    md.__dict__.pop("table_cache", None)
    md.__dict__.pop("_tree_key", None)
    return all_tables(md, run.outcome)


def test_live_runs_share_the_cache_and_match_tables_built_from_scratch():
    """Four warm LP runs of one live model: the baseline, China's Dy quota halved (new
    right-hand sides: a new frame of export_quota_cap), every module's capex doubled (a new
    modules frame) and the baseline again. Every table of each run equals, value for value,
    the same table built from scratch (no cache); the candidates' capex in the third run is
    twice the first run's (scale 2), back to the first run's in the fourth.
    """
    live = LiveModel(load_instance(BASELINE), SolveOptions(fixed_builds=FIXED_PLAN))
    runs = [(), (Override("export_quotas", ("CHN", "Dy"), "cap_t", 0.5, "scale"),),
            (Override("modules", ("*",), "capex_usd", 2.0, "scale"),), ()]
    results = []
    for overrides in runs:
        run = live.solve(overrides, verify=False, compare_status_quo=False)
        assert run is not None and run.outcome.warm_start == "live"
        fresh = _fresh_tables(run)
        assert list(run.tables) == list(fresh)
        for name, table in fresh.items():
            pd.testing.assert_frame_equal(run.tables[name], table, check_exact=True,
                                          obj=f"{name} of run {overrides}")
        results.append(run)
    assert "table_cache" in live.md.__dict__  # the base's cache, shared by the runs
    capex = [r.tables["candidates"]["capex_usd"].to_numpy() for r in results]
    assert capex[2] == pytest.approx(2 * capex[0], rel=1e-15)
    assert np.array_equal(capex[3], capex[0])


def test_memo_rebuilds_when_its_values_change():
    """``values`` (plain keys of what a run computes afresh, such as a fixed plan's build
    counts) are compared by value: equal keys reuse the part, other keys rebuild it."""
    md = _tree()
    frame = pd.DataFrame({"x": [1]})
    build = _counting_build()
    counts = np.array([1, 0, 2])
    assert memo(md, "part", (frame,), build, values=(counts.tobytes(),)) == 1
    assert memo(md, "part", (frame,), build, values=(counts.copy().tobytes(),)) == 1
    assert memo(md, "part", (frame,), build, values=(np.array([1, 0, 3]).tobytes(),)) == 2


def test_one_off_solve_drops_the_table_cache():
    """A one-off solve (``api.solve``) builds its tables with the cache, then drops it before
    the ranging (issue 15, target 4: held, it was the large preset's peak of memory) and
    drops what the shadow-price tables cached after it; its tables equal tables built from
    scratch. A live model keeps its cache for its next run."""
    from optimizer.api import solve

    inst = load_instance(BASELINE)
    run = solve(inst, SolveOptions(fixed_builds=FIXED_PLAN), compare_status_quo=False,
                verify=False)
    assert not run.model_data.__dict__.get("table_cache")
    fresh = _fresh_tables(run)
    for name in ("flows", "supply_mix", "unmet_demand", "stocks"):
        pd.testing.assert_frame_equal(run.tables[name], fresh[name], check_exact=True)
    live = LiveModel(inst, SolveOptions(fixed_builds=FIXED_PLAN))
    assert live.solve((), verify=False, compare_status_quo=False) is not None
    assert {"flow_keys", "supply_keys"} <= set(live.md.__dict__["table_cache"])


def test_writing_to_a_runs_tables_leaves_the_next_runs_tables_intact():
    """Two live runs with the same overrides: the second reuses the first's shadow-price,
    builds and candidates tables (the cached table objects stay the ones the first run
    built). The first run's tables are then written to in place (a number, a text cell, a
    whole column, a new column); the second run's tables equal tables built from scratch,
    so no write reached the cache the two runs share (:func:`own_copy`).
    """
    live = LiveModel(load_instance(BASELINE), SolveOptions(fixed_builds=FIXED_PLAN))
    overrides = (Override("export_quotas", ("CHN", "Dy"), "cap_t", 0.5, "scale"),)
    first = live.solve(overrides, verify=False, compare_status_quo=False)
    cache = live.md.__dict__["table_cache"]
    cached = {name: entry[2] for name, entry in cache.items()
              if name.startswith("price table:") or name in ("candidates", "builds_built")}
    assert {"candidates", "builds_built", "price table:demand_balance"} <= set(cached)
    for name, table in first.tables.items():
        if name in ("builds", "candidates") or name.startswith("dual_"):
            text = next(c for c in table.columns
                        if pd.api.types.is_string_dtype(table[c].dtype))
            number = next(c for c in table.columns if table[c].dtype == np.float64)
            table.iloc[0, table.columns.get_loc(number)] = -12345.0
            table.iloc[0, table.columns.get_loc(text)] = "written"
            table[number] = 7.0
            table["added"] = 1
    second = live.solve(overrides, verify=False, compare_status_quo=False)
    assert all(cache[name][2] is table for name, table in cached.items())  # reused, not rebuilt
    fresh = _fresh_tables(second)
    for name in [n for n in fresh if n in ("builds", "candidates") or n.startswith("dual_")]:
        pd.testing.assert_frame_equal(second.tables[name], fresh[name], check_exact=True,
                                      obj=name)


def test_own_copy_shares_nothing_a_write_can_reach():
    """A write to the copy leaves the original as it was, and a write to the original leaves
    the copy as it was (a number, a text cell, a new column)."""
    from optimizer.result_rows import own_copy

    original = pd.DataFrame({"x": [1.0, 2.0], "name": pd.array(["a", "b"], dtype="string")})
    copied = own_copy(original)
    copied.loc[0, "x"] = 9.0
    copied.loc[1, "name"] = "z"
    copied["y"] = 3
    assert original["x"].tolist() == [1.0, 2.0] and original["name"].tolist() == ["a", "b"]
    assert list(original.columns) == ["x", "name"]
    original.loc[1, "x"] = -1.0
    assert copied["x"].tolist() == [9.0, 2.0]
