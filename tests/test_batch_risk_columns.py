"""A batch run solved risk-averse says what its objective is: E and CVaR beside the mix.

The adaptive tutorial (instances/README.md): the optimal plan builds only if 'cut' happens;
calm costs 18 M, cut 21 M, E = 19.5 M. At λ = 0.5, α = 0.5 that plan stays optimal and
CVaR_0.5 is the worse half, cut's 21 M, so the objective is 0.5 × 19.5 + 0.5 × 21 = 20.25 M
(tests/test_risk.py::test_cli_risk_options_are_recorded_and_reverified derives the same).
"""

from pathlib import Path

import pandas as pd
import pytest

from optimizer.api import load_instance, solve
from optimizer.batch.summary import summary_row
from optimizer.formulation.risk import with_risk
from optimizer.report.batch_page import objective_label
from optimizer.solve import SolveOptions

TUTORIAL = Path(__file__).resolve().parents[1] / "instances" / "tutorial_adaptive.xlsx"


def test_risk_averse_row_carries_expected_cost_and_cvar():
    inst = load_instance(TUTORIAL)
    options = SolveOptions(mip_rel_gap=0)
    row, _ = summary_row(solve(with_risk(inst, 0.5, 0.5), options, compare_status_quo=False))
    assert row["objective_usd"] == pytest.approx(20_250_000)
    assert row["expected_cost_usd"] == pytest.approx(19_500_000)
    assert row["cvar_usd"] == pytest.approx(21_000_000)
    assert row["risk_weight"] == 0.5
    neutral, _ = summary_row(solve(inst, options, compare_status_quo=False))
    assert neutral["objective_usd"] == pytest.approx(19_500_000)
    assert not {"risk_weight", "expected_cost_usd", "cvar_usd"} & set(neutral)


def test_batch_page_names_the_objective():
    assert objective_label(pd.DataFrame({"objective_usd": [1.0]})) == "expected discounted cost"
    mixed = pd.DataFrame({"objective_usd": [1.0, 2.0], "risk_weight": [None, 0.5]})
    assert objective_label(mixed).startswith("objective (expected discounted cost; mean-CVaR")
