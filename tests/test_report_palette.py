"""One visual language: country colours, aligned two-axis ticks, HHI line, no "-0", no "0%"
for a share that is there."""

from __future__ import annotations

import pytest

from optimizer.report.components import format_cell
from optimizer.report.fmt import number, pct_present, tonnes, usd
from optimizer.report.palette import (
    COUNTRY_PALETTE,
    HHI_HIGHLY_CONCENTRATED,
    aligned_axes,
    country_colours,
    nice_step,
)


def test_country_colour_follows_the_sorted_country_list():
    """Sorted AUS, CHN, MMR, MYS: the 1st, 2nd, 3rd, 4th muted colour, whatever order or
    repetition the list comes in (a chart showing only some countries gets the same ones)."""
    a = country_colours(["MYS", "CHN", "AUS", "MMR", "CHN"])
    assert a == {"AUS": COUNTRY_PALETTE[0], "CHN": COUNTRY_PALETTE[1],
                 "MMR": COUNTRY_PALETTE[2], "MYS": COUNTRY_PALETTE[3]}
    assert len(set(a.values())) == 4  # Malaysia and Myanmar differ


def test_sankeys_of_two_elements_agree_on_country_colours(tmp_path):
    """In the micro-instance (test_report_sentences; countries AU, CN, US) a Sankey node takes
    its country's colour from the whole sorted list, not from the countries of that chart: CN
    is the second muted colour and US the third, though the chart has no AU-processed node."""
    from test_report_sentences import solve_micro

    from optimizer.report import figures
    from optimizer.report.load import load_run

    run = load_run(solve_micro(tmp_path))
    fig = figures.sankey(run, "Dy")
    node = fig.data[0].node
    colour = dict(zip(node.label, node.color))
    assert colour["CN (mined)"] == COUNTRY_PALETTE[1]
    assert colour["US (processed)"] == COUNTRY_PALETTE[2]


def test_nice_step_and_aligned_axes():
    """162 / 5 = 32.4 → step 50; 700 / 5 = 140 → step 200. Intervals: ceil(700/200) = 4,
    ceil(162/50) = 4 → both axes 4 intervals: 0–800 and 0–200."""
    assert nice_step(162, 5) == 50 and nice_step(700, 5) == 200
    left, right = aligned_axes(700, 162)
    assert left == dict(range=[0, 800], tickmode="linear", tick0=0, dtick=200)
    assert right == dict(range=[0, 200], tickmode="linear", tick0=0, dtick=50)
    # Unequal interval counts: 950 → step 200, 5 intervals; 30 → step 10, 3; both get 5.
    left, right = aligned_axes(950, 30)
    assert left["range"] == [0, 1000] and right["range"] == [0, 50]


def test_hhi_line_is_the_2023_merger_guidelines():
    assert HHI_HIGHLY_CONCENTRATED == 1800


@pytest.mark.parametrize("value,kind,shown", [(-0.3, "usd", "-0.30"), (-0.004, "usd", "0"),
                                              (-0.04, "t", "0.0"), (-0.0, "t", "0.0"),
                                              (-0.00001, "pct", "0.0%"), (-0.4, "hhi", "0")])
def test_no_negative_zero_in_tables(value, kind, shown):
    assert format_cell(value, kind) == shown


def test_no_negative_zero_in_sentences():
    assert usd(-0.0) == "USD 0" and number(-0.2) == "0" and tonnes(-1e-9) == "0 t"
    assert usd(-150.2) == "-USD 150"


def test_a_small_share_of_something_there_reads_below_one_percent():
    """2.42 t unmet of a 749 t demand is 0.32 %: whole percentages round it to "0%", which
    reads as nothing unmet; it is "<1%", as the supply shares already say of a small supplier.
    0.5 % and up round as usual (0.08 → 8%); exactly nothing stays 0%."""
    assert pct_present(2.42 / 749) == "<1%"
    assert pct_present(0.0049) == "<1%" and pct_present(0.0051) == "1%"
    assert pct_present(0.08) == "8%"
    assert pct_present(0.0) == "0%"
