"""The live model (optimizer/live.py) against a full rebuild.

A batch run applied to the live model must hand HiGHS exactly the model a rebuild of the
overridden instance would: the same row bounds, costs and matrix entries. These tests hold
``FAMILIES``' declared reads to that for every overridable column of the schema on the shipped
baseline (which has rows in every data sheet), and check that runs whose structure changes
are declined (the batch then rebuilds) rather than solved wrongly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.api import load_instance, solve
from optimizer.formulation import build_model
from optimizer.instance import Override
from optimizer.live import LiveModel
from optimizer.scenario import with_overrides
from optimizer.schema import SHEETS
from optimizer.solve import SolveOptions, compile_arrays

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "instances" / "ree_baseline_10q.xlsx"  # the small variant: a quick model
OVERRIDABLE = [(s.name, c.name) for s in SHEETS for c in s.columns if c.overridable]


@pytest.fixture(scope="module")
def baseline():
    """The shipped baseline plus two cells it leaves blank, so every overridable column has data.

    At most 60 % of the EV supply processed in China (an end-use share limit), a lost value
    of its own on the first ``demand_quantities`` row (twice its node's), and a service floor
    of 50 % of the first demand node's end use's Nd (sheet ``service_levels``; the baseline
    serves all Nd, so the floor never binds and the sweep below stays feasible), a
    closing minimum of 0 t on the first stockpile, and a supply contract K with the first
    trader (sheet ``contracts``: fee, its spot price, take-or-pay 1 t, at most 5 t per
    period).
    """
    from dataclasses import replace

    import pandas as pd

    inst = load_instance(BASELINE)
    limits = inst.table("end_use_limits")
    extra = pd.DataFrame([{"excel_row": int(limits["excel_row"].max()) + 1, "country": "CHN",
                           "basis": "processed", "end_use": "ev", "element": "*",
                           "max_t": None, "max_share": 0.6}])
    limits = pd.concat([limits, extra], ignore_index=True)
    quantities = inst.table("demand_quantities").copy()
    node_value = inst.table("demands").set_index("demand")["lost_value_usd_per_t"]
    quantities.loc[0, "lost_value_usd_per_t"] = 2 * float(node_value[quantities.loc[0, "demand"]])
    floors = pd.DataFrame([{"excel_row": 2, "end_use": inst.table("demands")["end_use"].iat[0],
                            "element": "Nd", "min_served_share": 0.5}])
    stock = inst.table("stockpiles").copy()
    stock.loc[0, "closing_min_t"] = 0.0  # a closing minimum that never binds (starts empty)
    trader = inst.table("traders").iloc[0]
    contracts = pd.DataFrame([{"excel_row": 2, "contract": "K", "trader": trader["trader"],
                               "decision": "adaptive", "fee_usd": 1e6,
                               "price_usd_per_t": float(trader["price_usd_per_t"]),
                               "min_take_t": 1.0, "max_t": 5.0, "first_period": None,
                               "last_period": None, "earliest_decision_period": None,
                               "last_decision_period": None}])
    return replace(inst, tables={**inst.tables, "end_use_limits": limits,
                                 "demand_quantities": quantities, "service_levels": floors,
                                 "stockpiles": stock, "contracts": contracts})


@pytest.fixture(scope="module")
def live(baseline):
    """One live model of the baseline, shared by the column checks."""
    return LiveModel(baseline, SolveOptions(mip_rel_gap=0))


def rebuilt_arrays(inst, overrides) -> dict:
    """What HiGHS receives from a full rebuild of ``inst`` with ``overrides``."""
    _, md = build_model(with_overrides(inst, overrides), pyomo=False)
    lp = compile_arrays(md).lp
    return {"con_ix": md.con_ix, "row_lower": np.array(lp.row_lower_),
            "row_upper": np.array(lp.row_upper_), "cost": np.array(lp.col_cost_),
            "value": np.array(lp.a_matrix_.value_),
            "index": np.array(lp.a_matrix_.index_), "start": np.array(lp.a_matrix_.start_)}


def live_arrays(live: LiveModel, overrides) -> dict | str:
    """What the live model would hand HiGHS for ``overrides``, or why it declines."""
    prepared = live.run_data(overrides)
    if isinstance(prepared, str):
        return prepared
    _, md, rebuilt = prepared
    return {**live.run_arrays(md, rebuilt), "con_ix": md.con_ix}


def assert_same_model(live: LiveModel, got: dict, want: dict, what: str) -> None:
    """Same nonzero pattern as the live model's, same bounds, costs and coefficients."""
    assert np.array_equal(live.csc_start, want["start"]), what
    assert np.array_equal(live.csc_row32, want["index"]), what
    for k in ("row_lower", "row_upper", "cost", "value"):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-13, atol=0, err_msg=f"{what}: {k}")
    for name, ix in want["con_ix"].items():  # what the shadow-price tables show
        for col in ("rhs", "value"):
            if col in ix.columns:
                np.testing.assert_allclose(got["con_ix"][name][col].to_numpy(float),
                                           ix[col].to_numpy(float), rtol=1e-13,
                                           err_msg=f"{what}: {name}.{col}")


