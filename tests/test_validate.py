"""One test per class of bad input: the exact message, exit code 2, no traceback, no output.

Each test writes a small valid instance (one mine, one plant, one demand node, two lanes) with
:func:`optimizer.io.write.write_workbook`, breaks it in one way, runs ``supplyopt solve INSTANCE
--out DIR`` through typer's CliRunner and asserts

* the exit code is 2 (invalid input) and the output holds no traceback;
* the output folder was not created, nor any temporary sibling of it;
* the problem line is exactly ``str(Problem(file, sheet, row, column, value, expected))``, so
  the file, the sheet, the row as Excel numbers it (header = row 1), the column, the value
  found and the expectation are each checked, not just "some error happened".
"""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import InputError, Problem
from optimizer.io.read import read_raw_sheets
from optimizer.io.validate import validate
from optimizer.io.write import write_csv_folder, write_workbook

BASE = {
    "periods": [{"period": "2025Q1"}, {"period": "2025Q2"}],
    "countries": [{"country": "AUS", "name": "Australia"}, {"country": "USA", "name": "USA"}],
    "elements": [{"element": "NdPr", "name": "NdPr oxide", "reference_price_usd_per_t": 60000.0}],
    "mines": [{"mine": "M1", "country": "AUS", "capacity_t": 100.0, "cost_usd_per_t": 5000.0}],
    "mine_assays": [{"mine": "M1", "element": "NdPr", "share": 0.2}],
    "plants": [{"plant": "P1", "country": "USA", "capacity_t": 100.0, "opex_usd_per_t": 2000.0}],
    "plant_recoveries": [{"plant": "P1", "element": "NdPr", "recovery": 0.9}],
    "demands": [{"demand": "D1", "country": "USA", "end_use": "ev",
                 "lost_value_usd_per_t": 1e6}],
    "demand_quantities": [
        {"demand": "D1", "element": "NdPr", "period": "2025Q1", "quantity_t": 10.0},
        {"demand": "D1", "element": "NdPr", "period": "2025Q2", "quantity_t": 10.0},
    ],
    "lanes": [{"origin": "M1", "destination": "P1", "cost_usd_per_t": 100.0},
              {"origin": "P1", "destination": "D1", "cost_usd_per_t": 50.0}],
}


def frames() -> dict:
    """A fresh deep copy of the valid base instance, to mutate."""
    return copy.deepcopy(BASE)


def workbook(tmp_path: Path, data: dict | None = None, edit=None, name="inst.xlsx") -> Path:
    """Write ``data`` (default: the base instance) as a workbook; ``edit(wb)`` then changes it
    with openpyxl (cells, formulas, error values, deleted sheets) before it is saved again."""
    path = write_workbook(frames() if data is None else data, tmp_path / name)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def fails(tmp_path: Path, instance: Path) -> str:
    """Run ``supplyopt solve``; assert exit 2, no traceback, nothing written; return output."""
    out = tmp_path / "out"
    before = set(tmp_path.iterdir())
    result = CliRunner().invoke(app, ["solve", str(instance), "--out", str(out), "--quiet"])
    text = result.output
    assert result.exit_code == 2, text
    assert "Traceback" not in text and result.exception is None or \
        isinstance(result.exception, SystemExit), text
    assert not out.exists(), "a failed run must not create its output folder"
    assert set(tmp_path.iterdir()) == before, "a failed run must not leave files behind"
    assert text.startswith("error: "), text
    return text


def line(file, sheet, row, column, value, expected) -> str:
    """The exact problem line the CLI must print."""
    return f"  - {Problem(str(file), sheet, row, column, value, expected)}"


def assert_line(text: str, *fields) -> None:
    expected = line(*fields)
    assert expected in text.splitlines(), f"missing line:\n{expected}\nin output:\n{text}"


# --- files that are not workbooks -------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.xlsx"
    text = fails(tmp_path, path)
    assert_line(text, path, None, None, None, None, "an existing file or folder")


def test_not_a_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("mine,country\nM1,AUS\n")
    text = fails(tmp_path, path)
    assert_line(text, path, None, None, None, None,
                "an Excel .xlsx workbook (this file is not one, or it is truncated or corrupt)")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "instance.ods"
    path.write_bytes(b"PK\x03\x04")
    text = fails(tmp_path, path)
    assert_line(text, path, None, None, None, ".ods", "an .xlsx workbook or a folder of .csv files")


