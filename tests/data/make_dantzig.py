"""Write ``tests/data/dantzig.xlsx``: Dantzig's transportation problem in the workbook format.

The instance is GAMS model library ``trnsport`` (Dantzig 1963, ch. 3.3): canning plants
Seattle (350 cases) and San Diego (600) ship to markets New York (325), Chicago (300) and
Topeka (275). Freight is 90 USD per case per thousand miles, so a lane costs
``90 · d / 1000`` thousand USD per case; the published optimum is 153.675 (thousand USD).

Encoding: the plants are traders (an offer with a capacity and price 0) of one product,
``cases``; the markets are must-serve demand nodes; every site is in one country, so no
quota, tariff or end-use rule applies. The workbook format requires a mine and a plant, so
an idle pair with no lanes is included; it adds nothing to the model.

Run ``python tests/data/make_dantzig.py`` to rewrite the workbook.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.io.write import write_workbook

SUPPLY = {"seattle": 350, "san-diego": 600}
DEMAND = {"new-york": 325, "chicago": 300, "topeka": 275}
DISTANCE_KMI = {  # thousand miles
    ("seattle", "new-york"): 2.5, ("seattle", "chicago"): 1.7, ("seattle", "topeka"): 1.8,
    ("san-diego", "new-york"): 2.5, ("san-diego", "chicago"): 1.8, ("san-diego", "topeka"): 1.4,
}
FREIGHT_USD_PER_CASE_KMI = 90
PATH = Path(__file__).with_name("dantzig.xlsx")


def frames() -> dict[str, list[dict]]:
    """The instance as sheets of row dicts (costs in thousand USD per case)."""
    return {
        "settings": [{"setting": "name", "value": "dantzig-trnsport"},
                     {"setting": "currency", "value": "kUSD"}],
        "periods": [{"period": "1963", "discount_factor": 1.0}],
        "countries": [{"country": "US", "name": "United States"}],
        "elements": [{"element": "cases", "name": "cases of tinned goods"}],
        "mines": [{"mine": "idle-mine", "country": "US", "capacity_t": 0, "cost_usd_per_t": 0}],
        "mine_assays": [{"mine": "idle-mine", "element": "cases", "share": 1.0}],
        "plants": [{"plant": "idle-plant", "country": "US", "capacity_t": 0,
                    "opex_usd_per_t": 0}],
        "plant_recoveries": [{"plant": "idle-plant", "element": "cases", "recovery": 1.0}],
        "traders": [{"trader": p, "country": "US", "element": "cases", "capacity_t": cap,
                     "price_usd_per_t": 0} for p, cap in SUPPLY.items()],
        "demands": [{"demand": m, "country": "US", "end_use": "market", "must_serve": True}
                    for m in DEMAND],
        "demand_quantities": [{"demand": m, "element": "cases", "period": "1963",
                               "quantity_t": q} for m, q in DEMAND.items()],
        "lanes": [{"origin": p, "destination": m,
                   "cost_usd_per_t": FREIGHT_USD_PER_CASE_KMI * d / 1000}
                  for (p, m), d in DISTANCE_KMI.items()],
    }


def main(path: Path = PATH) -> Path:
    """Write the workbook to ``path``."""
    return write_workbook(frames(), path, readme=[__doc__.strip().splitlines()[0]])


if __name__ == "__main__":
    print(main())
