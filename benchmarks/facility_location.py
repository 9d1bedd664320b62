r"""Capacitated facility location: the tool's MIP against a compact model in plain highspy.

The problem (Cornuéjols, Nemhauser and Wolsey's random instances, the textbook benchmark of
formulation strength): sites *i* with a fixed cost :math:`F_i` and a capacity :math:`K_i`,
customers *j* with demand :math:`d_j`, a cost :math:`c_{ij}` per tonne served.

.. math:: \min \sum_i F_i y_i + \sum_{ij} c_{ij} x_{ij} \quad\text{s.t.}\quad
          \sum_i x_{ij} = d_j, \quad \sum_j x_{ij} \le K_i y_i
          \ \bigl(\text{strong: and } x_{ij} \le \min(d_j, K_i)\, y_i\bigr),
          \quad y \in \{0,1\},\ x \ge 0

In the tool's instance format: one mine ``M`` (enough capacity for every site, cost 0, 100 %
Nd) feeds every site; a site is a plant with capacity 0 and one module (``max_count`` 1,
capacity :math:`K_i`, capex :math:`F_i`), recovery 1, opex 0; a customer is a must-serve
demand node; the lane site → customer costs :math:`c_{ij}` per tonne. The tool's model is then
the same problem plus one concentrate flow per site, and the strong links are its own
``module_flow_link`` family (optimizer/formulation/tightening.py), not written for this
benchmark.

Data, seeded: sites and customers uniform in the unit square, :math:`c_{ij}` = 100 × the
distance (USD/t), :math:`d_j \sim U[5, 35]` t, :math:`K_i \sim U[10, 160]` rescaled so that
total capacity is 4× total demand, :math:`F_i \sim U[0, 90] + U[100, 110]\sqrt{K_i}` (capacity
with economies of scale).

Usage::

    python benchmarks/facility_location.py                 # small, medium, large; one run
    python benchmarks/facility_location.py small --seed 3 --write instances/fl_small.xlsx

Prints, per size, the CPU time of HiGHS's MIP solve (one thread; wall time in ``--json``): of
the reference with aggregated capacity rows, of the reference with strong links, of the tool's
model as ``supplyopt solve`` hands it to HiGHS, and of the tool's model as it was before the
tightening (``≥`` demand rows, no ``module_flow_link``); the ratios tool / reference within the
run; and asserts that every optimum agrees (to the MIP gap). Every solve: same HiGHS options
(``mip_rel_gap`` 1e-4, one thread, no time limit unless ``--time-limit``), and the sub-MIP
heuristics (RINS, RENS, root reduced cost) and the root's restarts off, as the tool runs HiGHS
(``optimizer.highs_runtime``; ``--sub-mip-heuristics`` and ``--mip-restarts`` leave them on,
HiGHS's default, for every variant).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = {"tiny": (4, 12), "small": (20, 200), "medium": (50, 500), "large": (100, 1000)}
"""Size → (sites, customers)."""

CAPACITY_RATIO = 4.0
"""Total capacity / total demand."""


@dataclass(frozen=True)
class Problem:
    """One facility-location instance as arrays (sites i, customers j)."""

    fixed_usd: np.ndarray  # F_i
    capacity_t: np.ndarray  # K_i
    demand_t: np.ndarray  # d_j
    cost_usd_per_t: np.ndarray  # c_ij, sites × customers


def generate(n_sites: int, n_customers: int, seed: int = 0) -> Problem:
    """A seeded random instance (see the module docstring for the distributions)."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 1, (n_sites, 2))
    customers = rng.uniform(0, 1, (n_customers, 2))
    cost = 100.0 * np.linalg.norm(sites[:, None, :] - customers[None, :, :], axis=2)
    demand = rng.uniform(5, 35, n_customers)
    cap = rng.uniform(10, 160, n_sites)
    cap *= CAPACITY_RATIO * demand.sum() / cap.sum()
    fixed = rng.uniform(0, 90, n_sites) + rng.uniform(100, 110, n_sites) * np.sqrt(cap)
    # Two decimals, as a planner would type them (and the workbook stores them).
    return Problem(np.round(fixed, 2), np.round(cap, 2), np.round(demand, 2), np.round(cost, 2))


