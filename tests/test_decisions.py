"""The plan read as decisions (optimizer/decisions.py): now, scheduled, contingent, warnings."""

from __future__ import annotations

import pandas as pd

from optimizer.decisions import decision_summary
from tests.conftest import build_instance
from tests.test_adaptive_builds import sheets


def _row(module, decided, online, who, revealed=None, p=1.0, capex=400.0):
    return {"module": module, "site": "P", "country": "A", "decision_period": decided,
            "online_period": online, "decided_in": who, "revealed_period": revealed,
            "probability": p, "contingent": who != "all", "count": 1, "capex_usd": capex}


def test_one_build_in_every_branch_is_scheduled_not_contingent():
    """j decided in P2 by calm and by cut (two nodes) is taken whatever happens: scheduled;
    k decided by cut alone is contingent on it (probability ½); m decided in P1 is 'now'.
    The console reads the report's classification (decision_facts.decisions): one answer
    for both."""
    inst = build_instance(sheets())
    builds = pd.DataFrame([
        _row("j", "P2", "P2", "calm", "P2", 0.5), _row("j", "P2", "P2", "cut", "P2", 0.5),
        _row("k", "P2", "P3", "cut", "P2", 0.5, capex=1_000.0),
        _row("m", "P1", "P1", "all", capex=2_500_000.0)])
    out = decision_summary(inst, builds)
    assert out["now"] == ["start m at P (A) in P1, online P1, capex USD 2.5 M"]
    assert out["scheduled"] == ["start j at P (A) in P2, online P2, capex USD 400 (in every "
                                "scenario, decided once the scenario is known)"]
    assert out["contingent"] == ["if cut (revealed P2) — probability 50%: start k at P (A) in "
                                 "P2, online P3, capex USD 1,000"]


def test_a_build_online_within_its_lead_time_of_the_end_is_flagged():
    """Lead time 0.25 year (one quarter); online in P3, the last of three quarters: 0.25 year
    of horizon left is not less than the lead time — no warning. With a lead time of half a
    year decided in P1 it is online in P3 too, with 0.25 < 0.5 year left: a warning."""
    s = sheets(lead=0.25)
    b = pd.DataFrame([_row("j", "P2", "P3", "all")])
    assert decision_summary(build_instance(s), b)["horizon_warnings"] == []
    s = sheets(lead=0.5)
    warnings = decision_summary(build_instance(s), pd.DataFrame([_row("j", "P1", "P3", "all")]))
    assert len(warnings["horizon_warnings"]) == 1
    assert "j comes online in P3, 0.25 year(s) before the horizon ends" in \
        warnings["horizon_warnings"][0]


def test_console_and_report_classify_alike():
    """A build decided later in a node every scenario shares is 'planned' in the report and
    'scheduled' in the console (no news changes it)."""
    from pathlib import Path

    from optimizer.report import decision_facts
    from optimizer.report.load import SavedRun

    inst = build_instance(sheets())
    builds = pd.DataFrame([_row("j", "P2", "P3", "all")])
    out = decision_summary(inst, builds)
    assert out["scheduled"] == ["start j at P (A) in P2, online P3, capex USD 400 (in every "
                                "scenario: no news changes it)"]
    run = SavedRun(Path("."), {"periods": ["P1", "P2", "P3"],
                               "scenarios": [{"name": "calm", "probability": 0.5},
                                             {"name": "cut", "probability": 0.5}]},
                   {"builds": builds})
    assert list(decision_facts.decisions(run)["kind"]) == ["planned"]
