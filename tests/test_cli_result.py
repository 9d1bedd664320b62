"""The result table after ``supplyopt solve`` (issue 16 item 7): rows, colour rules, worst scenario.

Figures are derived by hand in each docstring; the solve uses tests/test_cli.py's instance.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.cli_result import Row, plain_lines, print_rows, use_colour, worst_unmet
from optimizer.io.write import write_workbook
from tests.test_cli import FRAMES

runner = CliRunner()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    """A pipe (StringIO: not a tty) never gets colour; a tty does unless NO_COLOR is set
    (any non-empty value, https://no-color.org) or TERM is dumb."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_colour(_Tty()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(_Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert use_colour(_Tty()) is False


def test_plain_text_has_no_escape_codes_and_colour_has():
    """The same rows: plain output is aligned text with no ANSI escape (ESC, 0x1b); the colour
    output carries the words and SGR escapes."""
    rows = [Row("status", "optimal", "good"), Row("unmet demand", "none", "good")]
    plain, coloured = io.StringIO(), io.StringIO()
    print_rows(rows, plain, colour=False)
    print_rows(rows, coloured, colour=True)
    assert plain.getvalue() == "  status        optimal\n  unmet demand  none\n"
    assert plain_lines(rows) == plain.getvalue().splitlines()
    assert "\x1b[" in coloured.getvalue()
    assert "optimal" in coloured.getvalue() and "unmet demand" in coloured.getvalue()


def test_worst_scenario_is_the_one_with_most_unmet_tonnes():
    """Scenario a: 4 t unmet (defence 1 + 3 over two periods); b: 5 t (ev 5). b is worst, with
    ev 5 t of 10 t and defence 0 t of 2 t; a tie would keep the first scenario listed."""
    unmet = pd.DataFrame({
        "scenario": ["a", "a", "a", "b", "b"],
        "period": ["P1", "P2", "P1", "P1", "P1"],
        "end_use": ["defence", "defence", "ev", "ev", "defence"],
        "demand_t": [1.0, 3.0, 10.0, 10.0, 2.0],
        "unmet_t": [1.0, 3.0, 0.0, 5.0, 0.0],
    })
    assert worst_unmet(unmet) == ("b", [("ev", 5.0, 10.0), ("defence", 0.0, 2.0)])
    tie = unmet.assign(unmet_t=[1.0, 1.0, 0.0, 2.0, 0.0])  # a: 2 t, b: 2 t
    assert worst_unmet(tie)[0] == "a"
    assert worst_unmet(unmet.iloc[0:0]) == (None, [])


def test_solve_prints_the_table_as_plain_text(tmp_path):
    """ev's lost value set to 1 USD/t. Defence's 3 t Dy (lost value 10,000 USD/t) needs 30 t of
    concentrate (assay 0.1) at 16 USD/t = 480 USD; those 30 t also bring 15 t Nd (assay 0.5),
    free for ev. The other 5 t Nd would cost 32 USD/t > 1: unmet. P2's 10 t Dy for ev: unmet
    (mining costs 160 USD per t Dy > 1). Cost 480 + 5 + 10 = 495 USD; ev 15 t of 30 t unmet
    (50 %), defence 0 t of 3 t; no builds. CliRunner's stdout is not a terminal: plain text."""
    workbook = write_workbook(FRAMES, tmp_path / "cli.xlsx")
    out = tmp_path / "o"
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "--mip-gap", "0",
                              "--set", "demands:ev:lost_value_usd_per_t=1"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["objective_usd"] == pytest.approx(495)
    lines = [" ".join(line.split()) for line in res.stdout.splitlines()]
    assert lines[0] == f"optimal: expected cost USD 495 -> {out}"
    assert "status optimal" in lines
    assert "expected cost USD 495" in lines
    assert "builds no new builds" in lines
    assert "unmet demand over the horizon" in lines
    assert lines.index("ev 15.0 t of 30.0 t (50 %)") < lines.index("defence 0.0 t of 3.0 t (0 %)")
    assert any(line.startswith("verification ok: max violation") for line in lines)
    assert "\x1b[" not in res.stdout
