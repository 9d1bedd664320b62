"""module_flow_link: strong linking of a module-only site's lanes to its builds (implied rows)."""

import highspy
import numpy as np
import pytest

from optimizer.formulation import CONSTRAINT_FAMILIES, IMPLIED_FAMILIES, build_model
from optimizer.solve import compile_arrays, free_implied_rows, with_fixed_builds


def _sites(kit):
    """Two greenfield plants (capacity 0), one module each; customer D needs 10 t Nd.

    Mine M: 1,000 t REO at cost 0, 100 % Nd; both plants recover 100 % at opex 0. Module
    ``m1`` adds 100 t REO at P1 for 1,000 USD, ``m2`` 100 t at P2 for 5,000 (max_count 1).
    Lanes P1 → D at 5 USD/t, P2 → D at 1; an offer T sells Nd to D at 200 USD/t.
    """
    return kit.sheets(
        mines=[{"mine": "M", "country": "A", "capacity_t": 1000, "cost_usd_per_t": 0}],
        mine_assays=[{"mine": "M", "element": "Nd", "share": 1.0}],
        plants=[{"plant": p, "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}
                for p in ("P1", "P2")],
        plant_recoveries=[{"plant": p, "element": "Nd", "recovery": 1.0} for p in ("P1", "P2")],
        modules=[{"module": "m1", "site": "P1", "capacity_t": 100, "capex_usd": 1000,
                  "max_count": 1},
                 {"module": "m2", "site": "P2", "capacity_t": 100, "capex_usd": 5000,
                  "max_count": 1}],
        traders=[{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 1000,
                  "price_usd_per_t": 200}],
        demands=[{"demand": "D", "country": "A", "end_use": "ev", "must_serve": True}],
        demand_quantities=[{"demand": "D", "element": "Nd", "period": "P1", "quantity_t": 10}],
        lanes=[{"origin": "M", "destination": "P1"}, {"origin": "M", "destination": "P2"},
               {"origin": "P1", "destination": "D", "cost_usd_per_t": 5},
               {"origin": "P2", "destination": "D", "cost_usd_per_t": 1},
               {"origin": "T", "destination": "D"}],
    )


def _bounds(md) -> dict:
    ix = md.con_ix["module_flow_link"]
    return {(o, d): b for o, d, b in zip(ix["origin"], ix["destination"], ix["bound_t"])}


def test_rows_and_bounds(kit):
    """One row per lane of a module-only site: M → P1 and M → P2 (concentrate in),
    P1 → D and P2 → D (Nd out); T → D belongs to no site with modules.

    Bounds: a plant's feed ≤ its modules' capacity, 100·1 = 100 t REO; its Nd out ≤
    min(demand 10, yield 1·1 × 100) = 10 t. The row is ``f − U·b ≤ 0``.
    """
    _, md = build_model(kit.instance(_sites(kit)), pyomo=False)
    assert _bounds(md) == {("M", "P1"): 100, ("M", "P2"): 100, ("P1", "D"): 10,
                           ("P2", "D"): 10}
    fam = md.families["module_flow_link"]
    assert fam.sense == "<="
    assert sorted(fam.coef.tolist()) == [-100, -100, -10, -10, 1, 1, 1, 1]


def test_lp_relaxation_is_tight_and_optimum_unchanged(kit):
    """LP relaxation 1,050 with the links (150 without); MIP optimum 1,050 either way.

    Per tonne delivered, with builds fractional: without links a tonne through P1 needs only
    1/100 of m1 (10 + 5 = 15 USD), so the relaxation is ``10·15 = 150``; with
    ``f_P1D ≤ 10·b_m1`` a tonne needs 1/10 of m1 (100 + 5 = 105), P2 costs 500 + 1 = 501,
    the offer 200: ``10·105 = 1,050``. Integer plans: build m1, 1000 + 10·5 = 1,050; build m2,
    5000 + 10 = 5,010; buy, 2,000. So the link closes the whole gap here.

    Fixed-LP shadow price of D (m1 built): the marginal tonne comes through P1 at 5 (the
    feed and the plant output rows are slack or free), unique because q_M→P1 and f_P1D are
    basic and positive; the link rows are free in that LP and have no dual table.
    """
    s = _sites(kit)
    _, md = build_model(kit.instance(s), pyomo=False)
    compiled = compile_arrays(md)
    relaxed = {}
    for label, (lower, upper) in (("with", (compiled.lp.row_lower_, compiled.lp.row_upper_)),
                                  ("without", free_implied_rows(compiled))):
        lp = with_fixed_builds(compiled, np.zeros(len(md.var_ix["modules_built"]))).lp
        lp.row_lower_, lp.row_upper_ = lower, upper
        ints = compiled.integer_cols
        col_lower = np.array(lp.col_lower_, dtype=float)
        col_upper = np.array(lp.col_upper_, dtype=float)
        col_lower[ints], col_upper[ints] = 0.0, 1.0  # the build columns' own bounds
        lp.col_lower_, lp.col_upper_ = col_lower, col_upper
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        h.run()
        relaxed[label] = h.getInfo().objective_function_value
    assert relaxed["with"] == pytest.approx(1050, rel=1e-9)
    assert relaxed["without"] == pytest.approx(150, rel=1e-9)
    run = kit.solve(s)
    assert run.objective == pytest.approx(1050, rel=1e-9)
    assert kit.row(run, "builds", module="m1")["count"] == 1
    assert kit.dual(run, "demand_balance", demand="D") == pytest.approx(5, abs=1e-6)
    assert "dual_module_flow_link" not in run.tables
    assert "module_flow_link" in IMPLIED_FAMILIES and "module_flow_link" not in CONSTRAINT_FAMILIES
    assert run.verification["ok"], run.verification


def test_site_with_own_capacity_gets_no_link(kit):
    """P1 with 50 t REO of its own can run without m1: no link row may force a build."""
    s = _sites(kit)
    s["plants"][0]["capacity_t"] = 50
    _, md = build_model(kit.instance(s), pyomo=False)
    assert set(_bounds(md)) == {("M", "P2"), ("P2", "D")}
