"""Raw sheets + schema → validated :class:`~optimizer.instance.Instance`.

Validation collects every problem first and raises once, so a planner fixes a workbook in one
round. Each problem names the file, sheet, Excel row, column, the value found and what was
expected (see :class:`optimizer.errors.Problem`).
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.data_rules import stock_above_capacity
from optimizer.errors import InputError, Problem
from optimizer.instance import Instance, Override, Scenario
from optimizer.io.raw import RawSheet
from optimizer.schema import ANY, SHEET_BY_NAME, SHEETS, SITE_SHEETS, Column, Sheet

_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}
_EXCEL_ERRORS = {"#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#N/A", "#NUM!", "#NULL!", "#SPILL!",
                 "#CALC!", "#GETTING_DATA"}
_LANE_KINDS = {
    ("mines", "plants"), ("plants", "demands"), ("plants", "stockpiles"), ("traders", "demands"),
    ("traders", "stockpiles"), ("stockpiles", "demands"),
}


MAX_LISTED_PER_COLUMN = 50
"""Problems listed per (file, sheet, column, severity); the rest are counted in one line, so a
200,000-row sheet with one systematic mistake gives a readable message, not 200,000 lines."""
MAX_VALUE_CHARS = 80
"""Longest cell value quoted in a message; longer ones are cut with '…'."""
# Characters a planner cannot see but that make two keys differ: zero-width spaces and joiners,
# word joiner, byte-order mark, soft hyphen. They are removed from keys, text and headers.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


class _Collector:
    """Accumulates problems for one instance file.

    At most :data:`MAX_LISTED_PER_COLUMN` problems are kept per (file, sheet, column, severity);
    :meth:`all` appends one line per group saying how many more there were.
    """

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self._count: dict[tuple, int] = defaultdict(int)

    def add(self, sheet, row, column, value, expected, severity="error", file=None):
        group = (file or self.file, sheet, column, severity)
        self._count[group] += 1
        if self._count[group] > MAX_LISTED_PER_COLUMN:
            return
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS] + "…"
        self.problems.append(Problem(file or self.file, sheet, row, column, value, expected,
                                     severity))

    def all(self) -> list[Problem]:
        """Every problem kept, plus one line per group that had more than were kept."""
        more = [Problem(f, sh, None, col,
                        f"{n - MAX_LISTED_PER_COLUMN:,} more problem(s) not listed",
                        f"every row of this column fixed (only the first {MAX_LISTED_PER_COLUMN} "
                        "problems per column are listed)", sev)
                for (f, sh, col, sev), n in self._count.items() if n > MAX_LISTED_PER_COLUMN]
        return self.problems + more

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _clean(text: str) -> str:
    """NFC-normalise, drop invisible characters, turn no-break spaces into spaces, trim."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a key typed as 2025 in Excel arrives as 2025.0
    text = _clean(str(value))
    return text or None


_BAD = object()
"""What :func:`_parse_cell` returns for a cell it reported, so it is not reported again as blank."""


def _parse_cell(col: Column, value, sheet: str, row: int, out: _Collector, file: str):
    """Parse one cell; return the typed value, None (blank) or _BAD (problem recorded)."""
    def bad(expected):
        out.add(sheet, row, col.name, value, expected, file=file)
        return _BAD

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
    if col.kind == "int" and not float(number).is_integer():
        return bad("a whole number")
    if col.min is not None and number < col.min:
        return bad(f"a number ≥ {col.min:g}" + (f" ({col.unit})" if col.unit else ""))
    if col.max is not None and number > col.max:
        return bad(f"a number ≤ {col.max:g}" + (f" ({col.unit})" if col.unit else ""))
    if abs(number) > 1e15:
        return bad("a number below 1e15 (check the units)")
    return int(number) if col.kind == "int" else number


