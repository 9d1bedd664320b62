"""``supplyopt frontier``: the risk–cost frontier (optimizer/frontier.py), added by ``register``.

Exit codes: 0 every point has a plan; 2 invalid instance or option (a weight outside [0, 1], an
α outside (0, 1), an output folder holding files the tool did not write: nothing written);
4 some point failed (outputs written, failures on stderr, frontier.json ``complete: false``);
1 internal error; 130 interrupted.
"""

# No "from __future__ import annotations": typer must see the Annotated types defined in
# register() itself, evaluated when the commands are defined.
from pathlib import Path
from typing import Annotated, Optional

import typer


def default_folder(instance: Path) -> Path:
    """``reports/<instance>-frontier/`` (the workbook's or CSV folder's name): frontiers of
    two instances never replace each other, nor the instance's own run folder."""
    from optimizer.paths import safe_name

    return Path("reports") / f"{safe_name(Path(instance).stem)}-frontier"


def register(app: typer.Typer) -> None:
    """Add the ``frontier`` command to ``app``."""
    from optimizer.cli import Debug, Quiet, err, run_guarded

    @app.command()
    def frontier(
        instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
        points: Annotated[Optional[int], typer.Option(
            help="Risk weights λ spaced evenly from 0 to 1 [11].")] = None,
        weights: Annotated[Optional[str], typer.Option(
            help="Risk weights λ from 0 to 1, comma-separated (instead of --points), "
                 "e.g. 0,0.25,0.5,0.75,1.")] = None,
        alpha: Annotated[Optional[list[str]], typer.Option(
            help="CVaR level α (0 < α < 1); repeatable or comma-separated to sweep α too "
                 "[the instance's cvar_alpha, 0.9 if blank].")] = None,
        out: Annotated[Optional[Path], typer.Option(
            help="Output folder (frontier.csv/.xlsx/.json/.html, points/), new or written by "
                 "an earlier run [reports/<instance>-frontier/].")] = None,
        jobs: Annotated[Optional[int], typer.Option(
            help="Worker processes [1: one live model solves every point in turn].",
            min=1)] = None,
        cluster: Annotated[Optional[str], typer.Option(
            help="dask.distributed scheduler address (trusted networks only).")] = None,
        time_limit: Annotated[Optional[float], typer.Option(
            help="Time limit per solve (s).", min=0.001)] = None,
        mip_gap: Annotated[float, typer.Option(help="Relative MIP gap.", min=0.0, max=1.0)] =
        1e-4,
        every_point: Annotated[bool, typer.Option(
            "--every-point", help="Solve every point (by default a point between two solved "
                                  "points whose plans settle it is not solved again: "
                                  "docs).")] = False,
        quiet: Quiet = False,
        debug: Debug = False,
    ):
        """Risk–cost frontier: expected cost against CVaR for a sweep of risk weights λ."""
        from optimizer.solve import SolveOptions

        def go():
            from optimizer.frontier import sweep_alphas, sweep_weights
            from optimizer.output import check_replaceable

            lams = sweep_weights(points, weights)  # exit 2 before anything is solved
            alphas = sweep_alphas(alpha, 0.9) if alpha else None
            target = out or default_folder(instance)  # one folder per instance by default
            check_replaceable(target)
            code = _frontier(instance, target, SolveOptions(time_limit_s=time_limit,
                                                         mip_rel_gap=mip_gap),
                             lams, alphas, jobs or 1, cluster, every_point, quiet)
            if code:
                raise typer.Exit(code)
        run_guarded(go, debug)

    def _frontier(instance, out, options, lams, alphas, jobs, cluster, every_point, quiet):
        from optimizer.api import load_instance
        from optimizer.batch.failures import failure_lines
        from optimizer.frontier import run_frontier, write_frontier
        from optimizer.output import atomic_dir

        load_instance(instance)  # bad input: exit 2 before the output folder is made
        with atomic_dir(out) as tmp:
            f = run_frontier(instance, options, lams, alphas, tmp / "points", jobs, cluster,
                             every_point, quiet)
            meta = {"instance": str(instance), "mip_rel_gap": options.mip_rel_gap,
                    "time_limit_s": options.time_limit_s, "jobs": jobs, "cluster": cluster,
                    "every_point": every_point}
            tables = write_frontier(f, tmp, meta)
        solved = sum(p.status == "solved" for p in f.points)
        typer.echo(f"frontier: {len(f.points)} points ({solved} solved) in {f.wall_s:.1f} s "
                   f"-> {out}")
        for r in tables["frontier"].itertuples():
            if r.status in ("solved", "inferred"):
                typer.echo(f"  α {r.cvar_alpha:g} λ {r.risk_weight:<5g} E USD "
                           f"{r.expected_cost_usd:,.0f}  CVaR USD {r.cvar_usd:,.0f}  "
                           f"{r.status}{'  dominated' if r.dominated else ''}")
        if f.failures:
            err(f"partial frontier: {len(f.failures)} point(s) have no plan:")
            for line in failure_lines(f.failures):
                err(line)
        return f.exit_code
