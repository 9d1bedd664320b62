"""The mutation corpus: a valid instance using every sheet, and ways to break it.

A :class:`Case` builds one instance (workbook, CSV folder or raw bytes) into a fresh folder and
says what must happen: ``expect`` is ``"valid"``, ``"error"`` or ``"either"``; ``where`` lists
substrings one problem line must contain (e.g. ``"sheet 'mines', row 2, column 'capacity_t'"``).

Mutations work at four levels:

* tables (``dict`` of row dicts, written with :func:`optimizer.io.write.write_workbook`):
  deleted sheets/columns, renamed headers, wrong types, bad numbers, unknown/duplicate keys,
  blank rows, odd Unicode;
* the openpyxl workbook: formulas without results, error values, merged cells, hidden sheets;
* the .xlsx zip and its XML: XML bombs, external entities, NaN/INF in ``<v>``, forged
  dimensions and row numbers, truncation, corrupt members, a zip bomb;
* CSV bytes: encodings (cp1252, UTF-16 with and without BOM), delimiters (; and tab), empty
  files, random bytes, unclosed quotes.

:func:`random_cases` draws seeded random combinations of the table-level mutations.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

from optimizer.io.write import write_csv_folder, write_workbook
from optimizer.schema import SHEET_BY_NAME

BASE: dict[str, list[dict]] = {
    "settings": [{"setting": "name", "value": "fuzz"},
                 {"setting": "discount_rate_per_year", "value": "0.08"},
                 {"setting": "periods_per_year", "value": "4"}],
    "periods": [{"period": "2025Q1"}, {"period": "2025Q2"}, {"period": "2025Q3",
                                                            "discount_factor": 0.97}],
    "countries": [{"country": "AUS", "name": "Australia"}, {"country": "CHN", "name": "China"},
                  {"country": "USA", "name": "United States"}],
    "elements": [{"element": "NdPr", "name": "NdPr oxide", "reference_price_usd_per_t": 60000.0},
                 {"element": "Dy", "name": "Dy oxide", "reference_price_usd_per_t": 300000.0}],
    "mines": [{"mine": "M1", "country": "AUS", "capacity_t": 100.0, "cost_usd_per_t": 5000.0},
              {"mine": "M2", "country": "CHN", "capacity_t": 200.0, "cost_usd_per_t": 3000.0,
               "first_period": "2025Q2"}],
    "mine_assays": [{"mine": "M1", "element": "NdPr", "share": 0.2},
                    {"mine": "M1", "element": "Dy", "share": 0.01},
                    {"mine": "M2", "element": "NdPr", "share": 0.18},
                    {"mine": "M2", "element": "Dy", "share": 0.02}],
    "plants": [{"plant": "P1", "country": "USA", "capacity_t": 100.0, "opex_usd_per_t": 2000.0},
               {"plant": "P2", "country": "CHN", "capacity_t": 300.0, "opex_usd_per_t": 1000.0}],
    "plant_recoveries": [{"plant": "P1", "element": "NdPr", "recovery": 0.9},
                         {"plant": "P1", "element": "Dy", "recovery": 0.85},
                         {"plant": "P2", "element": "NdPr", "recovery": 0.95},
                         {"plant": "P2", "element": "Dy", "recovery": 0.9}],
    "traders": [{"trader": "T1", "country": "CHN", "mined_country": "CHN", "element": "Dy",
                 "capacity_t": 5.0, "price_usd_per_t": 400000.0}],
    "stockpiles": [{"stockpile": "S1", "country": "USA", "element": "Dy", "initial_t": 2.0,
                    "capacity_t": 10.0, "holding_cost_usd_per_t": 100.0}],
    "demands": [{"demand": "D1", "country": "USA", "end_use": "ev", "military": "no",
                 "must_serve": "no", "lost_value_usd_per_t": 1e6},
                {"demand": "D2", "country": "USA", "end_use": "defence", "military": "yes",
                 "must_serve": "no", "lost_value_usd_per_t": 2e6}],
    "demand_quantities": [
        {"demand": d, "element": e, "period": p, "quantity_t": q}
        for d, e, q in (("D1", "NdPr", 10.0), ("D1", "Dy", 1.0), ("D2", "Dy", 0.5))
        for p in ("2025Q1", "2025Q2", "2025Q3")],
    "lanes": [{"origin": o, "destination": d, "cost_usd_per_t": c} for o, d, c in (
        ("M1", "P1", 100.0), ("M2", "P2", 50.0), ("M1", "P2", 120.0), ("P1", "D1", 50.0),
        ("P1", "D2", 50.0), ("P2", "D1", 200.0), ("P2", "D2", 200.0), ("T1", "D1", 300.0),
        ("T1", "S1", 300.0), ("S1", "D2", 10.0), ("P1", "S1", 20.0))],
    "tariffs": [{"origin_country": "CHN", "destination_country": "USA", "product": "*",
                 "ad_valorem": 0.25, "per_t_usd": 0.0}],
    "modules": [{"module": "X1", "site": "P1", "capacity_t": 50.0, "capex_usd": 1e6,
                 "fixed_om_usd": 1000.0, "earliest_period": "2025Q2", "max_count": 2}],
    "export_quotas": [{"country": "CHN", "product": "Dy", "period": "*", "cap_t": 100.0}],
    "end_use_limits": [{"country": "CHN", "basis": "either", "end_use": "defence",
                        "element": "*", "max_t": 0.0}],
    "diversification_caps": [{"end_use": "ev", "element": "NdPr", "basis": "processed",
                              "max_share": 0.9}],
    "scenarios": [{"scenario": "base", "probability": 0.7, "description": "as planned"},
                  {"scenario": "cut", "probability": 0.3, "description": "Dy quota cut"}],
    "scenario_changes": [{"scenario": "cut", "sheet": "export_quotas", "key": "CHN,Dy",
                          "column": "cap_t", "mode": "set", "value": 0.0,
                          "from_period": "2025Q2"}],
}
"""A valid instance that fills every sheet of the schema, so mutations reach every check."""

REQUIRED = tuple(s for s in BASE if SHEET_BY_NAME[s].required)
NUMERIC = [(s, c.name) for s in BASE for c in SHEET_BY_NAME[s].columns
           if c.kind in ("float", "int") and any(c.name in r for r in BASE[s])]
REFS = [(s, c.name) for s in BASE for c in SHEET_BY_NAME[s].columns
        if c.kind in ("ref", "period") and all(r.get(c.name) not in (None, "*") for r in BASE[s])]
KEYED = [s for s in BASE if SHEET_BY_NAME[s].key]


def frames() -> dict[str, list[dict]]:
    """A fresh deep copy of :data:`BASE`."""
    return copy.deepcopy(BASE)


def loc(sheet: str, row: int | None = None, column: str | None = None) -> str:
    """The location text a problem line must contain."""
    text = f"sheet '{sheet}'"
    if row is not None:
        text += f", row {row}"
    if column is not None:
        text += f", column '{column}'"
    return text


@dataclass(frozen=True)
class Case:
    """One instance to try: how to build it and what must happen."""

    name: str
    build: Callable[[Path], Path]
    expect: str = "either"  # "valid", "error" or "either"
    where: tuple[str, ...] = ()
    solve: bool = False  # also run `supplyopt solve` on it
    full_only: bool = False
    tags: tuple[str, ...] = field(default=())


# --- builders -----------------------------------------------------------------------------------

def from_frames(data: dict, edit: Callable | None = None) -> Callable[[Path], Path]:
    """A builder writing ``data`` as inst.xlsx, then applying ``edit(wb)`` with openpyxl."""
    def build(folder: Path) -> Path:
        path = write_workbook(data, folder / "inst.xlsx")
        if edit is not None:
            wb = openpyxl.load_workbook(path)
            edit(wb)
            wb.save(path)
        return path
    return build


def mutate(fn: Callable[[dict], None], edit: Callable | None = None) -> Callable[[Path], Path]:
    """A builder for the base tables changed in place by ``fn``."""
    data = frames()
    fn(data)
    return from_frames(data, edit)


def zip_edit(fn: Callable[[dict[str, bytes]], None], data: dict | None = None):
    """A builder writing the base workbook, then rewriting its zip members with ``fn``."""
    def build(folder: Path) -> Path:
        path = write_workbook(frames() if data is None else data, folder / "inst.xlsx")
        with zipfile.ZipFile(path) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        fn(members)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, b in members.items():
                zf.writestr(n, b)
        return path
    return build


def raw_bytes(payload: bytes, name: str = "inst.xlsx"):
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(payload)
        return path
    return build


def sheet_xml(members: dict, sheet: str) -> str:
    """The zip member holding ``sheet`` (write_workbook writes sheets in schema order)."""
    order = [s for s in SHEET_BY_NAME if s in BASE]
    return f"xl/worksheets/sheet{order.index(sheet) + 1}.xml"


def csv_folder(change: Callable[[Path], None] | None = None, data: dict | None = None):
    """A builder writing the base as a CSV folder, then changing its files with ``change``."""
    def build(folder: Path) -> Path:
        inst = write_csv_folder(frames() if data is None else data, folder / "inst")
        if change is not None:
            change(inst)
        return inst
    return build


def recode(sheet: str, encoding: str, delimiter: str = ",", bom: bool = False):
    """Rewrite one CSV file of the folder in ``encoding`` with ``delimiter`` (quoting kept)."""
    def change(inst: Path) -> None:
        import csv

        f = inst / f"{sheet}.csv"
        rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8"), newline="")))
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        data = buf.getvalue().encode(encoding)
        if bom and encoding == "utf-8":
            data = b"\xef\xbb\xbf" + data
        f.write_bytes(data)
    return change


# --- the deterministic corpus -------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + "]>\n")
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _bomb(members: dict, member: str, doctype: str, entity: str) -> None:
    xml = members[member].decode()
    xml = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml)
    # put the entity in the first inline string so a parser that expanded it would have to
    xml = xml.replace("<t>", f"<t>&{entity};", 1) if "<t>" in xml else xml
    members[member] = (doctype + xml).encode()


def _cell_value(members: dict, member: str, cell: str, raw: str) -> None:
    xml = members[member].decode()
    xml, n = re.subn(rf'<c r="{cell}"([^>]*?)(?: t="\w+")?>(.*?)</c>',
                     rf'<c r="{cell}"\1 t="n"><v>{raw}</v></c>', xml, count=1)
    assert n == 1, (member, cell)
    members[member] = xml.encode()


def _all_columns_cases() -> list[Case]:
    cases = []
    for sheet in BASE:
        spec = SHEET_BY_NAME[sheet]
        for col in spec.columns:
            if not any(col.name in r for r in BASE[sheet]):
                continue
            needed = col.required and col.default is None
            cases.append(Case(
                f"drop-column-{sheet}-{col.name}",
                mutate(lambda d, s=sheet, c=col.name: [r.pop(c, None) for r in d[s]]),
                "error" if needed else "either",
                (loc(sheet, 1, col.name),) if needed else ()))
    return cases


def deterministic_cases() -> list[Case]:  # noqa: C901 - a flat list of cases reads best
    """Every named case of the corpus (≈ 300), each building one instance."""
    cases: list[Case] = [
        Case("base-workbook", from_frames(frames()), "valid", solve=True),
        Case("base-csv", csv_folder(), "valid", solve=True),
    ]
    # deleted sheets
    for sheet in BASE:
        req = sheet in REQUIRED
        cases.append(Case(f"drop-sheet-{sheet}", mutate(lambda d, s=sheet: d.pop(s)),
                          "error" if req else "either", (loc(sheet),) if req else ()))
    cases += _all_columns_cases()
    # renamed headers
    for sheet, col in (("mines", "capacity_t"), ("lanes", "origin"), ("demands", "end_use")):
        def rename(new, s=sheet, c=col):
            return lambda d: [r.__setitem__(new, r.pop(c)) for r in d[s]]
        cases += [
            Case(f"header-upper-{sheet}-{col}", mutate(rename(col.upper())), "valid"),
            Case(f"header-spaces-{sheet}-{col}", mutate(rename(f"  {col} \u00a0")), "valid"),
            Case(f"header-zero-width-{sheet}-{col}", mutate(rename(col + "\u200b")), "valid"),
            Case(f"header-typo-{sheet}-{col}", mutate(rename(col[:-1])), "error",
                 (loc(sheet, 1, col),)),
        ]
    cases.append(Case("header-duplicated", from_frames(frames(), lambda wb: wb["mines"].cell(
        1, 6, "capacity_t")), "error", (loc("mines", 1, "capacity_t"),)))
    # wrong types and bad numbers in every numeric column
    for sheet, col in NUMERIC:
        spec = SHEET_BY_NAME[sheet].column(col)
        bad = {"text": "lots", "bool": True, "date": dt.datetime(2025, 1, 1), "comma": "1,5",
               "neg": -1, "neg-tiny": -1e-9, "huge": 1e16, "nan-text": "NaN", "inf-text": "inf",
               "minus-inf-text": "-Infinity", "overflow-text": "1e400"}
        for label, value in bad.items():
            if label in ("neg", "neg-tiny") and (spec.min is None or spec.min < 0):
                continue
            cases.append(Case(f"value-{label}-{sheet}-{col}",
                              mutate(lambda d, s=sheet, c=col, v=value: d[s][0].__setitem__(c, v)),
                              "error", (loc(sheet, 2, col),)))
        if spec.max is not None:
            cases.append(Case(f"value-above-max-{sheet}-{col}",
                              mutate(lambda d, s=sheet, c=col, v=spec.max * 1.5 + 1:
                                     d[s][0].__setitem__(c, v)), "error", (loc(sheet, 2, col),)))
    # absurdly large but finite numbers: accepted by validation, must not break the solve
    for sheet, col, value in (("mines", "capacity_t", 1e14), ("demand_quantities", "quantity_t",
                                                              1e12),
                              ("lanes", "cost_usd_per_t", 1e14), ("modules", "capex_usd", 9e14)):
        cases.append(Case(f"value-absurd-{sheet}-{col}",
                          mutate(lambda d, s=sheet, c=col, v=value: d[s][0].__setitem__(c, v)),
                          "either", solve=True))
    # unknown references
    for sheet, col in REFS:
        cases.append(Case(f"unknown-ref-{sheet}-{col}",
                          mutate(lambda d, s=sheet, c=col: d[s][0].__setitem__(c, "ZZZ")),
                          "error", (loc(sheet, 2, col), "'ZZZ'")))
    # duplicate keys
    for sheet in KEYED:
        cases.append(Case(f"duplicate-key-{sheet}",
                          mutate(lambda d, s=sheet: d[s].append(dict(d[s][0]))),
                          "error", (loc(sheet, len(BASE[sheet]) + 2),)))
    cases.append(Case("duplicate-site-across-sheets",
                      mutate(lambda d: d["plants"][0].__setitem__("plant", "M1")), "error",
                      ("site name not already used",)))
    # formulas and error values
    cases += [
        Case("formula-no-cache-number", from_frames(frames(), lambda wb: wb["mines"].cell(
            2, 3, "=1+1")), "error", (loc("mines", 2, "capacity_t"), "'=1+1'")),
        Case("formula-no-cache-key", from_frames(frames(), lambda wb: wb["countries"].cell(
            2, 1, '="AU"&"S"')), "error", (loc("countries", 2, "country"),)),
        Case("formula-no-cache-optional", from_frames(frames(), lambda wb: wb["periods"].cell(
            2, 2, "=1/2")), "error", (loc("periods", 2, "discount_factor"),)),
        Case("formula-with-cached-value", zip_edit(lambda m: _cached_formula(m)), "valid",
             solve=True),
    ]
    for err in ("#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"):
        cases.append(Case(f"error-value-{err}", from_frames(
            frames(), lambda wb, e=err: wb["plants"].cell(2, 3, e)), "error",
            (loc("plants", 2, "capacity_t"), err)))
        cases.append(Case(f"error-value-key-{err}", from_frames(
            frames(), lambda wb, e=err: wb["mines"].cell(2, 2, e)), "error",
            (loc("mines", 2, "country"),)))
    # merged cells, hidden sheets, blank rows
    cases += [
        Case("merged-data-cells", from_frames(frames(), lambda wb: wb["mines"].merge_cells(
            "B2:C2")), "error", (loc("mines", 2, "capacity_t"),)),
        Case("merged-header-cells", from_frames(frames(), lambda wb: wb["lanes"].merge_cells(
            "C1:D1")), "either"),
        Case("merged-across-rows", from_frames(frames(), lambda wb: wb["countries"].merge_cells(
            "B2:B4")), "valid"),
        Case("hidden-sheet", from_frames(frames(), lambda wb: setattr(
            wb["mines"], "sheet_state", "hidden")), "valid"),
        Case("very-hidden-sheet", from_frames(frames(), lambda wb: setattr(
            wb["tariffs"], "sheet_state", "veryHidden")), "valid"),
        Case("blank-rows-in-middle", mutate(lambda d: [d[s].insert(1, {}) for s in d
                                                       if len(d[s]) > 1]), "valid", solve=True),
        Case("blank-rows-then-bad", mutate(lambda d: (d["lanes"].insert(1, {}), d["lanes"].insert(
            1, {}), d["lanes"][4].__setitem__("cost_usd_per_t", "x"))), "error",
            (loc("lanes", 6, "cost_usd_per_t"),)),
        Case("whitespace-only-rows", mutate(lambda d: d["mines"].insert(
            1, {"mine": "  ", "country": "\t"})), "valid"),
        Case("row-missing-key", mutate(lambda d: d["mines"].insert(
            1, {"country": "AUS", "capacity_t": 1.0, "cost_usd_per_t": 1.0})), "error",
            (loc("mines", 3, "mine"),)),
        Case("extra-sheet", mutate(lambda d: d.__setitem__("notes", [{"a": 1}])), "valid"),
        Case("extra-columns", mutate(lambda d: [r.__setitem__(f"extra{i}", i)
                                                for r in d["mines"] for i in range(300)]),
             "valid"),
        Case("sheet-title-case", from_frames(frames(), lambda wb: setattr(
            wb["mines"], "title", "Mines ")), "valid"),
        Case("sheet-without-header", from_frames(frames(), lambda wb: wb["periods"].delete_rows(
            1, 10)), "error", (loc("periods", 1),)),
        Case("header-not-in-row-1", from_frames(frames(), lambda wb: wb["countries"].insert_rows(
            1, 2)), "error", (loc("countries", 1),)),
        Case("empty-required-sheet", from_frames(frames(), lambda wb: wb["plants"].delete_rows(
            2, 10)), "error", (loc("plants"),)),
        Case("empty-optional-sheet", from_frames(frames(), lambda wb: wb["tariffs"].delete_rows(
            1, 10)), "valid"),
        Case("no-sheets-but-readme", raw_workbook_with(lambda wb: wb.active.append(["hello"])),
             "error", (loc("periods"),)),
    ]
    # trailing spaces and odd Unicode in keys
    for label, key, expect in (
            ("trailing-space", "M1  ", "valid"), ("nbsp", "\u00a0M1\u00a0", "valid"),
            ("zero-width", "M\u200b1", "valid"), ("bom", "\ufeffM1", "valid"),
            ("fullwidth", "\uff2d1", "error"), ("cyrillic-M", "\u041c1", "error"),
            ("lowercase", "m1", "error"), ("tab", "M1\t", "valid")):
        cases.append(Case(f"key-{label}-lane-origin", mutate(
            lambda d, k=key: d["lanes"][0].__setitem__("origin", k)), expect,
            (loc("lanes", 2, "origin"),) if expect == "error" else ()))
    nfd, nfc = "Me\u0301xico", "M\u00e9xico"
    cases += [
        Case("key-nfc-vs-nfd", mutate(lambda d: (
            d["countries"].append({"country": nfc}),
            d["mines"][0].__setitem__("country", nfd))), "valid"),
        Case("key-emoji-and-rtl", mutate(lambda d: (
            d["countries"].append({"country": "\U0001F30D\u05e9"}),
            d["mines"][0].__setitem__("country", "\U0001F30D\u05e9"))), "valid"),
        Case("key-number-typed", mutate(lambda d: (
            d["periods"][0].__setitem__("period", 2025),
            [r.__setitem__("period", "2025") for r in d["demand_quantities"]
             if r["period"] == "2025Q1"])), "valid"),
        Case("key-very-long", mutate(lambda d: d["mines"][0].__setitem__("mine", "M" * 40000)),
             "error", (loc("lanes", 2, "origin"),)),
        Case("ref-very-long-value-is-cut", mutate(lambda d: d["lanes"][0].__setitem__(
            "origin", "Q" * 30000)), "error", (loc("lanes", 2, "origin"), "QQQ…'")),
        Case("period-as-date", mutate(lambda d: d["periods"][0].__setitem__(
            "period", dt.datetime(2025, 1, 1))), "error", (loc("demand_quantities"),)),
    ]
    # settings, scenarios, network rules
    for label, setting, value in (("rate-text", "discount_rate_per_year", "abc"),
                                  ("rate-negative", "discount_rate_per_year", "-2"),
                                  ("rate-inf", "discount_rate_per_year", "inf"),
                                  ("periods-zero", "periods_per_year", "0"),
                                  ("periods-nan", "periods_per_year", "nan")):
        row = 3 if setting == "discount_rate_per_year" else 4
        cases.append(Case(f"setting-{label}", mutate(
            lambda d, s=setting, v=value: [r.__setitem__("value", v) for r in d["settings"]
                                           if r["setting"] == s]), "error",
            (loc("settings", row, "value"),)))
    cases += [
        Case("setting-unknown", mutate(lambda d: d["settings"].append(
            {"setting": "colour", "value": "red"})), "error", (loc("settings", 5, "setting"),)),
        Case("probabilities-sum-0.9", mutate(lambda d: d["scenarios"][1].__setitem__(
            "probability", 0.2)), "error", (loc("scenarios", None, "probability"),)),
        Case("probability-negative", mutate(lambda d: d["scenarios"][1].__setitem__(
            "probability", -0.3)), "error", (loc("scenarios", 3, "probability"),)),
        Case("scenario-change-unknown-sheet", mutate(lambda d: d["scenario_changes"][0]
                                                    .__setitem__("sheet", "nope")), "error"),
        Case("scenario-change-unknown-column", mutate(lambda d: d["scenario_changes"][0]
                                                     .__setitem__("column", "nope")), "error"),
        Case("scenario-change-unknown-key", mutate(lambda d: d["scenario_changes"][0]
                                                  .__setitem__("key", "XXX,Dy")), "error"),
        Case("scenario-change-key-garbage", mutate(lambda d: d["scenario_changes"][0]
                                                  .__setitem__("key", ",,,\u200b,")), "either"),
        Case("scenario-changes-without-scenarios", mutate(lambda d: d.pop("scenarios")),
             "error"),
        Case("lane-mine-to-demand", mutate(lambda d: d["lanes"].append(
            {"origin": "M1", "destination": "D1"})), "error", (loc("lanes", 13, "destination"),)),
        Case("lane-demand-to-mine", mutate(lambda d: d["lanes"].append(
            {"origin": "D1", "destination": "M1"})), "error", (loc("lanes", 13, "origin"),)),
        Case("stock-initial-above-capacity", mutate(lambda d: d["stockpiles"][0].__setitem__(
            "initial_t", 500.0)), "error", (loc("stockpiles", 2, "initial_t"), "capacity_t")),
        Case("stock-initial-equal-capacity", mutate(lambda d: d["stockpiles"][0].__setitem__(
            "initial_t", 10.0)), "valid"),
        Case("key-case-twin-mines", mutate(lambda d: d["mines"].append(
            {"mine": "m1", "country": "AUS", "capacity_t": 1.0, "cost_usd_per_t": 1.0})),
            "error", (loc("mines", 4, "mine"), "upper/lower case")),
        Case("key-case-twin-end-use", mutate(lambda d: d["demands"][1].__setitem__(
            "end_use", "EV")), "error", (loc("demands", 3, "end_use"), "upper/lower case")),
        Case("header-near-miss-lanes-capacity_tt", mutate(lambda d: [
            r.__setitem__("capacity_tt", 5.0) for r in d["lanes"]]), "error",
            (loc("lanes", 1, "capacity_tt"), "did you mean 'capacity_t'?")),
        Case("header-stem-lanes-cost", mutate(lambda d: [
            r.__setitem__("cost", r.pop("cost_usd_per_t")) for r in d["lanes"]]), "error",
            (loc("lanes", 1, "cost"), "did you mean 'cost_usd_per_t'?")),
        Case("header-unrelated-lanes-notes", mutate(lambda d: [
            r.__setitem__("notes", "x") for r in d["lanes"]]), "valid"),
        Case("sheet-near-miss-tarifs", mutate(lambda d: d.__setitem__("tarifs", d.pop(
            "tariffs"))), "error", (loc("tarifs"), "did you mean 'tariffs'?")),
        Case("lane-to-itself", mutate(lambda d: d["lanes"].append(
            {"origin": "P1", "destination": "P1"})), "error", (loc("lanes", 13),)),
        Case("assays-sum-above-1", mutate(lambda d: d["mine_assays"][0].__setitem__(
            "share", 0.995)), "error", (loc("mine_assays", 2, "share"),)),
        Case("module-at-demand", mutate(lambda d: d["modules"][0].__setitem__("site", "D1")),
             "error", (loc("modules", 2, "site"),)),
        Case("end-use-limit-without-limit", mutate(lambda d: d["end_use_limits"][0].pop("max_t")),
             "error", (loc("end_use_limits", 2, "max_t"),)),
        Case("end-use-unknown", mutate(lambda d: d["diversification_caps"][0].__setitem__(
            "end_use", "toys")), "error", (loc("diversification_caps", 2, "end_use"),)),
        Case("bool-garbage", mutate(lambda d: d["demands"][0].__setitem__("military", "maybe")),
             "error", (loc("demands", 2, "military"),)),
        Case("max-count-fraction", mutate(lambda d: d["modules"][0].__setitem__("max_count", 1.5)),
             "error", (loc("modules", 2, "max_count"),)),
        Case("zero-everything", mutate(lambda d: [r.__setitem__(c, 0) for s, c in NUMERIC
                                                  for r in d[s] if c in r
                                                  and s not in ("scenarios",)]),
             "either", solve=True),
        Case("must-serve-infeasible", mutate(lambda d: (
            d["demands"][0].__setitem__("must_serve", "yes"),
            d["demand_quantities"][0].__setitem__("quantity_t", 1e9))), "either", solve=True),
    ]
    cases += _file_level_cases()
    cases += _xml_cases()
    cases += _csv_cases()
    cases += _big_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def raw_workbook_with(edit: Callable):
    def build(folder: Path) -> Path:
        wb = openpyxl.Workbook()
        edit(wb)
        path = folder / "inst.xlsx"
        wb.save(path)
        return path
    return build


def _cached_formula(members: dict) -> None:
    member = sheet_xml(members, "mines")
    xml = members[member].decode()
    xml, n = re.subn(r'<c r="C2"([^>]*)><v>100</v></c>', r'<c r="C2"\1><f>50*2</f><v>100</v></c>',
                     xml)
    assert n == 1
    members[member] = xml.encode()


def _file_level_cases() -> list[Case]:
    rng = random.Random(7)
    valid = io.BytesIO()

    def base_bytes() -> bytes:
        if not valid.getvalue():
            import tempfile
            with tempfile.TemporaryDirectory() as d:
                valid.write(write_workbook(frames(), Path(d) / "x.xlsx").read_bytes())
        return valid.getvalue()

    def truncated(frac: float | None, minus: int = 0):
        def build(folder: Path) -> Path:
            data = base_bytes()
            cut = int(len(data) * frac) if frac is not None else len(data) - minus
            return raw_bytes(data[:cut])(folder)
        return build

    def corrupt_member(folder: Path) -> Path:
        data = bytearray(base_bytes())
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            info = zf.getinfo(sheet_xml({}, "mines"))
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for i in range(start + 3, start + info.compress_size - 3):
            data[i] ^= 0xA5
        return raw_bytes(bytes(data))(folder)

    def folder_of(files: dict[str, bytes]):
        def build(folder: Path) -> Path:
            inst = folder / "inst"
            inst.mkdir()
            for name, payload in files.items():
                (inst / name).write_bytes(payload)
            return inst
        return build

    return [
        Case("missing-file", lambda f: f / "absent.xlsx", "error"),
        Case("empty-xlsx", raw_bytes(b""), "error"),
        Case("text-as-xlsx", raw_bytes(b"mine,country\nM1,AUS\n"), "error"),
        Case("xls-ole-header", raw_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)),
             "error"),
        Case("xls-extension", raw_bytes(b"whatever", "inst.xls"), "error"),
        Case("no-extension", raw_bytes(b"whatever", "inst"), "error"),
        Case("random-bytes-xlsx", raw_bytes(rng.randbytes(5000)), "error"),
        Case("random-bytes-pk", raw_bytes(b"PK\x03\x04" + rng.randbytes(5000)), "error"),
        Case("zip-not-xlsx", zip_of({"hello.txt": b"hi"}), "error"),
        Case("zip-content-types-only", zip_of({"[Content_Types].xml": b"<Types/>"}), "error"),
        Case("zip-workbook-garbage", zip_edit(lambda m: m.__setitem__("xl/workbook.xml",
                                                                     b"<not xml")), "error"),
        Case("zip-sheet-garbage", zip_edit(lambda m: m.__setitem__(
            sheet_xml(m, "lanes"), b"\x00\x01garbage")), "error"),
        Case("zip-sheet-missing", zip_edit(lambda m: m.pop(sheet_xml(m, "lanes"))), "error"),
        Case("truncated-10pc", truncated(0.1), "error"),
        Case("truncated-50pc", truncated(0.5), "error"),
        Case("truncated-90pc", truncated(0.9), "error"),
        Case("truncated-1-byte", truncated(None, 1), "either"),
        Case("truncated-end-record", truncated(None, 22), "error"),
        Case("corrupt-member", corrupt_member, "error"),
        Case("directory-as-xlsx", lambda f: (f / "d.xlsx").mkdir() or f / "d.xlsx", "error"),
        Case("empty-folder", lambda f: (f / "e").mkdir() or f / "e", "error"),
        Case("folder-of-empty-csv", folder_of({n + ".csv": b"" for n in REQUIRED}), "error",
             ("sheet 'periods'",)),
        Case("folder-random-csv", folder_of({n + ".csv": rng.randbytes(300) for n in REQUIRED}),
             "error"),
        Case("single-csv-file", lambda f: write_csv_folder(frames(), f / "c") / "mines.csv",
             "error"),
    ]


def zip_of(members: dict[str, bytes]):
    def build(folder: Path) -> Path:
        path = folder / "inst.xlsx"
        with zipfile.ZipFile(path, "w") as zf:
            for n, b in members.items():
                zf.writestr(n, b)
        return path
    return build


def _xml_cases() -> list[Case]:
    def zip_bomb(folder: Path) -> Path:
        path = write_workbook(frames(), folder / "inst.xlsx")
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
            with zf.open("xl/media/padding.bin", "w") as fh:
                block = bytes(1 << 20)
                for _ in range(60):  # 60 MB of zeros, ~60 KB compressed
                    fh.write(block)
        return path

    mines = lambda m: sheet_xml(m, "mines")  # noqa: E731
    return [
        Case("xml-bomb-sheet", zip_edit(lambda m: _bomb(m, mines(m), BILLION_LAUGHS, "lol9")),
             "error", ("XML bomb",)),
        Case("xml-bomb-workbook", zip_edit(lambda m: _bomb(m, "xl/workbook.xml", BILLION_LAUGHS,
                                                           "lol9")), "error"),
        Case("xml-bomb-styles", zip_edit(lambda m: _bomb(m, "xl/styles.xml", BILLION_LAUGHS,
                                                         "lol9")), "error"),
        Case("xml-external-entity", zip_edit(lambda m: _bomb(m, mines(m), XXE, "xxe")), "error"),
        Case("xml-bomb-sheet-named", zip_edit(lambda m: _bomb(m, mines(m), BILLION_LAUGHS,
                                                              "lol9")), "error",
             (loc("mines"), "in part xl/worksheets/")),
        Case("xml-bomb-unparsed-part", zip_edit(lambda m: _bomb(m, "docProps/app.xml",
                                                                BILLION_LAUGHS, "lol9")),
             "error", ("XML bomb", "docProps/app.xml")),
        Case("zip-bomb-member", zip_bomb, "error", ("zip bomb",)),
        Case("xml-nan-in-number", zip_edit(lambda m: _cell_value(m, mines(m), "C2", "NaN")),
             "error", ("sheet 'mines'",)),
        Case("xml-inf-in-number", zip_edit(lambda m: _cell_value(m, mines(m), "C2", "INF")),
             "error", ("sheet 'mines'",)),
        Case("xml-1e400-in-number", zip_edit(lambda m: _cell_value(m, mines(m), "C2", "1e400")),
             "error", (loc("mines", 2, "capacity_t"),)),
        Case("xml-bogus-dimension", zip_edit(lambda m: _replace(
            m, mines(m), r"<dimension ref=\"[^\"]*\"", '<dimension ref="A1:XFD1048576"')),
            "valid"),
        Case("xml-row-beyond-excel", zip_edit(lambda m: _move_row(m, mines(m), 3, 1_048_577)),
             "error", (loc("mines", 1_048_577),)),
        Case("xml-row-far-beyond-excel", zip_edit(lambda m: _move_row(m, mines(m), 3,
                                                                      99_999_999)),
             "error", ("sheet 'mines'",)),
        Case("xml-namespace-prefix", zip_edit(lambda m: _prefix(m, mines(m))), "either"),
        Case("xml-shared-strings-bad-index", zip_edit(lambda m: _replace(
            m, mines(m), r'<c r="A2"[^>]*>.*?</c>', '<c r="A2" t="s"><v>99999</v></c>')),
            "error"),
        Case("xml-control-char", zip_edit(lambda m: _replace(
            m, mines(m), r"<t>M1</t>", "<t>M1&#x7;</t>")), "either"),
        Case("xml-date-out-of-range", zip_edit(lambda m: _replace(
            m, mines(m), r'<c r="C2"([^>]*)>', r'<c r="C2" s="1"\1>')), "either"),
    ]


def _replace(members: dict, member: str, pattern: str, repl) -> None:
    xml = members[member].decode()
    xml, n = re.subn(pattern, repl, xml, count=1, flags=re.S)
    assert n == 1, (member, pattern)
    members[member] = xml.encode()


def _move_row(members: dict, member: str, old: int, new: int) -> None:
    """Renumber row ``old`` (and its cells) as row ``new``, as a forged file could."""
    xml = members[member].decode()
    xml = xml.replace(f'<row r="{old}"', f'<row r="{new}"', 1)
    xml = re.sub(rf'r="([A-Z]+){old}"', rf'r="\g<1>{new}"', xml)
    members[member] = xml.encode()


def _prefix(members: dict, member: str) -> None:
    """Write the sheet with a namespace prefix (x:row, x:c), as some generators do."""
    xml = members[member].decode()
    xml = xml.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                      'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1)
    xml = re.sub(r"<(/?)(?!\?)([A-Za-z])", r"<\1x:\2", xml)
    members[member] = xml.encode()


def _csv_cases() -> list[Case]:
    def write(name: str, payload: bytes):
        return lambda inst: (inst / name).write_bytes(payload)

    cases = [
        Case("csv-cp1252", csv_folder(recode("countries", "cp1252"), _accented()), "valid"),
        Case("csv-utf16-bom", csv_folder(recode("mines", "utf-16")), "valid", solve=True),
        Case("csv-utf16le-no-bom", csv_folder(recode("mines", "utf-16-le")), "valid"),
        Case("csv-utf8-bom", csv_folder(recode("lanes", "utf-8", bom=True)), "valid"),
        Case("csv-semicolon", csv_folder(recode("lanes", "utf-8", ";")), "valid"),
        Case("csv-tab", csv_folder(recode("plants", "utf-8", "\t")), "valid"),
        Case("csv-all-semicolon-cp1252", csv_folder(lambda inst: [
            recode(p.stem, "cp1252", ";")(inst) for p in inst.glob("*.csv")], _accented()),
            "valid", solve=True),
        Case("csv-empty-required", csv_folder(write("mines.csv", b"")), "error",
             ("mines.csv, sheet 'mines'",)),
        Case("csv-empty-optional", csv_folder(write("tariffs.csv", b"")), "valid"),
        Case("csv-header-only", csv_folder(write("plants.csv", b"plant,country,capacity_t,"
                                                               b"opex_usd_per_t\n")), "error",
             ("plants.csv, sheet 'plants'",)),
        Case("csv-random-bytes", csv_folder(write("lanes.csv", random.Random(3).randbytes(4000))),
             "error", ("lanes.csv",)),
        Case("csv-nul-bytes", csv_folder(write("lanes.csv", b"origin,destination\nM1\x00,P1\n")),
             "error", ("lanes.csv",)),
        Case("csv-unclosed-quote", csv_folder(write(
            "lanes.csv", b'origin,destination\n"M1,P1\n' + b"x" * 1_200_000)), "error",
            ("lanes.csv, sheet 'lanes'",)),
        Case("csv-bad-number-row", csv_folder(write(
            "mines.csv", b"mine,country,capacity_t,cost_usd_per_t\nM1,AUS,100,5000\n\n"
                         b"M2,CHN,two hundred,3000\n")), "error",
            ("mines.csv, " + loc("mines", 4, "capacity_t"),)),
        Case("csv-ragged-rows", csv_folder(write(
            "mines.csv", b"mine,country,capacity_t,cost_usd_per_t\nM1,AUS,100,5000,9,9,9\n"
                         b"M2,CHN\n")), "error", ("mines.csv, " + loc("mines", 3),)),
        Case("csv-ragged-short-lane", csv_folder(lambda inst: (inst / "lanes.csv").write_bytes(
            (inst / "lanes.csv").read_bytes().rstrip(b"\r\n") + b"\nP1,D1\n")), "error",
            ("lanes.csv, " + loc("lanes", 13), "'2 fields'")),
        Case("csv-ragged-trailing-empty-fields", csv_folder(lambda inst: (inst / "mines.csv")
                                                             .write_bytes(
            b"mine,country,capacity_t,cost_usd_per_t,first_period\nM1,AUS,100,5000,,,,\n"
            b"M2,CHN,200,3000,2025Q2,\n")), "valid"),
        Case("csv-mixed-delimiters", csv_folder(write(
            "mines.csv", b"mine;country,capacity_t;cost_usd_per_t\nM1;AUS,100;5000\n")),
            "error", ("mines.csv",)),
        Case("csv-utf16-odd-bytes", csv_folder(write("mines.csv", b"\xff\xfem\x00i\x00n")),
             "error", ("mines.csv",)),
        Case("csv-uppercase-extension", csv_folder(lambda inst: (inst / "mines.csv").rename(
            inst / "MINES.CSV")), "valid"),
        Case("csv-duplicate-sheet-case", csv_folder(lambda inst: (inst / "Mines.csv").write_bytes(
            (inst / "mines.csv").read_bytes())), "error", ("mines",)),
    ]
    return cases


def _accented() -> dict:
    data = frames()
    data["countries"][0]["name"] = "Austr\u00e1lia \u00e9\u00e8\u00fc\u00df"
    return data


def _big_cases() -> list[Case]:
    def big(rows: int, dup: bool = False):
        def build(folder: Path) -> Path:
            path = folder / "inst.xlsx"
            write_big_workbook(path, rows, dup)
            return path
        return build

    return [
        Case("rows-20000-valid", big(20_000), "valid", tags=("big",)),
        Case("rows-20000-duplicates", big(20_000, dup=True), "error", (loc("mines", 4, "mine"),)),
        Case("rows-200000-valid", big(200_000), "valid", full_only=True, tags=("big",)),
        Case("rows-200000-duplicates", big(200_000, dup=True), "error",
             (loc("mines", 4, "mine"),), full_only=True),
    ]


def write_big_workbook(path: Path, rows: int, dup: bool) -> Path:
    """The base instance with a ``mines`` sheet of ``rows`` rows (all duplicates of M1 if
    ``dup``), written in openpyxl's write-only mode so building it stays fast."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows_ in frames().items():
        ws = wb.create_sheet(name)
        cols = list(dict.fromkeys(k for r in rows_ for k in r))
        ws.append(cols)
        for r in rows_:
            ws.append([r.get(c) for c in cols])
        if name == "mines":
            for i in range(rows):
                ws.append(["M1" if dup else f"X{i}", "AUS", 1.0, 10.0])
    wb.save(path)
    return path


