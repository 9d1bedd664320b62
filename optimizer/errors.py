"""Domain exceptions. The CLI maps each class to one exit code and prints it as one line.

Every error carries a message a planner can act on; input errors also carry their location
(file, sheet, Excel row, column), so a batch of them can be listed in one run.
"""

from __future__ import annotations

from dataclasses import dataclass


class OptimizerError(Exception):
    """Base class of every error the tool reports to a user (never a traceback)."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem found in an instance: where it is, what was found, what was expected.

    ``row`` is the Excel row number (the header is row 1, the first data row is row 2),
    or ``None`` when the problem concerns a whole sheet or file.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: object
    expected: str
    severity: str = "error"  # "error" stops the run; "warning" is only listed

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        found = "" if self.value is None else f": found {self.value!r}"
        return f"{', '.join(where)}{found}; expected {self.expected}"


class InputError(OptimizerError):
    """The instance is invalid. Holds every problem found, not only the first."""

    exit_code = 2
    what = "the instance"

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems, None, None, None, None, "a readable instance")]
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity != "error"]
        lines = [str(p) for p in self.problems]
        msg = f"{len(lines)} problem(s) in {self.what}:\n" + "\n".join(f"  - {ln}" for ln in lines)
        super().__init__(msg)


class ScenarioError(InputError):
    """A scenario or batch override names an unknown sheet, key or column, or clashes."""

    what = "the scenario changes or overrides"


class InfeasibleError(OptimizerError):
    """The hard constraints cannot all hold, or no solution was found within the limits."""

    exit_code = 3

    def __init__(self, message: str, explanation: str | None = None):
        self.explanation = explanation
        super().__init__(message if not explanation else f"{message}\n{explanation}")


class SolverError(OptimizerError):
    """The solver failed, or a solution failed the independent verification."""

    exit_code = 1
