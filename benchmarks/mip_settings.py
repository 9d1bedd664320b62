"""HiGHS alone on the tool's own MIPs: the tool's settings against HiGHS's default for one of them.

Usage::

    python benchmarks/mip_settings.py                          # restarts, the usual models
    python benchmarks/mip_settings.py --setting sub_mip_heuristics
    python benchmarks/mip_settings.py --models medium --pairs 1
    python benchmarks/mip_settings.py --models 10q-sweep:11 --threads 1   # as a batch runs
    python benchmarks/mip_settings.py --highs-option mip_heuristic_run_root_reduced_cost=true

The tool turns some of HiGHS's MIP machinery off by default
(``optimizer.highs_runtime``: the sub-MIP heuristics RINS, RENS and root reduced cost, the
restarts of the root).
This checks that choice on the models users solve. For each model, the MIP exactly as the tool
hands it to HiGHS (``build_model`` and ``compile_arrays``, a run's overrides applied) is solved
by HiGHS alone in this process, once with the tool's options (``_new_highs(SolveOptions())``)
and once with the one setting given back to HiGHS's default (``SolveOptions(<setting>=True)``;
or, with ``--highs-option NAME=VALUE``, the tool's options with that one HiGHS option set), in
alternating order, ``--pairs`` times. Printed per model: wall and CPU seconds of
``Highs.run`` (medians), branch-and-bound nodes and the objective. It stops with an error if the
two settings' objectives differ by more than the MIP gap (1e-4, the tool's default).

Models (``--models``, comma-separated):

``2035``, ``10q``
    the shipped baselines (``instances/ree_baseline.xlsx``, ``ree_baseline_10q.xlsx``);
``10q-sweep:N``
    the 10-quarter baseline with China's Dy export quota at 0..100 % in N runs, the sweep of
    ``benchmarks/batch_sweep.py`` (each run reported, then their total);
``tiny``, ``small``, ``medium``
    the synthetic presets (``optimizer.synthetic``; ``medium`` takes minutes a solve);
``fl-SIZE-SEED``
    the tool's model of a facility-location instance of ``benchmarks/facility_location.py``
    (e.g. ``fl-small-0``, ``fl-medium-1``);
a path
    an instance workbook or CSV folder (e.g. ``instances/tutorial.xlsx``).

``--threads`` (default 0: HiGHS's choice, as ``supplyopt solve`` runs it; a batch's workers
run 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SETTINGS = ("mip_restarts", "sub_mip_heuristics")
"""``SolveOptions`` fields that give one of HiGHS's MIP settings back to its default."""
DEFAULT_MODELS = "2035,10q,10q-sweep:11,small,fl-small-0,fl-small-1,fl-medium-0,fl-medium-1"
GAP = 1e-4


def models(spec: str):
    """(name, HighsLp) for each model of ``spec`` (see the module docstring), built lazily."""
    for name in spec.split(","):
        if name in ("2035", "10q"):
            path = ROOT / "instances" / ("ree_baseline.xlsx" if name == "2035"
                                         else "ree_baseline_10q.xlsx")
            yield name, lambda p=path: _lp(_load(p))
        elif name.startswith("10q-sweep:"):
            from batch_sweep import sweep_overrides

            base = ROOT / "instances" / "ree_baseline_10q.xlsx"
            for i, overrides in enumerate(sweep_overrides(int(name.split(":")[1]))):
                yield f"10q-sweep run {i}", lambda o=overrides: _lp(_load(base), o)
        elif name.startswith("fl-"):
            import facility_location as fl

            _, size, seed = name.split("-")
            yield name, lambda s=size, k=int(seed): fl.tool_lp(fl.generate(*fl.SIZES[s], seed=k))
        elif name in _presets():
            yield f"preset {name}", lambda n=name: _lp(_preset(n))
        elif Path(name).exists():
            yield Path(name).stem, lambda p=Path(name): _lp(_load(p))
        else:
            raise SystemExit(f"--models: no model {name!r}: expected 2035, 10q, 10q-sweep:N, "
                             f"one of the presets {', '.join(_presets())}, fl-SIZE-SEED or "
                             "the path of an instance")


def _presets() -> tuple[str, ...]:
    from optimizer.synthetic import PRESETS

    return tuple(PRESETS)


def _load(path: Path):
    from optimizer.api import load_instance

    return load_instance(path)


def _preset(name: str):
    import tempfile

    from optimizer.api import load_instance
    from optimizer.synthetic import preset, write_synthetic

    with tempfile.TemporaryDirectory(prefix=f"mip-settings-{name}-") as folder:
        write_synthetic(preset(name), Path(folder))
        return load_instance(folder)  # read whole: the folder is not needed after


