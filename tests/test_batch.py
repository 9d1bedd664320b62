"""``supplyopt batch``: definitions, validation, runs, failures, resumability, crashes, Dask.

The micro-instance (one period, one element Nd, countries A = home and C = supplier)::

    mine M (A): 100 t/period at 5 USD/t ──> plant P (A): capacity 0, opex 0 ──> demand d (A)
    trader T (C): 20 t at 10 USD/t ─────────────────────────────────────────> demand d (A)
    module j at P: +15 t, capex 300 USD, at most 1;  demand d: 15 t Nd, end use "magnets",
    lost value 50 USD/t;  scenarios calm (p 0.5) and cut (p 0.5: T's capacity 0)

Plans by hand (V = lost value, K = capex):

* build j: own supply 15 t × 5 = 75 in both scenarios → K + 75 (= 375 at K = 300);
* no build: calm buys 15 t × 10 = 150; cut leaves 15 t unmet × V = 15 V → (150 + 15 V) / 2
  (= 450 at V = 50).

So the optimum is min(K + 75, 75 + 7.5 V), with partial alternatives checked per case below.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.batch.definition import BatchError, check_batch, parse_range, parse_sweep, read_batch
from optimizer.batch.runner import Task, execute_local, read_manifest, run_batch
from optimizer.cli import app
from optimizer.io.write import write_workbook

RUNNER = CliRunner()


def micro_sheets(capex=300.0, must_serve=False) -> dict:
    """The instance of the module docstring."""
    return {
        # The docstring's plans build before any scenario is revealed (here-and-now builds).
        "settings": [{"setting": "build_decisions", "value": "here_and_now"}],
        "periods": [{"period": "P1", "discount_factor": 1.0}],
        "countries": [{"country": "A"}, {"country": "C"}],
        "elements": [{"element": "Nd"}],
        "mines": [{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        "mine_assays": [{"mine": "M", "element": "Nd", "share": 1.0}],
        "plants": [{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        "plant_recoveries": [{"plant": "P", "element": "Nd", "recovery": 1.0}],
        "traders": [{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 20,
                     "price_usd_per_t": 10}],
        "demands": [{"demand": "d", "country": "A", "end_use": "magnets",
                     "lost_value_usd_per_t": 50, "must_serve": must_serve}],
        "demand_quantities": [{"demand": "d", "element": "Nd", "period": "P1", "quantity_t": 15}],
        "lanes": [{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "d"},
                  {"origin": "T", "destination": "d"}],
        "modules": [{"module": "j", "site": "P", "capacity_t": 15, "capex_usd": capex,
                     "max_count": 1}],
        "scenarios": [{"scenario": "calm", "probability": 0.5},
                      {"scenario": "cut", "probability": 0.5}],
        "scenario_changes": [{"scenario": "cut", "sheet": "traders", "key": "T",
                              "column": "capacity_t", "value": 0}],
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("base") / "micro.xlsx"
    write_workbook(micro_sheets(), path)
    return path


def write_batch(path: Path, base: Path, batch_rows, sweeps=None, settings=None) -> Path:
    sheets = {"settings": [{"setting": "base", "value": str(base)},
                           {"setting": "mip_gap", "value": 0},
                           {"setting": "focus_country", "value": "C"}] + (settings or [])}
    if batch_rows:
        sheets["batch"] = batch_rows
    if sweeps:
        sheets["sweeps"] = sweeps
    write_workbook(sheets, path)
    return path


# ------------------------------------------------------------------------------------------
# Definitions and validation (no solves)


def test_parse_range_percent_and_absolute():
    """0..100%:11 → factors 0, 0.1, …, 1 (scale); 0..600:3 → 0, 300, 600 (set); @P: period."""
    values, unit, period = parse_range("0..100%:11")
    assert unit == "%" and period is None
    assert values == pytest.approx([i / 10 for i in range(11)])
    assert parse_range("0..600:3@P1") == ([0.0, 300.0, 600.0], "", "P1")
    assert parse_range("5..5:1") == ([5.0], "", None)
    for bad in ("0..100%", "a..b:3", "0..1:0", "0..1:5000", ""):
        with pytest.raises(ValueError):
            parse_range(bad)


def test_parse_sweep_makes_one_run_per_value_with_scale_or_set():
    runs = parse_sweep("export_quotas:CHN,Dy:cap_t=0..100%:3")
    assert [r.sweep_value for r in runs] == [0.0, 0.5, 1.0]
    assert all(r.overrides[0].mode == "scale" and r.overrides[0].key == ("CHN", "Dy")
               for r in runs)
    assert runs[1].name == "export_quotas[CHN,Dy].cap_t=50%"
    named = parse_sweep("dytb=export_quotas:CHN,Dy:cap_t;export_quotas:CHN,Tb:cap_t=0..10:2")
    assert [r.name for r in named] == ["dytb=0", "dytb=10"]
    assert [(o.key, o.mode, o.value) for o in named[1].overrides] == \
        [(("CHN", "Dy"), "set", 10.0), (("CHN", "Tb"), "set", 10.0)]


def test_set_options_make_one_run():
    """``*=`` scales, ``@P`` starts from a period; every --set goes into the one run."""
    from optimizer.batch.definition import parse_set_run

    run = parse_set_run(["traders:T:capacity_t*=0.5@P1", "modules:j:capex_usd=10"], "what_if")
    assert run.name == "what_if"
    assert [o.describe() for o in run.overrides] == [
        "traders[T].capacity_t × 0.5 from P1", "modules[j].capex_usd = 10"]


def test_batch_workbook_runs_options_and_sweeps(tmp_path, base):
    f = write_batch(tmp_path / "b.xlsx", base, [
        {"run": "baseline"},
        {"run": "cheap", "sheet": "traders", "key": "T", "column": "price_usd_per_t",
         "value": 1, "time_limit": 60},
        {"run": "cheap", "sheet": "modules", "key": "j", "column": "capex_usd", "mode": "scale",
         "value": 2},
    ], sweeps=[{"sweep": "voll", "sheet": "demands", "key": "d",
                "column": "lost_value_usd_per_t", "range": "0..100%:3"}])
    defn = read_batch(f)
    assert defn.base == base and defn.focus_country == "C"
    assert [r.name for r in defn.runs] == ["baseline", "cheap", "voll=0%", "voll=50%", "voll=100%"]
    cheap = defn.runs[1]
    assert [(o.sheet, o.mode, o.value) for o in cheap.overrides] == \
        [("traders", "set", 1.0), ("modules", "scale", 2.0)]
    opts = defn.solve_options(cheap, threads=1)
    assert (opts.time_limit_s, opts.mip_rel_gap, opts.threads) == (60.0, 0.0, 1)
    assert defn.solve_options(defn.runs[0]).time_limit_s is None


def test_csv_batch_with_base_option(tmp_path, base):
    f = tmp_path / "batch.csv"
    f.write_text("run,sheet,key,column,mode,value,from_period,mip_gap\n"
                 "dear,traders,T,price_usd_per_t,scale,3,,0\n", encoding="utf-8")
    defn = read_batch(f, base=base)
    assert defn.base == base
    assert defn.runs[0].overrides[0].describe() == "traders[T].price_usd_per_t × 3"


def test_check_batch_names_the_run_for_every_problem(tmp_path, base):
    from optimizer.api import load_instance

    f = write_batch(tmp_path / "bad.xlsx", base, [
        {"run": "r1", "sheet": "nosheet", "key": "T", "column": "capacity_t", "value": 1},
        {"run": "r2", "sheet": "traders", "key": "ZZ", "column": "capacity_t", "value": 1},
        {"run": "r3", "sheet": "traders", "key": "T", "column": "colour", "value": 1},
        {"run": "r4", "sheet": "traders", "key": "T", "column": "capacity_t", "value": 1},
        {"run": "r4", "sheet": "traders", "key": "*", "column": "capacity_t", "value": 2},
        {"run": "r5", "sheet": "traders", "key": "T", "column": "capacity_t", "value": "lots"},
    ])
    defn = read_batch(f)
    with pytest.raises(BatchError) as info:
        check_batch(defn, load_instance(base))
    msg = str(info.value)
    assert "5 problem(s) in the batch definition" in msg
    for run, what in (("r1", "nosheet"), ("r2", "'ZZ'"), ("r3", "'colour'"),
                      ("r4", "change the same cell"), ("r5", "'lots'")):
        line = next(ln for ln in msg.splitlines() if f"'{run}'" in ln)
        assert what in line, line


def test_a_sweep_target_that_matches_nothing_is_listed_once(base):
    """A sweep of 4 runs over trader ZZ, which the base does not have: every run fails the
    same way, so one problem, saying it stops the 3 other runs too. A value out of range is
    the run's own: -10..10 in 3 runs sets -10, 0, 10, and only the first is negative."""
    from optimizer.api import load_instance
    from optimizer.batch.definition import BatchDefinition

    inst = load_instance(base)
    with pytest.raises(BatchError) as info:
        check_batch(BatchDefinition(base, tuple(parse_sweep("traders:ZZ:capacity_t=0..1:4"))),
                    inst)
    assert len(info.value.problems) == 1
    assert "'ZZ'" in str(info.value) and "the same in 3 more runs of sweep" in str(info.value)
    with pytest.raises(BatchError) as info:
        check_batch(BatchDefinition(base, tuple(parse_sweep("traders:T:capacity_t=-10..10:3"))),
                    inst)
    assert len(info.value.problems) == 1 and "-10" in str(info.value)
    assert "more run" not in str(info.value)


