"""Input that used to be accepted or reported imprecisely (issue 13, items 4 and 5).

Each test breaks the small valid instance of :mod:`test_validate` in one way and asserts the
exact problem line through the CLI (exit 2, nothing written), or, for what stays acceptable,
that the instance validates with the exact warning. The expected values are read off the
mutation itself (the cell typed, its row and column letter, the field count of the line).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from test_validate import assert_line, fails, frames, workbook
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import Problem
from optimizer.io.read import read_raw_sheets
from optimizer.io.validate import validate
from optimizer.io.write import write_csv_folder

# --- initial stock above the stockpile's capacity ----------------------------------------------


def _with_stockpile(initial, capacity) -> dict:
    data = frames()
    data["stockpiles"] = [{"stockpile": "S1", "country": "USA", "element": "NdPr",
                           "initial_t": initial, "capacity_t": capacity}]
    data["lanes"].append({"origin": "S1", "destination": "D1"})
    return data


def test_initial_stock_above_capacity(tmp_path):
    """500 t at the start of an 80 t stockpile (row 2 of 'stockpiles') is refused on initial_t."""
    path = workbook(tmp_path, _with_stockpile(500, 80))
    assert_line(fails(tmp_path, path), path, "stockpiles", 2, "initial_t", 500,
                "at most the stockpile's capacity_t (80 t on this row): the stock at the start "
                "cannot exceed what the stockpile holds")


def test_initial_stock_equal_to_capacity_is_valid(tmp_path):
    """The boundary: a full stockpile (80 t in 80 t) is a valid start."""
    path = workbook(tmp_path, _with_stockpile(80, 80))
    inst = validate(read_raw_sheets(path), path)
    assert list(inst.warnings) == []


def test_stock_check_is_reusable_on_an_overridden_table(tmp_path):
    """Overrides (--set, batch runs) change validated tables without re-reading the workbook:
    the same check applies to the result. 5 t in 80 t is fine; set to 500 t it is flagged at
    row position 0 with the two values."""
    from optimizer.data_rules import stock_above_capacity
    from optimizer.scenario import parse_override, with_overrides

    path = workbook(tmp_path, _with_stockpile(5, 80))
    inst = validate(read_raw_sheets(path), path)
    assert stock_above_capacity(inst.table("stockpiles")) == []
    table = inst.table("stockpiles").copy()
    table.loc[0, "initial_t"] = 500.0  # what an override would write
    assert stock_above_capacity(table) == [(0, 500.0, 80.0)]
    # ... and with_overrides applies it (tests/test_scenario_keys.py checks the message).
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError):
        with_overrides(inst, (parse_override("stockpiles:S1:initial_t=500"),))


# --- unknown column headers ---------------------------------------------------------------------


def _lanes_with(header: str, value=5.0) -> dict:
    data = frames()
    for lane in data["lanes"]:
        lane[header] = value
    return data


def test_misspelt_optional_header_is_an_error(tmp_path):
    """'capacity_tt' on lanes is the 4th column written (origin, destination, cost_usd_per_t,
    then the typo), so its header cell is D1; capacity_t is absent, so reading on would leave
    every lane unlimited."""
    path = workbook(tmp_path, _lanes_with("capacity_tt"))
    assert_line(fails(tmp_path, path), path, "lanes", 1, "capacity_tt", "capacity_tt",
                "a known column: did you mean 'capacity_t'? The header in cell D1 is not read "
                "as written, so 'capacity_t' would be blank on every row (Maximum tonnes per "
                "period; blank = unlimited.)")


def test_header_without_unit_suffix_is_an_error(tmp_path):
    """'cost' is 'cost_usd_per_t' without its unit: read on, every lane would cost 0. The
    lanes sheet is written as origin, destination, cost (C1) once cost_usd_per_t is gone."""
    data = frames()
    for lane in data["lanes"]:
        lane["cost"] = lane.pop("cost_usd_per_t")
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "lanes", 1, "cost", "cost",
                "a known column: did you mean 'cost_usd_per_t'? The header in cell C1 is not "
                "read as written, so 'cost_usd_per_t' would be at its default 0.0 on every row "
                "(Transport cost.)")


def test_unrelated_unknown_header_stays_a_warning(tmp_path):
    """'notes' resembles no lanes column: ignored with a warning, the instance is valid."""
    path = workbook(tmp_path, _lanes_with("notes", "checked by AB"))
    inst = validate(read_raw_sheets(path), path)
    assert list(inst.warnings) == [Problem(
        str(path), "lanes", 1, "notes", "notes", "a known column (origin, destination, "
        "cost_usd_per_t, capacity_t); this column is ignored", "warning")]


def test_near_miss_of_a_present_column_stays_a_warning(tmp_path):
    """Beside a real capacity_t, a 'capacity_tt' column is a planner's spare copy: nothing
    defaults silently, so it is only a warning."""
    data = _lanes_with("capacity_t", 7.0)
    for lane in data["lanes"]:
        lane["capacity_tt"] = 5.0
    path = workbook(tmp_path, data)
    inst = validate(read_raw_sheets(path), path)
    assert [(w.column, w.severity) for w in inst.warnings] == [("capacity_tt", "warning")]


def test_misspelt_optional_sheet_is_an_error(tmp_path):
    """A 'tarifs' sheet would drop every duty if it were ignored."""
    data = frames()
    data["tarifs"] = [{"origin_country": "AUS", "destination_country": "USA", "product": "*",
                       "ad_valorem": 0.1}]
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "tarifs", None, None, "tarifs",
                "a known sheet name: did you mean 'tariffs'? (a misspelt sheet is not read, "
                "which would leave 'tariffs' out)")


# --- ragged CSV rows ----------------------------------------------------------------------------

LANES_HEADER = "origin,destination,cost_usd_per_t,capacity_t"
FOUR_FIELDS = ("4 fields, one per header column (origin, destination, cost_usd_per_t, "
               "capacity_t); a missing field must still have its delimiter (an empty value), "
               "and a value holding the delimiter must be quoted")


def _csv(tmp_path: Path, lanes: str) -> tuple[Path, Path]:
    folder = write_csv_folder(frames(), tmp_path / "inst")
    path = folder / "lanes.csv"
    path.write_text(lanes, encoding="utf-8")
    return folder, path


def test_short_csv_row(tmp_path):
    """'P1,D1' under four headers (line 3) would read as cost 0 and unlimited capacity."""
    folder, lanes = _csv(tmp_path, f"{LANES_HEADER}\nM1,P1,100,\nP1,D1\n")
    assert_line(fails(tmp_path, folder), lanes, "lanes", 3, None, "2 fields", FOUR_FIELDS)


def test_long_csv_row_and_every_ragged_row_listed(tmp_path):
    """An unquoted comma in a value makes 5 fields on line 2; line 4 has 3. Both are listed."""
    folder, lanes = _csv(tmp_path, f"{LANES_HEADER}\nM1,P1,1,5,0\nP1,D1,1,\nP1,D1,1\n")
    text = fails(tmp_path, folder)
    assert_line(text, lanes, "lanes", 2, None, "5 fields", FOUR_FIELDS)
    assert_line(text, lanes, "lanes", 4, None, "3 fields", FOUR_FIELDS)
    assert text.startswith("error: 2 problem(s)"), text


def test_csv_row_after_a_quoted_newline_names_its_line(tmp_path):
    """Row 2's quoted origin spans lines 2-3, so row 3 of the sheet ends on line 4."""
    folder, lanes = _csv(tmp_path, f'{LANES_HEADER}\n"M\n1",P1,1,\nP1,D1\n')
    assert_line(fails(tmp_path, folder), lanes, "lanes", 3, None, "2 fields",
                FOUR_FIELDS + " (this row ends on line 4 of the file)")


