"""Raw sheets + schema → validated :class:`~optimizer.instance.Instance`.

Validation collects every problem first and raises once, so a planner fixes a workbook in one
round. Each problem names the file, sheet, Excel row, column, the value found and what was
expected (see :class:`optimizer.errors.Problem`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.instance import Instance, Override, Scenario
from optimizer.io.raw import RawSheet
from optimizer.schema import ANY, CONCENTRATE, SHEET_BY_NAME, SHEETS, SITE_SHEETS, Column, Sheet

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}
_EXCEL_ERRORS = {"#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!",
                 "#CALC!", "#GETTING_DATA"}
_LANE_KINDS = {
    ("mines", "plants"), ("plants", "demands"), ("plants", "stockpiles"), ("traders", "demands"),
    ("traders", "stockpiles"), ("stockpiles", "demands"),
}


class _Collector:
    """Accumulates problems for one instance file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, sheet, row, column, value, expected, severity="error", file=None):
        self.problems.append(Problem(file or self.file, sheet, row, column, value, expected, severity))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a key typed as 2025 in Excel arrives as 2025.0
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def _parse_cell(col: Column, value, sheet: str, row: int, out: _Collector, file: str):
    """Parse one cell; return the typed value or None (blank), recording a problem if bad."""
    def bad(expected):
        out.add(sheet, row, col.name, value, expected, file=file)
        return None

    if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
        return bad(f"a value, not the Excel error {value.strip()} (fix the formula)")
    if col.kind in ("key", "ref", "text", "period", "choice"):
        text = _as_text(value)
        if text is None:
            return None
        if col.kind == "choice" and text.lower() not in col.choices:
            return bad("one of " + ", ".join(col.choices))
        return text.lower() if col.kind == "choice" else text
    if col.kind == "bool":
        text = _as_text(value)
        if text is None:
            return None
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        return bad("yes or no (TRUE/FALSE, 1/0)")
    # numbers
    if isinstance(value, bool):
        return bad("a number, not TRUE/FALSE")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            return bad("a number" + (f" in {col.unit}" if col.unit else ""))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        return bad("a number" + (f" in {col.unit}" if col.unit else ""))
    if not math.isfinite(number):
        return bad("a finite number")
    if number != number:
        return None
    if col.kind == "int" and not float(number).is_integer():
        return bad("a whole number")
    if col.min is not None and number < col.min:
        return bad(f"a number ≥ {col.min:g}" + (f" ({col.unit})" if col.unit else ""))
    if col.max is not None and number > col.max:
        return bad(f"a number ≤ {col.max:g}" + (f" ({col.unit})" if col.unit else ""))
    if abs(number) > 1e15:
        return bad("a number below 1e15 (check the units)")
    return int(number) if col.kind == "int" else number


def _typed_sheet(spec: Sheet, raw: RawSheet, out: _Collector) -> pd.DataFrame:
    """Check headers and parse every cell of one sheet into a typed frame (index: Excel row)."""
    file, frame = raw.file, raw.frame
    headers = list(frame.columns)
    seen = set()
    for h in headers:
        if h in seen and h:
            out.add(spec.name, 1, h, h, "each column header once", file=file)
        seen.add(h)
    by_lower = {h.lower(): h for h in headers if h}
    present = {}
    for col in spec.columns:
        if col.name in headers:
            present[col.name] = col.name
        elif col.name.lower() in by_lower:
            present[col.name] = by_lower[col.name.lower()]
        elif col.required and col.default is None:
            out.add(spec.name, 1, col.name, None, f"a column headed '{col.name}' ({col.description})",
                    file=file)
    for h in headers:
        if h and h not in present.values():
            out.add(spec.name, 1, h, h, "a known column (" + ", ".join(spec.column_names) +
                    "); this column is ignored", severity="warning", file=file)
    if raw.hidden:
        out.add(spec.name, None, None, None, "a visible sheet (hidden sheets are still read)",
                severity="warning", file=file)
    result = pd.DataFrame(index=frame.index)
    formulas = raw.formula_cells
    for col in spec.columns:
        header = present.get(col.name)
        if header is None:
            result[col.name] = pd.Series([col.default] * len(frame), index=frame.index, dtype=object)
            continue
        values = frame[header]
        if isinstance(values, pd.DataFrame):  # duplicated header; already reported
            values = values.iloc[:, 0]
        parsed = []
        for row, value in values.items():
            v = _parse_cell(col, value, spec.name, row, out, file)
            if v is None:
                if (row, header) in formulas:
                    out.add(spec.name, row, col.name, "=formula", "a value: the formula has no saved "
                            "result (open and save the workbook in Excel, or type the value)",
                            file=file)
                elif col.required and col.default is None:
                    out.add(spec.name, row, col.name, None, f"a value ({col.description})", file=file)
                v = col.default
            parsed.append(v)
        result[col.name] = pd.Series(parsed, index=frame.index, dtype=object)
    return result


