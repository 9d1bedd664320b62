"""The `supplyopt` CLI: exit codes, outputs written (or not), and the installed console script.

The instance is the three-period example of tests/test_backends.py reduced to what the CLI
needs; figures asserted here are derived by hand in each docstring.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.write import write_workbook

runner = CliRunner()

# One Australian mine feeding a US plant; Dy also offered by a Chinese trader.
# P1: ev needs 20 t Nd → 40 t concentrate (assay 0.5); that brings 4 t Dy (assay 0.1), enough
#     for defence's 3 t. Unit cost of concentrate: mining 10 + processing 5 + lane 1 = 16 USD/t.
# P2: ev needs 10 t Dy. From the mine: 100 t concentrate (1,600 USD), but the plant takes 50 t
#     unless module p1x (+100 t, capex 1,000 USD) is built; the trader sells at 1,000 USD/t
#     (10,000 USD). Cheapest: build p1x and mine: 1,000 + 1,600 = 2,600 USD.
# Optimum: 640 + 2,600 = 3,240 USD, one p1x online from P1 (capex has no discount: factor 1).
FRAMES = {
    "periods": [{"period": "P1"}, {"period": "P2"}],
    "countries": [{"country": "AU"}, {"country": "CN"}, {"country": "US"}],
    "elements": [{"element": "Nd"}, {"element": "Dy"}],
    "mines": [{"mine": "m1", "country": "AU", "capacity_t": 100, "cost_usd_per_t": 10}],
    "mine_assays": [{"mine": "m1", "element": "Nd", "share": 0.5},
                    {"mine": "m1", "element": "Dy", "share": 0.1}],
    "plants": [{"plant": "p1", "country": "US", "capacity_t": 50, "opex_usd_per_t": 5}],
    "plant_recoveries": [{"plant": "p1", "element": "Nd", "recovery": 1.0},
                         {"plant": "p1", "element": "Dy", "recovery": 1.0}],
    "traders": [{"trader": "cn_dy", "country": "CN", "element": "Dy", "capacity_t": 100,
                 "price_usd_per_t": 1000}],
    "demands": [{"demand": "def", "country": "US", "end_use": "defence",
                 "lost_value_usd_per_t": 10000},
                {"demand": "ev", "country": "US", "end_use": "ev", "lost_value_usd_per_t": 5000}],
    "demand_quantities": [{"demand": "def", "element": "Dy", "period": "P1", "quantity_t": 3},
                          {"demand": "ev", "element": "Nd", "period": "P1", "quantity_t": 20},
                          {"demand": "ev", "element": "Dy", "period": "P2", "quantity_t": 10}],
    "lanes": [{"origin": "m1", "destination": "p1", "cost_usd_per_t": 1},
              {"origin": "p1", "destination": "def"}, {"origin": "p1", "destination": "ev"},
              {"origin": "cn_dy", "destination": "def"}, {"origin": "cn_dy", "destination": "ev"}],
    "end_use_limits": [{"country": "CN", "basis": "either", "end_use": "defence", "max_t": 0}],
    "modules": [{"module": "p1x", "site": "p1", "capacity_t": 100, "capex_usd": 1000,
                 "max_count": 2}],
}


@pytest.fixture()
def workbook(tmp_path):
    return write_workbook(FRAMES, tmp_path / "cli.xlsx")


def test_solve_writes_every_output(workbook, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "--mip-gap", "0", "-q"])
    assert res.exit_code == 0, res.output
    assert "3,240" in res.output
    for name in ("results.xlsx", "summary.json", "tables/flows.csv", "tables/builds.csv",
                 "tables/dual_demand_balance.csv"):
        assert (out / name).exists(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective_usd"] == pytest.approx(3240, rel=1e-9)
    assert summary["duals"] == "fixed_lp"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp")]


def test_set_override_changes_the_answer(workbook, tmp_path):
    """With the module's capex set to 20,000 USD, buying 10 t Dy from the trader (10,000 USD)
    beats building; P2 also mines the 50 t the plant can take? No: the mine's Dy would save
    1,000 USD/t of purchases at 16 USD/t × 10 t-of-concentrate per t Dy = 160 USD/t, so the
    plant runs full (50 t → 5 t Dy, 800 USD) and 5 t are bought (5,000 USD).
    Total 640 + 800 + 5,000 = 6,440 USD."""
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(tmp_path / "o"), "-q",
                              "--mip-gap", "0", "--set", "modules:p1x:capex_usd=20000"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(6440, rel=1e-9)
    assert summary["overrides"] == ["modules[p1x].capex_usd = 20000"]


def test_bad_override_is_an_input_error(workbook, tmp_path):
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(tmp_path / "o"),
                              "--set", "modules:nope:capex_usd=1"])
    assert res.exit_code == 2
    assert "nope" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_unknown_lp_algorithm_is_a_usage_error(workbook, tmp_path):
    """An LP algorithm HiGHS does not have: exit 2 naming the choices, nothing written."""
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(tmp_path / "o"),
                              "--lp-algorithm", "fastest"])
    assert res.exit_code == 2
    assert "'fastest' is not one of choose, simplex, parallel, ipm, pdlp" in " ".join(
        res.output.split()).replace("│ ", "").replace(" │", "")
    assert not (tmp_path / "o").exists()


def test_validate_template_and_export(workbook, tmp_path):
    assert runner.invoke(app, ["validate", str(workbook)]).exit_code == 0
    tpl = tmp_path / "template.xlsx"
    assert runner.invoke(app, ["template", str(tpl)]).exit_code == 0
    res = runner.invoke(app, ["validate", str(tpl)])
    assert res.exit_code == 2 and "sheet 'periods'" in res.output
    for fmt in ("mps", "lp"):
        f = tmp_path / f"model.{fmt}"
        res = runner.invoke(app, ["export-model", str(workbook), "--format", fmt, "--out", str(f)])
        assert res.exit_code == 0, res.output
        assert f.stat().st_size > 0


def test_report_rerenders_without_solving(workbook, tmp_path):
    out = tmp_path / "out"
    runner.invoke(app, ["solve", str(workbook), "--out", str(out), "-q", "--mip-gap", "0"])
    (out / "results.xlsx").unlink()
    res = runner.invoke(app, ["report", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "results.xlsx").exists()


def test_missing_file_exit_2_nothing_written(tmp_path):
    res = runner.invoke(app, ["solve", str(tmp_path / "nope.xlsx"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "nope.xlsx" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_console_script_runs(workbook, tmp_path):
    exe = shutil.which("supplyopt") or str(Path(sys.executable).parent / "supplyopt")
    res = subprocess.run([exe, "solve", str(workbook), "--out", str(tmp_path / "o"), "-q",
                          "--mip-gap", "0"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("optimal: expected cost USD 3,240")


def test_other_pyomo_solver_passes_through(workbook, tmp_path):
    """`--solver appsi_highs` sends the Pyomo model to Pyomo's own HiGHS interface instead of
    the array hand-off: the same optimum (3,240 USD, derived at the top of this file)."""
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(tmp_path / "o"), "-q",
                              "--mip-gap", "0", "--solver", "appsi_highs"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["objective_usd"] == pytest.approx(3240, rel=1e-9)
    assert summary["solver"] == "appsi_highs"


def test_unknown_solver_is_a_clear_error(workbook, tmp_path):
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(tmp_path / "o"),
                              "--solver", "no_such_solver"])
    assert res.exit_code == 1
    assert "no_such_solver" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_atomic_dir_recovers_after_a_crash_between_renames(tmp_path):
    """A writer killed after moving the old output aside (``.out.old-<pid>``) and before moving
    the new one in leaves no ``out``; the next write (or recover) puts the old one back, and
    dead writers' temporary folders are removed. PID 999999 stands for a dead process."""
    from optimizer.output import atomic_dir, recover

    target = tmp_path / "out"
    with atomic_dir(target) as d:
        (d / "a.txt").write_text("old")
    target.rename(tmp_path / ".out.old-999999")  # the crash: old output moved aside
    (tmp_path / ".out.tmp-999999-abc").mkdir()
    assert not target.exists()
    recover(target)
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_no_report_writes_tables_then_report_renders(workbook, tmp_path):
    out = tmp_path / "o"
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "-q", "--mip-gap", "0",
                              "--no-report"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [".supplyopt-run.json", "summary.json",
                                                     "tables"]
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert (out / "results.xlsx").exists() and (out / "report.html").exists()


