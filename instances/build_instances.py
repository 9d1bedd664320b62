"""Write the shipped example instances.

* ``tutorial.xlsx``: five-minute tutorial (this file);
* ``tutorial_adaptive.xlsx``: the tutorial's adaptive-investment example (this file);
* ``ree_baseline.xlsx``: the 2035 baseline (``baseline_2035.py``);
* ``ree_baseline_10q.xlsx``: the former 10-quarter baseline, a named variant (``baseline_10q.py``).

Run ``python instances/build_instances.py`` from the repository root to regenerate them all.
Every figure carries a short comment: its source (document and year, as in
``/work/shared/context/instance-data.md``, cited as "data §n") or ``[assumption]`` with the
reasoning. ``instances/README.md`` lists the same figures sheet by sheet.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import baseline_10q  # noqa: E402
import baseline_2035  # noqa: E402

from optimizer.io.write import write_workbook  # noqa: E402

# =============================================================================================
# 1. Tutorial: small enough to solve by hand (see instances/README.md, "Tutorial walk-through")
# =============================================================================================

def tutorial_frames() -> dict:
    """Return the tutorial: build a plant or not.

    Two periods, three countries, one element, one mine, one plant (built by a module),
    one Chinese trader, two demand nodes and one rule (no Chinese material for defence).

    All figures are round illustrative numbers [assumption], chosen close to the baseline's
    orders of magnitude so that the arithmetic stays readable.
    """
    return {
        "settings": [
            {"setting": "name", "value": "tutorial"},
            {"setting": "description", "value": "Five-minute tutorial: build a plant or not?"},
            {"setting": "currency", "value": "USD"},
            {"setting": "discount_rate_per_year", "value": "0"},  # no discounting: hand-checkable
        ],
        "periods": [{"period": "P1"}, {"period": "P2"}],
        "countries": [
            {"country": "AUS", "name": "Australia"},
            {"country": "CHN", "name": "China"},
            {"country": "USA", "name": "United States"},
        ],
        "elements": [{"element": "NdPr", "name": "Neodymium-praseodymium oxide"}],
        "mines": [
            # 1,000 t REO per period at US$5/kg REO [assumption; baseline Mt Weld cost]
            {"mine": "AUS_Mine", "country": "AUS", "capacity_t": 1000, "cost_usd_per_t": 5000},
        ],
        "mine_assays": [
            {"mine": "AUS_Mine", "element": "NdPr", "share": 0.25},  # 25 % NdPr [assumption]
        ],
        "plants": [
            # greenfield US plant: no capacity until a module is built; US$8/kg feed opex
            {"plant": "USA_Plant", "country": "USA", "capacity_t": 0, "opex_usd_per_t": 8000},
        ],
        "plant_recoveries": [
            {"plant": "USA_Plant", "element": "NdPr", "recovery": 0.9},  # [assumption]
        ],
        "traders": [
            # Chinese NdPr oxide, 200 t per period at US$60/kg [assumption; data §7 base price]
            {"trader": "CHN_NdPr", "country": "CHN", "element": "NdPr", "capacity_t": 200,
             "price_usd_per_t": 60000},
        ],
        "demands": [
            {"demand": "USA_defence", "country": "USA", "end_use": "defence", "military": True,
             "lost_value_usd_per_t": 200000},  # [assumption]
            {"demand": "USA_ev", "country": "USA", "end_use": "ev",
             "lost_value_usd_per_t": 80000},  # [assumption]
        ],
        "demand_quantities": [
            {"demand": d, "element": "NdPr", "period": p, "quantity_t": q}
            for d, q in (("USA_defence", 20), ("USA_ev", 100)) for p in ("P1", "P2")
        ],
        "lanes": [
            {"origin": "AUS_Mine", "destination": "USA_Plant", "cost_usd_per_t": 100},
            {"origin": "USA_Plant", "destination": "USA_defence", "cost_usd_per_t": 0},
            {"origin": "USA_Plant", "destination": "USA_ev", "cost_usd_per_t": 0},
            {"origin": "CHN_NdPr", "destination": "USA_defence", "cost_usd_per_t": 300},
            {"origin": "CHN_NdPr", "destination": "USA_ev", "cost_usd_per_t": 300},
        ],
        "modules": [
            # one module: 400 t REO feed per period from P1, US$3M [assumption]
            {"module": "USA_Plant_mod", "site": "USA_Plant", "capacity_t": 400,
             "capex_usd": 3_000_000, "earliest_period": "P1", "max_count": 1},
        ],
        "end_use_limits": [
            # the one rule: nothing mined or processed in China reaches defence (MOFCOM Ann. 46)
            {"country": "CHN", "basis": "either", "end_use": "defence", "element": "*",
             "max_t": 0},
        ],
    }


TUTORIAL_README = [
    "supplyopt tutorial instance (instances/tutorial.xlsx), written by "
    "instances/build_instances.py.",
    "A US buyer needs NdPr oxide for two end uses over two periods: defence 20 t and EV 100 t "
    "per period.",
    "It can buy Chinese oxide (200 t per period at US$60,000/t + US$300/t freight), or build one "
    "module of a US separation plant",
    "(400 t REO feed per period, US$3M) fed by an Australian mine (US$5,000/t REO + US$100/t "
    "freight; plant opex US$8,000/t; 25 % NdPr, 90 % recovery).",
    "Rule: no Chinese-mined or Chinese-processed material may reach defence (MOFCOM Ann. 46).",
    "Unserved demand costs US$200,000/t (defence) or US$80,000/t (EV). No discounting.",
    "Optimum (derived by hand in instances/README.md): build the module; cost US$17,098,000.",
    "All figures are illustrative [assumption]; the sourced instance is ree_baseline.xlsx.",
]




# =============================================================================================
# 2. Adaptive tutorial: wait for the news, then build (see instances/README.md)
# =============================================================================================

def tutorial_adaptive_frames() -> dict:
    """Three one-year periods, one element, a Chinese offer that may stop from Y2.

    The US buyer needs 100 t of NdPr a year. Chinese oxide costs 60,000 USD/t; a US plant
    module (capex 2,000,000, lead time 0) makes NdPr at 65,000 USD/t; unserved demand costs
    80,000 USD/t. Scenario ``cut`` (probability 0.5) stops the Chinese offer from Y2, and it is
    revealed then; ``calm`` (0.5) changes nothing. All figures are round [assumption]; no
    discounting. Hand optimum in instances/README.md: adaptive 19,500,000 (build only in the
    cut branch, decided in Y2), here-and-now 20,000,000 (no build), so waiting is worth 500,000.
    """
    return {
        "settings": [
            {"setting": "name", "value": "tutorial_adaptive"},
            {"setting": "description", "value": "Tutorial 2: build now, or wait for the news?"},
            {"setting": "currency", "value": "USD"},
            {"setting": "discount_rate_per_year", "value": "0"},
            {"setting": "periods_per_year", "value": "1"},  # one-year base period
            {"setting": "build_decisions", "value": "adaptive"},
        ],
        "periods": [{"period": p} for p in ("Y1", "Y2", "Y3")],
        "countries": [
            {"country": "AUS", "name": "Australia"},
            {"country": "CHN", "name": "China"},
            {"country": "USA", "name": "United States"},
        ],
        "elements": [{"element": "NdPr", "name": "Neodymium-praseodymium oxide"}],
        "mines": [  # 5,000 USD/t REO, enough for the module
            {"mine": "AUS_Mine", "country": "AUS", "capacity_t": 1000, "cost_usd_per_t": 5000}],
        # 25 % NdPr × 80 % recovery = 0.2 t NdPr per t feed
        "mine_assays": [{"mine": "AUS_Mine", "element": "NdPr", "share": 0.25}],
        "plants": [  # greenfield; 8,000 USD/t feed: (5,000 + 8,000) / 0.2 = 65,000 USD/t NdPr
            {"plant": "USA_Plant", "country": "USA", "capacity_t": 0, "opex_usd_per_t": 8000}],
        "plant_recoveries": [{"plant": "USA_Plant", "element": "NdPr", "recovery": 0.8}],
        "traders": [
            {"trader": "CHN_NdPr", "country": "CHN", "element": "NdPr", "capacity_t": 200,
             "price_usd_per_t": 60000}],
        "demands": [
            {"demand": "USA_ev", "country": "USA", "end_use": "ev",
             "lost_value_usd_per_t": 80000}],
        "demand_quantities": [
            {"demand": "USA_ev", "element": "NdPr", "period": p, "quantity_t": 100}
            for p in ("Y1", "Y2", "Y3")],
        "lanes": [
            {"origin": "AUS_Mine", "destination": "USA_Plant", "cost_usd_per_t": 0},
            {"origin": "USA_Plant", "destination": "USA_ev", "cost_usd_per_t": 0},
            {"origin": "CHN_NdPr", "destination": "USA_ev", "cost_usd_per_t": 0},
        ],
        "modules": [
            # 500 t feed a year → 100 t NdPr; capex paid when online (lead time 0), in full
            {"module": "USA_Plant_mod", "site": "USA_Plant", "capacity_t": 500,
             "capex_usd": 2_000_000, "lead_time_years": 0, "max_count": 1}],
        "scenarios": [
            {"scenario": "calm", "probability": 0.5, "description": "Nothing changes."},
            {"scenario": "cut", "probability": 0.5,
             "description": "China stops selling from Y2 (known in Y2)."},
        ],
        "scenario_changes": [
            {"scenario": "cut", "sheet": "traders", "key": "CHN_NdPr", "column": "capacity_t",
             "mode": "set", "value": 0, "from_period": "Y2"}],
    }


TUTORIAL_ADAPTIVE_README = [
    "supplyopt adaptive tutorial (instances/tutorial_adaptive.xlsx), written by "
    "instances/build_instances.py.",
    "A US buyer needs 100 t NdPr a year for three years. Chinese oxide costs US$60,000/t; a US "
    "plant module (capex US$2M, no lead time) makes it at US$65,000/t.",
    "With probability 0.5 China stops selling from Y2 (scenario cut, known in Y2). Unserved "
    "demand costs US$80,000/t. No discounting.",
    "Optimum (derived by hand in instances/README.md): wait; build in Y2 only if China cuts. "
    "Expected cost US$19,500,000; deciding everything now costs US$20,000,000.",
    "Try: lead_time_years = 1 (a build decided in Y2 arrives in Y3, too late: 20,000,000, "
    "waiting is worth nothing); build_decisions = here_and_now (20,000,000).",
    "All figures are illustrative [assumption].",
]


def main() -> None:
    """Write every shipped workbook next to this script."""
    written = [
        write_workbook(tutorial_frames(), HERE / "tutorial.xlsx", readme=TUTORIAL_README),
        write_workbook(tutorial_adaptive_frames(), HERE / "tutorial_adaptive.xlsx",
                       readme=TUTORIAL_ADAPTIVE_README),
        write_workbook(baseline_2035.baseline_frames(), HERE / "ree_baseline.xlsx",
                       readme=baseline_2035.BASELINE_README),
        write_workbook(baseline_10q.baseline_frames(), HERE / "ree_baseline_10q.xlsx",
                       readme=baseline_10q.BASELINE_README),
    ]
    print("wrote " + ", ".join(p.name for p in written))


if __name__ == "__main__":
    main()
