"""Supply contracts as hedges (issue 14 item 3): every value derived by hand.

**The hedge** (periods P1, P2, discount factors 1; element Nd)::

    trader S (country C): spot offer 20 t/period at 10 USD/t ──> demand d (A): 12 t in P2
    lost value V = 100 USD/t
    contract K with S: fee F = 112, price 20 USD/t, take-or-pay min 10 t, max 15 t,
                       delivers in P2, may be signed only in P1 (the offer expires)
    scenarios: calm (1 − p), cut (p: S's spot offer is 0 from P2)

The scenarios part in P2, so K must be signed in P1, before the cut is known.

* Not signed: calm buys 12 t spot = 120; cut serves nothing = 12 × 100 = 1,200.
  E = 120 + 1,080 p.
* Signed: calm pays for the minimum 10 t at 20 = 200 and takes them (a taken tonne saves the
  spot price), plus 2 t spot = 20: 220 + F = 332; cut takes 12 t ≤ 15 at 20 = 240: 240 + F =
  352. E = F + 220 + 20 p = 332 + 20 p.
* Sign iff 332 + 20 p < 120 + 1,080 p, i.e. p > **p* = 212 / 1,060 = 0.2**.

At p = 0.1: not signed, E = **228** (signed would be 334); p = 0.19: **325.2** (335.8);
p = 0.21: signed, **336.2** (346.8); p = 0.3: signed, **338** (444 unsigned: the status quo),
scenario costs calm **332**, cut **352**.

Shadow prices at p = 0.3 (the MIP's fixed LP, K signed): one more tonne of P2 demand costs the
spot price in calm (0.7 × 10 = **7**; the contract's extra tonne would cost 20) and the
contracted price in cut, where 12 t < 15 t leaves room and there is no spot offer
(0.3 × 20 = **6**; conditional price 20). At p = 0.1 (not signed): calm 0.9 × 10 = **9**,
cut the lost value 0.1 × 100 = **10**.

**Take-or-pay** (one period): a fixed contract (already signed, fee 999 sunk: not in the cost)
with S at 20 USD/t, min 10 t, max 20 t; S's spot price 10; demand 4 t. The 10 t are owed
whatever is taken (200); taking 4 of them saves buying 4 spot (40), so taken **4**, paid **10**,
cost **200**. If scenario *revoke* (p = 0.5) sets max_t = 0, the obligation lapses: paid 0,
4 t spot = **40**; E = 0.5 × 200 + 0.5 × 40 = **120**.

**Quotas and end-use rules see contracted tonnes** (one period): a fixed contract with S at
5 USD/t, max 10 t, min 0; demand 10 t. Unconstrained, 10 t at 5 = **50** (also when S's spot
offer is 0: the contract is a channel of its own). An export quota on C's Nd of 3 t, or an
end-use limit of 3 t of Chinese material for magnets, lets only 3 t through: 3 × 5 + 7 × 100 =
**715**.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.io.write import write_workbook
from optimizer.verify import verify_run
from tests.conftest import build_instance, one_row, sheets, solve_sheets

F = 112.0
P_STAR = 212.0 / 1060.0
TRADER = {"trader": "S", "country": "C", "element": "Nd", "capacity_t": 20,
          "price_usd_per_t": 10}
DEMAND = {"demand": "d", "country": "A", "end_use": "magnets", "lost_value_usd_per_t": 100}


def hedge(p: float, **settings) -> dict:
    """The two-period hedge instance of the module docstring, P(cut) = p."""
    s = sheets(
        periods=("P1", "P2"),
        traders=[TRADER],
        demands=[DEMAND],
        demand_quantities=[{"demand": "d", "element": "Nd", "period": "P2", "quantity_t": 12}],
        lanes=[{"origin": "S", "destination": "d"}],
        contracts=[{"contract": "K", "trader": "S", "fee_usd": F, "price_usd_per_t": 20,
                    "min_take_t": 10, "max_t": 15, "first_period": "P2",
                    "last_decision_period": "P1"}],
        scenarios=[{"scenario": "calm", "probability": 1 - p},
                   {"scenario": "cut", "probability": p}],
        scenario_changes=[{"scenario": "cut", "sheet": "traders", "key": "S",
                           "column": "capacity_t", "value": 0, "from_period": "P2"}])
    if settings:
        s["settings"] = [{"setting": k, "value": v} for k, v in settings.items()]
    return s


def one_period(contract: dict, quantity: float, **tables) -> dict:
    """One period, trader S, demand d of ``quantity`` t, one fixed contract K with S."""
    return sheets(**{
        "traders": [TRADER], "demands": [DEMAND],
        "demand_quantities": [{"demand": "d", "element": "Nd", "period": "P1",
                               "quantity_t": quantity}],
        "lanes": [{"origin": "S", "destination": "d"}],
        "contracts": [{"contract": "K", "trader": "S", "decision": "fixed", "fee_usd": 999,
                       **contract}]} | tables)


TAKE_OR_PAY = {"price_usd_per_t": 20, "min_take_t": 10, "max_t": 20}


def signed(run) -> int:
    """Signings of K in the plan."""
    c = run.tables["contracts"]
    return int(c.loc[c["decision"] == "adaptive", "signed"].sum()) if len(c) else 0


@pytest.mark.parametrize(("p", "sign", "objective"), [
    (0.1, 0, 228.0), (0.19, 0, 120 + 1080 * 0.19), (0.21, 1, 332 + 20 * 0.21), (0.3, 1, 338.0)])
def test_contract_signed_only_above_p_star(p, sign, objective):
    """Sign K in P1 iff p > p* = 0.2; E = min(120 + 1,080 p, 332 + 20 p) (docstring)."""
    assert P_STAR == pytest.approx(0.2)
    run = solve_sheets(hedge(p))
    assert signed(run) == sign
    assert run.objective == pytest.approx(objective, rel=1e-9)
    assert run.verification["ok"], run.verification["worst"]
    if sign:
        row = one_row(run, "contracts", contract="K")
        assert (row["decision_period"], row["decided_in"]) == ("P1", "all")
        # Expected tonnes: calm takes and pays 10, cut takes and pays 12.
        assert row["expected_taken_t"] == pytest.approx((1 - p) * 10 + p * 12)
        assert row["expected_cost_usd"] == pytest.approx(F + 20 * ((1 - p) * 10 + p * 12))


def test_hedge_scenario_costs_status_quo_and_breakdown():
    """P = 0.3: calm 332, cut 352; status quo (not signed) 444; fee 112 + purchases
    0.7 × 200 + 0.3 × 240 = 212 under contract, 0.7 × 2 × 10 = 14 spot.
    """
    run = solve_sheets(hedge(0.3))
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert costs["calm"] == pytest.approx(332.0) and costs["cut"] == pytest.approx(352.0)
    assert float(run.tables["status_quo_summary"]["objective_usd"].iat[0]) == \
        pytest.approx(444.0)
    cb = run.tables["cost_breakdown"].set_index("component")["expected_usd"]
    assert cb["contract_fees"] == pytest.approx(112.0)
    assert cb["contract_purchases"] == pytest.approx(212.0)
    assert cb["purchases"] == pytest.approx(14.0)
    assert cb.sum() == pytest.approx(338.0)


def test_here_and_now_signing_gives_the_same_hedge():
    """Signing decided here and now (one decision for P1, node −1): the same plan, 338."""
    run = solve_sheets(hedge(0.3, build_decisions="here_and_now"))
    assert signed(run) == 1 and run.objective == pytest.approx(338.0, rel=1e-9)
    assert run.verification["ok"]


@pytest.mark.parametrize(("p", "calm", "cut"), [(0.3, 7.0, 6.0), (0.1, 9.0, 10.0)])
def test_fixed_lp_shadow_prices_with_contracts(p, calm, cut):
    """The MIP's fixed LP fixes the signing: P2 demand duals (docstring)."""
    run = solve_sheets(hedge(p))
    assert run.outcome.duals_source == "fixed_lp"
    d = run.tables["dual_demand_balance"]
    p2 = d[d["period"] == "P2"].set_index("scenarios")
    assert p2.at["calm", "shadow_price"] == pytest.approx(calm, abs=1e-6)
    assert p2.at["cut", "shadow_price"] == pytest.approx(cut, abs=1e-6)
    # Sign convention by perturbation: one tonne more of P2 demand costs exactly their sum
    # (the plan does not change: at p = 0.3, 20 p + 20 p < 1,080 p + 10 keeps it signed).
    more = copy.deepcopy(hedge(p))
    more["demand_quantities"][0]["quantity_t"] = 13
    assert solve_sheets(more).objective - run.objective == pytest.approx(calm + cut, abs=1e-6)


