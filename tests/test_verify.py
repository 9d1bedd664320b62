"""The independent verifier: it passes real solves and catches corrupted ones.

The instances are built in code. ``rich_frames`` exercises every constraint family at once
(stochastic: a Chinese cut-off from P2 in scenario ``cn_cut``); ``tiny_frames`` is small enough
to solve by hand. Each corruption below breaks one family on purpose; the test asserts the
verifier flags that family and names the corrupted row.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.api import solve
from optimizer.errors import SolverError
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.io.write import write_csv_folder
from optimizer.solve import SolveOptions
from optimizer.verify import ABS_TOL, FAMILIES, verify_run

EXACT = SolveOptions(mip_rel_gap=0)


def rich_frames() -> dict:
    """Every family: mines, plants, a trader, a stockpile, modules, tariffs, quotas, rules."""
    periods = ["P1", "P2", "P3"]
    q = []
    for i, p in enumerate(periods):
        q += [dict(demand="us_def", element="Nd", period=p, quantity_t=4),
              dict(demand="us_def", element="Dy", period=p, quantity_t=1),
              dict(demand="us_ev", element="Nd", period=p, quantity_t=30 + 5 * i),
              dict(demand="us_ev", element="Dy", period=p, quantity_t=6)]
    return {
        "periods": [dict(period="P1", discount_factor=1.0), dict(period="P2", discount_factor=0.95),
                    dict(period="P3", discount_factor=0.9)],
        "countries": [dict(country=c) for c in ("CN", "AU", "US", "MY")],
        "elements": [dict(element="Nd", reference_price_usd_per_t=100),
                     dict(element="Dy", reference_price_usd_per_t=400)],
        "mines": [dict(mine="cn_mine", country="CN", capacity_t=100, cost_usd_per_t=10),
                  dict(mine="au_mine", country="AU", capacity_t=40, cost_usd_per_t=20),
                  dict(mine="us_mine", country="US", capacity_t=0, cost_usd_per_t=15,
                       first_period="P2")],
        "mine_assays": [dict(mine="cn_mine", element="Nd", share=0.5),
                        dict(mine="cn_mine", element="Dy", share=0.1),
                        dict(mine="au_mine", element="Nd", share=0.4),
                        dict(mine="au_mine", element="Dy", share=0.05),
                        dict(mine="us_mine", element="Nd", share=0.3),
                        dict(mine="us_mine", element="Dy", share=0.02)],
        "plants": [dict(plant="cn_plant", country="CN", capacity_t=200, opex_usd_per_t=5),
                   dict(plant="my_plant", country="MY", capacity_t=30, opex_usd_per_t=8),
                   dict(plant="us_plant", country="US", capacity_t=0, opex_usd_per_t=10)],
        "plant_recoveries": [dict(plant=p, element=e, recovery=0.9)
                             for p in ("cn_plant", "my_plant", "us_plant") for e in ("Nd", "Dy")],
        "traders": [dict(trader="cn_trader", country="CN", element="Dy", capacity_t=5,
                         price_usd_per_t=600)],
        "stockpiles": [dict(stockpile="us_stock", country="US", element="Dy", initial_t=3,
                            capacity_t=10, holding_cost_usd_per_t=2,
                            closing_min_t=0)],  # never binds: only gives stock_closing rows
        "demands": [dict(demand="us_def", country="US", end_use="defence", military=True,
                         must_serve=True),
                    dict(demand="us_ev", country="US", end_use="ev", lost_value_usd_per_t=5000)],
        "demand_quantities": q,
        "lanes": [dict(origin="cn_mine", destination="cn_plant", cost_usd_per_t=1),
                  dict(origin="au_mine", destination="my_plant", cost_usd_per_t=3, capacity_t=28),
                  dict(origin="au_mine", destination="us_plant", cost_usd_per_t=6),
                  dict(origin="us_mine", destination="us_plant", cost_usd_per_t=1),
                  dict(origin="cn_plant", destination="us_ev", cost_usd_per_t=4),
                  dict(origin="my_plant", destination="us_def", cost_usd_per_t=5),
                  dict(origin="my_plant", destination="us_ev", cost_usd_per_t=5),
                  dict(origin="us_plant", destination="us_def", cost_usd_per_t=1),
                  dict(origin="us_plant", destination="us_ev", cost_usd_per_t=1),
                  dict(origin="cn_trader", destination="us_ev", cost_usd_per_t=4),
                  dict(origin="cn_trader", destination="us_stock", cost_usd_per_t=4),
                  dict(origin="us_stock", destination="us_def", cost_usd_per_t=0.5),
                  dict(origin="us_stock", destination="us_ev", cost_usd_per_t=0.5)],
        "tariffs": [dict(origin_country="CN", destination_country="US", product="*",
                         ad_valorem=0.25, per_t_usd=1),
                    dict(origin_country="CN", destination_country="US", product="Dy",
                         ad_valorem=0.5),
                    dict(origin_country="AU", destination_country="MY", product="concentrate",
                         per_t_usd=2)],
        "modules": [dict(module="us_plant_mod", site="us_plant", capacity_t=30, capex_usd=1000,
                         fixed_om_usd=10, earliest_period="P2", max_count=2),
                    dict(module="us_mine_mod", site="us_mine", capacity_t=20, capex_usd=500)],
        "export_quotas": [dict(country="CN", product="Dy", cap_t=4),
                          dict(country="CN", product="*", period="P3", cap_t=50),
                          dict(country="AU", product="concentrate", cap_t=35)],
        "end_use_limits": [dict(country="CN", basis="either", end_use="defence", max_t=0),
                           dict(country="CN", basis="processed", end_use="ev", max_share=0.6)],
        "diversification_caps": [dict(end_use="ev", basis="processed", max_share=0.7)],
        # A floor of 0 changes no optimum (unmet ≤ demand holds anyway) but gives the
        # verifier's service_floor family rows to check.
        "service_levels": [dict(end_use="ev", element="*", min_served_share=0.0)],
        # A contract for Chinese Dy that may deliver nothing (max_t 0) and costs a fee of 1:
        # never signed, so no optimum changes (HiGHS's presolve removes its columns), but every
        # contract family of the verifier has rows to check.
        "contracts": [dict(contract="cn_dy_licence", trader="cn_trader", fee_usd=1,
                           price_usd_per_t=600, max_t=0, first_period="P3",
                           earliest_decision_period="P3")],
        "scenarios": [dict(scenario="base", probability=0.6),
                      dict(scenario="cn_cut", probability=0.4)],
        "scenario_changes": [
            dict(scenario="cn_cut", sheet="export_quotas", key="CN", column="cap_t", value=0,
                 from_period="P2"),
            dict(scenario="cn_cut", sheet="traders", key="cn_trader", column="capacity_t",
                 value=0, from_period="P2")],
    }


def tiny_frames() -> dict:
    """One mine (AU) → one plant (MY) → one demand (US) over two periods; see the test."""
    return {
        "periods": [dict(period="P1", discount_factor=1.0), dict(period="P2", discount_factor=0.5)],
        "countries": [dict(country=c) for c in ("AU", "MY", "US")],
        "elements": [dict(element="Nd", reference_price_usd_per_t=50)],
        "mines": [dict(mine="m", country="AU", capacity_t=100, cost_usd_per_t=10)],
        "mine_assays": [dict(mine="m", element="Nd", share=0.5)],
        "plants": [dict(plant="p", country="MY", capacity_t=100, opex_usd_per_t=4)],
        "plant_recoveries": [dict(plant="p", element="Nd", recovery=0.8)],
        "demands": [dict(demand="d", country="US", end_use="ev", lost_value_usd_per_t=1000)],
        "demand_quantities": [dict(demand="d", element="Nd", period=p, quantity_t=8)
                              for p in ("P1", "P2")],
        "lanes": [dict(origin="m", destination="p", cost_usd_per_t=2),
                  dict(origin="p", destination="d", cost_usd_per_t=3)],
        "tariffs": [dict(origin_country="AU", destination_country="MY", product="concentrate",
                         ad_valorem=0.1, per_t_usd=0.5),
                    dict(origin_country="MY", destination_country="US", product="*",
                         ad_valorem=0.5),
                    dict(origin_country="MY", destination_country="US", product="Nd",
                         ad_valorem=0.2)],
    }


def build(frames: dict):
    return validate(raw_from_frames(frames), "test")


@pytest.fixture(scope="module")
def rich_run():
    inst = build(rich_frames())
    return inst, solve(inst, EXACT)


def failing(report: dict) -> set[str]:
    return {f for f, v in report["by_family"].items() if v > ABS_TOL}


def corrupt(tables: dict, name: str, where: dict, column: str, fn) -> dict:
    """A deep copy of ``tables``; ``fn`` applied to ``column`` of the rows matching ``where``."""
    out = {k: v.copy() for k, v in copy.deepcopy(tables).items()}
    df = out[name]
    mask = np.ones(len(df), dtype=bool)
    for col, value in where.items():
        mask &= (df[col].isin(value) if isinstance(value, (list, tuple)) else df[col] == value)
    assert mask.any(), f"no row of {name} matches {where}"
    df.loc[mask, column] = fn(df.loc[mask, column].astype(float))
    return out


BOTH = ["base", "cn_cut"]  # P1 is shared by both scenarios: change both, or break NA too


def test_real_solve_passes_and_every_family_is_exercised(rich_run):
    inst, run = rich_run
    rep = run.verification
    assert rep["checked"] and rep["ok"], rep
    assert rep["max_violation"] <= ABS_TOL
    assert set(rep["by_family"]) == set(FAMILIES)
    # Every family had rows to check on this instance: none of them passes vacuously.
    assert all(rep["rows_checked"][f] > 0 for f in FAMILIES), rep["rows_checked"]
    assert rep["objective_recomputed"] == pytest.approx(run.objective, rel=1e-9)
    # The expected cost is also the probability-weighted sum of the scenario costs.
    sc = run.tables["scenario_costs"]
    assert rep["objective_recomputed"] == pytest.approx(
        float((sc["probability"] * sc["cost_usd"]).sum()), rel=1e-9)


def test_objective_derived_by_hand():
    r"""Tiny instance: 8 t Nd per period must reach d (lost value 1000 USD/t ≫ cost).

    Concentrate needed: 8 / (0.5 assay × 0.8 recovery) = 20 t REO per period.
    Per t concentrate: mining 10 + processing 4 + lane 2 + tariff AU→MY concentrate
    (0.1 × customs 10 (mine cost) + 0.5) = 17.5 USD → 350 USD per period.
    Per t Nd: lane 3 + tariff MY→US (the Nd row, 0.2, wins over '*' 0.5) × 50 reference
    price = 13 USD → 104 USD per period. Per period 454; discounted 454 × (1 + 0.5) = 681.
    """
    inst = build(tiny_frames())
    run = solve(inst, EXACT)
    assert run.objective == pytest.approx(681.0, rel=1e-9)
    rep = run.verification
    assert rep["ok"]
    assert rep["objective_recomputed"] == pytest.approx(681.0, rel=1e-9)
    # The same flows priced with the '*' row would cost 20 USD/t more Nd: 8 × 7 × 1.5 = 84.
    wrong = verify_run(inst, run.tables, 681.0 + 84.0)
    assert not wrong["ok"] and wrong["worst"]["family"] == "objective"


def test_objective_with_module_annuity_by_hand():
    r"""The tiny instance with no existing plant capacity: a module must be built in P1.

    Module: capex 400, fixed O&M 10 per period, life 4 periods. The annual rate 0.21 at 2
    periods per year gives i = 1.21^(1/2) − 1 = 0.1 per period, so the annuity factor is
    crf = 0.1 / (1 − 1.1^−4) = 0.1 / (1 − 1/1.4641) = 0.3154708 and the two periods of its
    life inside the horizon cost 400 × 0.3154708 × (1 + 0.5) = 189.28248 (not the full 400).
    Fixed O&M: 10 × (1 + 0.5) = 15. Flows as in the test above: 681. Total 885.28248.
    """
    frames = tiny_frames()
    frames["settings"] = [dict(setting="discount_rate_per_year", value="0.21"),
                          dict(setting="periods_per_year", value="2")]
    frames["plants"][0]["capacity_t"] = 0
    frames["modules"] = [dict(module="px", site="p", capacity_t=25, capex_usd=400,
                              fixed_om_usd=10, lifetime_periods=4)]
    inst = build(frames)
    run = solve(inst, EXACT)
    expected = 681.0 + 400 * 0.1 / (1 - 1 / 1.4641) * 1.5 + 15.0
    assert expected == pytest.approx(885.28248, abs=1e-5)
    assert run.verification["ok"], run.verification["worst"]
    assert run.verification["objective_recomputed"] == pytest.approx(expected, rel=1e-9)
    assert run.objective == pytest.approx(expected, rel=1e-9)


CORRUPTIONS = {
    # family: (table, rows, column, change, words the worst row must contain, exact failing set)
    "mine_capacity": ("flows", dict(scenario=BOTH, period="P1", origin="cn_mine"), "tonnes",
                      lambda x: x * 0 + 150, ["cn_mine", "P1"], {"mine_capacity"}),
    "lane_capacity": ("flows", dict(scenario="cn_cut", period="P3", origin="au_mine",
                                    destination="my_plant"), "tonnes",
                      lambda x: x * 0 + 29, ["au_mine", "my_plant"], None),
    # The verifier reads a plan's builds per scenario (builds_by_scenario): a contingent
    # build belongs to the scenarios of its branch only.
    "plant_capacity": ("builds_by_scenario", dict(module="us_plant_mod"), "count",
                       lambda x: x * 0, ["us_plant"], {"plant_capacity"}),
    "demand_balance": ("flows", dict(scenario=BOTH, period="P1", origin="my_plant",
                                     destination="us_def", product="Nd"), "tonnes",
                       lambda x: x - 1, ["us_def", "Nd"], {"demand_balance"}),
    "must_serve": ("unmet_demand", dict(scenario="cn_cut", period="P3", demand="us_def",
                                        element="Nd"), "unmet_t",
                   lambda x: x + 0.5, ["must-serve", "us_def"], {"demand_balance"}),
    "stock_balance": ("stocks", dict(scenario="base", period="P2", stockpile="us_stock",
                                     mined_country="CN"), "stock_t",
                      lambda x: x + 1, ["us_stock", "CN"], {"stock_balance"}),
    "stock_capacity": ("stocks", dict(scenario="base", period="P3", stockpile="us_stock",
                                      mined_country="US"), "stock_t",
                       lambda x: x + 20, ["us_stock"], None),
    "plant_output": ("flows", dict(scenario="base", period="P3", origin="cn_plant",
                                   product="Nd"), "tonnes",
                     lambda x: x + 2, ["cn_plant", "Nd"], None),
    "trader_capacity": ("flows", dict(scenario=BOTH, period="P1", origin="cn_trader"), "tonnes",
                        lambda x: x * 0 + 6, ["cn_trader"], None),
    "export_quota_cap": ("flows", dict(scenario="cn_cut", period="P2", origin="au_mine",
                                       destination="us_plant"), "tonnes",
                         lambda x: x + 1, ["AU", "concentrate"], {"export_quota_cap"}),
    "module_build_limit": ("builds_by_scenario", dict(module="us_plant_mod"), "count",
                           lambda x: x * 0 + 3, ["us_plant_mod"], {"module_build_limit"}),
    "non_negativity": ("flows", dict(scenario="base", period="P3", origin="my_plant",
                                     destination="us_ev", product="Nd"), "tonnes",
                       lambda x: -x, ["my_plant"], None),
    "non_anticipativity": ("flows", dict(scenario="cn_cut", period="P1", origin="my_plant",
                                         destination="us_ev", product="Nd"), "tonnes",
                           lambda x: x - 1, ["base+cn_cut", "my_plant"], None),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corruption_is_caught_and_attributed(rich_run, case):
    inst, run = rich_run
    table, where, column, fn, words, exact = CORRUPTIONS[case]
    family = "demand_balance" if case == "must_serve" else case
    bad = corrupt(run.tables, table, where, column, fn)
    rep = verify_run(inst, bad, run.objective)
    assert not rep["ok"]
    assert family in failing(rep), rep["by_family"]
    assert all(w in rep["worst_rows"][family] for w in words), rep["worst_rows"][family]
    if exact is not None:
        assert failing(rep) == exact, rep["worst_rows"]


def test_unmet_compensated_drop_breaks_only_non_anticipativity(rich_run):
    """Serve 1 t less in cn_cut's P1 and book it as unmet: feasible, but it anticipates.

    The optimum sends 14.01 t of Chinese Nd to ev in P1: 0.6 × (14.01 + 6.08 Nd from MY +
    1.26 Dy from MY + 2 Dy from stock) = 14.01 (the share limit binds), so cutting Chinese
    supply keeps every other rule satisfied.
    """
    inst, run = rich_run
    where = dict(scenario="cn_cut", period="P1", demand="us_ev", element="Nd")
    bad = corrupt(run.tables, "unmet_demand", where, "unmet_t", lambda x: x + 1)
    bad = corrupt(bad, "flows", dict(scenario="cn_cut", period="P1", origin="cn_plant",
                                     destination="us_ev", product="Nd"), "tonnes", lambda x: x - 1)
    rep = verify_run(inst, bad, run.objective)
    assert failing(rep) == {"non_anticipativity"}, rep["worst_rows"]
    # Scaled spread: 1 t over the larger value of the row. The flow row gives 1/14.01; the
    # unmet row gives 1/(30 − 14.01 − 6.08 + 1) = 1/10.91, the worse of the two.
    assert rep["by_family"]["non_anticipativity"] == pytest.approx(1 / 10.91, rel=1e-6)


def test_banned_material_to_defence_is_caught(rich_run):
    """Divert 0.5 t of base P3's Chinese-processed Dy from ev to defence (CN is banned there).

    The ev demand loses the same 0.5 t, booked as unmet, and defence receives 0.5 t less of
    its other Dy (0.325 t AU/MY from my_plant, 0.175 t AU/US from us_plant, which those plants
    now dispose of: plant_output is ≤), so defence still receives exactly its demand, balances
    still hold and no share cap moves past its limit: only the ban (end_use_tonnage_limit,
    max_t 0 for CN on either basis) is broken, by exactly 0.5 t.
    """
    inst, run = rich_run
    tables = copy.deepcopy(run.tables)
    flows = tables["flows"]
    k = flows.index[(flows["scenario"] == "base") & (flows["period"] == "P3")
                    & (flows["origin"] == "us_stock") & (flows["destination"] == "us_ev")
                    & (flows["mined_in"] == "CN")]
    assert len(k) == 1 and flows.loc[k[0], "tonnes"] > 0.5
    diverted = flows.loc[k].copy()
    diverted["destination"] = "us_def"
    diverted["tonnes"] = 0.5
    flows.loc[k[0], "tonnes"] -= 0.5
    for origin, mined, processed, less in (("my_plant", "AU", "MY", 0.325),
                                           ("us_plant", "AU", "US", 0.175)):
        j = flows.index[(flows["scenario"] == "base") & (flows["period"] == "P3")
                        & (flows["origin"] == origin) & (flows["destination"] == "us_def")
                        & (flows["product"] == "Dy") & (flows["mined_in"] == mined)
                        & (flows["processed_in"] == processed)]
        assert len(j) == 1 and flows.loc[j[0], "tonnes"] >= less - 1e-9
        flows.loc[j[0], "tonnes"] = max(flows.loc[j[0], "tonnes"] - less, 0.0)
    tables["flows"] = pd.concat([flows, diverted], ignore_index=True)
    un = tables["unmet_demand"]
    un.loc[(un["scenario"] == "base") & (un["period"] == "P3") & (un["demand"] == "us_ev")
           & (un["element"] == "Dy"), "unmet_t"] += 0.5
    rep = verify_run(inst, tables, run.objective)
    assert failing(rep) == {"end_use_tonnage_limit"}, rep["worst_rows"]
    row = rep["worst_rows"]["end_use_tonnage_limit"]
    assert "defence" in row and "country=CN" in row
    assert rep["worst"]["excess"] == pytest.approx(0.5, rel=1e-9)


def test_share_and_diversification_caps_are_caught(rich_run):
    """Drop the non-Chinese Nd to ev in P1 (both scenarios): CN's share of ev jumps."""
    inst, run = rich_run
    bad = corrupt(run.tables, "flows", dict(scenario=BOTH, period="P1", origin="my_plant",
                                            destination="us_ev", product="Nd"), "tonnes",
                  lambda x: x * 0)
    bad = corrupt(bad, "unmet_demand", dict(scenario=BOTH, period="P1", demand="us_ev",
                                            element="Nd"), "unmet_t", lambda x: x + 6.08)
    rep = verify_run(inst, bad, run.objective)
    assert failing(rep) == {"end_use_share_limit", "diversification_cap"}, rep["worst_rows"]
    # Nd to ev in P1 is now all Chinese-processed: share 1 against a cap of 0.7.
    assert "element=Nd" in rep["worst_rows"]["diversification_cap"]


