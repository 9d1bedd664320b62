"""``supplyopt``: the command line. The only module that prints or exits.

Exit codes: 0 solved; 2 invalid input; 3 infeasible or no solution within limits; 4 some
batch runs failed; 1 internal error. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from optimizer.errors import InfeasibleError, OptimizerError
from optimizer.paths import safe_name

# Start-up (issue 16 item 9): this module and the command modules import only typer and the
# standard library at import time; pandas, numpy, Pyomo, HiGHS and plotly are imported inside
# the commands that use them, so `supplyopt --help` answers in a few tenths of a second.
# tests/test_cli_startup.py fails if one of them creeps back in.


def _lp_algorithms() -> tuple[str, ...]:
    """HiGHS LP algorithms accepted by --lp-algorithm (imported when the option is parsed)."""
    from optimizer.solve import LP_ALGORITHMS

    return LP_ALGORITHMS

# rich_markup_mode=None: help texts are plain text. Rich markup read 'sheet:key:column' as the
# :key: emoji and '[reports/<instance>/]' as a style tag, silently eating both.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Minimum-cost resilient sourcing and processing of critical minerals.")

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr.")]
SubMipHeuristics = Annotated[bool, typer.Option(
    "--sub-mip-heuristics", help="Let HiGHS run its sub-MIP heuristics: RINS, RENS and root "
    "reduced cost (off by default: without them the shipped baseline's MIP takes 2 s instead "
    "of 5, same optimum; in a batch, a 'sub_mip_heuristics' setting or column can ask for them "
    "too).")]
MipRestarts = Annotated[bool, typer.Option(
    "--mip-restarts", help="Let HiGHS restart a MIP's root (off by default: without restarts "
    "the shipped baseline's MIP takes 2 s instead of 5, same optimum; in a batch, a "
    "'mip_restarts' setting or column can ask for them too).")]


def _print_version(value: bool) -> None:
    """``--version``: print the installed version and stop (an eager option, as in click)."""
    if value:
        from optimizer import version

        typer.echo(f"supplyopt {version()}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Show the version and exit.")] = False,
) -> None:
    """Minimum-cost resilient sourcing and processing of critical minerals."""


def err(msg: str) -> None:
    """Print to stderr."""
    typer.echo(msg, err=True)


def run_guarded(fn, debug: bool):
    """Call ``fn``; turn domain errors into one message and their exit code."""
    try:
        return fn()
    except OptimizerError as exc:
        if debug:
            raise
        err(f"error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("interrupted: nothing was written")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # an internal error: say so plainly, keep the traceback for --debug
        if debug:
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)")
        raise typer.Exit(1) from None


def _usd_short(value: float) -> str:
    """USD in four significant figures with a B/M/k suffix (the progress line is short)."""
    for size, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= size:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"


def mip_progress_text(figures: dict) -> str:
    """The MIP's progress as HiGHS reports it: incumbent, bound, gap and nodes explored.

    Before the first incumbent HiGHS reports its primal bound as +inf: "no plan yet".
    """
    incumbent, bound, gap = figures["incumbent"], figures["bound"], figures["gap"]
    finite = abs(incumbent) < 1e300
    parts = [f"incumbent USD {_usd_short(incumbent)}" if finite else "no plan yet"]
    if abs(bound) < 1e300:
        parts.append(f"bound USD {_usd_short(bound)}")
    if finite and abs(gap) < 1e300:
        parts.append(f"gap {gap * 100:.3g} %")
    parts.append(f"{figures['nodes']:,} nodes")
    return ", ".join(parts)


class Spinner:
    """A progress line on stderr while a long stage runs: the stage, its details, the time.

    During a MIP solve the details are HiGHS's incumbent, bound and gap (:meth:`mip`, fed by
    :func:`optimizer.solve.mip_progress`). Only on a terminal: a pipe or log gets nothing.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.stage = ""
        self.detail = ""
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = None

    def __enter__(self):
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def set(self, stage: str) -> None:
        """Start a new stage (its details are cleared)."""
        self.stage, self.detail = stage, ""

    def mip(self, figures: dict) -> None:
        """Show a MIP's progress figures (called from the solve's polling loop)."""
        self.detail = mip_progress_text(figures)

    def _run(self):
        frames = "|/-\\"
        i = 0
        while not self._stop.wait(0.2):
            detail = f" ({self.detail})" if self.detail else ""
            sys.stderr.write(f"\r\033[K{frames[i % 4]} {self.stage}{detail} "
                             f"{time.perf_counter() - self._t0:5.1f}s ")
            sys.stderr.flush()
            i += 1

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread:
            self._thread.join()
            sys.stderr.write("\r\033[K")


