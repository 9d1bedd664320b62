"""With ``solve(parallel=True)`` an LP's numerics scan runs in a thread while HiGHS solves:
the warnings are the same as a scan done first, each passed to ``on_warning`` once, and kept
in ``run.warnings``.

The instance is test_ill_posed's earning chain with a second mine whose Dy assay is 1e-10:
plant P's output row holds 1 and -1e-10, one warning (derived there).
"""

from __future__ import annotations

import pytest
from test_ill_posed import _tiny_assay

from optimizer import forked
from optimizer.api import solve


@pytest.mark.skipif(not forked.available(), reason="needs Linux and two cores")
def test_background_scan_gives_the_warnings_of_a_scan_first(kit):
    inst = kit.instance(_tiny_assay(kit, 1e-10))
    heard_first, heard_beside = [], []
    first = solve(inst, on_warning=heard_first.append, parallel=False)
    beside = solve(inst, on_warning=heard_beside.append, parallel=True)
    assert len(heard_first) == 1
    assert heard_first[0].startswith("plant_output (period P1, plant P, element Dy")
    assert heard_beside == heard_first
    assert beside.warnings == first.warnings == heard_first