@pytest.mark.parametrize(("sheet", "column"), OVERRIDABLE)
def test_every_overridable_column_matches_a_rebuild(baseline, live, sheet, column):
    """The live model's data equals a rebuild's, entry by entry, for every column.

    Each column is scaled by 0.73 on every row and, separately, one row's value is set from
    a period on.

    A wrong or missing read declared in ``optimizer.formulation.FAMILIES`` shows up here as
    a differing right-hand side, cost or coefficient. The baseline has rows in every sheet
    that has overridable columns, so no case is vacuous (asserted).
    """
    table = baseline.table(sheet)
    values = table[column].dropna()
    assert len(values), f"baseline has no {sheet}.{column} data: the check would be vacuous"
    spec = next(s for s in SHEETS if s.name == sheet)
    cases = [(Override(sheet, ("*",) * len(spec.key), column, 0.73, "scale"),)]
    row = values.index[0]
    key = tuple("'*'" if str(table[k].iat[row]) == "*" else str(table[k].iat[row])
                for k in spec.key)
    if sheet != "modules":  # first-stage data takes no from_period
        value = float(values.iat[0])
        cases.append((Override(sheet, key, column, value * 0.5 if value else 0.5, "set",
                               baseline.periods[3]),))
    for overrides in cases:
        got = live_arrays(live, overrides)
        if isinstance(got, str):  # declined: must be a genuine change of structure
            pytest.fail(f"{overrides[0].describe()} declined: {got}")
        assert_same_model(live, got, rebuilt_arrays(baseline, overrides), overrides[0].describe())


def test_structure_change_is_declined(baseline, live):
    """A blank quota cell given a value adds a row: the live model must not solve it."""
    quotas = baseline.table("export_quotas")
    blank = quotas[quotas["cap_t"].isna()]
    if blank.empty:  # the baseline's quotas are all set: blank a lane capacity instead
        lanes = baseline.table("lanes")
        row = lanes[lanes["capacity_t"].isna()].iloc[0]
        ov = Override("lanes", (row["origin"], row["destination"]), "capacity_t", 5.0)
    else:
        row = blank.iloc[0]
        ov = Override("export_quotas", (row["country"], row["product"], str(row["period"])),
                      "cap_t", 5.0)
    reason = live.run_data((ov,))
    assert isinstance(reason, str) and "change" in reason
    assert live.solve((ov,)) is None


