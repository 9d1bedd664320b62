"""Risk–cost frontier: ``supplyopt frontier`` against one cold ``supplyopt solve`` per point.

Side by side in one run, each in a fresh process (interpreter start-up included):

* **frontier**: ``supplyopt frontier INSTANCE --points N`` (one live model; points settled by
  their neighbours' plans are not solved: optimizer/frontier.py);
* **every point**: the same with ``--every-point`` (every λ solved on the live model, the MIP
  starting from the previous plan): what the live model alone is worth;
* **cold**: N separate ``supplyopt solve INSTANCE --risk-weight λ --cvar-alpha α --no-report``
  runs, one per point: what a user would do without the command.

Wall time and CPU time (user + system of the child and its children, e.g. solve's forked
relaxation; less distorted than wall time on a shared machine) are printed with their ratios
to the cold runs, and each point's objective is compared with its cold solve (they agree
within the MIP gap: both are gap-bounded optima).

    python benchmarks/frontier.py [INSTANCE] [--points 11] [--no-every-point]
        [--out benchmarks/results/frontier.json]
    python benchmarks/frontier.py [INSTANCE] --mip-start-probe

``--mip-start-probe`` measures the MIP start alone, in this process with HiGHS on one thread:
the model with the CVaR columns, re-priced for each λ, solved cold and then started from the
previous λ's solution (``setSolution``), alternating; it prints both times and checks that
objective, bound and gap agree.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from child_timing import byte_compile, timed  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "optimizer"]


def _frontier(instance: Path, out: Path, points: int, gap: float, every: bool) -> dict:
    cmd = EXE + ["frontier", str(instance), "--points", str(points), "--mip-gap", str(gap),
                 "--out", str(out), "-q"] + (["--every-point"] if every else [])
    wall, cpu, _ = timed(cmd)
    data = json.loads((out / "frontier.json").read_text(encoding="utf-8"))
    return {"wall_s": wall, "cpu_s": cpu, "counts": data["counts"],
            "objectives": {p["risk_weight"]: p["objective_usd"] for p in data["points"]},
            "points": data["points"]}


def _cold(instance: Path, work: Path, lams: list[float], alpha: float, gap: float) -> dict:
    wall = cpu = 0.0
    objectives, walls = {}, {}
    for lam in lams:
        out = work / f"cold-{lam:g}"
        w, c, _ = timed(EXE + ["solve", str(instance), "--risk-weight", str(lam),
                                "--cvar-alpha", str(alpha), "--mip-gap", str(gap),
                                "--no-report", "-q", "--out", str(out)])
        wall, cpu = wall + w, cpu + c
        walls[lam] = w
        objectives[lam] = json.loads((out / "summary.json").read_text())["objective_usd"]
        print(f"  cold λ {lam:g}: {w:.1f} s wall, {c:.1f} s CPU", flush=True)
    return {"wall_s": wall, "cpu_s": cpu, "objectives": objectives, "walls": walls}


def probe_mip_start(instance: Path, points: int, gap: float) -> None:
    """Cold against started-from-the-previous-solution MIP solves of each λ (module doc)."""
    import highspy
    import numpy as np

    from optimizer.api import load_instance
    from optimizer.formulation import build_model
    from optimizer.formulation.objective import objective_coefficients
    from optimizer.formulation.risk import risk_objective
    from optimizer.formulation.rows import VAR_ORDER
    from optimizer.risk_settings import risk_settings, with_risk
    from optimizer.solve import SolveOptions, _new_highs, compile_arrays, run_highs

    inst = load_instance(instance)
    alpha = risk_settings(inst)[1]
    _, md = build_model(with_risk(inst, 0.5), pyomo=False)
    lp = compile_arrays(md).lp
    raw = objective_coefficients(md)
    options = SolveOptions(mip_rel_gap=gap, threads=1)
    total = {"cold": 0.0, "start": 0.0}
    prev = None
    for lam in [round(i / (points - 1), 12) for i in range(points)]:
        md.risk = (lam, alpha)
        cost = np.concatenate([np.asarray(c, float) for c in
                               (risk_objective(md, raw)[v] for v in VAR_ORDER)])
        got = {}
        for mode in ("cold", "start") if prev is not None else ("cold",):
            h = _new_highs(options)
            h.passModel(lp)
            h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
            if mode == "start":
                sol = highspy.HighsSolution()
                sol.col_value = prev.tolist()
                sol.value_valid = True
                h.setSolution(sol)
            t0 = time.perf_counter()
            run_highs(h)
            info = h.getInfo()
            got[mode] = (time.perf_counter() - t0, info.objective_function_value,
                         info.mip_dual_bound, info.mip_gap)
            if mode == "cold" or prev is None:
                x = np.asarray(h.getSolution().col_value)
        line = f"λ {lam:<4g} " + "  ".join(f"{m} {t:6.2f} s obj {o:,.1f} bound {b:,.1f}"
                                           for m, (t, o, b, _) in got.items())
        if "start" in got:
            total["cold"] += got["cold"][0]
            total["start"] += got["start"][0]
            same = got["start"][1:] == got["cold"][1:]
            line += f"  ratio {got['start'][0] / got['cold'][0]:.2f}  same: {same}"
        print(line, flush=True)
        prev = x
    print(f"total (λ > 0): cold {total['cold']:.1f} s, started {total['start']:.1f} s")


def main(argv=None) -> None:
    """Measure the three ways side by side and print the ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", nargs="?", default="instances/ree_baseline_10q.xlsx")
    ap.add_argument("--points", type=int, default=11)
    ap.add_argument("--mip-gap", type=float, default=1e-4)
    ap.add_argument("--no-every-point", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--mip-start-probe", action="store_true")
    args = ap.parse_args(argv)
    byte_compile()  # as pip install and a user's first run leave the tool (child_timing)
    instance = (ROOT / args.instance).resolve()
    if args.mip_start_probe:
        probe_mip_start(instance, args.points, args.mip_gap)
        return
    from optimizer.api import load_instance
    from optimizer.risk_settings import risk_settings

    alpha = risk_settings(load_instance(instance))[1]
    lams = [round(i / (args.points - 1), 12) for i in range(args.points)]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with open("/proc/loadavg") as fh:
        load_before = fh.read().split()[:3]
    res = {"instance": args.instance, "points": args.points, "cvar_alpha": alpha,
           "mip_rel_gap": args.mip_gap, "started": started, "load_before": load_before}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"frontier of {args.points} points on {args.instance} …", flush=True)
        res["frontier"] = _frontier(instance, work / "f", args.points, args.mip_gap, False)
        print(f"  {res['frontier']['wall_s']:.1f} s wall, {res['frontier']['cpu_s']:.1f} s CPU, "
              f"{res['frontier']['counts']}", flush=True)
        if not args.no_every_point:
            res["every_point"] = _frontier(instance, work / "e", args.points, args.mip_gap, True)
            print(f"  every point: {res['every_point']['wall_s']:.1f} s wall, "
                  f"{res['every_point']['cpu_s']:.1f} s CPU", flush=True)
        print(f"{args.points} cold solves …", flush=True)
        res["cold"] = _cold(instance, work, lams, alpha, args.mip_gap)
    with open("/proc/loadavg") as fh:
        res["load_after"] = fh.read().split()[:3]
    cold = res["cold"]
    diffs = [abs(res["frontier"]["objectives"][lam] - cold["objectives"][lam])
             / abs(cold["objectives"][lam]) for lam in lams]
    res["max_relative_objective_difference"] = max(diffs)
    print(f"\n{args.instance}, {args.points} points, α {alpha:g}, MIP gap {args.mip_gap:g} "
          f"({started}; load {' '.join(load_before)} → {' '.join(res['load_after'])})")
    print(f"{'way':<14}{'wall s':>10}{'CPU s':>10}{'wall ratio':>12}{'CPU ratio':>11}")
    for key in ("frontier", "every_point", "cold"):
        if key in res:
            r = res[key]
            print(f"{key:<14}{r['wall_s']:>10.1f}{r['cpu_s']:>10.1f}"
                  f"{r['wall_s'] / cold['wall_s']:>12.2f}{r['cpu_s'] / cold['cpu_s']:>11.2f}")
    print(f"largest relative objective difference frontier vs cold: {max(diffs):.2e} "
          f"(MIP gap {args.mip_gap:g})")
    if args.out:
        for key in ("frontier", "every_point"):
            res.get(key, {}).pop("points", None)
        args.out.write_text(json.dumps(res, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