def test_take_or_pay_is_paid_when_not_taken():
    """Min 10 t owed, 4 t needed: taken 4, paid 10, cost 200; the fixed contract's fee is
    sunk (docstring).
    """
    run = solve_sheets(one_period(TAKE_OR_PAY, 4))
    assert run.objective == pytest.approx(200.0, rel=1e-9)
    got = one_row(run, "contract_deliveries", contract="K")
    assert (got["taken_t"], got["paid_t"]) == pytest.approx((4.0, 10.0))
    row = one_row(run, "contracts", contract="K")
    assert row["decision"] == "fixed" and row["expected_cost_usd"] == pytest.approx(200.0)
    assert run.verification["ok"]


def test_revoked_contract_lapses():
    """Scenario revoke sets max_t = 0: nothing owed there, 4 t spot = 40; E = 120."""
    s = one_period(TAKE_OR_PAY, 4,
                   scenarios=[{"scenario": "calm", "probability": 0.5},
                              {"scenario": "revoke", "probability": 0.5}],
                   scenario_changes=[{"scenario": "revoke", "sheet": "contracts", "key": "K",
                                      "column": "max_t", "value": 0}])
    run = solve_sheets(s)
    assert run.objective == pytest.approx(120.0, rel=1e-9)
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert (costs["calm"], costs["revoke"]) == pytest.approx((200.0, 40.0))
    got = one_row(run, "contract_deliveries", scenario="revoke")
    assert (got["taken_t"], got["paid_t"]) == (0.0, 0.0)
    assert run.verification["ok"]


