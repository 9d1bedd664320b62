"""A warm-up thread (optimizer.forked.warm_up_in_thread) runs beside the caller, a fork waits
for it, and its errors are the caller's to meet again, not raised from the thread."""

from __future__ import annotations

import threading
import time

import pytest

from optimizer import forked

pytestmark = pytest.mark.skipif(not forked.available(), reason="needs Linux and two cores")


def test_a_fork_waits_for_the_warm_up_to_finish():
    """The thread sleeps 0.3 s before it records its work; the child forked right after it
    starts must still see the work done (its memory is the parent's at the fork)."""
    done = {}

    def work():
        time.sleep(0.3)
        done["warm"] = True

    forked.warm_up_in_thread(work)
    got = {}
    with forked.in_child(lambda: done.get("warm", False), got):
        pass
    assert got["result"] is True
    assert not [t for t in threading.enumerate() if t.name == "supplyopt-warm-up"]


def test_the_caller_goes_on_while_it_warms_up():
    started, release = threading.Event(), threading.Event()

    def work():
        started.set()
        release.wait(5)

    forked.warm_up_in_thread(work)
    assert started.wait(5)  # running while this thread goes on
    release.set()
    forked._wait_for_warm_up()


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_error_in_the_warm_up_is_dropped():
    def work():
        raise ImportError("no such module")

    forked.warm_up_in_thread(work)
    forked._wait_for_warm_up()  # nothing raised here or printed by the thread
