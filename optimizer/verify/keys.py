"""Keyed sums and look-ups of the verifier: groups and joins of frames by their key columns.

Each works on integer codes of the keys (:func:`key_codes`): a column categorical over the
verifier's labels gives its codes for free (the plan's key columns are, see
:func:`optimizer.verify.base.read_solution`), any other column is hashed. The results are
those of the pandas operations named in each docstring (groupby, left merge, ``map``), which
hash every text key on every call, the verifier's main cost on large plans before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_label(labels, numbers: dict) -> np.ndarray:
    """``numbers[label]`` for each of ``labels`` as floats, NaN where absent (as
    ``Series.map(numbers)``); each distinct label is looked up once."""
    if isinstance(labels, (list, tuple)):
        labels = np.asarray(labels, dtype=object)
    codes, distinct = pd.factorize(labels)
    table = np.array([float(numbers.get(u, np.nan)) for u in distinct] + [np.nan])
    return table[codes]  # code -1 (a missing label) picks the trailing NaN


def key_codes(frames: list[pd.DataFrame], on: list[str]) -> tuple[list[np.ndarray],
                                                                   list[np.ndarray]]:
    """One int64 code per row of each frame, equal exactly where the rows' values in ``on``
    are equal (NaN equal to NaN, as in a merge), and whether a row has a NaN among them.

    A column categorical over the same labels in every frame gives its codes; any other
    column is factorized over all the frames together (hashing its values).
    """
    sizes = [len(f) for f in frames]
    code = np.zeros(sum(sizes), dtype=np.int64)
    nan = np.zeros(sum(sizes), dtype=bool)
    span = 1
    for c in on:
        cols = [f[c] for f in frames]
        dtype = cols[0].dtype
        if isinstance(dtype, pd.CategoricalDtype) and all(s.dtype == dtype for s in cols):
            k = np.concatenate([s.array.codes for s in cols]).astype(np.int64) + 1
            n, missing = len(dtype.categories) + 1, k == 0
        else:  # texts are hashed as objects; numbers of one dtype (node ids) as they are
            same = pd.api.types.is_numeric_dtype(dtype) and all(s.dtype == dtype for s in cols)
            k, distinct = pd.factorize(np.concatenate(
                [s.to_numpy() if same else s.to_numpy(dtype=object) for s in cols]),
                use_na_sentinel=False)
            n, missing = max(len(distinct), 1), np.isin(k, np.flatnonzero(pd.isna(distinct)))
        if span * n >= 2 ** 62:  # keep the mixed-radix code inside int64
            code, distinct_codes = pd.factorize(code)
            span = len(distinct_codes)
        code, span = code * n + k, span * n
        nan |= missing
    cut = np.cumsum(sizes)[:-1]
    return np.split(code, cut), np.split(nan, cut)


def groups_of(df: pd.DataFrame, keys: list[str],
              dropna: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(group of each row of ``df``, first row of each group): rows with equal values in
    ``keys`` form a group, numbered in order of first appearance. NaN equals NaN, or with
    ``dropna`` a row with a NaN key is in no group (−1), as in a pandas groupby."""
    (code,), (nan,) = key_codes([df], keys)
    if not (dropna and nan.any()):
        group = pd.factorize(code)[0]
        return group, np.unique(group, return_index=True)[1]
    rows = np.flatnonzero(~nan)
    group = np.full(len(df), -1, dtype=np.int64)
    group[rows] = pd.factorize(code[rows])[0]
    _, first = np.unique(group[rows], return_index=True)
    return group, rows[first]


def sum_by(df: pd.DataFrame, keys: list[str], value: str, name: str) -> pd.DataFrame:
    """Sum ``value`` by ``keys`` into a column called ``name``.

    As ``df.groupby(keys, sort=False)[value].sum()``: groups in order of first appearance,
    rows with a NaN key left out, and the same (compensated) sums, grouped here by the rows'
    integer key codes (:func:`groups_of`).
    """
    if df.empty:
        return pd.DataFrame(columns=keys + [name])
    group, first = groups_of(df, keys, dropna=True)
    kept = group >= 0
    total = pd.Series(df[value].to_numpy()[kept]).groupby(group[kept]).sum()
    return pd.DataFrame({c: df[c].array[first] for c in keys} | {name: total.to_numpy()})


def row_in(left: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``table`` of the row with each row of ``left``'s values in ``on`` (−1 if
    none; the last if several, as a dict from the table's keys would give)."""
    if left.empty or table.empty:
        return np.full(len(left), -1, dtype=np.int64)
    (lc, tc), _ = key_codes([left, table], on)
    code, first = np.unique(tc[::-1], return_index=True)  # from the end: the last row
    at = pd.Series(len(tc) - 1 - first, index=code)
    return at.reindex(lc).fillna(-1).to_numpy(np.int64)


def present(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Whether each row of ``left`` has a row in ``right`` with the same values in ``on``."""
    if left.empty or right.empty:
        return np.zeros(len(left), dtype=bool)
    (lc, rc), _ = key_codes([left, right], on)
    return np.isin(lc, rc)


def attach(left: pd.DataFrame, right: pd.DataFrame, on: list[str], col: str) -> np.ndarray:
    """``right[col]`` aligned with the rows of ``left`` on ``on`` (0 where absent); the rows of
    ``right`` have distinct keys."""
    if right.empty or left.empty:
        return np.zeros(len(left))
    (lc, rc), _ = key_codes([left, right], on)
    at = pd.Index(rc)
    if not at.is_unique:  # not expected: a left merge then repeats rows of left
        merged = left[on].merge(right[on + [col]], how="left", on=on)
        return np.nan_to_num(merged[col].to_numpy(float))
    pos = at.get_indexer(lc)
    v = right[col].to_numpy(float)
    return np.nan_to_num(np.where(pos >= 0, v[pos], np.nan))
