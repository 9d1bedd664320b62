"""The decision-first summary: what to decide now, what is contingent, cost, risk left.

Part 1 uses the micro-instance of ``test_report_sentences`` (hand derivation there): the plan
builds sep at p_us online T1, decided in T1 for every scenario (cost USD 5,600 against the
status quo's USD 20,400, so USD 14,800 less); the worst scenario is cut, where 2 t of Dy for
magnets go unmet (calm: none).

Part 2 is a hand-written adaptive ``builds`` table (scenarios a 0.5, b 0.3, c 0.2; periods
P1–P3), one module per kind of decision:

* m_now: one node shared by every scenario ("all"), decided in P1 → decide now;
* m_later: shared by every scenario, decided in P2 → decided later, same in every scenario;
* m_every: decided in P2 in node "a" (0.5) and in node "b+c" (0.3 + 0.2 = 0.5): probabilities
  sum to 1, so it is built whatever happens, decided once the scenario is known;
* m_if: decided in P2 in node "c" only (0.2) → contingent: "If c is revealed by P2".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_report_sentences import saved  # noqa: F401  (module fixture)

from optimizer.report import decision_facts
from optimizer.report import sentences as say
from optimizer.report.load import SavedRun


def test_micro_decision_first(saved):  # noqa: F811
    lines = say.decision_sentences(saved)
    assert lines == [
        "Decide now (T1): build sep at p_us (US), online T1, capex USD 1,000.",
        "Expected discounted cost: USD 5,600, USD 14,800 less than the status quo (no new "
        "builds, USD 20,400).",
        "Risk left: in the worst scenario, cut (probability 50%), 2 t of demand go unmet: "
        "2 t of magnets Dy.",
    ]
    assert list(say.executive_summary(saved))[0] == "Decision"


def _adaptive_run() -> SavedRun:
    def row(module, period, decided_in, p, contingent, online="P3"):
        return {"module": module, "site": "s", "country": "USA", "decision_period": period,
                "decided_in": decided_in, "probability": p, "contingent": contingent,
                "online_period": online, "count": 1, "capacity_added_t": 10.0,
                "capex_usd": 1000.0, "capex_in_horizon_usd": 1000.0,
                "expected_capex_usd": 1000.0 * p, "fixed_om_usd_per_period": 0.0}

    builds = pd.DataFrame([row("m_now", "P1", "all", 1.0, False, "P2"),
                           row("m_later", "P2", "all", 1.0, False),
                           row("m_every", "P2", "a", 0.5, True),
                           row("m_every", "P2", "b+c", 0.5, True),
                           row("m_if", "P2", "c", 0.2, True)])
    summary = {"periods": ["P1", "P2", "P3"], "objective_usd": 100.0,
               "scenarios": [{"name": "a", "probability": 0.5},
                             {"name": "b", "probability": 0.3},
                             {"name": "c", "probability": 0.2}]}
    return SavedRun(Path("x"), summary, {"builds": builds})


def test_decision_kinds():
    d = decision_facts.decisions(_adaptive_run()).set_index("module")
    assert d["kind"].to_dict() == {"m_now": "now", "m_later": "planned",
                                   "m_every": "every scenario", "m_if": "contingent"}
    assert d.loc["m_every", "probability"] == pytest.approx(1.0)
    assert d.loc["m_every", "scenarios"] == "a+b+c"
    # Expected capex charged: 1,000 × (0.5 + 0.5) for m_every, 1,000 × 0.2 for m_if.
    assert d.loc["m_every", "expected_capex_usd"] == pytest.approx(1000)
    assert d.loc["m_if", "expected_capex_usd"] == pytest.approx(200)


def test_decision_sentences_adaptive():
    lines = say.decision_sentences(_adaptive_run())
    assert lines[:4] == [
        "Decide now (P1): build m_now at s (USA), online P2, capex USD 1,000.",
        "Decide by P2, the same in every scenario: build m_later at s (USA), online P3, "
        "capex USD 1,000.",
        "Decide in P2, once the scenario is known; the plan builds it in every scenario: "
        "m_every at s (USA), online P3, capex USD 1,000.",
        "If c is revealed by P2: start m_if at s (USA), online P3, capex USD 1,000 "
        "(probability 20%).",
    ]
    # m_every counts once in the capex total (not once per decision node): 3 × 1,000.
    assert say.build_sentences(_adaptive_run())[0].endswith("total capex USD 3,000.")


def test_built_site_is_not_called_below_its_capex():
    """A built site whose value at the margin is below its capex reads as consistent."""
    from optimizer.report.html import _capacity_signal

    assert _capacity_signal(5.0, 10.0, built=True).startswith("built; below its capex only "
                                                              "at the margin")
    assert _capacity_signal(5.0, 10.0, built=False) == "below its capex"
    assert _capacity_signal(20.0, 10.0, built=False) == "worth more than its capex"


def test_contingent_decision_names_when_its_branch_was_revealed():
    """m_if's branch (c) split off in P1, but the build is decided in P2: the sentence says
    both (the wait is the plan's choice, not a lack of news)."""
    run = _adaptive_run()
    b = run.tables["builds"]
    b["revealed_period"] = [None, None, "P1", "P1", "P1"]
    lines = say.decision_sentences(run)
    assert "If c is revealed by P1: decide in P2 to start m_if at s (USA), online P3, capex " \
        "USD 1,000 (probability 20%)." in lines
