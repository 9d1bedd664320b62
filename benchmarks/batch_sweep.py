"""Batch-sweep benchmark: cold build+solve per run against warm re-solves; HiGHS is the floor.

Usage::

    python benchmarks/batch_sweep.py                          # 100 runs, MIP + LP; jobs: 20 runs
    python benchmarks/batch_sweep.py --runs 3 --jobs-runs 0   # smoke (see tests/)
    python benchmarks/batch_sweep.py --json /tmp/sweep.json   # also save every per-run time

The sweep is the one of ``supplyopt batch --sweep "export_quotas:CHN,Dy:cap_t=0..100%:N"`` on
the base instance chosen with ``--instance``: ``10q`` (default, ``instances/ree_baseline_10q.xlsx``,
the old 10-quarter baseline: a run of the benchmark stays minutes), ``2035``
(``instances/ree_baseline.xlsx``, the 2035 baseline: a much larger MIP, ~12 s a solve) or a
path. China's Dy export quota is scaled from 0 to 100 % in N runs. The sweep has no
``from_period``, so the scenario tree, and with it every run's rows and columns, stays the same:
only right-hand sides change.

Two variants: ``mip`` (the instance as shipped: module builds are integers) and ``lp`` (the
builds fixed to the baseline's optimal builds through ``SolveOptions.fixed_builds``, keyed by
(module, decision period, count, decided in) as ``api.fixed_build_counts`` reads them: an LP).
The benchmark checks that the LP variant has no integer column and that its first cold run
builds exactly the fixed plan (else it stops: a wrong key would silently fix every build at 0).
An instance with contracts to sign (the 2035 baseline's two licensed Chinese channels) has
signing columns too, which ``fixed_builds`` leaves integer: its LP variant also turns the
contracts the baseline's optimum signs into fixed contracts (``decision = fixed``: in force over
their term in every scenario, their fee sunk, so the objective is the MIP's less the fees) and
drops the offers it leaves unsigned (:func:`lp_instance`; it stops if a signing is contingent
or later than the contract's first period, where a fixed contract would be another model).

For each run, in one process and side by side (the order of the paths rotates from run to run,
so drift in machine load falls on all of them alike), it times:

``cold``
    ``optimizer.api.solve(inst, options, overrides, compare_status_quo=False, verify=False)``:
    overrides, build, compile, hand-off, solve, values, shadow prices (for a MIP the
    fixed-LP re-solve) and result tables, with no warm start.
``warm``
    the same call with ``warm_start=`` the previous run's outcome: what a batch worker does
    for a run the live model declines (``supplyopt batch --rebuild`` for every run): the model
    is rebuilt, the previous basis starts an LP (for a MIP, its fixed-LP re-solve).
``live``
    what a batch worker does (``supplyopt batch``): ``optimizer.live.LiveModel.solve``, one
    live model built once per variant; each run rebuilds only the constraint families its
    overrides touch (here ``export_quota_cap``) and hands HiGHS the changed bounds only, then
    re-runs it from its basis; same values, shadow prices and tables as ``cold``. For a
    MIP only the fixed LP is live: the MIP itself is solved cold (see below).
``live_ranging``
    the same with right-hand-side ranging (``supplyopt batch --ranging``), in a live model of
    its own. Every other path is asked what a default batch run is asked
    (``optimizer.batch.definition.BATCH_OPTION_DEFAULTS``: no ranging).
``floor``
    HiGHS alone on the same sequence: for an LP one ``Highs``, the first model passed once, then
    for each run only the changes (precomputed, untimed) and ``run()``; pure solver time. For a
    MIP, ``run()`` of the MIP in a fresh ``Highs`` (``passModel`` untimed): HiGHS has no MIP
    re-solve this benchmark could trust (below).

MIP warm starts: with HiGHS 1.16 the previous run's incumbent as MIP start (``setSolution``),
or changing the bounds of a solved MIP and running it again, sometimes returned a previous
incumbent as "optimal" with a wrong objective and bound (reproduced at 20 % of this sweep), and
it was no faster than a cold MIP. ``optimizer.solve.solve_compiled`` therefore starts MIPs cold.

Reported: the median per run over runs 2..N (the first run of every path is cold) of wall time
and of process CPU time, and the ratios warm/cold, live/cold, warm/floor, live/floor. Each
call's wall time covers overrides → result tables; a *whole run* adds the batch summary row
(``optimizer.batch.summary.summary_row``, what a batch worker computes next), timed apart as
``summary``; issue 15's target 5 is a whole live LP run ≤ 3× the floor (``live``; the
``live_ranging`` row gives the same ratio with ranging). The *re-solve* figures stop at values and
shadow prices (cold: build, compile, hand-off, solve, values, duals; live: apply, solve,
values, duals), which is what the floor is compared with; tables are timed apart. Each
path's objective is checked against ``cold`` (LP: 1e-7 relative; MIP: the MIP gap).

``--jobs-runs M`` (default 20; 0 skips): the wall time of the real ``supplyopt batch --sweep
... :M --jobs 1`` and ``--jobs 2`` (fresh output folders, ``--quiet``), alternated
``--jobs-repeat`` times, medians, and the speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = {"10q": ROOT / "instances" / "ree_baseline_10q.xlsx",
             "2035": ROOT / "instances" / "ree_baseline.xlsx"}
"""``--instance`` shortcuts: the old 10-quarter baseline (default) and the 2035 baseline."""
BASE = INSTANCES["10q"]
TARGET = "export_quotas:CHN,Dy:cap_t"
PATHS = ("cold", "warm", "live", "live_ranging", "floor")
CALLS = ("cold", "warm", "live", "live_ranging")
"""The timed paths that run the tool (every path but the floor)."""
RESOLVE_STAGES = ("build", "compile", "handoff", "solve", "extract", "duals", "apply", "values")
"""Stages from a run's overrides to its values and shadow prices (tables excluded)."""