def test_cli_invalid_batch_exits_2_and_writes_nothing(tmp_path, base):
    out = tmp_path / "out"
    cases = [
        ["batch", "--base", str(base), "--set", "traders:T:colour=1", "--out", str(out)],
        ["batch", "--base", str(base), "--sweep", "traders:T:capacity_t=0..x:3", "--out", str(out)],
        ["batch", str(tmp_path / "missing.xlsx"), "--out", str(out)],
        ["batch", str(base), "--out", str(out)],  # an instance, not a batch: says so
        ["batch", "--sweep", "traders:T:capacity_t=0..1:2", "--out", str(out)],  # no base
    ]
    for args in cases:
        res = RUNNER.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output and "error:" in res.output
        assert not out.exists()
    res = RUNNER.invoke(app, cases[3])
    assert "pass it as --base" in res.output


# ------------------------------------------------------------------------------------------
# Running a batch


@pytest.fixture(scope="module")
def solved(tmp_path_factory, base):
    """One batch of 6 runs (2 workers), the values checked against the hand derivations."""
    folder = tmp_path_factory.mktemp("batch")
    f = write_batch(folder / "b.xlsx", base, [{"run": "baseline"}], sweeps=[
        {"sweep": "capex", "sheet": "modules", "key": "j", "column": "capex_usd",
         "range": "0..600:3"},
        {"sweep": "voll", "sheet": "demands", "key": "d", "column": "lost_value_usd_per_t",
         "range": "0..50%:2"},
    ])
    out = folder / "out"
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "2", "--quiet"])
    return f, out, res


