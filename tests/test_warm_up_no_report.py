"""A parallel LP solve warms up the report's imports only when the report will be written.

``supplyopt solve --no-report`` writes tables and summary.json only: importing plotly,
xlsxwriter and the report's modules on the idle core meanwhile would be 0.25 CPU s for nothing.
Checked in a fresh interpreter, since other tests import those modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "instances" / "tutorial.xlsx"

CODE = """
import sys
from optimizer import forked
from optimizer.api import load_instance, solve
from optimizer.solve import SolveOptions
run = solve(load_instance({path!r}), SolveOptions(fixed_builds=()), parallel=True,
            render={render})
forked._wait_for_warm_up()
assert not run.outcome.is_mip and forked.available()
print("plotly" in sys.modules, "optimizer.verify" in sys.modules)
"""


@pytest.mark.parametrize(("render", "plotly"), [(False, "False"), (True, "True")])
def test_report_imports_are_warmed_up_only_for_a_report(render, plotly):
    out = subprocess.run([sys.executable, "-c", CODE.format(path=str(TUTORIAL), render=render)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == [plotly, "True"]