def sweep_text(n: int, target: str = TARGET) -> str:
    return f"{target}=0..100%:{n}"


def sweep_overrides(n: int, target: str = TARGET) -> list[tuple]:
    """The overrides of each run, exactly as ``supplyopt batch --sweep`` makes them."""
    from optimizer.batch.definition import parse_sweep

    return [run.overrides for run in parse_sweep(sweep_text(n, target))]


# --------------------------------------------------------------------------------------------
# The model as plain arrays, and a live Highs that only receives what changed


def lp_arrays(lp) -> dict:
    """Bounds, costs and matrix of a HighsLp as numpy arrays (copies)."""
    return {"row_lower": np.array(lp.row_lower_, dtype=float),
            "row_upper": np.array(lp.row_upper_, dtype=float),
            "col_cost": np.array(lp.col_cost_, dtype=float),
            "col_lower": np.array(lp.col_lower_, dtype=float),
            "col_upper": np.array(lp.col_upper_, dtype=float),
            "start": np.array(lp.a_matrix_.start_), "index": np.array(lp.a_matrix_.index_),
            "value": np.array(lp.a_matrix_.value_, dtype=float)}


def diff(old: dict, new: dict) -> dict | None:
    """What changes ``old`` into ``new``: changed rows, costs and column bounds; None if the
    shape or the matrix differ (then the model must be passed again)."""
    for k in ("start", "index", "value"):
        if old[k].shape != new[k].shape or not np.array_equal(old[k], new[k]):
            return None
    if old["row_lower"].shape != new["row_lower"].shape:
        return None
    rows = np.flatnonzero((old["row_lower"] != new["row_lower"])
                          | (old["row_upper"] != new["row_upper"])).astype(np.int32)
    cost = np.flatnonzero(old["col_cost"] != new["col_cost"]).astype(np.int32)
    cols = np.flatnonzero((old["col_lower"] != new["col_lower"])
                          | (old["col_upper"] != new["col_upper"])).astype(np.int32)
    return {"rows": (rows, new["row_lower"][rows], new["row_upper"][rows]),
            "cost": (cost, new["col_cost"][cost]),
            "cols": (cols, new["col_lower"][cols], new["col_upper"][cols])}


def apply_diff(h, d: dict) -> None:
    rows, lo, hi = d["rows"]
    if len(rows):
        h.changeRowsBounds(len(rows), rows, lo, hi)
    cost, c = d["cost"]
    if len(cost):
        h.changeColsCost(len(cost), cost, c)
    cols, lo, hi = d["cols"]
    if len(cols):
        h.changeColsBounds(len(cols), cols, lo, hi)


