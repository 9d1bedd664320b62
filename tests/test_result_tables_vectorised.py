"""The array forms of the result-table helpers (optimizer/results.py, batch/summary.py) on small
hand-made inputs: order of repeated rows, slack and binding rules, sums per group, and the
batch summary's largest shadow prices with ties (issue 15: the same tables, computed faster).
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from optimizer.batch.summary import top_shadow_prices
from optimizer.result_prices import _family_prices
from optimizer.result_rows import grouped_sum, scenario_rows


def _tree():
    """Periods P1, P2; node 0 (P1) holds a and b, node 1 (P2) holds a, node 2 (P2) holds b."""
    nodes = [types.SimpleNamespace(id=0, scenarios=("a", "b"), label="a+b"),
             types.SimpleNamespace(id=1, scenarios=("a",), label="a"),
             types.SimpleNamespace(id=2, scenarios=("b",), label="b")]
    return types.SimpleNamespace(nodes=nodes, inst=types.SimpleNamespace(periods=["P1", "P2"]),
                                 node_period=np.array([0, 1, 1]),
                                 node_weight=np.array([1.0, 0.5, 0.25]))


def test_scenario_rows_repeat_each_row_per_scenario_in_row_order():
    """Rows (node 2, x=1), (node 0, x=2), (node 1, x=3): node 2 → b; node 0 → a, b; node 1 → a.
    So x = 1, 2, 2, 3 with scenarios b, a, b, a and periods P2, P1, P1, P2; a row whose node is
    not in the tree (-1) is dropped."""
    frame = pd.DataFrame({"node": [2, 0, -1, 1], "x": [1.0, 2.0, 9.0, 3.0]})
    out = scenario_rows(_tree(), frame)
    assert out["x"].tolist() == [1.0, 2.0, 2.0, 3.0]
    assert out["scenario"].tolist() == ["b", "a", "b", "a"]
    assert out["period"].tolist() == ["P2", "P1", "P1", "P2"]
    assert out.index.tolist() == [0, 1, 2, 3]


def test_family_prices_slack_binding_and_conditional_price():
    """Three rows on nodes 0, 1, 2: ``>=`` rhs 10 activity 12 → slack 2, not binding; ``<=`` rhs
    5 activity 5 → slack 0, binding; ``==`` rhs 3 activity 3 → slack 0, binding. Duals 0, 4, -1;
    conditional price = dual / node weight: 0/1 = 0, 4/0.5 = 8, -1/0.25 = -4."""
    md = _tree()
    ix = pd.DataFrame({"node": [0, 1, 2], "sense": [">=", "<=", "=="], "rhs": [10.0, 5.0, 3.0]})
    out = types.SimpleNamespace(duals={"f": np.array([0.0, 4.0, -1.0])},
                                activity={"f": np.array([12.0, 5.0, 3.0])}, rhs_range={})
    df = _family_prices(md, out, "f", ix, np.array(["P1", "P2"], dtype=object),
                        np.array(["a+b", "a", "b"], dtype=object))
    assert list(df.columns) == ["node", "period", "scenarios", "sense", "rhs", "activity",
                                "slack", "shadow_price", "conditional_price", "binding"]
    assert df["slack"].tolist() == [2.0, 0.0, 0.0]
    assert df["binding"].tolist() == [False, True, True]
    assert df["conditional_price"].tolist() == [0.0, 8.0, -4.0]
    assert df["period"].tolist() == ["P1", "P2", "P2"]
    assert df["scenarios"].tolist() == ["a+b", "a", "b"]


def test_grouped_sum_per_group_in_row_order():
    """values 1, 2, 4, 8 in groups 1, 0, 1, 3 of 4: group 0 → 2, group 1 → 1 + 4 = 5, group 2
    (no row) → 0, group 3 → 8.

    In row order: 1e16 + (-1e16) + 1 = 1, but 1e16 + 1 rounds to 1e16 (the spacing of doubles
    there is 2), so 1e16 + 1 + (-1e16) = 0. A compensated (Kahan) sum gives 1 for both."""
    assert grouped_sum(np.array([1.0, 2.0, 4.0, 8.0]), np.array([1, 0, 1, 3]), 4).tolist() == \
        [2.0, 5.0, 0.0, 8.0]
    assert grouped_sum(np.array([1e16, -1e16, 1.0]), np.zeros(3, dtype=int), 1).tolist() == [1.0]
    assert grouped_sum(np.array([1e16, 1.0, -1e16]), np.zeros(3, dtype=int), 1).tolist() == [0.0]


def test_top_shadow_prices_keep_table_and_row_order_on_ties():
    """Family f: prices 0, -3, 2, 3 (rows k=0..3); family g: 3, 1. |price| 3 appears three
    times: f row 1, f row 3, g row 0, in table then row order; then 2 (f row 2). Top 4 in that
    order; a NaN price and a non-dual table are ignored."""
    tables = {
        "dual_f": pd.DataFrame({"k": [0, 1, 2, 3], "sense": ["<="] * 4,
                                "shadow_price": [0.0, -3.0, 2.0, 3.0]}),
        "flows": pd.DataFrame({"shadow_price": [100.0]}),
        "dual_g": pd.DataFrame({"k": [7, 8, 9], "sense": ["<="] * 3,
                                "shadow_price": [3.0, 1.0, np.nan]}),
    }
    top = top_shadow_prices(types.SimpleNamespace(tables=tables), n=4)
    assert top["row"].tolist() == ["f[1]", "f[3]", "g[7]", "f[2]"]
    assert top["shadow_price"].tolist() == [-3.0, 3.0, 3.0, 2.0]
    assert top["family"].tolist() == ["f", "f", "g", "f"]
