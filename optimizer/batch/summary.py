"""One summary row per run, and the long tables behind it, computed from a run's result tables.

Everything here is *expected* over the instance's scenarios (probability-weighted) and summed
over the horizon, so runs of one batch compare on one line each. Column units are in the names.

Row columns
-----------
``objective_usd``                 expected discounted total cost; for a risk-averse run
                                  (``risk_weight`` λ > 0) the mean-CVaR objective, with
``risk_weight``, ``expected_cost_usd``, ``cvar_usd``  beside it (those runs only)
``cost_<component>_usd``          rows of ``cost_breakdown`` (capex, mining, purchases, penalty…)
``builds``                        build plan, short form ``2×mod@2026Q1 (CAN); …``
``modules_built``                 number of modules built
``unmet_t``, ``unmet_<end_use>_t``  expected unmet demand over the horizon (t)
``<focus>_share_<element>``       share of the focus country (default CHN) in what end uses
                                  received of the element, by *processing* country (fraction)
``hhi_<element>``                 Herfindahl–Hirschman index of those shares (Σ share² × 10,000)
``top_shadow_prices``             the largest |shadow price| rows, short form
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from optimizer.result_rows import grouped_sum
from optimizer.risk_measures import risk_summary
from optimizer.risk_settings import risk_settings

TOP_PRICES = 5
"""How many shadow prices the summary keeps per run."""

_NOT_KEYS = {"node", "period", "scenarios", "rule", "sense", "rhs", "activity", "slack",
             "shadow_price", "conditional_price", "binding", "rhs_range_low", "rhs_range_high",
             "value", "max_t", "max_share", "cap_t"}


def _num(x):
    """A JSON-friendly float (None for NaN)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def builds_short(builds: pd.DataFrame, scenarios: list[str] | None = None) -> str:
    """``2×p1x@P1 (US); 1×q@P2 (CAN) if s2``; empty if nothing is built.

    On a scenario tree one build may be decided separately in several branches (the same
    module, period and count in each): it is written once, plain if the branches together
    hold every scenario (with ``scenarios``, else if their probabilities add up to 1), followed
    by ``if <scenarios>`` when only some branches take it. Without ``decided_in`` (old tables,
    here-and-now plans) every row is unconditional.
    """
    if builds is None or builds.empty:
        return ""
    every = set(scenarios or ())
    groups: dict[tuple, dict] = {}
    n = len(builds)
    decided_in = builds["decided_in"].tolist() if "decided_in" in builds else ["all"] * n
    probability = builds["probability"].tolist() if "probability" in builds else [0.0] * n
    for count, module, period, country, decided, p in zip(
            builds["count"].tolist(), builds["module"].tolist(),
            builds["online_period"].tolist(), builds["country"].tolist(), decided_in,
            probability, strict=True):
        key = (int(count), str(module), str(period), str(country))
        g = groups.setdefault(key, {"who": set(), "p": 0.0, "all": False})
        decided = str(decided)
        g["all"] |= decided == "all"
        g["who"].update(decided.split("+"))
        g["p"] += float(p or 0.0)
    parts = []
    for (count, module, period, country), g in groups.items():
        whole = g["all"] or (g["who"] >= every if every else abs(g["p"] - 1.0) < 1e-9)
        where = f" ({country})" if country else ""
        parts.append(f"{count}×{module}@{period}{where}"
                     + ("" if whole else " if " + "/".join(sorted(g["who"]))))
    return "; ".join(parts)


def expected_modules(builds: pd.DataFrame) -> float:
    """Modules built, expected over scenarios: Σ probability × count (a build decided in every
    branch counts once, not once per branch); without a probability column, the plain count."""
    if builds is None or builds.empty:
        return 0.0
    if "probability" not in builds:
        return float(builds["count"].sum())
    return float((builds["count"] * builds["probability"]).sum())


def build_triples(builds: pd.DataFrame) -> list[tuple]:
    """The build plan as ``SolveOptions.fixed_builds`` tuples: (module, decision period,
    count, decided in) — ``decided in`` is 'all' or the scenarios of a contingent decision."""
    if builds is None or builds.empty:
        return []
    period = "decision_period" if "decision_period" in builds else "online_period"
    return [(str(r["module"]), str(r[period]), int(r["count"]), str(r.get("decided_in", "all")))
            for _, r in builds.iterrows()]


def contract_triples(contracts: pd.DataFrame | None) -> list[tuple]:
    """The plan's adaptive contract signings as ``SolveOptions.fixed_contracts`` tuples:
    (contract, decision period, decided in); fixed contracts are data, not decisions."""
    if contracts is None or contracts.empty:
        return []
    adaptive = contracts[contracts["decision"] == "adaptive"]
    return [(str(r["contract"]), str(r["decision_period"]), str(r["decided_in"]))
            for _, r in adaptive.iterrows()]


def _probabilities(run) -> dict[str, float]:
    return {s.name: float(s.probability) for s in run.instance.scenarios}


