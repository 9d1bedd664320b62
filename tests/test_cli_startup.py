"""``supplyopt --help`` must not import the heavy libraries (issue 16 item 9, issue 15 target 3).

Importing pandas, numpy, Pyomo, HiGHS and plotly took about 1 s of the CLI's start-up; the CLI
modules now import them inside the commands that use them. These tests run a fresh
interpreter (this one has them loaded already) and read its ``sys.modules``: a module-level
import in ``optimizer.cli``, a command module or ``optimizer/__init__.py`` makes them fail. They
measure no time, so a loaded machine cannot make them flaky.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "pyomo", "highspy", "plotly", "openpyxl", "scipy")
"""Top-level packages a help page must not load."""

PROBE = """
import json, sys
{setup}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded_after(setup: str) -> list[str]:
    """The heavy packages present in a fresh interpreter after running ``setup``."""
    code = PROBE.format(setup=setup, heavy=HEAVY)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_package():
    """``import optimizer.cli`` registers every command (batch, verify, generate) too."""
    assert _loaded_after("import optimizer.cli") == []


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["solve", "--help"],
                                  ["batch", "--help"], ["verify", "--help"]])
def test_help_pages_load_no_heavy_package(argv):
    """Rendering a help page (or the version) runs typer's parser, not a command body."""
    setup = ("from optimizer.cli import app\n"
             f"try:\n    app({argv!r}, prog_name='supplyopt')\nexcept SystemExit:\n    pass")
    assert _loaded_after(setup) == []


def test_the_package_names_still_resolve():
    """The lazy ``optimizer.<name>`` API gives the same objects as their modules.

    ``optimizer.solve`` stays the function even after the submodule ``optimizer.solve`` is
    imported (which binds the submodule on the package unless refused).
    """
    import optimizer
    import optimizer.solve  # noqa: F401 - the import whose binding must not win
    from optimizer.api import load_instance, solve
    from optimizer.solve import SolveOptions

    assert optimizer.solve is solve
    assert optimizer.load_instance is load_instance
    assert optimizer.SolveOptions is SolveOptions
    with pytest.raises(AttributeError):
        optimizer.no_such_name  # noqa: B018


def test_parsing_a_commands_options_loads_no_pydantic(tmp_path):
    """typer 0.29 checks every option's value with a pydantic ``TypeAdapter``: each command then
    imports pydantic and builds an adapter per option, 0.075 s of every ``supplyopt solve``
    (pyproject caps typer below 0.29; README, "Dependencies and why"). A solve that fails at
    once on a missing workbook has parsed all its options."""
    setup = ("from optimizer.cli import app\n"
             f"try:\n    app(['solve', {str(tmp_path / 'missing.xlsx')!r}, '--mip-gap', '0',"
             f" '--quiet', '--no-report', '--out', {str(tmp_path / 'out')!r}],"
             " prog_name='supplyopt')\nexcept SystemExit:\n    pass")
    code = PROBE.format(setup=setup, heavy=("pydantic", "pandas"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    # pandas shows the command body ran (its options were parsed); pydantic must not be there
    assert json.loads(res.stdout.strip().splitlines()[-1]) == ["pandas"]
