"""The validated, immutable instance: index sets and tidy tables. No I/O, no Pyomo.

Tables keep the sheet's columns (typed by the schema) plus ``excel_row``, so anything that
later finds a problem with a row can still point at the cell a planner typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from optimizer.errors import Problem


@dataclass(frozen=True)
class Override:
    """One change to one column of the rows of a sheet matching ``key``.

    ``key`` lists values of the sheet's key columns in order; ``"*"`` matches anything and
    trailing key columns may be left out. ``mode`` is ``"set"`` (replace) or ``"scale"``
    (multiply). The change applies from ``from_period`` on (``None`` = every period).
    """

    sheet: str
    key: tuple[str, ...]
    column: str
    value: float
    mode: str = "set"
    from_period: str | None = None
    source: str = ""  # where the override was written, for messages
    layer: int = 0  # 0 = scenario sheet, 1 = batch run / --set (applied last, so it wins)

    def describe(self) -> str:
        """One line for reports: ``export_quotas[CHN,Dy].cap_t × 0 from 2026Q1``."""
        op = "×" if self.mode == "scale" else "="
        when = f" from {self.from_period}" if self.from_period else ""
        return f"{self.sheet}[{','.join(self.key) or '*'}].{self.column} {op} {self.value:g}{when}"


@dataclass(frozen=True)
class Scenario:
    """A disruption scenario: a probability and the overrides that make it."""

    name: str
    probability: float
    description: str
    overrides: tuple[Override, ...]


@dataclass(frozen=True)
class Instance:
    """A validated instance. Treat every table as read-only.

    Attributes
    ----------
    periods : tuple of period labels in time order
    discount_factors : multiplier of costs incurred in each period (same order as periods)
    tables : sheet name → typed DataFrame (schema columns + ``excel_row``); optional sheets
        that were absent are missing from the mapping
    site_kind : site identifier → the sheet it is declared in (``mines``, ``plants``, ...)
    scenarios : the disruption scenarios (one ``base`` scenario with probability 1 if none)
    """

    name: str
    source: str
    checksum: str
    settings: dict
    periods: tuple[str, ...]
    discount_factors: tuple[float, ...]
    tables: dict
    site_kind: dict
    scenarios: tuple[Scenario, ...]
    warnings: tuple[Problem, ...] = field(default=())
    period_slots: tuple[int, ...] = field(default=())
    """Length of each period in base periods (1/periods_per_year of a year); () = all 1."""
    slot_discounts: tuple[float, ...] = field(default=())
    """Discount factor of each base period of the horizon; () = each period's factor."""

    def __post_init__(self):
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "site_kind", MappingProxyType(dict(self.site_kind)))

    def table(self, sheet: str) -> pd.DataFrame:
        """The typed table of ``sheet``; an empty frame with the schema columns if absent."""
        if sheet in self.tables:
            return self.tables[sheet]
        from optimizer.schema import SHEET_BY_NAME

        return pd.DataFrame(columns=["excel_row", *SHEET_BY_NAME[sheet].column_names])

    @property
    def period_index(self) -> dict[str, int]:
        """Period label → position (0 = first period)."""
        return {p: i for i, p in enumerate(self.periods)}

    @property
    def slots(self) -> "np.ndarray":
        """Length of each period in base periods (ints ≥ 1), in period order."""
        import numpy as np

        if self.period_slots:
            return np.asarray(self.period_slots, dtype=int)
        return np.ones(len(self.periods), dtype=int)

    @property
    def start_slot(self) -> "np.ndarray":
        """Base period at which each period starts (0 for the first period)."""
        import numpy as np

        return np.concatenate([[0], np.cumsum(self.slots)[:-1]]).astype(int)

    @property
    def periods_per_year(self) -> float:
        """Base periods per year (settings.periods_per_year, default 4)."""
        return float(self.settings.get("periods_per_year", 4) or 4)

    @property
    def adaptive_builds(self) -> bool:
        """True unless settings.build_decisions is here_and_now (see the schema notes)."""
        return str(self.settings.get("build_decisions", "adaptive")).strip().lower() \
            != "here_and_now"

    def slot_discount(self) -> "np.ndarray":
        """Discount factor of every base period of the horizon (length Σ slots).

        From the yearly rate, v^k for base period k (v = 1/(1+i), i per base period); a period
        with a discount_factor written in the workbook gives that factor to each of its base
        periods. :attr:`discount_factors` are the means of these over each period.
        """
        import numpy as np

        if self.slot_discounts:
            return np.asarray(self.slot_discounts, dtype=float)
        return np.repeat(np.asarray(self.discount_factors, dtype=float), self.slots)

    @property
    def rate_per_period(self) -> float:
        """Discount rate per base period, from settings (annual rate, periods per year)."""
        rate = float(self.settings.get("discount_rate_per_year", 0) or 0)
        per_year = float(self.settings.get("periods_per_year", 4) or 4)
        return (1.0 + rate) ** (1.0 / per_year) - 1.0

    def site_country(self) -> dict[str, str]:
        """Site identifier → country, for every site."""
        out = {}
        for sheet in ("mines", "plants", "traders", "stockpiles", "demands"):
            df = self.table(sheet)
            out.update(zip(df.iloc[:, 1], df["country"]))
        return out
