"""Shared helpers: instances built in code (not Excel), solved exactly, looked up by name.

A test writes only the sheets its micro-instance needs, as ``{sheet: [row dict, ...]}``;
:func:`sheets` fills in the sheets every workbook must have (periods, countries, elements and
an idle mine and plant), so the network under test is the only thing that moves.

The ``kit`` fixture gives the tests one small vocabulary:

``kit.solve(s)``                     validate + solve with ``mip_rel_gap=0``; a RunResult
``kit.dual(run, family, **where)``   the shadow price of the one row matching ``where``
``kit.row(run, table, **where)``     the one row of a result table matching ``where``
``kit.changed(s, sheet, col, delta, **where)``  a deep copy with one cell raised by ``delta``
"""

from __future__ import annotations

import copy
import signal

import pandas as pd
import pytest

from optimizer.api import RunResult, solve
from optimizer.instance import Instance
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.solve import SolveOptions

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    # A shell starts a background job with Ctrl-C ignored, and Python then keeps it ignored:
    # the tests that send SIGINT (to a solve, a CLI run, a forked child) would see nothing.
    # Restore Python's handler, which the processes the tests start inherit as the default.
    signal.signal(signal.SIGINT, signal.default_int_handler)

COUNTRIES = ("A", "B", "C")
"""A = the importing (home) country, B = a friendly supplier, C = a dominant supplier."""

# An idle mine and plant: the workbook format requires both sheets to be non-empty, and a site
# with no lane adds no term to any row, so they leave every micro-instance's optimum unchanged.
IDLE_SITES = {
    "mines": [{"mine": "M_idle", "country": "A", "capacity_t": 0, "cost_usd_per_t": 0}],
    "mine_assays": [{"mine": "M_idle", "element": "Nd", "share": 0.5}],
    "plants": [{"plant": "P_idle", "country": "A", "capacity_t": 0, "opex_usd_per_t": 0}],
    "plant_recoveries": [{"plant": "P_idle", "element": "Nd", "recovery": 1.0}],
}


def sheets(periods=("P1",), **tables) -> dict[str, list[dict]]:
    """A complete set of sheets: the given tables plus defaults for the required ones.

    ``periods`` are labels (discount factor 1) or ``(label, factor)`` pairs. Mines, plants and
    their assays default to :data:`IDLE_SITES`; pass them to use real ones.
    """
    rows = [{"period": p, "discount_factor": 1.0} if isinstance(p, str)
            else {"period": p[0], "discount_factor": p[1]} for p in periods]
    out = {
        "periods": rows,
        "countries": [{"country": c} for c in COUNTRIES],
        "elements": [{"element": "Nd"}, {"element": "Dy"}],
    }
    for name in ("mines", "mine_assays", "plants", "plant_recoveries"):
        out[name] = copy.deepcopy(IDLE_SITES[name])
    out.update(copy.deepcopy(tables))
    return out


def build_instance(s: dict, name: str = "test") -> Instance:
    """Validate in-memory sheets exactly as a workbook would be."""
    return validate(raw_from_frames(s), name)


def solve_sheets(s: dict, **options) -> RunResult:
    """Validate and solve to proven optimality (``mip_rel_gap=0``)."""
    return solve(build_instance(s), SolveOptions(mip_rel_gap=0, **options))


def _match(df: pd.DataFrame, where: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for col, value in where.items():
        mask &= df[col] == value
    return df[mask]


def one_row(run: RunResult, table: str, **where) -> pd.Series:
    """The single row of ``run.tables[table]`` matching ``where`` (fails if 0 or several)."""
    hit = _match(run.tables[table], where)
    assert len(hit) == 1, f"{len(hit)} rows of {table} match {where}:\n{run.tables[table]}"
    return hit.iloc[0]


def dual(run: RunResult, family: str, **where) -> float:
    """Shadow price of the single row of constraint ``family`` matching ``where``."""
    return float(one_row(run, f"dual_{family}", **where)["shadow_price"])


def changed(s: dict, sheet: str, column: str, delta: float, **where) -> dict:
    """A deep copy of ``s`` with ``column`` raised by ``delta`` in the row matching ``where``."""
    out = copy.deepcopy(s)
    hits = [r for r in out[sheet] if all(r.get(k) == v for k, v in where.items())]
    assert len(hits) == 1, f"{len(hits)} rows of {sheet} match {where}"
    hits[0][column] = hits[0][column] + delta
    return out


def total(run: RunResult, table: str, column: str, **where) -> float:
    """Sum of ``column`` over the rows of ``run.tables[table]`` matching ``where``."""
    return float(_match(run.tables[table], where)[column].sum())


class Kit:
    """Namespace handed to tests by the ``kit`` fixture (see the module docstring)."""

    sheets = staticmethod(sheets)
    instance = staticmethod(build_instance)
    solve = staticmethod(solve_sheets)
    row = staticmethod(one_row)
    dual = staticmethod(dual)
    changed = staticmethod(changed)
    total = staticmethod(total)

    @staticmethod
    def check_perturbation(s: dict, run, price: float, sheet: str, column: str, delta: float,
                           scale: float = 1.0, **where) -> None:
        """Sign check: raising a binding RHS by ``delta`` moves the optimum by price × delta.

        ``scale`` converts the data change into the row's RHS change (1 for a capacity; the
        demand total for a share, whose RHS moves by ``total × Δshare``).
        """
        again = solve_sheets(changed(s, sheet, column, delta, **where))
        assert again.objective - run.objective == pytest.approx(price * delta * scale, abs=1e-6)


@pytest.fixture
def kit() -> type[Kit]:
    """Helpers to build, solve and read micro-instances."""
    return Kit
