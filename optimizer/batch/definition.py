"""Batch definitions: where runs come from, how they are checked, what identifies their inputs.

Sources of runs (all may be combined; names must be unique):

* a batch **workbook** (``.xlsx``) with sheets ``batch`` (one override per row), ``sweeps``
  (one swept target per row) and ``settings`` (``setting``/``value``: ``base`` = the base
  instance, relative to the batch file, and batch-wide solver defaults);
* a **CSV** file with the columns of the ``batch`` sheet, or a folder holding ``batch.csv``
  and optionally ``sweeps.csv`` and ``settings.csv``;
* ``--set sheet:key:column=value`` (repeatable): together they make one run (``--set-name``);
* ``--sweep [NAME=]sheet:key:column[;sheet:key:column...]=A..B[%]:N[@PERIOD]``: N runs with
  the value spaced evenly from A to B; a ``%`` range *scales* the base value (0..100% = from
  nothing to the base value), an absolute range *sets* it.

Every problem found (unknown sheet, key or column; two overrides of one cell in one run; a bad
option value; two runs writing the same folder) is collected and raised once as a
:class:`~optimizer.errors.ScenarioError` naming the run, so the CLI exits 2 and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from optimizer.errors import Problem, ScenarioError
from optimizer.instance import Instance, Override
from optimizer.paths import safe_name
from optimizer.solve import LP_ALGORITHMS

OPTION_COLUMNS: dict[str, tuple[str, type]] = {
    "time_limit": ("time_limit_s", float),
    "mip_gap": ("mip_rel_gap", float),
    "allow_nonoptimal": ("allow_nonoptimal", bool),
    "lp_algorithm": ("lp_algorithm", str),
    "ranging": ("ranging", bool),
    "sub_mip_heuristics": ("sub_mip_heuristics", bool),
    "mip_restarts": ("mip_restarts", bool),
}
"""Batch column / setting name → (SolveOptions field, type). Units: seconds; fraction."""

BATCH_OPTION_DEFAULTS = {"ranging": False}
"""SolveOptions a batch's runs take unless the batch (settings, ``supplyopt batch --ranging``)
or the run says otherwise: no right-hand-side ranges, since a sweep is itself the sensitivity
analysis and the ranging costs more than a warm re-solve (docs/batch.md)."""

RUN_COLUMNS = ("run", "sheet", "key", "column", "mode", "value", "from_period", "description")
SWEEP_COLUMNS = ("sweep", "sheet", "key", "column", "range", "from_period")
SETTINGS = ("base", "focus_country", "description", *OPTION_COLUMNS)
DEFAULT_FOCUS = "CHN"
"""Country whose supply share the summary reports per element (``focus_country`` setting)."""


class BatchError(ScenarioError):
    """The batch definition is invalid (exit 2): every problem found, each naming its run."""

    def __init__(self, problems):
        super().__init__(problems)
        lines = [str(p) for p in self.problems]
        self.args = (f"{len(lines)} problem(s) in the batch definition:\n"
                     + "\n".join(f"  - {ln}" for ln in lines),)


@dataclass(frozen=True)
class Run:
    """One run of a batch: a name, its overrides and the solver options it changes.

    ``options`` holds ``(SolveOptions field, value)`` pairs that win over the batch defaults.
    A run made by a sweep records the sweep's name, the swept value (a factor for a ``%``
    sweep, a value in the column's unit otherwise) and its unit (``"%"`` or ``""``).
    """

    name: str
    overrides: tuple[Override, ...] = ()
    options: tuple[tuple[str, object], ...] = ()
    description: str = ""
    sweep: str | None = None
    sweep_value: float | None = None
    sweep_unit: str = ""
    source: str = ""

    @property
    def folder(self) -> str:
        """Folder name of the run's outputs under ``DIR/runs/``."""
        return safe_name(self.name)


