"""``supplyopt export-model``: the model HiGHS solves, as an LP or MPS file with readable names.

The matrix is the one a solve hands to HiGHS (:func:`optimizer.solve.compile_arrays`), and
HiGHS writes the file, so the export cannot drift from what is solved. Every column and row is
named after its family and the key columns of its index frame, e.g.
``ship_oxide_t(2025Q3,USA_Plant,USA_ev,NdPr,AUS,USA)`` or ``demand_balance(2025Q3,USA_ev,NdPr)``.

Name rules (both formats): a name has no spaces (free MPS and LP split on whitespace), and the
CPLEX LP format allows only letters, digits and ``!"#$%&()/,.;?@_`'{}|~``; any other character
of an instance's names becomes ``_`` (a ``*`` key, "any", is written ``any``). Names are at
most 255 characters (the LP limit). Two entries whose names would coincide (after replacement
or truncation) get ``#<position>`` appended, so every name is unique.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd

FORMATS = ("mps", "lp")
"""Export formats; the file's suffix must be ``.<format>``."""

MAX_NAME = 255
"""The CPLEX LP format's name limit (free MPS has none; one rule for both)."""

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9!\"#$%&()/,.;?@_`'{}|~]")

_NOT_A_KEY = {"lane", "origin_kind", "destination_kind", "origin_country", "destination_country",
              "module_row", "decision_pos", "probability", "period_pos", "sense", "rhs", "value",
              "cap_t", "max_t", "max_share", "bound_t", "period"}
"""Index-frame columns that describe an entry (a data value, a position or a derived country)
without telling it apart from the others of its family; left out of names. (``period`` is
left out only where ``node`` is there: a node's label already names its period.)"""


def _node_labels(md) -> list[str]:
    """A node's period, with its node number when the tree has more nodes than periods."""
    periods = list(md.inst.periods)
    one_per_period = len(md.nodes) == len({n.period for n in md.nodes})
    return [periods[n.period] if one_per_period else f"{periods[n.period]}.n{n.id}"
            for n in md.nodes]


def entry_names(family: str, index: pd.DataFrame, nodes: list[str]) -> list[str]:
    """``family(key,...)`` for every row of ``index`` (see the module docstring's rules)."""
    keys = [c for c in index.columns
            if c not in _NOT_A_KEY or (c == "period" and "node" not in index.columns)]
    parts = []
    for c in keys:
        col = index[c]
        if c == "node":
            parts.append([nodes[int(v)] for v in col])
        else:
            parts.append(["" if v is None or (isinstance(v, float) and v != v)
                          else "any" if v == "*" else str(v) for v in col])
    raw = [f"{family}({','.join(p)})" for p in zip(*parts)] if keys else \
        [f"{family}()"] * len(index)
    names = [_NOT_ALLOWED.sub("_", n)[:MAX_NAME] for n in raw]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [n if seen[n] == 1 else f"{n[:MAX_NAME - 12]}#{i}" for i, n in enumerate(names)]


HEADER = "supplyopt export-model"
"""The first comment line of every exported file: how the tool recognises a file of its own
(it overwrites no other file)."""


def written_by_us(path: Path) -> bool:
    """True if ``path`` starts with the comment line :func:`write_model_file` writes."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline()
    except OSError:
        return False
    return first[:1] in ("\\", "*") and first[1:].strip().startswith(HEADER)


def write_model_file(inst, path: str | Path) -> Path:
    """Write ``inst``'s model to ``path`` (format from its suffix, ``.lp`` or ``.mps``).

    The file is written next to ``path`` and renamed when complete; its first line is a
    comment naming the tool and the instance (``\\`` in LP, ``*`` in MPS).
    """
    from optimizer.output import atomic_file
    from optimizer.formulation import build_model
    from optimizer.formulation.rows import VAR_ORDER
    from optimizer.solve import compile_arrays, new_highs_object

    _, md = build_model(inst, pyomo=False)
    compiled = compile_arrays(md)
    nodes = _node_labels(md)
    lp = compiled.lp
    lp.col_names_ = [n for v in VAR_ORDER for n in entry_names(v, md.var_ix[v], nodes)]
    lp.row_names_ = [n for fam in md.term_arrays() for n in entry_names(fam, md.con_ix[fam], nodes)]
    assert len(lp.col_names_) == lp.num_col_ and len(lp.row_names_) == lp.num_row_
    h = new_highs_object()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "\\" if path.suffix.lower() == ".lp" else "*"
    with atomic_file(path) as tmp:
        raw = tmp.with_name(".raw" + tmp.name)  # same suffix: HiGHS picks the format from it
        try:
            status = h.writeModel(str(raw))
            if str(status).endswith("kError") or not raw.is_file():
                raise OSError(f"HiGHS could not write {path}")
            with open(tmp, "w", encoding="utf-8") as out, open(raw, encoding="utf-8") as body:
                about = re.sub(r"\s+", " ", f"instance {inst.name} ({inst.source})")
                out.write(f"{comment} {HEADER}: {about}\n")
                shutil.copyfileobj(body, out)  # streamed: a large model's file is big
        finally:
            raw.unlink(missing_ok=True)
    return path

