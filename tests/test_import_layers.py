"""Imports inside ``optimizer/`` run one way: no module imports, at any depth of its code
(function-level imports included), a module that imports it back.

Circles hide behind function-level imports and make modules impossible to read or test on
their own (the ones removed: ``batch.analytics`` ↔ ``batch.runner``, ``output`` → ``report`` →
``report.batch_html`` → ``output``, ``solve`` ↔ ``solve_fixed_lp``, ``io.validate`` ↔
``scenario``, ``formulation`` ↔ ``formulation.data``). ``from optimizer.pkg import sub`` of a
submodule counts as importing the submodule only, since the package's ``__init__`` is then run
but not depended on for names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import optimizer

ROOT = Path(optimizer.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ``optimizer`` it imports anywhere in its code."""
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.startswith("optimizer"):
                subs = [f"{node.module}.{a.name}" for a in node.names
                        if f"{node.module}.{a.name}" in mods]
                deps.update(subs if len(subs) == len(node.names) else [node.module, *subs])
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in mods)
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_circle():
    """The check can fail: a → b → c → a is one circle; d alone is none."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles_in_optimizer():
    assert circles(import_graph()) == []
