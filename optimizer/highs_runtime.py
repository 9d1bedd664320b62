"""A ``highspy.Highs`` at work: creating it, running it (Ctrl-C, MIP progress), reading it.

Also the process-wide memory settings a large solve needs (glibc's mmap and trim thresholds),
HiGHS's termination words, and the shadow prices and right-hand-side ranges read back from a
solved LP. Sign convention: see :mod:`optimizer.solve`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from optimizer.highs_model import CompiledModel, _scatter
from optimizer.rhs_ranging import row_bound_ranges
from optimizer.solve_options import TERMINATION, SolveOptions, SolveOutcome

MMAP_THRESHOLD = 1 << 20
"""Allocations from this size (bytes) get their own memory map from glibc, see
:func:`return_large_frees_to_os`."""

TRIM_THRESHOLD = 8 << 20
"""Free space (bytes) at the top of glibc's heap kept for reuse rather than handed back."""

_MALLOC_TUNED = False


def return_large_frees_to_os() -> None:
    """Have glibc give every allocation of 1 MiB or more its own memory map, released on free.

    glibc starts at 128 KiB and raises this threshold up to the largest block freed so far
    (32 MiB at most), so after the first big arrays are freed, later ones of a few MB (HiGHS's
    vectors, the term and index arrays) come from the heap, and heap space a free returns
    stays resident. On the large preset (1M columns) that kept ~150 MB resident at the peak,
    the ranging after the solve. Setting the threshold also stops glibc from raising it.

    It also freezes glibc's trim threshold, which glibc would otherwise raise along with it,
    at its 128 KiB start: the heap was then shrunk and regrown all through HiGHS's simplex
    (4.5× the page faults, +2.5 % on the medium preset's 8 s solve: 8.37 / 8.54 / 8.23 s
    against 8.00 / 8.32 / 8.14 s). So the trim threshold is set too, to 8 MiB: page faults
    93k, against 182k with the frozen one and 40k with glibc's defaults, and in
    ``benchmarks/run.py medium`` the pipeline's solve is back to 0.99× HiGHS alone (it was
    1.03–1.05×); it keeps at most 8 MiB more resident.
    Once per process; a no-op where the C library is not glibc.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not Linux with glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, MMAP_THRESHOLD)
    mallopt(m_trim_threshold, TRIM_THRESHOLD)


_BANNER_SHOWN = False


def new_highs_object():
    """A ``highspy.Highs`` with its one-time start-up banner kept off stdout."""
    global _BANNER_SHOWN
    import os

    import highspy

    if _BANNER_SHOWN:
        return highspy.Highs()
    # HiGHS prints a banner from C++ on the first construction in a process; stdout belongs
    # to the CLI's results, so send that one write to /dev/null.
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


def highs_version() -> str:
    """Version string of the linked HiGHS library."""
    import highspy

    return f"{highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}" \
        if hasattr(highspy, "HIGHS_VERSION_MAJOR") else new_highs_object().version()


SUB_MIP_HEURISTICS = ("mip_heuristic_run_rins", "mip_heuristic_run_rens",
                      "mip_heuristic_run_root_reduced_cost")
"""HiGHS's sub-MIP heuristics, off unless ``SolveOptions.sub_mip_heuristics``: RINS and RENS
(a smaller MIP solved around the LP optimum) and the root reduced-cost heuristic (a smaller
MIP with the columns of large reduced cost at the root fixed).

On this model they cost more than they find, the same optimum either way (HiGHS 1.16,
``mip_rel_gap`` 1e-4, two threads). The root reduced-cost heuristic, with RINS, RENS and
restarts off (``python benchmarks/mip_settings.py --highs-option
mip_heuristic_run_root_reduced_cost=true``, 2026-12-08, docs/performance.md, "The root
reduced-cost heuristic off"): the shipped 2035 baseline 5.37 → 1.91 s (its sub-MIP calls took
3.5 of the 5.7 s and found the optimal plan, which the search then finds in 3 nodes), the
10-quarter baseline 0.28 → 0.23 s, the 11 runs of its Dy-quota sweep 6.58 → 2.27 s, the medium
preset 67.9 → 10.9 s, facility location 0.57–1.01×, the small preset as before. RINS and RENS
(2026-12-07, "Sub-MIP heuristics off"): the shipped 2035 baseline 15.4 → 9.9 s (three runs
each, alternated; at the root one RINS call ran 10 s to find the optimal plan, while the cuts
had the gap at 0.11 % after 1.7 s), the 10-quarter baseline 1.4 → 0.8 s, its batch sweep's
runs 4.1–6.0 → 1.7–3.2 s, facility location 0.2–6.6 → 0.2–5.5 s; the tutorials and the small
and medium presets as before.
"""


MIP_RESTART = "mip_allow_restart"
"""HiGHS's restarts of a MIP's root (presolve and the root's cuts run again once enough
integer columns are fixed), off unless ``SolveOptions.mip_restarts``.

