"""Per-stage benchmark of a solve against the floor: HiGHS alone on the identical model.

Usage::

    python benchmarks/run.py small medium                 # LP and MIP variants, 3 repeats
    python benchmarks/run.py large --variants lp --repeat 1
    python benchmarks/run.py small medium --write-docs    # + scale-out; rewrites docs/performance.md
    python benchmarks/run.py --write-docs                 # re-render the docs from saved results

For each preset and variant (``lp``: no candidate modules; ``mip``: with modules) it

1. writes the synthetic instance as a CSV folder (``optimizer.synthetic``);
2. runs the whole pipeline in a fresh subprocess, ``--repeat`` times: read, validate, build,
   compile (term arrays → HighsLp), handoff (passModel), solve, extract (values), duals (row
   duals + ranging; for a MIP the fixed-LP re-solve), tables, status_quo (the report's
   no-new-builds LP, MIP only), verify, write (``optimizer.output.write_run``), as
   ``supplyopt solve`` runs them (the HiGHS objects are released before writing; below
   500k columns the verification and the workbook are done by forked children alongside the
   ranging and the report); plus the peak resident memory (VmHWM), with the children's own
   pages added to the phase they ran in (an upper bound);
3. exports the model HiGHS received (``Highs.writeModel`` → MPS, once) and times HiGHS alone
   reading and solving it in a fresh subprocess with the same options: the *floor*;
4. prints medians and the ratios end-to-end / floor and peak memory / floor peak.

End-to-end is the wall time from the start of reading to the end of writing inside the worker
(interpreter start-up and imports are reported apart, as ``import``). The floor is HiGHS's
``run()``; its MPS read is reported apart. Results are saved as JSON under
``benchmarks/results/`` so that ``--write-docs`` can render every preset measured so far.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "performance.md"
# Workers import the package from a snapshot of a commit (SUPPLYOPT_CODE, see --code) so that
# edits in progress in a shared checkout cannot change or break a measurement half-way.
CODE = Path(os.environ.get("SUPPLYOPT_CODE") or ROOT)
sys.path.insert(0, str(CODE))

STAGES = ("read", "validate", "build", "compile", "handoff", "solve", "extract", "duals",
          "tables", "status_quo", "verify", "write")
IPM_FROM_VARIABLES = 500_000
"""LPs at least this large use HiGHS's interior point (``ipm``; crossover on) with
``--lp-algorithm auto``: on this structure it beat dual simplex ~6× at 1M variables (notes)."""

MARK = "BENCH_JSON "


# --------------------------------------------------------------------------------------------
# workers (each runs in its own fresh process)
# --------------------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM; ru_maxrss where /proc is absent), MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Restart VmHWM from the current resident set (Linux ``clear_refs`` 5).

    Elsewhere a no-op, which leaves the peak at least as high as it was.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def since_exec_s() -> float | None:
    """Wall time since this process was started (exec), seconds: interpreter start-up and
    imports included, what a user waits for; None where /proc is absent (10 ms resolution)."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def cpu_s() -> float:
    """CPU time of this process and its finished children so far, seconds.

    User + system, all threads; the children are the helpers `supplyopt solve` forks (the
    verifier, the workbook writer). Less sensitive than wall time to other work on a shared
    machine.
    """
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def worker_pipeline(instance: str, out_dir: str, lp_algorithm: str, mps: str | None,
                    profile: str | None) -> dict:
    """One full solve of ``instance``; per-stage times, counts and peak memory."""
    t_imp = time.perf_counter()
    from optimizer import forked
    from optimizer.api import load_instance, solve
    from optimizer.output import write_run
    from optimizer.solve import SolveOptions
    t_import = time.perf_counter() - t_imp
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    times: dict = {}
    cpu0 = cpu_s()
    t_start = time.perf_counter()
    inst = load_instance(instance, times)
    options = SolveOptions(lp_algorithm=lp_algorithm)
    # As `supplyopt solve` does it: the status-quo tables within the solve (a MIP's warm
    # re-solve of its solved fixed LP, timed apart as `status_quo`), then the solver objects
    # released before the outputs are written.
    run = solve(inst, options, times=times, parallel=True, defer_verification=True)
    run.outcome.highs = run.outcome.lp_highs = None
    peak_before_write = peak_rss_mb()
    reset_peak_rss()
    render: dict = {}
    t0 = time.perf_counter()
    write_run(run, out_dir, parallel=forked.worth_it(run.outcome.n_variables), stats=render)
    times["write"] = time.perf_counter() - t0
    end_to_end = time.perf_counter() - t_start
    cpu = cpu_s() - cpu0
    with_startup, cpu_with_startup = since_exec_s(), cpu_s()
    # Forked helpers share this process's pages: the verifier (from the ranging through the
    # writing of the tables) and the workbook's writer (during the rendering, after the
    # verifier ended). Bound: this process's peak in each phase plus the most pages a helper
    # alive in it held on its own (read when it finished).
    verify_mb = run.child_private_mb.get("verify") or 0.0
    peak = max(peak_before_write + verify_mb,
               peak_rss_mb() + max(verify_mb, render.get("child_private_mb") or 0.0))
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(json.dumps(profile_summary(profiler, end_to_end), indent=1))
    summary = run.summary()
    if mps:  # after the peak is read: the export holds a second copy of the model
        export_model(run.model_data, mps)
    return {"times_s": {k: float(v) for k, v in times.items()}, "end_to_end_s": end_to_end,
            "cpu_s": cpu, "with_startup_s": with_startup, "cpu_with_startup_s": cpu_with_startup,
            "warm_start": run.outcome.warm_start,
            "import_s": t_import, "peak_rss_mb": peak, "counts": summary["counts"],
            "child_private_mb": {"verify": run.child_private_mb.get("verify"),
                                 "render": render.get("child_private_mb")},
            "objective": summary["objective_usd"], "status": summary["status"],
            "gap": summary["gap"], "duals": summary["duals"]}


def export_model(md, mps: str) -> None:
    """Write the model HiGHS received as MPS: recompiled from the run's model data."""
    from optimizer.solve import SolveOptions, _new_highs, compile_arrays

    h = _new_highs(SolveOptions())
    h.passModel(compile_arrays(md).lp)
    h.writeModel(mps)


FLOOR_MIP_OFF = ("mip_heuristic_run_rins", "mip_heuristic_run_rens",
                 "mip_heuristic_run_root_reduced_cost", "mip_allow_restart")
"""``optimizer.highs_runtime.SUB_MIP_HEURISTICS`` and ``MIP_RESTART``, which the tool turns off,
written out here so that the floor's process imports nothing but highspy (its memory is the
memory floor); tests/test_highs_options.py checks the two are the same."""


def worker_floor(mps: str, lp_algorithm: str, mip: bool) -> dict:
    """HiGHS alone: read the MPS file and solve it, with the pipeline's options."""
    t0 = time.perf_counter()
    import highspy
    t_import = time.perf_counter() - t0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for name in FLOOR_MIP_OFF if mip else ():
        h.setOptionValue(name, False)
    if not mip and lp_algorithm == "parallel":  # as optimizer.solve.set_lp_algorithm does
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 2)
    elif not mip and lp_algorithm != "choose":
        h.setOptionValue("solver", lp_algorithm)
    t0 = time.perf_counter()
    h.readModel(mps)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    cpu0 = cpu_s()
    h.run()
    t_solve = time.perf_counter() - t0
    cpu = cpu_s() - cpu0
    info = h.getInfo()
    return {"read_s": t_read, "solve_s": t_solve, "cpu_s": cpu, "import_s": t_import,
            "peak_rss_mb": peak_rss_mb(), "objective": float(info.objective_function_value),
            "status": h.modelStatusToString(h.getModelStatus())}


