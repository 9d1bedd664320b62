"""The instance format, declared once as data.

Every sheet of a planner's workbook (or CSV file of a CSV folder) and every column in it is
listed here with its type, unit, whether it is required, its default and a description.
The validator, ``docs/instance-format.md`` and ``supplyopt template`` are all generated from
this table, so a column is added or documented in exactly one place.

Column types
------------
``key``     text identifier; trimmed; unique per sheet together with the other key columns
``ref``     text that must name a row of another sheet (``ref`` gives ``sheet``)
``text``    free text
``float``   a finite number (``min``/``max`` bound it)
``int``     a whole number
``bool``    yes/no (accepts TRUE/FALSE, yes/no, 1/0, y/n)
``period``  a period key from the ``periods`` sheet (``"*"`` or blank = every period where allowed)
``choice``  one of ``choices``
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONCENTRATE = "concentrate"
"""Product name used by export quotas and tariffs for mixed rare-earth concentrate (tonnes REO)."""
ANY = "*"
"""Wildcard accepted in element/product/period columns where a rule applies to all of them."""


@dataclass(frozen=True)
class Column:
    """One column of a sheet: how to read it and what it means."""

    name: str
    kind: str
    description: str
    unit: str = ""
    required: bool = True
    default: object = None
    ref: str | None = None  # sheet whose key this column must name (kind "ref")
    ref_extra: tuple[str, ...] = ()  # extra values accepted besides the referenced keys
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    overridable: bool = False  # may scenarios/batch runs change it (numeric data only)
    per_period: bool = False  # a rate per base period: scaled by each period's length


@dataclass(frozen=True)
class Sheet:
    """One sheet (or CSV file): its columns, its key and whether it must be present."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    period_column: str | None = None  # the column that makes a row period-specific
    notes: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        """The column called ``name`` (KeyError if there is none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        """Column names in declaration order."""
        return [c.name for c in self.columns]


def _num(name, description, unit, *, required=True, default=None, lo=0.0, hi=None, over=True,
         rate=False):
    return Column(name, "float", description, unit, required, default, min=lo, max=hi,
                  overridable=over, per_period=rate)


BASE_PERIOD_NOTE = (
    "Quantities marked 'per period' are rates per *base period* (1/periods_per_year of a "
    "year: a quarter by default); the model multiplies them by each period's length, so a "
    "one-year period with the same rate holds four quarters' worth.")


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "settings",
        "Instance-wide settings, one per row (setting, value).",
        (
            Column("setting", "choice", "Name of the setting.", choices=(
                "name", "description", "currency", "discount_rate_per_year", "periods_per_year",
                "build_decisions", "risk_weight", "cvar_alpha")),
            Column("value", "text", "Value of the setting."),
        ),
        key=("setting",),
        required=False,
        notes=(
            "name: instance name used in reports (default: the file name).",
            "discount_rate_per_year: fraction per year, e.g. 0.08 (default 0); used for periods "
            "whose discount_factor is blank.",
            "periods_per_year: how many base periods make a year (default 4, quarters); a "
            "period's length_years is a whole number of base periods.",
            "build_decisions: adaptive (default) = a module may be decided in any node of the "
            "scenario tree, shared by the scenarios that cannot yet be told apart there; "
            "here_and_now = every build (and its start period) is decided before any scenario "
            "is revealed, the same for every scenario.",
            "risk_weight: λ from 0 to 1 (default 0: risk-neutral, least expected cost); the plan "
            "minimises (1 − λ) × expected cost + λ × CVaR, the mean cost of the worst (1 − "
            "cvar_alpha) share of scenarios by probability (docs/model.md, Mean-CVaR).",
            "cvar_alpha: α above 0 and below 1 (default 0.9); the CVaR's tail is the worst (1 − α) "
            "of probability. Used only when risk_weight is above 0.",
        ),
    ),
    Sheet(
        "periods",
        "Planning periods in time order (quarters by default). Row order is time order.",
        (
            Column("period", "key", "Period label, e.g. 2025Q3."),
            _num("discount_factor", "Multiplier of every cost incurred in the period; blank = "
                 "computed from settings.discount_rate_per_year (the mean of the factors of the "
                 "period's base periods).", "1", required=False, hi=1e3, over=False),
            _num("length_years", "Length of the period in years; blank = one base period "
                 "(1/periods_per_year). Must be a whole number of base periods, e.g. 0.25 for a "
                 "quarter, 1 for a year.", "years", required=False, hi=100.0, over=False),
        ),
        key=("period",),
        notes=(BASE_PERIOD_NOTE,),
    ),
    Sheet(
        "countries",
        "Countries. Every site belongs to one; rules name them.",
        (
            Column("country", "key", "Country code, e.g. CHN."),
            Column("name", "text", "Full name.", required=False, default=""),
        ),
        key=("country",),
    ),
    Sheet(
        "elements",
        "Separated rare-earth oxides traded and demanded (tonnes of oxide).",
        (
            Column("element", "key", "Element (oxide) code, e.g. NdPr, Dy, Tb."),
            Column("name", "text", "Full name.", required=False, default=""),
            _num("reference_price_usd_per_t", "Customs value used for ad-valorem tariffs on oxide.",
                 "USD/t", required=False, default=0.0),
        ),
        key=("element",),
    ),
    Sheet(
        "mines",
        "Mines producing mixed concentrate (tonnes of total rare-earth oxide, REO).",
        (
            Column("mine", "key", "Site identifier (unique across all sites)."),
            Column("country", "ref", "Country where the ore is mined.", ref="countries"),
            _num("capacity_t", "Concentrate output capacity per period.", "t REO/period", rate=True),
            _num("cost_usd_per_t", "Mining and concentration cost.", "USD/t REO"),
            Column("first_period", "period", "First period the mine can produce; blank = from the start.",
                   required=False, default=None, ref="periods"),
        ),
        key=("mine",),
    ),
    Sheet(
        "mine_assays",
        "Element content of each mine's concentrate (co-products come together).",
        (
            Column("mine", "ref", "Mine.", ref="mines"),
            Column("element", "ref", "Element.", ref="elements"),
            _num("share", "Tonnes of this oxide per tonne of REO in the concentrate; the shares of "
                 "a mine sum to at most 1.", "t/t REO", hi=1.0, over=False),
        ),
        key=("mine", "element"),
    ),
    Sheet(
        "plants",
        "Separation plants turning concentrate into separated oxides.",
        (
            Column("plant", "key", "Site identifier (unique across all sites)."),
            Column("country", "ref", "Country where the material is processed.", ref="countries"),
            _num("capacity_t", "Existing feed capacity per period.", "t REO/period", rate=True),
            _num("opex_usd_per_t", "Operating cost per tonne of feed.", "USD/t REO"),
            Column("first_period", "period", "First period the plant can run; blank = from the start.",
                   required=False, default=None, ref="periods"),
        ),
        key=("plant",),
    ),
    Sheet(
        "plant_recoveries",
        "Recovery yield of each element at each plant (missing = not recovered).",
        (
            Column("plant", "ref", "Plant.", ref="plants"),
            Column("element", "ref", "Element.", ref="elements"),
            _num("recovery", "Fraction of the element in the feed recovered as oxide.", "t/t", hi=1.0,
                 over=False),
        ),
        key=("plant", "element"),
    ),
    Sheet(
        "traders",
        "Offers of separated oxide from a country (e.g. Chinese oxide exports).",
        (
            Column("trader", "key", "Site identifier (unique across all sites)."),
            Column("country", "ref", "Country the oxide is processed in and exported from.",
                   ref="countries"),
            Column("mined_country", "ref", "Country the ore was mined in; blank = same as country.",
                   ref="countries", required=False, default=None),
            Column("element", "ref", "Element offered.", ref="elements"),
            _num("capacity_t", "Quantity offered per period.", "t/period", rate=True),
            _num("price_usd_per_t", "Purchase price.", "USD/t"),
        ),
        key=("trader",),
        required=False,
    ),
    Sheet(
        "stockpiles",
        "Optional strategic stocks of one element held in a country.",
        (
            Column("stockpile", "key", "Site identifier (unique across all sites)."),
            Column("country", "ref", "Country holding the stock.", ref="countries"),
            Column("element", "ref", "Element stored.", ref="elements"),
            _num("initial_t", "Stock at the start of the first period.", "t", required=False, default=0.0),
            _num("capacity_t", "Maximum stock at the end of any period.", "t"),
            _num("holding_cost_usd_per_t", "Cost of holding one tonne for one period.",
                 "USD/t/period", required=False, default=0.0, rate=True),
            Column("initial_mined_country", "ref", "Where the initial stock was mined; blank = country.",
                   ref="countries", required=False, default=None),
            Column("initial_processed_country", "ref",
                   "Where the initial stock was processed; blank = country.", ref="countries",
                   required=False, default=None),
            _num("closing_min_t", "Minimum stock at the end of the horizon, in every scenario "
                 "(a strategic reserve handed on); blank = none.", "t", required=False,
                 default=None),
            _num("terminal_value_usd_per_t", "Value credited for each tonne left in stock at "
                 "the end of the horizon (e.g. what it would cost to buy later); blank = stock "
                 "left over is worth nothing.", "USD/t", required=False, default=0.0),
        ),
        key=("stockpile",),
        required=False,
    ),
    Sheet(
        "demands",
        "End-use demand nodes (a sector in an importing country).",
        (
            Column("demand", "key", "Site identifier (unique across all sites)."),
            Column("country", "ref", "Importing country.", ref="countries"),
            Column("end_use", "text", "End-use sector, e.g. defence, ev, wind, electronics."),
            Column("military", "bool", "Military end use (rules may bar suppliers).", required=False,
                   default=False),
            Column("must_serve", "bool", "Unmet demand not allowed (hard requirement).", required=False,
                   default=False),
            _num("lost_value_usd_per_t", "Penalty per tonne of unmet demand (value of lost supply); "
                 "a demand_quantities row may set its own.", "USD/t", required=False, default=0.0),
        ),
        key=("demand",),
    ),
    Sheet(
        "demand_quantities",
        "Tonnes of each element each demand node needs in each period.",
        (
            Column("demand", "ref", "Demand node.", ref="demands"),
            Column("element", "ref", "Element.", ref="elements"),
            Column("period", "period", "Period.", ref="periods"),
            _num("quantity_t", "Required quantity.", "t/period", rate=True),
            _num("lost_value_usd_per_t", "Penalty per tonne of this element unmet here in this "
                 "period; blank = the demand node's lost_value_usd_per_t.", "USD/t",
                 required=False, default=None),
        ),
        key=("demand", "element", "period"),
        period_column="period",
    ),
    Sheet(
        "lanes",
        "Transport links that exist: mine→plant (concentrate), plant/trader/stockpile→demand or "
        "plant/trader→stockpile (oxide).",
        (
            Column("origin", "ref", "Origin site.", ref="sites"),
            Column("destination", "ref", "Destination site.", ref="sites"),
            _num("cost_usd_per_t", "Transport cost.", "USD/t", required=False, default=0.0),
            _num("capacity_t", "Maximum tonnes per period; blank = unlimited.", "t/period",
                 required=False, default=None, rate=True),
        ),
        key=("origin", "destination"),
    ),
    Sheet(
        "tariffs",
        "Duties on goods crossing from one country to another.",
        (
            Column("origin_country", "ref", "Exporting country (where the lane starts).",
                   ref="countries"),
            Column("destination_country", "ref", "Importing country (where the lane ends).",
                   ref="countries"),
            Column("product", "ref", "Element, 'concentrate', or '*' for every product.",
                   ref="elements", ref_extra=(CONCENTRATE, ANY)),
            _num("ad_valorem", "Duty as a fraction of customs value (element reference price; mine "
                 "cost for concentrate; offer price for traders).", "fraction", required=False,
                 default=0.0, hi=10.0),
            _num("per_t_usd", "Specific duty per tonne.", "USD/t", required=False, default=0.0),
        ),
        key=("origin_country", "destination_country", "product"),
        required=False,
    ),
    Sheet(
        "modules",
        "Candidate capacity expansions (integer build decisions), at a mine or plant; a greenfield "
        "site is a mine or plant with capacity_t = 0.",
        (
            Column("module", "key", "Module identifier."),
            Column("site", "ref", "Mine or plant the module expands.", ref="sites"),
            _num("capacity_t", "Capacity added per module built.", "t REO/period", rate=True),
            _num("capex_usd", "Investment per module; when it is paid: capex_timing.", "USD"),
            _num("fixed_om_usd", "Fixed operation and maintenance per module per period online.",
                 "USD/period", required=False, default=0.0, rate=True),
            Column("earliest_period", "period", "Earliest period a module can be online; blank = "
                   "no limit beyond the lead time.", ref="periods", required=False, default=None),
            Column("max_count", "int", "Maximum number of modules built over the horizon (in "
                   "every scenario).", required=False, default=1, min=0, max=1000),
            Column("lifetime_periods", "int", "Economic life in base periods. When given, capex is "
                   "charged as equal payments per base period over the life from the online "
                   "period (an annuity at the instance's discount rate) and only the payments "
                   "inside the horizon count, so a long-lived asset is not charged in full in a "
                   "short horizon; blank = capex counts in full (see capex_timing, no residual "
                   "value).", "periods", required=False, default=None, min=1, max=100000),
            _num("lead_time_years", "Time from the decision to build to the module being online. "
                 "A module decided at the start of period t is online from the first period "
                 "starting at least lead_time_years later; blank = 0 (online in the period it is "
                 "decided).", "years", required=False, default=0.0, hi=100.0, over=False),
            Column("earliest_decision_period", "period", "Earliest period a build can be "
                   "decided; blank = the first period.", ref="periods", required=False,
                   default=None),
            Column("capex_timing", "choice", "When capex is paid (without lifetime_periods): "
                   "spread = equal payments in each base period from the decision until the "
                   "module is online (its construction; at online when the lead time is 0); "
                   "decision = in full when decided; online = in full when online.",
                   choices=("spread", "decision", "online"), required=False, default="spread"),
        ),
        key=("module",),
        required=False,
    ),
    Sheet(
        "contracts",
        "Supply contracts a planner may sign with a trader (hedges): a fee, a contracted "
        "price, a take-or-pay minimum and a maximum per period, over a delivery term.",
        (
            Column("contract", "key", "Contract identifier."),
            Column("trader", "ref", "The seller: an offer of sheet 'traders'. Contracted oxide "
                   "has the trader's element, country and mined_country, ships on the trader's "
                   "lanes, pays their transport and duties (customs value: the trader's "
                   "price) and counts against every quota, end-use limit and diversification "
                   "cap as the trader's spot sales do; it is a channel beside the spot offer "
                   "(capacity_t), not part of it.", ref="traders"),
            Column("decision", "choice", "adaptive = the planner may sign it in any scenario-tree "
                   "node of its decision window, shared by the scenarios that cannot yet be told "
                   "apart (like a build); fixed = already signed (an existing offtake, a "
                   "government price floor): in force over its term in every scenario, its fee "
                   "sunk (not in the plan's cost).", choices=("adaptive", "fixed"),
                   required=False, default="adaptive"),
            _num("fee_usd", "Paid once when signed (discounted from the start of the signing "
                 "period).", "USD", required=False, default=0.0),
            _num("price_usd_per_t", "Contracted price of every tonne paid for (instead of the "
                 "trader's spot price).", "USD/t"),
            _num("min_take_t", "Take-or-pay minimum per period of the term: paid for even when "
                 "not taken. It lapses with max_t: in a period where a scenario lowers max_t "
                 "below it (a revoked licence: max_t = 0), only max_t is owed.", "t/period",
                 required=False, default=0.0, rate=True),
            _num("max_t", "Most that can be taken per period of the term; a scenario setting "
                 "it to 0 revokes the contract from that period.", "t/period", rate=True),
            Column("first_period", "period", "First period of delivery; blank = the first "
                   "period.", ref="periods", required=False, default=None),
            Column("last_period", "period", "Last period of delivery; blank = the last period.",
                   ref="periods", required=False, default=None),
            Column("earliest_decision_period", "period", "Earliest period it can be signed "
                   "(adaptive); blank = the first period.", ref="periods", required=False,
                   default=None),
            Column("last_decision_period", "period", "Last period it can be signed (the offer "
                   "expires after it; adaptive); blank = its last period of delivery.",
                   ref="periods", required=False, default=None),
        ),
        key=("contract",),
        required=False,
        notes=(
            "Signing is a yes/no decision per (contract, tree node) in its decision window, at "
            "most once on any scenario's path; a contract signed in a period delivers from that "
            "period (or its first_period, if later) to its last_period.",
            "Take-or-pay: in each node of the term where the contract is in force, tonnes paid "
            "= max(tonnes taken, min_take_t), at price_usd_per_t; taken ≤ max_t.",
            "A government price floor (e.g. USD 110/kg NdPr guaranteed to a domestic producer) "
            "is a fixed contract with the producer as the trader: decision = fixed, "
            "price_usd_per_t = 110000, min_take_t = the guaranteed offtake, max_t = the "
            "producer's output. A floor pays max(market, floor): where a scenario lifts the "
            "market price above the floor, a scenario_changes row sets the contract's "
            "price_usd_per_t to that market price too.",
            "A licensed channel with a fixed quota that a scenario may revoke: max_t = the "
            "quota, and a scenario_changes row (sheet contracts, column max_t, value 0, "
            "from_period) revokes it; its take-or-pay obligation lapses with it.",
        ),
    ),
    Sheet(
        "export_quotas",
        "Caps on what a country exports (flows leaving it) per period.",
        (
            Column("country", "ref", "Exporting country.", ref="countries"),
            Column("product", "ref", "Element, 'concentrate', or '*' for all oxides.", ref="elements",
                   ref_extra=(CONCENTRATE, ANY)),
            Column("period", "period", "Period; '*' or blank = every period.", ref="periods",
                   required=False, default=ANY),
            _num("cap_t", "Maximum exports per period.", "t/period", rate=True),
        ),
        key=("country", "product", "period"),
        required=False,
        period_column="period",
    ),
    Sheet(
        "end_use_limits",
        "Limits on material from a country reaching an end use (0 = ban).",
        (
            Column("country", "ref", "Country named by the rule.", ref="countries"),
            Column("basis", "choice", "Which provenance the rule names: mined, processed, or either.",
                   choices=("mined", "processed", "either")),
            Column("end_use", "text", "End use the rule protects."),
            Column("element", "ref", "Element, or '*' for all.", ref="elements", ref_extra=(ANY,),
                   required=False, default=ANY),
            _num("max_t", "Maximum tonnes per period; blank = no tonnage limit.", "t/period",
                 required=False, default=None, rate=True),
            _num("max_share", "Maximum share of the end use's supply; blank = no share limit.",
                 "fraction", required=False, default=None, hi=1.0),
        ),
        key=("country", "basis", "end_use", "element"),
        required=False,
    ),
    Sheet(
        "diversification_caps",
        "Maximum share of any one country in the supply of an element to an end use.",
        (
            Column("end_use", "text", "End use."),
            Column("element", "ref", "Element, or '*' for each element separately.", ref="elements",
                   ref_extra=(ANY,), required=False, default=ANY),
            Column("basis", "choice", "Share by mined or processed country.",
                   choices=("mined", "processed"), required=False, default="processed"),
            _num("max_share", "Maximum share of any one country.", "fraction", hi=1.0),
        ),
        key=("end_use", "element", "basis"),
        required=False,
    ),
    Sheet(
        "service_levels",
        "Minimum share of demand served for an end use, in every scenario and period.",
        (
            Column("end_use", "text", "End use named in sheet 'demands', e.g. defence."),
            Column("element", "ref", "Element, or '*' for each element separately.",
                   ref="elements", ref_extra=(ANY,), required=False, default=ANY),
            _num("min_served_share", "Least share of the end use's demand of the element that "
                 "must be served in each scenario and period (summed over its demand nodes); "
                 "1 = must serve all.", "fraction", hi=1.0),
        ),
        key=("end_use", "element"),
        required=False,
        notes=("A floor holds in every node of the scenario tree: unmet demand of the end use "
               "and element ≤ (1 − min_served_share) × its demand. A floor no plan can meet is "
               "reported by the infeasibility explanation with the shortfall to accept.",),
    ),
    Sheet(
        "scenarios",
        "Disruption scenarios with probabilities (absent = one deterministic scenario 'base').",
        (
            Column("scenario", "key", "Scenario name."),
            Column("probability", "float", "Probability; the column sums to 1.", min=0.0, max=1.0),
            Column("description", "text", "What happens.", required=False, default=""),
        ),
        key=("scenario",),
        required=False,
    ),
    Sheet(
        "scenario_changes",
        "Changes each scenario makes to the base data, from a period on.",
        (
            Column("scenario", "ref", "Scenario.", ref="scenarios"),
            Column("sheet", "text", "Sheet changed, e.g. export_quotas."),
            Column("key", "text", "Row key: the sheet's key columns joined by ',' ('*' matches any; "
                   "'\\*' or a quoted '*' names a row whose key is literally '*'; trailing key "
                   "columns may be left out)."),
            Column("column", "text", "Numeric column changed, e.g. cap_t."),
            Column("mode", "choice", "set = replace the value; scale = multiply it.",
                   choices=("set", "scale"), required=False, default="set"),
            Column("value", "float", "New value (set) or factor (scale).", min=0.0),
            Column("from_period", "period", "First period affected; blank = every period.",
                   ref="periods", required=False, default=None),
        ),
        key=(),
        required=False,
    ),
)

SHEET_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}
SITE_SHEETS: tuple[str, ...] = ("mines", "plants", "traders", "stockpiles", "demands")
"""Sheets whose key column is a site identifier; ref="sites" accepts any of them."""