@dataclass(frozen=True)
class BatchDefinition:
    """A base instance and the runs to make of it."""

    base: Path | None
    runs: tuple[Run, ...]
    source: str = "<command line>"
    defaults: tuple[tuple[str, object], ...] = ()
    focus_country: str = DEFAULT_FOCUS
    description: str = ""
    problems: tuple[Problem, ...] = field(default=())  # parse problems, raised by check_batch

    def solve_options(self, run: Run, **forced):
        """SolveOptions of ``run``: :data:`BATCH_OPTION_DEFAULTS`, the batch's defaults, then
        the run's own options, then ``forced``."""
        from optimizer.solve import SolveOptions

        values = dict(BATCH_OPTION_DEFAULTS)
        values.update(self.defaults)
        values.update(dict(run.options))
        values.update(forced)
        return SolveOptions(**values)


# --------------------------------------------------------------------------------------------
# Parsing helpers


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _float(value) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    out = float(value.strip() if isinstance(value, str) else value)
    if not math.isfinite(out):
        raise ValueError(value)
    return out


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    raise ValueError(value)


def _option(column: str, value):
    """Parse an option cell; raise ValueError with what was expected."""
    field_name, kind = OPTION_COLUMNS[column]
    if kind is float:
        out = _float(value)
        if column == "time_limit" and out <= 0:
            raise ValueError("a positive number of seconds")
        if column == "mip_gap" and not 0 <= out <= 1:
            raise ValueError("a fraction between 0 and 1")
        return field_name, out
    if kind is bool:
        return field_name, _bool(value)
    text = _text(value)
    if text not in LP_ALGORITHMS:
        raise ValueError("one of " + ", ".join(LP_ALGORITHMS))
    return field_name, text


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


RANGE_RE = re.compile(r"^\s*(?P<a>[-+0-9.eE]+)\s*(?P<pa>%?)\s*\.\.\s*(?P<b>[-+0-9.eE]+)\s*"
                      r"(?P<pb>%?)\s*:\s*(?P<n>\d+)\s*(?:@\s*(?P<period>\S+))?\s*$")


def parse_range(text: str) -> tuple[list[float], str, str | None]:
    """Values of a sweep range, its unit and its period.

    ``"0..100%:11"`` → ([0.0, 0.1, …, 1.0], "%", None); ``"0..500:3@P2"`` → ([0, 250, 500],
    "", "P2").

    A ``%`` range gives scale factors (percent / 100); otherwise values in the column's unit.
    Raise ValueError on anything else (including fewer than 1 or more than 1,000 points).
    """
    m = RANGE_RE.match(text or "")
    if not m:
        raise ValueError(text)
    pct = bool(m["pa"] or m["pb"])
    a, b, n = float(m["a"]), float(m["b"]), int(m["n"])
    if not (1 <= n <= 1000) or not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(text)
    values = [a] if n == 1 else [a + (b - a) * i / (n - 1) for i in range(n)]
    if pct:
        values = [v / 100.0 for v in values]
    return [round(v, 12) for v in values], "%" if pct else "", m["period"]


def _value_label(value: float, unit: str) -> str:
    return f"{value * 100:g}%" if unit == "%" else f"{value:g}"


def sweep_runs(name: str, targets: list[tuple[str, tuple[str, ...], str]], range_text: str,
               source: str, from_period: str | None = None) -> list[Run]:
    """Runs of one sweep: every target gets the same swept value in each run."""
    values, unit, period = parse_range(range_text)
    period = period or from_period
    runs = []
    for v in values:
        ovs = tuple(Override(sheet, key, column, v, "scale" if unit == "%" else "set", period,
                             source=source) for sheet, key, column in targets)
        runs.append(Run(f"{name}={_value_label(v, unit)}", ovs, sweep=name, sweep_value=v,
                        sweep_unit=unit, source=source,
                        description=f"sweep {name} at {_value_label(v, unit)}"))
    return runs


