"""The forked workbook writer: work done in a child, its errors raised in the parent, the child
killed when the parent fails, and a run folder never half written."""

from __future__ import annotations

import os
import time

import pytest

from optimizer import forked

pytestmark = pytest.mark.skipif(not forked.available(), reason="needs fork and two cores")


def test_child_does_the_work_while_the_parent_goes_on(tmp_path):
    marker = tmp_path / "child.txt"
    stats = {}
    with forked.in_child(lambda: marker.write_text(str(os.getpid())), stats):
        parent_side = os.getpid()
    assert int(marker.read_text()) != parent_side  # written by another process
    assert stats["child_private_mb"] is None or stats["child_private_mb"] > 0


def test_child_error_is_raised_in_the_parent_with_its_traceback():
    def fail():
        raise OSError("disk full")

    with pytest.raises(forked.ChildFailed) as info:
        with forked.in_child(fail):
            pass
    assert str(info.value) == "OSError: disk full"
    assert any("in the forked child" in n and "disk full" in n for n in info.value.__notes__)


def test_parent_failure_kills_the_child(tmp_path):
    """The block raises while the child would sleep 60 s: the parent re-raises at once and
    the child never writes its file."""
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


def test_cli_workbook_failure_writes_nothing(tmp_path, monkeypatch):
    """A workbook error in the child: one line naming it, exit 1, no run folder left."""
    from typer.testing import CliRunner

    from optimizer.cli import app
    from optimizer.report import excel

    def broken(run, path):
        raise OSError("No space left on device")

    monkeypatch.setattr(excel, "write_results_workbook", broken)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "instances/ree_baseline.xlsx", "--out", str(out),
                                   "--quiet"])
    assert res.exit_code == 1, res.output
    assert "internal error: ChildFailed: OSError: No space left on device" in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
