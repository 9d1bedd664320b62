"""Python's cyclic garbage collector paused while a run's outputs are written.

Rendering report.html and results.xlsx builds hundreds of thousands of short-lived dicts and
lists (plotly traces, table rows), which trigger the collector again and again: at the medium
preset 263 young and 2 full collections during the write, 0.26 s of CPU, the full ones walking
every object of the run; and after a fork, each walk also dirties the pages parent and child
share (copy-on-write faults in both). The write holds almost no reference cycles: with the
collector off, 32k cyclic objects (about 1 MB) were left over at medium, freed by the next
collection after it is switched back on. Measured on the medium preset (parent CPU of
``write_run`` with the workbook's child, alternated on a loaded machine): 1.34 / 1.46 s with
the collector, 1.10 / 1.23 s without.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    """Switch the cyclic collector off for the block; back on after it if it was on.

    Reference counting still frees everything that is not in a cycle. A forked child started
    in the block inherits the pause (and leaves by ``os._exit``, so never needs it back).
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