def parse_sweep(text: str) -> list[Run]:
    """Runs of a ``--sweep`` argument (see the module docstring for the syntax)."""
    src = f"--sweep {text!r}"
    name = None
    body = text
    head, sep, rest = text.partition("=")
    if sep and ":" not in head:
        name, body = head.strip(), rest
    lhs, sep, rng = body.rpartition("=")
    if not sep:
        raise ValueError(text)
    targets = []
    for part in lhs.split(";"):
        bits = part.strip().split(":")
        if len(bits) != 3 or not bits[0].strip() or not bits[2].strip():
            raise ValueError(text)
        targets.append((bits[0].strip(), _split_key(bits[1]), bits[2].strip()))
    if not name:
        name = "+".join(f"{s}[{','.join(k)}].{c}" for s, k, c in targets)
    return sweep_runs(name, targets, rng, src)


def parse_set_run(values: list[str], name: str = "set") -> Run | None:
    """One run made of every ``--set`` (the syntax of ``supplyopt solve --set``).

    ``sheet:key:column=value`` sets, ``sheet:key:column*=factor`` scales, ``=value@PERIOD``
    applies from a period on (:func:`optimizer.scenario.parse_override`).
    """
    if not values:
        return None
    from optimizer.scenario import SET_SYNTAX, parse_override

    overrides, problems = [], []
    for text in values:
        try:
            overrides.append(parse_override(text))
        except ValueError:
            problems.append(Problem("--set", None, None, None, text, SET_SYNTAX))
    if problems:
        raise ScenarioError(problems)
    return Run(name, tuple(overrides), source="--set", description="overrides given with --set")


# --------------------------------------------------------------------------------------------
# Batch files


def _read_sheets(path: Path) -> tuple[dict, str]:
    """Raw sheets of a batch workbook, CSV file or CSV folder (lower-cased sheet names)."""
    from optimizer.io.csv import read_csv_file
    from optimizer.io.excel import read_workbook

    if not path.exists():
        raise BatchError(Problem(str(path), None, None, None, None, "an existing batch file "
                                 "(.xlsx workbook, .csv file, or folder holding batch.csv)"))
    if path.is_dir():
        sheets = {}
        for name in ("batch", "sweeps", "settings"):
            f = path / f"{name}.csv"
            if f.exists():
                sheets[name] = read_csv_file(f, name)
        return sheets, str(path)
    if path.suffix.lower() == ".csv":
        return {"batch": read_csv_file(path, "batch")}, str(path)
    sheets = read_workbook(path)
    return {k.lower(): v for k, v in sheets.items()}, str(path)


def _rows(raw):
    """(excel_row, {column: cell}) for each row of a raw sheet, column names lower-cased."""
    frame = raw.frame
    cols = [str(c).strip().lower() for c in frame.columns]
    for excel_row, values in zip(frame.index, frame.itertuples(index=False, name=None),
                                 strict=True):
        yield int(excel_row), dict(zip(cols, values, strict=True))


