"""``supplyopt export-model`` (issue 13, item 10): the file name follows the format, a suffix that
disagrees with ``--format`` is refused, and the file carries readable names.

The instance is test_cli's two-period example (periods P1, P2; mine m1 in AU; plant p1 in US;
trader cn_dy in CN; demand nodes def and ev), whose optimum, 3,240 USD, is derived by hand
there. Names expected below follow the documented rule ``family(node period, key columns)``:

* shipping concentrate from m1 to p1 in P1, mined in AU and processed in US:
  ``ship_concentrate_t(P1,m1,p1,AU,US)``;
* unmet Dy demand of ev in P2: ``unmet_demand_t(P2,ev,Dy)``;
* the demand balance of def's Dy in P1: ``demand_balance(P1,def,Dy)``;
* m1's capacity in P2: ``mine_capacity(P2,m1)``.

Reading the written file back into HiGHS and solving it must give 3,240 USD: the file is the
model, not only a listing.
"""

from __future__ import annotations

import copy

import highspy
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.write import write_workbook
from test_cli import FRAMES

runner = CliRunner()


@pytest.fixture()
def workbook(tmp_path):
    return write_workbook(FRAMES, tmp_path / "cli.xlsx")


def _read_back(path):
    """(column names, row names, optimal objective) of the file as HiGHS reads it."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    lp = h.getLp()
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return list(lp.col_names_), list(lp.row_names_), h.getInfo().objective_function_value


@pytest.mark.parametrize("fmt", ["lp", "mps"])
def test_default_file_name_follows_the_format(workbook, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["export-model", str(workbook), "--format", fmt])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("model")) == \
        [f"model.{fmt}"]
    cols, rows, objective = _read_back(tmp_path / f"model.{fmt}")
    assert objective == pytest.approx(3240, rel=1e-9)
    assert {"ship_concentrate_t(P1,m1,p1,AU,US)", "unmet_demand_t(P2,ev,Dy)"} <= set(cols)
    assert {"demand_balance(P1,def,Dy)", "mine_capacity(P2,m1)"} <= set(rows)


def test_format_follows_the_out_suffix(workbook, tmp_path):
    """``--out x.lp`` alone writes LP text (the LP format's 'min' section, no MPS 'ROWS')."""
    res = runner.invoke(app, ["export-model", str(workbook), "--out", str(tmp_path / "x.lp")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "x.lp").read_text()
    assert "\nmin" in text and "\nROWS" not in text


@pytest.mark.parametrize("args", [["--format", "lp", "--out", "m.mps"],
                                  ["--format", "mps", "--out", "m.lp"],
                                  ["--out", "m.txt"]])
def test_suffix_that_disagrees_is_refused(workbook, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    res = runner.invoke(app, ["export-model", str(workbook), *args])
    assert res.exit_code == 2, res.output
    assert "--out m." in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_names_are_valid_in_both_formats(tmp_path):
    """Mine 'Mt Weld' (a space, invalid in LP and free MPS) is written 'Mt_Weld'; every name
    is unique and has only characters the LP format allows; the model still solves to
    3,240 USD."""
    frames = copy.deepcopy(FRAMES)
    for rows in frames.values():
        for row in rows:
            for k, v in row.items():
                if v == "m1":
                    row[k] = "Mt Weld"
    workbook = write_workbook(frames, tmp_path / "weld.xlsx")
    for fmt in ("lp", "mps"):
        out = tmp_path / f"weld.{fmt}"
        assert runner.invoke(app, ["export-model", str(workbook), "--out", str(out)]).exit_code == 0
        cols, rows, objective = _read_back(out)
        assert objective == pytest.approx(3240, rel=1e-9)
        assert "ship_concentrate_t(P1,Mt_Weld,p1,AU,US)" in cols
        for names in (cols, rows):
            assert len(set(names)) == len(names)
            assert all(" " not in n and "*" not in n and ":" not in n for n in names)


def test_a_file_of_the_users_is_not_overwritten(workbook, tmp_path):
    """A model.lp the tool did not write is refused (exit 2, unchanged); one it wrote is
    replaced."""
    mine = tmp_path / "model.lp"
    mine.write_text("my own model\n")
    res = runner.invoke(app, ["export-model", str(workbook), "--out", str(mine)])
    assert res.exit_code == 2 and mine.read_text() == "my own model\n"
    ours = tmp_path / "ours.lp"
    for _ in range(2):
        res = runner.invoke(app, ["export-model", str(workbook), "--out", str(ours)])
        assert res.exit_code == 0, res.output
    assert ours.read_text().startswith("\\ supplyopt export-model: instance cli")
