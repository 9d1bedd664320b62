"""Supply-diversification optimiser for critical minerals (Pyomo + HiGHS).

Public API::

    inst = optimizer.load_instance("instances/ree_baseline.xlsx")
    run = optimizer.solve(inst)              # RunResult: outcome + tables (pandas)
    run.tables["builds"], run.tables["dual_demand_balance"]
"""

from optimizer.api import RunResult, load_instance, solve
from optimizer.errors import InfeasibleError, InputError, OptimizerError, ScenarioError, SolverError
from optimizer.instance import Instance, Override, Scenario
from optimizer.solve import SolveOptions

__all__ = [
    "InfeasibleError", "InputError", "Instance", "OptimizerError", "Override", "RunResult",
    "Scenario", "ScenarioError", "SolveOptions", "SolverError", "load_instance", "solve",
]