def profile_summary(profiler, total: float, top: int = 25) -> dict:
    """Self time and inclusive time per function from a pyinstrument session."""
    root = profiler.last_session.root_frame()
    self_t: dict[str, float] = {}
    incl_t: dict[str, float] = {}

    def key(frame) -> str:
        path = frame.file_path_short or frame.file_path or ""
        return f"{frame.function} ({path}:{frame.line_no})"

    def walk(frame, on_stack: frozenset):
        k = key(frame)
        self_t[k] = self_t.get(k, 0.0) + frame.total_self_time
        if k not in on_stack:  # recursion: count a function's inclusive time once per stack
            incl_t[k] = incl_t.get(k, 0.0) + frame.time
        for child in frame.children:
            walk(child, on_stack | {k})

    walk(root, frozenset())
    total = root.time or total
    rank = lambda d: [(k, v, v / total) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]
    return {"tool": "pyinstrument (1 ms)", "total_s": total, "self": rank(self_t),
            "inclusive_optimizer": [r for r in rank({k: v for k, v in incl_t.items()
                                                     if "optimizer" in k})]}


def write_synthetic_for(spec, folder: Path) -> None:
    from optimizer.synthetic import write_synthetic

    write_synthetic(spec, folder)


def profile_run(inst_dir: Path, base: Path, alg: str) -> dict:
    """One extra pipeline run under a profiler: py-spy (sampling from outside the process, so
    the profiled run keeps its speed) if installed, else pyinstrument (in-process; inflates
    pure-Python code, so read its shares with care)."""
    import shutil

    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if Path(pyspy).exists():
        raw = base / "profile.pyspy.txt"
        cmd = [pyspy, "record", "--format", "raw", "--rate", "200", "--output", str(raw), "--",
               sys.executable, str(Path(__file__).resolve()), "_worker", "pipeline",
               str(inst_dir), str(base / "out-prof"), alg, "-", "-"]
        env = dict(os.environ, SUPPLYOPT_CODE=str(CODE))
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode == 0 and raw.exists():
            total = None
            for line in p.stdout.splitlines():
                if line.startswith(MARK):
                    total = json.loads(line[len(MARK):])["end_to_end_s"]
            return profile_from_collapsed(raw.read_text(), total)
    pfile = base / "profile.json"
    run_worker(["pipeline", str(inst_dir), str(base / "out-prof"), alg, "-", str(pfile)])
    return json.loads(pfile.read_text())


def profile_from_collapsed(text: str, end_to_end: float | None, top: int = 25) -> dict:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    import re

    self_n: dict[str, int] = {}
    incl_n: dict[str, int] = {}
    total = 0
    timed = ("load_instance (optimizer/api.py", "solve (optimizer/api.py",
             "write_run (optimizer/output.py", "status_quo_tables (optimizer/api.py")
    for line in text.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        n = int(n)
        # one entry per function: drop the line number py-spy gives each frame
        frames = [re.sub(r":\d+\)$", ")", f.strip()) for f in stack.split(";") if f.strip()]
        if not any(f.startswith(timed) for f in frames):
            continue  # interpreter start-up and imports: outside the timed stages
        total += n
        self_n[frames[-1]] = self_n.get(frames[-1], 0) + n
        for f in set(frames):
            incl_n[f] = incl_n.get(f, 0) + n
    scale = 1 / 200  # seconds per sample at --rate 200

    def rank(d, keep=lambda k: True):
        items = sorted(((k, v) for k, v in d.items() if keep(k)), key=lambda kv: -kv[1])[:top]
        return [(k, v * scale, v / total) for k, v in items]
    return {"tool": "py-spy, 200 samples/s from outside the process; shares of the samples "
                    "inside the timed stages", "total_s": end_to_end or 0.0,
            "sampled_s": total * scale, "samples": total, "self": rank(self_n),
            "inclusive_optimizer": rank(incl_n, lambda k: "optimizer/" in k)}


def worker_scaleout(preset: str, ns: list[int], modules: bool) -> dict:
    """Extensive form with N scenarios vs N separate one-scenario solves, for each N."""
    import tempfile
    from dataclasses import replace

    from optimizer.api import load_instance, solve
    from optimizer.solve import SolveOptions
    from optimizer.synthetic import preset as get_preset
    from optimizer.synthetic import write_synthetic

    rows = []
    opts = SolveOptions()
    warm = Path(tempfile.mkdtemp(prefix="scaleout-warmup-"))  # first-call imports, not counted
    write_synthetic(get_preset("tiny", **({} if modules else {"modules": 0})), warm)
    solve(load_instance(warm), opts, compare_status_quo=False)
    for n in ns:
        folder = Path(tempfile.mkdtemp(prefix=f"scaleout-{preset}-{n}-"))
        spec = get_preset(preset, scenarios=n, **({} if modules else {"modules": 0}))
        write_synthetic(spec, folder)
        inst = load_instance(folder)
        t = {}
        t0 = time.perf_counter()
        run = solve(inst, opts, times=t, compare_status_quo=False)
        ef = time.perf_counter() - t0
        sep, sep_solve = 0.0, 0.0
        for sc in inst.scenarios:
            one = replace(inst, scenarios=(replace(sc, probability=1.0),))
            ts = {}
            t0 = time.perf_counter()
            solve(one, opts, times=ts, compare_status_quo=False)
            sep += time.perf_counter() - t0
            sep_solve += ts.get("solve", 0.0)
        rows.append({"n": n, "variables": run.summary()["counts"]["variables"],
                     "nodes": run.summary()["counts"]["tree_nodes"], "ef_s": ef,
                     "ef_solve_s": t.get("solve", 0.0), "separate_s": sep,
                     "separate_solve_s": sep_solve})
    return {"preset": preset, "modules": modules, "rows": rows}