def _warnings(inst, quiet: bool) -> None:
    if inst.warnings and not quiet:
        for w in inst.warnings:
            err(f"warning: {w}")


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    """An option's value, checked while the command line is parsed (usage error, exit 2)."""
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of " + ", ".join(allowed))
    return value


def _in_range(value: float | None, lo: float, hi: float, lo_open: bool, hi_open: bool,
              what: str) -> float | None:
    """A numeric option inside [lo, hi] (ends open where told), checked at parse time."""
    if value is None:
        return None
    low_ok = value > lo if lo_open else value >= lo
    high_ok = value < hi if hi_open else value <= hi
    if not (low_ok and high_ok and value == value):
        raise typer.BadParameter(f"{value:g} is outside {'(' if lo_open else '['}{lo:g}, "
                                 f"{hi:g}{')' if hi_open else ']'}: expected {what}")
    return value


SET_HELP = ("Override one input cell: SHEET:KEY:COLUMN=VALUE, where KEY is the row's key columns "
            "joined by commas (leading ones suffice), e.g. export_quotas:CHN,Dy:cap_t=0; "
            "COLUMN*=0.5 scales; =0@2026Q1 applies from a period on.")
"""The ``--set`` help of solve and batch (plain text: see ``rich_markup_mode`` above)."""

RiskWeight = Annotated[Optional[float], typer.Option(
    callback=lambda v: _in_range(v, 0.0, 1.0, False, False, "a weight λ from 0 to 1"),
    help="Risk aversion λ from 0 to 1: minimise (1 - λ) x expected cost + λ x CVaR "
    "[the instance's settings.risk_weight, default 0 = least expected cost].")]
CvarAlpha = Annotated[Optional[float], typer.Option(
    callback=lambda v: _in_range(v, 0.0, 1.0, True, True, "a level α above 0 and below 1"),
    help="CVaR level α above 0 and below 1: CVaR is the mean cost of the worst 1 - α of "
    "probability [settings.cvar_alpha, default 0.9].")]


def run_overrides(set_: list[str] | None, risk_weight: float | None,
                  cvar_alpha: float | None) -> tuple:
    """``--set`` cells, then λ and α as overrides of sheet settings: recorded with the results
    (so `supplyopt verify` re-applies them) and, for a solve, part of the default folder's
    name."""
    from optimizer.instance import Override

    return parse_set(set_) + tuple(
        Override("settings", (name,), "value", float(value), source=f"--{flag}")
        for name, flag, value in (("risk_weight", "risk-weight", risk_weight),
                                  ("cvar_alpha", "cvar-alpha", cvar_alpha))
        if value is not None)


def parse_set(values: list[str]) -> tuple:
    """Every ``--set sheet:key:column=value`` as an Override (see scenario.parse_override)."""
    from optimizer.errors import Problem, ScenarioError
    from optimizer.scenario import SET_SYNTAX, parse_override

    out, problems = [], []
    for text in values or []:
        try:
            out.append(parse_override(text))
        except ValueError:
            problems.append(Problem("--set", None, None, None, text, SET_SYNTAX))
    if problems:
        raise ScenarioError(problems)
    return tuple(out)


def default_run_folder(instance_name: str, overrides: tuple) -> Path:
    """``reports/<instance>/``, or ``reports/<instance>-set-<hash>/`` for a run with ``--set``.

    A run with overrides is another plan: it must not replace the base run's folder. The hash
    is the first 8 hex digits of the SHA-256 of the sorted override descriptions, so the same
    overrides (in any order) reuse one folder and different ones never share it.
    """
    import hashlib

    folder = safe_name(instance_name)
    if overrides:
        text = "\n".join(sorted(o.describe() for o in overrides))
        folder += "-set-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return Path("reports") / folder