# --------------------------------------------------------------------------------------------
# One variant: every run through every path


def compiled_sequence(inst, options, overrides_list) -> list:
    """Each run's model as HiGHS receives it (for the floor; built before any timing)."""
    from optimizer.api import fixed_build_counts
    from optimizer.formulation import build_model
    from optimizer.scenario import with_overrides
    from optimizer.solve import compile_arrays, with_fixed_builds

    out = []
    for ovs in overrides_list:
        _, md = build_model(with_overrides(inst, ovs), pyomo=False)
        c = compile_arrays(md)
        if options.fixed_builds is not None:
            c = with_fixed_builds(c, fixed_build_counts(md, options.fixed_builds))
        out.append(c)
    return out


def cpu_s() -> float:
    return time.process_time()


def lp_instance(inst, base_run):
    """``inst`` with the contracts ``base_run`` signs made fixed and the unsigned offers dropped
    (the LP variant's instance; ``inst`` itself when it has no contract to sign)."""
    from dataclasses import replace

    from optimizer.batch.transforms import drop_rows

    table = inst.tables.get("contracts")
    if table is None or not (table["decision"] == "adaptive").any():
        return inst
    signed = base_run.tables["contracts"]
    signed = signed[(signed["decision"] == "adaptive") & (signed["signed"] > 0)]
    periods = {p: k for k, p in enumerate(inst.periods)}
    for r in signed.itertuples():
        if r.decided_in != "all" or periods[r.decision_period] > periods[r.first_period]:
            raise SystemExit(f"LP variant: contract {r.contract} is signed in {r.decided_in} "
                             f"at {r.decision_period}: a fixed contract would be another model")
    names = set(signed["contract"])
    fixed = table.copy()
    fixed.loc[fixed["contract"].isin(names), "decision"] = "fixed"
    tables = dict(inst.tables)
    tables["contracts"] = fixed
    unsigned = tuple(int(k) for k in
                     ((fixed["decision"] == "adaptive").to_numpy().nonzero()[0]))
    return drop_rows(replace(inst, tables=tables), "contracts", unsigned) if unsigned else \
        replace(inst, tables=tables)


def check_fixed_plan(options, run) -> None:
    """Stop unless the LP variant really fixes the builds: no integer column, and the run builds
    exactly ``options.fixed_builds`` (same module, decision period, count and branch)."""
    from optimizer.batch.summary import build_triples

    if run.outcome.n_integer:
        raise SystemExit(f"LP variant: {run.outcome.n_integer} integer columns left")
    built = sorted(build_triples(run.tables["builds"]))
    if built != sorted(options.fixed_builds):
        raise SystemExit(f"LP variant: builds {built} differ from the fixed {options.fixed_builds}")


