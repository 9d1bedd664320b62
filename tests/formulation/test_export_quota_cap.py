"""export_quota_cap: exports of a product (element, '*' or concentrate) from a country ≤ quota."""

import pytest


def _oxide_sheets(kit, product="Nd", period="*"):
    """Country C sells Nd at 50 and Dy at 60, B sells both at 90; A needs 30 t Nd and 5 t Dy."""
    return kit.sheets(
        periods=("P1", "P2"),
        traders=[{"trader": "T_C_Nd", "country": "C", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 50},
                 {"trader": "T_B_Nd", "country": "B", "element": "Nd", "capacity_t": 100,
                  "price_usd_per_t": 90},
                 {"trader": "T_C_Dy", "country": "C", "element": "Dy", "capacity_t": 100,
                  "price_usd_per_t": 60},
                 {"trader": "T_B_Dy", "country": "B", "element": "Dy", "capacity_t": 100,
                  "price_usd_per_t": 90}],
        export_quotas=[{"country": "C", "product": product, "period": period, "cap_t": 20}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": e, "period": p, "quantity_t": q}
                           for p in ("P1", "P2") for e, q in (("Nd", 30), ("Dy", 5))],
        lanes=[{"origin": t, "destination": "D"} for t in ("T_C_Nd", "T_B_Nd", "T_C_Dy",
                                                          "T_B_Dy")],
    )


def test_element_quota(kit):
    """C's Nd exports capped at 20 t per period; Dy is not covered by the quota.

    Each period: Nd 20 from C at 50 + 10 from B at 90, Dy 5 from C at 60:
    ``1000 + 900 + 300 = 2200``; two periods: 4400.

    Duals (unique: C's and B's Nd flows and all four offers' slacks are basic and positive):
    ``y_D,Nd = 90``, quota ``50 − 90 = −40`` in each period; ``y_D,Dy = 60``.
    """
    s = _oxide_sheets(kit)
    run = kit.solve(s)
    assert run.objective == pytest.approx(4400, rel=1e-6)
    for p in ("P1", "P2"):
        assert kit.dual(run, "export_quota_cap", period=p) == pytest.approx(-40, abs=1e-6)
        for element, price in (("Nd", 90), ("Dy", 60)):
            assert kit.dual(run, "demand_balance", element=element, period=p) == \
                pytest.approx(price, abs=1e-6)
    # Raising the quota by δ moves both periods' rows: 2·(−40)·δ.
    kit.check_perturbation(s, run, -80.0, "export_quotas", "cap_t", 1.0, country="C")


def test_all_oxides_quota_in_one_period(kit):
    """Quota on every oxide ('*') from C, 20 t in P2 only; P1 is unconstrained.

    P1: 30·50 + 5·60 = 1800. P2: the quota is worth more on Nd (saves 40) than on Dy (saves
    30), so C sends 20 t Nd, B sends 10 t Nd and 5 t Dy: ``1000 + 900 + 450 = 2350``.
    Total 4150.

    Duals in P2 (unique: C's Nd, B's Nd and B's Dy flows and the offer slacks are basic and
    positive; C's Dy is nonbasic at 0 with reduced cost ``60 − 90 + 40 = 10 > 0``):
    ``y_D,Nd = 90``, quota ``50 − 90 = −40``, ``y_D,Dy = 90``.
    """
    s = _oxide_sheets(kit, product="*", period="P2")
    run = kit.solve(s)
    assert run.objective == pytest.approx(4150, rel=1e-6)
    assert len(run.tables["dual_export_quota_cap"]) == 1
    y_q = kit.dual(run, "export_quota_cap", period="P2")
    assert y_q == pytest.approx(-40, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Dy", period="P2") == pytest.approx(90, abs=1e-6)
    assert kit.dual(run, "demand_balance", element="Dy", period="P1") == pytest.approx(60, abs=1e-6)
    kit.check_perturbation(s, run, y_q, "export_quotas", "cap_t", 1.0, country="C")


def test_concentrate_quota(kit):
    """Mine M_C (in C, 10 per t REO) and M_B (in B, 30) feed plant P in A; 50 % Nd; demand 20.

    C may export 25 t of concentrate. 20 t Nd = 40 t REO: 25 from M_C, 15 from M_B.
    Optimum ``25·10 + 15·30 = 700``. Duals (unique: both concentrate and both plant flows, the
    mines' and plant's slacks are basic and positive): ``y_D = 30/0.5 = 60``, quota
    ``10 − 30 = −20`` per t REO. An Nd quota on C would not apply: C exports no oxide.
    """
    s = kit.sheets(
        mines=[{"mine": "M_C", "country": "C", "capacity_t": 100, "cost_usd_per_t": 10},
               {"mine": "M_B", "country": "B", "capacity_t": 100, "cost_usd_per_t": 30}],
        mine_assays=[{"mine": "M_C", "element": "Nd", "share": 0.5},
                     {"mine": "M_B", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 1000, "opex_usd_per_t": 0}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        export_quotas=[{"country": "C", "product": "concentrate", "cap_t": 25},
                       {"country": "C", "product": "Nd", "cap_t": 0}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": "M_C", "destination": "P"}, {"origin": "M_B", "destination": "P"},
               {"origin": "P", "destination": "D"}],
    )
    run = kit.solve(s)
    assert run.objective == pytest.approx(700, rel=1e-6)
    y_q = kit.dual(run, "export_quota_cap", product="concentrate")
    assert y_q == pytest.approx(-20, abs=1e-6)
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(60, abs=1e-6)
    assert kit.row(run, "dual_export_quota_cap", product="Nd")["activity"] == \
        pytest.approx(0, abs=1e-9)
    kit.check_perturbation(s, run, y_q, "export_quotas", "cap_t", 1.0, product="concentrate")
