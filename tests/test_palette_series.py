"""Series colours (cost components, scenarios, plans) stay distinct for a whole cost breakdown."""

from optimizer.report.palette import series_colour

COMPONENTS = ("capex", "fixed_om", "mining", "processing", "transport", "tariffs", "purchases",
              "contract_fees", "contract_purchases", "holding", "terminal_value", "penalty")
"""The cost breakdown's components (optimizer/results.py, cost_breakdown's order)."""


def test_every_cost_component_has_its_own_colour():
    """A batch page's stacked cost bars draw one series per component: no two may share a
    colour (with eight colours, capex and the lost value of unmet demand were both blue)."""
    colours = [series_colour(i) for i in range(len(COMPONENTS))]
    assert len(set(colours)) == len(COMPONENTS) == 12
