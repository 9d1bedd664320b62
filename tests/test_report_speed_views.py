"""The report's views read from plain lists give what the pandas-per-row code gave.

report.html reads table rows, shadow-price groups, capacity values and Sankey legs from
column lists instead of pandas rows (optimizer/report/components.py, price_facts.py,
flow_facts.py). Each test below states the expected values by hand, on frames small enough
to read, and where pandas' own per-row reading is the contract (a table row as ``iterrows``
gives it) compares with it directly.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report_map import run_dir  # noqa: F401  (fixture: the ISO-3 micro-instance)

from optimizer.report import facts, flow_facts, price_facts
from optimizer.report.components import Column, Table, _row_values, _table_context
from optimizer.report.load import SavedRun, load_run


def test_row_of_numbers_reads_as_iterrows_gives_it():
    """A frame of an int and a float column: iterrows turns each row into one float64
    Series, so the count 3 is read as 3.0 (and a text column shows "3.0", as the report
    always showed it); a frame with a text column keeps 3 an integer. A column the frame
    lacks reads None."""
    numbers = pd.DataFrame({"count": [3], "share": [0.5]})
    assert _row_values(numbers, ["count", "share", "absent"]) == [[3.0, 0.5, None]]
    assert isinstance(_row_values(numbers, ["count"])[0][0], float)
    mixed = pd.DataFrame({"site": ["m1"], "count": [3]})
    (site, count), = _row_values(mixed, ["site", "count"])
    assert (site, count, type(count).__name__) == ("m1", 3, "int")
    for df in (numbers, mixed, pd.DataFrame({"a": ["x", None], "b": [1.5, np.nan]})):
        names = list(df.columns) + ["absent"]
        ours = _row_values(df, names)
        theirs = [[r.get(n) for n in names] for _, r in df.iterrows()]
        assert [[str(v) for v in row] for row in ours] == \
            [[str(v) for v in row] for row in theirs]


def test_table_cells_formatted_from_row_values():
    """Rows of a mixed frame as the page shows them: tonnes 1234.5 → "1,234" (no decimal at
    or above 1,000), a missing value → "", the count 3 as text → "3"; the second row is
    highlighted."""
    df = pd.DataFrame({"site": ["m1", "m2"], "t": [1234.5, np.nan], "n": [3, 4]})
    ctx = _table_context(Table(df, [Column("site", "site"), Column("t", "t", "t"),
                                    Column("n", "n")], highlight=[False, True]))
    assert [[v for v, _ in r["cells"]] for r in ctx["rows"]] == [["m1", "1,234", "3"],
                                                                  ["m2", "", "4"]]
    assert [r["hl"] for r in ctx["rows"]] == [False, True]


def _saved(tables: dict, periods: list[str]) -> SavedRun:
    return SavedRun(Path("hand"), {"periods": periods,
                                   "scenarios": [{"name": "s", "probability": 1.0}]}, tables)


def test_capacity_value_sums_a_sites_rows_and_names_its_binding_periods():
    """Mine m1 binds in T1 (price −1) and T3 (−2), not in T2 (0): value 1 + 2 = USD 3 per
    t/period, binding "T1, T3" (T2 breaks the run). Mine m2 binds in T2 and T3 (−0.5 each):
    USD 1, "T2–T3". A row without a mine names no site and is left out. Sorted by value."""
    dual = pd.DataFrame({
        "mine": ["m1", "m2", "m1", "m2", "m1", None],
        "period": ["T1", "T2", "T2", "T3", "T3", "T1"],
        "shadow_price": [-1.0, -0.5, 0.0, -0.5, -2.0, -9.0]})
    cap = price_facts.capacity_values(_saved({"dual_mine_capacity": dual}, ["T1", "T2", "T3"]))
    assert cap["site"].tolist() == ["m1", "m2"]
    assert cap["capacity_value_usd_per_t"].tolist() == pytest.approx([3.0, 1.0])
    assert cap["binding_periods"].tolist() == ["T1, T3", "T2–T3"]
    assert all(math.isnan(v) for v in cap["capex_usd_per_t"])


def test_constraint_groups_join_rows_whose_index_reads_the_same():
    """Two quota rows of rule 7 (T1, T2) are one constraint: −1 − 3 = −4; the quota row of
    rule "7 " differs as text and stands alone (−2); a demand row with the same values in
    other columns is another family. Groups sorted by |expected value|: −4, −2, then −1."""
    quota = pd.DataFrame({"period": ["T1", "T2", "T1"], "scenarios": ["s", "s", "s"],
                          "rule": [7, 7, "7 "], "country": ["CN", "CN", "CN"],
                          "shadow_price": [-1.0, -3.0, -2.0],
                          "conditional_price": [-1.0, -3.0, -2.0],
                          "binding": [True, True, True]})
    demand = pd.DataFrame({"period": ["T1"], "scenarios": ["s"], "demand": ["d"],
                           "shadow_price": [1.0], "conditional_price": [1.0],
                           "binding": [True]})
    run = _saved({"dual_export_quota_cap": quota, "dual_end_use_tonnage_limit": demand},
                 ["T1", "T2"])
    groups = price_facts.constraint_groups(run, "limits")
    assert groups["expected_value"].tolist() == pytest.approx([-4.0, -2.0, 1.0])
    assert groups["n_rows"].tolist() == [2, 1, 1]
    assert groups["binding_periods"].tolist() == ["T1–T2", "T1", "T1"]
    assert groups["family"].tolist() == ["export_quota_cap", "export_quota_cap",
                                         "end_use_tonnage_limit"]


def test_sankey_leg_rows_are_the_sankey_legs(run_dir):  # noqa: F811
    """Every (element, scenario) of the micro-instance: the rows read once per run are the
    rows, in order, of the legs the frame view gives; calm's Dy mined leg holds AUS → USA
    20 t and CHN → CHN 4 t (test_report_map's derivation)."""
    run = load_run(run_dir)
    rows = flow_facts.sankey_leg_rows(run)
    for el in facts.elements(run):
        for sc in facts.scenario_names(run):
            mined, processed = flow_facts.sankey_legs(run, el, sc)
            got = rows.get((el, sc), ([], []))
            assert got[0] == list(mined.itertuples(index=False, name=None))
            assert got[1] == list(processed.itertuples(index=False, name=None))
    mined = {(a, b): t for a, b, t in rows[("Dy", "calm")][0]}
    assert mined == pytest.approx({("AUS", "USA"): 20.0, ("CHN", "CHN"): 4.0})
