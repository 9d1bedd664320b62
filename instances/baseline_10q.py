"""The 10-quarter baseline (2025Q3-2027Q4): the named variant ``ree_baseline_10q.xlsx``.

This is the baseline as it stood before the 2035 horizon (issue 12), kept unchanged so that
its published figures stay reproducible: it still carries the China→Lynas feed lanes that
``instances/README.md`` ("Lynas Malaysia's feed") found unsupported by public sources. The
2035 baseline (``baseline_2035.py``) reuses its sourced constants (prices, demand basis,
Chinese flows) from here.

Units follow the schema: quantities are tonnes per quarter (annual figures / 4), tonnes of REO
(rare-earth oxide) for concentrate and plant feed, tonnes of oxide for elements; money is USD
(USD/kg × 1000 = USD/t).
"""

from __future__ import annotations

Q = 4  # quarters per year: annual figures are divided by Q


def kg(usd_per_kg: float) -> float:
    """USD/kg → USD/t."""
    return usd_per_kg * 1000.0


# =============================================================================================
# 2. Baseline: the US importer's view of the rare-earth market, 2025Q3-2027Q4
# =============================================================================================

PERIODS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
           "2027Q1", "2027Q2", "2027Q3", "2027Q4"]

# --- The share of a foreign plant's output available to US buyers --------------------------
# [assumption] 20 %: Lynas sells most of its output to Japanese customers; Malaysia supplied
# 13 % of US imports of REE compounds and metals in 2020-23 (USGS MCS 2025). The same share is
# applied to every foreign plant (capacity and, for modules, capex), so the model optimises the
# US slice of each plant. Domestic (US) plants and the small Canadian demo plant are 100 % US.
US_SHARE = 0.20

# --- Seasonality and growth of US demand --------------------------------------------------
SEASON = {"Q1": 0.24, "Q2": 0.25, "Q3": 0.25, "Q4": 0.26}  # data §7 (24/25/25/26 %)
# US magnet demand "likely to double within a decade" (Section 232 NdFeB report, 2022/2023,
# data §5) → 2^(1/10) = 1.0718 per year, applied from 2025 [derived]
GROWTH = 2 ** (1 / 10)
ANNUAL_DEMAND_2025 = {  # t oxide per year, data §7 (9,000 t/yr NdFeB basis [EST])
    "Nd": 2630, "Pr": 880,  # NdPr 3,510 t split 75:25 (Fastmarkets 2024, data §5/§7)
    "Dy": 160,
    "Tb": 25,
}
DEFENCE_T = {"Nd": 176 * 0.75, "Pr": 176 * 0.25, "Dy": 16, "Tb": 5}  # data §7 "of which defence"
# Civil split (data §7): EV 35 %, industrial/HVAC 25 %, electronics 20 %, wind 8 %, other 7 %;
# "other" is folded into industrial [assumption], shares renormalised over the civil 95 %.
CIVIL_SPLIT = {"ev": 35, "industrial": 32, "electronics": 20, "wind": 8}

# Lost value per tonne unserved. Civil: the ex-China crisis price at which a buyer could still
# find material (or do without): NdPr US$80/kg (SMM mid-Sep 2025, data §3/§7 stress), Dy
# US$800/kg and Tb US$3,000/kg (Argus 6 May 2025, ex-China during restriction, data §3/§7).
# Defence: 10× the civil value [assumption: shortfalls in defence programmes are far costlier
# than the metal; the factor only has to dominate every supply route].
CRISIS_PRICE = {"Nd": kg(80), "Pr": kg(80), "Dy": kg(800), "Tb": kg(3000)}
DEFENCE_FACTOR = 10

# --- Chinese export offers (traders) --------------------------------------------------------
# Normal (2024) China→US flow, in oxide per t of magnet from the §7 demand basis (3,510 t NdPr,
# 160 t Dy, 25 t Tb per 9,000 t of magnets):
# - Nd/Pr: the direct flow, ~500 t of magnets a month = 6,000 t/yr (data §7 [EST]); the other
#   ~3,000 t/yr of US magnets come from Japan/Europe, whose NdPr is taken to be non-Chinese
#   (Lynas's main customers are Japanese magnet makers) [assumption].
# - Dy/Tb: all 9,000 t/yr: before mid-2025 there was no ex-China heavy-RE separation (Lynas's
#   heavy circuit started May/Jun 2025, data §2), so third-country magnets carried Chinese
#   heavies too [assumption]; MOFCOM Ann. 18 licences cover every export, not only to the US.
MAGNETS_T_PER_YEAR = {"Nd": 500 * 12, "Pr": 500 * 12, "Dy": 9000, "Tb": 9000}
NORMAL_FLOW_Q = {el: MAGNETS_T_PER_YEAR[el] * ANNUAL_DEMAND_2025[el] / 9000 / Q
                 for el in ANNUAL_DEMAND_2025}  # t oxide per quarter [derived]
