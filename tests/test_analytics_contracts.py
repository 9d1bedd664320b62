"""Analyses of an instance with contracts fix the evaluated plan's signings with its builds.

The hedge of tests/test_contracts.py at p = P(cut) = 0.3 (derivations there): contract K (fee
112, 20 USD/t, take-or-pay 10 t, max 15 t, signed in P1 only) against a spot offer of 20 t at
10 USD/t that the cut removes in P2; demand 12 t in P2, lost value 100 USD/t.

* RP: K signed, E = 332 + 20 × 0.3 = **338**. Without K: 120 + 1,080 × 0.3 = **444**.
* EV (expected-value data: the spot offer in P2 is 0.7 × 20 = 14 t ≥ 12 t): buy spot,
  **120**; K would cost 112 + 200 + 20 = 332. So the EV plan signs nothing, and
  **EEV** = that plan in the stochastic model = 444; **VSS** = 444 − 338 = **106**.
  (Were K left to the optimiser in EEV, it would sign it: EEV 338, VSS 0.)
* WS = 0.7 × 120 (calm: spot) + 0.3 × 352 (cut alone: sign, 112 + 240) = **189.6**;
  EVPI = 338 − 189.6 = **148.4**.
* Cut-off of C (every export of C stops from P1: its trader's offer and lanes closed):
  with no new builds and no contracts, 12 t unmet = **1,200**, +756 on the status quo's 444
  (the report's status quo: no new builds or contracts; it was 338 with K re-optimised); with
  the chosen plan, K is signed (its fee of 112 paid) but revoked with C's other exports
  (max_t = 0 from P1), so its take-or-pay lapses and the 12 t go unmet:
  112 + 1,200 = **1,312**, +974 on 338. (Before the cut-off revoked contracts, K's 10 t were
  still owed, 10 × 20 = 200 more: 1,512.)
"""

from __future__ import annotations

import pytest

from optimizer.batch.analytics import analyse
from optimizer.io.write import write_workbook
from optimizer.solve import SolveOptions
from tests.test_contracts import hedge

EXACT = SolveOptions(mip_rel_gap=0)


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    path = tmp_path_factory.mktemp("hedge") / "hedge.xlsx"
    write_workbook(hedge(0.3), path)
    return analyse(path, EXACT, jobs=1, measures=("vss", "cutoff"))


def test_eev_keeps_the_ev_plans_contracts(analysis):
    assert analysis.failures == []
    m = analysis.tables["measures"].set_index("measure")["value_usd"]
    for name, value in (("RP", 338), ("EV", 120), ("EEV", 444), ("VSS", 106),
                        ("WS", 189.6), ("EVPI", 148.4)):
        assert m[name] == pytest.approx(value, abs=1e-6), name


def test_status_quo_and_cutoff_fix_signings_too(analysis):
    solves = analysis.tables["solves"].set_index("solve")["objective_usd"]
    assert solves["status_quo"] == pytest.approx(444, abs=1e-6)
    screen = analysis.tables["cutoff_screen"].set_index("builds")
    assert screen.loc["none", "objective_usd"] == pytest.approx(1_200, abs=1e-6)
    assert screen.loc["none", "objective_increase_usd"] == pytest.approx(756, abs=1e-6)
    assert screen.loc["chosen", "objective_usd"] == pytest.approx(1_312, abs=1e-6)
    assert screen.loc["chosen", "objective_increase_usd"] == pytest.approx(974, abs=1e-6)


def test_risk_averse_measures_say_what_their_optima_are(tmp_path):
    """With risk_weight λ = 0.5, α = 0.5 every optimum is a mean-CVaR objective, and the
    measures say so instead of "expected cost". RP at p = 0.3: signed, calm 332, cut 352:
    E = 338, CVaR_0.5 = (0.3 × 352 + 0.2 × 332) / 0.5 = 344, objective 0.5 × 338 + 0.5 × 344
    = **341**; unsigned: E 444, CVaR (0.3 × 1,200 + 0.2 × 120) / 0.5 = 768, objective 606.
    """
    path = tmp_path / "hedge.xlsx"
    write_workbook(hedge(0.3, risk_weight=0.5, cvar_alpha=0.5), path)
    a = analyse(path, EXACT, jobs=1, measures=("vss",))
    m = a.tables["measures"].set_index("measure")
    assert m.loc["RP", "value_usd"] == pytest.approx(341, abs=1e-6)
    assert m.loc["RP", "definition"].startswith("mean-CVaR objective (λ 0.5) of the resilient")
    assert "expected cost" not in " ".join(m["definition"])
