"""Every ``--help`` shows its help texts as written (issue 13, item 9).

Rich markup rendered ``sheet:key:column`` as ``sheet🔑column`` (the ``:key:`` emoji) and ate
``[reports/<instance>/]`` as a style tag. The check is generic, so a future help text cannot
fall into the same trap: for every command, each option's and argument's help string, and the
command's own description, must appear in the rendered page. Whitespace is ignored on both
sides, since the page wraps lines (and may break words at hyphens).
"""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from optimizer.cli import app

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_command_is_checked():
    assert {"solve", "batch", "analyse", "report", "verify", "export-model", "validate",
            "template", "generate"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_every_help_text_verbatim(name):
    # typer >= 0.29 no longer depends on click: no click annotation here
    command = typer.main.get_command(app).commands[name]
    res = runner.invoke(app, [name, "--help"], terminal_width=100)
    assert res.exit_code == 0, res.output
    page = _squeeze(res.output)
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    missing = [t for t in texts if t and _squeeze(t) not in page]
    assert missing == []
    assert "🔑" not in res.output


@pytest.mark.parametrize("name", ["solve", "batch"])
def test_set_help_shows_a_comma_key(name):
    """The key of export_quotas is (country, product, period): 'CHN,Dy' names its CHN Dy rows."""
    res = runner.invoke(app, [name, "--help"], terminal_width=100)
    assert "export_quotas:CHN,Dy:cap_t=0" in _squeeze(res.output)
    assert "SHEET:KEY:COLUMN=VALUE" in res.output


def test_wrong_key_error_says_what_keys_look_like(tmp_path):
    """test_cli's instance: 'lanes' has key columns origin, destination and first row m1 → p1.
    A key 'p1-m1' matches no row: the message names the columns, says they are joined by
    commas, and shows the first row's key 'm1,p1'."""
    from optimizer.io.write import write_workbook
    from test_cli import FRAMES

    workbook = write_workbook(FRAMES, tmp_path / "cli.xlsx")
    res = runner.invoke(app, ["solve", str(workbook), "--set", "lanes:p1-m1:cost_usd_per_t=2",
                              "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2, res.output
    assert "origin, destination joined by commas" in res.output
    assert "e.g. 'm1,p1'" in res.output
    assert not (tmp_path / "o").exists()
