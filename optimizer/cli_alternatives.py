"""``supplyopt alternatives``: near-optimal plans (MGA), registered into the main CLI.

Exit codes: 0 every alternative found and verified; 2 invalid input or options (a bad
``--slack``, an unknown ``--share`` country, an output folder the tool may not replace;
nothing written); 3 the least-cost solve found no plan; 4 some alternative solves gave no plan
(the outputs are written, the failures listed on stderr and in alternatives.csv); 1 internal
error; 130 interrupted.
"""

# No "from __future__ import annotations": typer must see the Annotated types defined in
# register() itself, evaluated when the commands are defined.
from pathlib import Path
from typing import Annotated, Optional

import typer


def parse_slack(text: Optional[str]) -> Optional[float]:
    """``--slack``: '2%' (a percentage) or '0.02' (a fraction) → 0.02; from 0 % to 100 %.

    A bare number is a fraction, so '2' reads as 200 % and is refused with a hint: a slack
    above 100 % (or below 0) is a usage error, exit 2, before anything is read or written.
    """
    if text is None:
        return None
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = float(raw[:-1].strip() if percent else raw)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number: expected a cost slack such as "
                                 "2% or 0.02") from None
    value = value / 100.0 if percent else value
    if not (0.0 <= value <= 1.0):  # also refuses NaN
        hint = f" (for {raw} percent write {raw}%)" if not percent and 1.0 < value <= 100.0 \
            else ""
        raise typer.BadParameter(f"{text!r} is outside 0% to 100%: expected a cost slack such "
                                 f"as 2% or 0.02{hint}")
    return value


def default_folder(instance_name: str) -> Path:
    """``reports/<instance>-alternatives/``: never the solve's own run folder."""
    from optimizer.paths import safe_name

    return Path("reports") / f"{safe_name(instance_name)}-alternatives"


def register(app: typer.Typer) -> None:
    """Add the ``alternatives`` command to ``app``."""
    from optimizer.cli import Debug, Quiet, Spinner, err, run_guarded

    @app.command()
    def alternatives(
        instance: Annotated[Path, typer.Argument(help="Workbook (.xlsx) or folder of CSV files.")],
        slack: Annotated[Optional[str], typer.Option(
            callback=parse_slack, metavar="PCT",
            help="Cost slack: plans whose cost is within this of the least cost, e.g. 2% "
                 "(or 0.02); from 0% to 100% [2%]. Under a mean-CVaR objective "
                 "(settings.risk_weight > 0) the slack is on that objective.")] = None,
        share: Annotated[Optional[str], typer.Option(
            metavar="COUNTRY",
            help="Also minimise and maximise the expected share of demand supplied by this "
                 "country (two more plans).")] = None,
        share_basis: Annotated[str, typer.Option(
            help="What counts as supplied by --share: processed (oxide separated there) or "
                 "mined.")] = "processed",
        exact: Annotated[bool, typer.Option(
            "--exact", help="Also compute each module's exact range within the slack (up to "
                            "two solves per module).")] = False,
        out: Annotated[Optional[Path], typer.Option(
            help="Output folder, new or written by an earlier run "
                 "[reports/<instance>-alternatives/].")] = None,
        jobs: Annotated[int, typer.Option(
            help="Alternatives solved at once, in forked worker processes.", min=1)] = 1,
        mip_gap: Annotated[float, typer.Option(
            help="Relative MIP gap of every solve.", min=0.0, max=1.0)] = 1e-4,
        time_limit: Annotated[Optional[float], typer.Option(
            help="Time limit per solve (s).", min=0.001)] = None,
        mip_start: Annotated[bool, typer.Option(
            "--mip-start/--no-mip-start",
            help="Start each alternative's MIP from the least-cost plan: about 2x faster, but "
            "HiGHS 1.16 has returned wrong optima from such starts, so a range may be "
            "narrower than the slack allows (plans stay verified).")] = False,
        quiet: Quiet = False,
        debug: Debug = False,
    ):
        """Near-optimal alternatives: which builds every plan within the slack needs, and which
        can be swapped (min/max each country's built capacity).
        """
        import sys

        def go():
            from optimizer.alternatives import DEFAULT_SLACK, find_alternatives
            from optimizer.api import load_instance
            from optimizer.output import check_replaceable
            from optimizer.solve import SolveOptions

            inst = load_instance(instance)
            if not quiet:
                for w in inst.warnings:
                    err(f"warning: {w}")
            target = out or default_folder(inst.name)
            check_replaceable(target)  # before solving: a refusal costs the user no wait
            options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=mip_gap)
            with Spinner(not quiet) as spin:
                a = find_alternatives(inst, options, DEFAULT_SLACK if slack is None else slack,
                                      share, share_basis, exact, jobs, mip_start,
                                      on_stage=spin.set)
                spin.set("writing")
                write_alternatives(a, target)
            for line in summary_lines(a, target):
                typer.echo(line)
            if a.failed:
                err(f"{len(a.failed)} alternative(s) gave no verified plan (see "
                    f"{target / 'alternatives.csv'}):")
                for p in a.failed:
                    err(f"  {p.goal.name}: {p.status}: {p.message}")
                raise typer.Exit(4)
            sys.stdout.flush()
        run_guarded(go, debug)


