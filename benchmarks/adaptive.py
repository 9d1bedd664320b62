"""Adaptive builds: what a multi-stage solve costs, against HiGHS alone, and how it grows.

For each case, in one run and side by side:

* **tool**: ``supplyopt solve INSTANCE --mip-gap 0 --no-report --out DIR`` in a fresh process
  (interpreter start-up, reading, building, solving, shadow prices, verification, tables);
* **floor**: HiGHS alone on the same model exported by ``supplyopt export-model`` (free MPS),
  in its own fresh process: read the file, solve to a proven optimum (gap 0) with the options
  the tool gives HiGHS (its sub-MIP heuristics off: ``optimizer.highs_runtime``);
* **tool with reports** (``--reports``, issue 15's target 3): the same ``supplyopt solve``
  without ``--no-report``, so results.xlsx and report.html are written too.

With ``--repeat N`` the three are run N times in turn (tool, with reports, floor) and the
medians are reported, each ratio over the floor's median.

Wall and CPU time (user + system of the child, which is what HiGHS's second core and a busy
machine cannot distort as much) are reported with their ratios. The cases: the shipped 2035
baseline (adaptive, and the same data in here-and-now mode), and synthetic instances
(``optimizer/synthetic.py``, preset ``small``) with more scenarios and periods, to show how the
solve grows.

    python benchmarks/adaptive.py [--quick] [--reports] [--repeat N]
                                  [--out benchmarks/results/adaptive.json]

``--quick`` runs only the baseline pair (``--baseline-only``: only the adaptive baseline); such a
partial run is saved beside the full one (``adaptive-quick.json``, ``adaptive-baseline.json``)
unless ``--out`` says where, so it never replaces the full run's figures. The table printed at
the end is what docs/performance.md quotes (with the date of the run).
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
from pathlib import Path

from child_timing import byte_compile, timed  # benchmarks/ is on sys.path as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from optimizer.highs_runtime import MIP_RESTART, SUB_MIP_HEURISTICS  # noqa: E402

FLOOR = r"""
import sys, highspy
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("mip_rel_gap", 0.0)
for name in %r:  # off, as the tool sets them (optimizer.highs_runtime._new_highs)
    h.setOptionValue(name, False)
h.readModel(sys.argv[1])
h.run()
info = h.getInfo()
print(h.modelStatusToString(h.getModelStatus()), info.objective_function_value)
""" % (SUB_MIP_HEURISTICS + (MIP_RESTART,),)


def _here_and_now_copy(src: Path, dest: Path) -> Path:
    """The workbook ``src`` with settings.build_decisions = here_and_now."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb["settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "build_decisions":
            row[1].value = "here_and_now"
            break
    else:
        ws.append(["build_decisions", "here_and_now"])
    wb.save(dest)
    return dest


def _synthetic(dest: Path, scenarios: int, periods: int) -> Path:
    from optimizer.synthetic import preset, write_synthetic

    return write_synthetic(preset("small", scenarios=scenarios, periods=periods), dest)


