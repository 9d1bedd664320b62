"""What every result table is built from: node rows repeated per scenario, values cleaned of
solver round-off, who shares a decision, and a per-model cache of the parts that depend only on
the index frames and the scenario tree (a live batch model's runs share it).

Used by :mod:`optimizer.results` and its siblings :mod:`optimizer.result_contracts` and
:mod:`optimizer.result_prices`; it imports none of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData

TOL = 1e-7
"""Values below this (tonnes, counts) are printed as zero: solver round-off, not decisions."""


def table_cache(md: ModelData, across_runs: bool = False) -> dict:
    """The cache of what the result tables derive from the index frames and the scenario tree
    alone (see :func:`memo`), created on ``md`` on first use.

    A live batch model (:class:`optimizer.live.LiveModel`) creates it on its base model data
    before its first run, with ``across_runs``: each run's model data is a shallow copy of the
    base, so every run shares it, the index work is done once per live model instead of once
    per run, and a table whose inputs equal the last run's is that table
    (:func:`reused_table`).
    """
    cache = md.__dict__.setdefault("table_cache", {})
    if across_runs:
        cache[_ACROSS_RUNS] = True
    return cache


_ACROSS_RUNS = "tables are reused across runs"
"""The :func:`table_cache` entry that says the cache serves a live model's runs."""


def release_table_cache(md: ModelData, keep: tuple[str, ...] = ()) -> None:
    """Drop what :func:`memo` cached on ``md``, except the entries named in ``keep``.

    The cache pays off over a live model's runs; a one-off solve has built its tables by
    then, and the cached key columns and codes (about 160 MB at the large preset, as much as
    the tables themselves) would otherwise stay held through the ranging, the peak of memory.
    """
    cache = md.__dict__.get("table_cache")
    if cache:
        for name in [n for n in cache if n not in keep]:
            del cache[name]


def _tree_key(md: ModelData) -> tuple:
    """What of the scenario tree the cached parts read: the periods, each node's period, and
    each node's scenarios and label.
    """
    memo = md.__dict__.get("_tree_key")
    if memo is None or memo[0] is not md.nodes or memo[1] is not md.node_period:
        key = (tuple(md.inst.periods), tuple(np.asarray(md.node_period).tolist()),
               tuple((n.scenarios, n.label) for n in md.nodes))
        memo = (md.nodes, md.node_period, key)
        md.__dict__["_tree_key"] = memo
    return memo[2]


def memo(md: ModelData, name: str, sources: tuple, build, values: tuple = ()):
    """``build()``, reused while the objects in ``sources`` (compared by identity: index frames
    are never changed in place, a run that changes one gets a new frame), the scenario tree
    and ``values`` (both compared by value: ``values`` holds plain keys such as an array's
    bytes, for what a run computes afresh) are those it was built from.
    """
    cache, tree = table_cache(md), _tree_key(md)
    hit = cache.get(name)
    if hit is not None and hit[1] == tree and len(hit[0]) == len(sources) \
            and all(a is b for a, b in zip(hit[0], sources, strict=True)) and hit[3] == values:
        return hit[2]
    value = build()
    cache[name] = (sources, tree, value, values)
    return value


def reused_table(md: ModelData, name: str, sources: tuple, inputs: tuple[np.ndarray, ...],
                 build) -> pd.DataFrame:
    """``build()``: on a live model's runs, a copy of the last run's table ``name`` when it
    was built from the same ``sources`` (by identity, as :func:`memo`) and the same
    ``inputs`` (arrays: the run's values, duals, right-hand sides…, compared byte for byte).

    A sweep changes one figure at a time, so most shadow-price tables of a run equal the
    last run's (the 10-quarter baseline's 30-point quota sweep: 7.7 of 12 tables a run, on
    average), and copying a table costs less than building it (:func:`own_copy`). The table
    is a function of its sources and inputs, so the copy is the table the run would build.
    Each caller gets its own copy (a caller may write to its table). A one-off solve builds
    its tables once and keeps no copy: at the large preset that copy would double the
    tables' memory.
    """
    cache = table_cache(md)
    if not cache.get(_ACROSS_RUNS):
        return build()
    values = tuple((a.dtype.str, a.shape, a.tobytes()) for a in map(np.asarray, inputs))
    return own_copy(memo(md, name, sources, build, values=values))


def own_copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a cached table that its caller may write to without changing the cache.

    Under pandas' copy-on-write (always on from pandas 3; an option in pandas 2) that is a
    shallow copy: the data is shared until either side writes, and then copied. Without it,
    a deep copy. In a live batch run the deep copy costs far more than in a loop, since it
    touches every text cell's Python object: the 10-quarter baseline's reused shadow-price
    tables took 1.8-2.1 ms a run to copy deep and 0.44-0.48 ms shallow (30-run sweep,
    5 times, timed inside the runs).
    """
    return frame.copy(deep=not _copy_on_write())


def _copy_on_write() -> bool:
    """Whether pandas copies shared data lazily, on write (pandas >= 3, or the pandas-2 option
    ``mode.copy_on_write`` set to True)."""
    return _PANDAS_MAJOR >= 3 or pd.get_option("mode.copy_on_write") is True


_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


def grouped_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Σ of ``values`` per group: sums[g] = Σ over rows i with group[i] = g of values[i],
    added in row order (``np.bincount``); a group with no row sums to 0.

    Every grouped sum of the result tables and the batch summary goes through here, so a
    figure does not depend on the pandas version: pandas' own grouped sum adds with Kahan
    compensation, or pairwise when the group labels arrive sorted (pandas 3.1), and it costs
    a quarter of a millisecond per call, which a batch of small runs notices.
    """
    return np.bincount(np.asarray(group, dtype=np.intp), weights=np.asarray(values, dtype=float),
                       minlength=n_groups)


