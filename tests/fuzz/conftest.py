"""Fuzz-suite plumbing: print the tally of outcomes at the end of the run.

``SUPPLYOPT_FUZZ_FULL=1`` selects the full corpus (≥ 1,000 cases); ``SUPPLYOPT_FUZZ_REPORT=PATH``
also writes the counts as JSON (used to update docs/reliability.md).
"""

from __future__ import annotations

import json
import os

from fuzz_harness import TALLY, summary


def pytest_terminal_summary(terminalreporter):
    """Print cases tried, clean errors, valid, imprecise errors, crashes, hangs, writes."""
    if not TALLY:
        return
    s = summary()
    tr = terminalreporter
    tr.write_sep("=", f"supplyopt fuzz ({s['mode']})")
    tr.write_line(f"cases tried: {s['cases']} ({s['runs']} runs, {s['solve_runs']} of them "
                  f"`solve`)")
    tr.write_line(f"clean errors: {s['error']}   valid: {s['valid']}   imprecise errors: "
                  f"{s['imprecise']}   crashes: {s['crash']}   hangs: {s['hang']}   "
                  f"wrote on error: {s['wrote']}")
    tr.write_line(f"slowest run: {s['slowest']} ({s['max_wall_s']} s wall); most CPU: "
                  f"{s['max_cpu_s']} s; slowest validate: {s['max_validate_wall_s']} s wall, "
                  f"{s['max_validate_cpu_s']} s CPU")
    for o in TALLY:
        if o.kind in ("crash", "hang", "imprecise", "wrote"):
            tr.write_line(f"  {o.kind}: {o.case} [{o.command}] {o.note}")
    path = os.environ.get("SUPPLYOPT_FUZZ_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(s, fh, indent=2)
