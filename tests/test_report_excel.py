"""results.xlsx is formatted for people and never turns workbook text into a formula.

Uses the micro-instance of ``test_report_sentences`` (optimal cost USD 5,600, one build of
``sep`` with capex USD 1,000, binding CN Dy quota in T2/cut with shadow price −400). Expected
formats are the report's documented choices: tonnes ``#,##0.0``, small USD ``#,##0``, USD per
unit ``#,##0.00``, shares ``0.0%``; the header row is frozen (pane at A2).
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from test_report_sentences import solve_micro

EVIL = '=HYPERLINK("http://example.com/x","click")'


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return solve_micro(tmp_path_factory.mktemp("excel"))


@pytest.fixture(scope="module")
def wb(run_dir):
    return load_workbook(run_dir / "results.xlsx")


def _header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def test_contents_sheet_links_every_sheet(wb):
    ws = wb["contents"]
    assert wb.sheetnames[0] == "contents"
    links = {c.value: c.hyperlink.location if c.hyperlink.location else c.hyperlink.target
             for c in ws["A"] if c.hyperlink is not None}
    for name in wb.sheetnames[1:]:
        assert name in links, name
        assert links[name] == f"'{name}'!A1" or links[name] == f"#'{name}'!A1"


def test_frozen_headers_and_units(wb):
    for name in ("builds", "flows", "unmet_demand", "supply_mix", "dual_export_quota_cap",
                 "cost_breakdown"):
        assert wb[name].freeze_panes == "A2", name
    h = _header(wb["builds"])
    assert "capex_usd (USD)" in h and "capacity_added_t (t)" in h
    assert "tonnes (t)" in _header(wb["flows"])
    assert "share (%)" in _header(wb["supply_mix"])
    assert "shadow_price (USD per unit of rhs)" in _header(wb["dual_export_quota_cap"])


def test_number_formats(wb):
    ws = wb["builds"]
    h = _header(ws)
    assert ws.cell(2, h["capex_usd (USD)"]).value == 1000
    assert ws.cell(2, h["capex_usd (USD)"]).number_format == "#,##0"
    assert ws.cell(2, h["capacity_added_t (t)"]).number_format == "#,##0.0"
    ws = wb["supply_mix"]
    assert ws.cell(2, _header(ws)["share (%)"]).number_format == "0.0%"
    ws = wb["summary"]
    assert ws["B4"].value == pytest.approx(5600)
    assert ws["B4"].number_format == "#,##0"


def test_binding_rows_highlighted(wb):
    """Only the T2/cut quota row binds with a price (−400); the others are slack (2 < 3 t)."""
    ws = wb["dual_export_quota_cap"]
    h = _header(ws)
    rows = list(ws.iter_rows(min_row=2))
    hl = [r for r in rows if r[0].fill.fgColor.rgb in ("00FFF2CC", "FFFFF2CC")]
    assert len(hl) == 1
    assert hl[0][h["shadow_price (USD per unit of rhs)"] - 1].value == pytest.approx(-400)
    assert hl[0][h["shadow_price (USD per unit of rhs)"] - 1].number_format == "#,##0.00"


def test_native_charts_present(run_dir):
    # openpyxl keeps charts it reads in ws._charts; check the package parts as well.
    import zipfile

    wb = load_workbook(run_dir / "results.xlsx")
    assert len(wb["cost_breakdown"]._charts) == 1
    assert len(wb["supply_mix_chart"]._charts) == 1
    with zipfile.ZipFile(run_dir / "results.xlsx") as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 2


def test_formula_injection_stays_text(tmp_path):
    """A demand named like a formula is a string cell in every sheet, and escaped in HTML."""
    run_dir = solve_micro(tmp_path, demand=EVIL)
    wb = load_workbook(run_dir / "results.xlsx")
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and "HYPERLINK" in c.value:
                    assert c.data_type == "s", (ws.title, c.coordinate)
                    if c.value == EVIL:
                        assert c.quotePrefix
                        found += 1
    assert found >= 3  # unmet_demand, flows, dual tables at least
    # The raw XML must hold no formula element.
    import zipfile

    with zipfile.ZipFile(run_dir / "results.xlsx") as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n)
                       for n in z.namelist() if n.startswith("xl/worksheets/"))
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    # jinja2 autoescape writes " as &#34;: the name shows literally and cannot open a tag.
    assert str(escape(EVIL)) in page
    # Outside scripts, the quotes are entity-escaped: no raw attribute-breaking text.
    body = page.split("</head>", 1)[1]
    text_parts = [p.split("</script>", 1)[-1] for p in body.split("<script>")]
    assert all(EVIL not in p for p in text_parts)


def test_table_sheet_edge_values(tmp_path):
    """Values with no plain Excel number: ±inf (an unbounded ranging limit) shows as text
    ``inf``/``-inf``, NaN stays blank, booleans stay booleans; a binding, priced row of a
    ``dual_*`` table is filled across the row, blanks and text included, and text that looks
    like a formula keeps its quote prefix under the fill."""
    import math

    import pandas as pd

    from optimizer.report.excel import write_tables_workbook

    df = pd.DataFrame({"key": ["a", EVIL], "rhs_range_high": [math.inf, -math.inf],
                       "slack": [math.nan, 1.5], "shadow_price": [0.0, -2.0],
                       "binding": [False, True]})
    path = tmp_path / "t.xlsx"
    write_tables_workbook({"dual_x": df}, path)
    ws = load_workbook(path)["dual_x"]
    h = _header(ws)
    assert ws.cell(2, h["rhs_range_high (t)"]).value == "inf"
    assert ws.cell(3, h["rhs_range_high (t)"]).value == "-inf"
    assert ws.cell(2, h["slack (t)"]).value is None
    assert ws.cell(3, h["slack (t)"]).value == 1.5
    assert ws.cell(3, h["slack (t)"]).number_format == "#,##0.0"
    assert ws.cell(2, h["binding"]).value is False and ws.cell(3, h["binding"]).value is True
    filled = [c.fill.fgColor.rgb[-6:] == "FFF2CC" if c.fill.patternType else False
              for c in ws[3]]
    assert all(filled) and not any(c.fill.patternType for c in ws[2])
    assert ws.cell(3, h["key"]).value == EVIL and ws.cell(3, h["key"]).quotePrefix
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"



def test_long_shadow_price_tables_keep_the_most_valuable_binding_rows(monkeypatch):
    """A ``dual_*`` table longer than the cap shows only binding rows with a non-zero price,
    and at most ``cap`` of them: those with the largest absolute price, in table order.

    Five rows, prices −5, 0, 3, −1, 7, the last one not binding: the binding priced rows are
    a (|−5|), c (3) and d (|−1|). With a cap of 2 the sheet keeps a and c; with a cap of 3 it
    keeps all three; a table of no more rows than the cap, or not a ``dual_*`` table, is shown
    whole.
    """
    import pandas as pd

    from optimizer.report import excel

    df = pd.DataFrame({"key": list("abcde"), "shadow_price": [-5.0, 0.0, 3.0, -1.0, 7.0],
                       "binding": [True, True, True, True, False]})
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 2)
    shown, note = excel.workbook_rows("dual_x", df)
    assert shown["key"].tolist() == ["a", "c"]
    assert note == ("The 2 binding rows with the largest absolute price, of 3 binding with a "
                    "non-zero price and 5 rows in all; every row is in tables/dual_x.csv")
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 3)
    shown, note = excel.workbook_rows("dual_x", df)
    assert shown["key"].tolist() == ["a", "c", "d"]
    assert note == ("Binding rows with a non-zero price only (3 of 5); every row is in "
                    "tables/dual_x.csv")
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 5)
    assert excel.workbook_rows("dual_x", df) == (df, None)
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 2)
    assert excel.workbook_rows("flows", df) == (df, None)


def test_long_unmet_and_stock_tables_keep_their_positive_rows(monkeypatch):
    """Longer than the cap, ``unmet_demand`` shows only rows with unmet demand (here the second
    and fourth of four: 2 t and 0.5 t); at or under the cap it is shown whole."""
    import pandas as pd

    from optimizer.report import excel

    df = pd.DataFrame({"demand": list("wxyz"), "demand_t": [5.0, 5.0, 5.0, 5.0],
                       "unmet_t": [0.0, 2.0, 0.0, 0.5]})
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 3)
    shown, note = excel.workbook_rows("unmet_demand", df)
    assert shown["demand"].tolist() == ["x", "z"]
    assert note == "Rows with unmet_t > 0 only (2 of 4); every row is in tables/unmet_demand.csv"
    monkeypatch.setattr(excel, "LONG_TABLE_ROWS", 4)
    assert excel.workbook_rows("unmet_demand", df) == (df, None)


def test_year_period_labels_stay_text(tmp_path):
    """Periods may be years (the 2035 baseline's 2029): a saved table read back keeps them as
    the labels '2029' and '2034', so results.xlsx shows 2029, not the number 2,029; a rate
    per period (fixed_om_usd_per_period) and a count (lifetime_periods) stay numbers."""
    import json

    from optimizer.report.load import load_run

    (tmp_path / "tables").mkdir()
    (tmp_path / "summary.json").write_text(json.dumps({}), encoding="utf-8")
    (tmp_path / "tables" / "builds.csv").write_text(
        "module,online_period,decision_period,fixed_om_usd_per_period,lifetime_periods\n"
        "j,2029,2027,5,80\nk,2034,2032,0,40\n", encoding="utf-8")
    b = load_run(tmp_path).tables["builds"]
    assert b["online_period"].tolist() == ["2029", "2034"]
    assert b["decision_period"].tolist() == ["2027", "2032"]
    assert b["fixed_om_usd_per_period"].tolist() == [5, 0]
    assert b["lifetime_periods"].tolist() == [80, 40]
