"""Infeasible and ill-posed models: what a planner is told, and the exit code.

* infeasible: exit 3, the conflict (an IIS) and the smallest relaxations in plain words,
  with amounts derived by hand below;
* unbounded: cannot come from a valid workbook (every cost column is ≥ 0, so the objective is
  ≥ 0); the solver-level handling is tested on compiled arrays with one cost made negative;
* numerical trouble: a row mixing 1e-10 with 1 is named before the solve;
* time limits: the best plan with its gap (exit 0 only with --allow-nonoptimal), exit 3 with
  no plan;
* Ctrl-C during the solve itself (tests/test_atomic.py covers Ctrl-C while writing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from optimizer.api import solve
from optimizer.cli import app
from optimizer.errors import InfeasibleError
from optimizer.formulation import build_model
from optimizer.io.write import write_csv_folder
from optimizer.solve import SolveOptions, compile_arrays, solve_compiled

# --------------------------------------------------------------------------- infeasible


def _defence(kit) -> dict:
    """US defence (country A) must get 8 t Dy in P1; the rules leave only 5 t reachable.

    * plant P_b (country B) takes at most 50 t REO of mine M_b's concentrate at 10 % Dy and
      recovery 1: 5 t Dy;
    * plant P_c (country C) could make plenty, but C is banned from defence (max_t 0,
      basis either) and C may export at most 1 t of Dy.

    So the demand is 3 t short. Each conflicting requirement alone:

    * the must-serve demand: 8 → 5 t, i.e. 3 t less;
    * P_b's capacity: 3 t Dy more = 30 t REO more (at 0.1 t Dy per t REO);
    * the ban: 3 t of C's Dy are needed, but then the quota (1 t) binds: the ban by 3 t
      *together with* the quota by 2 t (1 → 3 t).

    The least total relaxation is 3 (the demand by 3, or the ban by b ≤ 1 and the demand by
    3 − b: the quota lets 1 t through).
    """
    return kit.sheets(
        mines=[{"mine": "M_c", "country": "C", "capacity_t": 1000, "cost_usd_per_t": 10},
               {"mine": "M_b", "country": "B", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M_c", "element": "Dy", "share": 0.1},
                     {"mine": "M_b", "element": "Dy", "share": 0.1}],
        plants=[{"plant": "P_c", "country": "C", "capacity_t": 1000, "opex_usd_per_t": 5},
                {"plant": "P_b", "country": "B", "capacity_t": 50, "opex_usd_per_t": 5}],
        plant_recoveries=[{"plant": "P_c", "element": "Dy", "recovery": 1.0},
                          {"plant": "P_b", "element": "Dy", "recovery": 1.0}],
        demands=[{"demand": "us_defence", "country": "A", "end_use": "defence",
                  "must_serve": True}],
        demand_quantities=[{"demand": "us_defence", "element": "Dy", "period": "P1",
                            "quantity_t": 8}],
        lanes=[{"origin": "M_c", "destination": "P_c"}, {"origin": "M_b", "destination": "P_b"},
               {"origin": "P_c", "destination": "us_defence"},
               {"origin": "P_b", "destination": "us_defence"}],
        end_use_limits=[{"country": "C", "basis": "either", "end_use": "defence",
                         "element": "Dy", "max_t": 0}],
        export_quotas=[{"country": "C", "product": "Dy", "cap_t": 1}],
    )


SHORTFALL = ("Under the rules as they stand, us_defence (defence in A) can get at most 5 t of "
             "the 8 t of Dy it must receive in P1 (3 t short)")
HEADLINE = ("Smallest repair: serve 3 t less Dy to us_defence in P1 (must-serve demand 8 t → "
            "5 t) (this alone makes a plan possible).")
BAN = "relax the C defence ban by 3 t"
QUOTA = "raise the C export quota for Dy in P1 by 2 t (1 t → 3 t)"
DEMAND = "serve 3 t less Dy to us_defence in P1 (must-serve demand 8 t → 5 t)"
CAPACITY = "raise the capacity of plant P_b in P1 by 30 t REO"


def test_relaxation_amounts(kit):
    """The elastic re-solve finds the amounts derived in :func:`_defence`."""
    from optimizer.diagnose import _iis_rows, relaxations

    _, md = build_model(kit.instance(_defence(kit)), pyomo=False)
    compiled = compile_arrays(md)
    iis = _iis_rows(compiled)
    fams = sorted(compiled.row_family[r] for r in iis)
    assert fams == ["demand_balance", "end_use_tonnage_limit", "plant_capacity", "plant_output"]
    rel = relaxations(md, compiled, focus=iis)
    assert rel["total"] == pytest.approx(3, abs=1e-6)
    alone = {compiled.row_family[r]: (a, {compiled.row_family[r2]: a2 for r2, a2 in x})
             for r, a, x in rel["alone"]}
    assert alone["demand_balance"][0] == pytest.approx(3, abs=1e-6)
    assert alone["demand_balance"][1] == {}
    assert alone["plant_capacity"][0] == pytest.approx(30, abs=1e-6)
    assert alone["plant_capacity"][1] == {}
    ban, extras = alone["end_use_tonnage_limit"]
    assert ban == pytest.approx(3, abs=1e-6)
    assert extras == {"export_quota_cap": pytest.approx(2, abs=1e-6)}


def test_infeasible_cli_explains_with_entities_and_numbers(kit, tmp_path):
    """Exit 3; stderr, infeasibility.txt and summary.json name the demand, the ban, the amounts."""
    inst = write_csv_folder(_defence(kit), tmp_path / "instance")
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(inst), "--out", str(out), "--quiet"])
    assert res.exit_code == 3, res.output
    assert "Traceback" not in res.output
    for text in (SHORTFALL, BAN, QUOTA, DEMAND, CAPACITY,
                 "at most 0 t of Dy mined or processed in C may reach defence in P1 (a ban)"):
        assert text in res.stderr, text
    # The least total, 3, has several optima (the demand by 3, or the ban by b ≤ 1 and the
    # demand by 3 − b): the headline is the demand alone or a combination totalling 3.
    headline = res.stderr.splitlines()[1]
    assert headline == HEADLINE or headline == \
        "Smallest repair (least total, 3 in all), together:", res.stderr
    note = (out / "infeasibility.txt").read_text(encoding="utf-8")
    assert SHORTFALL in note and BAN in note and QUOTA in note
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"
    assert BAN in summary["explanation"]
    assert not (out / "tables").exists()
    # The explanation scrolls the headline away: the last line repeats it and says where the
    # explanation was written (the folder may be a generated one, e.g. with --set).
    assert res.stderr.rstrip().splitlines()[-1] == (
        "the hard constraints cannot all hold (no plan exists): the explanation was written "
        f"to {out / 'infeasibility.txt'} (and summary.json)")


def test_two_periods_each_conflict_gets_its_own_repair(kit):
    """The same shortfall in P1 and P2: the IIS names one period; its repairs add the other's.

    Relaxing the P2 demand by 3 t alone is not enough (P1 is 3 t short too), so the repair of
    P2's conflict lists a P1 repair "together with" it; the least total is 3 + 3 = 6.
    """
    s = _defence(kit)
    s["periods"] = [{"period": "P1", "discount_factor": 1.0},
                    {"period": "P2", "discount_factor": 1.0}]
    s["demand_quantities"].append({"demand": "us_defence", "element": "Dy", "period": "P2",
                                   "quantity_t": 8})
    with pytest.raises(InfeasibleError) as err:
        kit.solve(s)
    text = str(err.value)
    headline = text.splitlines()[1]
    assert headline == "Smallest repair (least total, 6 in all), together:", text
    iis_period = "P2" if "of Dy it must receive in P2 (3 t short)" in text else "P1"
    other = "P1" if iis_period == "P2" else "P2"
    assert f"serve 3 t less Dy to us_defence in {iis_period}" in text
    assert "      together with: " in text
    assert f"in {other}" in text.split("Ways out", 1)[1].split("together with:", 1)[1]


def _sole_supplier_capped(kit) -> dict:
    """US defence must get 100 t of Dy in P1 from country C alone, under a 90 % cap.

    C is the only source (mine M_c, 100 % Dy, plant P_c, recovery 1) and a diversification cap
    lets any one country supply at most 90 % of defence's Dy. C's share of whatever arrives
    is 100 %, so the rules as they stand allow 0 t: the demand alone is 100 t short. The cap
    row is x_C ≤ 0.9·x_C; loosened by e it reads 0.1·x_C ≤ e, so 100 t need e = 0.1 × 100 =
    10 t. The smallest repair is therefore 10 t of cap, not the 100 t shortfall.
    """
    return kit.sheets(
        mines=[{"mine": "M_c", "country": "C", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M_c", "element": "Dy", "share": 1.0}],
        plants=[{"plant": "P_c", "country": "C", "capacity_t": 1000, "opex_usd_per_t": 5}],
        plant_recoveries=[{"plant": "P_c", "element": "Dy", "recovery": 1.0}],
        demands=[{"demand": "us_defence", "country": "A", "end_use": "defence",
                  "must_serve": True}],
        demand_quantities=[{"demand": "us_defence", "element": "Dy", "period": "P1",
                            "quantity_t": 100}],
        lanes=[{"origin": "M_c", "destination": "P_c"},
               {"origin": "P_c", "destination": "us_defence"}],
        diversification_caps=[{"end_use": "defence", "element": "Dy", "basis": "processed",
                               "max_share": 0.9}],
    )


def test_headline_is_the_smallest_repair_not_the_shortfall(kit, tmp_path):
    """The first sentence after the error is the 10 t repair derived in
    :func:`_sole_supplier_capped`; the 100 t shortfall is stated as such further down."""
    inst = write_csv_folder(_sole_supplier_capped(kit), tmp_path / "instance")
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(inst), "--out", str(out), "--quiet"])
    assert res.exit_code == 3, res.output
    lines = res.stderr.splitlines()
    headline = ("Smallest repair: let C supply 10 t more Dy to defence in P1 than the 90% "
                "diversification cap allows (this alone makes a plan possible).")
    assert lines[:2] == ["error: the hard constraints cannot all hold (no plan exists)",
                         headline], res.stderr
    assert ("Under the rules as they stand, us_defence (defence in A) can get at most 0 t of "
            "the 100 t of Dy it must receive in P1 (100 t short).") in lines
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["explanation"].splitlines()[0] == headline


@pytest.mark.parametrize("value, text", [
    (-2.842170943040401e-14, "0"),   # 100 − 100.00000000000003: noise, and never "-0"
    (-0.0, "0"),
    (4e-7, "0"),                     # below a gram
    (100.00000000000003, "100"),
    (0.1 + 0.2, "0.3"),              # 0.30000000000000004
    (12.3456789, "12.3457"),         # 6 significant digits
    (-3.5, "-3.5"),
    (1_234_567.4, "1,234,567"),      # not 1.23457e+06
])
def test_amounts_are_rounded_for_reading(value, text):
    """Each expected text is the value rounded by hand as the docstring of amount_text says."""
    from optimizer.diagnose import amount_text

    assert amount_text(value) == text


def test_relaxation_to_zero_with_solver_noise_reads_zero(kit):
    """Cutting the 8 t demand of :func:`_defence` by 8.000000000000002 t (an elastic amount
    with floating-point noise) leaves 8 − 8.000000000000002 = −1.8e-15 t: shown as 0 t."""
    from optimizer.diagnose import _relax

    _, md = build_model(kit.instance(_defence(kit)), pyomo=False)
    k = int(np.flatnonzero(md.con_ix["demand_balance"]["demand"] == "us_defence")[0])
    assert _relax(md, "demand_balance", k, 8.000000000000002) == (
        "serve 8 t less Dy to us_defence in P1 (must-serve demand 8 t → 0 t)")


# --------------------------------------------------------------------------- unbounded


def test_negative_cost_is_rejected_by_validation(kit):
    """A valid workbook cannot be unbounded: every cost is ≥ 0, so the objective is ≥ 0."""
    from optimizer.errors import InputError

    s = _defence(kit)
    s["mines"][0]["cost_usd_per_t"] = -5
    with pytest.raises(InputError) as err:
        kit.instance(s)
    assert "cost_usd_per_t" in str(err.value)


def _earning(kit) -> dict:
    """One mine → plant → demand chain, an offer T, and unmet demand at 500 USD/t."""
    return kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 100, "opex_usd_per_t": 5}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 80}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "lost_value_usd_per_t": 500}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T", "destination": "D"}],
    )


def _negate_unmet_cost(compiled):
    """Make unmet demand earn 500 USD per t, and nothing bound it above.

    The model's demand row is an equality (delivered + unmet = demand), which bounds unmet by
    the demand; the arrays are altered to ``delivered + unmet ≥ demand`` so that only
    ``unmet ≥ demand − supply`` remains.
    """
    cost = np.array(compiled.lp.col_cost_, dtype=float)
    cols = np.flatnonzero(np.asarray(compiled.col_family) == "unmet_demand_t")
    assert len(cols) == 1 and cost[cols[0]] == 500  # weight 1 (one scenario, factor 1)
    cost[cols] = -cost[cols]
    compiled.lp.col_cost_ = cost
    upper = np.array(compiled.lp.row_upper_, dtype=float)
    upper[np.asarray(compiled.row_family) == "demand_balance"] = np.inf
    compiled.lp.row_upper_ = upper
    return compiled


def test_unbounded_arrays_are_named(kit):
    """Solver level: unbounded is diagnosed and the column named.

    HiGHS says unbounded (or "infeasible or unbounded", told apart by the elastic LP, whose
    optimum 0 proves a feasible point).
    """
    from optimizer.diagnose import diagnose_failure

    _, md = build_model(kit.instance(_earning(kit)), pyomo=False)
    compiled = _negate_unmet_cost(compile_arrays(md))
    outcome = solve_compiled(md, compiled, SolveOptions())
    assert outcome.termination in ("unbounded", "infeasible_or_unbounded")
    assert not outcome.has_solution
    exc = diagnose_failure(md, compiled, outcome)
    assert str(exc).startswith("the model is unbounded")
    assert "unmet_demand_t (period P1, demand D, element Nd): cost -500 USD per unit" \
        in exc.explanation
    assert "ship_oxide_t" not in exc.explanation  # the only direction is more unmet demand


def test_unbounded_cli_exit_3(kit, tmp_path, monkeypatch):
    """The whole pipeline on the same arrays: exit 3, a one-line reason, no plan written."""
    import importlib

    solve_module = importlib.import_module("optimizer.solve")  # `optimizer.solve` is the API call
    real = solve_module.compile_arrays
    monkeypatch.setattr(solve_module, "compile_arrays", lambda md: _negate_unmet_cost(real(md)))
    inst = write_csv_folder(_earning(kit), tmp_path / "instance")
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(inst), "--out", str(out), "--quiet"])
    assert res.exit_code == 3, res.output
    assert "error: the model is unbounded" in res.stderr
    assert "unmet_demand_t (period P1, demand D, element Nd): cost -500" in res.stderr
    assert "Traceback" not in res.output
    assert not (out / "tables").exists()


# --------------------------------------------------------------------------- numerics


def _tiny_assay(kit, share: float) -> dict:
    """The earning chain, with a second mine whose Dy assay is ``share`` (1e-10: a unit slip).

    Plant P's output row for Dy from country B has the coefficient 1 on the Dy shipped and
    −share·recovery = −share on mine M2's concentrate: a span of 1/share.
    """
    s = _earning(kit)
    s["mines"].append({"mine": "M2", "country": "B", "capacity_t": 1e6, "cost_usd_per_t": 1})
    s["mine_assays"].append({"mine": "M2", "element": "Dy", "share": share})
    s["plant_recoveries"].append({"plant": "P", "element": "Dy", "recovery": 1.0})
    s["demand_quantities"].append({"demand": "D", "element": "Dy", "period": "P1",
                                   "quantity_t": 1})
    s["lanes"].append({"origin": "M2", "destination": "P"})
    return s


def test_numerics_names_the_row(kit):
    """1e-10 next to 1 in plant_output is reported; 1e-8 (a span of 1e8) is not."""
    from optimizer.numerics import scan_numerics

    _, md = build_model(kit.instance(_tiny_assay(kit, 1e-10)), pyomo=False)
    warnings = scan_numerics(md, compile_arrays(md))
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("plant_output (period P1, plant P, element Dy, mined country B)"
                                  ": coefficients from 1e-10 to 1 in one row (ratio 1e+10)")
    _, md = build_model(kit.instance(_tiny_assay(kit, 1e-8)), pyomo=False)
    assert scan_numerics(md, compile_arrays(md)) == []


def test_numerics_warning_in_cli_and_summary(kit, tmp_path):
    """The CLI prints the warning on stderr and writes it into summary.json; exit 0."""
    inst = write_csv_folder(_tiny_assay(kit, 1e-10), tmp_path / "instance")
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", str(inst), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "warning: plant_output (period P1, plant P, element Dy" in res.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["warnings"]) == 1
    assert "coefficients from 1e-10 to 1" in summary["warnings"][0]


def test_well_scaled_instance_has_no_warnings(kit):
    """Coefficients 0.5 and 1, costs 10 to 500: nothing to report."""
    run = kit.solve(_earning(kit))
    assert run.warnings == [] and run.summary()["warnings"] == []


# --------------------------------------------------------------------------- time limits


def _facility_location(kit, n_plants=60, n_demands=60, n_periods=2, seed=2,
                       tiny_assay: float | None = None) -> dict:
    """A capacitated facility-location MIP: greenfield plants, one module each, random lanes.

    HiGHS takes about 5 s to prove optimality (HiGHS 1.16 with the tool's options, gap 0, on
    the 2-core machine, 2026-12-07; 25 plants × 25 demands took 1.4 s with HiGHS's sub-MIP
    heuristics and 0.8 s without, too short for the signal tests below), but finds a plan
    within a fraction of a second (building nothing and leaving demand unmet at 400 USD/t is
    always feasible). ``tiny_assay`` adds an unused mine whose Dy assay makes
    a numerical warning: the CLI prints it just before the solve starts.
    """
    rng = np.random.default_rng(seed)
    periods = [f"T{t}" for t in range(n_periods)]
    plants, rec, mods, lanes, dems, dq = [], [], [], [], [], []
    for i in range(n_plants):
        plants.append({"plant": f"P{i}", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0})
        rec.append({"plant": f"P{i}", "element": "Nd", "recovery": 1.0})
        mods.append({"module": f"K{i}", "site": f"P{i}",
                     "capacity_t": float(rng.integers(30, 80)),
                     "capex_usd": float(rng.integers(2000, 6000)), "max_count": 1,
                     "earliest_period": periods[0]})
        lanes.append({"origin": "M", "destination": f"P{i}"})
    for j in range(n_demands):
        dems.append({"demand": f"D{j}", "country": "A", "end_use": "ev",
                     "lost_value_usd_per_t": 400})
        dq += [{"demand": f"D{j}", "element": "Nd", "period": p,
                "quantity_t": float(rng.integers(5, 20))} for p in periods]
        lanes += [{"origin": f"P{i}", "destination": f"D{j}",
                   "cost_usd_per_t": float(rng.integers(1, 100))} for i in range(n_plants)]
    mines = [{"mine": "M", "country": "A", "capacity_t": 1e6, "cost_usd_per_t": 1}]
    assays = [{"mine": "M", "element": "Nd", "share": 1.0}]
    if tiny_assay:
        mines.append({"mine": "M_tiny", "country": "B", "capacity_t": 1, "cost_usd_per_t": 1})
        assays.append({"mine": "M_tiny", "element": "Dy", "share": tiny_assay})
        rec.append({"plant": "P0", "element": "Dy", "recovery": 1.0})
        lanes.append({"origin": "M_tiny", "destination": "P0"})
        dq.append({"demand": "D0", "element": "Dy", "period": periods[0], "quantity_t": 0})
    return kit.sheets(periods=periods, mines=mines, mine_assays=assays, plants=plants,
                      plant_recoveries=rec, modules=mods, demands=dems, demand_quantities=dq,
                      lanes=lanes)


def test_time_limit_returns_best_plan_with_gap(kit):
    """With --allow-nonoptimal the plan found at 0.5 s comes back as 'feasible' with its gap.

    The gap is what HiGHS proves: (plan − bound)/plan > 0, and the bound is below the plan.
    """
    inst = kit.instance(_facility_location(kit))
    run = solve(inst, SolveOptions(time_limit_s=0.5, mip_rel_gap=0, allow_nonoptimal=True))
    o = run.outcome
    assert (o.termination, o.status, o.has_solution) == ("time_limit", "feasible", True)
    assert o.gap > 0
    assert o.best_bound < o.objective
    assert o.gap == pytest.approx((o.objective - o.best_bound) / abs(o.objective), rel=1e-6)
    assert run.verification.get("ok", True)
    assert run.summary()["status"] == "feasible"


def test_time_limit_cli_exit_codes(kit, tmp_path):
    """0.5 s: exit 3 with the gap, or exit 0 with --allow-nonoptimal; 1e-6 s: no plan, exit 3."""
    inst = write_csv_folder(_facility_location(kit), tmp_path / "instance")
    runner = CliRunner()
    base = ["solve", str(inst), "--quiet", "--mip-gap", "0"]
    res = runner.invoke(app, base + ["--out", str(tmp_path / "a"), "--time-limit", "0.5"])
    assert res.exit_code == 3, res.output
    assert "stopped at the time limit of 0.5 s with a plan" in res.stderr
    assert "% of the best possible (gap); pass --allow-nonoptimal" in res.stderr
    assert not (tmp_path / "a" / "tables").exists()

    res = runner.invoke(app, base + ["--out", str(tmp_path / "b"), "--time-limit", "0.5",
                                     "--allow-nonoptimal"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("feasible: expected cost USD ")
    assert "(gap " in res.stdout
    assert "note: the solver stopped (time_limit) before proving this plan optimal" in res.stderr
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "feasible" and summary["gap"] > 0

    res = runner.invoke(app, base + ["--out", str(tmp_path / "c"), "--time-limit", "1e-6",
                                     "--allow-nonoptimal"])
    assert res.exit_code == 3, res.output
    assert "no plan found: the solver stopped at the time limit of 1e-06 s before finding any " \
           "plan" in res.stderr
    summary = json.loads((tmp_path / "c" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "no_solution"


# --------------------------------------------------------------------------- Ctrl-C


def test_sigint_during_solve_raises_keyboard_interrupt(kit):
    """In-process: SIGINT 1 s into a ~5 s MIP solve stops HiGHS within a second or two.

    The model is compiled before the timer starts, so the signal lands inside the solve.
    """
    _, md = build_model(kit.instance(_facility_location(kit)), pyomo=False)
    compiled = compile_arrays(md)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            solve_compiled(md, compiled, SolveOptions(mip_rel_gap=0))
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 3.5


def test_sigint_during_solve_cli(kit, tmp_path):
    """Subprocess: Ctrl-C while HiGHS runs → exit 130, the message, no output folder.

    The instance carries one numerical warning, which the CLI prints right before the solve
    starts: the signal is sent 0.5 s after that line, inside a solve of about 5 s.
    """
    inst = write_csv_folder(_facility_location(kit, tiny_assay=1e-12), tmp_path / "instance")
    out = tmp_path / "out" / "run"
    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "solve", str(inst), "--out",
                             str(out), "--quiet", "--mip-gap", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()  # blocks until the warning (or an early exit)
    assert line.startswith("warning: plant_output"), line + proc.stderr.read()
    time.sleep(0.5)
    t0 = time.perf_counter()
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert time.perf_counter() - t0 < 3.5, "the solve was not interrupted"
    assert proc.returncode == 130, stderr
    assert "interrupted: nothing was written" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