def test_csv_trailing_empty_fields_and_blank_lines_are_accepted(tmp_path):
    """Extra *empty* trailing fields (written by spreadsheet programs) and blank lines or
    delimiter-only lines are not ragged rows."""
    folder, _ = _csv(tmp_path, f"{LANES_HEADER}\nM1,P1,100,,,\n\n,,,\nP1,D1,50,\n")
    inst = validate(read_raw_sheets(folder), folder)
    assert sorted(zip(inst.table("lanes")["origin"], inst.table("lanes")["cost_usd_per_t"])) \
        == [("M1", 100.0), ("P1", 50.0)]


def test_csv_values_under_an_unnamed_header_field_are_ignored(tmp_path):
    """The header 'origin,...,capacity_t,' has a 5th, unnamed field: a note under it is ignored
    like a note in an unnamed workbook column, while a 6th field is still a ragged row (line 3).
    """
    folder, lanes = _csv(tmp_path, f"{LANES_HEADER},\nM1,P1,100,,checked\nP1,D1,50,,x,y\n")
    text = fails(tmp_path, folder)
    assert text.startswith("error: 1 problem(s)"), text
    assert_line(text, lanes, "lanes", 3, None, "6 fields", FOUR_FIELDS)


def test_ragged_rows_in_two_files_are_listed_in_one_run(tmp_path):
    """Every CSV file of the folder is read before the folder is refused."""
    folder, lanes = _csv(tmp_path, f"{LANES_HEADER}\nP1,D1\n")
    mines = folder / "mines.csv"
    mines.write_text("mine,country,capacity_t,cost_usd_per_t\nM1,AUS,100\n", encoding="utf-8")
    text = fails(tmp_path, folder)
    assert_line(text, lanes, "lanes", 2, None, "2 fields", FOUR_FIELDS)
    assert_line(text, mines, "mines", 2, None, "3 fields",
                "4 fields, one per header column (mine, country, capacity_t, cost_usd_per_t); a "
                "missing field must still have its delimiter (an empty value), and a value "
                "holding the delimiter must be quoted")