@app.command()
def solve(
    instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
    out: Annotated[Optional[Path], typer.Option(help=(
        "Output folder, new or written by an earlier run [reports/<instance>/; with --set: "
        "reports/<instance>-set-<hash>/]."))] = None,
    # Checked at parse time: a negative time limit was accepted and ignored (HiGHS refuses
    # the value and solves without one). Any positive one holds (1e-6 s: stopped at once).
    time_limit: Annotated[Optional[float], typer.Option(
        help="Time limit in seconds.",
        callback=lambda v: _in_range(v, 0.0, float("inf"), True, False, "seconds above 0"))] = None,
    mip_gap: Annotated[float, typer.Option(help="Relative MIP gap at which to stop.",
                                           min=0.0, max=1.0)] = 1e-4,
    threads: Annotated[Optional[int], typer.Option(help="Solver threads.", min=1)] = None,
    lp_algorithm: Annotated[str, typer.Option(
        callback=lambda value: _one_of(value, _lp_algorithms()),
        help="LP algorithm: choose (HiGHS's default), simplex, parallel (dual simplex on "
        "several cores: faster with a spare core), ipm, pdlp.")] = "choose",
    solver: Annotated[str, typer.Option(help="highs, or any other Pyomo solver name.")] = "highs",
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar="SHEET:KEY:COLUMN=VALUE", help=SET_HELP + " Repeatable.")] = None,
    allow_nonoptimal: Annotated[bool, typer.Option(
        help="Accept a feasible plan found within the time limit (reports its gap).")] = False,
    risk_weight: RiskWeight = None,
    cvar_alpha: CvarAlpha = None,
    no_report: Annotated[bool, typer.Option(
        "--no-report", help="Write only tables/*.csv and summary.json (render results.xlsx and "
        "report.html later with 'supplyopt report DIR').")] = False,
    no_ranging: Annotated[bool, typer.Option(
        "--no-ranging", help="Skip the right-hand-side ranges of the shadow prices (ranged on "
        "the LP of the optimal basis's columns: 0.15 s at the medium preset); the shadow-price "
        "tables then have no rhs_range columns.")] = False,
    sub_mip_heuristics: SubMipHeuristics = False,
    mip_restarts: MipRestarts = False,
    quiet: Quiet = False,
    debug: Debug = False,
):
    """Solve an instance and write results.xlsx, report.html, tables/*.csv and summary.json."""
    from optimizer import forked
    from optimizer.api import load_instance
    from optimizer.api import solve as solve_instance
    from optimizer.output import check_replaceable, write_failure, write_run
    from optimizer.solve import SolveOptions, mip_progress

    def go():
        times = {}
        with Spinner(not quiet) as spin:
            spin.set("reading")
            inst = load_instance(instance, times)
            _warnings(inst, quiet)
            options = SolveOptions(solver=solver, time_limit_s=time_limit, mip_rel_gap=mip_gap,
                                   threads=threads, lp_algorithm=lp_algorithm,
                                   allow_nonoptimal=allow_nonoptimal, ranging=not no_ranging,
                                   sub_mip_heuristics=sub_mip_heuristics,
                                   mip_restarts=mip_restarts)
            overrides = run_overrides(set_, risk_weight, cvar_alpha)
            target = out or default_run_folder(inst.name, overrides)
            check_replaceable(target)  # before solving: a refusal costs the user no wait
            spin.set("solving")
            # HiGHS's MIP callbacks only when the progress line shows them (they take the GIL)
            listening = mip_progress(spin.mip) if spin.enabled else contextlib.nullcontext()
            try:
                with listening:
                    run = solve_instance(inst, options, overrides, times=times,
                                         on_warning=lambda w: err(f"warning: {w}"),
                                         parallel=True, render=not no_report,
                                         defer_verification=True)  # see write_run
            except InfeasibleError as exc:
                written = write_failure(target, inst, exc)
                # The explanation is long: its first line and where to read it again come last,
                # so the end of the terminal says what happened and where it was written.
                exc.args = (f"{exc}\n{str(exc).splitlines()[0]}: the explanation was written "
                            f"to {written / 'infeasibility.txt'} (and summary.json)",)
                raise
            # The solver objects are only needed for warm re-solves (batches): free HiGHS's
            # model and factors before the outputs are rendered, lowering the peak memory.
            run.outcome.highs = run.outcome.lp_highs = None
            spin.set("writing")
            t0 = time.perf_counter()
            write_run(run, target, render=not no_report,
                      parallel=forked.worth_it(run.outcome.n_variables))
            times["write"] = time.perf_counter() - t0
        s = run.summary()
        risk = s.get("risk") or {}
        # Under mean-CVaR the objective is not the expected cost: name both.
        cost = f"expected cost USD {s['objective_usd']:,.0f}" if not risk.get("risk_weight") \
            else (f"mean-CVaR objective USD {s['objective_usd']:,.0f} (λ {risk['risk_weight']:g}, "
                  f"expected cost USD {risk['expected_cost_usd']:,.0f}, CVaR at "
                  f"{risk['cvar_alpha']:g} USD {risk['cvar_usd']:,.0f})")
        typer.echo(f"{s['status']}: {cost}"
                   + (f" (gap {s['gap'] * 100:.3g} %)" if s["is_mip"] and s["gap"] else "")
                   + f" -> {target}")
        if s["status"] == "feasible":
            err(f"note: the solver stopped ({s['termination']}) before proving this plan optimal; "
                f"its cost is within {(s['gap'] or 0) * 100:.3g} % of the best possible")
        if not quiet:
            from optimizer.cli_result import print_rows, result_rows, use_colour

            # status, cost, the decide now / scheduled / contingent lines, unmet demand in the
            # worst scenario and the verification; colour on a terminal, plain text otherwise
            stdout = sys.stdout
            print_rows(result_rows(s, run.tables.get("unmet_demand")), stdout,
                       use_colour(stdout))
            for line in s["decisions"]["horizon_warnings"]:
                err(f"warning: {line}")
    run_guarded(go, debug)


