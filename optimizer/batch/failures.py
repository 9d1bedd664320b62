"""A failed solve's reason, in full, for a table cell or a console listing.

A reason is the text of the error a run raised. A ScenarioError or InputError is a header
(``2 problem(s) in the scenario changes or overrides:``) followed by one ``  - problem`` line
each; an InfeasibleError is a headline followed by its explanation. Showing only the first
line drops every problem, so tables get the whole reason on one line (:func:`one_line`) and the
console gets it indented under the run's name (:func:`failure_lines`).
"""

from __future__ import annotations

SEPARATOR = " | "
"""Between the problems of a reason written on one line."""


def reason_parts(reason: str | None) -> list[str]:
    """The non-blank lines of a reason, each without its indentation and list dash."""
    parts = []
    for line in (reason or "").splitlines():
        text = line.strip()
        if text.startswith("- "):
            text = text[2:]
        if text:
            parts.append(text)
    return parts


def one_line(reason: str | None) -> str:
    """The whole reason on one line: ``header problem 1 | problem 2`` ("" if none)."""
    parts = reason_parts(reason)
    if not parts:
        return ""
    head, rest = parts[0], parts[1:]
    if not rest:
        return head
    return head + " " + SEPARATOR.join(rest) if head.endswith(":") \
        else SEPARATOR.join(parts)


def failure_lines(failures, indent: str = "  ") -> list[str]:
    """Console lines listing ``(name, reason)`` pairs: ``- name: header`` then each problem.

    Every problem of a reason is shown, one per line, indented under its run.
    """
    lines = []
    for name, reason in failures:
        parts = reason_parts(reason) or ["(no reason recorded)"]
        lines.append(f"{indent}- {name}: {parts[0]}")
        lines += [f"{indent}    - {p}" for p in parts[1:]]
    return lines