CHEAP = {"price_usd_per_t": 5, "min_take_t": 0, "max_t": 10}


@pytest.mark.parametrize(("extra", "objective", "taken"), [
    ({}, 50.0, 10.0),
    ({"traders": [dict(TRADER, capacity_t=0)]}, 50.0, 10.0),
    ({"export_quotas": [{"country": "C", "product": "Nd", "cap_t": 3}]}, 715.0, 3.0),
    ({"end_use_limits": [{"country": "C", "basis": "either", "end_use": "magnets",
                          "max_t": 3}]}, 715.0, 3.0)],
    ids=["free", "no spot offer", "export quota", "end-use limit"])
def test_contracted_tonnes_count_against_quotas_and_end_use_limits(extra, objective, taken):
    """10 t at 5 = 50 (a channel beside the spot offer); a 3 t quota or end-use limit:
    3 × 5 + 7 × 100 = 715 (docstring).
    """
    run = solve_sheets(one_period(CHEAP, 10, **extra))
    assert run.objective == pytest.approx(objective, rel=1e-9)
    assert one_row(run, "contract_deliveries", contract="K")["taken_t"] == pytest.approx(taken)
    assert run.verification["ok"]


def test_verifier_catches_a_tampered_contract_payment():
    """Paid 4 instead of the 10 owed breaks take-or-pay (violated by 6); paid 12 keeps every
    row but costs 2 × 20 = 40 more than the solver's 200: an objective mismatch; a signing
    dropped from one scenario of a shared node breaks non-anticipativity.
    """
    run = solve_sheets(one_period(TAKE_OR_PAY, 4))
    for paid, family in ((4.0, "contract_take_or_pay"), (12.0, "objective")):
        tables = dict(run.tables)
        tables["contract_deliveries"] = run.tables["contract_deliveries"].assign(paid_t=paid)
        report = verify_run(run.instance, tables, run.objective)
        assert not report["ok"] and report["worst"]["family"] == family
    assert verify_run(run.instance, run.tables, run.objective)["ok"]
    assert report["objective_recomputed"] == pytest.approx(240.0)
    hedged = solve_sheets(hedge(0.3))
    tables = dict(hedged.tables)
    sign = hedged.tables["contract_signings_by_scenario"]
    tables["contract_signings_by_scenario"] = sign[sign["scenario"] != "cut"]
    report = verify_run(hedged.instance, tables, hedged.objective)
    assert not report["ok"]
    assert {"non_anticipativity", "contract_max_take"} <= set(report["violated_rows"])


