"""Right-hand-side ranges on demand: off in a batch unless asked, on in ``supplyopt solve``.

The micro-instance (one period, element Nd; tests/formulation/test_trader_capacity.py's)::

    offer T1 (country A): cap1 t at 100 USD/t ──(free lane)────> demand D (25 t, must serve)
    offer T2 (country B): 100 t at 130 USD/t ──(lane 10 USD/t)─> demand D

By hand, for 0 < cap1 < 25: T1 is used in full (100 < 140), T2 covers the rest, 25 − cap1 t,
at 140 USD/t; the objective is 100 cap1 + 140 (25 − cap1). The optimal basis has both flows
and T2's capacity slack basic; its shadow prices are y_D = 140 (T2 is marginal) and
y_T1 = 100 − 140 = −40, y_T2 = 0. The right-hand-side ranges, over which that basis (and so
each shadow price) stays optimal:

* demand D, rhs q: T2 carries q − cap1, which must stay within [0, 100], so
  q ∈ [cap1, cap1 + 100];
* T1's capacity, rhs c: T2 carries 25 − c ∈ [0, 100] and c ≥ 0 (T1's flow), so c ∈ [0, 25].

With cap1 = 10: D ∈ [10, 110]; with cap1 = 12: D ∈ [12, 112]; T1 ∈ [0, 25] in both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.write import write_workbook
from tests.conftest import build_instance
from tests.formulation.test_trader_capacity import two_offer_sheets

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The instance with cap1 = 10, as a workbook."""
    path = tmp_path_factory.mktemp("ranging") / "offers.xlsx"
    write_workbook(two_offer_sheets(), path)
    return path


def _sweep(base: Path, out: Path, *extra: str):
    """Two runs, T1's capacity 10 t then 12 t (the second one warm, on the live model)."""
    return RUNNER.invoke(app, ["batch", "--base", str(base), "--sweep",
                               "traders:T1:capacity_t=10..12:2", "--out", str(out),
                               "--jobs", "1", "--quiet", *extra])


def _run_folders(out: Path) -> list[Path]:
    return sorted(p for p in (out / "runs").iterdir() if p.is_dir())


def _range(folder: Path, table: str, **where) -> tuple[float, float]:
    df = pd.read_csv(folder / "tables" / f"{table}.csv")
    for col, value in where.items():
        df = df[df[col] == value]
    assert len(df) == 1, df
    return float(df["rhs_range_low"].iloc[0]), float(df["rhs_range_high"].iloc[0])


def test_batch_without_ranging_has_no_ranges_and_says_so(tmp_path, base):
    """A default batch run computes no ranges: its shadow-price tables have no rhs_range
    columns (CSV and results.xlsx, rendered with its report), and its manifest and
    summary.json say ranges were not computed. The shadow prices themselves are there
    (y_D = 140: module docstring)."""
    out = tmp_path / "out"
    res = _sweep(base, out)
    assert res.exit_code == 0, res.output
    folders = _run_folders(out)
    assert len(folders) == 2
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["rhs_ranges"] is False
        assert manifest["options"]["ranging"] is False
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["rhs_ranges"] is False
        for csv in (folder / "tables").glob("dual_*.csv"):
            assert not {"rhs_range_low", "rhs_range_high"} & set(pd.read_csv(csv).columns)
        prices = pd.read_csv(folder / "tables" / "dual_demand_balance.csv")
        assert prices["shadow_price"].iloc[0] == pytest.approx(140, abs=1e-6)
        assert (folder / "report.html").exists()
        with pd.ExcelFile(folder / "results.xlsx") as book:
            for sheet in (n for n in book.sheet_names if n.startswith("dual_")):
                header = " ".join(map(str, pd.read_excel(book, sheet, nrows=0).columns))
                assert "rhs_range" not in header, (sheet, header)
    # The batch summary reads the run without ranges (its top shadow prices included).
    summary = pd.read_csv(out / "batch_summary.csv")
    assert summary["top_shadow_prices"].str.contains("demand_balance").all()


def test_batch_with_ranging_gives_the_hand_ranges(tmp_path, base):
    """``--ranging``: each run's ranges are the module docstring's intervals — D ∈ [cap1,
    cap1 + 100], T1 ∈ [0, 25] — also on the second, live run (ranged from a fresh factor)."""
    out = tmp_path / "out"
    res = _sweep(base, out, "--ranging", "--no-report")
    assert res.exit_code == 0, res.output
    by_cap = {}
    for folder in _run_folders(out):
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["rhs_ranges"] is True
        by_cap[round(manifest["overrides_detail"][0]["value"])] = folder  # T1's capacity
    assert sorted(by_cap) == [10, 12]
    warm = json.loads((by_cap[12] / "manifest.json").read_text())["warm_start"]
    assert warm == "live"
    for cap1, folder in by_cap.items():
        assert _range(folder, "dual_demand_balance", demand="D") == \
            pytest.approx((cap1, cap1 + 100), abs=1e-6)
        assert _range(folder, "dual_trader_capacity", trader="T1") == \
            pytest.approx((0, 25), abs=1e-6)


def _setting_and_column(tmp_path: Path, base: Path, option: str, read) -> dict:
    """A batch file whose settings say ``option: yes``, with a run ``plain`` and a run ``no``
    whose ``option`` column says no: ``read(manifest)`` of each run."""
    good = tmp_path / "good.xlsx"
    write_workbook({"settings": [{"setting": "base", "value": str(base)},
                                 {"setting": option, "value": "yes"}],
                    "batch": [{"run": "plain"}, {"run": "no", option: "no"}]}, good)
    out = tmp_path / "out"
    res = RUNNER.invoke(app, ["batch", str(good), "--out", str(out), "--jobs", "1",
                              "--no-report", "--quiet"])
    assert res.exit_code == 0, res.output
    return {f.name: read(json.loads((f / "manifest.json").read_text()))
            for f in _run_folders(out)}


