"""The risk settings of an instance: λ (``risk_weight``) and α (``cvar_alpha``).

They live in the ``settings`` sheet, may be given on the command line (``solve --risk-weight
--cvar-alpha``) and overridden by a batch run or ``--set settings:risk_weight:value=0.5``;
the mean-CVaR formulation that reads them is optimizer/formulation/risk.py. This module sits
beside :mod:`optimizer.scenario` (it only rewrites an Instance), below the formulation.
"""

from __future__ import annotations

import numpy as np

DEFAULT_ALPHA = 0.9
"""CVaR level when ``settings.cvar_alpha`` is blank: the worst 10 % of probability."""


def risk_settings(inst) -> tuple[float, float]:
    """(λ, α) of ``inst``: ``settings.risk_weight`` (default 0) and ``cvar_alpha`` (0.9).

    The validator has checked the cells (λ ∈ [0, 1], α ∈ (0, 1)); a value set in code with
    :func:`with_risk` is checked there.
    """
    s = inst.settings
    lam = float(str(s.get("risk_weight", 0) or 0).replace(" ", ""))
    alpha = float(str(s.get("cvar_alpha", DEFAULT_ALPHA) or DEFAULT_ALPHA).replace(" ", ""))
    return lam, alpha


def with_risk(inst, risk_weight: float | None = None, cvar_alpha: float | None = None):
    """``inst`` with λ and/or α replaced (None keeps the instance's); ValueError if out of range.

    The CLI options ``--risk-weight`` and ``--cvar-alpha`` come through here: they win over
    the workbook's settings, as every CLI value does.
    """
    from dataclasses import replace

    settings = dict(inst.settings)
    if risk_weight is not None:
        if not (np.isfinite(risk_weight) and 0.0 <= risk_weight <= 1.0):
            raise ValueError(f"--risk-weight {risk_weight:g}: expected a weight λ from 0 to 1")
        settings["risk_weight"] = repr(float(risk_weight))
    if cvar_alpha is not None:
        if not (np.isfinite(cvar_alpha) and 0.0 < cvar_alpha < 1.0):
            raise ValueError(f"--cvar-alpha {cvar_alpha:g}: expected a level α above 0 and "
                             "below 1")
        settings["cvar_alpha"] = repr(float(cvar_alpha))
    return replace(inst, settings=settings)


RISK_SETTINGS = {"risk_weight": (0.0, 1.0, False, "a weight λ from 0 to 1"),
                 "cvar_alpha": (0.0, 1.0, True, "a level α above 0 and below 1")}
"""Settings a run may override (``--set settings:risk_weight:value=0.5``): lowest, highest,
open interval?, what to write."""


def apply_setting_overrides(inst, overrides, label: str = "run"):
    """``inst`` with the ``settings`` overrides among ``overrides`` applied; the others untouched.

    Only ``risk_weight`` and ``cvar_alpha`` may change (key = the setting, column ``value``,
    no ``from_period``: they shape the whole objective). ``scale`` multiplies the current
    value. Returns (instance, the remaining overrides); raises ScenarioError naming every bad
    override.
    """
    from optimizer.errors import Problem, ScenarioError

    mine = [ov for ov in overrides if ov.sheet == "settings"]
    if not mine:
        return inst, tuple(overrides)
    lam, alpha = risk_settings(inst)
    values = {"risk_weight": lam, "cvar_alpha": alpha}
    problems = []
    for ov in mine:
        name = ov.key[0] if len(ov.key) == 1 else ",".join(ov.key)
        src = ov.source or f"scenario '{label}'"
        spec = RISK_SETTINGS.get(name)
        if spec is None or ov.column != "value" or ov.from_period is not None:
            problems.append(Problem(src, "settings", None, "setting", name, "a setting a run may "
                                    "change: settings:risk_weight:value=… or settings:cvar_alpha:"
                                    f"value=…, without @period ({label}, override "
                                    f"{ov.describe()})"))
            continue
        x = values[name] * ov.value if ov.mode == "scale" else float(ov.value)
        lo, hi, open_, what = spec
        if not (np.isfinite(x) and (lo < x < hi if open_ else lo <= x <= hi)):
            problems.append(Problem(src, "settings", None, "value", x, f"{what} ({label}, "
                                    f"override {ov.describe()})"))
            continue
        values[name] = x
    if problems:
        raise ScenarioError(problems)
    rest = tuple(ov for ov in overrides if ov.sheet != "settings")
    return with_risk(inst, values["risk_weight"], values["cvar_alpha"]), rest
