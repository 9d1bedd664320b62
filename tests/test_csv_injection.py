"""No CSV the tool writes holds a text cell a spreadsheet would run (issue 13, item 2).

OWASP's rule: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
written with a leading ``'``; numbers are never touched. The tool's readers remove the prefix,
so names survive a round trip (``verify``, ``report``, an instance written as CSV and read
back). The expected cells below are written out by hand from that rule.
"""

from __future__ import annotations

import copy
import csv
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.api import load_instance
from optimizer.cli import app
from optimizer.csv_safe import neutralise, read_csv, restore, write_csv
from optimizer.io.write import write_csv_folder, write_workbook
from test_cli import FRAMES

runner = CliRunner()
EVIL = "=HYPERLINK(\"http://x\",\"m1\")"


@pytest.mark.parametrize("text, written", [
    ("=1+1", "'=1+1"),
    ("+cmd", "'+cmd"),
    ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("'=x", "''=x"),          # already quoted text: one more quote, so the reader can undo it
    ("-5", "-5"),             # a number written as text is not a formula
    ("-1.5e-3", "-1.5e-3"),
    ("'s-Hertogenbosch", "'s-Hertogenbosch"),  # a quote not followed by a trigger: unchanged
    ("AUS_MtWeld", "AUS_MtWeld"),
    ("", ""),
])
def test_neutralise_text_and_restore_it(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


def test_numbers_stay_numbers(tmp_path):
    """A float column keeps -2.5 as the number -2.5 (no quote); the text column is prefixed."""
    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"name": ["=x", "y"], "value": [-2.5, 3.0]}), path)
    rows = list(csv.reader(path.open(newline="")))
    assert rows == [["name", "value"], ["'=x", "-2.5"], ["y", "3"]]
    back = read_csv(path)
    assert back["name"].tolist() == ["=x", "y"] and back["value"].tolist() == [-2.5, 3.0]


def _evil_frames() -> dict:
    """test_cli's instance with mine 'm1' renamed to a formula (every reference follows)."""
    frames = copy.deepcopy(FRAMES)
    for rows in frames.values():
        for row in rows:
            for k, v in row.items():
                if v == "m1":
                    row[k] = EVIL
    return frames


def _cells(folder):
    """(file, text) of every CSV cell under ``folder``."""
    for path in sorted(folder.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    yield path.relative_to(folder).as_posix(), cell


def _formula_like(cell: str) -> bool:
    if not cell or cell[0] not in "=+-@\t\r":
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_solve_tables_hold_no_formula_and_round_trip(tmp_path):
    """Mine ``=HYPERLINK(...)`` appears in flows.csv as ``'=HYPERLINK(...)``; no cell of any
    tables/*.csv starts like a formula; negative numbers (shadow prices: one more tonne of
    plant capacity in P2 saves money, so its dual is negative) stay bare numbers; verify and
    report read the names back (exit 0)."""
    workbook = write_workbook(_evil_frames(), tmp_path / "evil.xlsx")
    out = tmp_path / "run"
    res = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "-q", "--mip-gap", "0"])
    assert res.exit_code == 0, res.output
    cells = list(_cells(out))
    assert [c for c in cells if _formula_like(c[1])] == []
    assert ("tables/flows.csv", "'" + EVIL) in cells
    negatives = [c for _, c in cells if c.startswith("-")]
    assert negatives and all(float(c) <= 0 for c in negatives)  # '-0' is a number too
    res = runner.invoke(app, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert EVIL in (out / "report.html").read_text(encoding="utf-8").replace("&#34;", '"') \
        .replace("&quot;", '"')


def test_batch_csvs_hold_no_formula(tmp_path):
    """A batch run named ``=evil`` (--set-name) and the evil mine: batch_summary.csv's run
    cell is ``'=evil``, and no CSV in the batch folder starts like a formula."""
    workbook = write_workbook(_evil_frames(), tmp_path / "evil.xlsx")
    out = tmp_path / "batch"
    res = runner.invoke(app, ["batch", "--base", str(workbook), "--set",
                              "plants:p1:capacity_t=80", "--set-name", "=evil",
                              "--out", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    cells = list(_cells(out))
    assert [c for c in cells if _formula_like(c[1])] == []
    assert ("batch_summary.csv", "'=evil") in cells


def test_instance_csv_folder_round_trips(tmp_path):
    """write_csv_folder writes ``'=HYPERLINK(...)`` and the reader gives back the same mine
    name the workbook gives (Excel's own reading of a leading quote)."""
    frames = _evil_frames()
    folder = write_csv_folder(frames, tmp_path / "inst")
    assert f"'{EVIL}" in (folder / "mines.csv").read_text(encoding="utf-8").replace('""', '"')
    from_csv = load_instance(folder)
    from_xlsx = load_instance(write_workbook(frames, tmp_path / "inst.xlsx"))
    assert from_csv.table("mines")["mine"].tolist() == [EVIL]
    assert from_xlsx.table("mines")["mine"].tolist() == [EVIL]
    json.dumps(from_csv.table("mines")["mine"].tolist())  # plain text, no quote left
