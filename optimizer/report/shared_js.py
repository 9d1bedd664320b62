"""Lean batch folders: the run reports of a batch share one copy of plotly.js.

A single report.html embeds plotly.js (about 4.8 MB), so it opens anywhere with no network.
A batch folder holds one report per run; embedding the library in each made a 16-run folder
94 MB. Inside a batch folder every page instead loads ``plotly.min.js`` from the batch folder
itself (``<script src>`` with a relative path, read from disk, never from the network):

- ``BATCH/report.html`` → ``plotly.min.js``;
- ``BATCH/analysis/report.html`` → ``../plotly.min.js``;
- ``BATCH/runs/<run>/report.html`` → ``../../plotly.min.js``.

``supplyopt batch`` writes the shared copy before its runs, and its workers render each run's
report with the reference (``Task.plotly_src``). :func:`share_plotly_in_batch`, when the batch
page is written, swaps the inline copy of any run report still holding one (written by an
earlier version, or rendered alone and moved in) for the reference (a text replacement of the
tool's own file, written atomically). A page moved out of its folder shows the page's note
saying where its plotly.js is; 'supplyopt report' re-renders it.
"""

from __future__ import annotations

import re
from pathlib import Path

PLOTLY_FILE = "plotly.min.js"
"""The shared copy's name, in the batch folder."""

_INLINE = re.compile(r'<script(?: id="plotly-js")?>(?=\s*/\*\*\s*\* plotly\.js v).*?</script>',
                     re.S)
"""The inline bundle of a page, marked or (pages written before the mark) recognised by the
bundle's licence header; its own ``</script`` are escaped, so the first close ends it."""


def plotly_src_for(run_dir: str | Path) -> str | None:
    """``../../plotly.min.js`` for a run folder inside a batch folder that has the shared copy,
    else None (a report of its own, self-contained)."""
    run_dir = Path(run_dir)
    batch = run_dir.parent.parent
    if run_dir.parent.name == "runs" and (batch / PLOTLY_FILE).is_file() \
            and (batch / "batch_summary.csv").is_file():
        return f"../../{PLOTLY_FILE}"
    return None


def write_plotly_file(folder: Path) -> Path:
    """Write ``folder/plotly.min.js`` (the bundle plotly.py ships), atomically."""
    from plotly.offline import get_plotlyjs

    from optimizer.atomic import atomic_file

    path = folder / PLOTLY_FILE
    with atomic_file(path) as tmp:
        tmp.write_text(get_plotlyjs(), encoding="utf-8")
    return path


def use_shared_plotly(page: Path, src: str) -> bool:
    """Replace ``page``'s inline plotly.js by ``<script src=src>``; False if it had none."""
    from optimizer.atomic import atomic_file

    text = page.read_text(encoding="utf-8")
    lean, n = _INLINE.subn(lambda _: f'<script id="plotly-js" src="{src}"></script>', text,
                           count=1)
    if not n:
        return False
    with atomic_file(page) as tmp:
        tmp.write_text(lean, encoding="utf-8")
    return True


def share_plotly_in_batch(folder: Path, run_folders: list[str]) -> int:
    """Write the shared copy and point each run report at it; returns how many were changed.

    ``run_folders`` are the runs' folders relative to ``folder`` (``runs/<run>``, from the
    batch summary); a run without a report (failed) is skipped.
    """
    write_plotly_file(folder)
    changed = 0
    inside = folder.resolve()
    for rel in run_folders:
        page = folder / rel / "report.html"
        if not page.resolve().is_relative_to(inside):  # only the batch's own files
            continue
        if page.is_file() and use_shared_plotly(page, f"../../{PLOTLY_FILE}"):
            changed += 1
    return changed