On this model's MIPs they cost more than they gain. HiGHS 1.16, ``mip_rel_gap`` 1e-4, RINS and
RENS off, the same optimum every time (``python benchmarks/mip_settings.py``, 2026-12-08,
docs/performance.md, "MIP restarts off"): the shipped 2035 baseline 8.0 → 5.3 s (HiGHS
restarted its root five times, then closed the gap at the root either way), the 10-quarter
baseline 0.72 → 0.28 s, the 11 runs of its Dy-quota batch sweep 19.4 → 8.4 s on one thread
(each run 0.17–0.63×), the medium preset 78.7 → 67.9 s, the small preset and the
facility-location benchmark's models 0.67–1.01×. With the root reduced-cost heuristic off as
well (:data:`SUB_MIP_HEURISTICS`): the 2035 baseline 4.6 → 1.9 s, the 10-quarter baseline
0.35 → 0.18 s, six sweep runs 3.4 → 1.3 s.
"""


def _new_highs(options: SolveOptions):
    h = new_highs_object()
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit_s:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads:
        h.setOptionValue("threads", int(options.threads))
    if not options.sub_mip_heuristics:
        for name in SUB_MIP_HEURISTICS:
            h.setOptionValue(name, False)  # a HiGHS without the option refuses it: no change
    if not options.mip_restarts:
        h.setOptionValue(MIP_RESTART, False)
    return h


def set_lp_algorithm(h, algorithm: str) -> None:
    """Set HiGHS's LP algorithm (one of :data:`LP_ALGORITHMS`) on ``h``."""
    if algorithm == "parallel":
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 2)
    elif algorithm != "choose":
        h.setOptionValue("solver", algorithm)


def _termination(h) -> str:
    name = h.modelStatusToString(h.getModelStatus())
    status = h.getModelStatus()
    key = str(status).split(".")[-1]
    if key not in TERMINATION:
        import warnings

        warnings.warn(f"unknown HiGHS model status {name!r}; reported as 'unknown'", stacklevel=2)
    return TERMINATION.get(key, "unknown")


termination_of = _termination


_MIP_PROGRESS: ContextVar = ContextVar("mip_progress", default=None)
"""The listener :func:`run_highs` reports a MIP's progress to (set by :func:`mip_progress`)."""


@contextmanager
def mip_progress(on_progress):
    """While active, :func:`run_highs` calls ``on_progress(figures)`` about twice a second
    during a MIP solve; ``figures`` has HiGHS's ``incumbent`` (primal bound), ``bound`` (dual
    bound), ``gap`` (relative) and ``nodes``, as its MIP callbacks last reported them.

    A hook for the CLI's progress line, kept out of SolveOptions (which summary.json records).
    """
    token = _MIP_PROGRESS.set(on_progress)
    try:
        yield
    finally:
        _MIP_PROGRESS.reset(token)


def run_highs(h) -> None:
    """``h.run()`` in HiGHS's own thread, so that Ctrl-C stops the solve promptly.

    A plain ``h.run()`` holds the main thread inside C++ and Python sees SIGINT only when the
    solve ends, minutes later on a large model. Here the main thread waits, catches the
    KeyboardInterrupt, asks HiGHS to stop at its next interrupt check (simplex, IPM and MIP
    callbacks), waits for it and re-raises: the caller (the CLI) then exits with 130.

    The interrupt callbacks are switched on only when Ctrl-C arrives: while on, HiGHS calls
    into Python (taking the GIL) at every check, which cost 3-5 % of a 9 s simplex solve on
    the medium preset (45,077 iterations: 8.80 / 9.16 s without, 9.24 / 9.41 s with).
    Switching them on mid-solve sets HiGHS's per-callback "active" flags, which its loop reads
    at its next check (measured: stopped 6 ms after Ctrl-C on the same model).
    """
    h.HandleUserInterrupt = False
    on_progress, latest = _MIP_PROGRESS.get(), {}

    def note(event):  # HiGHS's thread: keep the figures; the main thread reports them
        out = event.data_out
        latest.update(incumbent=out.mip_primal_bound, bound=out.mip_dual_bound,
                      gap=out.mip_gap, nodes=out.mip_node_count)

    if on_progress is not None:  # only when a listener asked: callbacks take the GIL
        h.cbMipImprovingSolution += note
        h.cbMipInterrupt += note
    h.startSolve()
    interrupted = False
    ticks = 0
    while True:
        try:
            done, _ = h.wait(0.1)
        except KeyboardInterrupt:
            interrupted = True
            h.HandleUserInterrupt = True
            h.cancelSolve()
            continue
        if done:
            break
        ticks += 1
        if on_progress is not None and latest and ticks % 5 == 0:
            on_progress(dict(latest))
    if on_progress is not None:
        h.cbMipImprovingSolution -= note
        h.cbMipInterrupt -= note
    h.HandleUserInterrupt = False
    if interrupted or _termination(h) == "interrupted":
        # Some HiGHS builds catch SIGINT themselves and end with kInterrupt: the same event.
        raise KeyboardInterrupt


