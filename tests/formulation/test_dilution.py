"""A share limit cannot be diluted by shipping surplus tonnes (issue 13 item 3).

Deliveries to a demand node equal the demand it is served (``demand_balance`` is an equality),
so a share rule divides by what the end use consumes, never by a surplus shipped to it.
"""

import copy

import pytest

from optimizer.verify import ABS_TOL, verify_run


def _defence(kit):
    """Defence demand D (A, must serve): 10 t Nd and 10 t Dy. Offers (capacity 100 t each):
    Nd from A at 10 USD/t, Dy from C at 100, Dy from A at 1,000. Rule: material processed in
    C is at most 25 % of everything (element ``*``) defence receives."""
    return kit.sheets(
        traders=[{"trader": "T_A_Nd", "country": "A", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 10},
                 {"trader": "T_C_Dy", "country": "C", "element": "Dy", "capacity_t": 100,
                  "price_usd_per_t": 100},
                 {"trader": "T_A_Dy", "country": "A", "element": "Dy", "capacity_t": 100,
                  "price_usd_per_t": 1000}],
        end_use_limits=[{"country": "C", "basis": "processed", "end_use": "defence",
                         "element": "*", "max_share": 0.25}],
        demands=[{"demand": "D", "country": "A", "end_use": "defence", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10},
                           {"demand": "D", "element": "Dy", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": t, "destination": "D"} for t in ("T_A_Nd", "T_C_Dy", "T_A_Dy")],
    )


def test_share_counts_only_what_is_consumed(kit):
    """The optimum takes exactly 10 t Nd, and 5 t of Dy from C, 5 t from A: 5,600 USD.

    Derivation. Deliveries equal demand: Nd = 10 (all from A), Dy: x from C, 10 − x from A.
    The rule: ``x ≤ 0.25·(10 + 10) = 5``; C's Dy is 900 cheaper per tonne, so x = 5:
    ``10·10 + 5·100 + 5·1000 = 100 + 500 + 5000 = 5,600``.

    With the old ``≥`` demand rows the model could ship n ≥ 10 t Nd and take
    x = 0.25·(n + 10): each surplus tonne of Nd costs 10 and frees 0.25 t of Dy from C worth
    0.25·900 = 225, so it shipped n = 30 (x = 10, the whole Dy demand from C):
    ``30·10 + 10·100 = 1,300``, C at 50 % of what defence consumes.

    Duals (unique: the three flows are basic and positive, the offers' rows slack). The share
    row is ``0.75·f_CDy − 0.25·f_ADy − 0.25·f_ANd ≤ 0``; zero reduced costs:
    ``100 − y_Dy − 0.75·y_s = 0``, ``1000 − y_Dy + 0.25·y_s = 0``,
    ``10 − y_Nd + 0.25·y_s = 0`` ⇒ ``y_s = −900``, ``y_Dy = 775``, ``y_Nd = −215``: one
    more tonne of Nd demand costs 10 and lets 0.25 t more Dy come from C (saving 225). A negative
    demand price is what the equality can show and the ``≥`` row could not.
    """
    s = _defence(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(5600, rel=1e-6)
    assert kit.total(run, "flows", "tonnes", product="Nd") == pytest.approx(10, abs=1e-6)
    assert kit.row(run, "flows", origin="T_C_Dy")["tonnes"] == pytest.approx(5, abs=1e-6)
    assert kit.row(run, "flows", origin="T_A_Dy")["tonnes"] == pytest.approx(5, abs=1e-6)
    y_s = kit.dual(run, "end_use_share_limit", country="C")
    assert y_s == pytest.approx(-900, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Dy") == pytest.approx(775, abs=1e-6)
    y_nd = kit.dual(run, "demand_balance", element="Nd")
    assert y_nd == pytest.approx(-215, abs=1e-6)
    # Sign checks by perturbation: a tonne more Nd demand moves the optimum by y_Nd
    # (5,385 = 110 + 5.25·100 + 4.75·1000); a share 1 point higher by y_s·0.01·20 = −180.
    kit.check_perturbation(s, run, y_nd, "demand_quantities", "quantity_t", 1.0,
                           element="Nd")
    kit.check_perturbation(s, run, y_s, "end_use_limits", "max_share", 0.01, scale=20.0,
                           country="C")
    assert run.verification["ok"], run.verification


def test_verifier_refuses_the_diluted_plan(kit):
    """The old model's plan (30 t Nd, all 10 t Dy from C: derived above) fails verification.

    Twice over: D receives 20 t more Nd than its demand (demand_balance), and C's share of what
    defence consumes is 10 / (10 + 10) = 50 % > 25 % (the surplus is not consumed, so it does
    not count): the share row is over by ``10 − 0.25·20 = 5`` t.
    """
    s = _defence(kit)
    run = kit.solve(s)
    tables = copy.deepcopy(run.tables)
    flows = tables["flows"]
    flows.loc[flows["origin"] == "T_A_Nd", "tonnes"] = 30.0
    flows.loc[flows["origin"] == "T_C_Dy", "tonnes"] = 10.0
    flows.loc[flows["origin"] == "T_A_Dy", "tonnes"] = 0.0
    rep = verify_run(run.instance, tables, 1300.0)
    failing = {f for f, v in rep["by_family"].items() if v > ABS_TOL}
    assert failing == {"demand_balance", "end_use_share_limit"}, rep["worst_rows"]
    assert rep["objective_recomputed"] == pytest.approx(1300, rel=1e-9)
    row = rep["worst_rows"]["end_use_share_limit"]
    assert "violated by 5" in row, row
