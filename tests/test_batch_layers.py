"""The batch package's import direction, failure reasons in full, and strict JSON.

Imports inside ``optimizer/batch`` run one way: ``task`` and ``transforms`` ← ``worker`` ←
``executors`` and ``batch_results`` ← ``runner``; ``analytics`` runs tasks through
``executors`` and never needs ``runner``. ``runner`` once imported ``analytics`` (for the transforms) while ``analytics``
imported ``runner`` (for ``Task`` and ``execute``): a circle, hidden by function-level imports.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

import optimizer.batch as batch_pkg
from optimizer.batch.failures import failure_lines, one_line, reason_parts
from optimizer.json_safe import dumps, json_safe

BATCH = Path(batch_pkg.__file__).parent

_BASE = {"task", "transforms", "failures", "summary", "progress", "definition"}
LOWER = {"task": set(), "transforms": set(), "failures": set(), "summary": set(),
         "progress": set(), "definition": set(),
         "worker": _BASE,
         "executors": _BASE | {"worker"},
         "batch_results": _BASE | {"worker"},
         "runner": _BASE | {"worker", "executors", "batch_results"},
         "analytics": _BASE | {"worker", "executors"}}
"""Module → the modules of optimizer/batch it may import (anything at a lower layer)."""


def batch_imports(module: str) -> set[str]:
    """Modules of optimizer.batch that ``module`` imports, at any depth of its code."""
    tree = ast.parse((BATCH / f"{module}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("optimizer.batch."):
                out.add(name.split(".")[2])
    return out


@pytest.mark.parametrize("module", sorted(LOWER))
def test_batch_imports_run_one_way(module):
    """Each module imports only modules of a lower layer (runner never imports analytics)."""
    assert batch_imports(module) <= LOWER[module], module


def test_every_batch_module_has_a_layer():
    """A new module must be placed in LOWER, so the check above covers it."""
    found = {p.stem for p in BATCH.glob("*.py") if p.stem != "__init__"}
    assert found <= set(LOWER)


SCENARIO_REASON = (
    "2 problem(s) in the scenario changes or overrides:\n"
    "  - expected-value problem; expected at most one override of each cell (first)\n"
    "  - expected-value problem; expected at most one override of each cell (second)")


def test_one_line_keeps_every_problem():
    """The header, then both problems (dash and indentation removed), joined by " | "."""
    assert one_line(SCENARIO_REASON) == (
        "2 problem(s) in the scenario changes or overrides: "
        "expected-value problem; expected at most one override of each cell (first) | "
        "expected-value problem; expected at most one override of each cell (second)")
    assert one_line("no plan\nthe demand d cannot be served") == \
        "no plan | the demand d cannot be served"
    assert one_line(None) == "" and one_line("single") == "single"


def test_failure_lines_indent_each_problem_under_its_run():
    assert failure_lines([("EV", SCENARIO_REASON), ("cut:C:none", "infeasible")]) == [
        "  - EV: 2 problem(s) in the scenario changes or overrides:",
        "      - expected-value problem; expected at most one override of each cell (first)",
        "      - expected-value problem; expected at most one override of each cell (second)",
        "  - cut:C:none: infeasible"]
    assert reason_parts("  \n") == []


def test_json_has_null_where_python_would_write_nan():
    """NaN, ±inf (floats and numpy scalars) → null; other values unchanged; tuples → lists."""
    obj = {"a": float("nan"), "b": [1.5, np.float64("inf"), -math.inf], "c": (np.int64(3), "x"),
           "d": {"e": np.nan, "f": None, "g": 0.0}}
    text = dumps(obj)
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "a": None, "b": [1.5, None, None], "c": [3, "x"], "d": {"e": None, "f": None, "g": 0.0}}
    assert json_safe(2.5) == 2.5 and json_safe("NaN") == "NaN"


def test_batch_manifest_writer_writes_null(tmp_path):
    from optimizer.batch.worker import write_json_atomic

    write_json_atomic({"objective_usd": float("nan"), "gap": np.float64("inf")},
                      tmp_path / "m.json")
    text = (tmp_path / "m.json").read_text(encoding="utf-8")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "objective_usd": None, "gap": None}


def test_run_summary_writer_writes_null(tmp_path):
    """summary.json (and analysis.json) go through output.write_json: a gap of +inf (HiGHS's
    when a time-limited plan has no finite bound) is written as null, not Infinity."""
    from optimizer.output import write_json

    write_json({"gap": float("inf"), "objective_usd": 1.5}, tmp_path / "summary.json")
    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "gap": None, "objective_usd": 1.5}
