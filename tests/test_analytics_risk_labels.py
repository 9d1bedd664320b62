"""Analyses under a mean-CVaR objective say so: the optima are not expected costs.

tests/test_analytics.py's instance (one period; *build* costs 375 in both scenarios, *no build*
150 in calm and 750 in cut, p = ½ each) with λ = 0.5 and α = 0.5, so the tail is cut alone:

* build: E = 375, CVaR = 375, objective ½·375 + ½·375 = **375** (RP);
* no build (the naive plan in the model, and the status quo): E = ½·150 + ½·750 = **450**,
  CVaR = 750, objective ½·450 + ½·750 = **600**;
* C cut off, no builds: d unmet in both scenarios, 750 each: E = CVaR = objective **750**,
  **+150** over the status quo's objective 600; with the chosen build 375, +0.
"""

from __future__ import annotations

import pytest

from optimizer.batch.analytics import analyse, write_analysis
from optimizer.io.write import write_workbook
from tests.test_analytics import EXACT, sheets


@pytest.fixture(scope="module")
def risk_analysis(tmp_path_factory):
    s = sheets()
    s["settings"] = s["settings"] + [{"setting": "risk_weight", "value": 0.5},
                                     {"setting": "cvar_alpha", "value": 0.5}]
    folder = tmp_path_factory.mktemp("risk")
    write_workbook(s, folder / "risk.xlsx")
    a = analyse(folder / "risk.xlsx", EXACT, jobs=1, measures=("resilience", "cutoff"))
    write_analysis(a, folder / "analysis")
    return a, folder / "analysis"


def test_tables_hold_the_objective_and_the_expected_cost_apart(risk_analysis):
    a, _ = risk_analysis
    assert a.failures == []
    assert a.objective == "mean-CVaR objective (λ 0.5)"
    plans = a.tables["resilience_plans"].set_index("plan")
    assert plans.loc["resilient", "objective_in_model_usd"] == pytest.approx(375)
    assert plans.loc["resilient", "expected_cost_in_model_usd"] == pytest.approx(375)
    assert plans.loc["naive", "objective_in_model_usd"] == pytest.approx(600)
    assert plans.loc["naive", "expected_cost_in_model_usd"] == pytest.approx(450)
    cut = a.tables["cutoff_screen"].set_index("builds")
    assert cut.loc["none", "objective_usd"] == pytest.approx(750)
    assert cut.loc["none", "objective_increase_usd"] == pytest.approx(150)
    assert cut.loc["none", "expected_cost_usd"] == pytest.approx(750)
    assert cut.loc["chosen", "objective_increase_usd"] == pytest.approx(0)


def test_page_labels_the_objective(risk_analysis):
    _, folder = risk_analysis
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "mean-CVaR objective (λ 0.5) in the full model (USD)" in html
    assert "expected discounted cost in the full model (USD)" in html
    assert "RP, the mean-CVaR objective (λ 0.5) of the resilient plan" in html
    assert "objective increase (USD)" in html
    assert "planned expected cost (USD)" not in html
    assert "expected discounted cost of the resilient plan" not in html


def test_cli_risk_options_give_the_same_analysis(tmp_path):
    """``supplyopt analyse --risk-weight 0.5 --cvar-alpha 0.5`` on the risk-neutral workbook is
    the analysis of the workbook with those settings (module docstring): naive plan objective
    600, expected 450; cut-off with no builds 750, +150; and the page says so."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from optimizer.cli import app

    write_workbook(sheets(), tmp_path / "plain.xlsx")
    out = tmp_path / "an"
    r = CliRunner().invoke(app, ["analyse", str(tmp_path / "plain.xlsx"), "--out", str(out),
                                 "--jobs", "1", "--mip-gap", "0", "--risk-weight", "0.5",
                                 "--cvar-alpha", "0.5", "--quiet"])
    assert r.exit_code == 0, r.output
    plans = pd.read_csv(out / "resilience_plans.csv").set_index("plan")
    assert plans.loc["naive", "objective_in_model_usd"] == pytest.approx(600)
    assert plans.loc["naive", "expected_cost_in_model_usd"] == pytest.approx(450)
    cut = pd.read_csv(out / "cutoff_screen.csv").set_index("builds")
    assert cut.loc["none", "objective_increase_usd"] == pytest.approx(150)
    meta = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert meta["objective"] == "mean-CVaR objective (λ 0.5)"
    assert meta["overrides"] == ["settings[risk_weight].value = 0.5",
                                 "settings[cvar_alpha].value = 0.5"]
    assert "RP, the mean-CVaR objective (λ 0.5) of the resilient plan" in \
        (out / "report.html").read_text(encoding="utf-8")
