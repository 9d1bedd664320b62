"""Adaptive builds: what a multi-stage solve costs, against HiGHS alone, and how it grows.

For each case, in one run and side by side:

* **tool**: ``supplyopt solve INSTANCE --mip-gap 0 --no-report --out DIR`` in a fresh process
  (interpreter start-up, reading, building, solving, shadow prices, verification, tables);
* **floor**: HiGHS alone on the same model exported by ``supplyopt export-model`` (free MPS),
  in its own fresh process: read the file, solve to a proven optimum (gap 0).

Wall and CPU time (user + system of the child, which is what HiGHS's second core and a busy
machine cannot distort as much) are reported with their ratios. The cases: the shipped 2035
baseline (adaptive, and the same data in here-and-now mode), and synthetic instances
(``optimizer/synthetic.py``, preset ``small``) with more scenarios and periods, to show how the
solve grows.

    python benchmarks/adaptive.py [--quick] [--out benchmarks/results/adaptive.json]

``--quick`` runs only the baseline pair. The table printed at the end is what
docs/performance.md quotes (with the date of the run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = r"""
import sys, highspy
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("mip_rel_gap", 0.0)
h.readModel(sys.argv[1])
h.run()
info = h.getInfo()
print(h.modelStatusToString(h.getModelStatus()), info.objective_function_value)
"""


def _timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; (wall s, CPU s of the child, stdout). Fails loudly on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


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


def measure(name: str, instance: Path, work: Path) -> dict:
    """Tool and floor, side by side, on one instance."""
    exe = [sys.executable, "-m", "optimizer"]
    model = work / f"{name}.mps"
    subprocess.run(exe + ["export-model", str(instance), "--out", str(model)], cwd=ROOT,
                   check=True, capture_output=True)
    tool_wall, tool_cpu, out = _timed(exe + ["solve", str(instance), "--mip-gap", "0",
                                             "--no-report", "--quiet", "--out",
                                             str(work / f"run-{name}")])
    floor_wall, floor_cpu, floor_out = _timed([sys.executable, "-c", FLOOR, str(model)])
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
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the baseline pair")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/adaptive.json")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="supplyopt-adaptive-") as tmp:
        work = Path(tmp)
        base = ROOT / "instances/ree_baseline.xlsx"
        cases = [("baseline", base),
                 ("baseline_here_and_now", _here_and_now_copy(base, work / "hn.xlsx"))]
        if not args.quick:
            for s, t in ((2, 8), (4, 8), (6, 8), (4, 16)):
                cases.append((f"small_s{s}_t{t}", _synthetic(work / f"s{s}t{t}", s, t)))
        for name, inst in cases:
            row = measure(name, inst, work)
            rows.append(row)
            print(f"{name}: tool {row['tool_wall_s']:.2f} s wall / {row['tool_cpu_s']:.2f} s CPU,"
                  f" floor {row['floor_wall_s']:.2f} / {row['floor_cpu_s']:.2f} s: "
                  f"{row['wall_ratio']:.2f}x wall, {row['cpu_ratio']:.2f}x CPU", flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"measured": stamp, "cpus": os.cpu_count(), "rows": rows},
                                   indent=1))
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
