"""The verifier's keyed sums and look-ups (``optimizer/verify/keys.py``), on frames small
enough to check by hand, and plan rows naming what the instance does not have.

The verifier groups and joins by integer codes of its key columns (categorical over one set of
labels, or hashed values otherwise); these tests pin the pandas semantics it promises to keep:
groups in order of first appearance, compensated sums, rows with a NaN key left out of sums but
matched NaN to NaN in look-ups, the last of repeated keys for a row position.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from optimizer.api import solve
from optimizer.solve import SolveOptions
from optimizer.verify import ABS_TOL, verify_run
from optimizer.verify.keys import attach, groups_of, per_label, present, row_in, sum_by
from tests.test_verify import build, tiny_frames

LABELS = pd.CategoricalDtype(["a", "b", "s1", "s2", "P1", "P2"])


@pytest.mark.parametrize("dtype", [object, LABELS])
def test_sum_by_is_compensated_in_order_of_first_appearance(dtype):
    """Key a: 1e16 + 1 + 1 − 1e16 = 2 exactly. Plain float addition loses both ones (1e16 + 1
    rounds back to 1e16: the spacing of doubles there is 2) and gives 0; the compensated sum
    of a pandas groupby keeps the lost part and gives 2. Key b: 5. The NaN-key row (7) is in
    no group. Groups in order of first appearance: a, then b."""
    df = pd.DataFrame({"k": pd.Series(["a", "b", "a", "a", "a", None], dtype=dtype),
                       "v": [1e16, 5.0, 1.0, 1.0, -1e16, 7.0]})
    out = sum_by(df, ["k"], "v", "x")
    assert list(out["k"]) == ["a", "b"]
    assert out["x"].tolist() == [2.0, 5.0]


def test_attach_matches_values_whether_categorical_or_plain():
    """Left (s1, P1) finds right's 4, (s2, P1) nothing: 0, (s1, P2) right's 3; a NaN period
    meets right's NaN period (9), as in a pandas merge. Left's scenario is categorical over
    the labels, right's plain text, and the other way round for the period."""
    left = pd.DataFrame({"scenario": pd.Series(["s1", "s2", "s1", "s2"], dtype=LABELS),
                         "period": pd.Series(["P1", "P1", "P2", None], dtype=object)})
    right = pd.DataFrame({"scenario": pd.Series(["s1", "s1", "s2"], dtype=object),
                          "period": pd.Series(["P2", "P1", None], dtype=LABELS),
                          "x": [3.0, 4.0, 9.0]})
    assert attach(left, right, ["scenario", "period"], "x").tolist() == [4.0, 0.0, 3.0, 9.0]
    assert present(left, right, ["scenario", "period"]).tolist() == [True, False, True, True]


def test_row_in_gives_the_last_of_repeated_keys():
    """Table rows 0 (a, P1), 1 (b, P1), 2 (a, P1): (a, P1) is row 2, as a dict built from the
    table keeps the last; (b, P1) is row 1; (b, P2) is in no row: −1."""
    table = pd.DataFrame({"k": ["a", "b", "a"], "p": ["P1", "P1", "P1"]})
    left = pd.DataFrame({"k": pd.Series(["a", "b", "b"], dtype=LABELS), "p": ["P1", "P1", "P2"]})
    assert row_in(left, table, ["k", "p"]).tolist() == [2, 1, -1]


def test_per_label_is_nan_where_absent():
    """Label a → 1.5; b is not in the mapping and NaN is no label: both NaN."""
    got = per_label(pd.Series(["a", "b", None, "a"], dtype=LABELS), {"a": 1.5})
    assert got[[0, 3]].tolist() == [1.5, 1.5]
    assert np.isnan(got[[1, 2]]).all()


