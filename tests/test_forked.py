"""Forked helpers (optimizer/forked.py): the workbook writer and the verifier.

Work is done in a child, its errors are raised in the parent, the child is killed when the
parent fails, and a run folder is never half written.
"""

from __future__ import annotations

import os
import time

import pytest

from optimizer import forked

pytestmark = pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")


def test_child_does_the_work_while_the_parent_goes_on(tmp_path):
    """The function runs in another process; its private memory is reported."""
    marker = tmp_path / "child.txt"
    stats = {}
    with forked.in_child(lambda: marker.write_text(str(os.getpid())), stats):
        parent_side = os.getpid()
    assert int(marker.read_text()) != parent_side  # written by another process
    assert stats["child_private_mb"] > 0  # read from /proc/self/smaps_rollup (Linux only)


def test_child_error_is_raised_in_the_parent_with_its_traceback():
    """The child's exception comes back as ChildFailed, with its traceback as a note."""
    def fail():
        raise OSError("disk full")

    with pytest.raises(forked.ChildFailed) as info:
        with forked.in_child(fail):
            pass
    assert str(info.value) == "OSError: disk full"
    assert any("in the forked child" in n and "disk full" in n for n in info.value.__notes__)


def test_parent_failure_kills_the_child(tmp_path):
    """The block raises while the child would sleep 60 s.

    The parent re-raises at once and the child never writes its file.
    """
    marker = tmp_path / "late.txt"

    def slow():
        time.sleep(60)
        marker.write_text("too late")

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="parent failed"):
        with forked.in_child(slow):
            raise ValueError("parent failed")
    assert time.perf_counter() - t0 < 5
    assert not marker.exists()


def test_ctrl_c_around_the_fork_is_held_then_raised():
    """A Ctrl-C arriving while the fork is under way is raised right after it, not lost."""
    import signal

    with pytest.raises(KeyboardInterrupt):
        with forked._ctrl_c_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)  # the handler has run by now: held, not raised
            held = True
    assert held


def test_ctrl_c_in_the_parent_kills_the_child(tmp_path):
    """Ctrl-C while the child works: KeyboardInterrupt in the parent, the child gone."""
    import signal

    marker = tmp_path / "late.txt"

    def slow():
        time.sleep(60)
        marker.write_text("too late")

    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with forked.in_child(slow):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
    assert time.perf_counter() - t0 < 5
    assert not marker.exists()


def test_cli_workbook_failure_writes_nothing(tmp_path, monkeypatch):
    """A workbook error in the child: one line naming it, exit 1, no run folder left."""
    from typer.testing import CliRunner

    from optimizer.cli import app
    from optimizer.report import excel

    def broken(run, path):
        raise OSError("No space left on device")

    monkeypatch.setattr(excel, "write_results_workbook", broken)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "instances/ree_baseline_10q.xlsx", "--out", str(out),
                                   "--quiet"])
    assert res.exit_code == 1, res.output
    assert "internal error: ChildFailed: OSError: No space left on device" in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def _json_plain(obj):
    import json

    return json.loads(json.dumps(obj, default=lambda o: o.tolist() if hasattr(o, "tolist")
                                 else str(o)))


def test_verification_in_a_child_gives_the_same_run(baseline):
    """``solve(parallel=True)`` verifies in a forked child while HiGHS ranges.

    Same tables (shadow-price ranges included) and the same verdict as verifying in turn.
    Both fixed LPs start cold: parallel=True would otherwise start the MIP's fixed LP from
    the LP relaxation's basis, and this baseline's degenerate rows could then take other
    (equally optimal) prices and ranges (tests/test_solve_fixed_lp.py).
    """
    from optimizer.api import solve
    from optimizer.solve import SolveOptions

    cold = SolveOptions(fixed_lp_start="cold")
    serial, forked_run = solve(baseline, cold), solve(baseline, cold, parallel=True)
    assert sorted(serial.tables) == sorted(forked_run.tables)
    for name, df in serial.tables.items():
        assert df.equals(forked_run.tables[name]), name
    assert forked_run.verification["checked"] and forked_run.verification["ok"]
    assert _json_plain(serial.verification) == forked_run.verification


def test_failed_verification_in_a_child_raises_as_in_turn(baseline, monkeypatch):
    """A verifier told a cost 1 % off the plan's.

    The child's verdict fails the run with the same message as a local one.
    """
    from optimizer import verify
    from optimizer.api import solve
    from optimizer.errors import SolverError

    real = verify.verify_run
    monkeypatch.setattr(verify, "verify_run",
                        lambda inst, tables, objective: real(inst, tables, objective * 1.01))
    messages = []
    for parallel in (False, True):
        with pytest.raises(SolverError) as info:
            solve(baseline, parallel=parallel)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("the solution failed independent verification")


@pytest.fixture(scope="module")
def baseline():
    """The shipped baseline instance, read once."""
    from optimizer.api import load_instance

    return load_instance("instances/ree_baseline_10q.xlsx")