def read_batch(path: str | Path | None, base: str | Path | None = None,
               sets: list[str] | None = None, sweeps: list[str] | None = None,
               set_name: str = "set") -> BatchDefinition:
    """Read a batch file (optional) and add the runs of ``--set`` and ``--sweep``.

    ``base`` (``--base``) wins over the ``base`` setting of the file. Parse problems are kept
    in ``problems`` and raised, with every other problem, by :func:`check_batch`; a file that
    cannot be read at all raises InputError at once.
    """
    problems: list[Problem] = []
    runs: list[Run] = []
    defaults: dict[str, object] = {}
    settings: dict[str, str] = {}
    source = "<command line>"
    if path is not None:
        path = Path(path)
        sheets, source = _read_sheets(path)
        if not any(k in sheets for k in ("batch", "sweeps")):
            hint = " (this looks like an instance: pass it as --base)" if "periods" in sheets \
                else ""
            problems.append(Problem(source, None, None, None, None,
                                    "a sheet (or CSV file) named 'batch' or 'sweeps'" + hint))
        if "settings" in sheets:
            raw = sheets["settings"]
            for row, cells in _rows(raw):
                key = _text(cells.get("setting")).lower()
                value = cells.get("value")
                if key not in SETTINGS:
                    problems.append(Problem(raw.file, "settings", row, "setting", key or None,
                                            "one of " + ", ".join(SETTINGS)))
                elif key in OPTION_COLUMNS:
                    try:
                        f, v = _option(key, value)
                        defaults[f] = v
                    except ValueError as exc:
                        problems.append(Problem(raw.file, "settings", row, "value", value,
                                                _expected(key, exc)))
                else:
                    settings[key] = _text(value)
        if "batch" in sheets:
            runs += _batch_runs(sheets["batch"], problems)
        if "sweeps" in sheets:
            runs += _sweep_sheet_runs(sheets["sweeps"], problems)
    for text in sweeps or []:
        try:
            runs += parse_sweep(text)
        except ValueError:
            problems.append(Problem("--sweep", None, None, None, text,
                                    "[NAME=]sheet:key:column[;sheet:key:column...]=A..B[%]:N"
                                    "[@PERIOD], e.g. export_quotas:CHN,Dy:cap_t=0..100%:11"))
    if sets:
        try:
            runs.append(parse_set_run(sets, set_name))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    base_path = None
    if base is not None:
        base_path = Path(base)
    elif settings.get("base"):
        base_path = Path(settings["base"])
        if not base_path.is_absolute() and path is not None:
            base_path = (path if path.is_dir() else path.parent) / base_path
    return BatchDefinition(base_path, tuple(runs), source, tuple(sorted(defaults.items())),
                           settings.get("focus_country") or DEFAULT_FOCUS,
                           settings.get("description", ""), tuple(problems))


def _expected(column: str, exc: ValueError) -> str:
    detail = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) and " " in str(
        exc.args[0]) else ""
    if detail:
        return detail
    return {"time_limit": "a positive number of seconds", "mip_gap": "a fraction between 0 and 1",
            "allow_nonoptimal": "yes or no", "ranging": "yes or no",
            "sub_mip_heuristics": "yes or no", "mip_restarts": "yes or no",
            "lp_algorithm": "one of " + ", ".join(LP_ALGORITHMS),
            }.get(column, "a valid value")


