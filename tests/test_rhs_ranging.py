"""Right-hand-side ranges from the basis-only LP (optimizer/rhs_ranging.py), by hand."""

import numpy as np
import pytest

from tests.formulation.test_trader_capacity import two_offer_sheets


def _small_lp():
    """min −x − 2y  s.t.  r1: x + y ≤ 5,  r2: x − y ≥ −2,  0 ≤ x ≤ 10,  0 ≤ y ≤ 3.

    By hand: y's cost beats x's, so y = 3 (at its upper bound, nonbasic: its reduced cost
    −2 + 1 = −1 with r1's dual −1), x = 5 − 3 = 2 (basic), r1 binding (dual −1), r2 slack
    (x − y = −1 > −2, basic). Objective −2 − 6 = −8.

    r1's range: x = b − 3 with y held at 3 must stay in [0, 10] and keep r2 (x − 3 ≥ −2, so
    x ≥ 1), so b ∈ [4, 13]: a basic column's bound ends it above, a basic row's below. The
    basis-only LP keeps column x alone, with the rows' bounds shifted by y's activity (r1:
    5 − 3 = 2; r2: −2 + 3 = 1), so this checks the shift back as well as the ranging.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    h.addVars(2, np.array([0.0, 0.0]), np.array([10.0, 3.0]))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([-1.0, -2.0]))
    h.addRow(-inf, 5.0, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
    h.addRow(-2.0, inf, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, -1.0]))
    h.run()
    return h


def test_binding_row_range_with_a_nonbasic_column_away_from_zero():
    from optimizer.rhs_ranging import row_bound_ranges

    h = _small_lp()
    assert h.getInfo().objective_function_value == pytest.approx(-8)
    assert list(h.getSolution().col_value) == pytest.approx([2, 3])
    lo, hi = row_bound_ranges(h, h.getSolution(), h.getBasis().row_status)
    assert (lo[0], hi[0]) == pytest.approx((4, 13), abs=1e-9)
    # the same as HiGHS's ranging of the whole model, for the binding row
    _, full = h.getRanging()
    assert (full.row_bound_dn.value_[0], full.row_bound_up.value_[0]) == pytest.approx((4, 13))


def test_the_full_model_is_left_as_it_was():
    """Only a second Highs is changed: the full model's basis and solution stay."""
    from optimizer.rhs_ranging import row_bound_ranges

    h = _small_lp()
    before = ([int(s) for s in h.getBasis().col_status], [int(s) for s in h.getBasis().row_status],
              list(h.getSolution().col_value))
    row_bound_ranges(h, h.getSolution(), h.getBasis().row_status)
    after = ([int(s) for s in h.getBasis().col_status], [int(s) for s in h.getBasis().row_status],
             list(h.getSolution().col_value))
    assert before == after


def test_fallback_to_getranging_gives_the_same_hand_ranges(kit, monkeypatch):
    """Where the basis-only LP would move off the basis, HiGHS's own ranging of the whole
    model is used: the hand ranges of tests/formulation/test_trader_capacity.py (T1's capacity
    0–25, the demand 10–110) come out either way."""
    import optimizer.highs_runtime as runtime

    for forced_fallback in (False, True):
        if forced_fallback:
            monkeypatch.setattr(runtime, "row_bound_ranges", lambda *a, **k: None)
        run = kit.solve(two_offer_sheets())
        t1 = kit.row(run, "dual_trader_capacity", trader="T1")
        assert (t1["rhs_range_low"], t1["rhs_range_high"]) == pytest.approx((0, 25), abs=1e-6)
        d = kit.row(run, "dual_demand_balance", demand="D")
        assert (d["rhs_range_low"], d["rhs_range_high"]) == pytest.approx((10, 110), abs=1e-6)