BAD_CELLS = [
    ({"min_take_t": 30}, "min_take_t", "at most the contract's max_t (15 t/period"),
    ({"fee_usd": -5}, "fee_usd", "a number ≥ 0"),
    ({"trader": "nope"}, "trader", None),
    ({"last_decision_period": "P2", "last_period": "P1", "first_period": "P1"},
     "last_decision_period", "no later than the contract's last_period"),
]


@pytest.mark.parametrize(("cells", "column", "expected"), BAD_CELLS,
                         ids=[c[1] for c in BAD_CELLS])
def test_bad_contract_cells_name_the_cell(cells, column, expected):
    """Each bad value is an input error on sheet contracts, row 2, its column."""
    s = hedge(0.3)
    s["contracts"][0].update(cells)
    with pytest.raises(InputError) as err:
        build_instance(s)
    text = str(err.value)
    assert f"sheet 'contracts', row 2, column '{column}'" in text
    if expected:
        assert expected in text


def test_bad_contract_is_exit_2_and_writes_nothing(tmp_path):
    """The CLI: exit 2, one message naming file, sheet, row and column, no output folder."""
    s = hedge(0.3)
    s["contracts"][0]["min_take_t"] = 30
    book = write_workbook({k: pd.DataFrame(v) for k, v in s.items()}, tmp_path / "bad.xlsx")
    res = CliRunner().invoke(app, ["solve", str(book), "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert "bad.xlsx" in out and "sheet 'contracts', row 2, column 'min_take_t'" in out
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_no_contracts_sheet_adds_no_columns_rows_or_tables():
    """Without contracts the matrix has no contract columns or rows and no new tables."""
    from optimizer.formulation import build_model
    from optimizer.solve import compile_arrays

    s = one_period(CHEAP, 10)
    del s["contracts"]
    inst = build_instance(s)
    _, md = build_model(inst, pyomo=False)
    compiled = compile_arrays(md)
    assert not np.isin(compiled.col_family, ["contract_signed", "contract_taken_t",
                                             "contract_paid_t"]).any()
    assert not any(str(f).startswith("contract_") for f in compiled.row_family)
    run = solve_sheets(s)
    assert not {"contracts", "contract_deliveries"} & set(run.tables)
    assert "contract_fees" not in set(run.tables["cost_breakdown"]["component"])


def test_signing_can_wait_for_the_news():
    """With the offer open in P2 too, K is signed only in cut's P2 node, once the cut is
    known: E = 0.7 × 120 + 0.3 × (112 + 240) = 189.6 (below the 338 of signing blind), and
    the decision reads as contingent; at p = 0.3 with the offer expiring in P1 it reads as
    a decision to take now."""
    s = hedge(0.3)
    s["contracts"][0]["last_decision_period"] = "P2"
    run = solve_sheets(s)
    assert run.objective == pytest.approx(189.6, rel=1e-9)
    row = one_row(run, "contracts", contract="K")
    assert (row["decision_period"], row["decided_in"], bool(row["contingent"])) == \
        ("P2", "cut", True)
    assert row["probability"] == pytest.approx(0.3)
    decisions = run.summary()["decisions"]
    assert decisions["now"] == [] and len(decisions["contingent"]) == 1
    assert decisions["contingent"][0].startswith("if cut (revealed P2) — probability 30%: "
                                                 "sign K with S (C, Nd) in P2")
    now = solve_sheets(hedge(0.3)).summary()["decisions"]["now"]
    assert now == ["sign K with S (C, Nd) in P1: 20 USD/t for P2, take-or-pay 10 t/period "
                   "(up to 15), fee USD 112"]


@pytest.mark.parametrize(("lam", "sign", "objective"), [(0.05, 0, 228 + 972 * 0.05),
                                                        (0.2, 1, 334 + 18 * 0.2)])
def test_risk_averse_planner_signs_below_p_star(lam, sign, objective):
    """p = 0.1 < p*, α = 0.9 (the tail is exactly cut, p = 0.1). Signed: E = 334, CVaR = cut's
    352, objective 334 + 18 λ; not signed: E = 228, CVaR = 1,200, objective 228 + 972 λ. So
    the hedge is signed from λ* = 106 / 954 ≈ 0.111: not at λ = 0.05 (276.6), at λ = 0.2
    (337.6). The CVaR rows carry the contract's fee and payments (scenario costs), and the
    verifier recomputes them."""
    run = solve_sheets(hedge(0.1, risk_weight=str(lam), cvar_alpha="0.9"))
    assert signed(run) == sign
    assert run.objective == pytest.approx(objective, rel=1e-9)
    assert run.verification["ok"], run.verification["worst"]
    assert run.summary()["risk"]["cvar_usd"] == pytest.approx(352.0 if sign else 1200.0)


def test_revocation_from_a_period_lapses_only_from_then():
    """The take-or-pay contract over P1, P2; revoke (p = 0.5) sets max_t = 0 from P2. P1 is
    shared: 10 t owed, 4 taken, 200. P2: calm 200 again, revoke 4 t spot = 40. E = 200 + 0.5 ×
    200 + 0.5 × 40 = 320; revoke's scenario cost 240, calm's 400."""
    s = one_period(TAKE_OR_PAY, 4,
                   scenarios=[{"scenario": "calm", "probability": 0.5},
                              {"scenario": "revoke", "probability": 0.5}],
                   scenario_changes=[{"scenario": "revoke", "sheet": "contracts", "key": "K",
                                      "column": "max_t", "value": 0, "from_period": "P2"}])
    s["periods"] = [{"period": p, "discount_factor": 1.0} for p in ("P1", "P2")]
    s["demand_quantities"] = [{"demand": "d", "element": "Nd", "period": p, "quantity_t": 4}
                              for p in ("P1", "P2")]
    run = solve_sheets(s)
    assert run.objective == pytest.approx(320.0, rel=1e-9)
    costs = run.tables["scenario_costs"].set_index("scenario")["cost_usd"]
    assert (costs["calm"], costs["revoke"]) == pytest.approx((400.0, 240.0))
    got = one_row(run, "contract_deliveries", scenario="revoke", period="P2")
    assert got["paid_t"] == 0.0
    assert run.verification["ok"]


def test_pyomo_path_gives_the_same_hedge():
    """The Pyomo model (export, other solvers) states the same contracts: optimum 338."""
    from optimizer.formulation import build_model
    from optimizer.solve import SolveOptions, compile_model, solve_compiled

    m, md = build_model(build_instance(hedge(0.3)), pyomo=True)
    out = solve_compiled(md, compile_model(m, md), SolveOptions(mip_rel_gap=0))
    assert out.objective == pytest.approx(338.0, rel=1e-9)


@pytest.mark.parametrize(("p", "calm", "cut"), [(0.3, 7.0, 6.0), (0.1, 9.0, 10.0)])
def test_live_model_fixes_signings_like_a_rebuild(p, calm, cut):
    """A batch worker's live model must fix the signing in the MIP's fixed LP and unsign it
    for the status quo, as a rebuild does: the same P2 demand prices (7 and 6 at p = 0.3,
    signed; 9 and 10 at p = 0.1, not signed: docstring) and, at p = 0.3, the status quo 444.

    Left free (continuous), the signing would be relaxed in the fixed LP (at p = 0.3 a
    fraction of K would price cut's P2 demand below its contracted 20), and in the status quo
    the plan could keep K partly signed: cheaper than 444.
    """
    from optimizer.live import LiveModel
    from optimizer.solve import SolveOptions

    run = LiveModel(build_instance(hedge(p)), SolveOptions(mip_rel_gap=0)).solve()
    assert run is not None and run.outcome.warm_start == "live"
    d = run.tables["dual_demand_balance"]
    p2 = d[d["period"] == "P2"].set_index("scenarios")
    assert p2.at["calm", "shadow_price"] == pytest.approx(calm, abs=1e-6)
    assert p2.at["cut", "shadow_price"] == pytest.approx(cut, abs=1e-6)
    if p > P_STAR:
        assert float(run.tables["status_quo_summary"]["objective_usd"].iat[0]) == \
            pytest.approx(444.0)
    assert run.verification["ok"]
