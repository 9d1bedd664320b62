"""``supplyopt generate``: write a seeded synthetic instance (see :mod:`optimizer.synthetic`).

The target is written only if it is new, empty, or an earlier ``generate`` output: a CSV folder
gets the marker of :mod:`optimizer.out_folder` (regenerating replaces its ``*.csv``), and a
workbook is recognised by the first line of its README sheet. Anything else is refused (exit
2) before a file is touched.
"""


from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""
    from optimizer.cli import Debug, run_guarded

    @app.command()
    def generate(
        out: Annotated[Path, typer.Argument(help="CSV folder to write, or a path ending in .xlsx.")],
        preset: Annotated[str, typer.Option(
            help="Size: tiny, small (~10k variables), medium (~100k), large (~1M), xlarge (~3M).")]
        = "small",
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 1,
        mines: Annotated[Optional[int], typer.Option(help="Number of mines.")] = None,
        plants: Annotated[Optional[int], typer.Option(help="Number of separation plants.")] = None,
        modules: Annotated[Optional[int], typer.Option(
            help="Candidate capacity modules (0 = a pure LP).")] = None,
        demands: Annotated[Optional[int], typer.Option(help="End-use demand nodes.")] = None,
        elements: Annotated[Optional[int], typer.Option(help="Separated oxides.")] = None,
        periods: Annotated[Optional[int], typer.Option(help="Quarters from 2025Q1.")] = None,
        scenarios: Annotated[Optional[int], typer.Option(
            help="Scenarios including base (1 = deterministic).")] = None,
        arc_density: Annotated[Optional[float], typer.Option(
            help="Share of possible mine→plant and plant→demand lanes that exist.")] = None,
        debug: Debug = False,
    ):
        """Write a synthetic instance of the regular format (for benchmarks and tests)."""
        from optimizer.errors import InputError
        from optimizer.synthetic import PRESETS, write_synthetic
        from optimizer.synthetic import preset as get_preset

        def go():
            if preset not in PRESETS:
                raise InputError(f"--preset must be one of {', '.join(PRESETS)}")
            changes = {k: v for k, v in dict(
                mines=mines, plants=plants, modules=modules, demands=demands, elements=elements,
                periods=periods, scenarios=scenarios, arc_density=arc_density).items()
                if v is not None}
            spec = get_preset(preset, seed=seed, **changes)
            write_synthetic(spec, out)  # refuses a target of the user's before touching it
            typer.echo(f"wrote {out}")
        run_guarded(go, debug)
