"""Numerical health of a compiled model: coefficient ranges that can mislead the solver.

A simplex or interior-point solver works in floating point with feasibility tolerances near
1e-7. When one row mixes a coefficient of 1e-10 with one of 1 (an assay typed in the wrong
unit, a price in USD next to a capacity in mt), the small term is below the tolerance and the
solver may ignore it, or report a plan that violates the row once the numbers are multiplied
out. :func:`scan_numerics` looks at the arrays handed to HiGHS (``CompiledModel.lp``) before
the solve and returns warnings in plain words, naming the family and the entities of each
offending row:

* a row whose nonzero coefficients span more than ``threshold`` (default 1e9);
* the matrix as a whole, when its nonzero coefficients span more than ``threshold`` even
  though no single row does (names the families holding the extremes);
* the objective costs and the finite, nonzero right-hand sides, likewise.

The scan never changes the model; warnings go to stderr (CLI) and to ``summary.json``.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 1e9
"""Largest ratio of nonzero magnitudes tolerated before a warning (HiGHS works to ~1e-7)."""

_PER_FAMILY = 3  # rows named per family; the rest are counted


def _where(md, row) -> list[str]:
    """Entity columns of an index-frame row as 'plant X', 'element Dy', 'period P1'."""
    parts = []
    for col, val in row.items():
        if col in ("sense", "rhs", "rule", "value", "col", "lane", "module_row", "period_pos") \
                or col.endswith("_kind") or val is None or val != val:
            continue
        if col == "node":
            node = md.nodes[int(val)]
            parts.append(f"period {md.inst.periods[node.period]}")
            if len(md.inst.scenarios) > 1:
                parts.append(f"scenario {node.label}")
        else:
            parts.append(f"{col.replace('_', ' ')} {val}")
    return parts


def describe_row(md, compiled, r: int) -> str:
    """'plant_output (plant X, element Dy, mined country A, period P1)'."""
    family, k = compiled.row_family[r], int(compiled.row_index[r])
    return f"{family} ({', '.join(_where(md, md.con_ix[family].iloc[k]))})"


def describe_col(md, compiled, c: int) -> str:
    """'ship_oxide_t (origin P, destination D, element Nd, …, period P1)'."""
    family, k = compiled.col_family[c], int(compiled.col_index[c])
    return f"{family} ({', '.join(_where(md, md.var_ix[family].iloc[k]))})"


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _matrix(compiled) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(start, index, value)`` of the column-wise matrix, as numpy arrays: the compiler's own
    (``compiled.csc``) while it keeps them, else read from the ``HighsLp``."""
    if compiled.csc is not None:
        return compiled.csc
    m = compiled.lp.a_matrix_
    return (np.asarray(m.start_, dtype=np.int64), np.asarray(m.index_, dtype=np.int64),
            np.asarray(m.value_, dtype=float))


def _row_extremes(lp, matrix):
    """Per row: smallest and largest nonzero |coefficient| (NaN for rows without any).

    In numpy up to ``NUMPY_UP_TO`` entries, as the matrix is assembled
    (:func:`optimizer.highs_model.csc_from_triplets`: scipy.sparse's import would be 0.09 s
    of every solve); above, scipy.sparse's row-wise copy (its memory too: the large preset's
    scan runs beside the solve).
    """
    from optimizer.highs_model import NUMPY_UP_TO

    start, index, value = matrix
    if len(value) > NUMPY_UP_TO:
        return _row_extremes_scipy(lp, matrix)
    mag = np.abs(np.asarray(value, dtype=float))
    nonzero = mag != 0
    rows, mag = np.asarray(index)[nonzero], mag[nonzero]
    order = np.argsort(rows, kind="stable")  # the entries row by row
    rows, mag = rows[order], mag[order]
    lo = np.full(lp.num_row_, np.nan)
    hi = np.full(lp.num_row_, np.nan)
    if len(rows):
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        lo[rows[starts]] = np.minimum.reduceat(mag, starts)
        hi[rows[starts]] = np.maximum.reduceat(mag, starts)
    return lo, hi