def test_batch_values_match_hand_derivations(solved):
    """Objectives (expected USD) by hand, with the module docstring's two plans:

    * baseline: min(300 + 75, 75 + 7.5 × 50 = 450) = 375, build j.
    * capex sweep (set K = 0, 300, 600): K = 0 → 0 + 75 = 75 (own supply at 5 < 10);
      K = 300 → 375; K = 600 → min(675, 450) = 450 (no build).
    * voll sweep (scale V by 0 and 50 %): V = 0 → leaving demand unmet is free: 0, with
      15 t unmet in each scenario; V = 25 → min(375, 75 + 7.5 × 25 = 262.5) = 262.5, no build,
      expected unmet 0.5 × 15 = 7.5 t, all delivered Nd processed in C (C share 1).
    """
    _, out, res = solved
    assert res.exit_code == 0, res.output
    s = pd.read_csv(out / "batch_summary.csv").set_index("run")
    expect = {"baseline": 375, "capex=0": 75, "capex=300": 375,
              "capex=600": 450, "voll=0%": 0, "voll=50%": 262.5}
    for run, value in expect.items():
        assert s.loc[run, "status"] == "optimal"
        assert s.loc[run, "objective_usd"] == pytest.approx(value, abs=1e-6), run
    assert s.loc["baseline", "builds"] == "1×j@P1 (A)"
    assert pd.isna(s.loc["capex=600", "builds"]) or s.loc["capex=600", "builds"] == ""
    assert s.loc["voll=0%", "unmet_magnets_t"] == pytest.approx(15)
    assert s.loc["voll=50%", "unmet_t"] == pytest.approx(7.5)
    assert s.loc["voll=50%", "C_share_Nd"] == pytest.approx(1.0)
    assert s.loc["baseline", "C_share_Nd"] == pytest.approx(0.0)
    assert s.loc["voll=50%", "hhi_Nd"] == pytest.approx(10_000)
    curves = pd.read_csv(out / "sweep_curves.csv")
    cap = curves[curves["sweep"] == "capex"]
    assert list(cap["sweep_value"]) == [0, 300, 600]
    assert list(cap["objective_usd"]) == pytest.approx([75, 375, 450])
    assert set(pd.ExcelFile(out / "batch_summary.xlsx").sheet_names) >= {
        "summary", "sweep_curves", "supply_shares", "shadow_prices"}