def test_truncated_zip(tmp_path):
    path = workbook(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # an interrupted download: no central directory
    text = fails(tmp_path, path)
    assert_line(text, path, None, None, None, None,
                "an Excel .xlsx workbook (this file is not one, or it is truncated or corrupt)")


def test_corrupt_zip_member(tmp_path):
    """The archive's directory is intact but a sheet's compressed bytes are damaged."""
    path = workbook(tmp_path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet4.xml")  # 'mines'
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + info.compress_size - 5):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    text = fails(tmp_path, path)
    assert f"  - {path}" in text
    assert "expected a readable .xlsx workbook (" in text


# --- sheets and columns -----------------------------------------------------------------------

def test_missing_sheet(tmp_path):
    data = frames()
    del data["plants"]
    path = workbook(tmp_path, data)
    text = fails(tmp_path, path)
    assert_line(text, path, "plants", None, None, None,
                "a sheet named 'plants' (Separation plants turning concentrate into separated "
                "oxides.)")


def test_missing_column(tmp_path):
    data = frames()
    del data["mines"][0]["capacity_t"]
    path = workbook(tmp_path, data)
    text = fails(tmp_path, path)
    assert_line(text, path, "mines", 1, "capacity_t", None,
                "a column headed 'capacity_t' (Concentrate output capacity per period.)")


def test_empty_required_sheet(tmp_path):
    def empty_countries(wb):
        ws = wb["countries"]
        ws.delete_rows(2, ws.max_row)  # header only

    path = workbook(tmp_path, edit=empty_countries)
    text = fails(tmp_path, path)
    assert_line(text, path, "countries", None, None, None,
                "at least one data row under the header row (Countries. Every site belongs to "
                "one; rules name them.)")
    # and the sites that name a country are reported too, in the same run
    assert_line(text, path, "mines", 2, "country", "AUS", "a country listed in sheet 'countries'")


def test_sheet_without_header(tmp_path):
    def blank_elements(wb):
        ws = wb["elements"]
        ws.delete_rows(1, ws.max_row)

    path = workbook(tmp_path, edit=blank_elements)
    text = fails(tmp_path, path)
    assert_line(text, path, "elements", 1, None, None,
                "a header row in row 1 naming the columns (element, name, "
                "reference_price_usd_per_t)")


# --- cells ------------------------------------------------------------------------------------

def test_text_in_number_cell(tmp_path):
    data = frames()
    data["mines"][0]["capacity_t"] = "lots"
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "mines", 2, "capacity_t", "lots",
                "a number in t REO/period")


@pytest.mark.parametrize("sheet, column, unit", [
    ("mines", "capacity_t", "t REO/period"),
    ("mines", "cost_usd_per_t", "USD/t REO"),
    ("plants", "opex_usd_per_t", "USD/t REO"),
])
def test_negative_capacity_or_cost(tmp_path, sheet, column, unit):
    data = frames()
    data[sheet][0][column] = -5  # Excel stores -5.0 as -5 too: the message shows the cell
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, sheet, 2, column, -5, f"a number ≥ 0 ({unit})")


@pytest.mark.parametrize("sheet, column, value, expected", [
    ("mine_assays", "share", 1.5, "a number ≤ 1 (t/t REO)"),
    ("mine_assays", "share", -0.2, "a number ≥ 0 (t/t REO)"),
    ("plant_recoveries", "recovery", 1.01, "a number ≤ 1 (t/t)"),
])
def test_assay_or_share_outside_unit_interval(tmp_path, sheet, column, value, expected):
    data = frames()
    data[sheet][0][column] = value
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, sheet, 2, column, value, expected)


def test_assay_shares_of_a_mine_sum_above_one(tmp_path):
    data = frames()
    data["elements"].append({"element": "Dy", "name": "Dy oxide"})
    data["mine_assays"] = [{"mine": "M1", "element": "NdPr", "share": 0.7},
                           {"mine": "M1", "element": "Dy", "share": 0.6}]
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "mine_assays", 2, "share", 1.3,
                "the shares of mine M1 to sum to at most 1")


def test_probabilities_not_summing_to_one(tmp_path):
    data = frames()
    data["scenarios"] = [{"scenario": "base", "probability": 0.5},
                         {"scenario": "cut", "probability": 0.4}]
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "scenarios", None, "probability", 0.9,
                "probabilities summing to 1")


@pytest.mark.parametrize("sheet, column, value, expected", [
    ("mines", "country", "CHN", "a country listed in sheet 'countries'"),
    ("lanes", "destination", "P9", "a site listed in one of the sheets mines, plants, traders, "
                                   "stockpiles, demands"),
    ("mine_assays", "element", "Tb", "an element listed in sheet 'elements'"),
    ("demand_quantities", "period", "2031Q1", "a period listed in sheet 'periods'"),
    ("mines", "country", "aus", "a country listed in sheet 'countries' (did you mean 'AUS'?)"),
])
def test_unknown_reference(tmp_path, sheet, column, value, expected):
    data = frames()
    data[sheet][0][column] = value
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, sheet, 2, column, value, expected)


def test_duplicate_key(tmp_path):
    data = frames()
    data["mines"].append(dict(data["mines"][0]))
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "mines", 3, "mine", "M1",
                "a unique key (mine); the same key is on row 2")


def test_duplicate_composite_key(tmp_path):
    data = frames()
    data["demand_quantities"][1]["period"] = "2025Q1"
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "demand_quantities", 3, "demand", "D1,NdPr,2025Q1",
                "a unique key (demand, element, period); the same key is on row 2")


def test_formula_without_cached_value(tmp_path):
    def formula(wb):
        wb["mines"]["C2"] = "=1+1"  # openpyxl saves the formula but no computed result

    path = workbook(tmp_path, edit=formula)
    assert_line(fails(tmp_path, path), path, "mines", 2, "capacity_t", "=1+1",
                "a value: the formula has no saved result (open and save the workbook in "
                "Excel, or type the value)")