# --- keys that differ only by case: refused -----------------------------------------------------


def test_site_names_differing_only_by_case(tmp_path):
    """'aus_mtweld' (row 3) beside 'AUS_MtWeld' (row 4) in mines: the later row is refused."""
    data = frames()
    data["mines"] += [{"mine": "aus_mtweld", "country": "AUS", "capacity_t": 1,
                       "cost_usd_per_t": 1},
                      {"mine": "AUS_MtWeld", "country": "AUS", "capacity_t": 1,
                       "cost_usd_per_t": 1}]
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "mines", 4, "mine", "AUS_MtWeld",
                "a site name that differs from 'aus_mtweld' (sheet 'mines', row 3) by more than "
                "upper/lower case (names are matched exactly, so these would be two different "
                "sites)")


def test_site_names_differing_only_by_case_across_sheets(tmp_path):
    """A plant 'm1' beside the mine 'M1': sites share one namespace."""
    data = frames()
    data["plants"].append({"plant": "m1", "country": "USA", "capacity_t": 1,
                           "opex_usd_per_t": 1})
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "plants", 3, "plant", "m1",
                "a site name that differs from 'M1' (sheet 'mines', row 2) by more than "
                "upper/lower case (names are matched exactly, so these would be two different "
                "sites)")


def test_country_codes_differing_only_by_case(tmp_path):
    data = frames()
    data["countries"].append({"country": "usa"})
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "countries", 4, "country", "usa",
                "a country that differs from 'USA' (sheet 'countries', row 3) by more than "
                "upper/lower case (names are matched exactly, so these would be two different "
                "countries)")


def test_end_uses_differing_only_by_case(tmp_path):
    """'EV' beside 'ev' would split one end use's share limits in two."""
    data = frames()
    data["demands"].append({"demand": "D2", "country": "USA", "end_use": "EV"})
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "demands", 3, "end_use", "EV",
                "an end use that differs from 'ev' (sheet 'demands', row 2) by more than "
                "upper/lower case (names are matched exactly, so these would be two different "
                "end uses)")


# --- a lane's wrong end named on the right column ----------------------------------------------


def test_lane_from_a_demand_node_is_reported_on_origin(tmp_path):
    """D1 → M1 (row 4): no lane starts at a demand node, so the origin is what is wrong."""
    data = frames()
    data["lanes"].append({"origin": "D1", "destination": "M1"})
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "lanes", 4, "origin", "D1 → M1",
                "a lane that starts at a mine, plant, trader or stockpile (D1 is a demand node, "
                "which only receives)")


