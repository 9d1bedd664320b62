"""The documented test commands end with pytest's usual summary line ("N passed in ...").

A newcomer runs the README's second set-up command and CI runs ``.ci/run``; both must show
that the tests passed. A ``-q`` on the command line on top of ``addopts = "-q"`` in
pyproject.toml made ``-qq``, which prints no summary at all (issue 13, item 11).

Each test takes the pytest invocation exactly as written in the file (README code block,
``.ci/run``), points it at one tiny test of this suite, runs it from the project root (so
pyproject.toml's configuration applies) and asserts the last line of output. One test ran
and passed, so the line must read "1 passed in <seconds>s".
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY_TEST = "tests/test_paths.py::test_safe_name_is_bounded"


def _pytest_args(line: str) -> list[str]:
    """The arguments after ``python -m pytest`` on a shell line (up to ``&&`` or the end)."""
    tail = line.split("python -m pytest", 1)[1].split("&&", 1)[0]
    return shlex.split(tail)


def _readme_command() -> str:
    """The second line of the README's first code block (the test set-up command)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    return block[1]


def _ci_command() -> str:
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if "python -m pytest" in ln and not ln.lstrip().startswith("#")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("source", ["README.md", ".ci/run"])
def test_documented_test_command_prints_the_summary_line(source):
    line = _readme_command() if source == "README.md" else _ci_command()
    args = _pytest_args(line)
    res = subprocess.run([sys.executable, "-m", "pytest", *args, TINY_TEST, "-p",
                          "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    last = res.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=* ?1 passed in [0-9.]+s( \([0-9:]+\))? ?=*", last), last