def _check_keys(spec: Sheet, df: pd.DataFrame, file: str, out: _Collector) -> None:
    if not spec.key or df.empty:
        return
    keys = df[list(spec.key)].astype(str)
    dup = keys.duplicated(keep="first")
    for row in df.index[dup]:
        first = df.index[(keys == keys.loc[row]).all(axis=1)][0]
        value = ",".join(keys.loc[row])
        out.add(spec.name, row, spec.key[0], value, f"a unique key ({', '.join(spec.key)}); "
                f"the same key is on row {first}", file=file)


def _check_refs(spec: Sheet, df: pd.DataFrame, keys: dict[str, set], file: str, out: _Collector):
    for col in spec.columns:
        if col.kind not in ("ref", "period") or col.ref is None:
            continue
        allowed = keys.get(col.ref, set()) | set(col.ref_extra)
        if col.kind == "period" and spec.period_column == col.name and not col.required:
            allowed |= {ANY}
        for row, value in df[col.name].items():
            if value is None or value in allowed:
                continue
            label = "site" if col.ref == "sites" else col.ref.rstrip("s")
            near = _near(value, allowed)
            hint = f" (did you mean '{near}'?)" if near else ""
            extra = f" or {', '.join(repr(x) for x in col.ref_extra)}" if col.ref_extra else ""
            out.add(spec.name, row, col.name, value,
                    f"a {label} listed in sheet '{col.ref}'{extra}{hint}", file=file)


def _near(value: str, allowed: set) -> str | None:
    low = value.strip().lower()
    for a in sorted(str(x) for x in allowed):
        if a.lower() == low:
            return a
    return None


def _site_kinds(tables: dict[str, pd.DataFrame], files: dict[str, str], out: _Collector):
    kind: dict[str, str] = {}
    for sheet in SITE_SHEETS:
        df = tables.get(sheet)
        if df is None:
            continue
        key = SHEET_BY_NAME[sheet].key[0]
        for row, site in df[key].items():
            if site is None:
                continue
            if site in kind and kind[site] != sheet:
                out.add(sheet, row, key, site, f"a site name not already used in sheet '{kind[site]}' "
                        "(site names are unique across mines, plants, traders, stockpiles, demands)",
                        file=files[sheet])
            kind.setdefault(site, sheet)
    return kind


def _check_network(tables, kinds, files, out: _Collector) -> None:
    lanes = tables["lanes"]
    stock_el = {} if tables.get("stockpiles") is None else dict(
        zip(tables["stockpiles"]["stockpile"], tables["stockpiles"]["element"]))
    trader_el = {} if tables.get("traders") is None else dict(
        zip(tables["traders"]["trader"], tables["traders"]["element"]))
    for row, o, d in zip(lanes.index, lanes["origin"], lanes["destination"]):
        ko, kd = kinds.get(o), kinds.get(d)
        if ko is None or kd is None:
            continue
        if (ko, kd) not in _LANE_KINDS:
            out.add("lanes", row, "destination", f"{o} → {d}",
                    f"a lane {ko[:-1]} → one of " + ", ".join(
                        sorted(b[:-1] for a, b in _LANE_KINDS if a == ko)) if any(
                        a == ko for a, _ in _LANE_KINDS) else
                    "a lane that starts at a mine, plant, trader or stockpile", file=files["lanes"])
        elif kd == "stockpiles" and ko == "traders" and trader_el.get(o) != stock_el.get(d):
            out.add("lanes", row, "destination", f"{o} → {d}", f"a stockpile of {trader_el.get(o)} "
                    f"(trader {o} sells {trader_el.get(o)}, stockpile {d} holds {stock_el.get(d)})",
                    file=files["lanes"])
    assays = tables["mine_assays"]
    for mine, total in assays.groupby("mine")["share"].sum().items():
        if total > 1 + 1e-9:
            rows = assays.index[assays["mine"] == mine]
            out.add("mine_assays", int(rows[0]), "share", round(total, 6),
                    f"the shares of mine {mine} to sum to at most 1", file=files["mine_assays"])
    modules = tables.get("modules")
    if modules is not None:
        for row, site in modules["site"].items():
            if kinds.get(site) not in (None, "mines", "plants"):
                out.add("modules", row, "site", site, "a mine or plant (modules expand capacity)",
                        file=files["modules"])
    limits = tables.get("end_use_limits")
    if limits is not None:
        for row, mt, ms in zip(limits.index, limits["max_t"], limits["max_share"]):
            if mt is None and ms is None:
                out.add("end_use_limits", row, "max_t", None, "max_t or max_share (or both)",
                        file=files["end_use_limits"])
    end_uses = set(tables["demands"]["end_use"].dropna())
    for sheet in ("end_use_limits", "diversification_caps"):
        df = tables.get(sheet)
        if df is None:
            continue
        for row, eu in df["end_use"].items():
            if eu is not None and eu not in end_uses:
                out.add(sheet, row, "end_use", eu, "an end use named in sheet 'demands' ("
                        + ", ".join(sorted(end_uses)) + ")", file=files[sheet])