def expected_unmet(run) -> dict[str, float]:
    """End use → expected unmet demand over the horizon (t): Σ unmet_t × the probability of
    the row's scenario (0 for a scenario not listed), per end use, in sorted order of end
    uses (a blank end use in none), each sum in row order (:func:`grouped_sum`)."""
    un = run.tables.get("unmet_demand")
    if un is None or un.empty:
        return {}
    prob = _probabilities(run)
    p = np.array([prob.get(s, 0.0) for s in un["scenario"].tolist()], dtype=float)
    end_use, end_uses = pd.factorize(un["end_use"].to_numpy(), sort=True)
    kept = end_use >= 0
    sums = grouped_sum((un["unmet_t"].to_numpy(float) * p)[kept], end_use[kept], len(end_uses))
    return dict(zip(end_uses.tolist(), sums.tolist(), strict=True))


def scenario_unmet(run) -> dict[str, dict[str, float]]:
    """Scenario → end use → unmet demand over the horizon (t), in the run's own plan.

    The per-scenario figures of the run's ``scenario_costs`` table, split by end use: decisions
    taken before a scenario is revealed are the plan's, shared with the other scenarios.
    Σ unmet_t per (scenario, end use), in sorted order (a blank key in none), each sum in row
    order (:func:`grouped_sum`).
    """
    un = run.tables.get("unmet_demand")
    if un is None or un.empty:
        return {}
    rows, group, _ = _groups(un, ["scenario", "end_use"])
    first = np.unique(group, return_index=True)[1]
    sums = grouped_sum(un["unmet_t"].to_numpy(float)[rows], group, len(first))
    lead = rows[first]
    out: dict[str, dict[str, float]] = {}
    for sc, eu, t in zip(un["scenario"].to_numpy()[lead].tolist(),
                         un["end_use"].to_numpy()[lead].tolist(), sums.tolist(), strict=True):
        out.setdefault(str(sc), {})[str(eu)] = float(t)
    return out


def _sort_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Each value's place in the order a groupby sorts ``column``'s groups (−1 for a blank),
    and the number of places: a categorical's own codes (groups in category order), else
    the codes of its sorted distinct values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(np.intp), max(len(column.cat.categories), 1)
    codes, values = pd.factorize(column, sort=True)
    return codes, max(len(values), 1)


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray, list]:
    """What ``frame.groupby(keys)`` groups, as integers: the rows in some group (a blank key
    puts a row in none, as groupby's ``dropna``), each one's group number, numbered in
    groupby's order of groups (the keys' tuple of sort codes read as one mixed-radix number
    sorts as groupby sorts the tuples), and the keys' (sort codes, sizes) of those rows."""
    codes, sizes = zip(*(_sort_codes(frame[k]) for k in keys), strict=True)
    rows = np.flatnonzero(np.all([c >= 0 for c in codes], axis=0))
    codes = [c[rows] for c in codes]
    key = np.ravel_multi_index(codes, sizes)
    return rows, np.unique(key, return_inverse=True)[1].ravel(), [codes, sizes]


def expected_supply_shares(run) -> pd.DataFrame:
    """Expected tonnes and share of each country per element and basis, over all end uses.

    tonnes(element, basis, country) = Σ over supply_mix's rows of that key of tonnes × the
    probability of the row's scenario; share = tonnes / Σ tonnes of its (element, basis), 0
    where that total is 0. Rows in groupby order (sorted keys; a blank key in no group); each
    sum in row order (:func:`optimizer.result_rows.grouped_sum`).
    """
    columns = _supply_share_columns(run)
    if not len(columns["tonnes"]):
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame(columns)


def _supply_share_columns(run) -> dict:
    """:func:`expected_supply_shares`' columns (element, basis, country as the supply mix's
    arrays, tonnes and share as numpy arrays)."""
    mix = run.tables.get("supply_mix")
    keys = ("element", "basis", "country")
    if mix is None or mix.empty:
        return {**{c: np.array([], dtype=object) for c in keys},
                "tonnes": np.array([]), "share": np.array([])}
    # The groups of (element, basis, country) and of (element, basis) as integer group
    # numbers (_groups), in groupby's order.
    prob = _probabilities(run)  # a scenario not listed: 0, as map(...).fillna(0) gives
    p = np.array([prob.get(s, 0.0) for s in mix["scenario"].tolist()], dtype=float)
    rows, group, (codes, sizes) = _groups(mix, list(keys))
    first = np.unique(group, return_index=True)[1]
    pair = np.unique(np.ravel_multi_index([c[first] for c in codes[:2]], sizes[:2]),
                     return_inverse=True)[1].ravel()
    tonnes = grouped_sum((mix["tonnes"].to_numpy(float) * p)[rows], group, len(first))
    tot = grouped_sum(tonnes, pair, pair.max() + 1 if len(pair) else 0)[pair]
    lead = rows[first]
    return {**{c: mix[c].array.take(lead) for c in keys}, "tonnes": tonnes,
            "share": np.where(tot > 0, tonnes / np.where(tot > 0, tot, 1.0), 0.0)}


