"""Periods of different length: rates scale with length, discounting follows time.

The instance (element Nd, 8 %/year, base period = a quarter)::

    trader T (C): 10 t per quarter at 10 USD/t ──> demand d (A): 10 t per quarter
    mine M (A): 5 USD/t ──> plant P (A): capacity 0, module j: +10 t per quarter,
                            capex 100, fixed O&M 20 USD per quarter, lead time 0

With v = 1.08^(−1/4), base period k costs v^k. Quarter k with the module: 10 × 5 + 20 = 70,
without: 10 × 10 = 100 — the module saves 30 a quarter, and over a year
(Σ_{k=0}^{3} v^k ≈ 3.94 quarters' worth) 118 > 100 of capex: build at once.

* four quarters: 100 (capex at v^0) + 70 · Σ_{k=0}^{3} v^k;
* one year of four quarters' rates: the flows are 4 × the rates at the year's factor
  δ = ¼ Σ_{k=0}^{3} v^k, the O&M is paid in each of its 4 base periods: the same figure.
"""

from __future__ import annotations

import pytest

from optimizer.errors import InputError
from tests.conftest import build_instance, solve_sheets

V = 1.08 ** -0.25


def sheets(periods) -> dict:
    """The instance of the module docstring over ``periods`` [(label, length_years), ...]."""
    return {
        "settings": [{"setting": "discount_rate_per_year", "value": "0.08"}],
        "periods": [{"period": p, "length_years": y} for p, y in periods],
        "countries": [{"country": "A"}, {"country": "C"}],
        "elements": [{"element": "Nd"}],
        "mines": [{"mine": "M", "country": "A", "capacity_t": 100, "cost_usd_per_t": 5}],
        "mine_assays": [{"mine": "M", "element": "Nd", "share": 1.0}],
        "plants": [{"plant": "P", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
        "plant_recoveries": [{"plant": "P", "element": "Nd", "recovery": 1.0}],
        "traders": [{"trader": "T", "country": "C", "element": "Nd", "capacity_t": 10,
                     "price_usd_per_t": 10}],
        "demands": [{"demand": "d", "country": "A", "end_use": "magnets",
                     "lost_value_usd_per_t": 1000}],
        "demand_quantities": [{"demand": "d", "element": "Nd", "period": p, "quantity_t": 10}
                              for p, _ in periods],
        "lanes": [{"origin": "M", "destination": "P"}, {"origin": "P", "destination": "d"},
                  {"origin": "T", "destination": "d"}],
        "modules": [{"module": "j", "site": "P", "capacity_t": 10, "capex_usd": 100,
                     "fixed_om_usd": 20, "max_count": 1}],
    }


def test_one_year_costs_what_its_four_quarters_cost():
    """100 + 70 · (1 + v + v² + v³) both ways (module docstring)."""
    expected = 100 + 70 * sum(V ** k for k in range(4))
    quarters = solve_sheets(sheets([("Q1", 0.25), ("Q2", 0.25), ("Q3", 0.25), ("Q4", 0.25)]))
    year = solve_sheets(sheets([("Y1", 1.0)]))
    assert quarters.objective == pytest.approx(expected, rel=1e-9)
    assert year.objective == pytest.approx(expected, rel=1e-9)
    # The year's flows are its four quarters' worth.
    flows = year.tables["flows"]
    assert flows[flows["destination"] == "d"]["tonnes"].sum() == pytest.approx(40.0)


def test_discounting_of_a_mixed_calendar():
    """Q1, Q2 (quarters) then Y2 (a year = base periods 2..5).

    δ(Q1) = 1, δ(Q2) = v, δ(Y2) = (v² + v³ + v⁴ + v⁵) / 4. Without the module (max_count 0)
    the plan buys 10 t a quarter: 100 + 100 v + 400 δ(Y2).
    """
    s = sheets([("Q1", 0.25), ("Q2", 0.25), ("Y2", 1.0)])
    s["modules"][0]["max_count"] = 0
    inst = build_instance(s)
    d_y2 = sum(V ** k for k in range(2, 6)) / 4
    assert inst.discount_factors == pytest.approx((1.0, V, d_y2))
    run = solve_sheets(s)
    assert run.objective == pytest.approx(100 + 100 * V + 400 * d_y2, rel=1e-9)


def test_lead_time_is_measured_in_time():
    """A lead time of half a year (two base periods): decided at the start of Q1 (base period
    0) it is online in Q3 (base period 2); from Q3 (2) it is due at base period 4, the start of
    Y2; from Q4 (3) at 5, inside Y2, so only from Y3 (8); from Y2 (4) at 6: Y3."""
    s = sheets([("Q1", 0.25), ("Q2", 0.25), ("Q3", 0.25), ("Q4", 0.25), ("Y2", 1.0),
                ("Y3", 1.0)])
    s["modules"][0]["lead_time_years"] = 0.5
    from optimizer.formulation.data import build_model_data

    md = build_model_data(build_instance(s))
    online = dict(zip(md.var_ix["modules_built"]["decision_period"],
                      md.var_ix["modules_built"]["period"]))
    assert online == {"Q1": "Q3", "Q2": "Q4", "Q3": "Y2", "Q4": "Y3", "Y2": "Y3"}


@pytest.mark.parametrize("length, what", [(0, "positive whole number"),
                                          (0.3, "positive whole number"),
                                          (-1, "≥ 0")])
def test_bad_period_lengths_name_the_cell(length, what):
    s = sheets([("Q1", 0.25), ("Q2", length)])
    with pytest.raises(InputError) as err:
        build_instance(s)
    text = str(err.value)
    assert "sheet 'periods', row 3, column 'length_years'" in text and what in text


def test_negative_lead_time_is_refused():
    s = sheets([("Q1", 0.25)])
    s["modules"][0]["lead_time_years"] = -1
    with pytest.raises(InputError) as err:
        build_instance(s)
    assert "sheet 'modules', row 2, column 'lead_time_years'" in str(err.value)


def test_a_module_that_can_never_be_online_is_refused():
    """Two quarters and a one-year lead time: decided in Q1 it would be online after the
    horizon; the row is an error naming the lead time's cell."""
    s = sheets([("Q1", 0.25), ("Q2", 0.25)])
    s["modules"][0]["lead_time_years"] = 1
    with pytest.raises(InputError) as err:
        build_instance(s)
    assert "sheet 'modules', row 2, column 'lead_time_years'" in str(err.value)
    assert "after the horizon" in str(err.value)
