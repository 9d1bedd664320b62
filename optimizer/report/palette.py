"""One visual language for every report page: colours per country and per series, HHI line.

Countries get colours from Paul Tol's *muted* scheme (nine colours designed to stay distinct
for the common forms of colour-blindness), assigned by each country's position in the sorted
list of the instance's countries. The list is the same for every run of one instance, so a
country has the same colour in every Sankey, bar and map of every page (single run, every run
of a batch, analysis). Series that are not countries (scenarios, plans, cost components) use
the Okabe–Ito scheme, so a scenario bar is never mistaken for a country.

Sources: P. Tol, *Colour Schemes*, SRON/EPS/TN/09-002 (2021), "muted" qualitative scheme;
M. Okabe and K. Ito, *Color Universal Design* (2008).
"""

from __future__ import annotations

COUNTRY_PALETTE = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                   "#CC6677", "#882255", "#AA4499")
"""Paul Tol's muted scheme: indigo, cyan, teal, green, olive, sand, rose, wine, purple."""

COUNTRY_OVERFLOW = ("#6699CC", "#004488", "#EE99AA", "#994455", "#EECC66", "#997700")
"""Paul Tol's medium-contrast scheme, used after the nine muted colours (10th country on)."""

SERIES_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                  "#F0E442", "#000000", "#999999", "#8C510A", "#BBCC33", "#FFAABB")
"""Okabe–Ito (blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black),
then grey, brown, and Paul Tol's pear and pink (*light* scheme): a cost breakdown has up to
twelve components (capex … lost value of unmet demand), and with eight colours a batch's
stacked cost bars drew capex and the lost value of unmet demand both in blue."""

NEUTRAL = "#555555"
"""End-use nodes and anything that is neither a country nor a series."""

WARN = "#D55E00"
"""Threshold lines and unmet demand (Okabe–Ito vermillion)."""

HHI_HIGHLY_CONCENTRATED = 1800.0
"""HHI above which a supply is called highly concentrated.

The 2023 Merger Guidelines of the US Department of Justice and Federal Trade Commission
(section 2.1) call a market with an HHI greater than 1,800 highly concentrated (the 2010
guidelines drew that line at 2,500). Shares are in percent, so one supplier is 10,000."""

HHI_SOURCE = "2023 US Merger Guidelines (DOJ/FTC): above 1,800 is highly concentrated"


def country_colours(countries) -> dict[str, str]:
    """Colour of each country code: its position in the sorted, de-duplicated list.

    ``countries`` should be the instance's whole country list (not only the countries a chart
    shows), so every chart of every page agrees. Codes past the 15th repeat the palette.
    """
    colours = COUNTRY_PALETTE + COUNTRY_OVERFLOW
    names = sorted({str(c) for c in countries if c is not None and str(c) != "nan"})
    return {c: colours[i % len(colours)] for i, c in enumerate(names)}


def series_colour(i: int) -> str:
    """The ``i``-th non-country series colour (scenarios, plans, cost components)."""
    return SERIES_PALETTE[i % len(SERIES_PALETTE)]


def rgba(hex_colour: str, alpha: float = 0.45) -> str:
    """``#RRGGBB`` as ``rgba(r,g,b,alpha)`` (Sankey links, map lines)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def nice_step(span: float, intervals: int) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that splits ``span`` into at most ``intervals``."""
    import math

    if span <= 0:
        return 1.0
    raw = span / intervals
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw * (1 - 1e-12):
            return m * power
    return 10 * power


def aligned_axes(max_left: float, max_right: float, intervals: int = 5) -> tuple[dict, dict]:
    """Plotly axis settings for a two-axis chart whose grid lines coincide on round ticks.

    Each axis starts at 0 and gets a round step (:func:`nice_step`); both get the same number
    of intervals, n = max(ceil(max_left / step_left), ceil(max_right / step_right)), so every
    left tick sits on a right tick. Example: maxima 700 and 162 with 5 intervals give steps
    200 and 50, n = max(4, 4) = 4, ranges 0–800 and 0–200.
    """
    import math

    out = []
    steps = [nice_step(max(m, 0.0), intervals) for m in (max_left, max_right)]
    n = max(1, *(math.ceil(max(m, 0.0) / s - 1e-9) for m, s in zip((max_left, max_right),
                                                                    steps)))
    for s in steps:
        out.append(dict(range=[0, n * s], tickmode="linear", tick0=0, dtick=s))
    return out[0], out[1]
