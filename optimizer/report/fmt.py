"""Number formatting shared by the report sentences, the HTML tables and the workbook.

One place decides how money, tonnes and shares read, so the executive summary, the charts and
results.xlsx agree to the digit. These functions format; they never compute model results.
"""

from __future__ import annotations

import math

MILLION = 1e6


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def usd(x, precision: int = 3) -> str:
    """Money for a sentence: ``USD 3,240``, ``USD 12.4 million``, ``USD 1.25 billion``.

    Below one million the amount is written in full (rounded to the dollar); above, with
    ``precision`` significant digits and a word, as an investment memo would.
    """
    if _is_missing(x):
        return "not available"
    x = float(x)
    a = abs(x)
    # A sign only where the amount shown is not zero: -0.3 reads "USD 0", never "-USD 0".
    sign = "-" if x < 0 and (a >= 0.5 or (a < 100 and float(_sig(a, precision)) != 0)) else ""
    if a >= 1e9:
        return f"{sign}USD {_sig(a / 1e9, precision)} billion"
    if a >= MILLION:
        return f"{sign}USD {_sig(a / MILLION, precision)} million"
    if a >= 100 or a == 0:
        return f"{sign}USD {a:,.0f}"
    return f"{sign}USD {_sig(a, precision)}"


def _sig(v: float, digits: int) -> str:
    """``v`` with ``digits`` significant digits, thousands separated, no trailing zeros."""
    if v == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
    s = f"{v:,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def tonnes(x) -> str:
    """Tonnes for a sentence: ``1,234 t``, ``2.5 t``, ``0.125 t``."""
    if _is_missing(x):
        return "not available"
    x = float(x)
    if x == 0 or abs(x) < 5e-4:
        return "0 t"  # never "-0 t"
    if abs(x) >= 100:
        return f"{x:,.0f} t"
    return f"{_sig(x, 3) if x else '0'} t"


def pct(share, digits: int = 0) -> str:
    """A share (0–1) as a percentage: ``0.625`` → ``62.5%`` with ``digits`` decimals (0 → ``63%``)."""
    if _is_missing(share):
        return "not available"
    v = float(share) * 100
    s = f"{v:.{digits}f}"
    if digits and "." in s:
        s = s.rstrip("0").rstrip(".")
    return f"{s}%"


def pct_present(share) -> str:
    """A share (0–1) of something that is there, as a whole percentage: below 0.5 % it reads
    ``<1%`` rather than ``0%`` (``0.0032`` → ``<1%``, ``0.08`` → ``8%``; exactly 0 → ``0%``)."""
    if not _is_missing(share) and 0 < float(share) < 0.005:
        return "<1%"
    return pct(share)


def number(x, decimals: int = 0) -> str:
    """A plain number with thousands separators (``10,000``)."""
    if _is_missing(x):
        return "not available"
    x = float(x)
    if abs(x) < 0.5 * 10 ** -decimals:
        x = 0.0  # never "-0"
    return f"{x:,.{decimals}f}"


def join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