def test_rebuild_gives_the_hand_values_too(tmp_path, solved):
    """``--rebuild`` (no live model) solves the batch of ``solved`` again: same hand-derived
    objectives (docstring of test_batch_values_match_hand_derivations), each run rebuilt
    (cold or warm-started from the previous run), while the live batch solved every run live
    (each changes only costs: capex, lost value)."""
    f, out, _ = solved
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(tmp_path / "o"), "--jobs", "1",
                              "--quiet", "--rebuild", "--no-report"])
    assert res.exit_code == 0, res.output
    rebuilt = pd.read_csv(tmp_path / "o" / "batch_summary.csv").set_index("run")
    live = pd.read_csv(out / "batch_summary.csv").set_index("run")
    assert set(live["warm_start"]) == {"live"}
    assert set(rebuilt["warm_start"]) <= {"warm", "cold"}
    expect = {"baseline": 375, "capex=0": 75, "capex=300": 375,
              "capex=600": 450, "voll=0%": 0, "voll=50%": 262.5}
    for run, value in expect.items():
        assert rebuilt.loc[run, "objective_usd"] == pytest.approx(value, abs=1e-6), run
    run_dir = tmp_path / "o" / "runs" / "baseline"
    assert (run_dir / "tables" / "builds.csv").exists() and (run_dir / "summary.json").exists()
    assert not (run_dir / "results.xlsx").exists() and not (run_dir / "report.html").exists()


def test_batch_manifests(solved):
    _, out, _ = solved
    bm = json.loads((out / "batch_manifest.json").read_text())
    assert bm["counts"] == {"total": 6, "ok": 6, "failed": 0, "skipped_already_done": 0}
    assert bm["execution"]["jobs"] == 2 and bm["solver"] == "highs"
    m = read_manifest(out / "runs" / "capex_300")
    assert m["status"] == "ok" and m["overrides"] == ["modules[j].capex_usd = 300"]
    assert (m["sweep"], m["sweep_value"], m["sweep_unit"]) == ("capex", 300, "")
    assert m["options"]["threads"] == 1 and m["options"]["mip_rel_gap"] == 0
    assert len(m["input_sha256"]) == 64 and m["warm_start"] in ("live", "warm", "cold")
    for key in ("solver_version", "host", "started_utc", "finished_utc", "times_s"):
        assert m[key], key
    for run in bm["runs"]:
        folder = out / run["folder"]
        assert (folder / "summary.json").exists() and (folder / "tables" / "builds.csv").exists()