def bench_variant(inst, options, overrides_list) -> dict:
    from optimizer.api import solve
    from optimizer.batch.summary import summary_row
    from optimizer.solve import _new_highs, run_highs

    models = compiled_sequence(inst, options, overrides_list)
    is_mip = len(models[0].integer_cols) > 0
    arrays = [lp_arrays(m.lp) for m in models]
    diffs = [None] + [diff(a, b) for a, b in zip(arrays, arrays[1:], strict=False)]
    from optimizer.live import LiveModel

    floor_h = None
    live = LiveModel(inst, options)
    live_ranging = LiveModel(inst, replace(options, ranging=True))
    prev_warm = None
    rows = []
    tol = max(options.mip_rel_gap, 1e-7) if is_mip else 1e-7
    for i, ovs in enumerate(overrides_list):
        rec = {"run": i}
        order = PATHS[i % len(PATHS):] + PATHS[:i % len(PATHS)]
        for path in order:
            t0, c0 = time.perf_counter(), cpu_s()
            stages: dict = {}
            if path == "cold":
                r = solve(inst, options, ovs, times=stages, compare_status_quo=False,
                          verify=False)
                obj = r.objective
            elif path == "warm":
                r = solve(inst, options, ovs, times=stages, compare_status_quo=False,
                          verify=False,
                          warm_start=prev_warm.outcome if prev_warm is not None else None)
                rec["warm_kind"] = r.outcome.warm_start
                prev_warm, obj = r, r.objective
            elif path in ("live", "live_ranging"):
                r = (live if path == "live" else live_ranging).solve(
                    ovs, times=stages, verify=False, compare_status_quo=False)
                obj = r.objective
                if i == 0 and path == "live_ranging" and not r.outcome.rhs_range:
                    raise SystemExit("live_ranging: the run has no right-hand-side ranges")
                if i == 0 and path == "live" and r.outcome.rhs_range:
                    raise SystemExit("live: a batch run (ranging off) computed ranges")
            else:  # floor: HiGHS alone; setting up the model is not timed
                if is_mip or floor_h is None or diffs[i] is None:
                    floor_h = _new_highs(options)
                    floor_h.passModel(models[i].lp)
                    t0, c0 = time.perf_counter(), cpu_s()
                else:
                    t0, c0 = time.perf_counter(), cpu_s()
                    apply_diff(floor_h, diffs[i])
                run_highs(floor_h)
                obj = float(floor_h.getInfo().objective_function_value)
            rec[path] = time.perf_counter() - t0
            rec[path + "_cpu"] = cpu_s() - c0
            rec[path + "_obj"] = obj
            if path != "floor":  # the batch summary row, what a worker computes next
                t1, c1 = time.perf_counter(), cpu_s()
                summary_row(r)
                rec[path + "_summary"] = time.perf_counter() - t1
                rec[path + "_summary_cpu"] = cpu_s() - c1
                if i == 0 and path == "cold" and options.fixed_builds is not None:
                    check_fixed_plan(options, r)
            if stages:
                rec[path + "_stages"] = stages
        rows.append(rec)
    mismatches = [(r["run"], p) for r in rows for p in ("warm", "live", "live_ranging", "floor")
                  if abs(r[p + "_obj"] - r["cold_obj"]) > tol * max(1.0, abs(r["cold_obj"]))]
    later = rows[1:] if len(rows) > 1 else rows
    med = {p: statistics.median(r[p] for r in later) for p in PATHS}
    med_cpu = {p: statistics.median(r[p + "_cpu"] for r in later) for p in PATHS}
    first = {p: rows[0][p] for p in PATHS}
    calls = CALLS
    summary = {p: statistics.median(r[p + "_summary"] for r in later) for p in calls}
    whole = {p: statistics.median(r[p] + r[p + "_summary"] for r in later) for p in calls}
    whole_cpu = {p: statistics.median(r[p + "_cpu"] + r[p + "_summary_cpu"] for r in later)
                 for p in calls}
    stages = {}
    for p in calls:
        keys = {k for r in later for k in r.get(p + "_stages", {})}
        stages[p] = {k: statistics.median(r[p + "_stages"].get(k, 0.0) for r in later)
                     for k in sorted(keys)}
    resolve = {p: statistics.median(sum(v for k, v in r[p + "_stages"].items()
                                        if k in RESOLVE_STAGES) for r in later)
               for p in calls}
    # The same, stopping at the primal values (no shadow prices, no ranging): the work the
    # floor does.
    primal = {p: statistics.median(sum(v for k, v in r[p + "_stages"].items()
                                       if k in RESOLVE_STAGES and k != "duals") for r in later)
              for p in calls}
    return {"is_mip": is_mip, "runs": len(rows), "median_s": med, "median_cpu_s": med_cpu,
            "first_run_s": first, "median_stages_s": stages,
            "summary_s": summary, "whole_run_s": whole, "whole_run_cpu_s": whole_cpu,
            "whole_run_ratios": {f"{p}/floor": whole[p] / med["floor"] for p in calls},
            "whole_run_ratios_cpu": {f"{p}/floor": whole_cpu[p] / med_cpu["floor"]
                                     for p in calls},
            "ratios": {"warm/cold": med["warm"] / med["cold"],
                       "live/cold": med["live"] / med["cold"],
                       "warm/floor": med["warm"] / med["floor"],
                       "live/floor": med["live"] / med["floor"],
                       "live_ranging/floor": med["live_ranging"] / med["floor"],
                       "floor/cold": med["floor"] / med["cold"]},
            "ratios_cpu": {"warm/cold": med_cpu["warm"] / med_cpu["cold"],
                           "live/cold": med_cpu["live"] / med_cpu["cold"],
                           "warm/floor": med_cpu["warm"] / med_cpu["floor"],
                           "live/floor": med_cpu["live"] / med_cpu["floor"],
                           "live_ranging/floor": med_cpu["live_ranging"] / med_cpu["floor"]},
            "warm_kinds": sorted({str(r.get("warm_kind")) for r in rows[1:]}),
            "live_runs": dict(live.runs), "live_ranging_runs": dict(live_ranging.runs),
            "resolve_s": resolve,
            "resolve_values_only_s": primal,
            "resolve_values_only_ratios": {"live/cold": primal["live"] / primal["cold"],
                                           "live/floor": primal["live"] / med["floor"]},
            "resolve_ratios": {"live/cold": resolve["live"] / resolve["cold"],
                               "warm/cold": resolve["warm"] / resolve["cold"],
                               "live/floor": resolve["live"] / med["floor"],
                               "warm/floor": resolve["warm"] / med["floor"]},
            "objective_mismatches": mismatches,
            "per_run": rows}


