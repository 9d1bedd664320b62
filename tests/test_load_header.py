"""A saved table's column names read by the report's loader (optimizer/report/load.py
``_header``) are those pandas reads: it picks the period columns to read as text."""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer.report.load import _header


@pytest.mark.parametrize("text", [
    "scenario,period,tonnes\ncalm,2029,1\n",            # a period column read as text
    '"a,b","q""q",x\n1,2,3\n',                          # quoted names
    "\ufeffperiod,x\n2029,1\n",                         # a byte-order mark
    "d,d,online_period\n1,2,3\n",                       # duplicates: pandas' own mangling
    "only\n",                                           # a header and no rows
])
def test_the_names_pandas_reads(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    assert _header(path) == list(pd.read_csv(path, nrows=0).columns)


def test_an_empty_file_is_left_to_pandas(tmp_path):
    """No header at all: pandas' error, which the loader turns into an empty table."""
    path = tmp_path / "t.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(pd.errors.EmptyDataError):
        _header(path)


def test_a_saved_run_reads_as_before(tmp_path):
    """Every table of a solved and saved 10-quarter run: the names pandas reads."""
    from optimizer.api import load_instance, solve
    from optimizer.output import write_run
    from optimizer.report.load import load_run

    write_run(solve(load_instance("instances/ree_baseline_10q.xlsx")), tmp_path / "run",
              render=False)
    for f in sorted((tmp_path / "run" / "tables").glob("*.csv")):
        assert _header(f) == list(pd.read_csv(f, nrows=0).columns), f.name
    assert len(load_run(tmp_path / "run").tables) > 20


def test_year_periods_stay_text(tmp_path):
    """Periods named by year (2029) are read as the text "2029", not the number 2,029."""
    from optimizer.report.load import load_run

    (tmp_path / "tables").mkdir()
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / "tables" / "flows.csv").write_text(
        "period,online_period,tonnes_per_period,tonnes\n2029,2030,1,2.5\n", encoding="utf-8")
    flows = load_run(tmp_path).tables["flows"]
    assert flows.loc[0, "period"] == "2029" and flows.loc[0, "online_period"] == "2030"
    assert flows.loc[0, "tonnes_per_period"] == 1 and flows.loc[0, "tonnes"] == 2.5