# --- seeded random combinations -----------------------------------------------------------------

_VALUES = ["", " ", "x", "ZZZ", "-1", "0", "1", "1e15", "1e16", "nan", "inf", "#REF!", "=A1",
           "\u200b", "M1 ", "  P1", "CHN", "2025Q1", "*", "yes", "TRUE", "\U0001F600", "1,5",
           "0.5", -1, 0, 1, 0.5, 1.5, 1e300, -1e-12, True, False, None,
           dt.datetime(2024, 2, 29), "\u00e9", "a" * 500]


def random_cases(n: int, seed: int = 20251126) -> list[Case]:
    """``n`` cases, each 1–3 random table-level mutations of the base (seeded: reproducible)."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        data = frames()
        steps = []
        for _ in range(rng.randint(1, 3)):
            steps.append(_random_step(rng, data))
        cases.append(Case(f"random-{seed}-{i:04d}-" + "+".join(steps)[:60],
                          from_frames(data), "either", solve=(i % 25 == 0)))
    return cases


def _random_step(rng: random.Random, data: dict) -> str:
    sheet = rng.choice(list(data))
    rows = data[sheet]
    op = rng.choice(["cell", "cell", "cell", "drop-col", "dup-row", "blank-row", "drop-row",
                     "rename-col", "drop-sheet", "swap-cols"])
    if op == "drop-sheet":
        data.pop(sheet)
        return f"drop:{sheet}"
    if not rows:
        return "noop"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    col = rng.choice(cols)
    if op == "cell":
        rng.choice(rows)[col] = rng.choice(_VALUES)
    elif op == "drop-col":
        for r in rows:
            r.pop(col, None)
    elif op == "dup-row":
        rows.append(dict(rng.choice(rows)))
    elif op == "blank-row":
        rows.insert(rng.randrange(len(rows) + 1), {})
    elif op == "drop-row":
        rows.pop(rng.randrange(len(rows)))
    elif op == "rename-col":
        new = rng.choice([col.upper(), col + " ", col[:-1], "\u200b" + col, col + "_2"])
        for r in rows:
            if col in r:
                r[new] = r.pop(col)
    elif op == "swap-cols" and len(cols) > 1:
        a, b = rng.sample(cols, 2)
        for r in rows:
            r[a], r[b] = r.get(b), r.get(a)
    return f"{op}:{sheet}.{col}"