def test_structure_flow_on_missing_lane(rich_run):
    inst, run = rich_run
    tables = copy.deepcopy(run.tables)
    extra = tables["flows"].iloc[[0]].copy()
    extra["origin"], extra["destination"] = "cn_plant", "us_def"  # no such lane
    tables["flows"] = pd.concat([tables["flows"], extra], ignore_index=True)
    rep = verify_run(inst, tables, run.objective)
    assert "structure" in failing(rep)
    assert "no such lane" in rep["worst_rows"]["structure"]


def test_objective_change_is_caught(rich_run):
    inst, run = rich_run
    rep = verify_run(inst, run.tables, run.objective * (1 + 1e-5))
    assert not rep["ok"] and not failing(rep)
    assert rep["objective_mismatch"] == pytest.approx(1e-5, rel=1e-3)
    assert rep["worst"]["family"] == "objective"
    ok = verify_run(inst, run.tables, run.objective * (1 + 1e-8))
    assert ok["ok"]


def test_scenario_data_changes_are_applied_per_period():
    """Scenario overrides of several sheets from P2/P3 on: the verifier must use them."""
    frames = rich_frames()
    frames["scenario_changes"] += [
        dict(scenario="cn_cut", sheet="elements", key="Dy", column="reference_price_usd_per_t",
             value=900, from_period="P2"),
        dict(scenario="cn_cut", sheet="lanes", key="au_mine,us_plant", column="capacity_t",
             value=3, from_period="P3"),
        dict(scenario="base", sheet="demand_quantities", key="us_ev,Nd,P3",
             column="quantity_t", value=1.5, mode="scale"),
        dict(scenario="base", sheet="stockpiles", key="us_stock", column="initial_t", value=5),
        dict(scenario="cn_cut", sheet="tariffs", key="CN,US,*", column="per_t_usd", value=70,
             from_period="P2"),
    ]
    inst = build(frames)
    run = solve(inst, EXACT)
    assert run.verification["ok"], run.verification["worst"]
    # The lane cap of 3 from P3 in cn_cut binds or not, but is checked (6 rows would be the
    # base lane au→my only: 3 periods × 2 scenarios; the override adds cn_cut's P3).
    assert run.verification["rows_checked"]["lane_capacity"] == 7
    # Verified against the base data instead, the plan is wrong: demand in base P3 is 60.
    base_only = build(rich_frames())
    rep = verify_run(base_only, run.tables, run.objective)
    assert "stock_balance" in failing(rep)  # base starts with 5 t in stock, not 3