def test_lane_from_a_mine_to_a_demand_stays_on_destination(tmp_path):
    """M1 → D1 (row 4): a mine may start a lane, but only to a plant."""
    data = frames()
    data["lanes"].append({"origin": "M1", "destination": "D1"})
    path = workbook(tmp_path, data)
    assert_line(fails(tmp_path, path), path, "lanes", 4, "destination", "M1 → D1",
                "a lane mine → one of plant")


# --- XML entity declarations ---------------------------------------------------------------------

BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
        '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')
XML_BOMB = ("a workbook without XML entity or DTD declarations: entities can expand to "
            "gigabytes (an 'XML bomb') or read files on this computer, so the workbook is "
            "refused for safety (Excel never writes them; open the file in Excel and save a "
            "copy, or rebuild it)")


def _rewrite(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members[member] = change(members[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _bombed(xml: bytes, prefix: str = "") -> bytes:
    body = xml.decode().split("?>", 1)[1] if xml.startswith(b"<?xml") else xml.decode()
    return (BOMB.replace("\n", "\n" + prefix, 1) + body).encode()


def test_xml_bomb_in_a_sheet_names_the_sheet_and_part(tmp_path):
    """write_workbook writes the schema's sheets in order; without 'settings' here, 'mines' is
    the 4th (periods, countries, elements, mines): part xl/worksheets/sheet4.xml."""
    path = workbook(tmp_path)
    _rewrite(path, "xl/worksheets/sheet4.xml", _bombed)
    text = fails(tmp_path, path)
    assert_line(text, path, "mines", None, None,
                "a DTD with entity declarations in part xl/worksheets/sheet4.xml", XML_BOMB)
    assert "ValueError" not in text


def test_xml_bomb_in_a_part_openpyxl_never_parses(tmp_path):
    """docProps/app.xml is not read by openpyxl, so defusedxml never saw it: still refused."""
    path = workbook(tmp_path)
    _rewrite(path, "docProps/app.xml", _bombed)
    assert_line(fails(tmp_path, path), path, None, None, None,
                "a DTD with entity declarations in part docProps/app.xml", XML_BOMB)


def test_xml_bomb_behind_a_long_prolog_is_refused_by_the_fallback(tmp_path):
    """A 70,000-character comment pushes the DTD past the 64 KiB read by the prolog check;
    defusedxml refuses it when openpyxl parses the workbook, with the same explanation."""
    path = workbook(tmp_path)
    _rewrite(path, "xl/workbook.xml", lambda xml: _bombed(xml, "<!--" + "x" * 70_000 + "-->"))
    text = fails(tmp_path, path)
    assert_line(text, path, None, None, None, "XML entity or DTD declarations", XML_BOMB)


@pytest.mark.parametrize("codec, declared", [("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8")])
def test_xml_bomb_in_other_encodings(tmp_path, codec, declared):
    """A part in UTF-16 (with its byte-order mark) or UTF-8 with a BOM is read as such."""
    path = workbook(tmp_path)
    _rewrite(path, "xl/styles.xml", lambda xml: _bombed(xml).decode().replace(
        '<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{declared}"?>').encode(codec))
    assert_line(fails(tmp_path, path), path, None, None, None,
                "a DTD with entity declarations in part xl/styles.xml", XML_BOMB)


def test_clean_workbook_passes_the_prolog_check(tmp_path):
    """The check reads every part's prolog: a workbook as written has none with a DTD."""
    path = workbook(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_case_policy_is_documented_in_the_format_page_and_template(tmp_path):
    """The choice made above (refuse, not warn) is what docs/instance-format.md and the
    template's README sheet state, both generated from optimizer.template."""
    import openpyxl

    from optimizer.template import instance_format_markdown, write_template

    policy = "Two names that differ only by upper/lower case"
    doc = instance_format_markdown()
    assert f"{policy} (`aus_mtweld` beside `AUS_MtWeld`" in doc and "are **refused**" in doc
    path = tmp_path / "template.xlsx"
    write_template(path)
    readme = [c for row in openpyxl.load_workbook(path)["README"].iter_rows(values_only=True)
              for c in row if isinstance(c, str)]
    assert any(policy in c and "are refused" in c for c in readme)
