"""Right-hand-side ranges of an optimal basis, from the LP of its basic columns alone.

For a row whose slack is nonbasic (a binding row), the right-hand side b_i can move over an
interval with the basis, and so the row's shadow price, unchanged: moving it by δ moves the
basic variables along x_B(δ) = x_B + δ·B⁻¹e_i, and the interval ends where the first of them
reaches a bound. Nonbasic columns stay at their values x_N throughout, so only the basis
matrix B and the bounds of the basic variables enter. HiGHS's ``getRanging`` also ranges every
column's cost and bound, which needs a pass over every nonbasic column per basic row: on the
medium preset (104,834 columns, 14,631 of them basic) 0.45–0.65 s, where the ranges read here
took 0.10 s.

So the rows are ranged on the *basis-only LP*: the basic columns with their costs and bounds,
every row, and each row's bounds shifted by the nonbasic columns' fixed activity

    s_i = Σ_{j nonbasic} a_ij x_j = r_i − Σ_{j basic} a_ij x_j      (r_i the row's activity),
    l'_i = l_i − s_i,  u'_i = u_i − s_i.

Started from the same basis (every column basic, the rows' statuses as they were), HiGHS
factorises B afresh, finds it optimal with no iteration, and its row-bound ranges are the full
model's minus s_i (equal to 2·10⁻¹² relative on the medium preset). Should HiGHS move the basis
at all (the fresh factor finds an infeasibility above its tolerances), the ranges would be
another basis's: the caller falls back to ``getRanging`` on the full model.

The full model's Highs object is only read, never changed: a live batch model keeps its factor
and pivoting weights, so a run with ranges solves exactly as one without.
"""

from __future__ import annotations

import numpy as np

TOLERANCES = ("primal_feasibility_tolerance", "dual_feasibility_tolerance")
"""Options the basis-only LP takes from the full model's Highs (whether the basis is optimal)."""


def row_bound_ranges(lp_h, solution, row_status: list):
    """``(low, high)`` per row of ``lp_h``'s optimal basis, shifted back to the full model's
    right-hand sides; None if the basis-only LP moved off that basis (use ``getRanging``).

    ``solution``: ``lp_h.getSolution()``; ``row_status``: ``lp_h.getBasis().row_status``. For
    a basic row the values are HiGHS's ranging of its activity (the caller replaces them).
    """
    import highspy

    from optimizer.highs_model import highs_lp_from_csc

    status, basic_vars = lp_h.getBasicVariables()  # per basis row: column j, or −1−row
    if status != highspy.HighsStatus.kOk:
        return None
    basic_vars = np.asarray(basic_vars)
    cols = np.sort(basic_vars[basic_vars >= 0]).astype(np.int32)
    n_rows = lp_h.getNumRow()
    _, _, cost, lower, upper, _ = lp_h.getCols(len(cols), cols)
    _, start, index, value = lp_h.getColsEntries(len(cols), cols)
    x_basic = np.asarray(solution.col_value, dtype=float)[cols]
    counts = np.diff(np.append(start, len(index)))
    basic_activity = np.bincount(index, weights=value * np.repeat(x_basic, counts),
                                 minlength=n_rows)
    shift = np.asarray(solution.row_value, dtype=float) - basic_activity
    _, _, row_lower, row_upper, _ = lp_h.getRows(n_rows, np.arange(n_rows, dtype=np.int32))
    lp = highs_lp_from_csc(len(cols), n_rows, np.append(start, len(index)), index, value, cost,
                           lower, upper, np.asarray(row_lower) - shift,
                           np.asarray(row_upper) - shift)
    h = highspy.Highs()  # not the process's first: HiGHS's banner went out with lp_h's
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    for name in TOLERANCES:
        h.setOptionValue(name, lp_h.getOptionValue(name)[1])
    h.passModel(lp)
    basis = highspy.HighsBasis()
    basis.col_status = [highspy.HighsBasisStatus.kBasic] * len(cols)
    basis.row_status = row_status
    basis.valid = True
    if h.setBasis(basis) != highspy.HighsStatus.kOk:
        return None
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal \
            or h.getInfo().simplex_iteration_count != 0:
        return None
    _, ranging = h.getRanging()
    if not ranging.valid:
        return None
    return (np.asarray(ranging.row_bound_dn.value_, dtype=float) + shift,
            np.asarray(ranging.row_bound_up.value_, dtype=float) + shift)
