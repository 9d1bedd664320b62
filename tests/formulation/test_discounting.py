"""Discount factors: from settings.discount_rate_per_year, or written in the periods sheet.

A period whose ``discount_factor`` is blank gets ``δ_i = (1 + r)^(−i/ppy)``, *i* its position
(0 for the first period), *r* the yearly rate and *ppy* ``periods_per_year`` (4 by default).
An explicit factor is used as written and does not shift the others. Every cost of a period is
multiplied by its δ; a shadow price is discounted the same way (``conditional_price`` = dual/δ).

The instance: C sells Nd at 100 per t; D needs 1 t every period (must serve), so each period
costs 100 undiscounted and the objective is ``100·Σ δ_i``.
"""

import pytest


def _sheets(kit, factors, settings=()):
    labels = [f"P{i + 1}" for i in range(len(factors))]
    s = kit.sheets(
        traders=[{"trader": "T_C", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 100}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": p, "quantity_t": 1}
                           for p in labels],
        lanes=[{"origin": "T_C", "destination": "D"}],
    )
    s["periods"] = [{"period": p, "discount_factor": f}
                    for p, f in zip(labels, factors, strict=True)]
    if settings:
        s["settings"] = [{"setting": k, "value": v} for k, v in settings]
    return s


# 1.08^(−1/4) = 0.98094365, 1.08^(−1/2) = 1/√1.08 = 1/1.03923048 = 0.96225045,
# 1.08^(−3/4) = 0.98094365 · 0.96225045 = 0.94391347, 1.08^(−1) = 0.92592593.
QUARTERLY_8PCT = (1.0, 0.98094365, 0.96225045, 0.94391347, 0.92592593)


def test_rate_per_year_over_quarters(kit):
    """8 % a year, quarters (default): δ = 1.08^(−i/4) for i = 0…4 (P5 is one year on).

    Σ δ = 1 + 0.98094365 + 0.96225045 + 0.94391347 + 0.92592593 = 4.81303350, so the optimum
    is 481.303350. Demand duals (unique: one basic flow per period, strictly inside the
    offer): ``100·δ_i``; every conditional price is 100.
    """
    run = kit.solve(_sheets(kit, [None] * 5, [("discount_rate_per_year", "0.08")]))
    assert run.instance.discount_factors == pytest.approx(QUARTERLY_8PCT, abs=5e-9)
    assert run.objective == pytest.approx(481.303350, rel=1e-7)
    for i, delta in enumerate(QUARTERLY_8PCT):
        row = kit.row(run, "dual_demand_balance", period=f"P{i + 1}")
        assert row["shadow_price"] == pytest.approx(100 * delta, abs=1e-6)
        assert row["conditional_price"] == pytest.approx(100, abs=1e-6)


def test_periods_per_year(kit):
    """8 % a year with 2 periods a year: δ = 1.08^(−i/2) = 1, 0.96225045, 0.92592593.

    Optimum ``100·2.88817638 = 288.817638``.
    """
    run = kit.solve(_sheets(kit, [None] * 3, [("discount_rate_per_year", "0.08"),
                                              ("periods_per_year", "2")]))
    assert run.instance.discount_factors == pytest.approx((1.0, 0.96225045, 0.92592593),
                                                          abs=5e-9)
    assert run.objective == pytest.approx(288.817638, rel=1e-7)


def test_explicit_factor_wins_and_does_not_shift_the_rest(kit):
    """8 % a year; P2 has discount_factor 0.5 written, P1 and P3 are blank.

    δ = (1, 0.5, 1.08^(−2/4) = 0.96225045): P3 keeps its own position (i = 2). Optimum
    ``100·(1 + 0.5 + 0.96225045) = 246.225045``; P2's demand dual ``100·0.5 = 50``
    (conditional 100).
    """
    run = kit.solve(_sheets(kit, [None, 0.5, None], [("discount_rate_per_year", "0.08")]))
    assert run.instance.discount_factors == pytest.approx((1.0, 0.5, 0.96225045), abs=5e-9)
    assert run.objective == pytest.approx(246.225045, rel=1e-7)
    row = kit.row(run, "dual_demand_balance", period="P2")
    assert (row["shadow_price"], row["conditional_price"]) == \
        (pytest.approx(50, abs=1e-6), pytest.approx(100, abs=1e-6))


def test_no_rate_means_no_discounting(kit):
    """No settings sheet and blank factors: δ = 1 everywhere; optimum ``3·100 = 300``."""
    run = kit.solve(_sheets(kit, [None] * 3))
    assert run.instance.discount_factors == (1.0, 1.0, 1.0)
    assert run.objective == pytest.approx(300, rel=1e-9)


def test_explicit_factors_without_a_rate(kit):
    """Factors 1, 0.8, 0.64 written, no rate: optimum ``100·2.44 = 244``; the P3 dual is 64."""
    run = kit.solve(_sheets(kit, [1.0, 0.8, 0.64]))
    assert run.objective == pytest.approx(244, rel=1e-9)
    assert kit.dual(run, "demand_balance", period="P3") == pytest.approx(64, abs=1e-6)