@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#N/A"])
def test_excel_error_value(tmp_path, error):
    def put_error(wb):
        wb["plants"]["D2"] = error  # openpyxl stores it as an error cell (t="e")

    path = workbook(tmp_path, edit=put_error)
    assert_line(fails(tmp_path, path), path, "plants", 2, "opex_usd_per_t", error,
                f"a value, not the Excel error {error} (fix the formula)")


def test_row_numbers_count_blank_rows(tmp_path):
    """A blank row in the middle is skipped but still counted, as Excel numbers rows."""
    def blank_then_bad(wb):
        ws = wb["demand_quantities"]
        ws.insert_rows(3)  # row 3 blank; the second data row moves to row 4
        ws["D4"] = "ten"

    path = workbook(tmp_path, edit=blank_then_bad)
    assert_line(fails(tmp_path, path), path, "demand_quantities", 4, "quantity_t", "ten",
                "a number in t/period")


def test_bad_setting(tmp_path):
    data = frames()
    data["settings"] = [{"setting": "name", "value": "x"},
                        {"setting": "discount_rate_per_year", "value": "-1"}]
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "settings", 3, "value", "-1",
                "a fraction per year from 0 to 1, e.g. 0.08 (setting discount_rate_per_year)")


def test_all_problems_listed_in_one_run(tmp_path):
    data = frames()
    data["mines"][0]["capacity_t"] = -1
    data["mine_assays"][0]["element"] = "Xx"
    data["lanes"].append(dict(data["lanes"][0]))
    path = workbook(tmp_path, data)
    text = fails(tmp_path, path)
    assert text.startswith("error: 3 problem(s) in the instance:"), text
    assert_line(text, path, "mines", 2, "capacity_t", -1, "a number ≥ 0 (t REO/period)")
    assert_line(text, path, "mine_assays", 2, "element", "Xx",
                "an element listed in sheet 'elements'")
    assert_line(text, path, "lanes", 4, "origin", "M1,P1",
                "a unique key (origin, destination); the same key is on row 2")


def test_many_problems_are_summarised_per_column(tmp_path):
    data = frames()
    data["lanes"] += [dict(data["lanes"][0]) for _ in range(120)]
    path = workbook(tmp_path, data)
    text = fails(tmp_path, path)
    assert text.startswith("error: 51 problem(s)"), text[:200]
    assert_line(text, path, "lanes", None, "origin", "70 more problem(s) not listed",
                "every row of this column fixed (only the first 50 problems per column are "
                "listed)")


# --- CSV folders ------------------------------------------------------------------------------

def test_csv_semicolon_cp1252_row_and_file(tmp_path):
    folder = write_csv_folder(frames(), tmp_path / "inst")
    mines = folder / "mines.csv"
    mines.write_bytes("mine;country;capacity_t;cost_usd_per_t\n\nM1;AUS;cent;5000\n"
                      .replace("cent", "\u00e9norme").encode("cp1252"))
    text = fails(tmp_path, folder)
    assert_line(text, mines, "mines", 3, "capacity_t", "\u00e9norme", "a number in t REO/period")


def test_csv_unclosed_quote(tmp_path):
    folder = write_csv_folder(frames(), tmp_path / "inst")
    lanes = folder / "lanes.csv"
    lanes.write_text('origin,destination,cost_usd_per_t\nM1,P1,1\n"P1,D1,' + "x" * 1_100_000)
    text = fails(tmp_path, folder)
    assert f"  - {lanes}, sheet 'lanes', row 3; expected well-formed CSV" in text, text


# --- the API raises the same problems the CLI prints ------------------------------------------

def test_api_problem_fields(tmp_path):
    data = frames()
    data["plants"][0]["capacity_t"] = "n/a"
    path = workbook(tmp_path, data)
    with pytest.raises(InputError) as info:
        validate(read_raw_sheets(path), path)
    assert info.value.problems == [Problem(str(path), "plants", 2, "capacity_t", "n/a",
                                           "a number in t REO/period")]


def test_base_instance_is_valid(tmp_path):
    """The starting point of every test above is valid, so each failure is the mutation's."""
    path = workbook(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_same_country_tariff_is_a_warning(tmp_path):
    """A duty from the USA to the USA: duties apply only to goods crossing a border, so the
    row does nothing; the instance validates, with one warning naming the cell (Excel row 3)."""
    data = frames()
    data["tariffs"] = [
        {"origin_country": "AUS", "destination_country": "USA", "product": "*",
         "ad_valorem": 0.1},
        {"origin_country": "USA", "destination_country": "USA", "product": "NdPr",
         "ad_valorem": 0.25}]
    path = workbook(tmp_path, data)
    inst = validate(read_raw_sheets(path), path)
    assert list(inst.warnings) == [Problem(
        str(path), "tariffs", 3, "destination_country", "USA",
        "a country other than the origin USA (duties apply only to goods crossing a border); "
        "this row is ignored", "warning")]