def test_rerun_skips_done_runs_and_redoes_changed_ones(solved):
    f, out, _ = solved
    stamp = (out / "runs" / "baseline" / MANIFEST_NAME).stat().st_mtime_ns
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "6 already done" in res.output
    assert (out / "runs" / "baseline" / MANIFEST_NAME).stat().st_mtime_ns == stamp
    # A different default option changes every run's inputs: all are redone.
    defn = read_batch(f)
    from dataclasses import replace

    defn = replace(defn, runs=defn.runs[:1], defaults=(("mip_rel_gap", 0.0),
                                                       ("time_limit_s", 100.0)))
    rep = run_batch(defn, out, jobs=1, quiet=True)
    assert (rep.ok, rep.skipped) == (1, 0)


MANIFEST_NAME = "manifest.json"


def test_failed_runs_are_isolated_and_exit_4(tmp_path):
    """A must-serve demand with no supply left is infeasible; the other run still solves.

    blocked: trader capacity 0 and mine capacity 0 → nothing can reach d, which must be served.
    ok: the base case, K + 75 = 375 (with must_serve the no-build plan is infeasible in 'cut').
    """
    base = tmp_path / "ms.xlsx"
    write_workbook(micro_sheets(must_serve=True), base)
    f = write_batch(tmp_path / "b.xlsx", base, [
        {"run": "ok"},
        {"run": "blocked", "sheet": "traders", "key": "T", "column": "capacity_t", "value": 0},
        {"run": "blocked", "sheet": "mines", "key": "M", "column": "capacity_t", "value": 0},
    ])
    out = tmp_path / "out"
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "2", "-q"])
    assert res.exit_code == 4, res.output
    assert "1 run(s) failed" in res.output and "blocked" in res.output
    s = pd.read_csv(out / "batch_summary.csv").set_index("run")
    assert s.loc["ok", "objective_usd"] == pytest.approx(375)
    assert s.loc["blocked", "status"] == "failed"
    assert "cannot all hold" in s.loc["blocked", "reason"]
    m = read_manifest(out / "runs" / "blocked")
    assert m["status"] == "failed" and m["error_type"] == "InfeasibleError"


def crashing_worker(task):
    """A stand-in worker: the run named 'boom' kills its process, the others succeed."""
    if task.name == "boom":
        os._exit(7)
    time.sleep(0.05)
    return {"name": task.name, "status": "ok", "written": False}


def test_worker_crash_fails_only_that_run():
    tasks = [Task(n, "", "") for n in ("a", "boom", "b", "c", "d")]
    results = {r["name"]: r for r in execute_local(tasks, 2, worker=crashing_worker)}
    assert set(results) == {"a", "boom", "b", "c", "d"}
    assert results["boom"]["status"] == "failed"
    assert "crashed" in results["boom"]["reason"]
    assert all(results[n]["status"] == "ok" for n in "abcd")


def test_kill_9_midway_leaves_no_incomplete_run_reported_done(tmp_path, base):
    """Kill the whole batch (parent and workers) once the first run is done, then resume.

    The resumed runs share one worker and only a cost changes between them, so the model keeps
    its rows and columns: the first redone run starts cold, each later one warm.
    """
    f = write_batch(tmp_path / "b.xlsx", base, [], sweeps=[
        {"sweep": "capex", "sheet": "modules", "key": "j", "column": "capex_usd",
         "range": "0..450:4"}])
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "optimizer", "batch", str(f), "--out", str(out), "--jobs", "1",
           "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if any((read_manifest(p) or {}).get("status") == "ok"
                   for p in (out / "runs").glob("*") if p.is_dir()):
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done = []
    for p in (out / "runs").iterdir():
        m = read_manifest(p) if p.is_dir() else None
        if m and m["status"] == "ok":
            done.append(p.name)
            assert json.loads((p / "summary.json").read_text())["status"] == "optimal"
            assert (p / "results.xlsx").stat().st_size > 0
            assert (p / "tables" / "cost_breakdown.csv").exists()
    assert 1 <= len(done) < 4
    assert not (out / "batch_summary.csv").exists()
    rep = run_batch(read_batch(f), out, jobs=1, quiet=True)
    assert (rep.ok, rep.skipped, rep.failed) == (4, len(done), [])
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]
    s = pd.read_csv(out / "batch_summary.csv")
    # capex 0, 150, 300, 450: build while K + 75 ≤ 450, i.e. K ≤ 375; else 450 (no build)
    assert list(s["objective_usd"]) == pytest.approx([75, 225, 375, 450])
    redone = s[~s["folder"].str.removeprefix("runs/").isin(done)]
    # Only data change from run to run: every redone run is solved on the live model.
    assert list(redone["warm_start"]) == ["live"] * len(redone)


