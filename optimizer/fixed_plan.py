"""A given investment plan, fixed: ``SolveOptions.fixed_builds`` and ``.fixed_contracts`` as
the values of the integer decision columns (the analyses' EEV, naive-plan, cut-off and status
quo solves; the Python API; the LP variant of benchmarks/batch_sweep.py).

Each decision names its module (or contract), its decision period and count (or signing), and
optionally the scenarios it is decided in (``decided_in``); it fixes every tree node of that
period those scenarios reach. Decisions not listed are fixed at 0.
"""

from __future__ import annotations


def fixed_decision_counts(md, options) -> dict:
    """``SolveOptions.fixed_builds`` and ``.fixed_contracts`` → {integer family: values}, the
    argument of :func:`optimizer.solve.with_fixed_builds`: the families given are fixed (every
    decision not listed at 0), the others stay the optimiser's."""
    out = {}
    if options.fixed_builds is not None:
        out["modules_built"] = fixed_build_counts(md, options.fixed_builds)
    if options.fixed_contracts is not None:
        out["contract_signed"] = fixed_signing_values(md, options.fixed_contracts)
    return out


def _decided_in_nodes(md, decisions, ks, decided_in) -> list[int]:
    """Of the decision columns ``ks`` (rows of the index frame ``decisions``), those a plan's
    ``decided in`` reaches: all of them for 'all', else the ones decided here and now or in a
    node holding one of the named scenarios ('a+b')."""
    if decided_in == "all":
        return ks
    names = set(str(decided_in).split("+"))
    node = decisions["node"]
    return [k for k in ks if node.iat[k] < 0 or names & set(md.nodes[int(node.iat[k])].scenarios)]


def fixed_signing_values(md, fixed):
    """``SolveOptions.fixed_contracts`` → 0/1 aligned with ``md.var_ix["contract_signed"]``.

    Each item is (contract, decision period, decided in) as the ``contracts`` table reads
    them: the contract is signed in that period in every node (``decided in`` 'all') or in
    the nodes holding one of the named scenarios ('a+b'); every other signing is 0. Raise
    ScenarioError if a (contract, period) pair is not a signing decision of the instance.
    """
    import numpy as np

    from optimizer.errors import Problem, ScenarioError

    sign = md.var_ix["contract_signed"]
    values = np.zeros(len(sign))
    problems = []
    for contract, period, decided_in in fixed:
        ks = [k for k in range(len(sign)) if str(sign["contract"].iat[k]) == str(contract)
              and str(sign["decision_period"].iat[k]) == str(period)]
        if not ks:
            problems.append(Problem("fixed contracts", "contracts", None, "contract",
                                    f"{contract}@{period}", "an adaptive contract of sheet "
                                    "'contracts' and a period of its signing window"))
            continue
        values[_decided_in_nodes(md, sign, ks, decided_in)] = 1.0
    if problems:
        raise ScenarioError(problems)
    return values


def fixed_build_counts(md, fixed):
    """``SolveOptions.fixed_builds`` → counts aligned with ``md.var_ix["modules_built"]``.

    Each item is (module, decision period, count) or (module, decision period, count,
    decided in): the count is fixed in every tree node of that period — or, when ``decided
    in`` names scenarios ('a+b'), in the nodes holding one of them (a contingent decision of
    another plan; a node that also holds other scenarios takes it, so that every scenario
    that built it still has it; where several branches meet, their largest count). Every
    other build is fixed at 0. Raise ScenarioError if a
    (module, period) pair is not a build decision of the instance (unknown module, a period
    before its earliest decision, or too late to be online in the horizon).
    """
    import numpy as np

    from optimizer.errors import Problem, ScenarioError

    builds = md.var_ix["modules_built"]
    rows: dict[tuple[str, str], list[int]] = {}
    for k, (mod, per) in enumerate(zip(builds["module"], builds["decision_period"], strict=True)):
        rows.setdefault((mod, per), []).append(k)
    counts = np.zeros(len(builds))
    problems = []
    for item in fixed:
        module, period, count = item[:3]
        decided_in = item[3] if len(item) > 3 else "all"
        ks = rows.get((str(module), str(period)))
        if not ks:
            problems.append(Problem("fixed builds", "modules", None, "module", f"{module}@{period}",
                                    "a module of sheet 'modules' and a period it can be decided "
                                    "in (from its earliest_decision_period, early enough to be "
                                    "online in the horizon)"))
            continue
        ks = _decided_in_nodes(md, builds, ks, decided_in)
        # A node holding scenarios of several of the plan's branches (the tree of another
        # instance can merge them) takes the largest of their builds, not their sum.
        counts[ks] = np.maximum(counts[ks], float(count))
    if problems:
        raise ScenarioError(problems)
    return counts