def test_api_solve_raises_when_verification_fails(monkeypatch):
    """A result-extraction bug (unmet demand dropped) must stop the run with SolverError."""
    import optimizer.results as results

    real = results.unmet_table

    def broken(md, out):
        df = real(md, out)
        df["unmet_t"] = 0.0
        return df

    monkeypatch.setattr(results, "unmet_table", broken)
    frames = tiny_frames()
    frames["mines"][0]["capacity_t"] = 10  # half the concentrate needed: 4 t unmet per period
    with pytest.raises(SolverError, match="demand_balance.*demand=d"):
        solve(build(frames), EXACT)


# --------------------------------------------------------------------------------------------
# supplyopt verify RUN_DIR
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    from optimizer.cli import app

    root = tmp_path_factory.mktemp("verify_cli")
    inst_dir = write_csv_folder(rich_frames(), root / "inst")
    out = root / "run"
    res = CliRunner().invoke(app, ["solve", str(inst_dir), "--out", str(out), "--quiet",
                                   "--mip-gap", "0"])
    assert res.exit_code == 0, res.output
    return inst_dir, out


def test_cli_verify_ok(saved_run):
    from optimizer.cli import app

    _, out = saved_run
    res = CliRunner().invoke(app, ["verify", str(out)])
    assert res.exit_code == 0, res.output
    for fam in FAMILIES:
        assert fam in res.output
    assert "mismatch" in res.output and "ok:" in res.output


