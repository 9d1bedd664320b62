"""Fuzzing the readers and the validator: every bad instance gives exit 2 and a precise message.

For every case: ``supplyopt validate`` (and for a sample ``supplyopt solve``) runs in-process
through CliRunner under a per-case time bound, and the outcome must be a valid instance or
exit code 2 whose problem lines name the file (and the sheet, row and column where the case
knows them); never a traceback, never more than 30 s, never a file written on error. See
``fuzz_harness`` for the classification and ``fuzz_corpus`` for the cases.

The default run is a fast subset (~100 cases, well under a minute); ``SUPPLYOPT_FUZZ_FULL=1``
runs the whole corpus, 600 seeded random mutations and more hypothesis examples (≥ 1,000 cases).
"""

from __future__ import annotations

import math
import random
import zlib

import pytest
from fuzz_corpus import BASE, Case, deterministic_cases, frames, from_frames, loc, random_cases
from fuzz_harness import FULL, run_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.schema import SHEET_BY_NAME

FAST_ALWAYS = {
    "base-workbook", "base-csv", "xml-bomb-sheet", "xml-external-entity", "zip-bomb-member",
    "truncated-50pc", "corrupt-member", "rows-20000-duplicates", "csv-utf16-bom", "csv-cp1252",
    "csv-semicolon", "csv-tab", "csv-empty-required", "csv-random-bytes", "empty-xlsx",
    "random-bytes-xlsx", "formula-no-cache-number", "formula-with-cached-value",
    "error-value-#REF!", "error-value-#DIV/0!", "merged-data-cells", "hidden-sheet",
    "blank-rows-in-middle", "key-zero-width-lane-origin", "key-trailing-space-lane-origin",
    "xml-row-far-beyond-excel", "xml-bogus-dimension", "value-absurd-mines-capacity_t",
    "must-serve-infeasible", "drop-sheet-lanes", "duplicate-key-mines", "setting-rate-negative",
}
FAST_SAMPLE = 30  # further deterministic cases drawn (seeded) in the fast run
RANDOM_CASES = 600 if FULL else 10
HYPOTHESIS_EXAMPLES = 150 if FULL else 8


def _select() -> list[Case]:
    cases = [c for c in deterministic_cases() if FULL or not c.full_only]
    if not FULL:
        always = [c for c in cases if c.name in FAST_ALWAYS]
        rest = [c for c in cases if c.name not in FAST_ALWAYS]
        cases = always + random.Random(1).sample(rest, min(FAST_SAMPLE, len(rest)))
    return cases + random_cases(RANDOM_CASES)


CASES = _select()


def _check(outcome, expect: str) -> None:
    detail = f"{outcome.case} [{outcome.command}]: {outcome.kind} {outcome.note}\n{outcome.output}"
    assert outcome.kind in ("valid", "error"), detail
    if expect != "either":
        assert outcome.kind == expect, detail


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, tmp_path):
    """Build the case, validate it, and for a sample also solve it."""
    build_dir = tmp_path / "case"
    build_dir.mkdir()
    instance = case.build(build_dir)
    outcome = run_case(case.name, instance, build_dir, "validate", case.where)
    _check(outcome, case.expect)
    sampled = FULL and (outcome.kind == "valid" or zlib.crc32(case.name.encode()) % 10 == 0)
    # Solving a 20,000-mine model is a solver benchmark, not an input check (see
    # docs/reliability.md); the big cases are validated only.
    if (case.solve or sampled) and "big" not in case.tags:
        solved = run_case(case.name, instance, build_dir, "solve", case.where)
        _check(solved, "either")
        assert (solved.kind == "valid") == (outcome.kind == "valid"), (
            f"validate said {outcome.kind} but solve said {solved.kind}\n{solved.output}")


def test_fast_subset_size():
    """The default run stays near 100 cases; the full run reaches at least 1,000."""
    hyp = 3 * HYPOTHESIS_EXAMPLES
    assert (len(CASES) + hyp >= 1000) if FULL else (80 <= len(CASES) + hyp <= 120), len(CASES)


# --- hypothesis -----------------------------------------------------------------------------------

_EXCEL_ERRORS = ["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
_printable = st.characters(blacklist_categories=("Cs", "Cc"))
_cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False), st.text(_printable, max_size=30),
    st.sampled_from(_EXCEL_ERRORS + ["=1+1", "=A1/0", "nan", "inf", "-0", "1e999", " 7 "]),
    st.datetimes(min_value=__import__("datetime").datetime(1900, 3, 1)),
)
_hyp_settings = settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, derandomize=not FULL,
                         database=None,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.function_scoped_fixture])


def _is_number_text(value) -> bool:
    try:
        return math.isfinite(float(str(value).replace("\u00a0", "").replace(" ", "")))
    except ValueError:
        return False


@_hyp_settings
@given(data=st.data())
def test_hypothesis_cell(tmp_path_factory, data):
    """Any value in any cell: valid, or an error; a non-number in a number column is named."""
    sheet = data.draw(st.sampled_from(sorted(BASE)), label="sheet")
    row = data.draw(st.integers(0, len(BASE[sheet]) - 1), label="row")
    columns = SHEET_BY_NAME[sheet].column_names
    column = data.draw(st.sampled_from(columns), label="column")
    value = data.draw(_cell_values, label="value")
    tables = frames()
    tables[sheet][row][column] = value
    folder = tmp_path_factory.mktemp("hyp-cell")
    instance = from_frames(tables)(folder)
    where = ()
    kind = SHEET_BY_NAME[sheet].column(column).kind
    if kind in ("float", "int") and isinstance(value, str) and value.strip() \
            and not value.startswith("=") and not _is_number_text(value):
        where = (loc(sheet, row + 2, column),)
    outcome = run_case(f"hyp-cell-{sheet}-{column}", instance, folder, "validate", where)
    _check(outcome, "error" if where else "either")


@_hyp_settings
@given(data=st.data())
def test_hypothesis_csv(tmp_path_factory, data):
    """A CSV file of random text in a random encoding and delimiter replaces one sheet."""
    from optimizer.io.write import write_csv_folder

    sheet = data.draw(st.sampled_from(sorted(BASE)), label="sheet")
    delimiter = data.draw(st.sampled_from([",", ";", "\t"]), label="delimiter")
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
                         label="encoding")
    header = SHEET_BY_NAME[sheet].column_names
    body = data.draw(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=len(header) + 2),
                              max_size=6), label="rows")
    text = "\n".join(delimiter.join(r) for r in [header] + body)
    folder = tmp_path_factory.mktemp("hyp-csv")
    inst = write_csv_folder(frames(), folder / "inst")
    (inst / f"{sheet}.csv").write_bytes(text.encode(encoding, errors="replace"))
    outcome = run_case(f"hyp-csv-{sheet}", inst, folder, "validate")
    _check(outcome, "either")


@_hyp_settings
@given(payload=st.binary(max_size=4096), as_csv=st.booleans())
def test_hypothesis_bytes(tmp_path_factory, payload, as_csv):
    """Random bytes as a workbook, or as one CSV file of an otherwise valid folder."""
    from optimizer.io.write import write_csv_folder

    folder = tmp_path_factory.mktemp("hyp-bytes")
    if as_csv:
        instance = write_csv_folder(frames(), folder / "inst")
        (instance / "lanes.csv").write_bytes(payload)
    else:
        instance = folder / "inst.xlsx"
        instance.write_bytes(payload)
    outcome = run_case("hyp-bytes-csv" if as_csv else "hyp-bytes-xlsx", instance, folder,
                       "validate")
    _check(outcome, "either" if as_csv else "error")
