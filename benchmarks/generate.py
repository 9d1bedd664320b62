"""Write a synthetic instance (the generator lives in ``optimizer.synthetic``).

Usage::

    python benchmarks/generate.py medium /tmp/medium            # CSV folder, with modules (MIP)
    python benchmarks/generate.py medium /tmp/medium-lp --lp    # no candidate modules (LP)
    python benchmarks/generate.py small /tmp/small.xlsx --seed 7 --set scenarios=8

The same generator is behind ``supplyopt generate``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optimizer.synthetic import PRESETS, SyntheticSpec, preset, write_synthetic  # noqa: E402


def spec_for(name: str, lp: bool = False, seed: int | None = None, **changes) -> SyntheticSpec:
    """The preset ``name``; ``lp`` drops the candidate modules (pure LP)."""
    if lp:
        changes["modules"] = 0
    if seed is not None:
        changes["seed"] = seed
    return preset(name, **changes)


def parse_changes(items: list[str]) -> dict:
    """``field=value`` pairs → typed SyntheticSpec fields."""
    types = {f.name: f.type for f in fields(SyntheticSpec)}
    out = {}
    for item in items or []:
        key, value = item.split("=", 1)
        if key not in types:
            raise SystemExit(f"unknown field {key!r}; known: {', '.join(types)}")
        out[key] = float(value) if key == "arc_density" else int(value)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("preset", choices=list(PRESETS))
    ap.add_argument("out", type=Path, help="CSV folder, or a path ending in .xlsx")
    ap.add_argument("--lp", action="store_true", help="no candidate modules (pure LP)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--set", dest="changes", action="append", metavar="FIELD=VALUE",
                    help="change a spec field, e.g. scenarios=8 (repeatable)")
    a = ap.parse_args(argv)
    spec = spec_for(a.preset, a.lp, a.seed, **parse_changes(a.changes))
    path = write_synthetic(spec, a.out)
    print(f"wrote {path}: " + ", ".join(f"{k}={v}" for k, v in asdict(spec).items()))


if __name__ == "__main__":
    main()