def test_dask_local_cluster(tmp_path, base):
    """Two worker processes started and stopped here; results equal the hand values.

    baseline: 375 (module docstring). cheap_trader (T sells at 1 USD/t): build → calm buys
    15 × 1 = 15, cut uses its own 75: 300 + (15 + 75) / 2 = 345; no build → (15 + 750) / 2 =
    382.5. Optimum 345.
    """
    distributed = pytest.importorskip("distributed")
    f = write_batch(tmp_path / "b.xlsx", base, [
        {"run": "baseline"},
        {"run": "cheap_trader", "sheet": "traders", "key": "T", "column": "price_usd_per_t",
         "value": 1}])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        rep = run_batch(read_batch(f), tmp_path / "out", cluster=cluster.scheduler_address,
                        quiet=True)
    assert (rep.ok, rep.failed) == (2, [])
    s = pd.read_csv(tmp_path / "out" / "batch_summary.csv").set_index("run")
    assert s.loc["baseline", "objective_usd"] == pytest.approx(375)
    assert s.loc["cheap_trader", "objective_usd"] == pytest.approx(345)
    bm = json.loads((tmp_path / "out" / "batch_manifest.json").read_text())
    assert bm["execution"]["mode"] == "dask"
    assert (tmp_path / "out" / "runs" / "baseline" / "tables" / "builds.csv").exists()


def test_unreachable_cluster_is_an_input_error(tmp_path, base, monkeypatch):
    pytest.importorskip("distributed")
    import optimizer.batch.executors as executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    res = RUNNER.invoke(app, ["batch", "--base", str(base), "--set", "traders:T:capacity_t=1",
                              "--cluster", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o"),
                              "-q"])
    assert res.exit_code == 2, res.output
    assert "reachable dask scheduler" in res.output


def test_run_named_like_a_scenario_is_labelled_as_a_batch_run(tmp_path, base):
    """Issue 13 item 7: a batch run 'Cut' (T's capacity halved) shares its name, but for case,
    with the instance's scenario 'cut' (T's capacity 0, probability 0.5), and is not it.

    Its objective is expected over both scenarios with T at 10 t in calm: build j, 375
    (no build: calm 10 × 10 + 5 × 50 = 350, cut 750, expected 550 > 375), not the scenario's
    own cost. The summary, the manifest and the console say it is a batch run; a run with
    another name gets no note.
    """
    f = write_batch(tmp_path / "b.xlsx", base, [
        {"run": "Cut", "sheet": "traders", "key": "T", "column": "capacity_t", "mode": "scale",
         "value": 0.5},
        {"run": "baseline"}])
    out = tmp_path / "out"
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    note = ("batch run 'Cut' is not the instance's scenario 'cut': it applies its own 1 "
            "override(s) to every scenario, and its figures are expected over all of the "
            "instance's scenarios")
    assert f"warning: {note}" in res.output
    s = pd.read_csv(out / "batch_summary.csv", keep_default_na=False).set_index("run")
    assert s.loc["Cut", "note"] == note and s.loc["baseline", "note"] == ""
    assert float(s.loc["Cut", "objective_usd"]) == pytest.approx(375)
    m = json.loads((out / "batch_manifest.json").read_text(encoding="utf-8"))
    assert m["warnings"] == [note]
    assert note in (out / "report.html").read_text(encoding="utf-8").replace("&#39;", "'")
