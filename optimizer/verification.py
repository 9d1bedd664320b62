"""The independent verification of a run's plan: in turn, or in a forked child.

:func:`verify_result` checks a run with :func:`optimizer.verify.verify_run` (constraints
re-derived from the instance, not from the model) and fails it with SolverError when the plan
breaks a constraint or its cost is not the objective.

:class:`InChild` runs the same check in a forked child (:mod:`optimizer.forked`) while the
caller goes on: first HiGHS's ranging, which holds the GIL, so a thread would not overlap it;
then, for ``supplyopt solve``, the writing of the tables. The caller waits for the verdict
(:meth:`InChild.finish`) before anything says the plan is good: summary.json is written after
it, inside the run folder's atomic write, so a plan that fails leaves no folder behind.
"""

from __future__ import annotations

import time
import weakref


def verify_result(run, verification: dict | None = None, seconds: float | None = None) -> None:
    """Check ``run`` (an :class:`optimizer.api.RunResult`) with the independent verifier; raise
    SolverError if it fails.

    The verdict goes to ``run.verification``, its time to ``run.times_s["verify"]``. It fails
    when the plan breaks a constraint or its cost is not the objective. A ``verification``
    already computed (in a forked child, taking ``seconds``) is checked instead.
    """
    from optimizer.errors import SolverError
    from optimizer.verify import describe_failure

    if verification is None:
        verification, seconds = _verdict(run)
    run.verification = verification
    run.times_s["verify"] = seconds
    if run.verification.get("checked") and not run.verification.get("ok"):
        raise SolverError("the solution failed independent verification: "
                          + describe_failure(run.verification))


def _verdict(run) -> tuple[dict, float]:
    """The verifier's report on ``run``'s plan, and the seconds it took."""
    from optimizer.verify import verify_run

    t0 = time.perf_counter()
    found = verify_run(run.instance, run.tables, run.outcome.objective)
    return found, time.perf_counter() - t0


class InChild:
    """The verification of ``run`` running in a forked child from the moment it is made.

    The child sees ``run`` as it was at the fork (its memory is a copy-on-write snapshot):
    tables the caller adds afterwards (shadow prices, the status quo) are not the verifier's
    concern. :meth:`finish` waits for the verdict and checks it exactly as a local one; if the
    child died or its verifier raised, the run is verified here instead (the same error then
    comes with this process's traceback). :meth:`stop` kills a child no one will wait for;
    a forgotten child is killed when this object is collected.
    """

    def __init__(self, run):
        from optimizer import forked

        self._run = run
        self._child = forked.start(lambda: _verdict(run))
        self._kill = weakref.finalize(self, self._child.stop)

    def finish(self) -> None:
        """Wait for the child's verdict; raise SolverError if the plan fails it.

        ``run.child_private_mb["verify"]``: the memory the child held on its own (for the
        benchmarks' peak-memory bound).
        """
        child, self._child = self._child, None
        if child is None:
            return
        try:
            got = child.result()
        finally:
            self._kill()  # reaps the child (it has exited once it sent its verdict)
        if got is None:  # the child failed (child.error): verify in this process
            verify_result(self._run)
            return
        self._run.child_private_mb["verify"] = child.private_mb
        verification, seconds = got
        verify_result(self._run, verification, seconds)

    def stop(self) -> None:
        """Kill the child without waiting for its verdict (the run failed on another count)."""
        self._child = None
        self._kill()
