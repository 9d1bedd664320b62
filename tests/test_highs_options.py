"""The options the tool gives HiGHS, and the benchmark floors that must match them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from optimizer.highs_runtime import MIP_RESTART, SUB_MIP_HEURISTICS, _new_highs
from optimizer.solve import SolveOptions

ROOT = Path(__file__).resolve().parent.parent


def test_sub_mip_heuristics_are_off_unless_asked():
    """RINS, RENS and the root reduced-cost heuristic are off by default
    (optimizer.highs_runtime.SUB_MIP_HEURISTICS says
    why) and HiGHS's own default (on) with ``sub_mip_heuristics``."""
    assert SUB_MIP_HEURISTICS == ("mip_heuristic_run_rins", "mip_heuristic_run_rens",
                                  "mip_heuristic_run_root_reduced_cost")
    off = _new_highs(SolveOptions())
    on = _new_highs(SolveOptions(sub_mip_heuristics=True))
    for name in SUB_MIP_HEURISTICS:
        assert off.getOptionValue(name)[1] is False
        assert on.getOptionValue(name)[1] is True


def test_mip_restarts_are_off_unless_asked():
    """HiGHS's restarts of a MIP's root are off by default (optimizer.highs_runtime.MIP_RESTART
    says why) and HiGHS's own default (on) with ``mip_restarts``; they are independent of the
    sub-MIP heuristics."""
    assert MIP_RESTART == "mip_allow_restart"
    assert _new_highs(SolveOptions()).getOptionValue(MIP_RESTART)[1] is False
    on = _new_highs(SolveOptions(mip_restarts=True))
    assert on.getOptionValue(MIP_RESTART)[1] is True
    assert all(on.getOptionValue(name)[1] is False for name in SUB_MIP_HEURISTICS)


def test_benchmark_floors_use_the_tools_heuristics():
    """HiGHS alone, the floor of benchmarks/run.py and benchmarks/adaptive.py, runs with the
    options the tool sets, so a ratio compares the tool's overhead, not two settings."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import adaptive
    import run

    assert run.FLOOR_MIP_OFF == SUB_MIP_HEURISTICS + (MIP_RESTART,)
    for name in SUB_MIP_HEURISTICS + (MIP_RESTART,):
        assert repr(name) in adaptive.FLOOR


def test_facility_location_benchmark_solves_as_the_tool_does():
    """Target 2's benchmark gives every variant (references and the tool's model) the tool's
    heuristic settings by default, and HiGHS's own (on) with --sub-mip-heuristics."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import facility_location as fl

    off = fl._highs(fl.run_options())
    on = fl._highs(fl.run_options(sub_mip_heuristics=True, mip_restarts=True))
    for name in SUB_MIP_HEURISTICS + (MIP_RESTART,):
        assert off.getOptionValue(name)[1] is False
        assert on.getOptionValue(name)[1] is True


@pytest.mark.parametrize("option", ["sub_mip_heuristics", "mip_restarts"])
def test_solve_flag_turns_highs_mip_settings_back_on(tmp_path, option):
    """``supplyopt solve --sub-mip-heuristics`` / ``--mip-restarts`` reaches SolveOptions
    (summary.json's options record it), and without the flag it stays off."""
    import json

    from typer.testing import CliRunner

    from optimizer.cli import app

    tutorial = str(ROOT / "instances" / "tutorial.xlsx")
    for flag, want in (([], False), (["--" + option.replace("_", "-")], True)):
        out = tmp_path / str(want)
        res = CliRunner().invoke(app, ["solve", tutorial, "--out", str(out), "--no-report",
                                       "--quiet", *flag])
        assert res.exit_code == 0, res.output
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["options"][option] is want
