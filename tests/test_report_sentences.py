"""Executive-summary sentences of report.html, on a micro-instance solved by hand.

The instance (built in code, see :func:`micro_frames`)
------------------------------------------------------
Two periods T1, T2 (discount factor 1), two scenarios calm and cut (probability 0.5 each) that
split after T1. One element, Dy. Demand node ``mag`` (US, end use ``magnets``) needs 12 t of
Dy in each period; unmet Dy costs USD 1,000/t.

* Mine ``m_au`` (AU): 100 t REO/period at USD 10/t REO, assay 0.1 t Dy per t REO → at most
  10 t Dy per period, at USD 100 per t Dy of mining.
* Plant ``p_us`` (US): no existing capacity, opex USD 5/t REO (USD 50 per t Dy), recovery 1.
  Candidate module ``sep``: +200 t REO/period, capex USD 1,000, at most one.
  So own-chain Dy costs 100 + 50 = USD 150/t (lanes are free).
* Trader ``cn`` (CN): Dy at USD 200/t, 100 t/period offered, but the CN Dy export quota is
  3 t/period; in scenario cut it is 0 from T2 on.

Optimal plan (hand derivation)
------------------------------
Building ``sep`` online in T1: own chain 10 t/period (mine-limited) at 150 = 1,500; the other
2 t come from CN at 200 = 400 while the quota allows (T1, T2 calm); in T2 cut they go unmet at
1,000 each = 2,000. Expected cost = capex 1,000 + T1 (1,500 + 400) + T2 [0.5 (1,900) +
0.5 (1,500 + 2,000)] = 1,000 + 1,900 + 2,700 = **USD 5,600**. Without the build the plan
buys 3 t from CN and leaves 9 t unmet: 600 + 9,000 = 9,600 per period (12,000 in T2 cut), so
the status quo costs 9,600 + 0.5 (9,600) + 0.5 (12,000) = **USD 20,400**; building in T2
instead costs more than building in T1 (T1 would be 9,600). Hence: build sep at p_us, online
T1, capex USD 1,000.

Unmet demand: 2 t of Dy for magnets in scenario cut (T2), of 24 t demanded over the horizon:
8%. The status quo leaves 9 + 0.5·9 + 0.5·12 = 19.5 t unmet (expected over scenarios).

Supply shares (probability-weighted tonnes over the horizon). Plan: US processes 20 t in
either scenario, CN 4 t (calm) or 2 t (cut) → CN 0.5·4 + 0.5·2 = 3 t; US 20/23 = 87%,
CN 3/23 = 13%. Mined: AU 87%, CN 13% (the trader's ore counts as mined in CN). Status quo:
only CN: 100%.

Shadow prices (LP with the build fixed; sign = change of expected discounted cost per unit of
right-hand side, weight = probability × discount):

* CN Dy export quota in T2, cut: one more tonne replaces a tonne of unmet demand (1,000) by
  Chinese Dy (200): saves 800 if cut happens; × 0.5 → shadow price −400, conditional −800.
* Mine m_au capacity in T2, cut: one more t REO gives 0.1 t Dy replacing unmet demand at
  cost 150 instead of 1,000: saves 0.1 × 850 = 85 conditional; × 0.5 → −42.5.
* Mine m_au capacity in T1 (both scenarios): 0.1 t Dy replaces Chinese Dy: 0.1 × (200 − 150)
  = 5, weight 1 → −5 (the T2-calm row, −2.5, ranks fourth).
* The plant (200 t REO capacity, 100 used), the trader and the T1/T2-calm quota (2 < 3 t) are
  slack.
"""

from __future__ import annotations

import pytest

import optimizer
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.output import write_run
from optimizer.report import facts, price_facts
from optimizer.report import sentences as say
from optimizer.report.load import load_run


