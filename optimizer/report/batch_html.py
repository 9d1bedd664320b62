"""report.html of a batch folder or of an analytics folder: which page a folder gets.

The pages live in :mod:`optimizer.report.batch_page` (a batch's runs, sweeps and prices) and
:mod:`optimizer.report.analysis_page` (resilience analytics); both read the folder's saved
tables through :mod:`optimizer.report.saved_folders` and share
:mod:`optimizer.report.batch_common`. Imports run one way: this module → pages → common →
saved tables; none of them imports the output writers (:mod:`optimizer.output`).
"""

from __future__ import annotations

from pathlib import Path

from optimizer.report.analysis_page import render_analysis_report, write_analysis_report
from optimizer.report.batch_common import merge_builds
from optimizer.report.batch_page import render_batch_report, write_batch_report
from optimizer.report.saved_folders import (
    SavedAnalysis,
    SavedBatch,
    is_analysis_folder,
    is_batch_folder,
    load_analysis,
    load_batch,
)


def write_folder_report(folder: str | Path) -> Path | None:
    """Render the report of a batch or analytics folder; None for any other folder."""
    if is_batch_folder(folder):
        return write_batch_report(folder)
    if is_analysis_folder(folder):
        return write_analysis_report(folder)
    return None


__all__ = ["SavedAnalysis", "SavedBatch", "is_analysis_folder", "is_batch_folder",
           "load_analysis", "load_batch", "merge_builds", "render_analysis_report",
           "render_batch_report", "write_analysis_report", "write_batch_report",
           "write_folder_report"]
