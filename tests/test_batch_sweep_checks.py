"""benchmarks/batch_sweep.py's guard on its LP variant: the builds must really be fixed.

The LP variant fixes the baseline's builds by (module, decision period, count, decided in); a
key the model does not read the same way would fix every build at 0 and the "LP" would be
another plan. ``check_fixed_plan`` stops the benchmark unless the run has no integer column
and builds exactly the fixed plan.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from batch_sweep import INSTANCES, check_fixed_plan  # noqa: E402

FIXED = (("MOD_A", "2027Q4", 1, "china_escalation"),)


def _run(rows, n_integer=0):
    builds = pd.DataFrame(rows, columns=["module", "decision_period", "count", "decided_in"])
    return types.SimpleNamespace(outcome=types.SimpleNamespace(n_integer=n_integer),
                                 tables={"builds": builds})


def test_the_fixed_plan_passes():
    check_fixed_plan(types.SimpleNamespace(fixed_builds=FIXED),
                     _run([("MOD_A", "2027Q4", 1, "china_escalation")]))


@pytest.mark.parametrize("rows, n_integer", [
    ([], 0),                                          # every build fixed at 0
    ([("MOD_A", "2027Q4", 1, "all")], 0),             # the branch lost
    ([("MOD_A", "2027Q4", 2, "china_escalation")], 0),  # another count
    ([("MOD_A", "2027Q4", 1, "china_escalation")], 3),  # integers left: still a MIP
])
def test_any_other_plan_stops_the_benchmark(rows, n_integer):
    with pytest.raises(SystemExit):
        check_fixed_plan(types.SimpleNamespace(fixed_builds=FIXED), _run(rows, n_integer))


def test_instance_shortcuts_name_the_two_baselines():
    assert INSTANCES["10q"].name == "ree_baseline_10q.xlsx"
    assert INSTANCES["2035"].name == "ree_baseline.xlsx"
    assert all(p.exists() for p in INSTANCES.values())
