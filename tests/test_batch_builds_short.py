"""The short build list of a batch summary row and an analysis plan (optimizer/batch/summary.py).

On a scenario tree a build taken alike in every branch is one row per branch of the builds
table; the short form must read as one build, and a contingent build must say for which
scenarios, so a reader does not count five builds where the plan has one.
"""

import pandas as pd

from optimizer.batch.summary import builds_short, expected_modules


def _builds(rows):
    return pd.DataFrame(rows, columns=["count", "module", "online_period", "country",
                                       "decided_in", "probability"])


def test_a_build_in_every_branch_is_written_once_and_a_contingent_one_says_when():
    """Scenarios a (0.5), b (0.3), c (0.2). X is taken in branch a and in branch b+c (together
    every scenario: one build); Y only in branch c (probability 0.2). Short form: X once,
    Y with ``if c``. Expected modules: X 1 × 0.5 + 1 × 0.5 = 1 and Y 1 × 0.2, so 1.2, not the
    3 of the table's count column."""
    b = _builds([(1, "X", "2029", "USA", "a", 0.5), (1, "X", "2029", "USA", "b+c", 0.5),
                 (1, "Y", "2034", "MYS", "c", 0.2)])
    assert builds_short(b, ["a", "b", "c"]) == "1×X@2029 (USA); 1×Y@2034 (MYS) if c"
    assert builds_short(b) == "1×X@2029 (USA); 1×Y@2034 (MYS) if c"  # by probability
    assert expected_modules(b) == 1.2


def test_here_and_now_and_different_counts_stay_apart():
    """'all' is unconditional; 2×X in branch a and 1×X in branch b are different decisions
    (each contingent), and nothing built is the empty string."""
    b = _builds([(1, "Z", "P1", "CAN", "all", 1.0), (2, "X", "P2", "USA", "a", 0.6),
                 (1, "X", "P2", "USA", "b", 0.4)])
    assert builds_short(b, ["a", "b"]) == "1×Z@P1 (CAN); 2×X@P2 (USA) if a; 1×X@P2 (USA) if b"
    assert expected_modules(b) == 1 + 2 * 0.6 + 0.4
    assert builds_short(_builds([]), ["a"]) == "" and expected_modules(None) == 0.0
