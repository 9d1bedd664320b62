"""Render a run folder's saved tables into people-facing files (no solving, no Pyomo)."""

from __future__ import annotations

from pathlib import Path


def render_run_outputs(run_dir: str | Path, name: str | None = None) -> None:
    """Write results.xlsx (and report.html when available) from ``run_dir/tables``.

    A batch or analytics folder gets its own report.html instead (``batch_html``). ``name`` is
    the folder's final name when ``run_dir`` is a temporary folder about to be renamed (what
    the report says it was generated from).
    """
    from optimizer.report.batch_html import write_folder_report
    from optimizer.report.excel import write_results_workbook

    if write_folder_report(run_dir) is not None:
        return
    from optimizer.report.load import load_run

    run = load_run(run_dir)
    if name:
        run.folder = run.folder.with_name(name)
    write_results_workbook(run, Path(run_dir) / "results.xlsx")
    try:
        from optimizer.report.html import write_html_report
    except ImportError:  # the HTML report lands separately
        return
    write_html_report(run, Path(run_dir) / "report.html")
