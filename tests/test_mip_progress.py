"""MIP progress from HiGHS's callbacks (issue 16 item 8): incumbent, bound, gap, nodes.

The instance is a market-split problem (Cornuéjols and Dawande, 1999), small but notoriously
hard for branch and bound: 4 rows of 30 binaries with coefficients in 0..99 and right-hand
sides half the row sums, written as a minimisation of the slack |a_i x - b_i|. HiGHS cannot
finish it within the 1.5 s limit, so the solve runs long enough for the listener (called about
every 0.5 s) to hear from it. What is checked holds for any correct report, whatever the
machine's speed: a minimisation's dual bound never exceeds its incumbent, the slack objective
is at least 0, and the figures are HiGHS's own (the final bound and incumbent match its info).
"""

from __future__ import annotations

import math
import random

import highspy
import numpy as np

from optimizer.cli import mip_progress_text
from optimizer.solve import mip_progress, run_highs


def _market_split(rows: int = 4, cols: int = 30, seed: int = 7) -> highspy.Highs:
    rng = random.Random(seed)
    a = [[rng.randint(0, 99) for _ in range(cols)] for _ in range(rows)]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", 1.5)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    x = [h.addBinary() for _ in range(cols)]
    plus = [h.addVariable(lb=0, obj=1) for _ in range(rows)]
    minus = [h.addVariable(lb=0, obj=1) for _ in range(rows)]
    for i in range(rows):
        b = sum(a[i]) // 2
        h.addConstr(sum(a[i][j] * x[j] for j in range(cols)) + plus[i] - minus[i] == b)
    return h


def test_listener_hears_incumbent_bound_and_gap_of_a_running_mip():
    """The listener is called during the solve with figures consistent with HiGHS's own."""
    h = _market_split()
    heard: list[dict] = []
    with mip_progress(heard.append):
        run_highs(h)
    assert heard, "no progress reported during a 1.5 s MIP solve"
    for figures in heard:
        assert set(figures) == {"incumbent", "bound", "gap", "nodes"}
        if math.isfinite(figures["incumbent"]):
            assert figures["bound"] <= figures["incumbent"] + 1e-9
            assert figures["incumbent"] >= 0  # a sum of slacks
    info = h.getInfo()
    # The bound only rises and the incumbent only falls in a minimisation.
    assert heard[-1]["bound"] <= info.mip_dual_bound + 1e-9
    if math.isfinite(heard[-1]["incumbent"]):
        assert heard[-1]["incumbent"] >= info.objective_function_value - 1e-9
    assert np.isfinite(info.mip_dual_bound)


def test_no_listener_no_callbacks():
    """Without a listener, run_highs subscribes nothing (the callbacks take the GIL)."""
    h = _market_split()
    h.setOptionValue("time_limit", 0.3)
    run_highs(h)
    assert all(len(c.callbacks) == 0 for c in h.callbacks)


def test_progress_text_names_each_figure():
    """2,742,116,210 USD is 2.742 B (4 significant figures); a gap of 0.0152 is 1.52 %; before
    an incumbent HiGHS reports +inf: "no plan yet", and no gap."""
    assert mip_progress_text({"incumbent": 2_742_116_210.0, "bound": 2.7e9, "gap": 0.0152,
                              "nodes": 1234}) == \
        "incumbent USD 2.742 B, bound USD 2.7 B, gap 1.52 %, 1,234 nodes"
    assert mip_progress_text({"incumbent": math.inf, "bound": 12.5, "gap": math.inf,
                              "nodes": 0}) == "no plan yet, bound USD 12.5, 0 nodes"
