"""``supplyopt batch`` and ``supplyopt analyse``: registered into the main CLI by ``register``.

Exit codes: 0 every run ok; 2 invalid batch definition or instance (nothing written);
4 some runs, or some solves of an analysis, failed (outputs written, failures listed in full
on stderr, an analysis marked partial); 1 internal error; 130 interrupted.
"""

# No "from __future__ import annotations": typer must see the Annotated types defined in
# register() itself, evaluated when the commands are defined.
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the ``batch`` and ``analyse`` commands to ``app``."""
    from optimizer.cli import (
        SET_HELP,
        CvarAlpha,
        Debug,
        MipRestarts,
        Quiet,
        RiskWeight,
        SubMipHeuristics,
        err,
        run_guarded,
        run_overrides,
    )

    @app.command()
    def batch(
        batch_file: Annotated[Optional[Path], typer.Argument(
            help="Batch workbook (.xlsx with sheets batch / sweeps / settings), batch .csv, or a "
                 "folder holding batch.csv. Optional with --base and --set/--sweep.")] = None,
        out: Annotated[Path, typer.Option(help="Output folder (runs/, batch_summary.*).")] =
        Path("reports/batch"),
        base: Annotated[Optional[Path], typer.Option(
            help="Base instance (wins over the file's 'base' setting).")] = None,
        set_: Annotated[Optional[list[str]], typer.Option(
            "--set", metavar="SHEET:KEY:COLUMN=VALUE",
            help=SET_HELP + " Repeatable; all --set make one run.")] = None,
        set_name: Annotated[str, typer.Option(help="Name of the --set run.")] = "set",
        sweep: Annotated[Optional[list[str]], typer.Option(
            metavar="[NAME=]SHEET:KEY:COLUMN=A..B[%]:N[@PERIOD]",
            help="[NAME=]sheet:key:column=A..B[%]:N[@PERIOD], e.g. "
                 "'export_quotas:CHN,Dy:cap_t=0..100%:11' (one run per value; % scales, "
                 "absolute sets). Repeatable.")] = None,
        jobs: Annotated[Optional[int], typer.Option(
            help="Worker processes [number of cores].", min=1)] = None,
        cluster: Annotated[Optional[str], typer.Option(
            help="dask.distributed scheduler address, e.g. tcp://10.0.0.5:8786 (trusted "
                 "networks only).")] = None,
        time_limit: Annotated[Optional[float], typer.Option(
            help="Default time limit per run (s).", min=0.001)] = None,
        mip_gap: Annotated[Optional[float], typer.Option(
            help="Default relative MIP gap.", min=0.0, max=1.0)] = None,
        analyse: Annotated[bool, typer.Option(
            "--analyse", help="Also run the resilience analytics on the base instance "
                              "(written to OUT/analysis/).")] = False,
        no_report: Annotated[bool, typer.Option(
            "--no-report", help="Per run, write tables/*.csv and summary.json only (no "
                                "results.xlsx, report.html); 'supplyopt report' renders "
                                "them later.")] = False,
        ranging: Annotated[bool, typer.Option(
            "--ranging", help="Also compute each run's right-hand-side ranges of the shadow "
                              "prices (off by default in a batch: the sweep is the sensitivity "
                              "analysis, and the ranging costs more than a warm re-solve; a "
                              "'ranging' setting or column can ask for it too).")] = False,
        sub_mip_heuristics: SubMipHeuristics = False,
        mip_restarts: MipRestarts = False,
        rebuild: Annotated[bool, typer.Option(
            "--rebuild", help="Rebuild the model for every run instead of changing a live "
                              "model's data (for comparison; results are the same).")] = False,
        quiet: Quiet = False,
        debug: Debug = False,
    ):
        """Run many variants of one instance in parallel; resumable (reruns skip done runs)."""
        from optimizer.batch.definition import read_batch
        from optimizer.batch.runner import run_batch

        def go():
            from optimizer.output import check_batch_folder, check_replaceable

            defn = read_batch(batch_file, base=base, sets=set_, sweeps=sweep, set_name=set_name)
            # Before any solve: a refused folder costs the user no wait, and nothing is written.
            check_batch_folder(out)
            if analyse:
                check_replaceable(out / "analysis", option="--out (its analysis/)")
            defaults = dict(defn.defaults)
            if time_limit is not None:
                defaults["time_limit_s"] = time_limit
            if mip_gap is not None:
                defaults["mip_rel_gap"] = mip_gap
            if ranging:
                defaults["ranging"] = True
            if sub_mip_heuristics:
                defaults["sub_mip_heuristics"] = True
            if mip_restarts:
                defaults["mip_restarts"] = True
            from dataclasses import replace

            defn = replace(defn, defaults=tuple(sorted(defaults.items())))
            try:
                report = run_batch(defn, out, jobs=jobs, cluster=cluster, quiet=quiet,
                                   live=not rebuild, render=not no_report)
            except KeyboardInterrupt:
                err(f"interrupted: finished runs are kept in {out / 'runs'}; run the same "
                    "command again to do the rest")
                raise typer.Exit(130) from None
            typer.echo(f"batch: {report.ok} ok, {len(report.failed)} failed"
                       + (f", {report.skipped} already done" if report.skipped else "")
                       + f" of {report.total} runs in {report.wall_s:.1f} s -> "
                       f"{out / 'batch_summary.xlsx'}")
            for note in report.warnings:  # a run named like a scenario is not that scenario
                err(f"warning: {note}")
            analysis_code = 0
            if analyse:
                analysis_code = _analyse(defn.base, out / "analysis",
                                         defn.solve_options(_empty_run()), jobs, cluster, None,
                                         quiet)
                from optimizer.report.batch_page import write_batch_report

                write_batch_report(out)  # now with the analytics sections
            if report.failed:
                from optimizer.batch.failures import failure_lines

                err(f"{len(report.failed)} run(s) failed:")
                for line in failure_lines(report.failed):  # every problem, not the first line
                    err(line)
            if report.exit_code or analysis_code:
                raise typer.Exit(report.exit_code or analysis_code)
        run_guarded(go, debug)

    @app.command()
    def analyse(
        instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
        out: Annotated[Path, typer.Option(help="Output folder for the analysis tables.")] =
        Path("reports/analysis"),
        cutoff_from: Annotated[Optional[str], typer.Option(
            help="Period from which a country's exports stop in the cut-off screen "
                 "[first period].")] = None,
        jobs: Annotated[Optional[int], typer.Option(
            help="Worker processes [cores].", min=1)] = None,
        cluster: Annotated[Optional[str], typer.Option(
            help="dask.distributed scheduler address (trusted networks only).")] = None,
        time_limit: Annotated[Optional[float], typer.Option(
            help="Time limit per solve (s).", min=0.001)] = None,
        mip_gap: Annotated[float, typer.Option(help="Relative MIP gap.", min=0.0, max=1.0)] = 1e-4,
        set_: Annotated[Optional[list[str]], typer.Option(
            "--set", metavar="SHEET:KEY:COLUMN=VALUE",
            help=SET_HELP + " Applies to every solve of the analysis. Repeatable.")] = None,
        risk_weight: RiskWeight = None,
        cvar_alpha: CvarAlpha = None,
        quiet: Quiet = False,
        debug: Debug = False,
    ):
        """Cost of resilience, VSS and EVPI, single-country cut-off screen, price of each policy."""
        from optimizer.solve import SolveOptions

        def go():
            from optimizer.output import check_replaceable

            overrides = run_overrides(set_, risk_weight, cvar_alpha)
            check_replaceable(out)  # before any solve; nothing written if refused
            code = _analyse(instance, out, SolveOptions(time_limit_s=time_limit,
                                                        mip_rel_gap=mip_gap),
                            jobs, cluster, cutoff_from, quiet, overrides)
            if code:  # a partial analysis: written and flagged, but not a success
                raise typer.Exit(code)
        run_guarded(go, debug)

    def _analyse(instance, out, options, jobs, cluster, cutoff_from, quiet, overrides=()):
        from optimizer.batch.analytics import analyse as run_analysis
        from optimizer.batch.analytics import write_analysis
        from optimizer.batch.executors import default_jobs

        a = run_analysis(instance, options, jobs or default_jobs(), cluster, cutoff_from,
                         quiet=quiet, overrides=overrides)
        write_analysis(a, out, {"instance": str(instance), "cutoff_from": cutoff_from,
                                "overrides": [ov.describe() for ov in overrides]})
        typer.echo(f"analysis: {a.n_solves} solves in {a.wall_s:.1f} s -> {out}")
        from optimizer.batch.analytics import measure_lines
        from optimizer.batch.failures import failure_lines

        for line in measure_lines(a):
            typer.echo(line)
        if a.failures:  # shown even with --quiet: the result is partial
            err(f"partial analysis: {len(a.failures)} solve(s) did not reach a plan, so the "
                f"measures that need them are n/a (see {out / 'solves.csv'}):")
            for line in failure_lines(a.failures):
                err(line)
        return a.exit_code


def _empty_run():
    from optimizer.batch.definition import Run

    return Run("analysis")