PRICE = {"Nd": kg(56), "Pr": kg(58), "Dy": kg(250), "Tb": kg(850)}  # data §7 base (Pr [EST])
# Chinese heavy-RE feed: ionic clay 20,000 t + Myanmar feed 31,000 t REO/yr (data §7) → 39 %
# mined in China, 61 % in Myanmar, both separated in China [derived].
MMR_SHARE = 31 / 51


def quarter_of(period: str) -> str:
    """Return the quarter ("Q1".."Q4") of a period label such as 2025Q3."""
    return period[-2:]


def year_of(period: str) -> int:
    """Return the year of a period label such as 2025Q3."""
    return int(period[:4])


def demand_t(element: str, period: str, share: float) -> float:
    """Quarterly demand (t oxide) of a slice ``share`` of an element's US demand."""
    annual = ANNUAL_DEMAND_2025[element] * GROWTH ** (year_of(period) - 2025)
    return round(annual * share * SEASON[quarter_of(period)], 3)


LIFE_YEARS = 20
"""Economic life of a separation or mine module [assumption]; fixed O&M beyond opex is not in
the data, so it is 0 [assumption]."""


def capital_charge(capex_usd: float, life_years: float = LIFE_YEARS, rate: float = 0.08) -> float:
    """Quarterly capital charge of an investment (annuity over its life at ``rate``).

    For the README: the model applies this charge itself (``modules.lifetime_periods``), for
    the quarters of a module's life inside the horizon. A 20-year life [assumption] at 8 %/yr
    (the discount rate) gives 2.47 % of the capex per quarter.
    """
    rq = (1 + rate) ** (1 / Q) - 1
    n = life_years * Q
    return round(capex_usd * rq / (1 - (1 + rq) ** -n), 0)


