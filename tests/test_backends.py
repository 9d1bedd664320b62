"""The array hand-off and Pyomo's standard-form compiler give HiGHS the same model.

`supplyopt solve` assembles the matrix directly from the formulation's term arrays; the Pyomo
model built by the same family functions goes through Pyomo's LinearStandardFormCompiler. This
test compares the two entry by entry (keyed by family and index, so row and column order may
differ), and also the costs and bounds. It is a consistency check between two code paths, not
a proof of correctness (the hand-derived tests in tests/formulation do that).
"""

import numpy as np
import pytest

from optimizer.formulation import build_model
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.solve import compile_arrays, compile_model

FRAMES = {
    "periods": [{"period": "P1"}, {"period": "P2"}, {"period": "P3"}],
    "countries": [{"country": c} for c in ("AU", "CN", "US", "MY")],
    "elements": [{"element": "Nd", "reference_price_usd_per_t": 60000},
                 {"element": "Dy", "reference_price_usd_per_t": 250000}],
    "mines": [{"mine": "m_au", "country": "AU", "capacity_t": 100, "cost_usd_per_t": 10},
              {"mine": "m_cn", "country": "CN", "capacity_t": 500, "cost_usd_per_t": 4}],
    "mine_assays": [{"mine": "m_au", "element": "Nd", "share": 0.5},
                    {"mine": "m_au", "element": "Dy", "share": 0.01},
                    {"mine": "m_cn", "element": "Nd", "share": 0.3},
                    {"mine": "m_cn", "element": "Dy", "share": 0.05}],
    "plants": [{"plant": "p_my", "country": "MY", "capacity_t": 80, "opex_usd_per_t": 5},
               {"plant": "p_us", "country": "US", "capacity_t": 0, "opex_usd_per_t": 7}],
    "plant_recoveries": [{"plant": p, "element": e, "recovery": 0.9}
                         for p in ("p_my", "p_us") for e in ("Nd", "Dy")],
    "traders": [{"trader": "cn_dy", "country": "CN", "element": "Dy", "capacity_t": 5,
                 "price_usd_per_t": 250000}],
    "stockpiles": [{"stockpile": "us_dy", "country": "US", "element": "Dy", "initial_t": 1,
                    "capacity_t": 10, "holding_cost_usd_per_t": 100}],
    "demands": [{"demand": "def", "country": "US", "end_use": "defence", "military": True,
                 "lost_value_usd_per_t": 1e6},
                {"demand": "ev", "country": "US", "end_use": "ev", "lost_value_usd_per_t": 2e5}],
    "demand_quantities": [{"demand": d, "element": e, "period": p, "quantity_t": q}
                          for d, e, q in (("def", "Dy", 1), ("ev", "Nd", 20), ("ev", "Dy", 2))
                          for p in ("P1", "P2", "P3")],
    "lanes": [{"origin": "m_au", "destination": "p_my", "cost_usd_per_t": 50},
              {"origin": "m_cn", "destination": "p_my", "cost_usd_per_t": 50, "capacity_t": 40},
              {"origin": "m_au", "destination": "p_us", "cost_usd_per_t": 80},
              {"origin": "p_my", "destination": "def", "cost_usd_per_t": 300},
              {"origin": "p_my", "destination": "ev", "cost_usd_per_t": 300},
              {"origin": "p_us", "destination": "def"}, {"origin": "p_us", "destination": "ev"},
              {"origin": "p_my", "destination": "us_dy", "cost_usd_per_t": 300},
              {"origin": "cn_dy", "destination": "us_dy", "cost_usd_per_t": 300},
              {"origin": "cn_dy", "destination": "ev", "cost_usd_per_t": 300},
              {"origin": "us_dy", "destination": "def"}],
    "tariffs": [{"origin_country": "CN", "destination_country": "US", "product": "*",
                 "ad_valorem": 0.25}],
    "modules": [{"module": "us_sep", "site": "p_us", "capacity_t": 50, "capex_usd": 1e6,
                 "fixed_om_usd": 1e4, "earliest_period": "P2", "max_count": 2}],
    "export_quotas": [{"country": "CN", "product": "Dy", "cap_t": 3}],
    "end_use_limits": [{"country": "CN", "basis": "either", "end_use": "defence", "max_t": 0},
                       {"country": "CN", "basis": "mined", "end_use": "ev", "max_share": 0.5}],
    "diversification_caps": [{"end_use": "ev", "element": "*", "basis": "processed",
                              "max_share": 0.8}],
    "scenarios": [{"scenario": "calm", "probability": 0.6},
                  {"scenario": "cut", "probability": 0.4}],
    "scenario_changes": [{"scenario": "cut", "sheet": "export_quotas", "key": "CN",
                          "column": "cap_t", "value": 0, "from_period": "P2"},
                         {"scenario": "cut", "sheet": "lanes", "key": "m_cn,p_my",
                          "column": "capacity_t", "value": 0, "from_period": "P2"}],
}


def _entries(compiled):
    A = compiled.lp.a_matrix_
    start, index, value = (np.asarray(A.start_), np.asarray(A.index_), np.asarray(A.value_))
    out = {}
    for j in range(compiled.lp.num_col_):
        col = (compiled.col_family[j], int(compiled.col_index[j]))
        for p in range(start[j], start[j + 1]):
            r = index[p]
            out[((compiled.row_family[r], int(compiled.row_index[r])), col)] = value[p]
    return out


def test_array_path_equals_pyomo_compiler():
    inst = validate(raw_from_frames(FRAMES), "<backends>")
    m, md = build_model(inst, pyomo=True)
    ref = compile_model(m, md)
    fast = compile_arrays(md)
    a, b = _entries(ref), _entries(fast)
    assert set(a) == set(b)
    assert all(a[k] == pytest.approx(b[k], rel=1e-12) for k in a)

    def by_col(c, arr):
        return {(c.col_family[j], int(c.col_index[j])): arr[j] for j in range(len(arr))}

    for attr in ("col_cost_", "col_lower_", "col_upper_"):
        ra, fa = by_col(ref, np.asarray(getattr(ref.lp, attr))), by_col(fast, np.asarray(
            getattr(fast.lp, attr)))
        assert all(ra[k] == pytest.approx(fa[k]) for k in ra), attr
        # Columns Pyomo drops (in no row, zero cost) must be harmless in the array path.
        assert all(fa[k] == 0 or attr != "col_cost_" for k in set(fa) - set(ra))

    def by_row(c, arr):
        return {(c.row_family[r], int(c.row_index[r])): arr[r] for r in range(len(arr))}

    for attr in ("row_lower_", "row_upper_"):
        ra, fa = by_row(ref, np.asarray(getattr(ref.lp, attr))), by_row(fast, np.asarray(
            getattr(fast.lp, attr)))
        assert all(ra[k] == pytest.approx(fa[k]) for k in ra), attr
    assert len(md.nodes) == 5  # P1 shared, then calm/cut split for P2 and P3
