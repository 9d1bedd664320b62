"""Module lifetime: capex charged as an annuity for the periods of its life inside the horizon.

Instance: tests/test_cli.py's FRAMES (optimum 3,240 USD with capex 1,000 paid in full).
"""

import copy

import pytest

import optimizer
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from test_cli import FRAMES


def _solve(frames):
    inst = validate(raw_from_frames(frames), "<lifetime>")
    return optimizer.solve(inst, optimizer.SolveOptions(mip_rel_gap=0))


def test_lifetime_without_discounting_charges_a_straight_share():
    """No discount rate: the annuity factor is 1/L = 1/4, 250 USD per period of life.
    P1 needs only 40 t of feed (plant capacity 50), so the module is needed in P2 only:
    - online from P1: 640 + 2 × 250 + 1,600 = 2,740 USD;
    - online from P2: 640 + 250 + 1,600 = 2,490 USD  ← optimum;
    - no module: 6,440 USD (tests/test_cli.py, buying 5 t of Dy).
    (With the full capex charged when online, the timing did not matter: 3,240 either way.)"""
    frames = copy.deepcopy(FRAMES)
    frames["modules"][0]["lifetime_periods"] = 4
    run = _solve(frames)
    assert run.objective == pytest.approx(2490, rel=1e-9)
    b = run.tables["builds"].iloc[0]
    assert b["online_period"] == "P2"
    assert (b["capex_usd"], b["capex_in_horizon_usd"]) == (1000, pytest.approx(250))


def test_lifetime_with_discounting_uses_the_annuity_factor():
    """Discount rate 8 %/yr with 4 periods a year: i = 1.08^(1/4) − 1 = 0.0194265, so
    δ_P1 = 1, δ_P2 = 1/(1+i) = 0.9809437. Life L = 4: (1+i)^−4 = 1/1.08, so
    crf = i / (1 − 1/1.08) = 0.0194265 / 0.0740741 = 0.2622584 per period.
    - online from P2: capex 1,000 × crf × δ_P2 = 257.2607; operations 640 + 1,600 × δ_P2
      = 2,209.5098; total 2,466.7705 USD  ← optimum;
    - online from P1: capex 1,000 × crf × (1 + δ_P2) = 519.5191; total 2,729.0289 USD;
    - no module: 640 + δ_P2 × (800 + 5,000) = 6,329.4732 USD."""
    frames = copy.deepcopy(FRAMES)
    frames["modules"][0]["lifetime_periods"] = 4
    frames["settings"] = [{"setting": "discount_rate_per_year", "value": "0.08"}]
    run = _solve(frames)
    i = 1.08 ** 0.25 - 1
    assert i == pytest.approx(0.0194265, abs=1e-7)
    assert run.objective == pytest.approx(2466.7705, rel=1e-7)
    assert run.tables["builds"].iloc[0]["capex_in_horizon_usd"] == pytest.approx(257.2607, rel=1e-6)