def test_cli_verify_flags_edited_table(saved_run, tmp_path):
    import shutil

    from optimizer.cli import app

    _, out = saved_run
    copy_dir = tmp_path / "run"
    shutil.copytree(out, copy_dir)
    flows = pd.read_csv(copy_dir / "tables" / "flows.csv", dtype=str, keep_default_na=False)
    k = flows.index[(flows["origin"] == "cn_mine") & (flows["period"] == "P1")]
    flows.loc[k, "tonnes"] = "150"
    flows.to_csv(copy_dir / "tables" / "flows.csv", index=False)
    res = CliRunner().invoke(app, ["verify", str(copy_dir)])
    assert res.exit_code == 1, res.output
    assert "mine_capacity" in res.output and "FAIL" in res.output
    assert "Traceback" not in res.output


def test_cli_verify_refuses_changed_instance(saved_run, tmp_path):
    import shutil

    from optimizer.cli import app

    inst_dir, out = saved_run
    copy_inst = tmp_path / "inst"
    shutil.copytree(inst_dir, copy_inst)
    copy_dir = tmp_path / "run"
    shutil.copytree(out, copy_dir)
    summary = json.loads((copy_dir / "summary.json").read_text())
    summary["source"] = str(copy_inst)
    (copy_dir / "summary.json").write_text(json.dumps(summary))
    res = CliRunner().invoke(app, ["verify", str(copy_dir)])
    assert res.exit_code == 0, res.output  # same bytes: accepted
    mines = pd.read_csv(copy_inst / "mines.csv")
    mines.loc[0, "capacity_t"] = 1
    mines.to_csv(copy_inst / "mines.csv", index=False)
    res = CliRunner().invoke(app, ["verify", str(copy_dir)])
    assert res.exit_code == 2, res.output
    assert "changed since the run" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("damage", ["no_folder", "no_summary", "bad_json", "no_flows"])
def test_cli_verify_bad_run_folder_exits_2(saved_run, tmp_path, damage):
    import shutil

    from optimizer.cli import app

    _, out = saved_run
    target = tmp_path / "run"
    if damage != "no_folder":
        shutil.copytree(out, target)
    if damage == "no_summary":
        (target / "summary.json").unlink()
    elif damage == "bad_json":
        (target / "summary.json").write_text("{not json")
    elif damage == "no_flows":
        (target / "tables" / "flows.csv").unlink()
    res = CliRunner().invoke(app, ["verify", str(target)])
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "Traceback" not in res.output