def _row_extremes_scipy(lp, matrix):
    """:func:`_row_extremes` through scipy.sparse's row-wise copy of the matrix."""
    import scipy.sparse as sp

    start, index, value = matrix
    A = sp.csc_matrix((np.abs(value), index, start), shape=(lp.num_row_, lp.num_col_)).tocsr()
    A.eliminate_zeros()
    lo = np.full(lp.num_row_, np.nan)
    hi = np.full(lp.num_row_, np.nan)
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    if len(nonempty):
        starts = A.indptr[nonempty]
        lo[nonempty] = np.minimum.reduceat(A.data, starts)
        hi[nonempty] = np.maximum.reduceat(A.data, starts)
    return lo, hi


def _range_warning(what: str, values: np.ndarray, name, threshold: float) -> list[str]:
    """One warning if the nonzero finite |values| span more than ``threshold``."""
    mag = np.abs(values)
    ok = np.flatnonzero(np.isfinite(mag) & (mag > 0))
    if len(ok) < 2:
        return []
    i_lo, i_hi = ok[np.argmin(mag[ok])], ok[np.argmax(mag[ok])]
    if mag[i_hi] <= threshold * mag[i_lo]:
        return []
    return [f"{what} range from {_fmt(mag[i_lo])} ({name(int(i_lo))}) to {_fmt(mag[i_hi])} "
            f"({name(int(i_hi))}), a ratio of {_fmt(mag[i_hi] / mag[i_lo])}: the solver may "
            "treat the small values as zero; check their units"]


def scan_numerics(md, compiled, threshold: float = THRESHOLD,
                  cache: dict | None = None) -> list[str]:
    """Warnings, in plain words, about coefficient ranges wider than ``threshold``.

    Parameters
    ----------
    md : ModelData
        The index frames (to name families and entities).
    compiled : CompiledModel
        The arrays handed to HiGHS.
    threshold : float
        Largest tolerated ratio between the largest and smallest nonzero magnitude.
    cache : dict, optional
        Kept by the caller between scans of models of one structure (a live batch model,
        :mod:`optimizer.live`): the matrix's warnings are reused while its array of
        coefficients is the same object (a run that changes coefficients gets a new array).
        Rows are named from the index frames' entity columns, which no run changes.

    Returns
    -------
    list of str
        Empty when the model is well scaled.
    """
    lp = compiled.lp
    values = lp.a_matrix_.value_ if cache is not None else None  # (a copy, from a HighsLp)
    if cache is not None and cache.get("value") is values and cache.get("threshold") == threshold:
        out = list(cache["matrix"])
    else:
        out = _matrix_warnings(md, compiled, threshold)
        if cache is not None:
            cache.update(value=values, threshold=threshold, matrix=tuple(out))
    out += _range_warning("objective costs (USD, expected and discounted)",
                          np.asarray(lp.col_cost_, dtype=float),
                          lambda c: describe_col(md, compiled, c), threshold)
    rhs = np.where(np.isfinite(np.asarray(lp.row_upper_, dtype=float)),
                   np.asarray(lp.row_upper_, dtype=float), np.asarray(lp.row_lower_, dtype=float))
    out += _range_warning("right-hand sides", rhs, lambda r: describe_row(md, compiled, r),
                          threshold)
    return out


def _matrix_warnings(md, compiled, threshold: float) -> list[str]:
    """:func:`scan_numerics`' warnings about the matrix: rows, then the matrix as a whole."""
    lp = compiled.lp
    out = []
    matrix = _matrix(compiled)
    lo, hi = _row_extremes(lp, matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad = np.flatnonzero(hi > threshold * lo)
    fam = np.asarray(compiled.row_family, dtype=object)
    for family in dict.fromkeys(fam[bad].tolist()):
        rows = bad[fam[bad] == family]
        rows = rows[np.argsort(-(hi[rows] / lo[rows]), kind="stable")]
        for r in rows[:_PER_FAMILY]:
            out.append(f"{describe_row(md, compiled, int(r))}: coefficients from {_fmt(lo[r])} "
                       f"to {_fmt(hi[r])} in one row (ratio {_fmt(hi[r] / lo[r])}); the solver "
                       "may treat the small one as zero: check the units of the data behind it")
        if len(rows) > _PER_FAMILY:
            out.append(f"{family}: {len(rows) - _PER_FAMILY} more row(s) with coefficients "
                       f"spanning more than {threshold:.0e}")
    if not len(bad):
        _, index, values = matrix
        out += _range_warning("matrix coefficients", values,
                              lambda i: describe_row(md, compiled, int(index[i])), threshold)
    return out