def test_groups_of_many_wide_keys():
    """Five key columns of 65,536 = 2^16 distinct values each: row i (< 2^16) holds i in every
    column, and two more rows hold (1, 0, 0, 0, 0) and (2, 0, 0, 0, 0). No two rows are
    equal: 2^16 + 2 groups, each row its own, numbered in row order.

    Numbered in mixed radix 2^16, the rows would need codes up to 2^80; kept to 64 bits, the
    two extra rows (1·2^64 and 2·2^64) would wrap to row 0's code 0 and join its group. The
    code is renumbered before it outgrows int64.
    """
    i = np.arange(2 ** 16)
    df = pd.DataFrame({f"c{j}": np.r_[i, 1 if j == 0 else 0, 2 if j == 0 else 0]
                       for j in range(5)})
    group, first = groups_of(df, [f"c{j}" for j in range(5)])
    assert group.tolist() == list(range(2 ** 16 + 2))
    assert first.tolist() == list(range(2 ** 16 + 2))


def test_plan_rows_naming_what_the_instance_lacks_are_structure_errors():
    """The tiny instance's plan (tests/test_verify.py), with two rows it could not have.

    * unmet demand of 3 t at a demand node ``ghost`` the instance does not have: a structural
      row counts in full, violation 3 / max(1, min(3, 1)) = 3;
    * 0.5 t on the plan's first flow in a scenario ``nowhere``: 0.5 / max(1, 0.5) = 0.5.

    Both are structure errors (2 rows), the worst the ghost's; the rows are dropped before
    the other checks, which pass as on the plan itself.
    """
    inst = build(tiny_frames())
    run = solve(inst, SolveOptions(mip_rel_gap=0))
    tables = copy.deepcopy(run.tables)
    scenario, period = tables["flows"]["scenario"].iloc[0], tables["flows"]["period"].iloc[0]
    ghost = pd.DataFrame({"scenario": [scenario], "period": [period], "demand": ["ghost"],
                          "element": ["Nd"], "unmet_t": [3.0]})
    tables["unmet_demand"] = pd.concat([tables["unmet_demand"], ghost], ignore_index=True)
    stray = tables["flows"].iloc[[0]].assign(scenario="nowhere", tonnes=0.5)
    tables["flows"] = pd.concat([tables["flows"], stray], ignore_index=True)
    rep = verify_run(inst, tables, run.objective)
    assert not rep["ok"]
    assert {f for f, v in rep["by_family"].items() if v > ABS_TOL} == {"structure"}
    assert rep["by_family"]["structure"] == pytest.approx(3.0)
    assert rep["violated_rows"] == {"structure": 2}
    assert "demand=ghost" in rep["worst_rows"]["structure"]


def test_lane_capacity_given_only_by_a_scenario_is_checked():
    """The tiny instance with two scenarios, calm and cut (½ each); cut caps the lane p → d,
    blank (unlimited) in the data, at 5 t from P2. The only lane_capacity row is (cut, P2,
    p → d): the other lane and the other (scenario, period) are unlimited.

    The plan ships at most 5 t on it there. Raised to 8 t, the row is over by 8 − 5 = 3 of a
    scale max(1, 8 + 5) = 13: violation 3 / 13.
    """
    frames = tiny_frames()
    frames["scenarios"] = [{"scenario": "calm", "probability": 0.5},
                           {"scenario": "cut", "probability": 0.5}]
    frames["scenario_changes"] = [{"scenario": "cut", "sheet": "lanes", "key": "p,d",
                                   "column": "capacity_t", "value": 5, "from_period": "P2"}]
    inst = build(frames)
    run = solve(inst, SolveOptions(mip_rel_gap=0))
    assert run.verification["ok"]
    assert run.verification["rows_checked"]["lane_capacity"] == 1
    tables = copy.deepcopy(run.tables)
    flows = tables["flows"]
    on_lane = ((flows["scenario"] == "cut") & (flows["period"] == "P2")
               & (flows["origin"] == "p") & (flows["destination"] == "d"))
    assert on_lane.sum() == 1 and flows.loc[on_lane, "tonnes"].iloc[0] <= 5 + 1e-9
    flows.loc[on_lane, "tonnes"] = 8.0
    rep = verify_run(inst, tables, run.objective)
    assert rep["by_family"]["lane_capacity"] == pytest.approx(3 / 13)
    assert "scenario=cut, period=P2, origin=p, destination=d" in rep["worst_rows"]["lane_capacity"]