# --------------------------------------------------------------------------------------------
# --jobs 2 against --jobs 1, with the real CLI


def batch_wall(n: int, jobs: int, workdir: Path, base: Path = BASE,
               target: str = TARGET) -> dict:
    out = Path(tempfile.mkdtemp(prefix=f"jobs{jobs}-", dir=workdir))
    cmd = [sys.executable, "-m", "optimizer", "batch", "--base", str(base), "--sweep",
           sweep_text(n, target), "--out", str(out / "o"), "--jobs", str(jobs), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / "o" / "batch_manifest.json").read_text()) \
        if (out / "o" / "batch_manifest.json").exists() else {}
    starts = {}
    summary = out / "o" / "batch_summary.csv"
    if summary.exists():
        import pandas as pd

        starts = pd.read_csv(summary)["warm_start"].value_counts().to_dict()
    return {"jobs": jobs, "wall_s": wall, "exit": proc.returncode,
            "counts": manifest.get("counts"), "starts": starts,
            "stderr": proc.stderr[-2000:] if proc.returncode else ""}


def bench_jobs(n: int, repeat: int, base: Path = BASE, target: str = TARGET) -> dict:
    import shutil

    workdir = Path(tempfile.mkdtemp(prefix="supplyopt-sweep-jobs-"))
    runs = []
    try:
        for k in range(repeat):
            for jobs in ((1, 2) if k % 2 == 0 else (2, 1)):
                runs.append(batch_wall(n, jobs, workdir, base, target))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    med = {j: statistics.median(r["wall_s"] for r in runs if r["jobs"] == j) for j in (1, 2)}
    return {"runs_per_batch": n, "repeat": repeat, "median_wall_s": med,
            "speedup": med[1] / med[2], "batches": runs}


# --------------------------------------------------------------------------------------------