def test_model_data_recompiles_after_a_solve(workbook):
    """Benchmarks and analytics recompile a run's model data: it must give the same matrix as
    a fresh build (a solve once freed the term arrays, and a recompile silently gave an empty
    model)."""
    import optimizer
    from optimizer.formulation import build_model
    from optimizer.solve import compile_arrays

    inst = optimizer.load_instance(workbook)
    run = optimizer.solve(inst, optimizer.SolveOptions(mip_rel_gap=0))
    md = run.model_data
    assert md.families == {}  # released once HiGHS had the matrix (memory)
    frames, empty_rows = dict(md.con_ix), list(md.empty_rows)
    again = compile_arrays(md).lp
    fresh = compile_arrays(build_model(inst, pyomo=False)[1]).lp
    assert (again.num_row_, again.num_col_) == (run.outcome.n_constraints, run.outcome.n_variables)
    assert list(again.a_matrix_.value_) == list(fresh.a_matrix_.value_)
    assert list(again.a_matrix_.index_) == list(fresh.a_matrix_.index_)
    assert list(again.row_lower_) == list(fresh.row_lower_)
    assert len(again.a_matrix_.value_) > 0
    # Rebuilding the term arrays leaves the frames the results were read against alone.
    assert all(md.con_ix[name] is frame for name, frame in frames.items())
    assert md.empty_rows == empty_rows


