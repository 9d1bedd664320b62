"""Two solves of the same instance give the same files, byte for byte.

``supplyopt solve`` runs twice as separate processes (with different hash seeds, so nothing may
depend on set or dict ordering of strings) into two folders. Every ``tables/*.csv`` must be
identical, and ``summary.json`` too apart from its timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from optimizer.io.write import write_csv_folder

TIMING_FIELDS = ("times_s",)
"""summary.json fields that measure wall-clock time and so may differ between runs."""


def network_frames(mines=6, plants=3, demands=4, periods=4, scenarios=3, seed=7):
    """A seeded random network: mines → plants → demands, capacity cuts in later periods."""
    rng = np.random.default_rng(seed)
    countries = [f"C{i}" for i in range(6)]
    elements = ["Nd", "Pr", "Dy", "Tb"]
    per = [f"T{t:02d}" for t in range(periods)]
    mine_rows = [dict(mine=f"m{i}", country=countries[i % 6],
                      capacity_t=float(rng.integers(50, 150)),
                      cost_usd_per_t=float(rng.integers(5, 30))) for i in range(mines)]
    assays = [dict(mine=f"m{i}", element=e, share=round(float(rng.uniform(0.02, 0.2)), 3))
              for i in range(mines) for e in elements]
    plant_rows = [dict(plant=f"p{j}", country=countries[(j * 2) % 6],
                       capacity_t=float(rng.integers(100, 300)),
                       opex_usd_per_t=float(rng.integers(5, 20))) for j in range(plants)]
    rec = [dict(plant=f"p{j}", element=e, recovery=round(float(rng.uniform(0.7, 0.95)), 3))
           for j in range(plants) for e in elements]
    dem = [dict(demand=f"d{k}", country=countries[k % 6], end_use=["ev", "wind", "defence"][k % 3],
                lost_value_usd_per_t=float(rng.integers(2000, 5000))) for k in range(demands)]
    q = [dict(demand=f"d{k}", element=e, period=p, quantity_t=round(float(rng.uniform(1, 8)), 2))
         for k in range(demands) for e in elements for p in per]
    lanes = []
    for i in range(mines):
        for j in rng.choice(plants, size=3, replace=False):
            lanes.append(dict(origin=f"m{i}", destination=f"p{j}",
                              cost_usd_per_t=float(rng.integers(1, 10))))
    for j in range(plants):
        for k in rng.choice(demands, size=4, replace=False):
            lanes.append(dict(origin=f"p{j}", destination=f"d{k}",
                              cost_usd_per_t=float(rng.integers(1, 10)),
                              capacity_t=float(rng.integers(20, 60))))
    sc = [dict(scenario="base", probability=0.5)] + [
        dict(scenario=f"s{n}", probability=0.5 / (scenarios - 1)) for n in range(1, scenarios)]
    changes = []
    for n in range(1, scenarios):
        for i in rng.choice(mines, size=3, replace=False):
            changes.append(dict(scenario=f"s{n}", sheet="mines", key=f"m{i}", column="capacity_t",
                                mode="scale", value=round(float(rng.uniform(0, 0.5)), 2),
                                from_period=per[int(rng.integers(1, periods))]))
    return {
        "periods": [dict(period=p, discount_factor=round(0.98 ** t, 6)) for t, p in enumerate(per)],
        "countries": [dict(country=c) for c in countries],
        "elements": [dict(element=e, reference_price_usd_per_t=100.0) for e in elements],
        "mines": mine_rows, "mine_assays": assays, "plants": plant_rows, "plant_recoveries": rec,
        "demands": dem, "demand_quantities": q, "lanes": lanes,
        "export_quotas": [dict(country="C0", product="*", cap_t=80.0)],
        "modules": [dict(module="p0_x", site="p0", capacity_t=40.0, capex_usd=900.0,
                         earliest_period=per[1], max_count=2),
                    dict(module="m1_x", site="m1", capacity_t=30.0, capex_usd=700.0)],
        "diversification_caps": [dict(end_use="ev", basis="processed", max_share=0.8)],
        "scenarios": sc, "scenario_changes": changes,
    }


def _solve(instance: Path, out: Path, seed: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.Popen([sys.executable, "-m", "optimizer", "solve", str(instance), "--out",
                             str(out), "--quiet", "--mip-gap", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_solves_write_identical_tables_and_summary(tmp_path):
    instance = write_csv_folder(network_frames(), tmp_path / "instance")
    a, b = tmp_path / "a", tmp_path / "b"
    procs = [_solve(instance, a, "1"), _solve(instance, b, "2")]  # in parallel: half the wait
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, out + err

    tables_a = sorted(f.name for f in (a / "tables").glob("*.csv"))
    tables_b = sorted(f.name for f in (b / "tables").glob("*.csv"))
    assert tables_a == tables_b
    for name in ("flows.csv", "builds.csv", "stocks.csv", "unmet_demand.csv"):
        assert name in tables_a
    different = [n for n in tables_a
                 if (a / "tables" / n).read_bytes() != (b / "tables" / n).read_bytes()]
    assert not different, f"tables differ between two identical solves: {different}"

    sa = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    sb = json.loads((b / "summary.json").read_text(encoding="utf-8"))
    assert sa["status"] == "optimal" and sa["verification"]["ok"]
    for field in TIMING_FIELDS:
        assert field in sa  # the field exists, so dropping it hides nothing else
        sa.pop(field)
        sb.pop(field)
    assert sa == sb
