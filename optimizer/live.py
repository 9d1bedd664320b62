"""A model kept alive in HiGHS across batch runs: each run changes only the data it touches.

A batch sweeps data — quotas, capacities, costs, demand — over one base instance. Rebuilding
the whole model for every run (index frames, thirteen constraint families, objective,
matrix) costs far more than HiGHS's warm re-solve, so a batch worker keeps one
:class:`LiveModel` per base instance and applies each run as follows:

1. Apply the run's overrides to the base instance (:func:`optimizer.scenario.with_overrides`)
   and rebuild the scenario tree; it must keep the base's nodes (periods, parents, members).
2. Rebuild only the constraint families that read a changed sheet
   (``optimizer.formulation.FAMILIES`` declares what each reads; overrides may change only
   the schema's *overridable* numeric columns, which never shape the index frames), and the
   objective if a cost sheet changed. Each rebuilt family must keep its rows and its pattern
   of nonzeros: a blank quota given a value adds a row, a share cap of 1 can drop a
   coefficient.
3. Hand HiGHS the differences only — ``changeRowsBounds``, ``changeColsCost``,
   ``changeCoeff`` — and re-run it from the basis it holds.

A run that breaks a condition (tree or structure changed, an option the live path does not
keep, no optimal plan) is *not* solved here: :meth:`LiveModel.solve` returns None and the
caller rebuilds with :func:`optimizer.api.solve`, which also diagnoses failures. A MIP is
solved from no basis every run (HiGHS 1.16 returned wrong "optimal" MIPs when warm-started,
see :func:`optimizer.solve.solve_compiled`); its fixed-LP re-solve for shadow prices is the
live model. Results, shadow prices, tables and verification are those of ``api.solve``:
tests/test_live.py checks every overridable column against a rebuild.

Risk settings (the risk–cost frontier, optimizer/frontier.py). On a base built with
λ = ``risk_weight`` > 0 (so with the CVaR columns η, z_s and the rows ``cvar_excess``), a run
may override λ and α: with λ' > 0 the columns and rows stay, α' changes only the costs of the
z_s and λ' every objective coefficient, so only ``changeColsCost`` differs. λ' = 0 is solved
in the same structure with zero costs on η and z_s, which is exactly the risk-neutral model:

* *Same plans.* The rows z_s + η − C_s(x) ≥ 0, z_s ≥ 0 (η free) hold for any plan x with
  η = max_s C_s(x) and z = 0, so the plans x that are feasible are those of the risk-neutral
  model, and the objective Σ c x + 0·η + 0·z is its objective: same optimum, same optimal
  plans.
* *Same shadow prices.* In the dual, η's column (free, cost 0) gives Σ_s μ_s = 0 with every
  μ_s ≥ 0 (z_s's column: μ_s ≤ 0·…, and the rows are ≥), so μ = 0 and every other dual
  row is the risk-neutral one: the same set of optimal duals, and risk-adjusted
  probabilities q_s = (1 − 0) p_s + 0 = p_s.

(HiGHS may still return another of several tied optimal vertices, as any two solves may.)
On a risk-neutral base a risk setting still changes the model's shape, so such a run is
declined and rebuilt; ``supplyopt solve`` at λ = 0 never builds the CVaR columns.

A MIP run is solved from nothing even when only the risk settings change, so that the last
MIP solution would be a feasible start: HiGHS 1.16 given that start (``setSolution``) returned
infeasible points as "optimal" (the flip instance of tests/test_frontier.py, λ 0 → 1 → 0.31 →
0.3: reported 100 and 226 USD where the optimum is 500 and 496; the verifier caught both), and
the start saved little anyway (docs/performance.md, risk–cost frontier).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from optimizer import cvar_tie_break
from optimizer.api import RunResult, status_quo_tables
from optimizer.fixed_plan import fixed_decision_counts
from optimizer.formulation import FAMILIES, OBJECTIVE_READS, build_model
from optimizer.formulation.rows import DECISION_VARS, VAR_ORDER
from optimizer.formulation.total_cost import add_total_cost
from optimizer.instance import Instance
from optimizer.numerics import scan_numerics
from optimizer.result_rows import table_cache
from optimizer.results import all_tables
from optimizer.risk_settings import risk_settings
from optimizer.scenario import match_rows, scenario_tree, with_overrides
from optimizer.schema import SHEETS
from optimizer.solve import (
    SolveOptions,
    SolveOutcome,
    _new_highs,
    _scatter,
    compile_arrays,
    highs_lp_from_csc,
    highs_version,
    read_rhs_ranges,
    read_shadow_prices,
    run_highs,
    termination_of,
    with_fixed_builds,
)
from optimizer.verification import verify_result

_DERIVED = {"lanes": "lanes", "traders": "traders", "stockpiles": "stockpiles",
            "modules": "modules", "demands": "demands"}
"""ModelData attribute → the sheet it copies row for row (with extra columns)."""

_OVERRIDABLE = {s.name: tuple(c.name for c in s.columns if c.overridable) for s in SHEETS}


class LiveModel:
    """One base instance built once, its LP held by a live ``highspy.Highs``."""

    def __init__(self, inst: Instance, options: SolveOptions):
        self.inst = inst
        self.options = options
        _, self.md = build_model(inst, pyomo=False)
        table_cache(self.md, across_runs=True)  # before any run copies it (see there)
        compiled = compile_arrays(self.md)
        fixed = options.fixed_builds is not None or options.fixed_contracts is not None
        if fixed:
            compiled = with_fixed_builds(compiled, fixed_decision_counts(self.md, options))
        compiled.csc = None  # the live numerics scans read the live arrays (CompiledModel.csc)
        self.compiled = compiled
        self.is_mip = len(compiled.integer_cols) > 0
        lp = compiled.lp
        self.base = {"row_lower": np.array(lp.row_lower_, dtype=float),
                     "row_upper": np.array(lp.row_upper_, dtype=float),
                     "cost": np.array(lp.col_cost_, dtype=float),
                     "value": np.array(lp.a_matrix_.value_, dtype=float)}
        start = np.array(lp.a_matrix_.start_, dtype=np.int64)
        self.csc_start = start.astype(np.int32)
        self.csc_row32 = np.array(lp.a_matrix_.index_, dtype=np.int32)
        self.csc_row = self.csc_row32.astype(np.int64)
        self.col_lower = np.array(lp.col_lower_, dtype=float)
        self.col_upper = np.array(lp.col_upper_, dtype=float)
        self.csc_col = np.repeat(np.arange(lp.num_col_), np.diff(start))
        self._csc_key = self.csc_col * max(lp.num_row_, 1) + self.csc_row  # sorted (CSC order)
        self.row_start = {}
        r0 = 0
        for name, fam in self.md.families.items():
            self.row_start[name] = r0
            r0 += len(fam.rhs)
        sizes = [len(self.md.var_ix[v]) for v in VAR_ORDER]
        self.col_offset = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # The columns of each integer decision family (builds, contract signings): a MIP's
        # fixed LP fixes all of them at the run's optimum, the status quo at 0.
        self.decision_cols = {
            f: np.arange(self.col_offset[VAR_ORDER.index(f)],
                         self.col_offset[VAR_ORDER.index(f)] + sizes[VAR_ORDER.index(f)])
            for f in DECISION_VARS}
        self.build_cols = self.decision_cols["modules_built"]
        # Builds the LP holds: a MIP's fixed LP takes each run's optimal builds; an LP with
        # SolveOptions.fixed_builds (and fixed_contracts) keeps those (the status-quo re-solve
        # changes them).
        self.fixed_counts = fixed_decision_counts(self.md, options) if fixed else None
        self._positions: dict[str, np.ndarray] = {}
        self._numerics: dict = {}  # scan_numerics' findings on the matrix, while unchanged
        self.held = None  # data the live Highs holds now (same keys as self.base)
        self.lp_h = None  # the live Highs: the LP, or a MIP's fixed LP
        self.runs = {"live": 0, "declined": 0}

    # ----------------------------------------------------------------------------------------
    # Step 1-2: the run's model data, rebuilding only what its overrides touch

    def run_data(self, overrides) -> tuple[object, object, list[str]] | str:
        """(run instance, run model data, rebuilt families), or why the run needs a rebuild.

        Overrides of anything but the schema's overridable columns are refused by
        ``with_overrides`` (ScenarioError naming the run), as on the rebuild path.
        """
        if any(ov.sheet == "settings" for ov in overrides) and self.md.risk[0] == 0:
            return "a risk setting changes on a risk-neutral base (columns and rows change)"
        inst = with_overrides(self.inst, tuple(overrides))  # risk settings too (ScenarioError)
        nodes = self._tree(inst)
        if [(n.period, n.parent, n.scenarios) for n in nodes] != \
                [(n.period, n.parent, n.scenarios) for n in self.md.nodes]:
            return "the scenario tree changes"
        sheets = {ov.sheet for ov in overrides}
        base = self.md
        md = copy.copy(base)
        md.inst, md.nodes = inst, nodes
        md.risk = risk_settings(inst)  # λ' and α' of the run (same columns and rows: see above)
        md.var_ix = base.var_ix  # shared, read-only
        md.con_ix, md.families = dict(base.con_ix), dict(base.families)
        md._cache = {k: v for k, v in base._cache.items() if k[0] not in sheets}
        # family → the base's index frame, for families whose frame differs from it only in
        # its rhs (and value) columns (_new_rhs): the result tables reuse its other columns.
        md.rhs_only_of = {}
        for attr, sheet in _DERIVED.items():
            if sheet in sheets:
                frame = getattr(base, attr).copy()
                table = inst.table(sheet)
                for col in _OVERRIDABLE[sheet]:
                    if col in frame.columns:
                        frame[col] = table[col].to_numpy()
                setattr(md, attr, frame)
        changed = {(ov.sheet, ov.column) for ov in overrides}
        rebuilt = [name for name, _, reads in FAMILIES if sheets.intersection(reads)]
        md.empty_rows = [e for e in base.empty_rows if e[0] not in rebuilt]
        for name, add_family, reads in FAMILIES:
            if name not in rebuilt:
                continue
            cells = base.families[name].rhs_cells
            if cells is not None and {(s, c) for s, c in changed if s in reads} == {cells[:2]}:
                reason = _new_rhs(base, md, name)  # only its right-hand side changes
                if reason:
                    return reason
                continue
            add_family(None, md)
            old, new = base.families[name], md.families[name]
            if len(old.rhs) != len(new.rhs) or not (
                    np.array_equal(old.row, new.row) and np.array_equal(old.var, new.var)
                    and np.array_equal(old.col, new.col)):
                return f"the rows or nonzeros of {name} change"
        if md.empty_rows:
            return "a row no decision can satisfy"
        if sheets.intersection(OBJECTIVE_READS) or md.risk != base.risk:
            add_total_cost(None, md)
        return inst, md, rebuilt

    def _tree(self, inst: Instance) -> list:
        """``scenario_tree(inst)``: the base model's nodes when nothing the tree reads differs.

        The tree (:func:`optimizer.scenario.scenario_tree`, through ``cell_changes``) reads
        the periods, the scenarios (probabilities and overrides) and, for each scenario
        override, the base value of each cell it matches: a ``scale`` changes the cell to
        base × factor, a ``set`` to its value, kept as a change only where the base (blank or
        a number) differs from it. A run whose base values leave every scale's products and
        every set's "differs" as in the base instance (a batch ``scale`` of a cell a scenario
        sets, or any change of cells no scenario touches) has the base's tree, nodes and node
        data alike; any other run builds its own.
        """
        base = self.inst
        if inst.periods != base.periods or inst.scenarios != base.scenarios:
            return scenario_tree(inst)
        for sheet, column, rows, mode, value, before in self._scenario_cells():
            if inst.table(sheet) is base.table(sheet):
                continue
            now = inst.table(sheet)[column].to_numpy()[rows].tolist()
            if _tree_reads(now, mode, value) != before:
                return scenario_tree(inst)  # (a NaN compares unequal: built anew, still right)
        return self.md.nodes

    def _scenario_cells(self) -> list[tuple]:
        """Per scenario override: (sheet, column, the base rows it matches, mode, value, what
        the tree reads of those rows in the base instance: :func:`_tree_reads`)."""
        if not hasattr(self, "_cells"):
            self._cells = []
            for sc in self.inst.scenarios:
                for ov in sc.overrides:
                    rows = np.asarray(match_rows(self.inst, ov, sc.name), dtype=np.intp)
                    values = self.inst.table(ov.sheet)[ov.column].to_numpy()[rows].tolist()
                    self._cells.append((ov.sheet, ov.column, rows, ov.mode, ov.value,
                                        _tree_reads(values, ov.mode, ov.value)))
        return self._cells

    def _family_positions(self, name: str) -> np.ndarray:
        """Position in the CSC value array of each nonzero of family ``name`` (base order)."""
        if name not in self._positions:
            fam = self.md.families[name]
            key = (self.col_offset[fam.var] + fam.col) * max(len(self.base["row_lower"]), 1) \
                + fam.row + self.row_start[name]
            self._positions[name] = np.searchsorted(self._csc_key, key)
        return self._positions[name]

    def run_arrays(self, md, rebuilt: list[str]) -> dict:
        """Row bounds, costs and matrix values of the run: the base with rebuilt parts replaced."""
        out = dict(self.base)
        if rebuilt:
            out["row_lower"], out["row_upper"] = out["row_lower"].copy(), out["row_upper"].copy()
        for name in rebuilt:
            fam = md.families[name]
            rows = slice(self.row_start[name], self.row_start[name] + len(fam.rhs))
            out["row_lower"][rows] = -np.inf if fam.sense == "<=" else fam.rhs
            out["row_upper"][rows] = np.inf if fam.sense == ">=" else fam.rhs
            if fam.coef is self.md.families[name].coef:
                continue  # new right-hand sides only (_new_rhs): the base's coefficients
            if out["value"] is self.base["value"]:
                # A new array when coefficients change: the numerics scan reuses its findings
                # while the array is the same object (scan_numerics' cache).
                out["value"] = out["value"].copy()
            pos = self._family_positions(name)
            out["value"][pos] = 0.0
            np.add.at(out["value"], pos, fam.coef)  # repeated (row, col) terms add up
        if md.objective_coef is not self.md.objective_coef:
            out["cost"] = np.concatenate([md.objective_coef[v] for v in VAR_ORDER])
        return out

    # ----------------------------------------------------------------------------------------
    # Step 3: hand HiGHS the differences and solve

    def _lp_with(self, arrays: dict, integer: bool = True):
        """A new HighsLp: the base model's structure and bounds with ``arrays`` as its data."""
        lp = self.compiled.lp
        is_int = np.zeros(lp.num_col_, dtype=bool)
        if integer:
            is_int[self.compiled.integer_cols] = True
        return highs_lp_from_csc(lp.num_col_, lp.num_row_, self.csc_start, self.csc_row32,
                                 arrays["value"], arrays["cost"], self.col_lower, self.col_upper,
                                 arrays["row_lower"], arrays["row_upper"], is_int, lp.offset_)

    def _array_compiled(self, arrays: dict):
        """The run's model for the readers after a solve — ranging, the numerics scan — with
        its arrays as numpy arrays under HighsLp's attribute names, not copied into a HighsLp.

        Building a HighsLp copies every array into HiGHS's vectors and reading them back
        converts them again: 14 ms a run on the 2035 baseline, for data the live model holds
        already. A shallow copy of the compiled model keeps its row and column maps (and the
        split of solver vectors by family cached on it).
        """
        lp = self.compiled.lp
        run = copy.copy(self.compiled)
        run.lp = SimpleNamespace(
            num_col_=lp.num_col_, num_row_=lp.num_row_, offset_=lp.offset_,
            col_cost_=arrays["cost"], col_lower_=self.col_lower, col_upper_=self.col_upper,
            row_lower_=arrays["row_lower"], row_upper_=arrays["row_upper"],
            a_matrix_=SimpleNamespace(start_=self.csc_start, index_=self.csc_row32,
                                      value_=arrays["value"]))
        return run

    def _send(self, arrays: dict, counts=None) -> None:
        """Bring the live LP to ``arrays`` (and the decision columns to ``counts``, if given:
        one array aligned with the builds, or {integer family: values}).

        The first run passes the whole model; later runs pass only what differs from what
        the live Highs holds, so HiGHS keeps its basis.
        """
        h = self.lp_h
        if h is None:
            h = self.lp_h = _new_highs(self.options)
            h.passModel(self._lp_with(arrays, integer=False))
        else:
            held = self.held
            rows = np.flatnonzero((held["row_lower"] != arrays["row_lower"])
                                  | (held["row_upper"] != arrays["row_upper"]))
            if len(rows):
                h.changeRowsBounds(len(rows), rows.astype(np.int32), arrays["row_lower"][rows],
                                   arrays["row_upper"][rows])
            cols = np.flatnonzero(held["cost"] != arrays["cost"])
            if len(cols):
                h.changeColsCost(len(cols), cols.astype(np.int32), arrays["cost"][cols])
            changed = () if held["value"] is arrays["value"] else \
                np.flatnonzero(held["value"] != arrays["value"])
            for k in changed:
                h.changeCoeff(int(self.csc_row[k]), int(self.csc_col[k]), float(arrays["value"][k]))
        if counts is not None:
            given = counts if isinstance(counts, Mapping) else {"modules_built": counts}
            for family, values in given.items():
                cols = self.decision_cols.get(family)
                if cols is not None and len(cols):
                    v = np.round(np.asarray(values, dtype=float))
                    h.changeColsBounds(len(v), cols.astype(np.int32), v, v)
        self.held = arrays

    def solve(self, overrides=(), times: dict | None = None, verify: bool = True,
              compare_status_quo: bool = True) -> RunResult | None:
        """Solve one run on the live model; None if it needs a rebuild (see module docstring).

        ``times`` gets ``apply`` (overrides → changes handed to HiGHS), ``solve``, ``values``,
        ``duals`` (shadow prices, ranging; a MIP's fixed-LP re-solve), ``numerics`` (the scan
        of coefficient ranges, :func:`optimizer.numerics.scan_numerics`), ``tables``,
        ``status_quo`` and ``verify``, as ``api.solve`` names its stages.
        """
        o = self.options
        if o.solver != "highs" or o.lp_algorithm != "choose":
            self.runs["declined"] += 1
            return None
        times = {} if times is None else times
        t0 = time.perf_counter()
        prepared = self.run_data(overrides)
        if isinstance(prepared, str):
            self.runs["declined"] += 1
            return None
        inst, md, rebuilt = prepared
        arrays = self.run_arrays(md, rebuilt)
        if self.is_mip:  # in its own Highs, from no basis (module docstring)
            h = _new_highs(o)
            h.passModel(self._lp_with(arrays))
        else:
            self._send(arrays, self.fixed_counts)
            h = self.lp_h
        times["apply"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_highs(h)
        times["solve"] = time.perf_counter() - t0
        outcome = _outcome(h, self.compiled, self.is_mip)
        if outcome.termination != "optimal" or not outcome.has_solution:
            self.runs["declined"] += 1
            return None  # the rebuild path reports (and explains) it
        if cvar_tie_break.applies(md):  # λ = 1: least expected cost among least-CVaR plans
            t0 = time.perf_counter()
            run_compiled = replace(self.compiled, lp=self._lp_with(arrays, self.is_mip))
            tie = cvar_tie_break.least_expected_cost(md, run_compiled, o, h, times["solve"])
            times["tie_break"] = time.perf_counter() - t0
        else:
            tie = None
        t0 = time.perf_counter()
        values_h = cvar_tie_break.adopt(outcome, tie, h)  # h, or λ = 1's second solve
        sol = values_h.getSolution()
        outcome.values = _scatter(md, self.compiled, np.asarray(sol.col_value), rows=False)
        outcome.activity = _scatter(md, self.compiled, np.asarray(sol.row_value), rows=True)
        outcome.highs = h
        times["values"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        array_compiled = self._array_compiled(arrays)
        lp_h = h
        if self.is_mip and o.duals:
            self._send(arrays, self._decisions(outcome))
            lp_h = outcome.lp_highs = self.lp_h
            run_highs(lp_h)
            if termination_of(lp_h) != "optimal":
                outcome.message = "fixed-LP re-solve for shadow prices did not reach optimality"
                lp_h = None
        if o.duals and lp_h is not None:
            # An LP's solution, read once; not the second solve's at λ = 1, whose duals are not
            # the CVaR's prices (optimizer/cvar_tie_break.py).
            held = sol if lp_h is values_h else None
            read_shadow_prices(md, array_compiled, lp_h, outcome,
                               "fixed_lp" if self.is_mip else "lp", ranging=False,
                               solution=held)
            if o.ranging:  # on the basis-only LP: lp_h is left as it is (read_rhs_ranges)
                read_rhs_ranges(md, array_compiled, lp_h, outcome, refactor=True,
                                solution=held)
        outcome.warm_start = "live"
        times["duals"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        warnings = scan_numerics(md, array_compiled, cache=self._numerics)
        times["numerics"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tables = all_tables(md, outcome)
        times["tables"] = time.perf_counter() - t0
        decision_cols = np.concatenate(list(self.decision_cols.values()))
        if compare_status_quo and len(decision_cols):
            t0 = time.perf_counter()
            # The status quo re-solves the live LP with no builds and no new contracts (its
            # bounds are set again by the next run); without a live LP, a cold LP of this
            # run's data.
            live_lp = self.lp_h if lp_h is not None else None
            decisions = replace(self.compiled, lp=self._lp_with(arrays),
                                integer_cols=np.sort(decision_cols))
            tables.update(status_quo_tables(md, decisions, o, self._decisions(outcome),
                                            live_lp))
            times["status_quo"] = time.perf_counter() - t0
        self.runs["live"] += 1
        run = RunResult(inst, outcome, tables, o, tuple(overrides), times, model_data=md,
                        warnings=warnings)
        if verify:
            verify_result(run)
        return run


    def _decisions(self, outcome) -> dict:
        """{integer decision family: the run's values} (builds, contract signings)."""
        return {f: outcome.values[f] for f in self.decision_cols if f in outcome.values}


def _outcome(h, compiled, is_mip: bool):
    """A SolveOutcome of a finished ``h`` (status, objective, bound); values come later."""
    termination = termination_of(h)
    info = h.getInfo()
    has = info.primal_solution_status == 2 and termination != "unbounded"
    objective = float(info.objective_function_value) if has else None
    return SolveOutcome(
        termination=termination, has_solution=has, objective=objective,
        best_bound=float(info.mip_dual_bound) if is_mip else objective,
        gap=float(info.mip_gap) if is_mip and has else (0.0 if has else None), is_mip=is_mip,
        solver="highs", solver_version=highs_version(), duals_source=None,
        n_variables=compiled.lp.num_col_, n_constraints=compiled.lp.num_row_,
        n_integer=len(compiled.integer_cols))


def _tree_reads(values: list, mode: str, value: float) -> list:
    """What ``cell_changes`` reads of the base values of the cells a scenario override
    matches: the values themselves for a ``scale`` (it writes base × factor; blank stays
    blank), and for a ``set`` only whether each cell becomes a change (a blank or a base
    value other than the set value)."""
    if mode == "scale":
        return values
    return [v is None or float(v) != value for v in values]


def _new_rhs(base, md, name: str) -> str | None:
    """Give family ``name`` of ``md`` its right-hand sides in the run's data, unrebuilt.

    They are what its ``rhs_cells`` read. Returns the reason for a rebuild if its rows would
    change (a blank cell gets a value, or a value becomes blank).
    """
    fam = base.families[name]
    sheet, column, node, pos, factor = fam.rhs_cells
    values, before = md.node_values(sheet, column), base.node_values(sheet, column)
    if not np.array_equal(np.isnan(values), np.isnan(before)):
        return f"blank cells of {sheet}.{column} change (rows of {name} come or go)"
    cell = values[node, pos]
    rhs = cell if factor is None else factor * cell
    ix = base.con_ix[name].copy()
    ix["rhs"] = rhs
    if "value" in ix.columns:
        ix["value"] = cell
    md.con_ix[name], md.families[name] = ix, replace(fam, rhs=rhs)
    md.rhs_only_of[name] = base.con_ix[name]
    has_terms = np.zeros(len(rhs), dtype=bool)
    has_terms[fam.row] = True
    bad = ~has_terms & {"<=": rhs < -1e-9, ">=": rhs > 1e-9, "==": np.abs(rhs) > 1e-9}[fam.sense]
    md.empty_rows.extend((name, int(k)) for k in np.flatnonzero(bad))
    return None