def test_index_frames_store_text_as_categoricals(workbook):
    """Text columns of the index frames are categoricals, including the countries mapped from
    the site tables (pandas's "str" dtype). Shipments leave p1 (US) and the trader cn_dy (CN)."""
    import pandas as pd

    import optimizer
    from optimizer.formulation import build_model

    md = build_model(optimizer.load_instance(workbook), pyomo=False)[1]
    ship = md.var_ix["ship_oxide_t"]
    for name, ix in md.var_ix.items():
        for col in ix.columns:
            if not pd.api.types.is_numeric_dtype(ix[col]) and name != "modules_built":
                assert isinstance(ix[col].dtype, pd.CategoricalDtype), (name, col)
    country = {"p1": "US", "cn_dy": "CN"}
    assert list(ship["origin_country"].astype(str)) == [country[o] for o in ship["origin"]]
    assert set(ship["destination_country"].astype(str)) == {"US"}
    assert set(ship["origin_kind"].astype(str)) == {"plants", "traders"}


def test_version_prints_the_installed_version():
    """``supplyopt --version`` prints the distribution's version from its metadata (the
    ``version`` of pyproject.toml, read here independently) and exits 0."""
    import re
    import tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    expected = tomllib.loads(pyproject.read_text())["project"]["version"]
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"supplyopt {expected}"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", expected)


@pytest.mark.parametrize("option,value", [("--time-limit", "-1"), ("--time-limit", "0"),
                                          ("--mip-gap", "-0.1"), ("--mip-gap", "2"),
                                          ("--threads", "0")])
def test_solve_refuses_an_option_out_of_its_range(workbook, tmp_path, option, value):
    """A time limit must be above 0, a relative gap within 0..1, threads at least 1 (as
    batch, frontier, analyse and alternatives check theirs): exit 2, a message naming the
    option, nothing written. Before, ``--time-limit -1`` solved without a limit. (A tiny
    positive limit is valid: tests/test_ill_posed.py stops a solve at 1e-6 s.)"""
    out = tmp_path / "out"
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "-q", option, value])
    assert res.exit_code == 2, res.output
    assert option in res.output
    assert not out.exists()