@app.command()
def validate(
    instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
    debug: Debug = False,
):
    """Check an instance and list every problem found (exit 2 if any)."""
    from optimizer.api import load_instance

    def go():
        inst = load_instance(instance)
        _warnings(inst, False)
        typer.echo(f"ok: {inst.name}: {len(inst.periods)} periods, "
                   f"{len(inst.table('countries'))} countries, {len(inst.table('mines'))} mines, "
                   f"{len(inst.table('plants'))} plants, {len(inst.table('demands'))} demand nodes, "
                   f"{len(inst.scenarios)} scenario(s)")
    run_guarded(go, debug)


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="Where to write the empty workbook (.xlsx).")],
    debug: Debug = False,
):
    """Write an empty instance workbook with a README sheet, units and drop-downs."""
    from optimizer.output import OutputFolderError
    from optimizer.template import write_template

    def go():
        if path.exists():  # it may be a planner's filled-in workbook: never overwrite it
            raise OutputFolderError(f"{path}: exists; the template is written only to a new "
                                    "file name")
        write_template(path)
        typer.echo(f"wrote {path}")
    run_guarded(go, debug)


def export_target(out: Path | None, format: str | None) -> tuple[Path, str]:
    """The file and format of ``export-model``: each follows the other, and they must agree.

    No --out: ``model.<format>`` (format mps if neither is given). No --format: the --out
    suffix decides. Both: the suffix must be ``.<format>``. Raises OutputFolderError (exit 2).
    """
    from optimizer.export import FORMATS
    from optimizer.output import OutputFolderError

    suffix = out.suffix.lower().lstrip(".") if out is not None else None
    if out is not None and suffix not in FORMATS:
        raise OutputFolderError(f"--out {out}: the file name must end in .mps or .lp (the "
                                "format follows it)")
    fmt = format or suffix or "mps"
    if out is None:
        return Path(f"model.{fmt}"), fmt
    if suffix != fmt:
        raise OutputFolderError(f"--out {out} ends in .{suffix} but --format is {fmt}: use "
                                f"--out {out.with_suffix('.' + fmt)}, or --format {suffix}")
    return out, fmt


@app.command("export-model")
def export_model(
    instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
    out: Annotated[Optional[Path], typer.Option(
        help="File to write, ending in .mps or .lp [model.<format>].")] = None,
    format: Annotated[Optional[str], typer.Option(
        callback=lambda value: value if value is None else _one_of(value, ("mps", "lp")),
        help="mps (free MPS) or lp (CPLEX LP) [the --out suffix; else mps].")] = None,
    debug: Debug = False,
):
    """Write the model HiGHS solves as an MPS or LP file, with readable names."""
    from optimizer.api import load_instance
    from optimizer.export import written_by_us, write_model_file
    from optimizer.output import OutputFolderError

    def go():
        target, _ = export_target(out, format)
        if target.exists() and not (target.is_file() and written_by_us(target)):
            raise OutputFolderError(f"--out {target}: exists and was not written by "
                                    "'supplyopt export-model'; choose another file name")
        inst = load_instance(instance)
        write_model_file(inst, target)
        typer.echo(f"wrote {target}")
    run_guarded(go, debug)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by solve or batch.")],
    debug: Debug = False,
):
    """Re-render results.xlsx and report.html from a saved run, without solving."""
    from optimizer.output import check_renderable, register_files
    from optimizer.report import render_run_outputs

    def go():
        check_renderable(run_dir)  # only the tool's own folders: never overwrite a user's file
        # Listed first: interrupted mid-render, the folder must still read as the tool's own.
        register_files(run_dir, ["results.xlsx", "report.html"])
        render_run_outputs(run_dir, parallel=True)
        typer.echo(f"rendered {run_dir}")
    run_guarded(go, debug)


# Commands that live in their own modules (batch, verify, generate, ...) register themselves
# here: each module defines ``register(app)``. A module that is absent is skipped; one that
# fails to import raises, so a broken command never disappears silently.
_COMMAND_MODULES = ("optimizer.cli_batch", "optimizer.cli_verify", "optimizer.cli_generate",
                    "optimizer.cli_frontier", "optimizer.cli_alternatives")


def _register_commands() -> None:
    import importlib
    import importlib.util

    for name in _COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)


_register_commands()


def main() -> None:  # pragma: no cover - console entry for python -m optimizer
    app()
