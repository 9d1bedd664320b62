"""A risk-averse plan's objective is named as what it is, never as the expected cost.

With risk_weight λ > 0 the solver minimises (1 − λ)·E[cost] + λ·CVaR, and summary.json's
``objective_usd`` holds that: a different quantity from the expected discounted cost, so every
place that printed it as "expected discounted cost" (the report's subtitle and decision box,
the cost section, the workbook's summary sheet) names it and gives E and CVaR beside it.
Figures by hand: E = 2.5 M, CVaR_0.9 = 6 M, λ = 0.5 → objective 0.5·2.5 + 0.5·6 = 4.25 M;
status quo (same objective, no builds) 5 M → 0.75 M less.
"""

from pathlib import Path

import pandas as pd

from optimizer.report import sentences as say
from optimizer.report.load import SavedRun

RISK = dict(risk_weight=0.5, cvar_alpha=0.9, expected_cost_usd=2.5e6, var_usd=4e6,
            cvar_usd=6e6, mean_cvar_objective_usd=4.25e6)
STATUS_QUO = pd.DataFrame([{"status": "optimal", "objective_usd": 5e6, "unmet_t": 0.0}])


def _run(objective, **risk):
    return SavedRun(Path("."), {"objective_usd": objective, "risk": {**RISK, **risk}},
                    {"status_quo_summary": STATUS_QUO})


def test_risk_averse_decision_line_and_cost_sentence():
    run = _run(4.25e6)
    assert say._cost_against_status_quo(run) == (
        "Mean-CVaR objective (λ 0.5, α 0.9): USD 4.25 million, USD 750,000 less than the "
        "status quo (no new builds, USD 5 million); expected discounted cost USD 2.5 million, "
        "CVaR90% USD 6 million.")
    text = say.cost_sentence(run)
    assert text.startswith("The plan's mean-CVaR objective (λ 0.5, α 0.9) is USD 4.25 million")
    assert "its expected discounted cost, which the breakdown below adds up, is USD 2.5 " \
           "million and its CVaR90% USD 6 million." in text
    assert "expected discounted cost is USD 4.25" not in text


def test_risk_neutral_wording_is_unchanged():
    """λ = 0: the objective is the expected cost (2.5 M), 2.5 M below the status quo's 5 M."""
    run = _run(2.5e6, risk_weight=0.0)
    assert say._cost_against_status_quo(run) == (
        "Expected discounted cost: USD 2.5 million, USD 2.5 million less than the status quo "
        "(no new builds, USD 5 million).")
    assert say.cost_sentence(run) == ("The plan's expected discounted cost is USD 2.5 million, "
                                      "against USD 5 million for the status-quo plan (no new "
                                      "builds).")


def test_contingent_on_several_scenarios_reads_as_or():
    """A build made if any one of several scenarios is revealed: 'a, b or c is', not 'a, b
    and c are' (only one scenario happens; the console says 'if a or b or c')."""
    assert say._when_revealed("a+b+c", "P2", ["a", "b", "c", "d"]) == \
        "If a, b or c is revealed by P2"
    assert say._when_revealed("a", "P2", ["a", "b"]) == "If a is revealed by P2"
    assert say._when_revealed("a+b", "P2", ["a", "b"]) == "Whichever scenario is revealed by P2"


def test_lambda_one_says_the_expected_cost_is_not_weighed():
    """At λ = 1 the objective is the CVaR alone (6 M here), so plans of equal CVaR tie
    whatever their expected cost (the adaptive tutorial has two: E 19.5 M and 20.5 M, both
    CVaR 21 M; instances/README.md); the report and the console say so, and only then."""
    from optimizer.cli_result import LAMBDA_ONE_NOTE, result_rows
    from optimizer.report.html import risk_sentences

    one = {**RISK, "risk_weight": 1.0, "mean_cvar_objective_usd": 6e6}
    text = " ".join(risk_sentences(SavedRun(Path("."), {"risk": one}, {})))
    assert "With λ = 1 the expected cost is not weighed at all" in text
    half = " ".join(risk_sentences(SavedRun(Path("."), {"risk": RISK}, {})))
    assert "not weighed" not in half
    summary = {"status": "optimal", "objective_usd": 6e6, "risk": one}
    empty = pd.DataFrame(columns=["scenario", "end_use", "element", "unmet_t", "demand_t"])
    notes = [r for r in result_rows(summary, empty) if r[0] == "note"]
    assert len(notes) == 1 and notes[0][1] == LAMBDA_ONE_NOTE
    assert not [r for r in result_rows({**summary, "risk": RISK}, empty) if r[0] == "note"]
