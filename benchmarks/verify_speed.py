"""CPU time and verdicts of the independent verifier (``optimizer.verify.verify_run``).

Three steps, each a sub-command, so that the verdicts of two versions of the verifier can be
compared exactly (the other version on ``PYTHONPATH``, e.g. a ``git archive`` of an older
commit's ``optimizer`` folder):

``solve NAME PATH``
    solve the instance at PATH once (``verify=False``) and keep its result tables and
    objective in ``DIR/NAME.pkl`` (the instance itself is re-read from PATH: it cannot be
    pickled);
``time NAME...``
    CPU (``time.process_time``) of ``verify_run`` called as ``optimizer.api._verification``
    calls it, median of 5 calls after one warm-up, and of the first call;
``verdicts OUT NAME...``
    ``verify_run``'s full return value for each kept plan and for perturbed copies of it (a
    flow tripled, all flows +1 %, a negative flow, a dropped flow, a flow on no lane, one
    scenario's first period −3 %, negative and +1 t unmet demand, stocks ×1.5 + 2, builds
    +0.5 and ×3, contract deliveries and signings changed, the objective +1 %), pickled to OUT;
``compare A B``
    compare two ``verdicts`` pickles exactly; floats that differ are listed with their
    relative difference.

Example (before = HEAD's verifier, after = the working tree)::

    mkdir -p /tmp/verify-before && git archive HEAD optimizer | tar -x -C /tmp/verify-before
    python benchmarks/verify_speed.py solve medium /tmp/supplyopt-bench/medium-lp/instance
    PYTHONPATH=/tmp/verify-before python benchmarks/verify_speed.py time medium
    python benchmarks/verify_speed.py time medium
    PYTHONPATH=/tmp/verify-before python benchmarks/verify_speed.py verdicts /tmp/b.pkl medium
    python benchmarks/verify_speed.py verdicts /tmp/a.pkl medium
    python benchmarks/verify_speed.py compare /tmp/b.pkl /tmp/a.pkl
"""

from __future__ import annotations

import math
import os
import pickle
import statistics
import sys
import time

import pandas as pd

DIR = os.environ.get("VERIFY_SPEED_DIR", "/tmp/verify-speed")


def _load(name: str):
    """(instance, tables, objective) of a kept plan."""
    from optimizer.api import load_instance

    with open(os.path.join(DIR, f"{name}.pkl"), "rb") as fh:
        path, tables, objective = pickle.load(fh)
    return load_instance(path), tables, objective


def solve(name: str, path: str) -> None:
    from optimizer.api import load_instance
    from optimizer.api import solve as solve_instance

    run = solve_instance(load_instance(path), verify=False)
    os.makedirs(DIR, exist_ok=True)
    with open(os.path.join(DIR, f"{name}.pkl"), "wb") as fh:
        pickle.dump((path, run.tables, run.outcome.objective), fh)
    print(f"{name}: {len(run.tables['flows'])} flow rows kept in {DIR}")


def time_verifier(names: list[str]) -> None:
    from optimizer.verify import verify_run

    for name in names:
        inst, tables, objective = _load(name)
        c0 = time.process_time()
        verify_run(inst, tables, objective)
        first = time.process_time() - c0
        cpu = []
        for _ in range(5):
            c0 = time.process_time()
            verify_run(inst, tables, objective)
            cpu.append(time.process_time() - c0)
        print(f"{name}: verify_run CPU median of 5 {statistics.median(cpu):.3f} s "
              f"(min {min(cpu):.3f}, max {max(cpu):.3f}); first call {first:.3f} s")


