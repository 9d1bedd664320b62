"""``supplyopt verify RUN_DIR``: re-check a saved run against its instance, without solving.

The run folder's ``summary.json`` names the instance (``source``) and its SHA-256
(``input_sha256``); the instance is read again, refused if it changed since the run, and the
plan in ``tables/*.csv`` is checked by :func:`optimizer.verify.verify_run`. Exit codes: 0 the
plan satisfies every constraint and its objective matches; 1 it does not; 2 the run folder or
its instance cannot be used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from optimizer.errors import OptimizerError

if TYPE_CHECKING:
    import pandas as pd

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]

SOLUTION_TABLES = ("flows", "builds", "stocks", "unmet_demand")
"""The result tables that hold the plan (the rest are derived from them)."""
OPTIONAL_TABLES = ("builds_by_scenario",)
"""Plan tables a run saved before adaptive builds lacks (the verifier then reads ``builds``)."""


class RunFolderError(OptimizerError):
    """The run folder is incomplete, or its instance is missing or has changed (exit 2)."""

    exit_code = 2


def read_run_folder(run_dir: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``summary.json`` and the solution tables of a run folder, keys kept as text."""
    import pandas as pd  # here, not at import: `supplyopt --help` must not load pandas

    from optimizer.csv_safe import read_csv

    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        raise RunFolderError(f"{run_dir}: not a run folder written by 'supplyopt solve' "
                             "(summary.json missing)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{summary_path}: unreadable ({exc})") from None
    if not isinstance(summary, dict):
        raise RunFolderError(f"{summary_path}: expected a JSON object")
    if summary.get("status") not in ("optimal", "feasible"):
        raise RunFolderError(f"{run_dir}: the run found no plan (status "
                             f"{summary.get('status', 'unknown')}); there is nothing to verify")
    tables = {}
    for name in SOLUTION_TABLES + OPTIONAL_TABLES:
        path = run_dir / "tables" / f"{name}.csv"
        if not path.is_file() and name in OPTIONAL_TABLES:
            continue
        if not path.is_file():
            raise RunFolderError(f"{run_dir}: tables/{name}.csv missing (the run folder is "
                                 "incomplete)")
        try:
            # Text keys stay text: a period '2025' or a site 'NA' must not become a number/NaN.
            tables[name] = read_csv(path, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            tables[name] = pd.DataFrame()
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise RunFolderError(f"{path}: unreadable ({exc})") from None
    return summary, tables


def load_run_instance(summary: dict, instance: Path | None, run_dir: Path):
    """The instance of a run, refused if its checksum differs from the run's (RunFolderError)."""
    from optimizer.api import file_checksum, load_instance
    from optimizer.instance import Override
    from optimizer.scenario import with_overrides

    source = instance if instance is not None else summary.get("source")
    if not source:
        raise RunFolderError(f"{run_dir}/summary.json names no instance ('source'); pass "
                             "--instance PATH")
    source = Path(source)
    if not source.exists():
        raise RunFolderError(f"the run's instance {source} does not exist (pass --instance PATH "
                             "if it moved)")
    expected = summary.get("input_sha256")
    actual = file_checksum(source)
    if not expected or actual != expected:
        raise RunFolderError(f"the instance {source} changed since the run (sha256 {actual[:12]}…, "
                             f"the run used {str(expected)[:12]}…): solve it again to check it")
    inst = load_instance(source)
    cells = summary.get("override_cells")
    if summary.get("overrides") and cells is None:
        raise RunFolderError(f"{run_dir}: the run used --set overrides that summary.json does "
                             "not record exactly; solve it again to check it")
    if cells:
        try:
            overrides = tuple(Override(c["sheet"], tuple(c["key"]), c["column"], float(c["value"]),
                                       c.get("mode", "set"), c.get("from_period"),
                                       source="summary.json") for c in cells)
        except (KeyError, TypeError, ValueError):
            raise RunFolderError(f"{run_dir}/summary.json: malformed override_cells") from None
        inst = with_overrides(inst, overrides)
    return inst


def print_report(report: dict) -> None:
    """One line per family (rows checked, worst scaled violation), then the objective."""
    from optimizer.verify import ABS_TOL, FAMILIES, OBJ_TOL

    typer.echo(f"{'family':<24} {'rows':>8}  {'max violation':>13}")
    for fam in FAMILIES:
        v = report["by_family"].get(fam, 0.0)
        flag = "  FAIL" if v > ABS_TOL else ""
        typer.echo(f"{fam:<24} {report['rows_checked'].get(fam, 0):>8}  {v:>13.3e}{flag}")
        if v > ABS_TOL:
            typer.echo(f"    worst: {report['worst_rows'][fam]}")
            typer.echo(f"    rows over tolerance: {report['violated_rows'].get(fam, 0)}")
    mism = report.get("objective_mismatch")
    rep = report.get("objective_reported")
    typer.echo(f"objective: recomputed USD {report['objective_recomputed']:,.6f}, reported "
               + ("(none)" if rep is None else f"USD {rep:,.6f}")
               + ("" if mism is None else f", mismatch {mism:.3e} (relative)")
               + ("  FAIL" if mism is not None and mism > OBJ_TOL else ""))
    typer.echo(f"tolerances: scaled row violation {ABS_TOL:g}, objective {OBJ_TOL:g} relative")
    typer.echo("ok: the plan satisfies every constraint and its cost matches" if report["ok"]
               else "FAILED: the saved plan does not satisfy the model (see above)")


def register(app: typer.Typer) -> None:
    """Add the ``verify`` command to ``app``."""
    from optimizer.cli import run_guarded

    @app.command()
    def verify(
        run_dir: Annotated[Path, typer.Argument(help="A run folder written by solve or batch.")],
        instance: Annotated[Optional[Path], typer.Option(
            help="The instance, if it moved since the run [summary.json 'source'].")] = None,
        debug: Debug = False,
    ):
        """Re-check a saved plan against its instance: every constraint and the objective."""
        from optimizer.verify import verify_run

        def go():
            summary, tables = read_run_folder(run_dir)
            inst = load_run_instance(summary, instance, run_dir)
            try:
                report = verify_run(inst, tables, summary.get("objective_usd"))
            except (ValueError, KeyError) as exc:
                raise RunFolderError(f"{run_dir}: the result tables do not match the instance "
                                     f"({type(exc).__name__}: {exc})") from None
            typer.echo(f"verifying {run_dir} against {inst.source}")
            print_report(report)
            if not report["ok"]:
                raise typer.Exit(1)
        run_guarded(go, debug)