def micro_frames(demand: str = "mag") -> dict:
    """The micro-instance of this module's docstring; ``demand`` names the demand node."""
    return {
        "periods": [{"period": "T1", "discount_factor": 1.0},
                    {"period": "T2", "discount_factor": 1.0}],
        "countries": [{"country": c} for c in ("AU", "CN", "US")],
        "elements": [{"element": "Dy"}],
        "mines": [{"mine": "m_au", "country": "AU", "capacity_t": 100, "cost_usd_per_t": 10}],
        "mine_assays": [{"mine": "m_au", "element": "Dy", "share": 0.1}],
        "plants": [{"plant": "p_us", "country": "US", "capacity_t": 0, "opex_usd_per_t": 5}],
        "plant_recoveries": [{"plant": "p_us", "element": "Dy", "recovery": 1.0}],
        "traders": [{"trader": "cn", "country": "CN", "element": "Dy", "capacity_t": 100,
                     "price_usd_per_t": 200}],
        "demands": [{"demand": demand, "country": "US", "end_use": "magnets",
                     "lost_value_usd_per_t": 1000}],
        "demand_quantities": [{"demand": demand, "element": "Dy", "period": p, "quantity_t": 12}
                              for p in ("T1", "T2")],
        "lanes": [{"origin": "m_au", "destination": "p_us", "cost_usd_per_t": 0},
                  {"origin": "p_us", "destination": demand, "cost_usd_per_t": 0},
                  {"origin": "cn", "destination": demand, "cost_usd_per_t": 0}],
        "modules": [{"module": "sep", "site": "p_us", "capacity_t": 200, "capex_usd": 1000,
                     "max_count": 1}],
        "export_quotas": [{"country": "CN", "product": "Dy", "cap_t": 3}],
        "scenarios": [{"scenario": "calm", "probability": 0.5},
                      {"scenario": "cut", "probability": 0.5}],
        "scenario_changes": [{"scenario": "cut", "sheet": "export_quotas", "key": "CN,Dy",
                              "column": "cap_t", "value": 0, "from_period": "T2"}],
    }


def solve_micro(tmp_path, demand: str = "mag"):
    """Solve the micro-instance to optimality and write its run folder; return the folder."""
    inst = validate(raw_from_frames(micro_frames(demand), source="micro"), "micro")
    run = optimizer.solve(inst, optimizer.SolveOptions(mip_rel_gap=0))
    return write_run(run, tmp_path / "run")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return load_run(solve_micro(tmp_path_factory.mktemp("sentences")))


def test_total_cost_and_status_quo(saved):
    assert saved.summary["objective_usd"] == pytest.approx(5600, rel=1e-6)
    assert say.cost_sentence(saved) == (
        "The plan's expected discounted cost is USD 5,600, against USD 20,400 for the "
        "status-quo plan (no new builds).")


def test_build_sentence(saved):
    assert say.build_sentences(saved) == [
        "Build sep at p_us (US), online T1, capex USD 1,000; total capex USD 1,000."]


def test_unmet_sentences(saved):
    assert say.unmet_sentences(saved) == [
        "In scenario cut, unmet demand is 2 t of Dy for magnets (8% of its 24 t).",
        "The status-quo plan would leave 19.5 t unmet (expected over scenarios)."]


def test_supply_sentences_before_and_after(saved):
    assert say.supply_sentences(saved) == [
        "Dy supply is processed in US 87%, CN 13% (status quo: CN 100%); "
        "mined in AU 87%, CN 13% (status quo: CN 100%)."]
    shares = facts.element_shares(saved.tables["supply_mix"], facts.probabilities(saved),
                                  "processed")
    assert dict(zip(shares["country"], shares["share"])) == pytest.approx(
        {"US": 20 / 23, "CN": 3 / 23})


def test_three_most_valuable_binding_constraints(saved):
    """The binding limits by |price| are the CN Dy quota in T2 (−400), then mine m_au's
    capacity in T2/cut (−42.5), T1 (−5) and T2/calm (−2.5). The summary names each constraint
    once, over all its rows: the quota binds only in T2/cut (expected −400; −800 per period if
    cut happens); m_au binds in T1 and T2 in every scenario, expected −(42.5 + 5 + 2.5) = −50,
    and per period if it happens 5 (T1: −5 / weight 1), 5 (T2 calm: −2.5 / 0.5) or 85 (T2 cut:
    −42.5 / 0.5). Two constraints, so two sentences, then the MIP note."""
    top = price_facts.constraint_rows(saved, "limits").head(4)
    assert list(top["shadow_price"]) == pytest.approx([-400, -42.5, -5, -2.5], abs=1e-6)
    groups = price_facts.constraint_groups(saved, "limits")
    assert list(groups["expected_value"]) == pytest.approx([-400, -50], abs=1e-6)
    assert list(groups["binding_periods"]) == ["T2", "T1–T2"]
    assert groups["price_low"].abs().tolist() == pytest.approx([800, 5], abs=1e-6) or \
        groups["price_high"].abs().tolist() == pytest.approx([800, 5], abs=1e-6)
    summary = say.executive_summary(saved)["Most valuable binding constraints"]
    assert summary[:2] == [
        "One more tonne of CN Dy export quota (the 3 t-per-period quota) in T2 would save "
        "USD 400 in expected discounted cost (in scenario cut; USD 800 per period if it "
        "happens, undiscounted).",
        "One more tonne of mining capacity (REO) at mine m_au in each of T1–T2 would save "
        "USD 50 in expected discounted cost (in every scenario; USD 5 to USD 85 per period, "
        "undiscounted).",
    ]
    assert summary[2].startswith("Prices are conditional on the chosen builds")
    assert len(summary) == 3