def machine_info() -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import machine  # benchmarks/run.py

    return machine()


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100, help="runs in the sweep [100]")
    ap.add_argument("--instance", default="10q",
                    help="base instance: 10q (instances/ree_baseline_10q.xlsx), 2035 "
                         "(instances/ree_baseline.xlsx) or a path [10q]")
    ap.add_argument("--target", default=TARGET, help=f"swept cell, 0..100%% [{TARGET}]")
    ap.add_argument("--variants", default="mip,lp", help="mip, lp or both [mip,lp]")
    ap.add_argument("--jobs-runs", type=int, default=20,
                    help="runs of the --jobs 1 vs 2 batch [20]; 0 skips it")
    ap.add_argument("--jobs-repeat", type=int, default=3, help="batches per --jobs value [3]")
    ap.add_argument("--json", help="write every figure (and per-run times) here")
    args = ap.parse_args(argv)
    args.instance = str(INSTANCES.get(args.instance, args.instance))

    from optimizer.api import load_instance, solve
    from optimizer.batch.definition import BATCH_OPTION_DEFAULTS
    from optimizer.batch.summary import build_triples
    from optimizer.solve import SolveOptions

    result = {"date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "command": "python benchmarks/batch_sweep.py " + " ".join(argv or sys.argv[1:]),
              "machine": machine_info(), "load_start": os.getloadavg(),
              "instance": args.instance, "sweep": sweep_text(args.runs, args.target),
              "variants": {}}
    inst = load_instance(args.instance)
    overrides = sweep_overrides(args.runs, args.target)
    # HiGHS with one thread, as in a batch's workers (runner.prepare forces threads=1): HiGHS
    # fixes its thread count at a process's first solve, and with its default the floor ran
    # with a second, spinning thread (CPU 6.3 ms against 4.5 ms of wall per warm re-solve)
    # that a batch run never has.
    base_run = solve(inst, SolveOptions(threads=1), compare_status_quo=False, verify=False)
    fixed = tuple(build_triples(base_run.tables["builds"]))
    result["fixed_builds_lp"] = fixed
    result["size"] = {"variables": base_run.outcome.n_variables,
                      "constraints": base_run.outcome.n_constraints,
                      "integer_variables": base_run.outcome.n_integer}
    for variant in args.variants.split(","):
        # What a default batch run is asked (no right-hand-side ranges); the live_ranging path
        # asks for them (supplyopt batch --ranging).
        batch = dict(BATCH_OPTION_DEFAULTS, threads=1)
        options = SolveOptions(**batch) if variant == "mip" else \
            SolveOptions(fixed_builds=fixed, **batch)
        r = bench_variant(inst if variant == "mip" else lp_instance(inst, base_run), options,
                          overrides)
        result["variants"][variant] = r
        print_variant(variant, r)
    if args.jobs_runs:
        j = bench_jobs(args.jobs_runs, args.jobs_repeat, Path(args.instance), args.target)
        result["jobs"] = j
        print(f"\nsupplyopt batch --sweep ...:{args.jobs_runs} (MIP, full pipeline, "
              f"median of {args.jobs_repeat}): --jobs 1 {j['median_wall_s'][1]:.2f} s, "
              f"--jobs 2 {j['median_wall_s'][2]:.2f} s, speed-up {j['speedup']:.2f}x; "
              + ", ".join(f"j{b['jobs']}: {b['wall_s']:.2f}s exit {b['exit']} "
                          f"{b['starts']}" for b in j["batches"]))
    result["load_end"] = os.getloadavg()
    print(f"\nload average: start {result['load_start'][0]:.2f}, end {result['load_end'][0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return result


def print_variant(name: str, r: dict) -> None:
    m, c, q = r["median_s"], r["median_cpu_s"], r["ratios"]
    print(f"\n[{name}] {r['runs']} runs; median per run over runs 2..{r['runs']} "
          f"(wall s / cpu s):")
    for p in PATHS:
        print(f"  {p:6s} {m[p]:.4f} / {c[p]:.4f}   (first run {r['first_run_s'][p]:.4f})")
    for p, st in r["median_stages_s"].items():
        print(f"  stages {p:5s}: " + ", ".join(f"{k} {v:.4f}" for k, v in st.items()))
    print("  summary row: " + ", ".join(f"{k} {v:.4f}" for k, v in r["summary_s"].items())
          + "; whole run (call + summary) wall / cpu: "
          + ", ".join(f"{k} {v:.4f} / {r['whole_run_cpu_s'][k]:.4f}"
                      for k, v in r["whole_run_s"].items()))
    print("  whole run / floor (wall): "
          + ", ".join(f"{k} {v:.2f}" for k, v in r["whole_run_ratios"].items())
          + "; (cpu): " + ", ".join(f"{k} {v:.2f}" for k, v in r["whole_run_ratios_cpu"].items()))
    print("  ratios (wall): " + ", ".join(f"{k} {v:.3f}" for k, v in q.items()))
    print("  ratios (cpu):  " + ", ".join(f"{k} {v:.3f}" for k, v in r["ratios_cpu"].items()))
    rs, rq = r["resolve_s"], r["resolve_ratios"]
    print("  re-solve (overrides -> values + shadow prices): "
          + ", ".join(f"{k} {v:.4f}" for k, v in rs.items())
          + "; " + ", ".join(f"{k} {v:.3f}" for k, v in rq.items()))
    pv, pq = r["resolve_values_only_s"], r["resolve_values_only_ratios"]
    print("  re-solve to values only: " + ", ".join(f"{k} {v:.4f}" for k, v in pv.items())
          + "; " + ", ".join(f"{k} {v:.3f}" for k, v in pq.items()))
    print(f"  warm kinds: {r['warm_kinds']}; live runs: {r['live_runs']}; "
          f"objective mismatches vs cold: {r['objective_mismatches'] or 'none'}")


if __name__ == "__main__":
    main()
