"""One solve as plain data: what the batch runner executes and the analytics submit.

Kept apart from :mod:`optimizer.batch.executors` (which executes tasks) and
:mod:`optimizer.batch.analytics` (which builds them), so that imports run one way:
``task`` and ``transforms`` ← ``runner`` ← ``analytics``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """One solve, as plain data a worker can receive (picklable).

    ``transform`` (analytics only) is a tuple of instance transformations applied in the
    worker before the overrides (see :func:`optimizer.batch.transforms.apply_transforms`).
    ``out_dir`` None: nothing is written (analytics); the worker only returns its numbers.
    """

    name: str
    base: str
    base_checksum: str
    overrides: tuple = ()
    options: object = None
    key: str = ""
    out_dir: str | None = None
    focus: str = "CHN"
    meta: tuple = ()  # (name, value) pairs copied into the manifest (sweep, description)
    transform: tuple = ()
    compare_status_quo: bool = True
    live: bool = True  # solve on the worker's live model when the run allows (optimizer/live.py)
    render: bool = True  # results.xlsx + report.html per run (False: tables and summary only)
    plotly_src: str | None = None  # report.html loads plotly.js from here (a batch's shared copy)