def _batch_runs(raw, problems: list[Problem]) -> list[Run]:
    """Runs of the ``batch`` sheet, in order of first appearance."""
    cols = {str(c).strip().lower() for c in raw.frame.columns}
    unknown = cols - set(RUN_COLUMNS) - set(OPTION_COLUMNS) - {""}
    for c in sorted(unknown):
        problems.append(Problem(raw.file, "batch", None, c, None, "columns among " + ", ".join(
            RUN_COLUMNS + tuple(OPTION_COLUMNS))))
    if "run" not in cols:
        problems.append(Problem(raw.file, "batch", None, "run", None, "a 'run' column"))
        return []
    order: list[str] = []
    overrides: dict[str, list[Override]] = {}
    options: dict[str, dict[str, tuple[object, int]]] = {}
    descriptions: dict[str, str] = {}
    for row, cells in _rows(raw):
        name = _text(cells.get("run"))
        where = f"{raw.file}, sheet 'batch', row {row}"
        if not name:
            problems.append(Problem(raw.file, "batch", row, "run", None, "a run name"))
            continue
        if name not in overrides:
            order.append(name)
            overrides[name], options[name] = [], {}
        if _text(cells.get("description")):
            descriptions[name] = _text(cells.get("description"))
        for col in OPTION_COLUMNS:
            if _text(cells.get(col)) == "":
                continue
            try:
                f, v = _option(col, cells.get(col))
            except ValueError as exc:
                problems.append(Problem(raw.file, "batch", row, col, cells.get(col),
                                        _expected(col, exc) + f" (run '{name}')"))
                continue
            if f in options[name] and options[name][f][0] != v:
                problems.append(Problem(raw.file, "batch", row, col, v, f"the same {col} on every "
                                        f"row of run '{name}' (row {options[name][f][1]} says "
                                        f"{options[name][f][0]!r})"))
            options[name][f] = (v, row)
        sheet, key, column = (_text(cells.get(c)) for c in ("sheet", "key", "column"))
        value = cells.get("value")
        if not sheet and not column and _text(value) == "":
            continue  # a row naming a run with no override: the base case, or options only
        missing = [c for c, v in (("sheet", sheet), ("column", column), ("value", _text(value)))
                   if not v]
        if missing:
            problems.append(Problem(raw.file, "batch", row, missing[0], None,
                                    f"sheet, key, column and value together (run '{name}')"))
            continue
        mode = _text(cells.get("mode")).lower() or "set"
        if mode not in ("set", "scale"):
            problems.append(Problem(raw.file, "batch", row, "mode", mode,
                                    f"set or scale (run '{name}')"))
            continue
        try:
            v = _float(value)
        except (TypeError, ValueError):
            problems.append(Problem(raw.file, "batch", row, "value", value,
                                    f"a number (run '{name}')"))
            continue
        period = _text(cells.get("from_period")) or None
        overrides[name].append(Override(sheet, _split_key(key), column, v, mode, period,
                                        source=where))
    return [Run(n, tuple(overrides[n]), tuple(sorted((f, v) for f, (v, _) in options[n].items())),
                descriptions.get(n, ""), source=f"{raw.file}, sheet 'batch'") for n in order]


def _sweep_sheet_runs(raw, problems: list[Problem]) -> list[Run]:
    """Runs of the ``sweeps`` sheet: rows sharing a sweep name are swept together."""
    targets: dict[str, list] = {}
    ranges: dict[str, tuple[str, str | None, int]] = {}
    for row, cells in _rows(raw):
        name = _text(cells.get("sweep"))
        sheet, key, column = (_text(cells.get(c)) for c in ("sheet", "key", "column"))
        rng = _text(cells.get("range"))
        period = _text(cells.get("from_period")) or None
        if not name or not sheet or not column:
            problems.append(Problem(raw.file, "sweeps", row, "sweep" if not name else
                                    ("sheet" if not sheet else "column"), None,
                                    "sweep, sheet, key, column and range"))
            continue
        try:
            parse_range(rng)
        except ValueError:
            problems.append(Problem(raw.file, "sweeps", row, "range", rng or None,
                                    f"A..B[%]:N, e.g. 0..100%:11 (sweep '{name}')"))
            continue
        if name in ranges and ranges[name][:2] != (rng, period):
            problems.append(Problem(raw.file, "sweeps", row, "range", rng,
                                    f"the same range and from_period as row {ranges[name][2]} of "
                                    f"sweep '{name}'"))
            continue
        ranges.setdefault(name, (rng, period, row))
        targets.setdefault(name, []).append((sheet, _split_key(key), column))
    runs = []
    for name, tg in targets.items():
        rng, period, row = ranges[name]
        runs += sweep_runs(name, tg, rng, f"{raw.file}, sheet 'sweeps', row {row}", period)
    return runs


# --------------------------------------------------------------------------------------------
# Validation and identity


def _named(problem: Problem, run: str) -> Problem:
    """Rename the scenario in a match_rows message to the batch run it belongs to."""
    return replace(problem, expected=problem.expected.replace("(scenario '", "(batch run '", 1)
                   if "(scenario '" in problem.expected else f"{problem.expected} (batch run "
                   f"'{run}')")


