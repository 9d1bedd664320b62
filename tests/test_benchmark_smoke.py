"""Smoke tests of the synthetic generator and the benchmark script (no timed assertions).

* the generator's ``tiny`` preset writes an instance that the regular reader validates and
  that solves to optimality, LP and MIP variants, deterministically for a seed;
* its structure keeps the promises the generator makes (assays ≤ 1, only lanes that exist,
  scenario changes that cut a country's exports from a period on);
* ``supplyopt generate`` writes the same files;
* ``benchmarks/run.py tiny`` runs end to end (pipeline, MPS export, HiGHS floor) and the floor
  solves the identical model (same objective).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.api import load_instance, solve
from optimizer.solve import SolveOptions
from optimizer.synthetic import PRESETS, generate_tables, preset, write_synthetic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _solve(inst):
    """Solve to proven optimality."""
    return solve(inst, SolveOptions(mip_rel_gap=0.0))


@pytest.mark.parametrize("modules", [0, None])
def test_tiny_instance_validates_and_solves(tmp_path, modules):
    spec = preset("tiny", **({} if modules is None else {"modules": modules}))
    inst = load_instance(write_synthetic(spec, tmp_path / "tiny"))
    assert len(inst.scenarios) == spec.scenarios
    run = _solve(inst)
    s = run.summary()
    assert s["status"] == "optimal"
    assert s["is_mip"] == (spec.modules > 0)
    assert s["counts"]["variables"] > 0
    assert s["duals"] in ("lp", "fixed_lp")


def test_generator_structure_and_determinism(tmp_path):
    spec = PRESETS["small"]
    t = generate_tables(spec)
    again = generate_tables(spec)
    for name in t:
        assert t[name].equals(again[name]), name
    assert not generate_tables(preset("small", seed=2))["lanes"].equals(t["lanes"])
    assert (t["mine_assays"].groupby("mine")["share"].sum() <= 1 + 1e-9).all()
    assert len(t["mines"]) == spec.mines and len(t["plants"]) == spec.plants
    assert len(t["demands"]) == spec.demands and len(t["modules"]) == spec.modules
    assert not t["lanes"].duplicated(["origin", "destination"]).any()
    n_possible = spec.mines * spec.plants + spec.plants * spec.demands
    assert len(t["lanes"]) < 0.8 * n_possible  # sparse: only lanes that exist
    assert t["scenarios"]["probability"].sum() == pytest.approx(1.0)
    ch = t["scenario_changes"]
    cuts = ch[ch["sheet"] == "export_quotas"]
    assert len(cuts) == spec.scenarios - 1
    assert (cuts["value"] == 0).all() and cuts["from_period"].notna().all()


def test_cli_generate(tmp_path):
    from typer.testing import CliRunner

    from optimizer.cli import app

    res = CliRunner().invoke(app, ["generate", str(tmp_path / "g"), "--preset", "tiny",
                                   "--modules", "0", "--seed", "3"])
    assert res.exit_code == 0, res.output
    inst = load_instance(tmp_path / "g")
    assert len(inst.table("modules")) == 0
    ref = generate_tables(preset("tiny", modules=0, seed=3))
    assert len(inst.table("lanes")) == len(ref["lanes"])


def test_benchmark_script_runs_end_to_end(tmp_path):
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "tiny", "--variants", "mip",
           "--repeat", "1", "--no-save", "--code", "worktree", "--workdir", str(tmp_path)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "end-to-end / floor" in p.stdout
    assert (tmp_path / "tiny-mip" / "model.mps").exists()
    summary = json.loads((tmp_path / "tiny-mip" / "out" / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["is_mip"] and summary["duals"] == "fixed_lp"
    assert "objective" in p.stdout and "vs floor" in p.stdout


def test_docs_render_from_saved_results(tmp_path):
    """The docs renderer works on whatever results exist (here: a fake one)."""
    from run import machine, render_docs

    fake = {"preset": "tiny", "variant": "lp", "counts": {"variables": 10, "constraints": 5,
                                                          "integer_variables": 0},
            "lp_algorithm": "choose", "end_to_end_s": 2.0, "floor_solve_s": 1.0,
            "floor_read_s": 0.1, "ratio_time": 2.0, "ratio_memory": 3.0, "peak_rss_mb": 300,
            "floor_peak_rss_mb": 100, "repeat": 1, "import_s": 0.3,
            "stages_s": {"read": 0.1, "solve": 1.0, "duals": 0.1, "tables": 0.2},
            "date": "2026-01-01 00:00 UTC", "machine": machine()}
    text = render_docs([fake], [{"preset": "tiny", "modules": False, "date": "x", "rows": [
        {"n": 1, "variables": 10, "nodes": 4, "ef_s": 1.0, "ef_solve_s": 0.5,
         "separate_s": 1.0, "separate_solve_s": 0.5},
        {"n": 4, "variables": 40, "nodes": 10, "ef_s": 8.0, "ef_solve_s": 4.0,
         "separate_s": 4.0, "separate_solve_s": 2.0}]}])
    assert "## Targets" in text and "tiny / lp" in text and "Scale beyond one machine" in text


def test_snapshot_is_byte_compiled_as_pip_leaves_the_tool(tmp_path):
    """A measured snapshot holds bytecode for every module (as ``pip install .`` leaves the
    tool), so a worker does not compile the tool from source where PYTHONDONTWRITEBYTECODE is
    set; ``compile_modules=False`` (``--no-byte-compile``) leaves it source only."""
    from run import snapshot

    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    compiled, _ = snapshot("HEAD", tmp_path / "with")
    sources = sorted(p.stem for p in (compiled / "optimizer").glob("*.py"))
    cached = sorted(p.name.split(".")[0]
                    for p in (compiled / "optimizer" / "__pycache__").glob("*.pyc"))
    assert sources and cached == sources
    plain, _ = snapshot("HEAD", tmp_path / "without", compile_modules=False)
    assert not list((plain / "optimizer").rglob("*.pyc"))


def test_paired_ratios_pair_each_run_with_its_own_floor():
    """Each alternated pair's ratio is pipeline run i over floor run i (hand-derived: 2/1,
    3/2; CPU 4/2, 6/4), not the ratio of the medians; results saved without per-run CPU times
    give none for CPU."""
    from run import _pairs_text, paired_ratios

    r = {"all_runs_end_to_end_s": [2.0, 3.0], "all_floor_solve_s": [1.0, 2.0],
         "all_runs_cpu_s": [4.0, 6.0], "all_floor_cpu_s": [2.0, 4.0]}
    assert paired_ratios(r) == {"wall": [2.0, 1.5], "cpu": [2.0, 1.5]}
    assert _pairs_text(r) == "wall 2.00, 1.50 (median 1.75×); cpu 2.00, 1.50 (median 1.75×)"
    old = {"all_runs_end_to_end_s": [2.0, 3.0], "all_floor_solve_s": [1.0, 2.0]}
    assert paired_ratios(old)["cpu"] == []


def _option_at_each_solve(monkeypatch, name: str) -> list:
    """The value of HiGHS option ``name`` at each solve from now on (a spy on ``run_highs``)."""
    from optimizer import highs_runtime

    seen = []
    real = highs_runtime.run_highs

    def spy(h):
        seen.append(h.getOptionValue(name)[1])
        return real(h)

    monkeypatch.setattr(highs_runtime, "run_highs", spy)
    return seen


def test_mip_settings_benchmark_solves_both_settings_to_one_optimum(capsys, monkeypatch):
    """benchmarks/mip_settings.py on the tiny preset and the 10-quarter baseline, one pair:
    each model solved with the tool's settings (restarts off) and HiGHS's default (on), as a
    spy on the solves sees them, both to optimality, the two objectives within the MIP gap
    (the script stops otherwise)."""
    import mip_settings

    seen = _option_at_each_solve(monkeypatch, "mip_allow_restart")
    out = mip_settings.main(["--models", "tiny,10q", "--pairs", "1", "--threads", "1"])
    assert seen == [False, True, False, True]
    assert list(out) == ["preset tiny", "10q"]
    for runs in out.values():
        assert {len(runs["runs"]["tool"]), len(runs["runs"]["highs"])} == {1}
        statuses = [r["status"] for w in ("tool", "highs") for r in runs["runs"][w]]
        assert statuses == ["Optimal", "Optimal"], statuses
    assert "total" in capsys.readouterr().out


def test_mip_settings_benchmark_sets_a_highs_option_on_top_of_the_tools(monkeypatch):
    """``--highs-option NAME=VALUE`` solves with the tool's settings plus that HiGHS option:
    the second solve of each pair sees the root reduced-cost heuristic on, the first off."""
    import mip_settings

    seen = _option_at_each_solve(monkeypatch, "mip_heuristic_run_root_reduced_cost")
    out = mip_settings.main(["--models", "tiny", "--pairs", "1", "--threads", "1",
                             "--highs-option", "mip_heuristic_run_root_reduced_cost=true"])
    assert seen == [False, True]
    assert out["preset tiny"]["runs"]["highs"][0]["status"] == "Optimal"


def test_mip_settings_benchmark_refuses_an_option_highs_refuses():
    """An unknown HiGHS option, or a value of the wrong type, stops the benchmark with a
    message naming it (HiGHS itself would only log it, and both solves would be alike)."""
    import mip_settings

    for given in ("no_such_option=true", "mip_allow_restart=maybe"):
        with pytest.raises(SystemExit) as stop:
            mip_settings.main(["--models", "tiny", "--pairs", "1", "--highs-option", given])
        assert "--highs-option" in str(stop.value) and given.split("=")[0] in str(stop.value)