def _lp(inst, overrides=()):
    from optimizer.formulation import build_model
    from optimizer.highs_model import compile_arrays
    from optimizer.scenario import with_overrides

    _, md = build_model(with_overrides(inst, tuple(overrides)) if overrides else inst,
                        pyomo=False)
    return compile_arrays(md).lp


def solve(lp, setting: str | tuple | None, threads: int) -> dict:
    """HiGHS alone on ``lp`` with the tool's options, ``setting`` back at HiGHS's default (a
    ``SolveOptions`` field), or a (HiGHS option, value) pair set on top of them."""
    from optimizer.highs_runtime import _new_highs, run_highs
    from optimizer.solve import SolveOptions

    field = setting if isinstance(setting, str) else None
    h = _new_highs(SolveOptions(mip_rel_gap=GAP, threads=threads or None,
                                **({field: True} if field else {})))
    if isinstance(setting, tuple):
        h.setOptionValue(*setting)
    h.passModel(lp)
    t0, c0 = time.perf_counter(), time.process_time()
    run_highs(h)  # as the tool runs it (HiGHS's thread scheduler is reset after each run)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        raise SystemExit(f"HiGHS stopped with status {status!r}")
    info = h.getInfo()
    return {"wall": wall, "cpu": cpu, "nodes": int(info.mip_node_count),
            "objective": float(info.objective_function_value), "status": status}


def _check_highs_option(name: str, value) -> None:
    """Stop with a message if HiGHS refuses ``name`` = ``value`` (an unknown option or a value
    of the wrong type): HiGHS only logs it, and the comparison would be of equal settings."""
    from optimizer.highs_runtime import new_highs_object

    h = new_highs_object()
    h.setOptionValue("output_flag", False)
    if str(h.setOptionValue(name, value)).split(".")[-1] != "kOk":
        raise SystemExit(f"--highs-option: HiGHS refuses {name}={value!r} (an option HiGHS "
                         "knows, with a value of its type: true/false, a number or text)")


def compare(lp, setting: str | tuple, pairs: int, threads: int) -> dict:
    """Both settings, alternated ``pairs`` times: {"tool": [...], "highs": [...]}."""
    runs = {"tool": [], "highs": []}
    for k in range(pairs):
        for which in (("tool", "highs") if k % 2 == 0 else ("highs", "tool")):
            runs[which].append(solve(lp, None if which == "tool" else setting, threads))
    return runs


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setting", choices=SETTINGS, default="mip_restarts")
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--highs-option", default=None, metavar="NAME=VALUE",
                    help="compare against the tool's settings with this HiGHS option set "
                         "(true/false, a number or text) instead of --setting")
    a = ap.parse_args(argv)
    setting, label = a.setting, f"{a.setting}=True (HiGHS's default)"
    if a.highs_option:
        name, _, text = a.highs_option.partition("=")
        value = {"true": True, "false": False}.get(text.lower(), text)
        if isinstance(value, str):
            try:
                value = int(text) if text.lstrip("-").isdigit() else float(text)
            except ValueError:
                pass
        setting, label = (name, value), f"the same with {name}={value!r}"
        _check_highs_option(name, value)
    print(f"HiGHS alone, the tool's settings against {label}; "
          f"mip_rel_gap {GAP}, threads {a.threads or 'HiGHS default'}, {a.pairs} pair(s), "
          f"medians; started {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(f"{'model':<22}{'tool wall s':>12}{'other wall s':>16}{'ratio':>7}"
          f"{'tool cpu s':>12}{'other cpu s':>15}{'nodes':>12}  objective")
    totals = {"tool": 0.0, "highs": 0.0}
    out = {}
    for name, build in models(a.models):
        runs = compare(build(), setting, a.pairs, a.threads)
        med = {w: {k: statistics.median(r[k] for r in runs[w]) for k in ("wall", "cpu")}
               for w in runs}
        objs = [r["objective"] for w in runs for r in runs[w]]
        if max(objs) - min(objs) > GAP * max(1.0, max(abs(o) for o in objs)):
            raise SystemExit(f"{name}: the objectives differ beyond the MIP gap: {objs}")
        for w in totals:
            totals[w] += med[w]["wall"]
        nodes = f"{runs['tool'][0]['nodes']}/{runs['highs'][0]['nodes']}"
        print(f"{name:<22}{med['tool']['wall']:>12.2f}{med['highs']['wall']:>16.2f}"
              f"{med['tool']['wall'] / med['highs']['wall']:>7.2f}{med['tool']['cpu']:>12.2f}"
              f"{med['highs']['cpu']:>15.2f}{nodes:>12}  {objs[0]:.8g}", flush=True)
        out[name] = {"median": med, "runs": runs}
    print(f"{'total':<22}{totals['tool']:>12.2f}{totals['highs']:>16.2f}"
          f"{totals['tool'] / totals['highs']:>7.2f}")
    return out


if __name__ == "__main__":
    main()
