"""Names taken from workbooks (instance, scenario, run names) never escape the output folder."""

import copy
import os

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.write import write_workbook
from optimizer.paths import safe_name
from test_cli import FRAMES


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc_passwd"),
    ("/absolute/path", "absolute_path"),
    ("..", "run"),
    ("", "run"),
    ("a/b\\c", "a_b_c"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("China escalation (Dy × 0)", "China_escalation_Dy_0"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_name_is_bounded():
    assert len(safe_name("x" * 500)) == 80


def test_instance_name_cannot_escape_reports_folder(tmp_path):
    """An instance whose settings name is '../../escaped' is written to reports/escaped under
    the working directory, never two levels up."""
    frames = copy.deepcopy(FRAMES)
    frames["settings"] = [{"setting": "name", "value": "../../escaped"}]
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    path = write_workbook(frames, work / "inst.xlsx")
    cwd = os.getcwd()
    try:
        os.chdir(work)
        res = CliRunner().invoke(app, ["solve", str(path), "-q", "--mip-gap", "0"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    assert (work / "reports" / "escaped" / "summary.json").exists()
    assert not (tmp_path / "escaped").exists()