def _scenarios(tables, files, out: _Collector) -> tuple[Scenario, ...]:
    sc = tables.get("scenarios")
    changes = tables.get("scenario_changes")
    if sc is None or sc.empty:
        if changes is not None and not changes.empty:
            out.add("scenario_changes", None, None, None, "a 'scenarios' sheet naming the scenarios")
        return (Scenario("base", 1.0, "Base data, no disruption.", ()),)
    total = float(sum(p for p in sc["probability"] if p is not None))
    if abs(total - 1.0) > 1e-6:
        out.add("scenarios", None, "probability", round(total, 9),
                "probabilities summing to 1", file=files["scenarios"])
    by_name: dict[str, list[Override]] = defaultdict(list)
    if changes is not None:
        for row, r in changes.iterrows():
            if r["scenario"] is None or r["sheet"] is None or r["column"] is None or r["value"] is None:
                continue
            key = tuple(k.strip() for k in str(r["key"] or "").split(",")) if r["key"] else ()
            by_name[r["scenario"]].append(Override(
                r["sheet"], key, r["column"], float(r["value"]), r["mode"] or "set",
                r["from_period"], source=f"{files['scenario_changes']}, sheet 'scenario_changes', "
                f"row {row}"))
    return tuple(Scenario(name, float(p or 0.0), desc or "", tuple(by_name.get(name, ())))
                 for name, p, desc in zip(sc["scenario"], sc["probability"], sc["description"]))


def _settings(tables) -> dict[str, str]:
    df = tables.get("settings")
    if df is None:
        return {}
    return {k: v for k, v in zip(df["setting"], df["value"]) if k is not None and v is not None}


def _discount_factors(tables, settings, files, out: _Collector) -> tuple[float, ...]:
    def number(name, default):
        try:
            return float(settings.get(name, default))
        except ValueError:
            out.add("settings", None, "value", settings[name], f"a number for setting {name}",
                    file=files.get("settings", ""))
            return float(default)
    rate = number("discount_rate_per_year", 0.0)
    per_year = number("periods_per_year", 4) or 4.0
    factors = []
    for i, df_ in enumerate(tables["periods"]["discount_factor"]):
        factors.append(float(df_) if df_ is not None else 1.0 / (1.0 + rate) ** (i / per_year))
    return tuple(factors)


def validate(raw: dict, source: str | Path, checksum: str = "") -> Instance:
    """Check raw sheets against the schema and build the Instance; raise InputError listing
    every problem if any is found."""
    source = str(source)
    out = _Collector(source)
    raw = {name.strip().lower(): sheet for name, sheet in raw.items()}
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name in raw:
        if name not in SHEET_BY_NAME and name != "readme":
            out.add(name, None, None, None, "a known sheet (" + ", ".join(SHEET_BY_NAME) +
                    "); this sheet is ignored", severity="warning", file=raw[name].file)
    for spec in SHEETS:
        sheet = raw.get(spec.name)
        if sheet is None:
            if spec.required:
                out.add(spec.name, None, None, None, f"a sheet named '{spec.name}' ({spec.description})")
            continue
        files[spec.name] = sheet.file
        if sheet.frame.empty or len(sheet.frame.columns) == 0:
            if spec.required:
                out.add(spec.name, None, None, None, "at least one data row under a header row",
                        file=sheet.file)
            if len(sheet.frame.columns) == 0:
                continue
        tables[spec.name] = _typed_sheet(spec, sheet, out)
    if any(spec.required and spec.name not in tables for spec in SHEETS):
        raise InputError(out.problems)
    for spec in SHEETS:
        if spec.name in tables:
            _check_keys(spec, tables[spec.name], files[spec.name], out)
    keys = {spec.name: set(tables[spec.name][spec.key[0]].dropna())
            for spec in SHEETS if spec.name in tables and len(spec.key) == 1}
    kinds = _site_kinds(tables, files, out)
    keys["sites"] = set(kinds)
    for spec in SHEETS:
        if spec.name in tables:
            _check_refs(spec, tables[spec.name], keys, files[spec.name], out)
    if not out.has_errors:
        _check_network(tables, kinds, files, out)
    settings = _settings(tables)
    factors = _discount_factors(tables, settings, files, out)
    scenarios = _scenarios(tables, files, out)
    if out.has_errors:
        raise InputError(out.problems)
    inst = Instance(
        name=settings.get("name") or Path(source).stem,
        source=source,
        checksum=checksum,
        settings=settings,
        periods=tuple(tables["periods"]["period"]),
        discount_factors=factors,
        tables={n: df.reset_index() for n, df in tables.items()},
        site_kind=kinds,
        scenarios=scenarios,
        warnings=tuple(p for p in out.problems if p.severity != "error"),
    )
    from optimizer.scenario import check_scenarios  # late import: scenario imports instance
    check_scenarios(inst)
    return inst
