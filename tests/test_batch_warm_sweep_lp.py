"""benchmarks/batch_sweep.py's LP variant on an instance with contracts to sign.

``SolveOptions.fixed_builds`` fixes module builds only, so on the 2035 baseline (two licensed
Chinese channels, adaptive contracts signable in 2025Q4) the "LP" variant kept 2 integer
columns and the benchmark stopped. ``lp_instance`` turns the contracts the optimum signs into
fixed contracts and drops the unsigned offers; it refuses signings a fixed contract cannot
stand for (contingent ones, or signed after the contract's first period).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from batch_sweep import INSTANCES, lp_instance  # noqa: E402

from optimizer.api import fixed_build_counts, load_instance  # noqa: E402
from optimizer.formulation import build_model  # noqa: E402
from optimizer.solve import compile_arrays, with_fixed_builds  # noqa: E402


@pytest.fixture(scope="module")
def baseline():
    return load_instance(INSTANCES["2035"])


def _signed(rows):
    """A base run whose contracts table lists ``rows`` (contract, signed, decided_in,
    decision_period, first_period), all adaptive."""
    table = pd.DataFrame(rows, columns=["contract", "signed", "decided_in", "decision_period",
                                        "first_period"]).assign(decision="adaptive")
    return types.SimpleNamespace(tables={"contracts": table})


def test_the_signed_contracts_become_fixed_and_the_variant_is_an_lp(baseline):
    """Both channels signed in 2025Q4 by every scenario, delivering from 2026Q1: both fixed,
    no row dropped; with every build fixed (at 0 here) no integer column is left."""
    run = _signed([("CHN_Nd_licence", 1, "all", "2025Q4", "2026Q1"),
                   ("CHN_Pr_licence", 1, "all", "2025Q4", "2026Q1")])
    lp = lp_instance(baseline, run)
    assert lp.table("contracts")["decision"].tolist() == ["fixed", "fixed"]
    assert baseline.table("contracts")["decision"].tolist() == ["adaptive", "adaptive"]
    _, md = build_model(lp, pyomo=False)
    compiled = with_fixed_builds(compile_arrays(md), fixed_build_counts(md, ()))
    assert len(compiled.integer_cols) == 0
    _, md_mip = build_model(baseline, pyomo=False)
    mip = with_fixed_builds(compile_arrays(md_mip), fixed_build_counts(md_mip, ()))
    assert len(mip.integer_cols) == 2  # what stopped the benchmark before


def test_an_unsigned_offer_is_dropped(baseline):
    """Only the Nd channel signed: it is fixed, the Pr offer is no longer in the instance."""
    lp = lp_instance(baseline, _signed([("CHN_Nd_licence", 1, "all", "2025Q4", "2026Q1"),
                                        ("CHN_Pr_licence", 0, "all", "2025Q4", "2026Q1")]))
    table = lp.table("contracts")
    assert table["contract"].tolist() == ["CHN_Nd_licence"]
    assert table["decision"].tolist() == ["fixed"]


@pytest.mark.parametrize("decided_in, period", [("china_escalation", "2025Q4"),  # contingent
                                                ("all", "2026Q2")])  # after its first period
def test_a_signing_a_fixed_contract_cannot_stand_for_stops(baseline, decided_in, period):
    with pytest.raises(SystemExit, match="CHN_Nd_licence"):
        lp_instance(baseline, _signed([("CHN_Nd_licence", 1, decided_in, period, "2026Q1")]))


def test_an_instance_without_contracts_to_sign_is_left_as_it_is():
    """The 10-quarter baseline has no adaptive contract (checked): its LP variant is itself."""
    inst = load_instance(INSTANCES["10q"])
    contracts = inst.tables.get("contracts")
    assert contracts is None or not np.any(contracts["decision"] == "adaptive")
    assert lp_instance(inst, _signed([])) is inst