def top_shadow_prices(run, n: int = TOP_PRICES) -> pd.DataFrame:
    """The ``n`` constraint rows with the largest |shadow price| (expected USD per unit of RHS).

    Ties keep the order of the tables and of their rows. Only a family's candidates are
    labelled: its rows whose |price| is at least its own ``n``-th largest (ties at that
    boundary included), since no other row of it can be among the ``n`` largest overall.
    """
    return pd.DataFrame(_top_prices(run, n), columns=["family", "row", "shadow_price"])


def _top_prices(run, n: int = TOP_PRICES) -> list[tuple[str, str, float]]:
    """:func:`top_shadow_prices` as a list of (family, row label, shadow price)."""
    cands = []
    for name, df in run.tables.items():
        if not name.startswith("dual_") or df.empty or "shadow_price" not in df:
            continue
        sp = df["shadow_price"]
        if sp.dtype == np.float64:  # what to_numeric(…).fillna(0.0) gives, without its cost
            sp = sp.to_numpy()
            sp = np.where(np.isnan(sp), 0.0, sp)
        else:
            sp = pd.to_numeric(sp, errors="coerce").fillna(0.0).to_numpy()
        size = np.abs(sp)
        nz = np.flatnonzero(sp != 0)
        if len(nz) > n:
            nth = np.partition(size[nz], len(nz) - n)[len(nz) - n]
            nz = nz[size[nz] >= nth]
        cands.extend((name, int(i), float(sp[i])) for i in nz)
    # Python's sort is stable: equal |prices| keep the order of the tables and their rows.
    top = sorted(cands, key=lambda c: -abs(c[2]))[:n]
    return [(name[len("dual_"):], _price_label(run.tables[name], name[len("dual_"):], i), price)
            for name, i, price in top]


def _price_label(df: pd.DataFrame, fam: str, i: int) -> str:
    """``family[key,…]@period (scenarios)`` of row ``i`` of a shadow-price table.

    The row is read once (``iloc``: half the cost of a column lookup per cell); ``str`` of a
    numpy scalar is that of the Python value.
    """
    row = dict(zip(df.columns, df.iloc[i].tolist(), strict=True))
    label = f"{fam}[{','.join(str(v) for k, v in row.items() if k not in _NOT_KEYS)}]"
    if "period" in row:
        label += f"@{row['period']}"
    if "scenarios" in row:
        label += f" ({row['scenarios']})"
    return label


def summary_row(run, focus: str = "CHN") -> tuple[dict, dict[str, list[dict]]]:
    """The summary row of a solved run and its long tables (supply shares, shadow prices)."""
    o = run.outcome
    row: dict = {"status": o.status, "objective_usd": _num(o.objective), "gap": _num(o.gap)}
    lam, _ = risk_settings(run.instance)
    if lam > 0:  # the objective is (1 − λ) E + λ CVaR: give E and CVaR, not only their mix
        risk = risk_summary(run.instance, run.tables.get("risk"))
        row.update(risk_weight=lam, expected_cost_usd=_num(risk.get("expected_cost_usd")),
                   cvar_usd=_num(risk.get("cvar_usd")))
    cb = run.tables.get("cost_breakdown")
    if cb is not None:
        for comp, usd in zip(cb["component"], cb["expected_usd"], strict=True):
            row[f"cost_{comp}_usd"] = _num(usd)
    b = run.tables.get("builds")
    row["builds"] = builds_short(b, [sc.name for sc in run.instance.scenarios])
    row["modules_built"] = expected_modules(b)
    unmet = expected_unmet(run)
    row["unmet_t"] = float(sum(unmet.values()))
    for eu, t in sorted(unmet.items()):
        row[f"unmet_{eu}_t"] = float(t)
    shares = _supply_share_columns(run)
    processed = np.asarray(shares["basis"] == "processed", dtype=bool)
    # Per element in sorted order (a blank element in none): the focus country's share and
    # Σ share² × 10,000 over the element's rows.
    element, elements = pd.factorize(shares["element"][processed], sort=True)
    share = np.asarray(shares["share"], dtype=float)[processed]
    is_focus = np.asarray(shares["country"][processed] == focus, dtype=bool)
    kept = element >= 0
    focus_share = grouped_sum(np.where(is_focus, share, 0.0)[kept], element[kept], len(elements))
    hhi = grouped_sum((share ** 2)[kept], element[kept], len(elements)) * 10_000
    for k, el in enumerate(elements):
        row[f"{focus}_share_{el}"] = float(focus_share[k])
        row[f"hhi_{el}"] = float(hhi[k])
    prices = _top_prices(run)
    row["top_shadow_prices"] = "; ".join(f"{label}={price:.6g}" for _, label, price in prices)
    # The records of the shares frame, read column by column (.tolist() gives the Python
    # values DataFrame.to_dict would).
    columns = list(shares)
    long = {"supply_shares": [dict(zip(columns, r, strict=True)) for r in
                              zip(*(shares[c].tolist() for c in columns), strict=True)],
            "shadow_prices": [{"rank": i + 1, "family": fam, "row": label, "shadow_price": price}
                              for i, (fam, label, price) in enumerate(prices)]}
    return row, long
