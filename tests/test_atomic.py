"""Output safety: a killed or failed solve never leaves a half-written run folder.

``supplyopt solve`` writes into a hidden temporary sibling of the output folder and renames it
only when complete. The subprocess tests start a real solve, wait until that temporary folder
appears (the process is then midway through writing its outputs), and kill it:

* SIGKILL cannot be caught: the output folder must be absent, or still hold the previous
  complete output byte for byte; a stale hidden temporary folder may remain, but nothing
  visible (a name not starting with '.') may be added next to the output.
* SIGINT (Ctrl-C) is caught: exit 130, and the temporary folder is removed as well.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.io.write import write_csv_folder


def small_frames() -> dict:
    """Two mines (AU, CN) → two plants (MY, CN) → ev demand over four periods, two scenarios."""
    periods = ["P1", "P2", "P3", "P4"]
    return {
        "periods": [dict(period=p) for p in periods],
        "countries": [dict(country=c) for c in ("AU", "CN", "MY", "US")],
        "elements": [dict(element="Nd"), dict(element="Dy")],
        "mines": [dict(mine="au", country="AU", capacity_t=100, cost_usd_per_t=20),
                  dict(mine="cn", country="CN", capacity_t=100, cost_usd_per_t=10)],
        "mine_assays": [dict(mine=m, element=e, share=s) for m in ("au", "cn")
                        for e, s in (("Nd", 0.4), ("Dy", 0.05))],
        "plants": [dict(plant="my", country="MY", capacity_t=80, opex_usd_per_t=8),
                   dict(plant="cnp", country="CN", capacity_t=200, opex_usd_per_t=5)],
        "plant_recoveries": [dict(plant=p, element=e, recovery=0.9) for p in ("my", "cnp")
                             for e in ("Nd", "Dy")],
        "demands": [dict(demand="ev", country="US", end_use="ev", lost_value_usd_per_t=3000)],
        "demand_quantities": [dict(demand="ev", element=e, period=p, quantity_t=q)
                              for p in periods for e, q in (("Nd", 30), ("Dy", 3))],
        "lanes": [dict(origin="au", destination="my", cost_usd_per_t=3),
                  dict(origin="cn", destination="cnp", cost_usd_per_t=1),
                  dict(origin="my", destination="ev", cost_usd_per_t=5),
                  dict(origin="cnp", destination="ev", cost_usd_per_t=4)],
        "scenarios": [dict(scenario="base", probability=0.7),
                      dict(scenario="cut", probability=0.3)],
        "scenario_changes": [dict(scenario="cut", sheet="lanes", key="cnp,ev", column="capacity_t",
                                  value=0, from_period="P3")],
    }


def _visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _start_and_kill(instance: Path, out: Path, sig: int) -> subprocess.CompletedProcess:
    """Start a solve; send ``sig`` as soon as its temporary output folder exists."""
    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "solve", str(instance), "--out",
                             str(out), "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    seen = None
    while time.monotonic() < deadline and proc.poll() is None:
        tmp = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.tmp-")]
        if tmp:
            seen = tmp[0]
            break
        time.sleep(0.005)
    if seen is None:
        proc.kill()
        out_, err = proc.communicate()
        pytest.fail(f"the solve ended before writing started (exit {proc.returncode}): {err}")
    os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    return write_csv_folder(small_frames(), tmp_path_factory.mktemp("atomic") / "instance")


def test_sigkill_midway_keeps_previous_output(instance, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "summary.json").write_text('{"status": "optimal", "previous": true}\n')
    (out / "tables").mkdir()
    (out / "tables" / "flows.csv").write_text("previous,output\n1,2\n")
    before = _tree(out)
    res = _start_and_kill(instance, out, signal.SIGKILL)
    assert res.returncode == -signal.SIGKILL
    assert _tree(out) == before  # the previous complete output, untouched
    assert _visible(tmp_path) == {"run"}  # nothing visible added next to it


def test_sigint_midway_writes_nothing_and_cleans_up(instance, tmp_path):
    out = tmp_path / "run"
    res = _start_and_kill(instance, out, signal.SIGINT)
    assert res.returncode == 130, res.stderr
    assert "interrupted" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # the hidden temporary folder is gone too


def test_infeasible_must_serve_exits_3_and_writes_no_plan(tmp_path):
    """Defence in the US must be served, but its only supplier processes in CN, which is banned.

    Whatever the solver does, no plan exists: exit 3, the explanation names the demand, and no
    plan (tables, results.xlsx, report.html) or temporary folder is written.
    """
    from optimizer.cli import app

    frames = small_frames()
    frames["demands"] = [dict(demand="us_defence", country="US", end_use="defence",
                              must_serve=True)]
    frames["demand_quantities"] = [dict(demand="us_defence", element="Nd", period="P1",
                                        quantity_t=5)]
    frames["lanes"] = [dict(origin="cn", destination="cnp"),
                       dict(origin="cnp", destination="us_defence")]
    frames["end_use_limits"] = [dict(country="CN", basis="processed", end_use="defence",
                                     max_t=0)]
    frames.pop("scenarios")
    frames.pop("scenario_changes")
    inst = write_csv_folder(frames, tmp_path / "instance")
    out = tmp_path / "out" / "run"
    res = CliRunner().invoke(app, ["solve", str(inst), "--out", str(out), "--quiet"])
    assert res.exit_code == 3, res.output
    assert "us_defence" in res.output
    assert "Traceback" not in res.output
    if out.exists():  # a failure note may be written, never a plan
        assert not (out / "tables").exists()
        assert not (out / "results.xlsx").exists() and not (out / "report.html").exists()
    leftovers = [p.name for p in (tmp_path / "out").iterdir()] if (tmp_path / "out").exists() \
        else []
    assert not [n for n in leftovers if n.startswith(".")], leftovers


def test_finished_folder_takes_the_usual_permissions(tmp_path):
    """Private (0700) while being written, then the mode of any new folder (0755, umask 022).

    So a team sharing a reports folder can read a finished run.
    """
    from optimizer.output import atomic_dir

    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "run") as tmp:
            assert tmp.stat().st_mode & 0o777 == 0o700
            (tmp / "summary.json").write_text("{}")
    finally:
        os.umask(old)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


def test_atomic_files_take_the_usual_permissions(tmp_path):
    """A file written through ``atomic_file`` ends with a new file's mode (0644, umask 022).

    Batch manifests, summaries and reports were left with mkstemp's 0600.
    """
    from optimizer.output import atomic_file

    old = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "batch_summary.csv", durable=True) as tmp:
            tmp.write_text("run,status\n")
    finally:
        os.umask(old)
    assert (tmp_path / "batch_summary.csv").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["batch_summary.csv"]