def baseline_frames() -> dict:
    """All sheets of ``ree_baseline_10q.xlsx`` (see the module docstring for units)."""
    f: dict = {}
    f["settings"] = [
        {"setting": "name", "value": "ree_baseline_10q"},
        {"setting": "description",
         "value": "US importer's view of NdPr/Dy/Tb oxide supply, 2025Q3-2027Q4"},
        {"setting": "currency", "value": "USD"},
        {"setting": "discount_rate_per_year", "value": "0.08"},  # Energy Fuels BFS, data §7
        {"setting": "periods_per_year", "value": "4"},
    ]
    f["periods"] = [{"period": p} for p in PERIODS]  # discount factors from the 8 % rate
    f["countries"] = [
        {"country": "AUS", "name": "Australia"},
        {"country": "CAN", "name": "Canada"},
        {"country": "MYS", "name": "Malaysia"},
        {"country": "VNM", "name": "Vietnam"},
        {"country": "CHN", "name": "China"},
        {"country": "MMR", "name": "Myanmar (ore separated in China)"},
        {"country": "USA", "name": "United States"},
    ]
    f["elements"] = [  # reference price = customs value of plant output for ad-valorem duties
        {"element": "Nd", "name": "Neodymium oxide", "reference_price_usd_per_t": PRICE["Nd"]},
        {"element": "Pr", "name": "Praseodymium oxide", "reference_price_usd_per_t": PRICE["Pr"]},
        {"element": "Dy", "name": "Dysprosium oxide", "reference_price_usd_per_t": PRICE["Dy"]},
        {"element": "Tb", "name": "Terbium oxide", "reference_price_usd_per_t": PRICE["Tb"]},
    ]

    # --- Mines: capacity t REO/quarter, cost USD/t REO (data §7 mine table unless noted) ----
    f["mines"] = [
        # 40,000 t REO/yr [EST, from 6,558 → 12,000 t NdPr]; US$5/kg [EST]
        {"mine": "AUS_MtWeld", "country": "AUS", "capacity_t": 40000 / Q,
         "cost_usd_per_t": kg(5)},
        # Iluka Eneabba monazite 17,500 t REO/yr from 2027 ("~2026-27" [UNVERIFIED]); US$6/kg [EST]
        {"mine": "AUS_Eneabba", "country": "AUS", "capacity_t": 17500 / Q,
         "cost_usd_per_t": kg(6), "first_period": "2027Q1"},
        # Dong Pao 300 t REO/yr (USGS MCS 2025, 2024 output); US$6/kg [EST]
        {"mine": "VNM_DongPao", "country": "VNM", "capacity_t": 300 / Q, "cost_usd_per_t": kg(6)},
        # Chinese ionic clay 20,000 t REO/yr [EST split of the 270,000 t 2024 quota];
        # US$26/kg (SMM Jun 2025 ionic ore price proxy)
        {"mine": "CHN_Ionic", "country": "CHN", "capacity_t": 20000 / Q,
         "cost_usd_per_t": kg(26)},
        # Chinese light ore 250,000 t REO/yr [EST split]; US$4/kg [EST]; only its feed to Lynas
        # Malaysia is modelled (Chinese separated oxide reaches the US through the traders)
        {"mine": "CHN_Light", "country": "CHN", "capacity_t": 250000 / Q,
         "cost_usd_per_t": kg(4)},
        # Canada: no production (USGS MCS 2025); generic deposit, module below; US$7/kg [EST]
        {"mine": "CAN_Generic", "country": "CAN", "capacity_t": 0, "cost_usd_per_t": kg(7)},
        # Mountain Pass: 45,455 t REO in concentrate in 2024 (MP FY2024 results, Feb 2025);
        # cost = MP realised concentrate value US$4,183/t REO (Metalnomist, Q2 2024, data §6)
        {"mine": "USA_MountainPass", "country": "USA", "capacity_t": round(45455 / Q, 1),
         "cost_usd_per_t": 4183},
    ]

    # --- Assays: t oxide per t REO (data §6/§7, literature values [UNVERIFIED]); NdPr 75:25 --
    def assay(mine, ndpr_pct, dy_pct, tb_pct):
        rows = [("Nd", ndpr_pct * 0.75), ("Pr", ndpr_pct * 0.25), ("Dy", dy_pct), ("Tb", tb_pct)]
        return [{"mine": mine, "element": e, "share": round(p / 100, 6)} for e, p in rows if p > 0]

    f["mine_assays"] = (
        assay("AUS_MtWeld", 24, 0.15, 0.07)        # data §7 (Mt Weld 24 / 0.15 / 0.07)
        + assay("AUS_Eneabba", 22, 0.7, 0.2)       # data §7 [EST]
        + assay("VNM_DongPao", 18, 0.1, 0.03)      # data §7 [EST]
        + assay("CHN_Ionic", 10, 5, 1)             # data §7 (ionic + Myanmar feed 10 / 5 / 1)
        + assay("CHN_Light", 25, 0.1, 0.05)        # data §7 [EST]
        + assay("CAN_Generic", 20, 0.3, 0.1)       # data §7 [EST]
        + assay("USA_MountainPass", 15, 0, 0)      # data §6: ~15 % NdPr, Dy/Tb trace (→ 0)
    )

    # --- Plants: feed capacity t REO/quarter (US share), opex USD/t REO feed ----------------
    # Separation opex US$35/kg NdPr ex-China (data §7 [EST]) → per t feed = 35,000 × NdPr assay.
    f["plants"] = [
        # Lynas Kuantan: 10,500 t NdPr/yr (Fastmarkets 2024) ÷ (24 % NdPr × 95 % recovery)
        # = 46,053 t REO feed/yr [derived]; US share 20 % [assumption]
        {"plant": "MYS_Lynas", "country": "MYS",
         "capacity_t": round(10500 / (0.24 * 0.95) / Q * US_SHARE, 1),
         "opex_usd_per_t": kg(35) * 0.24},
        # Lynas Kuantan heavy-RE circuit: 1,500 t/yr SEG-H feed, first Dy May 2025, first Tb
        # Jun 2025 (Australian Mining 2025); modelled as a plant of its own running on Chinese
        # heavy feed [assumption, after the editorial: "Malaysia continues to rely heavily on
        # raw materials from China"]; US share 20 % [assumption]; opex as the main plant
        # per t feed [assumption]
        {"plant": "MYS_Lynas_HRE", "country": "MYS", "capacity_t": 1500 / Q * US_SHARE,
         "opex_usd_per_t": kg(35) * 0.24},
        # Iluka Eneabba refinery: 17,500 t REO/yr from 2027 (WA Government 2022; timing
        # [UNVERIFIED]); US share 20 % [assumption]
        {"plant": "AUS_Iluka", "country": "AUS", "capacity_t": 17500 / Q * US_SHARE,
         "opex_usd_per_t": kg(35) * 0.22, "first_period": "2027Q1"},
        # VTRE: ~1,000 t/yr throughput used as capacity (Nha Dau tu / CafeF 2023, data §2
        # [EST]); US share 20 % [assumption]; opex as ex-China separation [assumption]
        {"plant": "VNM_VTRE", "country": "VNM", "capacity_t": 1000 / Q * US_SHARE,
         "opex_usd_per_t": kg(35) * 0.18},
        # SRC Saskatoon: ~400 t NdPr metal/yr (mining.com 2024) × 1.166 oxide factor ÷ 20 %
        # NdPr feed = 2,332 t REO/yr [derived]; all available to North American buyers
        # [assumption]; opex US$60/kg NdPr (demo scale; MP's Q1 2025 cost used [assumption])
        {"plant": "CAN_SRC", "country": "CAN", "capacity_t": round(400 * 1.166 / 0.20 / Q, 1),
         "opex_usd_per_t": kg(60) * 0.20},
        # MP Mountain Pass separation: 563 t NdPr in Q1 2025 (MP/AInvest 2025) ÷ (15 % × 95 %)
        # [derived]; opex = MP's ~US$60/kg NdPr all-in (Q1 2025) less the concentrate value
        # [derived]: 60,000 × 0.15 × 0.95 − 4,183 = 4,367 USD/t feed
        {"plant": "USA_MP", "country": "USA", "capacity_t": round(563 / (0.15 * 0.95), 1),
         "opex_usd_per_t": round(kg(60) * 0.15 * 0.95 - 4183)},
        # Lynas Seadrift, Texas: greenfield heavy+light separation, capacity only through its
        # module below; opex and feed as Lynas Malaysia (Mt Weld) [assumption]
        {"plant": "USA_Seadrift", "country": "USA", "capacity_t": 0,
         "opex_usd_per_t": kg(35) * 0.24},
        # Ucore Louisiana (RapidSX): greenfield, capacity only through its modules below;
        # opex as ex-China separation at Mountain Pass feed [assumption]
        {"plant": "USA_Ucore", "country": "USA", "capacity_t": 0,
         "opex_usd_per_t": kg(35) * 0.15},
    ]
    # Recovery [assumption]: 95 % for Nd/Pr at commercial plants, 90 % for Dy/Tb where a
    # heavy-RE circuit exists (Lynas since May/Jun 2025, data §2; Eneabba refinery is designed
    # for Dy/Tb, data §2); demo/light-only plants recover no heavies.
    rec = {
        "MYS_Lynas": {"Nd": 0.95, "Pr": 0.95, "Dy": 0.90, "Tb": 0.90},
        "MYS_Lynas_HRE": {"Nd": 0.95, "Pr": 0.95, "Dy": 0.90, "Tb": 0.90},
        "USA_Seadrift": {"Nd": 0.95, "Pr": 0.95, "Dy": 0.90, "Tb": 0.90},
        "AUS_Iluka": {"Nd": 0.95, "Pr": 0.95, "Dy": 0.90, "Tb": 0.90},
        "VNM_VTRE": {"Nd": 0.90, "Pr": 0.90, "Dy": 0.80, "Tb": 0.80},
        "CAN_SRC": {"Nd": 0.90, "Pr": 0.90},
        "USA_MP": {"Nd": 0.95, "Pr": 0.95},
        "USA_Ucore": {"Nd": 0.95, "Pr": 0.95, "Dy": 0.90, "Tb": 0.90},
    }
    f["plant_recoveries"] = [{"plant": p, "element": e, "recovery": r}
                             for p, d in rec.items() for e, r in d.items()]

    # --- Traders: Chinese separated oxide offered to US buyers ------------------------------
    # Nd/Pr: the normal (2024) flow. Dy/Tb: 2× the normal flow [assumption: China's heavy-RE
    # output (~2,500 t Dy/yr from 51,000 t REO of ionic feed at 5 %, data §7) dwarfs US needs;
    # the offer is bounded only to keep the model bounded; the licence cap is the export quota].
    f["traders"] = [
        {"trader": "CHN_Nd", "country": "CHN", "element": "Nd",
         "capacity_t": round(NORMAL_FLOW_Q["Nd"], 2), "price_usd_per_t": PRICE["Nd"]},
        {"trader": "CHN_Pr", "country": "CHN", "element": "Pr",
         "capacity_t": round(NORMAL_FLOW_Q["Pr"], 2), "price_usd_per_t": PRICE["Pr"]},
    ]
    for el in ("Dy", "Tb"):
        for mined, share in (("CHN", 1 - MMR_SHARE), ("MMR", MMR_SHARE)):
            f["traders"].append({
                "trader": f"CHN_{el}_{mined}", "country": "CHN", "mined_country": mined,
                "element": el, "capacity_t": round(2 * NORMAL_FLOW_Q[el] * share, 3),
                "price_usd_per_t": PRICE[el]})

    # --- Stockpiles: US strategic stocks of the heavies [assumption] ------------------------
    # Capacity ≈ two quarters of US demand; holding cost 0.5 % of the oxide's value per quarter
    # (storage and insurance; the cost of capital is already in the discounting). No initial
    # stock: the NDS holdings are not in the source data.
    f["stockpiles"] = [
        {"stockpile": "USA_Dy_stock", "country": "USA", "element": "Dy", "initial_t": 0,
         "capacity_t": 80, "holding_cost_usd_per_t": 0.005 * PRICE["Dy"]},
        {"stockpile": "USA_Tb_stock", "country": "USA", "element": "Tb", "initial_t": 0,
         "capacity_t": 12, "holding_cost_usd_per_t": 0.005 * PRICE["Tb"]},
    ]

    # --- Demand: one node per (end use, element) so each element has its own lost value -----
    end_uses = [("defence", True)] + [(u, False) for u in CIVIL_SPLIT]
    f["demands"] = []
    f["demand_quantities"] = []
    for use, military in end_uses:
        for el in ANNUAL_DEMAND_2025:
            node = f"USA_{use}_{el}"
            f["demands"].append({
                "demand": node, "country": "USA", "end_use": use, "military": military,
                "lost_value_usd_per_t": CRISIS_PRICE[el] * (DEFENCE_FACTOR if military else 1)})
            if military:
                share = DEFENCE_T[el] / ANNUAL_DEMAND_2025[el]
            else:
                civil = 1 - DEFENCE_T[el] / ANNUAL_DEMAND_2025[el]
                share = civil * CIVIL_SPLIT[use] / sum(CIVIL_SPLIT.values())
            f["demand_quantities"] += [
                {"demand": node, "element": el, "period": p, "quantity_t": demand_t(el, p, share)}
                for p in PERIODS]

    # --- Lanes ------------------------------------------------------------------------------
    lanes = [
        # concentrate, USD/t REO: AUS→MYS US$0.05/kg (data §7 [EST])
        # Mt Weld → Lynas Malaysia: the US share of Mt Weld's 40,000 t REO/yr
        ("AUS_MtWeld", "MYS_Lynas", kg(0.05), 40000 / Q * US_SHARE),
        # Lynas Malaysia's feed capacity (46,053 t REO/yr, derived above) exceeds Mt Weld's
        # 40,000 t/yr; the editorial says Malaysia "continues to rely heavily on raw materials
        # from China", so the gap is filled with Chinese feed [assumption]: US share of 6,053
        # t REO/yr; freight as AUS→MYS [assumption]
        ("CHN_Light", "MYS_Lynas", kg(0.05),
         round((10500 / (0.24 * 0.95) - 40000) / Q * US_SHARE, 1)),
        # Seadrift was to take Kalgoorlie MREC made from Mt Weld ore (Lynas plan, data §2),
        # ore beyond Malaysia's share from the Mt Weld expansion to 12,000 t/yr NdPr-eq (data
        # §2) [assumption]; Australia→US concentrate freight = the oxide rate US$0.30/kg
        # [assumption]
        ("AUS_MtWeld", "USA_Seadrift", kg(0.30), None),
        # Chinese heavy feed to Lynas's heavy-RE circuit (see MYS_Lynas_HRE); freight as
        # AUS→MYS [assumption]; no lane limit: the circuit's capacity is the limit
        ("CHN_Ionic", "MYS_Lynas_HRE", kg(0.05), None),
        # VTRE imports refined feed from Australia (Nha Dau tu / CafeF 2023); freight [assumption]
        ("AUS_MtWeld", "VNM_VTRE", kg(0.05), None),
        ("VNM_DongPao", "VNM_VTRE", kg(0.02), None),  # domestic [assumption]
        ("AUS_Eneabba", "AUS_Iluka", kg(0.02), None),  # on site [assumption]
        ("CAN_Generic", "CAN_SRC", kg(0.02), None),  # domestic [assumption]
        ("USA_MountainPass", "USA_MP", 0.0, None),  # on site
        # Mountain Pass concentrate to other North American plants: road/rail [assumption]
        ("USA_MountainPass", "USA_Ucore", kg(0.05), None),
        ("USA_MountainPass", "CAN_SRC", kg(0.08), None),
    ]
    # oxide to US buyers, USD/t oxide: Asia→US US$0.30/kg (data §7 [EST]); Australia→US same
    # [assumption]; Canada→US and within the US US$0.10/kg [assumption]
    oxide_freight = {"MYS_Lynas": kg(0.30), "MYS_Lynas_HRE": kg(0.30), "VNM_VTRE": kg(0.30),
                     "AUS_Iluka": kg(0.30),
                     "CAN_SRC": kg(0.10), "USA_MP": kg(0.10), "USA_Ucore": kg(0.10),
                     "USA_Seadrift": kg(0.10)}
    trader_freight = kg(0.30)  # China→US, data §7 [EST]
    heavy_sources = [p for p, d in rec.items() if "Dy" in d]
    for d in f["demands"]:
        el = d["demand"].rsplit("_", 1)[1]
        for plant, cost in oxide_freight.items():
            if el in rec[plant]:
                lanes.append((plant, d["demand"], cost, None))
        for t in f["traders"]:
            if t["element"] == el:
                lanes.append((t["trader"], d["demand"], trader_freight, None))
        if el in ("Dy", "Tb"):
            lanes.append((f"USA_{el}_stock", d["demand"], kg(0.10), None))  # [assumption]
    for el in ("Dy", "Tb"):
        for plant in heavy_sources:
            lanes.append((plant, f"USA_{el}_stock", oxide_freight[plant], None))
        for t in f["traders"]:
            if t["element"] == el:
                lanes.append((t["trader"], f"USA_{el}_stock", trader_freight, None))
    f["lanes"] = [{"origin": o, "destination": d, "cost_usd_per_t": c, "capacity_t": cap}
                  for o, d, c, cap in lanes]

    # --- Tariffs: US MFN on RE oxides is free (USGS MCS 2025 tariff table). Section 301's 25 %
    # from 1 Jan 2026 is on magnets (USTR 2024), which this oxide-level model does not carry;
    # the escalation scenario raises the Chinese row [assumption].
    f["tariffs"] = [
        {"origin_country": "CHN", "destination_country": "USA", "product": "*",
         "ad_valorem": 0.0, "per_t_usd": 0.0},
    ]

    # --- Modules (builds). Full capex with a 20-year life [assumption]: the model charges it as
    # an annuity at the 8 %/yr discount rate, only for the quarters inside the horizon --------
    def module(name, site, capacity_q, capex, earliest, max_count=1):
        return {"module": name, "site": site, "capacity_t": capacity_q, "capex_usd": capex,
                "fixed_om_usd": 0.0, "earliest_period": earliest, "max_count": max_count,
                "lifetime_periods": LIFE_YEARS * Q}

    f["modules"] = [
        # Lynas Kuantan heavy-RE expansion: +5,000 t/yr heavy feed, MYR500M ≈ US$120M (reported
        # Oct 2025); lead 2 yr (data §7 [EST]) from Oct 2025 → online 2027Q4; US share 20 %
        module("MYS_Lynas_HRE_exp", "MYS_Lynas_HRE", 5000 / Q * US_SHARE, 120e6 * US_SHARE,
               "2027Q4"),
        # Lynas Seadrift (Texas): the generic ex-China module of data §7 (5,000 t REO/yr,
        # US$300M ±40 %, 3 yr brownfield [EST]) placed at the one US project already under way
        # (DoD allocation ~US$258M, 2023; "significant uncertainty", Northern Miner Aug 2025):
        # 2023 + 3 yr → online 2026Q3 at the earliest [assumption]
        module("USA_Seadrift_mod", "USA_Seadrift", 5000 / Q, 300e6, "2026Q3"),
        # Ucore Louisiana RapidSX: 2,000 t/yr TREO from H2 2026 (Ucore/DoD 2025) → 2026Q3;
        # capex = the public funding, US$22.4M DoD total + US$15M Louisiana [assumption]
        module("USA_Ucore_ph1", "USA_Ucore", 2000 / Q, 22.4e6 + 15e6, "2026Q3"),
        # Ucore phase 2: to 7,500 t/yr in 2027 (Ucore/DoD 2025) → +5,500 t/yr from 2027Q1;
        # capex at Eneabba's implied US$45k per t REO/yr (data §2 [EST]) = US$247.5M
        module("USA_Ucore_ph2", "USA_Ucore", 5500 / Q, 5500 * 45e3, "2027Q1"),
        # MP ramp to its "normalized" 1,500 t NdPr/quarter (AInvest 2025): +937 t NdPr/q ÷
        # (15 % × 95 %) feed; capex at Energy Fuels' implied US$80k per t NdPr/yr (data §2
        # [EST]); ramp under way in 2025 → online 2026Q1 [assumption]
        module("USA_MP_ramp", "USA_MP", round(937 / (0.15 * 0.95), 1), 937 * Q * 80e3, "2026Q1"),
        # Lead times beyond the horizon: listed for completeness with max_count 0 (they cannot
        # come online by 2027Q4). Dong Pao +10,000 t REO/yr, 5 yr, US$300M (data §7); VTRE
        # +20,000 t, 5 yr, US$1B (data §7 [EST]); SRC +2,000 t REO, 4 yr, US$150M (data §7
        # [EST]); Canadian generic mine +5,000 t, 7 yr, US$250M (data §7 [EST]).
        module("VNM_DongPao_mine", "VNM_DongPao", 10000 / Q, 300e6, None, 0),
        module("VNM_VTRE_exp", "VNM_VTRE", 20000 / Q * US_SHARE, 1e9 * US_SHARE, None, 0),
        module("CAN_SRC_exp", "CAN_SRC", 2000 / Q, 150e6, None, 0),
        module("CAN_Generic_mine", "CAN_Generic", 5000 / Q, 250e6, None, 0),
    ]

    # --- Export quotas: China's licence caps on Dy and Tb to the US (MOFCOM Ann. 18, in force)
    # Base: the normal (2024) flow (data §7) from 2025Q4 on, i.e. the Busan general licences
    # (30 Oct 2025) restore 2024 volumes [assumption]; 2025Q3: "partial" = 65 % for Dy and 62 %
    # for Tb (2025 exports −35 % / −38 %, rawmaterials.net Jan 2026).
    f["export_quotas"] = []
    for el, partial in (("Dy", 0.65), ("Tb", 0.62)):
        f["export_quotas"].append({"country": "CHN", "product": el, "period": "*",
                                   "cap_t": round(NORMAL_FLOW_Q[el], 3)})
        f["export_quotas"].append({"country": "CHN", "product": el, "period": "2025Q3",
                                   "cap_t": round(partial * NORMAL_FLOW_Q[el], 3)})

    # --- Rules -------------------------------------------------------------------------------
    f["end_use_limits"] = [
        # MOFCOM Ann. 46 clause 1 (3 Dec 2024): no dual-use exports to US military users;
        # modelled as no Chinese-mined or Chinese-processed oxide in US defence demand
        {"country": "CHN", "basis": "either", "end_use": "defence", "element": "*", "max_t": 0},
    ]
    f["diversification_caps"] = [
        # [assumption] defence NdPr: no single processing country above 75 %, a DoD-style
        # diversification goal; not applied to Dy/Tb, whose ex-China sources are too few
        {"end_use": "defence", "element": el, "basis": "processed", "max_share": 0.75}
        for el in ("Nd", "Pr")
    ]

    # --- Scenarios [assumption: probabilities] ----------------------------------------------
    f["scenarios"] = [
        {"scenario": "truce_holds", "probability": 0.60,
         "description": "Busan truce holds: Chinese licences at 2024 volumes from 2025Q4."},
        {"scenario": "china_escalation", "probability": 0.25,
         "description": "Suspensions lapse (Ann. 61/70, 10 Nov 2026): from 2026Q4 Chinese "
                        "offers and Dy/Tb licences fall to 10 % (May 2025 level), NdPr at the "
                        "Sep 2025 stress price, 25 % duty on Chinese oxide."},
        {"scenario": "malaysia_feed_cut", "probability": 0.15,
         "description": "From 2026Q4 Lynas Malaysia loses its Chinese feed (light ore and "
                        "heavy-RE feed); Chinese oxide offers unchanged."},
    ]
    esc = "2026Q4"  # Ann. 61/62 suspended until 10 Nov 2026 (Ann. 70, data §4)
    f["scenario_changes"] = [
        # restricted = ~10 % of normal (May 2025: 46 t vs ~500 t/month, data §4/§7)
        {"scenario": "china_escalation", "sheet": "traders", "key": "CHN_Nd",
         "column": "capacity_t", "mode": "scale", "value": 0.1, "from_period": esc},
        {"scenario": "china_escalation", "sheet": "traders", "key": "CHN_Pr",
         "column": "capacity_t", "mode": "scale", "value": 0.1, "from_period": esc},
        {"scenario": "china_escalation", "sheet": "export_quotas", "key": "CHN,Dy,*",
         "column": "cap_t", "mode": "scale", "value": 0.1, "from_period": esc},
        {"scenario": "china_escalation", "sheet": "export_quotas", "key": "CHN,Tb,*",
         "column": "cap_t", "mode": "scale", "value": 0.1, "from_period": esc},
        # NdPr stress price US$80/kg vs US$60 base (SMM mid-Sep 2025, data §7) → × 4/3
        {"scenario": "china_escalation", "sheet": "traders", "key": "CHN_Nd",
         "column": "price_usd_per_t", "mode": "scale", "value": round(80 / 60, 6),
         "from_period": esc},
        {"scenario": "china_escalation", "sheet": "traders", "key": "CHN_Pr",
         "column": "price_usd_per_t", "mode": "scale", "value": round(80 / 60, 6),
         "from_period": esc},
        # Section 301's 25 % (magnets, from 2026) extended to oxide [assumption]
        {"scenario": "china_escalation", "sheet": "tariffs", "key": "CHN,USA,*",
         "column": "ad_valorem", "mode": "set", "value": 0.25, "from_period": esc},
        # Lynas Malaysia loses its Chinese feed (light and heavy) when the truce ends
        # [assumption: timing as the escalation]
        {"scenario": "malaysia_feed_cut", "sheet": "lanes", "key": "CHN_Light,MYS_Lynas",
         "column": "capacity_t", "mode": "set", "value": 0, "from_period": esc},
        {"scenario": "malaysia_feed_cut", "sheet": "lanes", "key": "CHN_Ionic,MYS_Lynas_HRE",
         "column": "capacity_t", "mode": "set", "value": 0, "from_period": esc},
    ]
    return f


