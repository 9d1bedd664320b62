"""Rules on input data that hold whichever way the data arrive: read from a workbook (the
validator, :mod:`optimizer.io.validate`) or changed by a run's overrides (:mod:`optimizer.scenario`).

Kept apart from both so that each imports it, and neither imports the other for it.
"""

from __future__ import annotations

import pandas as pd


def stock_above_capacity(stockpiles: pd.DataFrame) -> list[tuple[object, float, float]]:
    """``(index label, initial_t, capacity_t)`` of every stockpile starting above its capacity.

    ``capacity_t`` bounds the stock held, so a start above it is stock that cannot exist; the
    model would have to draw the excess down in the first period and would use it as free
    supply (500 t in an 80 t stockpile lowers the cost). Blank values are skipped (reported
    elsewhere when required). Public so that overrides of either column can be checked too.
    """
    found = []
    for label, initial, capacity in zip(stockpiles.index, stockpiles["initial_t"],
                                        stockpiles["capacity_t"]):
        if initial is None or capacity is None or initial != initial or capacity != capacity:
            continue
        # a relative tolerance, so 80 computed as 79.99999999999999 in Excel is still accepted
        if float(initial) > float(capacity) * (1 + 1e-9) + 1e-9:
            found.append((label, float(initial), float(capacity)))
    return found
