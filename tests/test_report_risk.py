"""The report's risk profile reads summary.json's ``risk`` block as it is."""

from pathlib import Path

from optimizer.report.html import risk_sentences
from optimizer.report.load import SavedRun


def _run(**risk):
    return SavedRun(Path("."), {"risk": risk}, {})


def test_risk_neutral_profile():
    """E 2.5 M, VaR 4 M, CVaR 6 M at α = 0.9: the worst 10 % of outcomes average 6 M."""
    text = " ".join(risk_sentences(_run(risk_weight=0.0, cvar_alpha=0.9,
                                        expected_cost_usd=2.5e6, var_usd=4e6, cvar_usd=6e6,
                                        mean_cvar_objective_usd=2.5e6, worst_scenario="cut",
                                        worst_scenario_cost_usd=6e6)))
    assert "Expected discounted cost USD 2.5 million" in text
    assert "VaR90% USD 4 million" in text and "CVaR90% USD 6 million" in text
    assert "worst 10% of outcomes" in text and "cut, costs USD 6 million" in text
    assert "risk-neutral" in text


def test_risk_averse_profile_names_the_objective():
    """λ = 0.5: (1 − 0.5)·2.5 M + 0.5·6 M = 4.25 M."""
    text = " ".join(risk_sentences(_run(risk_weight=0.5, cvar_alpha=0.9,
                                        expected_cost_usd=2.5e6, var_usd=4e6, cvar_usd=6e6,
                                        mean_cvar_objective_usd=4.25e6, worst_scenario="cut",
                                        worst_scenario_cost_usd=6e6)))
    assert "λ = 0.5: USD 4.25 million" in text and "risk-adjusted probability" in text


def test_no_risk_block_no_sentences():
    assert risk_sentences(SavedRun(Path("."), {}, {})) == []
