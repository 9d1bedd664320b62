"""module_build_limit: a candidate is built at most max_count times (a MIP)."""

import pytest


def _sheets(kit, max_count):
    """Plant P (10 t REO) can take modules of +10 t at 100 each; own Nd costs 30, bought 80."""
    return kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 1000, "cost_usd_per_t": 10}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 0.5}],
        plants=[{"plant": "P", "country": "A", "capacity_t": 10, "opex_usd_per_t": 5}],
        plant_recoveries=[{"plant": "P", "element": "Nd", "recovery": 1.0}],
        modules=[{"module": "K", "site": "P", "capacity_t": 10, "capex_usd": 100,
                  "max_count": max_count}],
        traders=[{"trader": "T", "country": "B", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 80}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 20}],
        lanes=[{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "D"},
               {"origin": "T", "destination": "D"}],
    )


@pytest.mark.parametrize(("max_count", "built", "objective"),
                         [(1, 1, 1200), (2, 2, 1050), (3, 3, 900), (4, 3, 900)])
def test_limit_binds_until_demand_is_covered(kit, max_count, built, objective):
    """Own Nd costs ``(10 + 5)/0.5 = 30`` per t against 80 bought.

    A module adds 10 t REO = 5 t Nd, saving ``5·(80 − 30) = 250`` for a capex of 100, so every
    module that finds demand is built: demand 20 t Nd = 40 t REO = existing 10 + 3 modules.

    * max 1: 1 built, ``100 + 20·15 + 10·80 = 1200``;
    * max 2: 2 built, ``200 + 30·15 + 5·80 = 1050``;
    * max 3 (and 4): 3 built, ``300 + 40·15 = 900`` (a 4th module would sit idle).

    Each extra module allowed saves 150 while the limit binds. The limit's own dual is not
    asserted: in the fixed LP the build variable is fixed, so its row is degenerate and any
    dual the solver returns for it is arbitrary. With one module built, the fixed LP has a
    unique dual for plant P's capacity: a t REO more saves ``0.5·(80 − 30) = 25`` ⇒ −25.
    """
    run = kit.solve(_sheets(kit, max_count))
    assert run.objective == pytest.approx(objective, rel=1e-6)
    assert run.tables["builds"]["count"].sum() == built
    limit = kit.row(run, "dual_module_build_limit", module="K")
    assert limit["binding"] == (built == max_count)
    assert limit["activity"] == pytest.approx(built, abs=1e-9)
    if max_count == 1:
        assert run.outcome.duals_source == "fixed_lp"
        assert kit.dual(run, "plant_capacity", plant="P") == pytest.approx(-25, abs=1e-6)
        assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(80, abs=1e-6)
