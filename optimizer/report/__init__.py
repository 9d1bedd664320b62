"""Render a run folder's saved tables into people-facing files (no solving, no Pyomo)."""

from __future__ import annotations

from pathlib import Path


def render_run_outputs(run_dir: str | Path, name: str | None = None, parallel: bool = False,
                       stats: dict | None = None, plotly_src: str | None = None) -> None:
    """Write results.xlsx and report.html from ``run_dir/tables``.

    A batch or analytics folder gets its own report.html instead (``batch_html``). ``name`` is
    the folder's final name when ``run_dir`` is a temporary folder about to be renamed (what
    the report says it was generated from). ``parallel`` writes the workbook in a forked child
    while this process writes the report (:mod:`optimizer.forked`; where it can help, else in
    turn): for a single run on a machine with a spare core, not inside a batch's workers.
    ``stats`` receives ``child_private_mb`` when a child wrote the workbook. ``plotly_src``:
    report.html loads plotly.js from there instead of embedding it (a batch's run, from its
    folder's shared copy: :mod:`optimizer.report.shared_js`); by default, as
    :func:`~optimizer.report.shared_js.plotly_src_for` finds.
    """
    from optimizer.gc_pause import paused_gc

    with paused_gc():  # rendering makes many short-lived objects and few cycles: see there
        _render(run_dir, name, parallel, stats, plotly_src)


def _render(run_dir: str | Path, name: str | None, parallel: bool, stats: dict | None,
            plotly_src: str | None = None) -> None:
    """:func:`render_run_outputs`'s work."""
    from optimizer.report.excel import write_results_workbook
    from optimizer.report.saved_folders import is_analysis_folder, is_batch_folder

    if is_batch_folder(run_dir) or is_analysis_folder(run_dir):
        # Imported only here: the batch and analytics pages (and plotly.subplots) are not
        # needed for a single run's report.
        from optimizer.report.batch_html import write_folder_report

        write_folder_report(run_dir)
        return
    from optimizer.report.load import load_run

    run = load_run(run_dir)
    if name:
        run.folder = run.folder.with_name(name)
    from optimizer import forked
    from optimizer.report.html import write_html_report
    from optimizer.report.shared_js import plotly_src_for

    # A batch's run, or a run re-rendered inside its batch folder, shares plotly.js.
    src = plotly_src or plotly_src_for(run_dir)

    def workbook():
        write_results_workbook(run, Path(run_dir) / "results.xlsx")

    if parallel and forked.available():
        from optimizer.report.sentences import executive_summary

        # Both files open with the executive summary (and the views it is built from):
        # computed once, before the fork, the child inherits it instead of redoing it.
        executive_summary(run)
        with forked.in_child(workbook, stats):
            write_html_report(run, Path(run_dir) / "report.html", src)
    else:
        workbook()
        write_html_report(run, Path(run_dir) / "report.html", src)


def warm_up() -> None:
    """Do the first-use work of writing a run's outputs ahead of use: imports, plotly's
    default template, the page template, the bundled plotly.js and base map, and the first
    CSV written and read by pandas.

    About 0.3 s the first time in a process (xlsxwriter, plotly, the report's modules; the
    first ``go.Figure``, which loads and checks the template, 0.1 s; jinja2 and the page
    template, plotly's JSON encoder, the base map's centroids and pandas' CSV writer and
    reader 0.15 s, measured on the medium run: report.html 0.45 s the first time in a
    process, 0.31 s the second), whatever the run's size: ``optimizer.api.solve(parallel=True)``
    does it in a thread while HiGHS solves an LP, so that writing the outputs starts warm.
    """
    import io

    import pandas as pd
    import plotly.graph_objects as go
    import xlsxwriter  # noqa: F401
    from plotly.io.json import to_json_plotly

    from optimizer.report import components, excel, figures, figures_map, html  # noqa: F401

    go.Figure()
    to_json_plotly({"data": [], "layout": {}})
    components._page()
    components._plotly_js()
    figures_map.centroids()
    text = pd.DataFrame({"a": ["x"], "b": [1.5]}).to_csv(index=False)
    pd.read_csv(io.StringIO(text))