def measure(name: str, instance: Path, work: Path, reports: bool = False,
            repeat: int = 1) -> dict:
    """Tool (and with ``reports`` the tool writing its reports) and floor, side by side, on
    one instance; medians of ``repeat`` turns."""
    import shutil

    exe = [sys.executable, "-m", "optimizer"]
    model = work / f"{name}.mps"
    subprocess.run(exe + ["export-model", str(instance), "--out", str(model)], cwd=ROOT,
                   check=True, capture_output=True)
    times: dict[str, list[tuple[float, float]]] = {"tool": [], "reports": [], "floor": []}
    for _ in range(repeat):
        for what in ("tool", "reports", "floor") if reports else ("tool", "floor"):
            if what == "floor":
                wall, cpu, floor_out = timed([sys.executable, "-c", FLOOR, str(model)])
            else:
                out_dir = work / (f"run-{name}" if what == "tool" else f"run-{name}-reports")
                shutil.rmtree(out_dir, ignore_errors=True)  # a folder this benchmark wrote
                wall, cpu, _ = timed(exe + ["solve", str(instance), "--mip-gap", "0", "--quiet",
                                             "--out", str(out_dir)]
                                      + (["--no-report"] if what == "tool" else []))
            times[what].append((wall, cpu))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in times.items() if v}
    (tool_wall, tool_cpu), (floor_wall, floor_cpu) = med["tool"], med["floor"]
    summary = json.loads((work / f"run-{name}" / "summary.json").read_text())
    floor_status, floor_obj = floor_out.strip().splitlines()[-1].rsplit(" ", 1)
    return {
        "case": name, "tree_nodes": summary["counts"]["tree_nodes"],
        "scenarios": summary["counts"]["scenarios"], "periods": summary["counts"]["periods"],
        "variables": summary["counts"]["variables"],
        "integers": summary["counts"]["integer_variables"],
        "objective_usd": summary["objective_usd"], "floor_objective_usd": float(floor_obj),
        "gap": summary["gap"], "floor_status": floor_status,
        "tool_wall_s": tool_wall, "tool_cpu_s": tool_cpu,
        "floor_wall_s": floor_wall, "floor_cpu_s": floor_cpu,
        "wall_ratio": tool_wall / floor_wall, "cpu_ratio": tool_cpu / floor_cpu,
        "repeat": repeat, "turns_s": times,
    } | ({"reports_wall_s": med["reports"][0], "reports_cpu_s": med["reports"][1],
          "reports_wall_ratio": med["reports"][0] / floor_wall,
          "reports_cpu_ratio": med["reports"][1] / floor_cpu} if reports else {})


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the baseline pair")
    ap.add_argument("--baseline-only", action="store_true", help="only the adaptive baseline")
    ap.add_argument("--reports", action="store_true",
                    help="also time the tool writing results.xlsx and report.html")
    ap.add_argument("--repeat", type=int, default=1, help="turns per case; medians [1]")
    ap.add_argument("--out", type=Path, default=None,
                    help="results file [benchmarks/results/adaptive.json; a partial run: "
                         "adaptive-quick.json or adaptive-baseline.json]")
    ap.add_argument("--no-byte-compile", action="store_true",
                    help="leave optimizer/ as it is: without cached bytecode (and with "
                         "PYTHONDONTWRITEBYTECODE=1) each run of the tool compiles its modules")
    args = ap.parse_args(argv)
    if not args.no_byte_compile:
        byte_compile()  # as pip install and a user's first run leave the tool (child_timing)
    if args.out is None:
        name = "adaptive-baseline" if args.baseline_only else \
            "adaptive-quick" if args.quick else "adaptive"
        args.out = ROOT / "benchmarks/results" / f"{name}.json"
    rows = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="supplyopt-adaptive-") as tmp:
        work = Path(tmp)
        base = ROOT / "instances/ree_baseline.xlsx"
        cases = [("baseline", base)]
        if not args.baseline_only:
            cases.append(("baseline_here_and_now", _here_and_now_copy(base, work / "hn.xlsx")))
        if not (args.quick or args.baseline_only):
            for s, t in ((2, 8), (4, 8), (6, 8), (4, 16)):
                cases.append((f"small_s{s}_t{t}", _synthetic(work / f"s{s}t{t}", s, t)))
        for name, inst in cases:
            row = measure(name, inst, work, args.reports, args.repeat)
            rows.append(row)
            print(f"{name}: tool {row['tool_wall_s']:.2f} s wall / {row['tool_cpu_s']:.2f} s CPU,"
                  f" floor {row['floor_wall_s']:.2f} / {row['floor_cpu_s']:.2f} s: "
                  f"{row['wall_ratio']:.2f}x wall, {row['cpu_ratio']:.2f}x CPU", flush=True)
            if args.reports:
                print(f"{name} with reports: {row['reports_wall_s']:.2f} s wall / "
                      f"{row['reports_cpu_s']:.2f} s CPU: {row['reports_wall_ratio']:.2f}x wall, "
                      f"{row['reports_cpu_ratio']:.2f}x CPU the floor", flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = {"start": load_start, "end": os.getloadavg()}
    print(f"load average: start {load['start'][0]:.2f}, end {load['end'][0]:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"measured": stamp, "cpus": os.cpu_count(), "load": load,
                                    "rows": rows}, indent=1))
    print(f"\nAdaptive builds, measured {stamp} (`python benchmarks/adaptive.py`):\n")
    print("| case | scenarios | periods | tree nodes | integer columns | tool wall s | floor wall s"
          " | wall ratio | tool CPU s | floor CPU s | CPU ratio | same optimum |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        same = abs(r["objective_usd"] - r["floor_objective_usd"]) <= 1e-6 * max(
            1.0, abs(r["floor_objective_usd"]))
        print(f"| {r['case']} | {r['scenarios']} | {r['periods']} | {r['tree_nodes']} | "
              f"{r['integers']} | {r['tool_wall_s']:.2f} | {r['floor_wall_s']:.2f} | "
              f"{r['wall_ratio']:.2f} | {r['tool_cpu_s']:.2f} | {r['floor_cpu_s']:.2f} | "
              f"{r['cpu_ratio']:.2f} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