def snapshot(ref: str, workdir: Path, compile_modules: bool = True) -> tuple[Path, str]:
    """Export the ``optimizer`` package at git ``ref`` into ``workdir`` (the checkout and its
    uncommitted changes are not touched); return the folder and the commit id.

    ``compile_modules``: byte-compile the snapshot, as ``pip install`` and a user's first run
    leave the tool (:func:`child_timing.byte_compile`); without it, a snapshot not compiled
    before is measured compiling its modules in every worker."""
    sha = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    dest = workdir / f"code-{sha[:12]}"
    if not (dest / "optimizer" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha, "optimizer"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    if compile_modules:
        from child_timing import byte_compile  # benchmarks/ is on sys.path (see the end)

        byte_compile(dest / "optimizer")
    return dest, sha


def run_worker(args: list[str], timeout: float | None = None) -> dict:
    """Run ``run.py _worker ARGS`` in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", *args]
    t0 = time.perf_counter()
    env = dict(os.environ, SUPPLYOPT_CODE=str(CODE))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    wall = time.perf_counter() - t0
    for line in p.stdout.splitlines()[::-1]:
        if line.startswith(MARK):
            out = json.loads(line[len(MARK):])
            out["process_wall_s"] = wall
            return out
    raise RuntimeError(f"worker {' '.join(args)} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")


# --------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def choose_algorithm(requested: str, variant: str, n_vars: int | None) -> str:
    if requested != "auto":
        return requested
    if variant == "lp" and n_vars is not None and n_vars >= IPM_FROM_VARIABLES:
        return "ipm"
    return "choose"


def bench_one(preset: str, variant: str, repeat: int, requested_alg: str, workdir: Path,
              profile: bool, log=print) -> dict:
    """Measure one (preset, variant): generate, pipeline × repeat, export, floor × repeat."""
    from optimizer.synthetic import preset as get_preset
    from optimizer.synthetic import write_synthetic

    spec = get_preset(preset, **({"modules": 0} if variant == "lp" else {}))
    base = workdir / f"{preset}-{variant}"
    inst_dir = base / "instance"
    spec_file = base / "spec.json"
    t0 = time.perf_counter()
    if not (spec_file.exists() and json.loads(spec_file.read_text()) == asdict(spec)):
        base.mkdir(parents=True, exist_ok=True)
        write_synthetic(spec, inst_dir)
        spec_file.write_text(json.dumps(asdict(spec)))
    t_gen = time.perf_counter() - t0
    # The variable count decides the LP algorithm (auto); it is known after the first run, so
    # estimate it from the preset table recorded in earlier results, else run with 'choose'
    # unless the preset is large or bigger.
    guess = 10**6 if preset in ("large", "xlarge") else 0
    alg = choose_algorithm(requested_alg, variant, guess)
    mps = base / "model.mps"
    runs, floors = [], []
    # Pipeline and floor runs alternate, so both see the same load on a shared machine.
    for i in range(repeat):
        load = os.getloadavg()[0]
        out = run_worker(["pipeline", str(inst_dir), str(base / "out"), alg,
                          str(mps) if i == 0 else "-", "-"])
        out["load_before"] = load
        runs.append(out)
        log(f"  {preset}/{variant} pipeline #{i + 1}: {out['end_to_end_s']:.2f} s, "
            f"{out['peak_rss_mb']:.0f} MB, {out['counts']['variables']:,} variables "
            f"(load {load:.1f})")
        load = os.getloadavg()[0]
        fl = run_worker(["floor", str(mps), alg, "1" if variant == "mip" else "0"])
        fl["load_before"] = load
        floors.append(fl)
        log(f"  {preset}/{variant} floor #{i + 1}: read {fl['read_s']:.2f} s, solve "
            f"{fl['solve_s']:.2f} s, {fl['peak_rss_mb']:.0f} MB (load {load:.1f})")
    alt = par = None
    if variant == "lp" and alg == "choose":  # is another LP algorithm faster here? (one run)
        alt = run_worker(["floor", str(mps), "ipm", "0"])
        log(f"  {preset}/{variant} floor with ipm: solve {alt['solve_s']:.2f} s")
        # The parallel dual simplex needs a spare core: on a busy machine it measures the
        # other work (346 s against 39 s serial at load 6), so it is skipped there.
        load = os.getloadavg()[0]
        if load <= (os.cpu_count() or 1) - 1.5:
            par = run_worker(["floor", str(mps), "parallel", "0"])
            log(f"  {preset}/{variant} floor with the parallel dual simplex: solve "
                f"{par['solve_s']:.2f} s")
        else:
            log(f"  {preset}/{variant} floor with the parallel dual simplex: not timed "
                f"(load {load:.1f}, no spare core)")
    prof = None
    if profile:
        prof = profile_run(inst_dir, base, alg)
        prof["commit"] = CODE.name.replace("code-", "") if CODE != ROOT else "working tree"
    stage_keys = [s for s in STAGES if any(s in r["times_s"] for r in runs)]
    stage_keys += sorted({k for r in runs for k in r["times_s"]} - set(stage_keys))
    stages = {k: median([r["times_s"].get(k) for r in runs]) for k in stage_keys}
    e2e = median([r["end_to_end_s"] for r in runs])
    floor_solve = median([f["solve_s"] for f in floors])
    floor_read = median([f["read_s"] for f in floors])
    rss = median([r["peak_rss_mb"] for r in runs])
    floor_rss = median([f["peak_rss_mb"] for f in floors])
    obj, fobj = runs[0]["objective"], floors[0]["objective"]
    result = {
        "preset": preset, "variant": variant, "spec": asdict(spec), "lp_algorithm": alg,
        "repeat": repeat, "generate_s": t_gen, "counts": runs[0]["counts"],
        "stages_s": stages, "end_to_end_s": e2e, "import_s": median([r["import_s"] for r in runs]),
        "process_wall_s": median([r["process_wall_s"] for r in runs]),
        "peak_rss_mb": rss, "floor_solve_s": floor_solve, "floor_read_s": floor_read,
        "floor_peak_rss_mb": floor_rss, "ratio_time": e2e / floor_solve if floor_solve else None,
        "ratio_time_incl_read": e2e / (floor_solve + floor_read) if floor_solve else None,
        "ratio_memory": rss / floor_rss if floor_rss else None,
        "cpu_s": median([r.get("cpu_s") for r in runs]),
        "floor_cpu_s": median([f.get("cpu_s") for f in floors]),
        "ratio_cpu": (median([r.get("cpu_s") for r in runs]) / median([f.get("cpu_s") for f in floors]))
        if all(r.get("cpu_s") for r in runs + floors) else None,
        "solve_vs_floor": stages.get("solve", 0) / floor_solve if floor_solve else None,
        # What a user waits for: from the exec of the interpreter to the last file written.
        "with_startup_s": median([r.get("with_startup_s") for r in runs]),
        "ratio_time_with_startup": (median([r.get("with_startup_s") for r in runs]) / floor_solve)
        if floor_solve and all(r.get("with_startup_s") for r in runs) else None,
        "ratio_cpu_with_startup": (median([r.get("cpu_with_startup_s") for r in runs])
                                   / median([f.get("cpu_s") for f in floors]))
        if all(r.get("cpu_with_startup_s") for r in runs) and all(f.get("cpu_s") for f in floors)
        else None,
        "warm_starts": [r.get("warm_start") for r in runs],
        "objective": obj, "floor_objective": fobj,
        "objective_rel_diff": abs(obj - fobj) / max(1.0, abs(obj)) if obj is not None else None,
        "status": runs[0]["status"], "gap": runs[0]["gap"], "floor_status": floors[0]["status"],
        "all_runs_end_to_end_s": [r["end_to_end_s"] for r in runs],
        "all_floor_solve_s": [f["solve_s"] for f in floors],
        "all_runs_cpu_s": [r.get("cpu_s") for r in runs],
        "all_floor_cpu_s": [f.get("cpu_s") for f in floors],
        "load_avg": [r.get("load_before") for r in runs] + [f.get("load_before") for f in floors],
        "floor_ipm_solve_s": alt["solve_s"] if alt else None,
        "floor_parallel_solve_s": par["solve_s"] if par else None,
        "profile": prof, "machine": machine(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    return result


def machine() -> dict:
    """Machine and library versions for the record."""
    import numpy
    import pandas
    import pyomo

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    from optimizer.solve import highs_version

    hv = highs_version()
    from importlib.metadata import version

    return {"cpu": cpu, "cpus": os.cpu_count(), "memory": mem, "os": platform.platform(),
            "python": platform.python_version(), "highs": hv,
            "highspy": version("highspy"), "pyomo": pyomo.__version__,
            "pandas": pandas.__version__, "numpy": numpy.__version__}


def paired_ratios(r: dict) -> dict[str, list[float]]:
    """Each alternated pair's ratio (pipeline run i over floor run i), wall and CPU: how much
    the headline ratio (median over median) moves with the machine's noise. Empty for results
    saved before the per-run CPU times were."""
    pairs = {"wall": list(zip(r.get("all_runs_end_to_end_s") or [],
                              r.get("all_floor_solve_s") or [], strict=False)),
             "cpu": list(zip(r.get("all_runs_cpu_s") or [], r.get("all_floor_cpu_s") or [],
                             strict=False))}
    return {k: [a / b for a, b in v if a and b] for k, v in pairs.items()}


def _pairs_text(r: dict) -> str:
    """``paired_ratios`` as text: each pair's wall and CPU ratio and their medians; '' if none."""
    parts = []
    for kind, ratios in paired_ratios(r).items():
        if len(ratios) > 1:
            parts.append(f"{kind} " + ", ".join(f"{x:.2f}" for x in ratios)
                         + f" (median {statistics.median(ratios):.2f}×)")
    return "; ".join(parts)


def print_result(r: dict) -> None:
    print(f"\n{r['preset']} / {r['variant']}  ({r['counts']['variables']:,} variables, "
          f"{r['counts']['constraints']:,} rows, {r['counts']['integer_variables']} integer; "
          f"lp_algorithm={r['lp_algorithm']}; median of {r['repeat']})")
    for k, v in r["stages_s"].items():
        print(f"  {k:<11} {v:9.3f} s")
    print(f"  {'end-to-end':<11} {r['end_to_end_s']:9.3f} s   (imports {r['import_s']:.2f} s)")
    print(f"  floor: HiGHS read {r['floor_read_s']:.3f} s, solve {r['floor_solve_s']:.3f} s")
    print(f"  end-to-end / floor = {r['ratio_time']:.2f}x  (incl. floor's MPS read "
          f"{r['ratio_time_incl_read']:.2f}x); pipeline solve / floor solve "
          f"{r['solve_vs_floor']:.2f}x")
    if r.get("ratio_cpu"):
        print(f"  CPU time: pipeline {r['cpu_s']:.1f} s / floor {r['floor_cpu_s']:.1f} s = "
              f"{r['ratio_cpu']:.2f}x (less sensitive to other load)")
    if _pairs_text(r):
        print(f"  per alternated pair (pipeline run i / floor run i): {_pairs_text(r)}")
    if r.get("ratio_time_with_startup"):
        print(f"  with interpreter start-up and imports: {r['with_startup_s']:.2f} s = "
              f"{r['ratio_time_with_startup']:.2f}x the floor's solve; CPU "
              f"{_fmt(r.get('ratio_cpu_with_startup'))}x")
    if any(r.get("warm_starts") or ()):
        print(f"  fixed-LP / LP start per run: {r['warm_starts']}")
    print(f"  peak memory {r['peak_rss_mb']:.0f} MB / floor {r['floor_peak_rss_mb']:.0f} MB = "
          f"{r['ratio_memory']:.2f}x")
    print(f"  objective {r['objective']:.6g} vs floor {r['floor_objective']:.6g} "
          f"(rel. diff {r['objective_rel_diff']:.1e})")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        kind, rest = argv[1], argv[2:]
        if kind == "pipeline":
            instance, out_dir, alg, mps, prof = rest
            res = worker_pipeline(instance, out_dir, alg, None if mps == "-" else mps,
                                  None if prof == "-" else prof)
        elif kind == "floor":
            res = worker_floor(rest[0], rest[1], rest[2] == "1")
        elif kind == "scaleout":
            res = worker_scaleout(rest[0], [int(x) for x in rest[1].split(",")], rest[2] == "1")
        else:
            raise SystemExit(f"unknown worker {kind}")
        print(MARK + json.dumps(res))
        return
    ap = argparse.ArgumentParser(description="Per-stage benchmark against pure HiGHS.")
    ap.add_argument("presets", nargs="*", help="tiny, small, medium, large, xlarge")
    ap.add_argument("--variants", default="lp,mip", help="lp, mip or lp,mip [lp,mip]")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement [3]; medians")
    ap.add_argument("--lp-algorithm", default="auto",
                    help="auto (ipm for LPs ≥ 500k variables), choose, simplex or ipm")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/supplyopt-bench"))
    ap.add_argument("--profile", action="store_true",
                    help="one extra pipeline run under py-spy (pip install py-spy), else "
                         "pyinstrument")
    ap.add_argument("--scaleout", default=None, metavar="PRESET:N1,N2,...",
                    help="extensive form vs separate solves, e.g. small:1,2,4,8,16 "
                         "(default with --write-docs: small:1,2,4,8,16)")
    ap.add_argument("--write-docs", action="store_true", help=f"rewrite {DOCS.relative_to(ROOT)}")
    ap.add_argument("--no-save", action="store_true", help="do not save results as JSON")
    ap.add_argument("--profile-only", action="store_true",
                    help="only add a profile to the saved results of the presets given")
    ap.add_argument("--code", default="HEAD", metavar="REF",
                    help="git commit whose optimizer/ is measured [HEAD]; 'worktree' measures "
                         "the checkout as it is, uncommitted edits included")
    ap.add_argument("--no-byte-compile", action="store_true",
                    help="do not byte-compile the snapshot: without cached bytecode (and with "
                         "PYTHONDONTWRITEBYTECODE=1) each worker compiles the tool's modules")
    a = ap.parse_args(argv)
    global CODE
    commit = "working tree"
    if a.code != "worktree" and (a.presets or a.scaleout):
        try:
            CODE, sha = snapshot(a.code, a.workdir, compile_modules=not a.no_byte_compile)
        except (OSError, subprocess.CalledProcessError) as exc:  # no git, or not a checkout
            print(f"warning: cannot snapshot {a.code} ({exc}); measuring the working tree")
        else:
            commit = sha[:12]
            sys.path.insert(0, str(CODE))
            print(f"measuring optimizer/ at commit {commit} (snapshot in {CODE})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for preset in a.presets:
        for variant in a.variants.split(","):
            saved = RESULTS / f"{preset}-{variant}.json"
            if a.profile_only:  # add a profile to a saved result, without re-measuring
                from optimizer.synthetic import preset as get_preset

                r = json.loads(saved.read_text())
                base = a.workdir / f"{preset}-{variant}"
                if not (base / "instance").exists():
                    write_synthetic_for(get_preset(preset, **(
                        {"modules": 0} if variant == "lp" else {})), base / "instance")
                r["profile"] = profile_run(base / "instance", base, r["lp_algorithm"])
                r["profile"]["commit"] = commit
                saved.write_text(json.dumps(r, indent=1))
                print(f"profiled {preset} / {variant}: {r['profile'].get('tool')}")
                continue
            print(f"== {preset} / {variant}", flush=True)
            r = bench_one(preset, variant, a.repeat, a.lp_algorithm, a.workdir, a.profile)
            r["commit"] = commit
            print_result(r)
            if a.lp_algorithm != "auto":  # a comparison run: kept next to the default one
                r["variant"] = f"{variant} ({r['lp_algorithm']})"
            if not a.no_save:
                tag = "" if a.lp_algorithm == "auto" else f"-{a.lp_algorithm}"
                (RESULTS / f"{preset}-{variant}{tag}.json").write_text(json.dumps(r, indent=1))
    scaleout = a.scaleout or ("small:1,2,4,8,16" if a.write_docs and a.presets else None)
    if scaleout:
        preset, ns = scaleout.split(":")
        for modules in (False, True):
            print(f"== scale-out {preset} {'mip' if modules else 'lp'} N={ns}", flush=True)
            res = run_worker(["scaleout", preset, ns, "1" if modules else "0"])
            for row in res["rows"]:
                print(f"  N={row['n']:>3}: {row['variables']:>8,} vars, extensive form "
                      f"{row['ef_s']:.2f} s, {row['n']} separate solves {row['separate_s']:.2f} s")
            res["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            res["commit"] = commit
            if not a.no_save:
                (RESULTS / f"scaleout-{preset}-{'mip' if modules else 'lp'}.json").write_text(
                    json.dumps(res, indent=1))
    if a.write_docs:
        write_docs(RESULTS, DOCS)
        print(f"wrote {DOCS}")



# --------------------------------------------------------------------------------------------
# docs/performance.md
# --------------------------------------------------------------------------------------------

TARGETS = (
    # (label, preset, variant, key, limit)
    ("end-to-end / floor, medium", "medium", "lp", "ratio_time", 1.2),  # issue 15 target 4
    ("CPU time / floor's, medium", "medium", "lp", "ratio_cpu", 1.3),
    ("end-to-end / floor, large", "large", "lp", "ratio_time", 1.1),
    ("peak memory / floor peak, large", "large", "lp", "ratio_memory", 1.3),
    ("(shadow prices + tables) / solve, large", "large", "lp", "post_share", 0.05),
    ("end-to-end / floor, medium, shadow prices included", "medium", "mip", "ratio_time", 1.5),
    ("the same from the interpreter's exec", "medium", "mip", "ratio_time_with_startup", 1.5),
)
ORDER = ("tiny", "small", "medium", "large", "xlarge")


def _fmt(v, spec=".2f", unit=""):
    return "–" if v is None else f"{v:{spec}}{unit}"


def _post_share(r: dict) -> float | None:
    s = r["stages_s"]
    solve = s.get("solve")
    if not solve:
        return None
    return (s.get("extract", 0) + s.get("duals", 0) + s.get("tables", 0)) / solve


def _load_results(folder: Path) -> tuple[list[dict], list[dict]]:
    runs, scale = [], []
    for f in sorted(folder.glob("*.json")):
        d = json.loads(f.read_text())
        if f.name.startswith("scaleout-"):
            scale.append(d)
        elif isinstance(d, dict) and "preset" in d and "variant" in d:
            runs.append(d)  # other benchmarks keep their own results here too (adaptive.json)
    runs.sort(key=lambda r: (ORDER.index(r["preset"]) if r["preset"] in ORDER else 99,
                             r["variant"].split()[0], len(r["variant"])))
    return runs, scale


def _fit_power(xs, ys):
    """Least-squares fit y = a·x^b on log–log axes; returns (a, b)."""
    import math

    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return None, None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    b = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else 0.0
    return math.exp(my - b * mx), b


def render_docs(runs: list[dict], scale: list[dict]) -> str:
    """The text of docs/performance.md from saved results."""
    L: list[str] = []
    w = L.append
    newest = max((r["date"] for r in runs), default="–")
    # The newest run's machine and library versions (each result file records its own).
    m = max(runs, key=lambda r: r["date"])["machine"] if runs else machine()
    w("# Performance: each stage of a solve against HiGHS alone\n")
    w("<!-- Generated by `python benchmarks/run.py small medium --write-docs`; do not edit by hand:"
      " change benchmarks/run.py (render_docs) instead. -->\n")
    commits = sorted({r.get("commit", "?") for r in runs})
    w(f"Measured code: `optimizer/` at commit {', '.join(commits)} (a `git archive` snapshot, "
      "so edits in progress elsewhere in the checkout do not leak into a measurement).\n")
    w(f"Regenerate with `python benchmarks/run.py small medium --write-docs` (add `large` when "
      f"there is time: it takes tens of minutes). Last measured {newest} on {m['cpus']} × "
      f"{m['cpu']} with {m['memory']} ({m['os']}); Python {m['python']}, HiGHS {m['highs']} "
      f"(highspy {m['highspy']}), Pyomo {m['pyomo']}, pandas {m['pandas']}, numpy "
      f"{m['numpy']}. Times are medians of the runs listed; each run is a fresh process. These "
      "machines are noisy (and shared with other work while this was measured): read the ratios, "
      "not the seconds.\n")
    w("**Floor** = HiGHS alone (`highspy`, fresh process) solving the identical model: the "
      "HighsLp the pipeline passed to HiGHS, written once with `Highs.writeModel` as MPS, read "
      "back and solved with the same options. **End-to-end** = read → validate → build → compile "
      "→ hand-off → solve → values → shadow prices → tables → verify → write outputs, inside one "
      "process (imports and interpreter start-up are listed apart). Ratios are end-to-end ÷ the "
      "floor's `run()`; the floor's MPS read is shown apart.\n")

    by = {(r["preset"], r["variant"]): r for r in runs}
    w("## Targets (issues 5 and 15)\n")
    w("| target | limit | measured | met |")
    w("|---|---|---|---|")
    for label, preset, variant, key, limit in TARGETS:
        r = by.get((preset, variant))
        v = None if r is None else (_post_share(r) if key == "post_share" else r.get(key))
        shown = "not measured yet" if v is None else (
            f"{v * 100:.1f} %" if key == "post_share" else f"{v:.2f}×")
        lim = f"{limit * 100:.0f} %" if key == "post_share" else f"≤ {limit}×"
        met = "–" if v is None else ("yes" if v <= limit else "**no**")
        w(f"| {label} ({variant.upper()}) | {lim} | {shown} | {met} |")
    w("")

    w("## Summary\n")
    w("| preset / variant | variables | rows | integer | LP algorithm | end-to-end | floor solve "
      "(read) | **end-to-end / floor** | CPU time / floor's | with start-up: wall / CPU | "
      "peak memory | floor peak | **memory / floor** | runs | measured |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        c = r["counts"]
        w(f"| {r['preset']} / {r['variant']} | {c['variables']:,} | {c['constraints']:,} | "
          f"{c['integer_variables']:,} | {r['lp_algorithm']} | {r['end_to_end_s']:.2f} s | "
          f"{r['floor_solve_s']:.2f} s ({r['floor_read_s']:.2f} s) | "
          f"**{_fmt(r['ratio_time'])}×** | {_fmt(r.get('ratio_cpu'))}× | "
          f"{_fmt(r.get('ratio_time_with_startup'), unit='×')} / "
          f"{_fmt(r.get('ratio_cpu_with_startup'), unit='×')} | "
          f"{r['peak_rss_mb']:.0f} MB | "
          f"{r['floor_peak_rss_mb']:.0f} MB | **{_fmt(r['ratio_memory'])}×** | {r['repeat']} | "
          f"{r['date'][:10]} at {r.get('commit', '?')} |")
    w("")
    w("Objectives agree with the floor's to the relative difference shown per run in the "
      "result files (`benchmarks/results/*.json`, key `objective_rel_diff`); for MIPs both stop "
      "at HiGHS's default relative gap 1e-4, so they may differ by up to that.\n")

    w("## Stages (median seconds, and share of end-to-end)\n")
    stages = [s for s in STAGES if any(s in r["stages_s"] for r in runs)]
    w("| stage | " + " | ".join(f"{r['preset']} / {r['variant']}" for r in runs) + " |")
    w("|---|" + "---|" * len(runs))
    for s in stages:
        cells = []
        for r in runs:
            v = r["stages_s"].get(s)
            cells.append("–" if v is None else f"{v:.3f} ({v / r['end_to_end_s'] * 100:.0f} %)")
        w(f"| {s} | " + " | ".join(cells) + " |")
    w("| **end-to-end** | " + " | ".join(f"**{r['end_to_end_s']:.3f}**" for r in runs) + " |")
    w("| imports (apart) | " + " | ".join(f"{r['import_s']:.2f}" for r in runs) + " |")
    w("| floor: HiGHS solve | " + " | ".join(f"{r['floor_solve_s']:.3f}" for r in runs) + " |")
    w("| (values + shadow prices + tables) / solve | " + " | ".join(
        _fmt(_post_share(r) and _post_share(r) * 100, ".1f", " %") for r in runs) + " |")
    w("")
    w("Stage meanings: *compile* turns the families' term arrays into one column-wise HighsLp; "
      "*handoff* is `Highs.passModel`; *solve* is `Highs.run()`; *extract* scatters column and "
      "row values back to the families; *duals* fetches row duals and ranging (after `ipm`, a "
      "0-iteration simplex run to get a basis; for a MIP, the re-solve of the LP with builds "
      "fixed: `times_s['duals']`); *status_quo* (MIP only) is the report's no-new-builds LP; "
      "*write* is `optimizer.output.write_run` (CSV tables, summary, results.xlsx, report). "
      "Below 500k columns *verify* runs in a forked child from the ranging part of *duals* "
      "through the CSV tables of *write* (as `supplyopt solve` does it, since 2026-12-08; its "
      "figure is the child's own time, so the stages add up to more than end-to-end) and "
      "results.xlsx is written by a forked child during *write*; CPU time includes the "
      "children, and peak memory adds each child's private pages to the parent's peak of "
      "each phase it ran in (an upper bound).\n")

    w(_findings(by))
    prof = next((r for r in runs if r.get("profile") and r["preset"] == "medium"), None) or \
        next((r for r in runs if r.get("profile")), None)
    if prof:
        p = prof["profile"]
        w(f"## Profile: {prof['preset']} / {prof['variant']} ({p.get('tool', 'pyinstrument')}; "
          f"a separate run of {p['total_s']:.1f} s end-to-end; seconds = share × that)\n")
        w(f"Profiled code: commit {p.get('commit', '?')}. Functions by **self time** (time in "
          "the function's own code; py-spy samples Python frames only, so HiGHS's C++ `run()` "
          "is counted as self time of the Python function that calls it, `solve_compiled`):\n")
        w("| function (file) | self time | share |")
        w("|---|---|---|")
        for k, v, share in p["self"][:15]:
            w(f"| `{k}` | {v:.2f} s | {share * 100:.1f} % |")
        w("\nFunctions of `optimizer/` by **inclusive time**:\n")
        w("| function (file) | inclusive | share |")
        w("|---|---|---|")
        for k, v, share in p["inclusive_optimizer"][:20]:
            w(f"| `{k}` | {v:.2f} s | {share * 100:.1f} % |")
        w("")

    w("## Presets\n")
    w("`optimizer.synthetic.PRESETS`, written by `supplyopt generate --preset NAME OUT` or "
      "`python benchmarks/generate.py NAME OUT [--lp]`. The LP variant sets `modules=0`.\n")
    w("| preset | mines | plants | modules | demands | elements | periods | scenarios | arc density "
      "| variables (LP, measured) | variables (MIP, measured) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    from optimizer.synthetic import PRESETS

    for name, spec in PRESETS.items():
        lp = by.get((name, "lp"))
        mip = by.get((name, "mip"))
        known = {"xlarge": "≈ 3.0M (from the index frames; not solved here or in CI)",
                 "large": "≈ 0.95M (from the index frames)"}
        lp_n = f"{lp['counts']['variables']:,}" if lp else known.get(name, "–")
        mip_n = f"{mip['counts']['variables']:,}" if mip else "–"
        w(f"| {name} | {spec.mines} | {spec.plants} | {spec.modules} | {spec.demands} | "
          f"{spec.elements} | {spec.periods} | {spec.scenarios} | {spec.arc_density} | "
          f"{lp_n} | {mip_n} |")
    w("")

    w("## Scale beyond one machine\n")
    w("**Batch runs (many independent scenario runs).** `supplyopt batch` (optimizer/batch/, "
      "being built) runs each batch row as its own solve: rows are independent, so they spread "
      "over processes or, with the `cluster` extra, over a Dask cluster. What we measured and "
      "what the design follows from (see `/work/shared/context/performance-notes.md`): send "
      "data or a seed to workers and build there (Pyomo models with lambda rules and "
      "`highspy.Highs` objects do not pickle); keep one built model per worker (a per-process "
      "cache or a Dask WorkerPlugin/Actor) so that a run which only changes right-hand sides is "
      "a warm re-solve (≈ 6–10× cheaper than rebuilding at 100k variables); run HiGHS with "
      "`threads=1` per worker; Dask's per-task overhead (≈ 1.5 ms with `map`, ≈ 11 ms "
      "submit-and-wait) is negligible next to a solve above ~10k variables, but for thousands of "
      "tiny runs a local process pool is faster; bind the Dask dashboard to 127.0.0.1 or turn it "
      "off. Throughput then scales with workers until memory: at large, budget the pipeline's "
      "peak (table above) per worker.\n")
    w("**One stochastic program with many scenarios.** The scenarios of one instance are solved "
      "together as an extensive form (one copy of each per-period decision per scenario-tree "
      "node; builds shared). The alternative is decomposition (progressive hedging and the "
      "like), which solves N one-scenario problems per iteration, in parallel. Measured here on "
      "the `small` preset with N scenarios (each cuts one big exporter from a different "
      "period): the extensive form vs N separate one-scenario solves (the work of *one* "
      "decomposition iteration, run serially). Times are whole `optimizer.api.solve` calls "
      "(build to tables).\n")
    for sc in sorted(scale, key=lambda s: s["modules"]):
        kind = "MIP (with modules)" if sc["modules"] else "LP (no modules)"
        w(f"*{sc['preset']}, {kind}, measured {sc['date']}:*\n")
        w("| N | variables | tree nodes | extensive form | of which HiGHS | N separate solves | "
          "of which HiGHS | EF / separate |")
        w("|---|---|---|---|---|---|---|---|")
        for row in sc["rows"]:
            w(f"| {row['n']} | {row['variables']:,} | {row['nodes']} | {row['ef_s']:.2f} s | "
              f"{row['ef_solve_s']:.2f} s | {row['separate_s']:.2f} s | "
              f"{row['separate_solve_s']:.2f} s | {row['ef_s'] / row['separate_s']:.2f} |")
        rows2 = [r for r in sc["rows"] if r["n"] > 1]  # N = 1 has no branching: fit from 2
        ns2 = [r["n"] for r in rows2]
        a_ef, b_ef = _fit_power(ns2, [r["ef_s"] for r in rows2])
        a_sep, b_sep = _fit_power(ns2, [r["separate_s"] / r["n"] for r in rows2])
        h_ef, hb_ef = _fit_power(ns2, [r["ef_solve_s"] for r in rows2])
        h_sep, hb_sep = _fit_power(ns2, [r["separate_solve_s"] / r["n"] for r in rows2])
        if a_ef and h_ef:
            w(f"\nFits (N ≥ 2): whole extensive-form run ≈ {a_ef:.2f} s · N^{b_ef:.2f}, "
              f"its HiGHS solve ≈ {h_ef:.3f} s · N^{hb_ef:.2f}; one separate run ≈ "
              f"{a_sep:.2f} s · N^{b_sep:.2f}, its HiGHS solve ≈ {h_sep:.3f} s · N^{hb_sep:.2f}. "
              "Most of a small run is fixed cost (build, tables, verify, imports), which the "
              "extensive form pays once and separate runs pay N times.")
            w(_crossover_text(h_ef, hb_ef, h_sep, hb_sep))
        w("")
    if not scale:
        w("(not measured yet: run with `--write-docs` and presets, or `--scaleout small:1,2,4,8`)\n")

    w("## Reproduce\n")
    w("```bash\n. .venv/bin/activate\npip install py-spy              # only for --profile (or pyinstrument)\n"
      "python benchmarks/run.py small medium --profile --write-docs\n"
      "python benchmarks/run.py large --variants lp --repeat 1 --write-docs   # tens of minutes\n"
      "```\n")
    w("Options: `--repeat N` (medians), `--variants lp,mip`, `--lp-algorithm auto|choose|"
      "simplex|ipm` (auto = `ipm` for LPs of ≥ 500k variables; the floor always uses the same "
      "setting), `--workdir` (instances, MPS files and outputs; default /tmp/supplyopt-bench).\n")
    return "\n".join(L) + "\n"


def _findings(by: dict) -> str:
    """What the measurements say, with the numbers taken from the saved results."""
    out = ["## Findings\n"]
    for key in (("medium", "lp"), ("medium", "mip"), ("large", "lp")):
        r = by.get(key)
        if r is None:
            continue
        s = r["stages_s"]
        e2e = r["end_to_end_s"]
        post = sum(s.get(k, 0) for k in ("extract", "duals", "tables"))
        without_write = e2e - s.get("write", 0)
        overhead = {k: v for k, v in s.items() if k not in ("solve",)}
        worst = sorted(overhead.items(), key=lambda kv: -kv[1])[:3]
        out.append(
            f"- **{key[0]} / {key[1]}**: end-to-end {r['ratio_time']:.2f}× the floor; without the "
            f"*write* stage {without_write / r['floor_solve_s']:.2f}×. HiGHS's own solve inside "
            f"the pipeline takes {r['solve_vs_floor']:.2f}× the floor's"
            + (" (same model, same options: the hand-off costs nothing measurable)"
               if 0.8 <= r["solve_vs_floor"] <= 1.2 else
               " — on the same model with the same options, so the difference is other load on "
               "the shared machine during one of the runs, not the pipeline; compare CPU times")
            + ". Largest stages besides the solve: "
            + ", ".join(f"{k} {v:.2f} s ({v / e2e * 100:.0f} %)" for k, v in worst)
            + f". Values, shadow prices (incl. ranging{', fixed-LP re-solve' if key[1] == 'mip' else ''}) "
            f"and tables together: {post:.2f} s ({post / s['solve'] * 100:.1f} % of the solve). "
            f"Peak memory {r['ratio_memory']:.2f}× the floor's."
            + (f" Each alternated pair's own ratio (pipeline run over floor run; the headline "
               f"is the median run over the median floor): {_pairs_text(r)}."
               if _pairs_text(r) else ""))
    med = by.get(("medium", "lp"))
    if med:
        w_s = med["stages_s"].get("write", 0.0)
        out.append(
            "- **Writing the outputs, and what pays for it at medium.** `write` takes "
            f"{w_s:.2f} s at medium; without it the pipeline runs at "
            f"{(med['end_to_end_s'] - w_s) / med['floor_solve_s']:.2f}× the floor. Profiled "
            "and changed, in order: results.xlsx is written with XlsxWriter column by column "
            "with one shared format per look (5.9 s → 2.3 s; openpyxl's per-cell styling and "
            "XML writing were 70 % of it); the HTML report builds price sentences only for the "
            "rows it shows and computes the views it shares with the workbook once "
            "(1.4 s → 0.5 s). XlsxWriter costs about 5 µs a cell whatever the mode "
            "(`constant_memory` measured no faster), so the workbook now holds what people "
            "read and the CSV files hold everything: a long shadow-price sheet keeps the 1,000 "
            "binding rows with the largest absolute price, long unmet-demand and stock sheets "
            "their positive rows, and the contents sheet and a note under each such table say "
            "how many of how many (414k → 180k cells at medium; workbook 2.0 s → 0.8 s). "
            "Then below 500k columns `supplyopt solve` uses the second core "
            "(`optimizer/forked.py`): a forked child writes results.xlsx while the parent "
            "writes report.html, and another verifies the plan while HiGHS ranges the "
            "right-hand sides (`getRanging` holds the GIL for its 0.45 s: a Python thread made "
            "no progress meanwhile, measured, so only a process overlaps it). Each child "
            "reports its error or its verdict back through a pipe, and `solve(parallel=True)` "
            "is tested to give the same tables and verdict as doing the work in turn. "
            "report.html's trade map (about 1,000 one-line traces at medium) and Sankeys are "
            "built as plain trace dicts with the layout from plotly "
            "(`optimizer/report/plain_figure.py`; each is tested to equal the figure plotly "
            "checks, and the medium page is byte-identical), their country pairs and legs come "
            "from one grouping per run instead of one per element and scenario, the "
            "shadow-price rows' keys are read column by column, and the executive summary "
            "both files show is computed before the workbook's fork (report.html 1.03–1.12 → "
            "0.59 CPU s, both files with the workbook's child 2.5–2.7 → 1.9–2.0 CPU s, "
            "alternated on the same loaded machine); the verifier prices the objective's rows "
            "once for the objective and every scenario's cost (0.40 → 0.32 CPU s, same "
            "figures to the bit). Then: results.xlsx's table sheets hand each column to "
            "XlsxWriter whole and write its cells' XML in bulk "
            "(`optimizer/report/excel_columns.py`; the same file byte for byte as cell-by-cell "
            "writing, tested; the medium workbook 0.96 → 0.36 CPU s, so report.html is now the "
            "longer half of the write); writing pauses Python's cyclic collector (263 young and "
            "2 full collections, 0.26 CPU s, for about 1 MB of cyclic garbage); a CSV text "
            "column is neutralised or restored cell by cell only when one of its distinct "
            "values needs it (tables 0.24 → 0.18 CPU s, reading them back 0.12 → 0.07); and "
            "while HiGHS solves an LP, threads on the idle core scan the numerics (0.1 s) and "
            "do the first-use work of what follows (imports, plotly's default template: about "
            "0.25 s in any run). Last, "
            "HiGHS's interrupt callbacks, which call into Python at every check of the simplex "
            "loop, are switched on only when Ctrl-C arrives: 3–5 % of the medium solve "
            "(8.80 / 9.16 s without, 9.24 / 9.41 s with, same MPS, alternated). And HiGHS ran "
            "2–4 % slower inside the pipeline than alone because fixing glibc's mmap threshold "
            "(for memory at large, below) also froze its trim threshold at 128 KiB, so the heap "
            "was shrunk and regrown all through the simplex (4.5× the page faults); the trim "
            "threshold is now set to 8 MiB as well, and the pipeline's solve matches the "
            "floor's. "
            "`supplyopt solve --no-report` skips both files; `supplyopt report RUN_DIR` renders "
            "them later.")
    big = by.get(("large", "lp"))
    if big:
        out.append(
            f"- **Memory at large: {big['peak_rss_mb'] / 1024:.2f} GB against the floor's "
            f"{big['floor_peak_rss_mb'] / 1024:.2f} GB ({big['ratio_memory']:.2f}×).** Where "
            "it goes, measured separately on the same instance at stage boundaries (VmHWM reset "
            "at each; commit a6aaf0b): 0.37 GB resident when HiGHS receives the model "
            "(interpreter and libraries 0.08 GB, then the index frames, the HighsLp and its "
            "column maps); 1.02 GB at the peak of the interior-point solve; 1.18 GB, the "
            "process's peak, in `getRanging` for the right-hand-side ranges after it (+0.31 GB: "
            "HiGHS ranges every column as well as every row, and hands the whole result to "
            "Python); 0.87 GB while writing, with the solver released. It was 1.58 GB (1.77×) "
            "at commit 34e6999. What brought it down: the families' term arrays (0.15 GB) are "
            "released once HiGHS has the matrix (`ModelData.release_families`; a recompile "
            "rebuilds them); the four text columns of the index frames that pandas 3 gives its "
            "`str` dtype (a Python object per cell) are categoricals like the others; glibc's "
            "mmap threshold is fixed at 1 MiB (`solve.return_large_frees_to_os`: glibc raises "
            "it as big blocks are freed, so later arrays of a few MB came from the heap, whose "
            "freed space stayed resident: 0.15 GB at the peak, measured with and without; its "
            "trim threshold is set to 8 MiB with it, see the medium finding); and "
            "the HiGHS objects are released before writing, as `supplyopt solve` does. Left "
            "as they are: the HighsLp kept in `CompiledModel.lp` (about 0.08 GB, a copy of what "
            "HiGHS holds, read again by the shadow prices, the status quo and diagnosis) and "
            "the column half of the ranging, which nothing reads but HiGHS computes anyway.")
    alg = [(k, r) for k, r in by.items() if r.get("floor_ipm_solve_s")]
    if alg:
        out.append("- **LP algorithm.** Floor with HiGHS's default (`choose`: dual simplex) vs "
                   "the interior point (`ipm`, crossover on), same MPS file: " + "; ".join(
                       f"{k[0]}: {r['floor_solve_s']:.1f} s vs {r['floor_ipm_solve_s']:.1f} s"
                       for k, r in alg) + f". So `auto` keeps `choose` below "
                   f"{IPM_FROM_VARIABLES:,} variables and uses `ipm` above (the notes measured "
                   "78 s vs 447 s at 1M variables on this structure). HiGHS's parallel dual "
                   "simplex (`--lp-algorithm parallel`, PAMI), same file, same iterations: "
                   + "; ".join(f"{k[0]}: {r['floor_parallel_solve_s']:.1f} s"
                               for k, r in alg if r.get("floor_parallel_solve_s"))
                   + ". It is not the default, since it needs a spare core (a batch's workers "
                   "run one thread each), and the targets above compare like with like: the "
                   "floor always runs with the pipeline's options.")
    mip = by.get(("medium", "mip"))
    if mip:
        st = mip["stages_s"]
        starts = ", ".join(str(k) for k in mip.get("warm_starts") or ["not recorded"])
        out.append(
            f"- **A MIP's shadow prices: the fixed LP starts from the LP relaxation's basis.** "
            "A MIP has no duals, so the LP with the builds fixed at the MIP's counts is solved "
            "after it. From nothing that LP costs as much as the MIP: on the medium model "
            "(HiGHS 1.16) 47,179 simplex iterations, against 52,186 for the MIP, which HiGHS "
            "closes at its root node. What HiGHS offers after a MIP gives no better start "
            "(iterations of the fixed LP, same model): `setSolution` with the MIP's point, from "
            "which HiGHS forms a basis (`basisForSolution`), 52,274 (the point is degenerate: "
            "9,834 of 17,941 basic positions lie strictly between bounds and the rest is filled "
            "arbitrarily); `crossover` from that point stops at once, then 59,810; presolve off "
            "50,237; the primal simplex (slack basis, presolve off) 134,751; HiGHS keeps no root "
            "basis a caller can read and has no option that solves the fixed LP for duals. The "
            "LP relaxation's basis does help: the fixed LP differs from it only in the bounds of "
            "the build columns, so the dual simplex re-solves from it in about 900–2,200 "
            "iterations (2.2 s of CPU instead of 12.7 s, same loaded machine). The relaxation "
            "itself costs a cold solve (45,062 iterations), so it pays only on a second core: "
            "with `solve(parallel=True)`, as `supplyopt solve` runs below 500k columns, a forked "
            "child solves it while the parent solves the MIP, and the fixed LP starts from its "
            "basis (`optimizer/solve_fixed_lp.py`; the run's `warm_start` says "
            f"`relaxation_basis`; in these runs: {starts}). "
            f"`duals` is now {st.get('duals', 0):.1f} s, "
            f"{st.get('duals', 0) / st['solve']:.2f}× the MIP solve, on a model with "
            f"{mip['counts']['integer_variables']} build columns (it was 9.8 s, 1.8×, at b788a65, "
            "whose formulation had 98 build columns and a 5.5 s MIP: the two are not like for "
            "like). "
            "The CPU time does not fall (the child's relaxation costs about the cold solve it "
            "replaces); the wall time falls only where a core is free: HiGHS's MIP itself runs "
            "up to two worker threads, so on a loaded 2-core machine the child competes with it "
            f"(the run shown: pipeline MIP {mip.get('solve_vs_floor') or 0:.2f}× the floor's wall "
            f"time, load averages {min(x for x in mip.get('load_avg') or [0] if x):.0f}–"
            f"{max(mip.get('load_avg') or [0]):.0f} from other work, while the whole run's CPU "
            f"time, the child's included, was {mip.get('ratio_cpu') or 0:.2f}× the floor's). A batch's workers (one core each) solve the fixed LP from "
            "the previous run's fixed-LP basis, as before. The report's status-quo LP reuses "
            "the solved fixed LP: only the bounds of the build columns change "
            "(`solve.resolve_builds`), so it re-solves from the optimal basis "
            f"(`status_quo`, {st.get('status_quo', 0):.2f} s, down from 21.6 s when it was a "
            "cold solve).")
    out.append(
        "- **`compile` at small sizes is an import, not work.** `compile_arrays` imports "
        "`scipy.sparse`; once `pyomo.environ` has been imported, Pyomo's deferred-import hook "
        "(`pyomo/common/dependencies.py::_finalize_scipy`) then imports `scipy.stats`, whose "
        "docstring processing (`scipy/_lib/_docscrape.py`) costs 1–3 s. Measured in a fresh "
        "interpreter: `import scipy.sparse` 0.35–0.45 s alone, 3.4 s after `import "
        "pyomo.environ`. Fixed: the HiGHS path no longer imports Pyomo at all (it is imported "
        "only where a Pyomo model is built: `build_model(..., pyomo=True)`, other solvers, "
        "`export-model`), so `compile` is now 0.1–0.2 s.")
    return "\n".join(out) + "\n"


def _crossover_text(a_ef, b_ef, a_sep, b_sep, workers=(1, 8, 64), iters=30) -> str:
    """Where ``iters`` decomposition iterations of N one-scenario solves on W workers (at most N
    of them busy) would beat the extensive form, on the fitted power laws."""
    parts = []
    for W in workers:
        n_star = None
        n = 2.0
        while n < 1e7:
            ef = a_ef * n ** b_ef
            ph = iters * n * a_sep * n ** b_sep / min(W, n)
            if ph < ef:
                n_star = n
                break
            n *= 1.05
        parts.append(f"W = {W}: " + (f"N ≈ {n_star:,.0f}" if n_star else "not below 10⁷"))
    return (f"On HiGHS time alone (the case most favourable to decomposition: persistent "
            f"subproblem models, no per-run overhead), and assuming it needs ≈ {iters} iterations "
            "(progressive hedging on this kind of model took tens; see the notes: 300 scenarios "
            "by PH took 52 s where the extensive form of 3,000 took 23 s) on W workers (at most N "
            "busy) with no communication cost, decomposition would beat the extensive form from: "
            + "; ".join(parts) + ". These fits come from a handful of noisy points on a loaded "
            "machine: read them as orders of magnitude. Below the crossover keep the extensive "
            "form and spend extra machines on independent batch runs instead.")


KEPT_BELOW = ("<!-- Sections below this line are written by hand (other benchmarks) and kept "
              "when the file is regenerated. -->")


def write_docs(results: Path, docs: Path) -> None:
    """Render docs/performance.md from every result saved under ``results``.

    Whatever follows the :data:`KEPT_BELOW` line in the existing file (sections other
    benchmarks write by hand) is kept after the regenerated text.
    """
    runs, scale = _load_results(results)
    docs.parent.mkdir(parents=True, exist_ok=True)
    kept = ""
    if docs.exists():
        old = docs.read_text(encoding="utf-8")
        if KEPT_BELOW in old:
            kept = old.split(KEPT_BELOW, 1)[1]
    docs.write_text(render_docs(runs, scale) + "\n" + KEPT_BELOW + (kept or "\n"),
                    encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
