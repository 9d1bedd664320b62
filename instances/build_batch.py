"""Write ``instances/ree_baseline_batch.xlsx``: the shipped batch of ``ree_baseline.xlsx``.

Run from the repository root::

    python instances/build_batch.py
    supplyopt batch instances/ree_baseline_batch.xlsx --out reports/ree_batch

Runs (each applies to every scenario of the base instance and wins over its changes):

* ``baseline``: the instance as it is;
* ``canada_capex_overrun``: capex of the Canadian modules (mine and SRC expansion) × 1.4; both
  take 4–7 years (online 2030 and 2033 at the earliest), inside the 2035 horizon;
* ``us_capex_overrun``: capex of the US modules (Seadrift, greenfield, Energy Fuels phase 2,
  Ucore phases 1–2, MP ramp) × 1.4;
* ``ef_feed_fails``: no monazite reaches Energy Fuels' White Mesa (the plan's pivotal project,
  instances/README.md), i.e. phase 2 cannot run: what would be built instead;
* ``malaysia_feed_cut``: Lynas Malaysia imports no Australian concentrate or MREC from 2026Q1
  (the ``malaysia_feed_cut`` scenario made certain, in every scenario);
* ``ev_demand_surge``: US EV demand for Nd, Pr, Dy and Tb × 1.5 from 2026Q1;
* sweep ``china_dy_tb_caps``: China's Dy and Tb export quotas scaled together from 0 to
  100 % of their base values, 11 runs.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "ree_baseline_batch.xlsx"

README = [
    "Batch of instances/ree_baseline.xlsx for `supplyopt batch` (see docs/batch.md).",
    "Sheet settings: base = the base instance (relative to this file) and batch-wide defaults.",
    "Sheet batch: one override per row (run, sheet, key, column, mode, value, from_period); rows "
    "with the same run name make one run; a run row without an override is the base case.",
    "Sheet sweeps: rows with the same sweep name are swept together over the range "
    "(A..B% scales the base value, A..B sets it; :N = number of runs).",
    "Written by instances/build_batch.py: edit that script, not this workbook.",
]


def batch_sheets() -> dict[str, list[dict]]:
    """Return the sheets of the batch workbook."""
    settings = [
        {"setting": "base", "value": "ree_baseline.xlsx"},
        {"setting": "description", "value": "Rare-earth baseline to 2035: China Dy/Tb quota "
                                            "sweep and five stress tests."},
        {"setting": "focus_country", "value": "CHN"},
        {"setting": "mip_gap", "value": 1e-4},
        {"setting": "time_limit", "value": 600},
    ]
    batch = [{"run": "baseline", "description": "The base instance, unchanged."}]
    for module in ("CAN_Generic_mine", "CAN_SRC_exp"):
        batch.append({"run": "canada_capex_overrun", "sheet": "modules", "key": module,
                      "column": "capex_usd", "mode": "scale", "value": 1.4,
                      "description": "Canadian capex +40 % (Canadian modules take 4-7 "
                                     "years)."})
    for module in ("USA_Seadrift_mod", "USA_Greenfield_mod", "USA_EF_ph2", "USA_Ucore_ph1",
                   "USA_Ucore_ph2", "USA_MP_ramp"):
        batch.append({"run": "us_capex_overrun", "sheet": "modules", "key": module,
                      "column": "capex_usd", "mode": "scale", "value": 1.4,
                      "description": "US capex +40 %."})
    batch.append({"run": "ef_feed_fails", "sheet": "lanes", "key": "EF_Monazite,USA_WhiteMesa",
                  "column": "capacity_t", "mode": "set", "value": 0,
                  "description": "No monazite for Energy Fuels phase 2."})
    for origin, plant in (("AUS_MtWeld", "MYS_Lynas"), ("AUS_MtWeld_SEGH", "MYS_Lynas_HRE")):
        batch.append({"run": "malaysia_feed_cut", "sheet": "lanes", "key": f"{origin},{plant}",
                      "column": "capacity_t", "mode": "set", "value": 0,
                      "from_period": "2026Q1",
                      "description": "No Australian feed reaches Lynas Malaysia from 2026Q1."})
    for element in ("Nd", "Pr", "Dy", "Tb"):
        batch.append({"run": "ev_demand_surge", "sheet": "demand_quantities",
                      "key": f"USA_ev_{element}", "column": "quantity_t", "mode": "scale",
                      "value": 1.5, "from_period": "2026Q1",
                      "description": "US EV demand +50 % from 2026Q1."})
    sweeps = [{"sweep": "china_dy_tb_caps", "sheet": "export_quotas", "key": f"CHN,{el}",
               "column": "cap_t", "range": "0..100%:11"} for el in ("Dy", "Tb")]
    return {"settings": settings, "batch": batch, "sweeps": sweeps}


def main() -> Path:
    """Write the workbook and check it against the base instance."""
    from optimizer.api import load_instance
    from optimizer.batch.definition import check_batch, read_batch
    from optimizer.io.write import write_workbook

    write_workbook(batch_sheets(), OUT, readme=README)
    defn = read_batch(OUT)
    check_batch(defn, load_instance(defn.base))
    print(f"wrote {OUT} ({len(defn.runs)} runs)")
    return OUT


if __name__ == "__main__":
    main()