def write_alternatives(a, target: Path) -> Path:
    """Write the tables, the summary and the page into ``target`` atomically."""
    from optimizer.alternatives import plan_builds, plans_table, summary
    from optimizer.csv_safe import write_csv
    from optimizer.output import atomic_dir, write_json
    from optimizer.report.alternatives_html import render_alternatives

    with atomic_dir(target) as tmp:
        write_csv(plans_table(a), tmp / "alternatives.csv")
        write_csv(ranges_table(a), tmp / "decision_ranges.csv")
        write_csv(plan_builds(a), tmp / "plan_builds.csv")
        write_json(summary(a), tmp / "alternatives.json")
        (tmp / "alternatives.html").write_text(render_alternatives(a), encoding="utf-8")
    return target


def ranges_table(a):
    """decision_ranges.csv: module ranges (``level`` module) then (module, decision period)."""
    import pandas as pd

    mods = a.module_ranges.assign(level="module", decision_period="")
    decs = a.decision_ranges.assign(level="decision")
    out = pd.concat([mods, decs], ignore_index=True)
    first = ["level", "module", "decision_period", "class", "min_expected_count",
             "max_expected_count", "optimum_expected_count"]
    return out[first + [c for c in out.columns if c not in first]]


def summary_lines(a, target: Path) -> list[str]:
    """What the command prints: the optimum, the plans, the classes, where the files are."""
    from optimizer.alternatives import EXACT_NOTE, NOT_EXACT_NOTE
    from optimizer.report.fmt import join

    mods = a.module_ranges
    ok = [p for p in a.plans if p.has_plan]
    lines = [f"least {a.objective_kind} USD {a.optimum_usd:,.0f}; {len(ok)} plan(s) within "
             f"{a.slack * 100:g} % (up to USD {a.bound_usd:,.0f}) -> {target}"]
    for cls, label in (("must-have", "in every plan"), ("interchangeable", "can be swapped"),
                       ("never", "in no plan")):
        names = mods.loc[mods["class"] == cls, "module"].tolist()
        if names:
            lines.append(f"  {label}: {join(names)}")
    lines.append("  " + (EXACT_NOTE if a.exact else NOT_EXACT_NOTE))
    if a.unproven:
        lines.append(f"  note: {len(a.unproven)} goal solve(s) stopped at the time limit ("
                     + ", ".join(p.goal.name for p in a.unproven) + "): their plans are valid, "
                     "but the ranges may be narrower than the near-optimal plans allow")
    return lines