def to_sheets(p: Problem) -> dict[str, list[dict]]:
    """The instance in the tool's format: ``{sheet: [row, ...]}`` (see the module docstring)."""
    n, m = p.cost_usd_per_t.shape
    sites = [f"S{i:03d}" for i in range(n)]
    customers = [f"C{j:04d}" for j in range(m)]
    return {
        "periods": [{"period": "P1", "discount_factor": 1.0}],
        "countries": [{"country": "A"}],
        "elements": [{"element": "Nd"}],
        "mines": [{"mine": "M", "country": "A", "capacity_t": float(np.ceil(p.capacity_t.sum())),
                   "cost_usd_per_t": 0}],
        "mine_assays": [{"mine": "M", "element": "Nd", "share": 1.0}],
        "plants": [{"plant": s, "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}
                   for s in sites],
        "plant_recoveries": [{"plant": s, "element": "Nd", "recovery": 1.0} for s in sites],
        "modules": [{"module": f"build_{s}", "site": s, "capacity_t": float(k),
                     "capex_usd": float(f), "max_count": 1}
                    for s, k, f in zip(sites, p.capacity_t, p.fixed_usd)],
        "demands": [{"demand": c, "country": "A", "end_use": "ev", "must_serve": True}
                    for c in customers],
        "demand_quantities": [{"demand": c, "element": "Nd", "period": "P1",
                               "quantity_t": float(d)} for c, d in zip(customers, p.demand_t)],
        "lanes": [{"origin": "M", "destination": s, "cost_usd_per_t": 0} for s in sites]
        + [{"origin": s, "destination": c, "cost_usd_per_t": float(p.cost_usd_per_t[i, j])}
           for i, s in enumerate(sites) for j, c in enumerate(customers)],
    }


def tool_instance(p: Problem, name: str = "facility_location"):
    """The validated :class:`~optimizer.instance.Instance` of ``p``."""
    from optimizer.io.frames import raw_from_frames
    from optimizer.io.validate import validate

    return validate(raw_from_frames(to_sheets(p)), name)


def _highs(options: dict):
    from optimizer.solve import new_highs_object

    h = new_highs_object()
    h.setOptionValue("output_flag", False)
    for k, v in options.items():
        h.setOptionValue(k, v)
    return h


def reference_lp(p: Problem, strong: bool):
    """The compact model as a ``HighsLp``: columns y (n), then x (n × m, site-major)."""
    import scipy.sparse as sp

    from optimizer.solve import highs_lp_from_csc

    n, m = p.cost_usd_per_t.shape
    nx = n * m
    xi = np.repeat(np.arange(n), m)  # site of each x
    xj = np.tile(np.arange(m), n)  # customer of each x
    # Demand rows 0..m-1: Σ_i x_ij = d_j.
    blocks = [sp.csr_matrix((np.ones(nx), (xj, n + np.arange(nx))), shape=(m, n + nx))]
    # Capacity rows: Σ_j x_ij − K_i y_i ≤ 0.
    cap = sp.csr_matrix((np.concatenate([np.ones(nx), -p.capacity_t]),
                         (np.concatenate([xi, np.arange(n)]),
                          np.concatenate([n + np.arange(nx), np.arange(n)]))), shape=(n, n + nx))
    blocks.append(cap)
    lo = [p.demand_t, np.full(n, -np.inf)]
    hi = [p.demand_t, np.zeros(n)]
    if strong:  # x_ij − min(d_j, K_i) y_i ≤ 0
        u = np.minimum(p.demand_t[xj], p.capacity_t[xi])
        link = sp.csr_matrix((np.concatenate([np.ones(nx), -u]),
                              (np.concatenate([np.arange(nx), np.arange(nx)]),
                               np.concatenate([n + np.arange(nx), xi]))), shape=(nx, n + nx))
        blocks.append(link)
        lo.append(np.full(nx, -np.inf))
        hi.append(np.zeros(nx))
    A = sp.vstack(blocks).tocsc()
    cost = np.concatenate([p.fixed_usd, p.cost_usd_per_t.ravel()])
    upper = np.concatenate([np.ones(n), np.full(nx, np.inf)])
    integer = np.concatenate([np.ones(n, bool), np.zeros(nx, bool)])
    return highs_lp_from_csc(A.shape[1], A.shape[0], A.indptr, A.indices, A.data, cost,
                             np.zeros(n + nx), upper, np.concatenate(lo), np.concatenate(hi),
                             integer)


def tool_lp(p: Problem, before: bool = False):
    """The tool's model of ``p`` as ``supplyopt solve`` hands it to HiGHS.

    ``before``: as the model was before the tightening: ``≥`` demand rows and no
    ``module_flow_link`` rows (those rows made free, which presolve drops).
    """
    from optimizer.formulation import build_model
    from optimizer.solve import compile_arrays, free_implied_rows

    _, md = build_model(tool_instance(p), pyomo=False)
    compiled = compile_arrays(md)
    if before:
        lower, upper = free_implied_rows(compiled)
        upper[np.asarray(compiled.row_family, dtype=object) == "demand_balance"] = np.inf
        compiled.lp.row_lower_, compiled.lp.row_upper_ = lower, upper
    return compiled.lp


def solve_mip(lp, options: dict) -> tuple[float, float, str, float]:
    """(objective, HiGHS run CPU time in s, status, wall time in s) of one MIP solve.

    CPU time of this process (HiGHS runs on one thread here): on a shared 2-core machine
    the wall time also counts other people's work.
    """
    h = _highs(options)
    h.passModel(lp)
    t0, c0 = time.perf_counter(), time.process_time()
    h.run()
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    status = h.modelStatusToString(h.getModelStatus())
    return float(h.getInfo().objective_function_value), cpu, status, wall


def run_options(time_limit: float | None = None, sub_mip_heuristics: bool = False,
                mip_restarts: bool = False) -> dict:
    """The HiGHS options every variant's solve gets on top of :func:`compare`'s (gap, one
    thread): a time limit if given, and the sub-MIP heuristics off (unless
    ``sub_mip_heuristics``) and the root's restarts off (unless ``mip_restarts``) as the tool
    runs HiGHS (``optimizer.highs_runtime.SUB_MIP_HEURISTICS``, ``MIP_RESTART``)."""
    from optimizer.highs_runtime import MIP_RESTART, SUB_MIP_HEURISTICS

    options = {"time_limit": time_limit} if time_limit else {}
    if not sub_mip_heuristics:
        options |= {name: False for name in SUB_MIP_HEURISTICS}
    if not mip_restarts:
        options[MIP_RESTART] = False
    return options


def compare(size: str, seed: int = 0, options: dict | None = None,
            variants=("ref_aggregated", "ref_strong", "tool", "tool_before")) -> dict:
    """Solve every variant of one instance; return {variant: (objective, seconds, status)}."""
    options = {"mip_rel_gap": 1e-4, "threads": 1} | (options or {})
    p = generate(*SIZES[size], seed=seed)
    build = {"ref_aggregated": lambda: reference_lp(p, strong=False),
             "ref_strong": lambda: reference_lp(p, strong=True),
             "tool": lambda: tool_lp(p),
             "tool_before": lambda: tool_lp(p, before=True)}
    return {v: solve_mip(build[v](), options) for v in variants}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", default=["small", "medium", "large"],
                    choices=list(SIZES))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=None, help="per solve, s")
    ap.add_argument("--skip-before", action="store_true",
                    help="do not time the model as it was before the tightening")
    ap.add_argument("--variants", default=None,
                    help="comma-separated subset of ref_aggregated,ref_strong,tool,tool_before")
    ap.add_argument("--sub-mip-heuristics", action="store_true",
                    help="HiGHS's default sub-MIP heuristics for every variant (off by default, "
                         "as the tool runs them)")
    ap.add_argument("--mip-restarts", action="store_true",
                    help="HiGHS's default restarts of the MIP's root for every variant (off by "
                         "default, as the tool runs them)")
    ap.add_argument("--json", type=Path, default=None, help="append each size's figures here")
    ap.add_argument("--write", type=Path, default=None,
                    help="write the (first) size's instance: a CSV folder or a .xlsx path")
    a = ap.parse_args(argv)
    if a.write:
        from optimizer.io.write import write_csv_folder, write_workbook

        sheets = to_sheets(generate(*SIZES[a.sizes[0]], seed=a.seed))
        (write_workbook if a.write.suffix == ".xlsx" else write_csv_folder)(sheets, a.write)
        print(f"wrote {a.write}")
        return
    options = run_options(a.time_limit, a.sub_mip_heuristics, a.mip_restarts)
    variants = tuple(a.variants.split(",")) if a.variants else (
        ("ref_aggregated", "ref_strong", "tool") + (() if a.skip_before else ("tool_before",)))
    ratios = [(x, y) for x, y in (("tool", "ref_aggregated"), ("tool", "ref_strong"),
                                  ("tool_before", "ref_aggregated"))
              if x in variants and y in variants]
    head = (f"{'size':<8}{'sites×cust':>12}" + "".join(f"{v + ' cpu s':>22}" for v in variants)
            + "".join(f"{x.replace('_before', ' before')[:11] + '/' + y[4:7]:>16}"
                      for x, y in ratios))
    print(head)
    for size in a.sizes:
        res = compare(size, a.seed, options, variants)
        objs = {v: r[0] for v, r in res.items()}
        ref = objs.get("ref_strong", next(iter(objs.values())))
        for v, (obj, _, status, _) in res.items():
            if status == "Optimal":
                assert math.isclose(obj, ref, rel_tol=2e-4), (size, v, obj, ref)
        t = {v: r[1] for v, r in res.items()}
        n, m = SIZES[size]
        line = (f"{size:<8}{f'{n}×{m}':>12}" + "".join(
            f"{t[v]:>15.2f} {res[v][2][:6]:>6}" for v in variants)
            + "".join(f"{t[x] / t[y]:>15.2f}x" for x, y in ratios))
        print(line + f"   optimum {ref:,.2f}", flush=True)
        if a.json:
            with open(a.json, "a", encoding="utf-8") as out:
                out.write(json.dumps({"size": size, "seed": a.seed, "sites": n, "customers": m,
                                      "sub_mip_heuristics": a.sub_mip_heuristics,
                                      "mip_restarts": a.mip_restarts,
                                      "results": {v: dict(zip(("objective", "cpu_s", "status",
                                                               "wall_s"), r))
                                                  for v, r in res.items()}}) + "\n")


if __name__ == "__main__":
    main()