def _node_scenarios(md: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node: its number of scenarios and where its scenarios start in the flat array of
    every node's scenarios (the third item), in node order.
    """
    def build():
        counts = np.array([len(n.scenarios) for n in md.nodes], dtype=np.intp)
        flat = np.array([s for n in md.nodes for s in n.scenarios], dtype=object)
        return counts, np.cumsum(counts) - counts, flat
    return memo(md, "node_scenarios", (), build)


def expansion(md: ModelData, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows at tree nodes ``node``: the row each scenario row repeats, and its scenario.

    Row k is repeated once per scenario of its node, in the node's scenario order:
    source = repeat(k, count_k); scenario = the node's scenarios in turn. A row whose node is
    not in the tree (−1) has none.
    """
    counts, start, flat = _node_scenarios(md)
    node = np.asarray(node, dtype=np.intp)
    in_tree = (node >= 0) & (node < len(counts))  # a row of no node of the tree is dropped
    at = np.where(in_tree, node, 0)
    k = np.where(in_tree, counts[at] if len(counts) else 0, 0)
    source = np.repeat(np.arange(len(node)), k)
    offset = np.arange(len(source)) - np.repeat(np.cumsum(k) - k, k)
    return source, flat[np.repeat(start[at] if len(counts) else at, k) + offset]


def scenario_rows(md: ModelData, frame: pd.DataFrame) -> pd.DataFrame:
    """Repeat each node-level row once per scenario of its node; add period and scenario.

    Rows keep their order, each repeated in its node's scenario order (as an inner merge with
    the (node, scenario) pairs would give them), without the merge's hashing.
    """
    source, scenario = expansion(md, frame["node"].to_numpy())
    out = frame.take(source).reset_index(drop=True)
    out["scenario"] = pd.Series(scenario, index=out.index, dtype=str)
    out["period"] = np.array(md.inst.periods, dtype=object)[md.node_period[out["node"].to_numpy()]]
    return out


def key_columns(frame: pd.DataFrame) -> tuple[pd.Index, list, pd.Index]:
    """A frame's column labels, column arrays and index: what :func:`with_columns` reads of
    a key frame, taken apart once when the key frame is cached."""
    if not frame.columns.is_unique:
        raise ValueError("key columns must have distinct names")
    return frame.columns, [frame[c].array for c in frame.columns], frame.index


def with_columns(keys, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """``pd.concat([keys, pd.DataFrame(cols, index=keys.index)], axis=1)``, built in one step.

    ``keys`` is a frame with distinct column names, or :func:`key_columns` of one. Its
    columns (each array copied: the table shares nothing with a cached key frame, which a
    caller may write to) are followed by ``cols`` (numpy arrays of ``len(keys)`` values, which
    the table may keep as they are), assembled from their arrays with pandas' own constructor
    of a frame from arrays (``DataFrame._from_arrays``): the same frame, column types
    included, without the concatenation's alignment and frame-by-frame consolidation (the
    2035 baseline's sixteen shadow-price tables: 0.7 ms instead of 2.3 ms a run). Falls back
    to the concatenation where that constructor is missing.
    """
    columns, arrays, index = key_columns(keys) if isinstance(keys, pd.DataFrame) else keys
    build = getattr(pd.DataFrame, "_from_arrays", None)
    if build is None:
        frame = pd.DataFrame(dict(zip(columns, arrays, strict=True)), index=index)
        return pd.concat([frame, pd.DataFrame(cols, index=index)], axis=1)
    names = (columns.dtype, tuple(columns), tuple(cols))
    joined = _JOINED.get(names)
    if joined is None:  # one Index per set of column names (immutable, so shared)
        joined = _JOINED[names] = columns.append(pd.Index(list(cols)))
    return build([a.copy() for a in arrays] + list(cols.values()), columns=joined, index=index,
                 verify_integrity=False)


_JOINED: dict[tuple, pd.Index] = {}
""":func:`with_columns`' column labels by (key labels' type, key names, value names)."""


def expanded_keys(md: ModelData, name: str, frame: pd.DataFrame,
                  cols: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Columns ``cols`` of ``scenario_rows(md, frame)`` (with a new RangeIndex; as
    :func:`key_columns`) and the row of
    ``frame`` each of its rows repeats (:func:`expansion`), built once per frame and tree
    (:func:`memo` under ``name``): a run's table is these keys beside its values[source].
    """
    def build():
        source, _ = expansion(md, frame["node"].to_numpy())
        return key_columns(scenario_rows(md, frame)[cols].reset_index(drop=True)), source
    return memo(md, name, (frame,), build)


def clean(x: np.ndarray) -> np.ndarray:
    """``x`` as floats with values below :data:`TOL` in absolute value set to 0 (round-off)."""
    x = np.asarray(x, dtype=float).copy()
    x[np.abs(x) < TOL] = 0.0
    return x


def revealed_period(md: ModelData, node: int) -> str | None:
    """Period in which a contingent decision node's branch split off (its scenarios became
    known); None for a decision every scenario shares.
    """
    if node < 0 or decision_scope(md, node) == "all":
        return None
    n = md.nodes[node]
    while n.parent is not None and md.nodes[n.parent].scenarios == n.scenarios:
        n = md.nodes[n.parent]
    return md.inst.periods[n.period]


def decision_scope(md: ModelData, node: int) -> str:
    """Who shares a build decision: 'all' (every scenario) or its node's scenarios."""
    if node < 0 or len(md.nodes[node].scenarios) == len(md.inst.scenarios):
        return "all"
    return md.nodes[node].label

