"""Override keys: '*' matches any value, a quoted '*' names a literal '*' key, and a scaled
value is checked against its column's bounds (with the row a planner sees)."""

import copy

import pytest

from optimizer.errors import ScenarioError
from optimizer.instance import Override, Scenario
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.scenario import cell_changes, match_rows
from test_backends import FRAMES


@pytest.fixture()
def inst():
    """FRAMES has one export quota row (CN, Dy, *); two more are added: (CN, Nd, *) at row
    position 1 and (CN, *, *) at position 2 (its product is literally '*': every oxide)."""
    frames = copy.deepcopy(FRAMES)
    frames["export_quotas"] += [{"country": "CN", "product": "Nd", "cap_t": 5},
                                {"country": "CN", "product": "*", "cap_t": 50}]
    return validate(raw_from_frames(frames), "<keys>")


def test_star_matches_every_row_and_a_quoted_star_only_the_literal_row(inst):
    assert match_rows(inst, Override("export_quotas", ("CN", "*"), "cap_t", 0), "s") == [0, 1, 2]
    for literal in ("'*'", '"*"', "\\*"):
        assert match_rows(inst, Override("export_quotas", ("CN", literal), "cap_t", 0), "s") == [2]


def test_scaled_share_above_one_names_the_row(inst):
    """end_use_limits row 2 (Excel row 3) has max_share 0.5; × 3 would give 1.5 > 1."""
    sc = Scenario("s", 1.0, "", (Override("end_use_limits", ("CN", "mined"), "max_share", 3,
                                          "scale"),))
    with pytest.raises(ScenarioError) as err:
        cell_changes(inst, sc)
    assert "row 3 of sheet 'end_use_limits' would become 1.5" in str(err.value)
    assert "scenario 's'" in str(err.value)


def test_an_override_cannot_start_a_stockpile_above_its_capacity():
    """--set bypasses the validator, so with_overrides applies its stock rule: 500 t in an
    80 t stockpile is refused, naming the stockpile's row and the override."""
    import pytest

    from optimizer.errors import ScenarioError
    from optimizer.instance import Override
    from optimizer.scenario import with_overrides
    from tests.conftest import build_instance, sheets

    s = sheets(stockpiles=[{"stockpile": "S", "country": "A", "element": "Nd", "initial_t": 0,
                            "capacity_t": 80}],
               demands=[{"demand": "d", "country": "A", "end_use": "ev"}],
               demand_quantities=[{"demand": "d", "element": "Nd", "period": "P1",
                                   "quantity_t": 1}],
               lanes=[{"origin": "S", "destination": "d"}])
    inst = build_instance(s)
    ok = with_overrides(inst, (Override("stockpiles", ("S",), "initial_t", 80.0,
                                        source="--set"),))
    assert float(ok.table("stockpiles")["initial_t"].iat[0]) == 80.0
    with pytest.raises(ScenarioError) as err:
        with_overrides(inst, (Override("stockpiles", ("S",), "initial_t", 500.0, source="--set"),))
    text = str(err.value)
    assert "sheet 'stockpiles', row 2, column 'initial_t'" in text and "80 t" in text


def test_module_data_docs_and_validator_agree():
    """Issue 13 item 8: scenarios may not change a module (its build is shared by the
    scenarios that decide it); batch runs and --set may. The generated docs say exactly that."""
    import pytest

    from optimizer.errors import ScenarioError
    from optimizer.template import instance_format_markdown
    from tests.conftest import build_instance, sheets

    s = sheets(plants=[{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
               plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
               demands=[{"demand": "d", "country": "A", "end_use": "ev"}],
               demand_quantities=[{"demand": "d", "element": "Nd", "period": "P1",
                                   "quantity_t": 1}],
               lanes=[{"origin": "P", "destination": "d"}],
               modules=[{"module": "j", "site": "P", "capacity_t": 5, "capex_usd": 10}],
               scenarios=[{"scenario": "x", "probability": 1.0}],
               scenario_changes=[{"scenario": "x", "sheet": "modules", "key": "j",
                                  "column": "capex_usd", "value": 20}])
    with pytest.raises(ScenarioError) as err:
        build_instance(s)
    assert "batch run" in str(err.value)
    doc = instance_format_markdown()
    row = next(line for line in doc.splitlines() if line.startswith("| `capex_usd`"))
    assert "scenarios may not" in row and "Scenarios may change it" not in row


def test_an_overridden_table_keeps_its_key_text_and_matches_as_before(inst):
    """A run override writes cap_t into a copy of export_quotas: the copy's key columns are
    the original's, so the text cached for matching them is handed over (not computed again
    run after run), and every key matches the same rows of the copy as of the original:
    (CN, *) rows 0, 1, 2; (CN, Nd) row 1; (CN, '*') row 2."""
    from optimizer.scenario import _key_text, with_overrides

    before = inst.table("export_quotas")
    texts = {c: _key_text(before, c) for c in ("country", "product")}
    run = with_overrides(inst, (Override("export_quotas", ("CN", "Nd"), "cap_t", 0.5, "scale"),))
    after = run.table("export_quotas")
    assert after is not before and after["cap_t"].tolist()[1] == 2.5  # 5 × 0.5, in the copy
    assert all(_key_text(after, c) is texts[c] for c in texts)
    for key, rows in ((("CN", "*"), [0, 1, 2]), (("CN", "Nd"), [1]), (("CN", "'*'"), [2])):
        for table in (inst, run):
            assert match_rows(table, Override("export_quotas", key, "cap_t", 0), "s") == rows
