"""Turn a constraint family written as tidy term tables into a Pyomo constraint.

A family is computed with pandas as three things: its index frame (one row per constraint),
its terms (constraint row, variable family, variable row, coefficient) and its right-hand side.
:func:`add_rows` then declares ``m.<name>`` over ``range(len(index))`` in one pass, with each
row's body as a ``LinearExpression`` (no operator overloading, which is what makes Pyomo slow).
Rows with no terms are checked here: one that cannot hold (0 ≥ 5) is reported as a conflict
instead of being skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.formulation.data import ModelData

if TYPE_CHECKING:
    import pyomo.environ as pyo


SENSES = {"<=": 1, ">=": -1, "==": 0}


@dataclass
class Terms:
    """Coefficients of one variable family in the rows of one constraint family."""

    var: str  # variable family name, e.g. "ship_oxide_t"
    row: np.ndarray  # constraint row of each term
    col: np.ndarray  # variable row of each term
    coef: np.ndarray

    @classmethod
    def of(cls, var: str, row, col, coef=1.0) -> Terms:
        row = np.asarray(row, dtype=np.int64)
        col = np.asarray(col, dtype=np.int64)
        coef = np.broadcast_to(np.asarray(coef, dtype=float), row.shape).copy()
        return cls(var, row, col, coef)


def node_major(node: np.ndarray, pos: np.ndarray, width: int) -> np.ndarray:
    """Row of (node, pos) in an index frame built by crossing nodes with ``width`` rows."""
    return np.asarray(node, dtype=np.int64) * width + np.asarray(pos, dtype=np.int64)


VAR_ORDER = ("ship_concentrate_t", "ship_oxide_t", "stock_t", "unmet_demand_t", "modules_built",
             "cvar_threshold_musd", "cvar_excess_musd", "contract_signed", "contract_taken_t",
             "contract_paid_t", "node_cost_musd")
"""Column order of the variable families in the matrix handed to the solver.

``cvar_*`` are the mean-CVaR objective's η and z_s (optimizer/formulation/risk.py): they
have no rows, hence no columns, unless ``settings.risk_weight`` is above 0. ``contract_*``
(optimizer/formulation/contracts.py) have none without a ``contracts`` sheet; they come last,
so a model without contracts has exactly the columns it had before them. ``node_cost_musd``
(k_n, the cost of a tree node's decisions, written once for the CVaR rows) has columns only
when ``risk_weight`` is above 0, and comes last for the same reason."""

DECISION_VARS = ("modules_built", "contract_signed")
"""Integer families decided in a tree node (or here and now, node −1) and shared by its
scenarios: their costs are discounted in ``unit_costs`` and weighted by the probability of the
deciding node (column ``probability`` of their index frame), not by node weight."""


@dataclass
class Family:
    """One constraint family as arrays: what :func:`add_rows` recorded."""

    name: str
    sense: str
    rhs: np.ndarray
    row: np.ndarray  # constraint row of each nonzero (sorted)
    var: np.ndarray  # variable family position (in VAR_ORDER) of each nonzero
    col: np.ndarray  # row of the variable's index frame
    coef: np.ndarray
    rhs_cells: tuple | None = None  # see add_rows


def add_rows(m: "pyo.ConcreteModel | None", md: ModelData, name: str, index: pd.DataFrame,
             terms: list[Terms], sense: str, rhs, doc: str, rhs_cells: tuple | None = None) -> None:
    """Declare ``<name>[k] : Σ coef·var  <sense>  rhs[k]`` for every row k of ``index``.

    The family is always recorded as arrays in ``md.families`` (what HiGHS receives); with a
    Pyomo model ``m`` it is also declared as ``m.<name>`` (for export, other solvers, checks).
    ``rhs_cells`` = (sheet, column, node, pos, factor) says that ``rhs[k]`` is
    ``factor[k] × md.node_values(sheet, column)[node[k], pos[k]]`` (factor None = 1): a live
    model (optimizer/live.py) then updates a run's right-hand sides without a rebuild.
    """
    index = index.reset_index(drop=True).copy()
    rhs = np.broadcast_to(np.asarray(rhs, dtype=float), (len(index),)).copy()
    index["sense"] = sense
    index["rhs"] = rhs
    md.con_ix[name] = index
    terms = [t for t in terms if len(t.row)]
    rows = np.concatenate([t.row for t in terms]) if terms else np.zeros(0, np.int64)
    cols = np.concatenate([t.col for t in terms]) if terms else np.zeros(0, np.int64)
    coefs = np.concatenate([t.coef for t in terms]) if terms else np.zeros(0)
    var = np.concatenate([np.full(len(t.row), VAR_ORDER.index(t.var)) for t in terms]) \
        if terms else np.zeros(0, np.int64)
    keep = coefs != 0
    rows, cols, coefs, var = rows[keep], cols[keep], coefs[keep], var[keep]
    order = np.argsort(rows, kind="stable")
    rows, cols, coefs, var = rows[order], cols[order], coefs[order], var[order]
    md.families[name] = Family(name, sense, rhs, rows, var, cols, coefs, rhs_cells)
    starts = np.searchsorted(rows, np.arange(len(index) + 1))
    empty = starts[1:] == starts[:-1]
    for k in np.flatnonzero(empty):
        violated = {"<=": 0 > rhs[k] + 1e-9, ">=": 0 < rhs[k] - 1e-9, "==": abs(rhs[k]) > 1e-9}[sense]
        if violated:
            md.empty_rows.append((name, int(k)))
    if m is None or len(index) == 0:
        return
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    comps = [getattr(m, v) for v in VAR_ORDER]
    var_objs = [comps[v][int(c)] for v, c in zip(var.tolist(), cols.tolist())]
    coef_list = coefs.tolist()

    def rule(_m, k):
        a, b = starts[k], starts[k + 1]
        if a == b:
            return pyo.Constraint.Skip
        body = LinearExpression(constant=0.0, linear_coefs=coef_list[a:b], linear_vars=var_objs[a:b])
        if sense == "<=":
            return body <= rhs[k]
        if sense == ">=":
            return body >= rhs[k]
        return body == rhs[k]

    setattr(m, name, pyo.Constraint(range(len(index)), rule=rule, doc=doc))