def test_period_ranges_join_consecutive_periods():
    """Of P1..P6, P1 P2 P3 and P5 P6 are runs; P4 is missing."""
    order = ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert price_facts.period_ranges(["P6", "P1", "P2", "P3", "P5"], order) == "P1–P3, P5–P6"
    assert price_facts.period_ranges(["P4"], order) == "P4"


def test_provenances_at_the_same_price_are_merged():
    """Two stock-balance constraints of one stockpile differ only by provenance and both sum to
    −7: one row listing both pairs; a third at −8 stays apart."""
    import pandas as pd

    def row(mined, processed, value):
        return {"family": "stock_balance", "key": {"stockpile": "s", "element": "Tb",
                                                   "mined_country": mined,
                                                   "processed_country": processed},
                "expected_value": value, "price_low": 1.0, "price_high": 2.0,
                "binding_periods": "P1", "scenarios": "a", "n_rows": 1}

    g = pd.DataFrame([row("AU", "MY", -7.0), row("AU", "US", -7.0), row("US", "US", -8.0)])
    m = price_facts.merge_provenance(g)
    assert len(m) == 2
    assert m["key"].iloc[0]["provenances"] == ["AU → MY", "AU → US"]
    assert m["n_rows"].tolist() == [2, 1]
    assert "any of 2 provenances" in say.constraint_subject("stock_balance", m["key"].iloc[0],
                                                            with_period=False)


def test_capacity_value_against_capex(saved):
    """Mine m_au: 5 + 2.5 + 42.5 = USD 50 per t/period over the horizon; no module there.
    Plant p_us: slack everywhere → 0, against capex 1,000 / 200 t = USD 5 per t/period."""
    cap = price_facts.capacity_values(saved).set_index("site")
    assert cap.loc["m_au", "capacity_value_usd_per_t"] == pytest.approx(50, abs=1e-6)
    assert cap.loc["p_us", "capacity_value_usd_per_t"] == pytest.approx(0, abs=1e-6)
    assert cap.loc["p_us", "capex_usd_per_t"] == pytest.approx(5)


def test_sign_convention_positive_price_reads_as_cost():
    """A positive shadow price (more demand costs more) reads 'would add ... to'."""
    row = {"family": "demand_balance", "shadow_price": 150.0, "conditional_price": 150.0,
           "scenarios": "a+b", "key": {"demand": "mag", "element": "Dy", "period": "T1"}}
    assert say.constraint_sentence(row, ["a", "b"]) == (
        "One more tonne of Dy demanded by mag in T1 would add USD 150 to the expected "
        "discounted cost (in every scenario).")


def test_negative_demand_price_says_why():
    """A negative demand price (tests/formulation/test_dilution.py: −215 USD/t for Nd, a
    tonne more Nd demand lets 0.25 t more of C's cheaper Dy into defence) reads 'would save',
    and says why it is below zero instead of calling it at most the lost value; a positive one
    in a group sentence keeps the lost-value bound."""
    row = {"family": "demand_balance", "shadow_price": -215.0, "conditional_price": -215.0,
           "scenarios": "a+b", "key": {"demand": "D", "element": "Nd", "period": "P1"}}
    text = say.constraint_sentence(row, ["a", "b"])
    assert text.startswith("One more tonne of Nd demanded by D in P1 would save USD 215 in "
                           "expected discounted cost (in every scenario; below zero: ")
    assert "share rule" in text and "lost value" not in text
    group = {"family": "demand_balance", "expected_value": 150.0, "scenarios": "a+b",
             "key": {"demand": "D", "element": "Nd"}}
    assert "at most the demand's lost value" in say.group_sentence(group, ["a", "b"])
    group["expected_value"] = -215.0
    assert "below zero" in say.group_sentence(group, ["a", "b"])