def _variants(tables: dict):
    """(label, tables, objective factor): the plan, then one perturbation at a time."""
    yield "plan", tables, 1.0
    f = tables["flows"]
    if len(f):
        def flows(ff):
            return dict(tables, flows=ff)
        ff = f.copy()
        ff.loc[ff.index[ff["tonnes"].to_numpy(float).argmax()], "tonnes"] *= 3.0
        yield "flow x3", flows(ff), 1.0
        yield "all flows x1.01", flows(f.assign(tonnes=f["tonnes"] * 1.01)), 1.0
        ff = f.copy()
        ff.loc[ff.index[len(ff) // 2], "tonnes"] = -5.0
        yield "negative flow", flows(ff), 1.0
        yield "dropped flow", flows(f.drop(f.index[len(f) // 3])), 1.0
        row = f.iloc[[0]].copy()
        row["destination"] = row["origin"]
        yield "flow on no lane", flows(pd.concat([f, row], ignore_index=True)), 1.0
        ff = f.copy()
        first = (ff["scenario"] == ff["scenario"].iloc[0]) & (ff["period"] == ff["period"].iloc[0])
        ff.loc[first, "tonnes"] = ff.loc[first, "tonnes"] * 0.97
        yield "one scenario's first period x0.97", flows(ff), 1.0
    u = tables.get("unmet_demand")
    if u is not None and len(u):
        uu = u.copy()
        uu.loc[uu.index[0], "unmet_t"] = -3.0
        yield "negative unmet", dict(tables, unmet_demand=uu), 1.0
        yield "unmet +1", dict(tables, unmet_demand=u.assign(unmet_t=u["unmet_t"] + 1.0)), 1.0
    s = tables.get("stocks")
    if s is not None and len(s):
        yield "stocks x1.5+2", dict(tables, stocks=s.assign(stock_t=s["stock_t"] * 1.5 + 2)), 1.0
    b = tables.get("builds_by_scenario")
    if b is not None and len(b):
        bb = b.astype({"count": float})
        bb.loc[bb.index[0], "count"] += 0.5
        yield "build +0.5", dict(tables, builds_by_scenario=bb), 1.0
        yield "builds x3", dict(tables, builds_by_scenario=b.assign(count=b["count"] * 3)), 1.0
    c = tables.get("contract_deliveries")
    if c is not None and len(c):
        yield "contract paid/2 taken+1", dict(tables, contract_deliveries=c.assign(
            paid_t=c["paid_t"] * 0.5, taken_t=c["taken_t"] + 1)), 1.0
    c = tables.get("contract_signings_by_scenario")
    if c is not None and len(c):
        yield "signed +0.5", dict(tables, contract_signings_by_scenario=c.assign(
            signed=c["signed"].astype(float) + 0.5)), 1.0
        yield "signings dropped", dict(tables, contract_signings_by_scenario=c.iloc[:0]), 1.0
    yield "objective +1%", tables, 1.01


def verdicts(out: str, names: list[str]) -> None:
    from optimizer.verify import verify_run

    found = {}
    for name in names:
        inst, tables, objective = _load(name)
        for label, t, factor in _variants(tables):
            found[name, label] = verify_run(inst, t, objective * factor)
            r = found[name, label]
            print(f"{name:8s} {label:34s} ok={r['ok']!s:5s} max={r['max_violation']:.3g} "
                  f"over={r['violated_rows']}")
    with open(out, "wb") as fh:
        pickle.dump(found, fh)


def compare(a_path: str, b_path: str) -> None:
    with open(a_path, "rb") as fh:
        a = pickle.load(fh)
    with open(b_path, "rb") as fh:
        b = pickle.load(fh)
    diffs, worst = [], 0.0

    def walk(x, y, where):
        nonlocal worst
        if isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys():
            for k in x:
                walk(x[k], y[k], where + (k,))
        elif isinstance(x, float) and isinstance(y, float):
            if x != y and not (math.isnan(x) and math.isnan(y)):
                rel = abs(x - y) / max(abs(x), abs(y))
                diffs.append((where, rel, x, y))
                worst = max(worst, rel)
        elif type(x) is not type(y) or x != y:
            diffs.append((where, "differs", x, y))

    if a.keys() != b.keys():
        print("different cases:", sorted(set(a) ^ set(b)))
    for k in a.keys() & b.keys():
        walk(a[k], b[k], k)
    print(f"{len(a.keys() & b.keys())} verdicts compared, {len(diffs)} differences, largest "
          f"relative float difference {worst:.3g}")
    for d in diffs[:40]:
        print("  ", d)


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "solve":
        solve(*args)
    elif command == "time":
        time_verifier(args)
    elif command == "verdicts":
        verdicts(args[0], args[1:])
    elif command == "compare":
        compare(*args)
    else:
        print(__doc__)
