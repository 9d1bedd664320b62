"""Batches of runs of one base instance, and resilience analytics built on them.

A *batch* is a base instance plus named *runs*; each run is a set of overrides (the same
:class:`optimizer.instance.Override` a scenario change uses, applied to every scenario with
priority) plus solver options. Modules:

``definition``  batch files (workbook / CSV), ``--set`` and ``--sweep`` → :class:`BatchDefinition`;
                validation against the base instance; the input checksum of each run
``task``        one solve as plain data (:class:`~optimizer.batch.task.Task`)
``transforms``  instance transforms of the analytics (one scenario, base data, rules dropped,
                the expected-value instance), applied in the worker
``failures``    a failed run's reason in full, on one line or indented for the console
``runner``      local process pool or dask.distributed execution, warm starts, resumability,
                manifests, the batch summary
``summary``     one summary row per run (status, costs, builds, unmet demand, shares, prices)
``progress``    the live progress line on stderr
``analytics``   cost of resilience, VSS / EVPI, single-country cut-off screen, price of policies

Imports run one way: ``task``, ``transforms``, ``failures``, ``summary``, ``progress``,
``definition`` ← ``runner`` ← ``analytics`` (tests/test_batch_layers.py checks it).

See ``docs/batch.md``.
"""

from optimizer.batch.definition import BatchDefinition, Run, check_batch, read_batch

__all__ = ["BatchDefinition", "Run", "check_batch", "read_batch"]
