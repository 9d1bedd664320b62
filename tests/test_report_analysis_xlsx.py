"""analysis.xlsx gets the care of results.xlsx: contents sheet, units, formats, frozen headers.

Hand-written analytics tables (no solve): RP = USD 712,263,073.73 (a value that used to show
as ``712263073.7336559`` in General format), one cut-off row, two solves.
"""

from __future__ import annotations

import openpyxl
import pandas as pd

from optimizer.report.batch_html import write_analysis_report


def _folder(tmp_path):
    folder = tmp_path / "analysis"
    folder.mkdir()
    pd.DataFrame({"measure": ["RP"], "definition": ["resilient plan"],
                  "value_usd": [712263073.7336559]}).to_csv(folder / "measures.csv", index=False)
    pd.DataFrame({"country": ["CHN"], "from_period": ["P1"], "builds": ["chosen"],
                  "status": ["ok"], "expected_cost_usd": [800e6], "cost_increase_usd": [87.7e6],
                  "expected_unmet_t": [12.5], "reason": [None]}).to_csv(
        folder / "cutoff_screen.csv", index=False)
    pd.DataFrame({"solve": ["RP", "cut:CHN:chosen"], "status": ["ok", "ok"],
                  "objective_usd": [712263073.7, 800e6], "reason": [None, None],
                  "wall_s": [1.234, 2.5]}).to_csv(folder / "solves.csv", index=False)
    (folder / "analysis.json").write_text('{"instance": "x/ree.xlsx", "solves": 2}',
                                          encoding="utf-8")
    return folder


def test_analysis_workbook_is_formatted(tmp_path):
    folder = _folder(tmp_path)
    write_analysis_report(folder)
    wb = openpyxl.load_workbook(folder / "analysis.xlsx")
    assert wb.sheetnames == ["contents", "measures", "cutoff_screen", "solves"]
    contents = wb["contents"]
    links = {c.value: c.hyperlink.location for c in contents["A"][4:] if c.hyperlink}
    assert links == {"measures": "'measures'!A1", "cutoff_screen": "'cutoff_screen'!A1",
                     "solves": "'solves'!A1"}
    assert "ree.xlsx" in contents["A1"].value
    m = wb["measures"]
    assert m.freeze_panes == "A2"
    assert [c.value for c in m[1]] == ["measure", "definition", "value_usd (USD m)"]
    # The cell keeps USD; the format shows millions with two decimals: 712.26.
    assert m["C2"].value == 712263073.7336559 and m["C2"].number_format == "#,##0.00,,"
    cut = wb["cutoff_screen"]
    headers = [c.value for c in cut[1]]
    # cutoff_screen.csv above has the column names of folders written before 2026-12-07
    # (expected_cost_usd, cost_increase_usd): they are read under today's names
    assert "expected_unmet_t (t)" in headers and "objective_increase_usd (USD m)" in headers
    assert "objective_usd (USD m)" in headers and "expected_cost_usd (USD m)" not in headers
    assert cut.cell(2, headers.index("expected_unmet_t (t)") + 1).number_format == "#,##0.0"
    s = wb["solves"]
    headers = [c.value for c in s[1]]
    assert "wall_s (s)" in headers
    assert s.cell(2, headers.index("wall_s (s)") + 1).number_format == "#,##0.00"
    assert s.freeze_panes == "A2"
