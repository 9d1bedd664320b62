"""Regenerate reports/example/ (the committed example report) from instances/ree_baseline.xlsx.

Usage: ``python scripts/make_example_report.py [INSTANCE] [OUT_DIR]``. Solves the instance with
a zero MIP gap (so the example is reproducible), writes the run folder atomically (tables/*.csv,
summary.json, results.xlsx, report.html) and prints the executive summary.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout: use its optimizer package
    sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    import optimizer
    from optimizer.output import write_run
    from optimizer.report import sentences
    from optimizer.report.load import load_run

    if not argv:
        # Paths relative to the checkout: the run records its source as given, and the
        # committed example should name instances/ree_baseline.xlsx, not this machine's path.
        os.chdir(ROOT)
    instance = Path(argv[0]) if argv else Path("instances") / "ree_baseline.xlsx"
    out = Path(argv[1]) if len(argv) > 1 else Path("reports") / "example"
    if not instance.exists():
        print(f"{instance} not found: the baseline instance is needed", file=sys.stderr)
        return 2
    inst = optimizer.load_instance(instance)
    run = optimizer.solve(inst, optimizer.SolveOptions(mip_rel_gap=0))
    write_run(run, out)
    for heading, lines in sentences.executive_summary(load_run(out)).items():
        print(f"{heading}:")
        for line in lines:
            print(f"  - {line}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