NEAR_MISS_CUTOFF = 0.8
"""Least :func:`difflib.SequenceMatcher` ratio at which an unknown sheet or column name counts as
a misspelling of a known one ('capacity_tt' → 'capacity_t' is 0.95; 'notes' → 'lanes' 0.6)."""


def likely_meant(name: str, candidates) -> list[str]:
    """Known names that ``name`` (cleaned, lower case) most likely misspells, best first.

    A candidate qualifies when it is close by :data:`NEAR_MISS_CUTOFF` ('capacity_tt',
    'capcity_t', 'origi'), or when ``name`` is the candidate without its unit suffix
    ('capacity' for 'capacity_t', 'cost' for 'cost_usd_per_t'): both are typed for the known
    name far more often than as a column of the planner's own.
    """
    candidates = list(candidates)
    close = difflib.get_close_matches(name, candidates, n=2, cutoff=NEAR_MISS_CUTOFF)
    stem = [c for c in candidates if c.startswith(name + "_") and c not in close]
    return close + stem


def _column_letter(position: int) -> str:
    """Spreadsheet column letter of a 0-based position: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_unknown_headers(spec: Sheet, headers: list, by_norm: dict[str, str],
                           present: dict[str, str], file: str, out: _Collector) -> None:
    """Grade every header the schema does not know.

    A header that misspells a known column *absent* from the sheet is an error naming its cell
    and the column meant: ignoring it would leave that column blank, i.e. at its default (a
    misspelt ``capacity_t`` on ``lanes`` would make every lane unlimited). Any other unknown
    header (a planner's notes, a spare copy of a present column) is a warning: it is ignored.
    """
    absent = [c.name for c in spec.columns if c.name not in present]
    for norm, header in by_norm.items():
        if header in present.values():
            continue
        meant = likely_meant(norm, absent)
        if meant:
            cell = f"{_column_letter(headers.index(header))}1"
            guesses = " or ".join(f"'{m}'" for m in meant)
            col = spec.column(meant[0])
            effect = ("blank on every row" if col.default is None else
                      f"at its default {col.default} on every row")
            out.add(spec.name, 1, header, header,
                    f"a known column: did you mean {guesses}? The header in cell {cell} is not "
                    f"read as written, so '{meant[0]}' would be {effect} ({col.description})",
                    file=file)
        else:
            out.add(spec.name, 1, header, header, "a known column (" + ", ".join(
                spec.column_names) + "); this column is ignored", severity="warning", file=file)


def _typed_sheet(spec: Sheet, raw: RawSheet, out: _Collector) -> pd.DataFrame:
    """Check headers and parse every cell of one sheet into a typed frame (index: Excel row)."""
    file, frame = raw.file, raw.frame
    headers = list(frame.columns)
    # Headers match the schema after cleaning and ignoring case ("Capacity_t\u200b" is capacity_t).
    by_norm: dict[str, str] = {}
    for h in headers:
        norm = _clean(str(h)).lower()
        if not norm:
            continue
        if norm in by_norm:
            out.add(spec.name, 1, h, h, f"each column header once (also headed '{by_norm[norm]}')",
                    file=file)
            continue
        by_norm[norm] = h
    present = {}
    for col in spec.columns:
        if col.name in by_norm:
            present[col.name] = by_norm[col.name]
        elif col.required and col.default is None:
            out.add(spec.name, 1, col.name, None,
                    f"a column headed '{col.name}' ({col.description})",
                    file=file)
    _check_unknown_headers(spec, headers, by_norm, present, file, out)
    if raw.hidden:
        out.add(spec.name, None, None, None, "a visible sheet (hidden sheets are still read)",
                severity="warning", file=file)
    result = pd.DataFrame(index=frame.index)
    formulas = raw.formula_cells
    for col in spec.columns:
        header = present.get(col.name)
        if header is None:
            result[col.name] = pd.Series([col.default] * len(frame), index=frame.index,
                                         dtype=object)
            continue
        values = frame.iloc[:, headers.index(header)]  # the first column so headed
        parsed = []
        for row, value in values.items():
            v = _parse_cell(col, value, spec.name, row, out, file)
            if v is _BAD:
                v = col.default
            elif v is None:
                if (row, header) in formulas:
                    out.add(spec.name, row, col.name, formulas[(row, header)], "a value: the "
                            "formula has no saved result (open and save the workbook in Excel, "
                            "or type the value)", file=file)
                elif col.required and col.default is None:
                    out.add(spec.name, row, col.name, None, f"a value ({col.description})",
                            file=file)
                v = col.default
            parsed.append(v)
        result[col.name] = pd.Series(parsed, index=frame.index, dtype=object)
    return result


def _check_keys(spec: Sheet, df: pd.DataFrame, file: str, out: _Collector) -> None:
    """Report every row whose key repeats an earlier row's.

    Rows missing a key part are skipped: the missing value is reported already.
    """
    if not spec.key or df.empty:
        return
    first: dict[tuple, int] = {}
    for row, *key in zip(df.index, *(df[k] for k in spec.key)):
        if any(k is None for k in key):
            continue
        key = tuple(key)
        if key in first:
            out.add(spec.name, row, spec.key[0], ",".join(map(str, key)),
                    f"a unique key ({', '.join(spec.key)}); the same key is on row {first[key]}",
                    file=file)
        else:
            first[key] = row


def _check_refs(spec: Sheet, df: pd.DataFrame, keys: dict[str, set], file: str, out: _Collector):
    for col in spec.columns:
        if col.kind not in ("ref", "period") or col.ref is None:
            continue
        allowed = keys.get(col.ref, set()) | set(col.ref_extra)
        if col.kind == "period" and spec.period_column == col.name and not col.required:
            allowed |= {ANY}
        # near-misses by case, e.g. 'chn' for 'CHN'; the first in sorted order wins
        near = {}
        for a in sorted(str(x) for x in allowed):
            near.setdefault(a.lower(), a)
        if col.ref == "sites":
            where = "a site listed in one of the sheets " + ", ".join(SITE_SHEETS)
        else:
            noun = SHEET_BY_NAME[col.ref].key[0]  # 'country' for sheet 'countries'
            where = f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} listed in sheet '{col.ref}'"
        extra = f" or {', '.join(repr(x) for x in col.ref_extra)}" if col.ref_extra else ""
        for row, value in df[col.name].items():
            if value is None or value in allowed:
                continue
            hint = near.get(str(value).lower())
            hint = f" (did you mean '{hint}'?)" if hint else ""
            out.add(spec.name, row, col.name, value, f"{where}{extra}{hint}", file=file)


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


_KIND_NOUN = {"demands": "demand node"}


def _bad_lane_kind(row: int, origin: str, destination: str, origin_kind: str, file: str,
                   out: _Collector) -> None:
    """Report a lane between sites of kinds no lane joins, on the column that is wrong.

    When no lane may start at the origin's kind (a demand node only receives), the origin is
    wrong whatever the destination; otherwise the destination is wrong for that origin.
    """
    ends = sorted(b[:-1] for a, b in _LANE_KINDS if a == origin_kind)
    if not ends:
        out.add("lanes", row, "origin", f"{origin} → {destination}",
                f"a lane that starts at a mine, plant, trader or stockpile ({origin} is a "
                f"{_KIND_NOUN.get(origin_kind, origin_kind[:-1])}, which only receives)", file=file)
        return
    out.add("lanes", row, "destination", f"{origin} → {destination}",
            f"a lane {origin_kind[:-1]} → one of " + ", ".join(ends), file=file)


def _check_stock_capacity(tables: dict[str, pd.DataFrame], files: dict[str, str],
                          out: _Collector) -> None:
    """Report every stockpile whose initial stock exceeds its capacity (see
    :func:`stock_above_capacity`), on its initial_t cell."""
    df = tables.get("stockpiles")
    if df is None:
        return
    for row, initial, capacity in stock_above_capacity(df):
        shown = int(initial) if initial.is_integer() else initial  # as typed: 500, not 500.0
        out.add("stockpiles", row, "initial_t", shown,
                f"at most the stockpile's capacity_t ({capacity:g} t on this row): the stock "
                "at the start cannot exceed what the stockpile holds", file=files["stockpiles"])


def _check_contracts(tables: dict[str, pd.DataFrame], files: dict[str, str],
                     out: _Collector) -> None:
    """Cross-column checks of sheet 'contracts' (each on the cell to fix).

    min_take_t ≤ max_t (a take-or-pay minimum above what may be taken is an obligation no
    delivery can meet); first_period ≤ last_period; earliest_decision_period ≤
    last_decision_period ≤ last_period (a contract signed after its term delivers nothing).
    Blank periods take their defaults (first / last period); blank numbers are reported
    elsewhere when required.
    """
    df = tables.get("contracts")
    if df is None or df.empty or "periods" not in tables:
        return
    pos = {p: i for i, p in enumerate(tables["periods"]["period"])}
    last = len(pos) - 1
    file = files["contracts"]

    def at(value, default):
        return default if value is None or value != value else pos.get(value)

    for row, r in df.iterrows():
        low, high = r.get("min_take_t"), r.get("max_t")
        if low == low and high == high and low is not None and high is not None \
                and float(low) > float(high) * (1 + 1e-9) + 1e-9:
            out.add("contracts", row, "min_take_t", low, f"at most the contract's max_t "
                    f"({float(high):g} t/period on this row): a take-or-pay minimum cannot "
                    "exceed what may be taken", file=file)
        first, end = at(r.get("first_period"), 0), at(r.get("last_period"), last)
        d0 = at(r.get("earliest_decision_period"), 0)
        d1 = at(r.get("last_decision_period"), end)
        if first is not None and end is not None and first > end:
            out.add("contracts", row, "last_period", r.get("last_period"),
                    f"a period no earlier than first_period ({r.get('first_period')})", file=file)
        if d0 is not None and d1 is not None and d0 > d1:
            out.add("contracts", row, "last_decision_period", r.get("last_decision_period"),
                    "a period no earlier than earliest_decision_period "
                    f"({r.get('earliest_decision_period')})", file=file)
        elif d1 is not None and end is not None and d1 > end:
            out.add("contracts", row, "last_decision_period", r.get("last_decision_period"),
                    f"a period no later than the contract's last_period ({r.get('last_period')}"
                    "): signed after its term, it would deliver nothing", file=file)


def _check_case_twins(tables: dict[str, pd.DataFrame], files: dict[str, str],
                      out: _Collector) -> None:
    """Refuse names that differ from another only by upper/lower case.

    Keys and references are matched exactly, so 'aus_mtweld' beside 'AUS_MtWeld' would be two
    sites (or countries, elements, ...): a lane or rule typed for one would silently miss the
    other. One is almost certainly a retyping of the other, and a spreadsheet's own lookups
    (VLOOKUP, MATCH) would treat them as one, so the workbook is refused rather than warned
    about. Checked: the site names across the five site sheets, the key of every other
    single-key sheet, and the end uses named in ``demands``.
    """
    def check(groups):
        seen: dict[str, tuple[str, str, int]] = {}
        for sheet, column, noun, plural in groups:
            df = tables.get(sheet)
            if df is None:
                continue
            for row, name in df[column].items():
                if name is None:
                    continue
                first = seen.setdefault(str(name).casefold(), (str(name), sheet, row))
                if first[0] != name:
                    out.add(sheet, row, column, name, f"{noun} that differs from '{first[0]}' "
                            f"(sheet '{first[1]}', row {first[2]}) by more than upper/lower case "
                            f"(names are matched exactly, so these would be two different "
                            f"{plural})", file=files[sheet])

    check([(sheet, SHEET_BY_NAME[sheet].key[0], "a site name", "sites") for sheet in SITE_SHEETS])
    for spec in SHEETS:
        if len(spec.key) == 1 and spec.name not in SITE_SHEETS and \
                spec.column(spec.key[0]).kind == "key":
            noun = spec.key[0].replace("_", " ")
            plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
            check([(spec.name, spec.key[0], f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}",
                    plural)])
    check([("demands", "end_use", "an end use", "end uses")])


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
            _bad_lane_kind(row, o, d, ko, files["lanes"], out)
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
    tariffs = tables.get("tariffs")
    if tariffs is not None:
        for row, o, d in zip(tariffs.index, tariffs["origin_country"],
                             tariffs["destination_country"]):
            if o is not None and o == d:
                # The objective charges duties on border crossings only: the row does nothing.
                out.add("tariffs", row, "destination_country", d, "a country other than the "
                        f"origin {o} (duties apply only to goods crossing a border); this row "
                        "is ignored", severity="warning", file=files["tariffs"])
    limits = tables.get("end_use_limits")
    if limits is not None:
        for row, mt, ms in zip(limits.index, limits["max_t"], limits["max_share"]):
            if mt is None and ms is None:
                out.add("end_use_limits", row, "max_t", None, "max_t or max_share (or both)",
                        file=files["end_use_limits"])
    end_uses = set(tables["demands"]["end_use"].dropna())
    for sheet in ("end_use_limits", "diversification_caps", "service_levels"):
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
            out.add("scenario_changes", None, None, None,
                    "a 'scenarios' sheet naming the scenarios",
                    file=files["scenario_changes"])
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


_NUMERIC_SETTINGS = {
    # name: (default, lowest, highest, lowest allowed?, what to write)
    "discount_rate_per_year": (0.0, 0.0, 1.0, True, "a fraction per year from 0 to 1, e.g. 0.08"),
    "periods_per_year": (4.0, 0.0, 366.0, False, "a number of periods per year above 0 and at "
                         "most 366, e.g. 4 for quarters"),
    "risk_weight": (0.0, 0.0, 1.0, True, "a weight λ from 0 to 1, e.g. 0.5 (0 = risk-neutral)"),
    "cvar_alpha": (0.9, 0.0, 1.0, False, "a level α above 0 and below 1, e.g. 0.9"),
}
_OPEN_ABOVE = {"cvar_alpha"}  # α = 1 would divide the CVaR term by 1 − α = 0


def _settings(tables, files, out: _Collector) -> dict[str, str]:
    """Return the settings sheet as a dict, checking numeric settings on their own row."""
    df = tables.get("settings")
    if df is None:
        return {}
    settings = {}
    for row, k, v in zip(df.index, df["setting"], df["value"]):
        if k is None or v is None:
            continue
        settings[k] = v
        if k in _NUMERIC_SETTINGS:
            _, lo, hi, closed, what = _NUMERIC_SETTINGS[k]
            try:
                x = float(v.replace(" ", ""))
            except ValueError:
                x = math.nan
            if not (math.isfinite(x) and (x >= lo if closed else x > lo)
                    and (x < hi if k in _OPEN_ABOVE else x <= hi)):
                out.add("settings", row, "value", v, f"{what} (setting {k})",
                        file=files["settings"])
                settings[k] = str(_NUMERIC_SETTINGS[k][0])
    return settings


def _check_unknown_sheets(raw: dict[str, RawSheet], out: _Collector) -> None:
    """Grade every sheet the schema does not know, as :func:`_check_unknown_headers` does
    columns: a misspelling of a known sheet that is absent ('tarifs') is an error, since its
    rules would be silently dropped; any other unknown sheet is ignored with a warning."""
    absent = [name for name in SHEET_BY_NAME if name not in raw]
    for name, sheet in raw.items():
        if name in SHEET_BY_NAME or name == "readme":
            continue
        meant = likely_meant(name, absent)
        if meant:
            guesses = " or ".join(f"'{m}'" for m in meant)
            out.add(name, None, None, sheet.name, f"a known sheet name: did you mean {guesses}? "
                    f"(a misspelt sheet is not read, which would leave '{meant[0]}' out)",
                    file=sheet.file)
        else:
            out.add(name, None, None, None, "a known sheet (" + ", ".join(SHEET_BY_NAME) +
                    "); this sheet is ignored", severity="warning", file=sheet.file)


def validate(raw: dict, source: str | Path, checksum: str = "") -> Instance:
    """Check raw sheets against the schema and build the Instance; raise InputError listing
    every problem if any is found."""
    source = str(source)
    out = _Collector(source)
    by_name: dict[str, RawSheet] = {}
    for name, sheet in raw.items():
        norm = _clean(str(name)).lower()
        if norm in by_name:
            out.add(norm, None, None, str(name), f"one sheet named '{norm}' (also found "
                    f"'{by_name[norm].name}' in {by_name[norm].file})", file=sheet.file)
            continue
        by_name[norm] = sheet
    raw = by_name
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    _check_unknown_sheets(raw, out)
    for spec in SHEETS:
        sheet = raw.get(spec.name)
        if sheet is None:
            if spec.required:
                out.add(spec.name, None, None, None,
                        f"a sheet named '{spec.name}' ({spec.description})")
            continue
        files[spec.name] = sheet.file
        if len(sheet.frame.columns) == 0:
            out.add(spec.name, 1, None, None, "a header row in row 1 naming the columns ("
                    + ", ".join(spec.column_names) + ")"
                    + ("" if spec.required else "; the empty sheet is ignored"),
                    severity="error" if spec.required else "warning", file=sheet.file)
            continue
        if sheet.frame.empty and spec.required:
            out.add(spec.name, None, None, None, "at least one data row under the header row "
                    f"({spec.description})", file=sheet.file)
        tables[spec.name] = _typed_sheet(spec, sheet, out)
    if any(spec.required and spec.name not in tables for spec in SHEETS):
        raise InputError(out.all())
    for spec in SHEETS:
        if spec.name in tables:
            _check_keys(spec, tables[spec.name], files[spec.name], out)
    _check_case_twins(tables, files, out)
    _check_stock_capacity(tables, files, out)
    keys = {spec.name: set(tables[spec.name][spec.key[0]].dropna())
            for spec in SHEETS if spec.name in tables and len(spec.key) == 1}
    kinds = _site_kinds(tables, files, out)
    keys["sites"] = set(kinds)
    for spec in SHEETS:
        if spec.name in tables:
            _check_refs(spec, tables[spec.name], keys, files[spec.name], out)
    if not out.has_errors:
        _check_network(tables, kinds, files, out)
        _check_contracts(tables, files, out)
    settings = _settings(tables, files, out)
    from optimizer.io.calendar import check_module_timing, period_calendar

    slots, slot_disc, factors = period_calendar(tables, settings, files.get("periods"), out)
    check_module_timing(tables, slots, settings, files.get("modules"), out)
    scenarios = _scenarios(tables, files, out)
    if out.has_errors:
        raise InputError(out.all())
    inst = Instance(
        name=settings.get("name") or Path(source).stem,
        source=source,
        checksum=checksum,
        settings=settings,
        periods=tuple(tables["periods"]["period"]),
        discount_factors=factors,
        period_slots=slots,
        slot_discounts=slot_disc,
        tables={n: df.reset_index() for n, df in tables.items()},
        site_kind=kinds,
        scenarios=scenarios,
        warnings=tuple(p for p in out.all() if p.severity != "error"),
    )
    from optimizer.scenario import check_scenarios  # late import: scenario imports instance
    check_scenarios(inst)
    return inst
