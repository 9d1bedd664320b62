"""Supply-diversification optimiser for critical minerals (Pyomo + HiGHS).

Public API::

    inst = optimizer.load_instance("instances/ree_baseline.xlsx")
    run = optimizer.solve(inst)              # RunResult: outcome + tables (pandas)
    run.tables["builds"], run.tables["dual_demand_balance"]

The names are imported on first use (PEP 562 ``__getattr__``): ``import optimizer`` alone, as
every ``optimizer.*`` module and ``supplyopt --help`` do, must not pay for pandas, numpy, Pyomo
and HiGHS.
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"
"""Fallback version; :func:`version` prefers the installed distribution's metadata."""

_LAZY = {
    "RunResult": "optimizer.api", "load_instance": "optimizer.api", "solve": "optimizer.api",
    "InfeasibleError": "optimizer.errors", "InputError": "optimizer.errors",
    "OptimizerError": "optimizer.errors", "ScenarioError": "optimizer.errors",
    "SolverError": "optimizer.errors",
    "Instance": "optimizer.instance", "Override": "optimizer.instance",
    "Scenario": "optimizer.instance",
    "SolveOptions": "optimizer.solve",
}
"""Public name → module that defines it."""

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    """Import a public name's module when the name is first read, and cache the name."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """The package module, keeping ``optimizer.solve`` the public function.

    Loading the submodule :mod:`optimizer.solve` binds it as the package's attribute ``solve``
    (``importlib`` does ``setattr(parent, child, module)``). The eager imports this module had
    before bound the function afterwards, so ``optimizer.solve(inst)`` worked; with lazy
    imports the submodule would win, so that one binding is refused.
    """

    def __setattr__(self, name: str, value) -> None:
        if name == "solve" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def version() -> str:
    """The installed package's version (``supplyopt --version``), else ``__version__``."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("supplyopt")
    except PackageNotFoundError:
        return __version__