def check_batch(defn: BatchDefinition, inst: Instance) -> None:
    """Check every run against the base instance; raise one ScenarioError listing all problems.

    Checks: at least one run; run names that are unique and map to distinct folders; every
    override names an overridable column of an existing sheet and matches a row; a period
    that exists; a value within the column's bounds; at most one override of each cell from a
    given period in one run.
    """
    from optimizer.scenario import match_rows

    problems = list(defn.problems)
    if not defn.runs and not problems:
        problems.append(Problem(defn.source, None, None, None, None,
                                "at least one run (batch sheet, --set or --sweep)"))
    folders: dict[str, str] = {}
    # A sweep's runs share their overrides' targets: a target that matches nothing fails the
    # same way in every run of the sweep, and is listed once, with how many runs it stops.
    swept: dict[tuple, list[int]] = {}  # (sweep, target, found) → [its problem, runs]
    for run in defn.runs:
        prev = folders.get(run.folder.lower())
        if prev is not None:
            what = "a unique run name" if prev == run.name else (
                f"run names that give distinct folder names ('{prev}' also becomes "
                f"'{run.folder}')")
            problems.append(Problem(run.source or defn.source, None, None, "run", run.name, what))
        folders[run.folder.lower()] = run.name
        seen: dict[tuple, Override] = {}
        for ov in run.overrides:
            try:
                rows = match_rows(inst, ov, run.name)
            except ScenarioError as exc:
                for p in exc.problems:
                    same = (run.sweep, ov.sheet, ov.column, ov.key, ov.from_period, ov.mode,
                            repr(p.value)) if run.sweep else None
                    if same in swept:
                        swept[same][1] += 1
                        continue
                    if same is not None:
                        swept[same] = [len(problems), 1]
                    problems.append(_named(p, run.name))
                continue
            for r in rows:
                cell = (ov.sheet, r, ov.column, ov.from_period)
                if cell in seen:
                    problems.append(Problem(ov.source or run.source, ov.sheet, None, ov.column,
                                            ",".join(ov.key), f"at most one override of each cell "
                                            f"in a run (batch run '{run.name}': "
                                            f"{ov.describe()} and {seen[cell].describe()} change "
                                            "the same cell)"))
                    break
                seen[cell] = ov
    for (sweep, *_), (at, runs) in swept.items():
        if runs > 1:
            problems[at] = replace(problems[at], expected=f"{problems[at].expected} (the same "
                                   f"in {runs - 1} more run{'s' if runs > 2 else ''} of sweep "
                                   f"'{sweep}')")
    if problems:
        raise BatchError(problems)


def scenario_name_notes(defn: BatchDefinition, inst: Instance) -> dict[str, str]:
    """Run name → a note, for every run named like a scenario of the base instance.

    A batch run is never one of the instance's scenarios: its overrides apply to every
    scenario, and its costs are expected over all of them. A run that happens to share a
    scenario's name (``malaysia_feed_cut`` in a batch of an instance with that scenario) would
    read as that scenario's result; the note says what it is instead (names compared without
    case, as a reader would).
    """
    scenarios = {s.name.casefold(): s.name for s in inst.scenarios}
    notes = {}
    for run in defn.runs:
        scenario = scenarios.get(run.name.casefold())
        if scenario is None:
            continue
        notes[run.name] = (f"batch run '{run.name}' is not the instance's scenario "
                           f"'{scenario}': it applies its own {len(run.overrides)} "
                           "override(s) to every scenario, and its figures are expected over "
                           "all of the instance's scenarios")
    return notes


def run_key(base_checksum: str, overrides, options) -> str:
    """SHA-256 identifying a run's inputs: the base instance, its overrides and solver options.

    A rerun skips a run whose manifest records the same key (and status ``ok``).
    """
    payload = {
        "format": 1,
        "base_sha256": base_checksum,
        "overrides": [[o.sheet, list(o.key), o.column, o.mode, float(o.value), o.from_period]
                      for o in overrides],
        "options": {k: (list(v) if isinstance(v, tuple) else v)
                    for k, v in sorted(vars(options).items())},
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
