"""Dantzig's transportation problem (GAMS ``trnsport``) end to end, from its workbook."""

from pathlib import Path

import pandas as pd
import pytest

from optimizer.api import load_instance, solve
from optimizer.io.read import read_raw_sheets
from optimizer.solve import SolveOptions

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def run():
    inst = load_instance(DATA / "dantzig.xlsx")
    return solve(inst, SolveOptions(mip_rel_gap=0))


def test_published_optimum(run):
    """Published optimum 153.675 thousand USD (GAMS model library, trnsport).

    Check by hand from one optimal plan: Seattle→New York 50, Seattle→Chicago 300,
    San Diego→New York 275, San Diego→Topeka 275 at 0.09·d per case:
    ``50·0.225 + 300·0.153 + 275·0.225 + 275·0.126 = 11.25 + 45.9 + 61.875 + 34.65 = 153.675``.
    """
    assert run.outcome.termination == "optimal"
    assert run.objective == pytest.approx(153.675, rel=1e-6)
    assert run.tables["flows"]["tonnes"].sum() == pytest.approx(900, abs=1e-6)


def test_published_market_duals(run):
    """Market duals 0.225, 0.153, 0.126 (the published ``demand.m``); both supply duals 0.

    In the plan above the four used lanes and San Diego's 50 spare cases are basic (5 for 5
    rows, all positive: non-degenerate, so the duals are unique). San Diego's slack gives
    ``y_SD = 0``; its lanes give ``y_NY = 0.225`` and ``y_TO = 0.126``; Seattle→New York then
    gives ``y_S = 0.225 − 0.225 = 0`` and Seattle→Chicago ``y_CH = 0.153``. The unused lanes
    have reduced costs ``0.162 − 0.126 = 0.036`` (S→Topeka) and ``0.162 − 0.153 = 0.009``
    (SD→Chicago). Seattle's slack has reduced cost ``−y_S = 0``, so the flows are not unique
    (New York may take more from San Diego at the same 0.225) and are not asserted.
    """
    for market, price in (("new-york", 0.225), ("chicago", 0.153), ("topeka", 0.126)):
        assert run.tables["dual_demand_balance"].set_index("demand").loc[market, "shadow_price"] \
            == pytest.approx(price, abs=1e-6)
    supply = run.tables["dual_trader_capacity"].set_index("trader")["shadow_price"]
    assert supply.to_dict() == pytest.approx({"seattle": 0.0, "san-diego": 0.0}, abs=1e-6)


def test_workbook_matches_its_script(tmp_path):
    """The checked-in workbook is what ``tests/data/make_dantzig.py`` writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_dantzig", DATA / "make_dantzig.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = read_raw_sheets(module.main(tmp_path / "dantzig.xlsx"))
    stored = read_raw_sheets(DATA / "dantzig.xlsx")
    assert sorted(fresh) == sorted(stored)
    for name in fresh:
        pd.testing.assert_frame_equal(fresh[name].frame, stored[name].frame)


def test_parallel_simplex_gives_the_published_optimum_and_duals():
    """``lp_algorithm="parallel"`` (HiGHS's parallel dual simplex): the same 153.675 and the
    same market duals 0.225 / 0.153 / 0.126, unique as shown above."""
    run = solve(load_instance(DATA / "dantzig.xlsx"),
                SolveOptions(mip_rel_gap=0, lp_algorithm="parallel"))
    assert run.objective == pytest.approx(153.675, rel=1e-6)
    duals = run.tables["dual_demand_balance"].set_index("demand")["shadow_price"]
    for market, price in (("new-york", 0.225), ("chicago", 0.153), ("topeka", 0.126)):
        assert duals[market] == pytest.approx(price, abs=1e-6)