BASELINE_README = [
    "supplyopt baseline instance (instances/ree_baseline_10q.xlsx, the 10-quarter variant), "
    "written by instances/build_instances.py.",
    "What it is: the US importer's view of the NdPr, Dy and Tb oxide market over 10 quarters "
    "(2025Q3-2027Q4), in tonnes per quarter and USD.",
    "Figures come from public sources compiled in instance-data.md (USGS MCS 2025, company "
    "reports, Fastmarkets, SMM, Argus, MOFCOM notices);",
    "every figure is listed with its source, or marked as an assumption, in instances/README.md "
    "and in comments in build_instances.py.",
    f"Foreign plants' capacities (and module capex) are the share available to US buyers: "
    f"{US_SHARE:.0%} [assumption].",
    "Modules carry their full capex and a 20-year life (lifetime_periods = 80); the model "
    "charges capex as an annuity at 8 %/yr for the quarters inside the horizon.",
    "Chinese separated oxide reaches the US as trader offers at market prices; Dy/Tb exports "
    "are capped by licence quotas (MOFCOM Ann. 18).",
    "Rule: no Chinese-mined or Chinese-processed oxide in US defence demand (MOFCOM Ann. 46 "
    "clause 1).",
    "Scenarios: truce_holds (0.60), china_escalation from 2026Q4 (0.25), malaysia_feed_cut from "
    "2026Q4 (0.15) [assumed probabilities].",
    "Solve: supplyopt solve instances/ree_baseline_10q.xlsx --mip-gap 0 --out runs/baseline_10q",
]