def read_shadow_prices(md, compiled: CompiledModel, lp_h, outcome: SolveOutcome,
                       source: str, ranging: bool = True, solution=None) -> None:
    """Row duals of an optimal LP held by ``lp_h`` into ``outcome``, and their RHS ranges
    unless ``ranging`` is False (then :func:`read_rhs_ranges` is the caller's to call).

    ``source`` is "lp", or "fixed_lp" for a MIP's LP with builds fixed. ``solution``: the
    ``getSolution()`` of ``lp_h`` the caller holds already (highspy copies every vector of it
    into a Python list at each access: 1–2 ms a call on the 2035 baseline).
    """
    fsol = lp_h.getSolution() if solution is None else solution
    outcome.duals = _scatter(md, compiled, np.asarray(fsol.row_dual), rows=True)
    outcome.duals_source = source
    if ranging:
        read_rhs_ranges(md, compiled, lp_h, outcome)


def read_rhs_ranges(md, compiled: CompiledModel, lp_h, outcome: SolveOutcome,
                    refactor: bool = False, solution=None) -> None:
    """For each row, the right-hand-side interval over which its shadow price holds.

    Ranged on the LP of the basis's columns alone (:mod:`optimizer.rhs_ranging`: 0.10 s of
    the medium preset, where HiGHS's ``getRanging`` on the whole model, ranging every column
    too, took 0.45–0.65 s holding the GIL). Only if HiGHS moves off the basis there are the
    rows ranged by ``getRanging`` on ``lp_h`` itself.

    ``refactor`` (a live batch model, :mod:`optimizer.live`), for that fallback only: hand
    HiGHS its own basis back first (``setBasis(getBasis())``), so that it factorises that basis
    afresh inside the ranging. After many warm re-solves HiGHS holds an LU factor with a long
    chain of updates (up to its ``simplex_update_limit``, 5,000), and every solve the ranging
    does goes through that chain: on the 2035 baseline the ranging grew from 23 to 97 ms over
    20 runs of a sweep, and stays at 20–50 ms with a fresh factor. The basis-only LP always
    has a fresh factor, and leaves ``lp_h`` as it was.
    ``solution``: as in :func:`read_shadow_prices`.
    """
    import highspy

    # For a row whose slack is basic (not binding), HiGHS ranges how far its activity can be
    # pushed; its right-hand side can move anywhere on the slack side of the activity with the
    # price staying 0.
    # One int per row (an array of highspy enum objects took 4.7 ms on the 2035 baseline).
    basis = lp_h.getBasis()
    status = basis.row_status
    basic = np.fromiter(map(int, status), dtype=np.int64, count=len(status)) \
        == int(highspy.HighsBasisStatus.kBasic)
    solution = lp_h.getSolution() if solution is None else solution
    act = np.asarray(solution.row_value, dtype=float)
    ranges = row_bound_ranges(lp_h, solution, status)
    if ranges is None:
        if refactor:
            lp_h.setBasis(basis)
        _, ranging = lp_h.getRanging()
        if not ranging.valid:
            return
        ranges = (np.asarray(ranging.row_bound_dn.value_, dtype=float),
                  np.asarray(ranging.row_bound_up.value_, dtype=float))
    lo, hi = ranges
    is_le = np.isinf(np.asarray(compiled.lp.row_lower_, dtype=float))
    is_ge = np.isinf(np.asarray(compiled.lp.row_upper_, dtype=float))
    lo = np.where(basic & is_le, act, np.where(basic & is_ge, -np.inf, lo))
    hi = np.where(basic & is_le, np.inf, np.where(basic & is_ge, act, hi))
    lo_f = _scatter(md, compiled, lo, rows=True)
    hi_f = _scatter(md, compiled, hi, rows=True)
    outcome.rhs_range = {f: (lo_f[f], hi_f[f]) for f in lo_f}