def _assert_maybe_refused(tmp_path: Path, base: Path, option: str) -> None:
    """A run whose yes/no ``option`` column says 'maybe' is refused with the file, sheet,
    column and value named, exit 2, no traceback, nothing written."""
    bad = tmp_path / "bad.xlsx"
    write_workbook({"settings": [{"setting": "base", "value": str(base)}],
                    "batch": [{"run": "r", option: "maybe"}]}, bad)
    out2 = tmp_path / "out2"
    res = RUNNER.invoke(app, ["batch", str(bad), "--out", str(out2)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert option in res.output and "yes or no" in res.output and "'maybe'" in res.output
    assert "bad.xlsx" in res.output and "batch" in res.output
    assert not out2.exists()


def test_ranging_setting_and_column(tmp_path, base):
    """A batch's settings (or a run's column) can ask for ranges; a bad value is refused
    with the file, sheet, row and column named, exit 2, nothing written."""
    assert _setting_and_column(tmp_path, base, "ranging", lambda m: m["rhs_ranges"]) == \
        {"plain": True, "no": False}
    _assert_maybe_refused(tmp_path, base, "ranging")


def test_solve_no_ranging_and_report_of_that_folder(tmp_path, base):
    """``supplyopt solve --no-ranging``: shadow prices (y_D = 140) without ranges, said so in
    summary.json; ``supplyopt report`` renders the folder. Without the flag, the hand ranges
    (cap1 = 10: D ∈ [10, 110])."""
    out = tmp_path / "plain"
    res = RUNNER.invoke(app, ["solve", str(base), "--out", str(out), "--no-ranging",
                              "--no-report", "--quiet"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rhs_ranges"] is False and summary["options"]["ranging"] is False
    prices = pd.read_csv(out / "tables" / "dual_demand_balance.csv")
    assert "rhs_range_low" not in prices.columns
    assert prices["shadow_price"].iloc[0] == pytest.approx(140, abs=1e-6)
    res = RUNNER.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "results.xlsx").exists() and (out / "report.html").exists()

    ranged = tmp_path / "ranged"
    res = RUNNER.invoke(app, ["solve", str(base), "--out", str(ranged), "--no-report",
                              "--quiet"])
    assert res.exit_code == 0, res.output
    assert json.loads((ranged / "summary.json").read_text())["rhs_ranges"] is True
    assert _range(ranged, "dual_demand_balance", demand="D") == pytest.approx((10, 110),
                                                                               abs=1e-6)


def test_live_ranging_keeps_the_basis_and_objective(monkeypatch):
    """On the live model, the ranging (on the basis-only LP, or the refactorising fallback)
    moves neither the basis nor the objective, and run after run gives the hand ranges
    (cap1 = 10, 12, 10)."""
    import optimizer.live as live_module
    from optimizer.instance import Override
    from optimizer.solve import SolveOptions

    seen = []
    ranges = live_module.read_rhs_ranges

    def state(h):
        basis = h.getBasis()
        return ([int(s) for s in basis.col_status], [int(s) for s in basis.row_status],
                h.getInfo().objective_function_value)

    def spy(md, compiled, lp_h, outcome, refactor=False, **given):
        before = state(lp_h)
        ranges(md, compiled, lp_h, outcome, refactor=refactor, **given)
        seen.append((refactor, before, state(lp_h)))

    monkeypatch.setattr(live_module, "read_rhs_ranges", spy)
    live = live_module.LiveModel(build_instance(two_offer_sheets()), SolveOptions(mip_rel_gap=0))
    for cap1 in (10, 12, 10):
        run = live.solve((Override("traders", ("T1",), "capacity_t", cap1),),
                         compare_status_quo=False)
        assert run.objective == pytest.approx(100 * cap1 + 140 * (25 - cap1), rel=1e-9)
        refactor, before, after = seen[-1]
        assert refactor and before == after
        lo, hi = run.outcome.rhs_range["demand_balance"]
        assert (lo[0], hi[0]) == pytest.approx((cap1, cap1 + 100), abs=1e-6)
    assert len(seen) == 3 and live.runs == {"live": 3, "declined": 0}


@pytest.mark.parametrize("option", ["sub_mip_heuristics", "mip_restarts"])
def test_highs_mip_setting_and_column(tmp_path, base, option):
    """A batch's ``sub_mip_heuristics`` or ``mip_restarts`` setting (yes/no, like
    ``ranging``) reaches each run's options, a run's column wins over it, ``supplyopt batch
    --sub-mip-heuristics`` / ``--mip-restarts`` sets it for every run, and a bad value is
    refused as ``ranging``'s is."""
    options = _setting_and_column(tmp_path, base, option, lambda m: m["options"][option])
    assert options == {"plain": True, "no": False}

    out3 = tmp_path / "out3"
    res = RUNNER.invoke(app, ["batch", "--base", str(base), "--set", "traders:T1:price_usd_per_t=1",
                              "--" + option.replace("_", "-"), "--out", str(out3), "--jobs", "1",
                              "--no-report", "--quiet"])
    assert res.exit_code == 0, res.output
    assert [json.loads((f / "manifest.json").read_text())["options"][option]
            for f in _run_folders(out3)] == [True]
    _assert_maybe_refused(tmp_path, base, option)
