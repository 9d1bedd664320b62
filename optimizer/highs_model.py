"""The model as HiGHS receives it: one column-wise sparse matrix, and maps back to families.

:func:`compile_arrays` assembles the formulation's families, recorded as term arrays
(``md.families``), into a ``highspy.HighsLp`` in bulk; :func:`compile_model` does the same
through Pyomo's ``LinearStandardFormCompiler`` (tests/test_backends.py holds them to the same
matrix). :func:`with_fixed_builds` turns a MIP into the LP of a given investment plan, and
:func:`_scatter` maps HiGHS's column or row vectors back to each family's index frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass
class CompiledModel:
    """The model as arrays, plus maps from columns/rows back to (family, index)."""

    lp: object
    col_family: list
    col_index: np.ndarray
    row_family: list
    row_index: np.ndarray
    integer_cols: np.ndarray
    offset: float
    csc: tuple | None = None
    """``(start, index, value)``: ``lp``'s matrix as the numpy arrays it was made from, kept by
    :func:`compile_arrays` for the numerics scan (highspy hands a ``HighsLp``'s vectors out as
    new Python lists at each access: 60 ms of the medium preset's scan). The solve hands them to
    the scan alone and drops them from the models at once (``optimizer.api._NumericsScan``), so
    they are not held through the solve."""


NUMPY_UP_TO = 1_000_000
"""Matrices with more entries are assembled by scipy.sparse (:func:`csc_from_triplets`); the
medium preset has 0.4M."""


def csc_from_triplets(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n_rows: int,
                      n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(start, index, value)``, column-wise, of the ``n_rows`` × ``n_cols`` matrix holding
    ``values[k]`` at ``(rows[k], cols[k])``: each column's entries in row order, entries at one
    position summed (zeros kept), as ``scipy.sparse.csc_matrix((values, (rows, cols)))``
    stores them (tests/test_csc_from_triplets.py).

    Up to :data:`NUMPY_UP_TO` entries in numpy: scipy.sparse's import alone is 0.09 s of every
    solve, and the shipped baselines' MIPs take 2 s. Larger matrices take scipy.sparse, whose
    compiled conversion is 0.07 s against numpy's sort 0.2-0.5 s at the large preset (5.2M
    entries), where the import is lost in minutes of solve.
    """
    if len(values) > NUMPY_UP_TO:
        import scipy.sparse as sp

        a = sp.csc_matrix((values, (rows, cols)), shape=(n_rows, n_cols))
        return a.indptr, a.indices, a.data
    position = cols * n_rows + rows  # column-major: sorting it sorts by column, then row
    order = np.argsort(position, kind="stable")
    position, rows, values = position[order], rows[order], values[order]
    if len(position) > 1:
        first = np.empty(len(position), dtype=bool)
        first[0] = True
        np.not_equal(position[1:], position[:-1], out=first[1:])
        if not first.all():  # repeated positions: one entry each, their sum
            at = np.flatnonzero(first)
            position, rows, values = position[at], rows[at], np.add.reduceat(values, at)
    start = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(position // n_rows, minlength=n_cols), out=start[1:])
    return start, rows, values


def _highs_lp(A, cost, lower, upper, row_lower, row_upper, integer, offset=0.0):
    A = A.tocsc()
    return highs_lp_from_csc(A.shape[1], A.shape[0], A.indptr, A.indices, A.data, cost, lower,
                             upper, row_lower, row_upper, integer, offset)


def highs_lp_from_csc(n_cols: int, n_rows: int, start, index, value, cost, lower, upper,
                      row_lower, row_upper, integer=None, offset: float = 0.0):
    """A ``highspy.HighsLp`` from column-wise (CSC) arrays: what ``passModel`` receives.

    ``integer`` is a boolean per column (None or all False: an LP).
    """
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(n_cols), int(n_rows)
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(lower, dtype=float)
    lp.col_upper_ = np.asarray(upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(start).astype(np.int32)
    lp.a_matrix_.index_ = np.asarray(index).astype(np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    if integer is not None and np.any(integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    lp.offset_ = offset
    return lp


def compile_arrays(md) -> CompiledModel:
    """The families' term arrays → one HighsLp, without Pyomo (the default path).

    Columns are the variable families in ``VAR_ORDER``, each in its index-frame order; rows are
    the constraint families in model order, each in its index-frame order.
    """
    from optimizer.formulation.risk import FREE_VARS
    from optimizer.formulation.rows import VAR_ORDER

    families = md.term_arrays()
    if any(len(ix) for ix in md.con_ix.values()) and not families:
        raise ValueError("compile_arrays needs the families' term arrays (md.families is empty)")
    sizes = [len(md.var_ix[v]) for v in VAR_ORDER]
    col_offset = np.concatenate([[0], np.cumsum(sizes)])
    n_cols = int(col_offset[-1])
    rows, cols, vals, lo, hi, row_family, row_index = [], [], [], [], [], [], []
    r0 = 0
    for name, fam in families.items():
        n = len(fam.rhs)
        rows.append(fam.row + r0)
        cols.append(col_offset[fam.var] + fam.col)
        vals.append(fam.coef)
        lo.append(np.full(n, -np.inf) if fam.sense == "<=" else fam.rhs)
        hi.append(np.full(n, np.inf) if fam.sense == ">=" else fam.rhs)
        row_family.append(np.full(n, name, dtype=object))
        row_index.append(np.arange(n))
        r0 += n
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
    start, index, value = csc_from_triplets(cat(rows, np.int64), cat(cols, np.int64),
                                            cat(vals, float), r0, n_cols)
    cost = np.concatenate([md.objective_coef[v] for v in VAR_ORDER]) if n_cols else np.zeros(0)
    upper = np.full(n_cols, np.inf)
    integer = np.zeros(n_cols, dtype=bool)
    b0 = col_offset[VAR_ORDER.index("modules_built")]
    builds = md.var_ix["modules_built"]
    if len(builds):
        upper[b0:b0 + len(builds)] = md.modules["max_count"].to_numpy(float)[builds["module_row"]]
        integer[b0:b0 + len(builds)] = True
    s0 = col_offset[VAR_ORDER.index("contract_signed")]
    signed = md.var_ix["contract_signed"]
    if len(signed):  # contract signings: yes/no (optimizer/formulation/contracts.py)
        upper[s0:s0 + len(signed)] = 1.0
        integer[s0:s0 + len(signed)] = True
    lower = np.zeros(n_cols)
    for v in FREE_VARS:  # the CVaR threshold η may be any amount of USD
        k = VAR_ORDER.index(v)
        lower[col_offset[k]:col_offset[k + 1]] = -np.inf
    lp = highs_lp_from_csc(n_cols, r0, start, index, value, cost, lower, upper, cat(lo, float),
                           cat(hi, float), integer)
    col_family = np.repeat(np.array(VAR_ORDER, dtype=object), sizes)
    col_index = np.concatenate([np.arange(n) for n in sizes]) if n_cols else np.zeros(0, np.int64)
    return CompiledModel(lp, col_family, col_index, cat(row_family, object),
                         cat(row_index, np.int64), np.flatnonzero(integer), 0.0,
                         csc=(start, index, value))


def compile_model(m, md) -> CompiledModel:
    """Pyomo model → HighsLp via Pyomo's standard-form compiler (the reference path)."""
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(m, mixed_form=True)
    where = {}
    for fam in md.var_ix:
        comp = getattr(m, fam)
        for k, v in comp.items():
            where[id(v)] = (fam, k)
    cols = [where[id(v)] for v in repn.columns]
    col_family = [c[0] for c in cols]
    col_index = np.fromiter((c[1] for c in cols), dtype=np.int64, count=len(cols))
    # No lower bound is -inf (the CVaR threshold η is free; every other family is ≥ 0).
    lower = np.array([-np.inf if v.lb is None else v.lb for v in repn.columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in repn.columns], dtype=float)
    integer = np.array([v.is_integer() for v in repn.columns], dtype=bool)
    row_family = [c.parent_component().local_name for c, _ in repn.rows]
    row_index = np.fromiter((c.index() for c, _ in repn.rows), dtype=np.int64, count=len(repn.rows))
    sense = np.fromiter((s for _, s in repn.rows), dtype=np.int64, count=len(repn.rows))
    rhs = np.asarray(repn.rhs, dtype=float)
    c = repn.c.toarray().ravel() if repn.c.shape[0] else np.zeros(repn.A.shape[1])
    offset = float(repn.c_offset[0]) if len(repn.c_offset) else 0.0
    lp = _highs_lp(repn.A, c, lower, upper, np.where(sense <= 0, rhs, -np.inf),
                   np.where(sense >= 0, rhs, np.inf), integer, offset)
    return CompiledModel(lp, col_family, col_index, row_family, row_index, np.flatnonzero(integer),
                         offset)


def _scatter(md, compiled: CompiledModel, values: np.ndarray, rows: bool) -> dict:
    """Split a solver vector into per-family arrays aligned with the index frames."""
    frames = md.con_ix if rows else md.var_ix
    out = {f: np.zeros(len(ix)) for f, ix in frames.items()}
    for f, (sel, idx) in _split(compiled, rows).items():
        if f in out:
            out[f][idx] = values[sel]
    return out


def _split(compiled: CompiledModel, rows: bool) -> dict:
    """Map each family to (solver positions, index-frame rows) of its rows or columns.

    Computed once per compiled model: a live batch model scatters its vectors run after run.
    """
    key = "_split_rows" if rows else "_split_cols"
    cached = compiled.__dict__.get(key)
    if cached is None:
        fams, idx = (compiled.row_family, compiled.row_index) if rows else \
            (compiled.col_family, compiled.col_index)
        fam_arr = np.asarray(fams, dtype=object)
        cached = {}
        for f in dict.fromkeys(fam_arr.tolist()):
            sel = np.flatnonzero(fam_arr == f)
            cached[f] = (sel, np.asarray(idx)[sel])
        compiled.__dict__[key] = cached
    return cached


def integer_targets(compiled: CompiledModel, counts) -> tuple[np.ndarray, np.ndarray]:
    """The integer columns ``counts`` fixes and their values (rounded).

    ``counts`` is either a mapping {integer family: values aligned with
    ``md.var_ix[family]``} (e.g. ``outcome.values``: every integer family of a plan) or, as
    before contracts, one array aligned with ``md.var_ix["modules_built"]``. Only the
    integer columns of the families given are returned; the others are left to the caller.
    """
    ints = compiled.integer_cols
    family = np.asarray(compiled.col_family, dtype=object)[ints]
    if not isinstance(counts, Mapping):
        counts = {"modules_built": counts}
    keep = np.isin(family, list(counts))
    values = np.zeros(int(keep.sum()))
    index = compiled.col_index[ints[keep]]
    for fam, given in counts.items():
        at = family[keep] == fam
        if at.any():
            values[at] = np.round(np.asarray(given, dtype=float))[index[at]]
    return ints[keep], values


def with_fixed_builds(compiled: CompiledModel, counts) -> CompiledModel:
    """A copy of ``compiled`` with its integer decisions fixed to ``counts``.

    ``counts`` (see :func:`integer_targets`) is a mapping {integer family: values}, fixing
    each family from its own values — module builds and contract signings alike, as the
    MIP's fixed LP for shadow prices does with ``outcome.values`` — or one array aligned with
    ``md.var_ix["modules_built"]`` (builds only). The copy is an LP when every integer family
    is given (use it to evaluate a given investment plan: status quo = all zeros; another
    plan's builds for the value of the stochastic solution or the cost of resilience);
    integer columns of families not given stay integer (``integer_cols`` of the copy), so
    fixing only the builds of a model with contracts leaves the signings to the solver.
    """
    import highspy

    lp = compiled.lp
    fixed = highspy.HighsLp()
    fixed.num_col_, fixed.num_row_ = lp.num_col_, lp.num_row_
    fixed.col_cost_, fixed.offset_ = lp.col_cost_, lp.offset_
    lower = np.array(lp.col_lower_, dtype=float)
    upper = np.array(lp.col_upper_, dtype=float)
    ints, values = integer_targets(compiled, counts)
    lower[ints] = upper[ints] = values
    fixed.col_lower_, fixed.col_upper_ = lower, upper
    fixed.row_lower_, fixed.row_upper_ = free_implied_rows(compiled)
    fixed.a_matrix_ = lp.a_matrix_
    free = np.setdiff1d(compiled.integer_cols, ints)
    if len(free):  # integer families not fixed stay integer: the copy is still a MIP
        fixed.integrality_ = [highspy.HighsVarType.kInteger if k else
                              highspy.HighsVarType.kContinuous
                              for k in np.isin(np.arange(lp.num_col_), free)]
    return CompiledModel(fixed, compiled.col_family, compiled.col_index, compiled.row_family,
                         compiled.row_index, free.astype(np.int64), compiled.offset,
                         csc=compiled.csc)


def free_implied_rows(compiled: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds of ``compiled`` with the rows of implied families made free (−∞, ∞).

    Those rows (``optimizer.formulation.IMPLIED_FAMILIES``) only tighten the MIP: with builds
    fixed they restate other rows and would take a share of degenerate shadow prices.
    """
    from optimizer.formulation import IMPLIED_FAMILIES

    lower = np.array(compiled.lp.row_lower_, dtype=float)
    upper = np.array(compiled.lp.row_upper_, dtype=float)
    implied = np.isin(np.asarray(compiled.row_family, dtype=object), IMPLIED_FAMILIES)
    lower[implied], upper[implied] = -np.inf, np.inf
    return lower, upper
