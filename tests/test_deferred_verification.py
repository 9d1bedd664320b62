"""A verification left running past the solve (``solve(defer_verification=True)``).

``supplyopt solve`` writes its tables while the forked verifier works, and waits for the
verdict before summary.json (optimizer/verification.py, optimizer/output.py ``write_run``).
The verdict must be the one a verification in turn gives; a plan that fails it, or a write
that fails first, must leave no run folder and no child behind.
"""

from __future__ import annotations

import os

import pytest

from optimizer import forked

pytestmark = pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")

INSTANCE = "instances/ree_baseline_10q.xlsx"


@pytest.fixture(scope="module")
def baseline():
    """The 10-quarter baseline, read once."""
    from optimizer.api import load_instance

    return load_instance(INSTANCE)


def _cost_one_percent_off(monkeypatch):
    """The verifier is told a cost 1 % off the plan's: the plan must fail it."""
    from optimizer import verify

    real = verify.verify_run
    monkeypatch.setattr(verify, "verify_run",
                        lambda inst, tables, objective: real(inst, tables, objective * 1.01))


def test_deferred_verdict_is_the_verdict_in_turn(baseline):
    """Left running, then read by ``summary()``: the same report as verifying in turn."""
    from optimizer.api import solve

    in_turn = solve(baseline)
    deferred = solve(baseline, parallel=True, defer_verification=True)
    assert deferred.pending_verification is not None  # still at work when solve returned
    assert deferred.verification == {}
    summary = deferred.summary()
    assert deferred.pending_verification is None
    assert summary["verification"]["checked"] and summary["verification"]["ok"]
    assert summary["verification"]["rows_checked"] == in_turn.verification["rows_checked"]
    assert summary["times_s"]["verify"] > 0


def test_deferred_failure_raises_the_message_in_turn(baseline, monkeypatch):
    """A plan failing the deferred verifier fails when it is waited for, as in turn."""
    from optimizer.api import solve
    from optimizer.errors import SolverError

    _cost_one_percent_off(monkeypatch)
    with pytest.raises(SolverError) as in_turn:
        solve(baseline)
    run = solve(baseline, parallel=True, defer_verification=True)
    with pytest.raises(SolverError) as deferred:
        run.finish_verification()
    assert str(deferred.value) == str(in_turn.value)
    assert str(in_turn.value).startswith("the solution failed independent verification")


def test_a_child_that_dies_is_replaced_by_a_verification_here(baseline, monkeypatch):
    """The child exits without a verdict (killed, out of memory): the parent verifies the plan
    itself and the run goes on with a verdict."""
    from optimizer import verify
    from optimizer.api import solve

    real, parent = verify.verify_run, os.getpid()

    def dies_in_a_child(inst, tables, objective):
        if os.getpid() != parent:
            os._exit(3)
        return real(inst, tables, objective)

    monkeypatch.setattr(verify, "verify_run", dies_in_a_child)
    run = solve(baseline, parallel=True, defer_verification=True)
    run.finish_verification()
    assert run.verification["checked"] and run.verification["ok"]
    assert "verify" not in run.child_private_mb  # no child reported


def test_cli_failed_verification_writes_nothing(tmp_path, monkeypatch):
    """``supplyopt solve`` with a plan the verifier refuses: one message, exit 1, and the
    tables already written in the staging folder are gone with it."""
    from typer.testing import CliRunner

    from optimizer.cli import app

    _cost_one_percent_off(monkeypatch)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", INSTANCE, "--out", str(out), "--quiet",
                                   "--no-report"])
    assert res.exit_code != 0, res.output
    assert "the solution failed independent verification" in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_failed_write_stops_the_verifier(baseline, tmp_path, monkeypatch):
    """The tables cannot be written: the error is the write's, the child is killed unread and
    nothing is left on disk."""
    from optimizer import output
    from optimizer.api import solve

    run = solve(baseline, parallel=True, defer_verification=True)
    child = run.pending_verification._child
    assert child is not None

    def full_disk(tables, folder):
        raise OSError("No space left on device")

    monkeypatch.setattr(output, "write_tables", full_disk)
    with pytest.raises(OSError, match="No space left"):
        output.write_run(run, tmp_path / "run", render=False)
    assert run.pending_verification is None and child.pid is None  # killed and reaped
    assert list(tmp_path.iterdir()) == []
