"""The model's matrix assembled in numpy (optimizer/highs_model.py ``csc_from_triplets``) and
the numerics scan's row extremes (optimizer/numerics.py ``_row_extremes``).

Both replaced scipy.sparse on the solve's path (its import was 0.09 s of every solve); they
must store exactly what scipy stored, so that HiGHS receives the same model.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.highs_model import csc_from_triplets


def test_a_small_matrix_by_hand():
    """Triplets, unsorted, with a repeated position and an explicit zero:

        (row 1, col 0) 2.0        column 0: rows 0, 1      values 4.0, 2.0 + 3.0 = 5.0
        (row 0, col 2) 7.0        column 1: none
        (row 1, col 0) 3.0        column 2: rows 0, 2      values 7.0, 0.0 (kept)
        (row 0, col 0) 4.0
        (row 2, col 2) 0.0
    so start = [0, 2, 2, 4], index = [0, 1, 0, 2], value = [4, 5, 7, 0].
    """
    rows = np.array([1, 0, 1, 0, 2])
    cols = np.array([0, 2, 0, 0, 2])
    vals = np.array([2.0, 7.0, 3.0, 4.0, 0.0])
    start, index, value = csc_from_triplets(rows, cols, vals, 3, 3)
    assert start.tolist() == [0, 2, 2, 4]
    assert index.tolist() == [0, 1, 0, 2]
    assert value.tolist() == [4.0, 5.0, 7.0, 0.0]


def test_no_entries():
    """An empty model: every column starts at 0."""
    start, index, value = csc_from_triplets(np.zeros(0, np.int64), np.zeros(0, np.int64),
                                            np.zeros(0), 0, 2)
    assert start.tolist() == [0, 0, 0] and len(index) == 0 and len(value) == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6),
       st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(-3, 3)),
                max_size=40))
def test_what_scipy_stores(n_rows, n_cols, triplets):
    """Any triplets (repeats and zeros included; small integers, so sums are exact whatever
    their order): the arrays scipy.sparse's ``csc_matrix((v, (r, c)))`` holds, on the numpy
    path and on scipy's (above ``NUMPY_UP_TO`` entries, lowered here to 10)."""
    import scipy.sparse as sp

    from optimizer import highs_model

    kept = [(r, c, v) for r, c, v in triplets if r < n_rows and c < n_cols]
    rows = np.array([t[0] for t in kept], dtype=np.int64)
    cols = np.array([t[1] for t in kept], dtype=np.int64)
    vals = np.array([t[2] for t in kept], dtype=float)
    ref = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))
    for up_to in (highs_model.NUMPY_UP_TO, 10):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(highs_model, "NUMPY_UP_TO", up_to)
            start, index, value = csc_from_triplets(rows, cols, vals, n_rows, n_cols)
        assert start.tolist() == ref.indptr.tolist()
        assert index.tolist() == ref.indices.tolist()
        assert value.tolist() == ref.data.tolist()


def test_row_extremes_by_hand():
    """The matrix of the hand test above, negated in part: |coefficients| per row are
    row 0: 4, 7 → (4, 7); row 1: 5 → (5, 5); row 2: only a zero → (NaN, NaN); row 3: none."""
    from types import SimpleNamespace

    from optimizer.numerics import _row_extremes

    lp = SimpleNamespace(num_row_=4, num_col_=3)  # what _row_extremes reads of a HighsLp
    matrix = (np.array([0, 2, 2, 4]), np.array([0, 1, 0, 2]), np.array([-4.0, 5.0, 7.0, 0.0]))
    from optimizer.numerics import _row_extremes_scipy

    for extremes in (_row_extremes, _row_extremes_scipy):  # numpy's path, and large models'
        lo, hi = extremes(lp, matrix)
        assert lo[:2].tolist() == [4.0, 5.0] and hi[:2].tolist() == [7.0, 5.0]
        assert np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()


def test_a_baseline_solve_imports_no_scipy():
    """A fresh interpreter solves the 10-quarter baseline (a MIP, its numerics scan and shadow
    prices included) without importing scipy: the import would be 0.09 s of the solve."""
    import json
    import subprocess
    import sys

    code = ("import json, sys\n"
            "from optimizer.api import load_instance, solve\n"
            "run = solve(load_instance('instances/ree_baseline_10q.xlsx'))\n"
            "print(json.dumps([run.outcome.status, 'scipy' in sys.modules]))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1]) == ["optimal", False]