def test_sweep_solves_like_a_rebuild(baseline):
    """A sweep solved run after run on one live model equals fresh solves.

    China's Dy export quota: each optimum and status-quo cost equals a fresh ``api.solve`` of
    the same overrides (MIP gap 0, so the optima are exact), and every run stays live.
    """
    from optimizer.batch.definition import parse_sweep

    options = SolveOptions(mip_rel_gap=0)
    live = LiveModel(baseline, options)
    for run in parse_sweep("export_quotas:CHN,Dy:cap_t=0..100%:4"):
        got = live.solve(run.overrides)
        want = solve(baseline, options, run.overrides)
        assert got is not None
        assert got.outcome.warm_start == "live"
        assert got.objective == pytest.approx(want.objective, rel=1e-9)
        sq_got = got.tables["status_quo_summary"]["objective_usd"].iat[0]
        sq_want = want.tables["status_quo_summary"]["objective_usd"].iat[0]
        assert sq_got == pytest.approx(sq_want, rel=1e-9)
        assert got.verification["ok"]
    assert live.runs == {"live": 4, "declined": 0}


def test_fixed_builds_status_quo_is_no_builds(kit):
    """With fixed builds, the status quo is the plan with no builds, on both paths.

    The two-scenario micro-instance of tests/test_batch.py (its docstring): with the builds
    fixed to 1×j the plan costs K + 75 = 375 in both scenarios; the status quo (no builds)
    buys 15 t from T at 10 in calm and leaves 15 t unmet at 50 in cut: (150 + 750) / 2 = 450.
    Both paths must say so; the rebuild path used to re-solve the fixed model and report 375
    as the status quo.

    T's price × 2 (20 USD/t) then moves only the status quo: (300 + 750) / 2 = 525.
    """
    from test_batch import micro_sheets

    inst = kit.instance(micro_sheets())
    options = SolveOptions(mip_rel_gap=0, fixed_builds=(("j", "P1", 1),))
    live = LiveModel(inst, options)
    price = (Override("traders", ("T",), "price_usd_per_t", 2.0, "scale"),)
    for overrides, plan, status_quo in (((), 375, 450), (price, 375, 525)):
        for run in (solve(inst, options, overrides), live.solve(overrides)):
            assert run.objective == pytest.approx(plan)
            sq = run.tables["status_quo_summary"]["objective_usd"].iat[0]
            assert sq == pytest.approx(status_quo)
    assert live.runs["live"] == 2


def test_unchanged_price_tables_are_copies_of_the_last_runs(baseline, monkeypatch):
    """A run whose duals, activities and right-hand sides equal the last run's takes copies
    of the last run's shadow-price tables instead of building them; each run owns its copy.

    Run A and run B have the same overrides, so B (warm from A's optimal basis, same data)
    has A's solution: no price table of B is built, and each equals A's. Writing into A's
    table changes neither B's nor that of run D (A's overrides again, right after B). Run C
    halves China's Dy quota: at least its quota table (new right-hand sides) is built.
    """
    from optimizer import result_prices

    built = []
    build = result_prices._build_family_prices
    monkeypatch.setattr(result_prices, "_build_family_prices",
                        lambda md, fam, *a: built.append(fam) or build(md, fam, *a))
    live = LiveModel(baseline, SolveOptions(mip_rel_gap=0))
    a = live.solve((), compare_status_quo=False, verify=False)
    assert len(built) >= 10
    built.clear()
    b = live.solve((), compare_status_quo=False, verify=False)
    names = [n for n in a.tables if n.startswith("dual_")]
    assert len(names) >= 10 and built == []
    for name in names:
        assert b.tables[name] is not a.tables[name]
        pd.testing.assert_frame_equal(b.tables[name], a.tables[name], check_exact=True)
    want = b.tables["dual_demand_balance"].copy()
    a.tables["dual_demand_balance"].loc[0, "shadow_price"] = 123.0
    d = live.solve((), compare_status_quo=False, verify=False)
    assert built == []
    pd.testing.assert_frame_equal(b.tables["dual_demand_balance"], want, check_exact=True)
    pd.testing.assert_frame_equal(d.tables["dual_demand_balance"], want, check_exact=True)
    quota = (Override("export_quotas", ("CHN", "Dy"), "cap_t", 0.5, "scale"),)
    live.solve(quota, compare_status_quo=False, verify=False)
    assert "export_quota_cap" in built
