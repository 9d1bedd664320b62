"""The 2035 baseline (``ree_baseline.xlsx``): builds decided on the scenario tree, to 2035.

The US importer's view of separated NdPr, Dy and Tb oxide from 2025Q3 to 2035: quarters to
2027Q4, then years (18 periods). Candidate projects carry their lead time from decision to
online, their earliest decision period and their capex (spread over construction, charged as
a 20-year annuity from online; only payments inside the horizon count). Five scenarios are
revealed at four different times, so a build may wait for the news.

Units: every per-period quantity is a RATE PER QUARTER (the base period, ``periods_per_year``
= 4): the model multiplies it by each period's length (0.25 yr = 1 quarter, 1 yr = 4
quarters). Stock levels (initial_t, stockpile capacity_t) are levels. Tonnes of REO for
concentrate and plant feed, tonnes of oxide for elements; money in USD (USD/kg × 1000 = USD/t).

Sources are cited as in ``/work/shared/context/instance-data.md`` ("data §n") or by the public
page found while re-examining Lynas's feed; ``[assumption]`` marks a figure chosen here, with
its reasoning. ``instances/README.md`` lists every figure.
"""

from __future__ import annotations

from baseline_10q import (
    ANNUAL_DEMAND_2025,
    CIVIL_SPLIT,
    DEFENCE_T,
    GROWTH,
    LIFE_YEARS,
    MMR_SHARE,
    NORMAL_FLOW_Q,
    PRICE,
    SEASON,
    US_SHARE,
    Q,
    kg,
)

QUARTERS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
            "2027Q1", "2027Q2", "2027Q3", "2027Q4"]
YEARS = [str(y) for y in range(2028, 2036)]
PERIODS = QUARTERS + YEARS
"""Quarters to 2027Q4, then years to 2035 (18 periods)."""

# Lost value per tonne unserved (USD/t). Civil: the price at which the last tonne could still be
# found outside China. NdPr: US$110/kg, the DoD floor price for MP Materials' NdPr (Jul 2025,
# data §3): what the US government pays for secure NdPr. Dy US$1,000/kg and Tb US$4,000/kg:
# the top of the European ranges after the April 2025 controls (Argus, 6 May 2025, data §3);
# the restriction scenarios below price Chinese oxide at the §7 ex-China restriction prices
# (Dy 800, Tb 3,000), which must stay below the lost value or the licences would be worthless.
# Defence: 10 × civil [assumption, as in the 10-quarter baseline].
LOST_VALUE = {"Nd": kg(110), "Pr": kg(110), "Dy": kg(1000), "Tb": kg(4000)}
DEFENCE_FACTOR = 10

# Ex-China prices during a restriction (data §3/§7: Argus 6 May 2025): Dy US$800/kg, Tb
# US$3,000/kg; NdPr stress US$80/kg (SMM mid-Sep 2025). Chinese oxide bought during a
# restriction is priced there (scale factors on the base prices).
RESTRICTED_PRICE = {"Nd": kg(80) * 56 / 60, "Pr": kg(80) * 58 / 60, "Dy": kg(800),
                    "Tb": kg(3000)}
# Price recovery: back to the 2023 annual averages (USGS MCS 2025, data §3): Nd 78, Dy 330,
# Tb 1,298 USD/kg; Pr moves with Nd [assumption].
RECOVERED_PRICE = {"Nd": kg(78), "Pr": kg(78) * 58 / 56, "Dy": kg(330), "Tb": kg(1298)}

# Lynas Kuantan feed (t REO/yr): 10,500 t NdPr/yr (Fastmarkets, Jun 2024) ÷ (24 % NdPr ×
# 95 % recovery) [derived]
LYNAS_FEED = 10500 / (0.24 * 0.95)
# Mt Weld after its expansion to 12,000 t/yr NdPr-equivalent (data §2; "forecast complete by
# the end of FY25", The West Australian, 30 Oct 2024) [derived as above]
MTWELD_FEED = 12000 / (0.24 * 0.95)
# SEG-H: the heavy fraction (Sm-Eu-Gd and heavier) of Lynas's Mt Weld stream, 1,500 t/yr, the
# heavy circuit's feed (Australian Mining, May 2025). Its Dy/Tb are all of Mt Weld's in the
# plant's feed: Dy 0.15 % × 46,053 / 1,500 = 4.6 %, Tb 0.07 % × 46,053 / 1,500 = 2.15 % [derived]
SEGH_FEED = 1500
SEGH_DY_PCT = 0.15 * LYNAS_FEED / SEGH_FEED
SEGH_TB_PCT = 0.07 * LYNAS_FEED / SEGH_FEED
# Energy Fuels phase 2 (data §2, BFS Jan 2026): >6,000 t/yr NdPr + 240 t Dy + 66 t Tb. Feed =
# 6,000 ÷ (22 % NdPr monazite × 95 %) [assumption: Eneabba-like monazite, data §7]; Dy and Tb
# shares then follow from the BFS outputs at 90 % recovery [derived]
EF_FEED = 6000 / (0.22 * 0.95)
EF_DY_PCT = 100 * 240 / (0.90 * EF_FEED)
EF_TB_PCT = 100 * 66 / (0.90 * EF_FEED)

# Scenario reveal periods (the first period whose data differ from the truce's)
MALAYSIA_REVEAL = "2026Q1"  # Lynas Malaysia's 3-year licence from 3 Mar 2023 is up in Mar 2026
ESCALATION_REVEAL = "2026Q2"  # [assumption] a break before the Nov 2026 suspension date
LAPSE_REVEAL = "2026Q4"  # Ann. 61/62 suspended until 10 Nov 2026 (Ann. 70, data §4)
RECOVERY_REVEAL = "2027Q1"  # [assumption] prices known after a year of the truce


def is_year(period: str) -> bool:
    """Whether a period label is a whole year (2028) rather than a quarter (2027Q4)."""
    return "Q" not in period


def demand_rate(element: str, period: str, share: float) -> float:
    """Quarterly demand rate (t oxide per quarter) of a slice ``share`` of US demand.

    Annual demand grows by ``GROWTH`` per year from 2025; a quarter takes its seasonal share
    (24/25/25/26 %, data §7) of its year, a year period holds the mean quarter (annual / 4),
    which the model multiplies by 4.
    """
    annual = ANNUAL_DEMAND_2025[element] * GROWTH ** (int(period[:4]) - 2025)
    season = 1 / Q if is_year(period) else SEASON[period[-2:]]
    return round(annual * share * season, 3)


def module(name, site, capacity_q, capex, lead_years, decide_from=None, max_count=1):
    """Return a candidate module row.

    Full capex, 20-year life [assumption], capex spread over construction (the default
    timing), fixed O&M 0 (not in the data [assumption]).
    """
    return {"module": name, "site": site, "capacity_t": round(capacity_q, 1),
            "capex_usd": round(capex), "fixed_om_usd": 0.0, "lead_time_years": lead_years,
            "earliest_decision_period": decide_from, "max_count": max_count,
            "lifetime_periods": LIFE_YEARS * Q, "capex_timing": "spread"}


def _mines_and_assays(f: dict) -> None:
    f["mines"] = [
        # Mt Weld after the expansion (MTWELD_FEED above); US$5/kg REO [EST, data §7]
        {"mine": "AUS_MtWeld", "country": "AUS", "capacity_t": round(MTWELD_FEED / Q, 1),
         "cost_usd_per_t": kg(5)},
        # SEG-H stream cut from Mt Weld feed at Kuantan (SEGH_* above); US share 20 %; its
        # mining cost is already paid in Mt Weld's ore [assumption: cost 0]
        {"mine": "AUS_MtWeld_SEGH", "country": "AUS", "capacity_t": SEGH_FEED / Q * US_SHARE,
         "cost_usd_per_t": 0.0},
        # Malaysian ionic clay MREC from Kelantan: MoU of 30 May 2025 (rawmaterials.net;
        # metalnomist Aug 2025: volumes undisclosed, deliveries once mining starts). 3,500 t
        # REO/yr from 2028 [assumption: what the 5,000 t/yr heavy expansion needs beyond
        # Mt Weld's SEG-H]; US share 20 %; cost US$26/kg REO, the ionic ore proxy (SMM, data §6)
        {"mine": "MYS_Kelantan", "country": "MYS", "capacity_t": 3500 / Q * US_SHARE,
         "cost_usd_per_t": kg(26), "first_period": "2028"},
        # Iluka Eneabba monazite 17,500 t REO/yr from 2027 ("~2026-27" [UNVERIFIED]); US$6/kg
        # [EST]; committed (FID 2022, A$1.25B government loan): sunk, not a decision here
        {"mine": "AUS_Eneabba", "country": "AUS", "capacity_t": 17500 / Q,
         "cost_usd_per_t": kg(6), "first_period": "2027Q1"},
        # Dong Pao 300 t REO/yr (USGS MCS 2025, 2024 output); US$6/kg [EST]
        {"mine": "VNM_DongPao", "country": "VNM", "capacity_t": 300 / Q, "cost_usd_per_t": kg(6)},
        # Canada: no production (USGS MCS 2025); generic deposit, module below; US$7/kg [EST]
        {"mine": "CAN_Generic", "country": "CAN", "capacity_t": 0, "cost_usd_per_t": kg(7)},
        # Mountain Pass: 45,455 t REO in concentrate in 2024 (MP FY2024, Feb 2025); cost = MP
        # realised concentrate value US$4,183/t REO (Metalnomist, Q2 2024, data §6)
        {"mine": "USA_MountainPass", "country": "USA", "capacity_t": round(45455 / Q, 1),
         "cost_usd_per_t": 4183},
        # Monazite for Energy Fuels White Mesa phase 2 (Donald, Victoria JV, among others):
        # exactly phase 2's feed (EF_FEED); US$6/kg REO as Eneabba monazite [EST]; only usable
        # once phase 2 is built
        {"mine": "EF_Monazite", "country": "AUS", "capacity_t": round(EF_FEED / Q, 1),
         "cost_usd_per_t": kg(6)},
    ]

    def assay(mine, ndpr_pct, dy_pct, tb_pct):
        rows = [("Nd", ndpr_pct * 0.75), ("Pr", ndpr_pct * 0.25), ("Dy", dy_pct), ("Tb", tb_pct)]
        return [{"mine": mine, "element": e, "share": round(p / 100, 6)} for e, p in rows if p > 0]

    f["mine_assays"] = (
        assay("AUS_MtWeld", 24, 0.15, 0.07)        # data §7 (literature values [UNVERIFIED])
        + assay("AUS_MtWeld_SEGH", 0, SEGH_DY_PCT, SEGH_TB_PCT)  # derived above
        + assay("MYS_Kelantan", 10, 5, 1)          # ionic clay as data §7's ionic feed [EST]
        + assay("AUS_Eneabba", 22, 0.7, 0.2)       # data §7 [EST]
        + assay("VNM_DongPao", 18, 0.1, 0.03)      # data §7 [EST]
        + assay("CAN_Generic", 20, 0.3, 0.1)       # data §7 [EST]
        + assay("USA_MountainPass", 15, 0, 0)      # data §6: ~15 % NdPr, Dy/Tb trace (→ 0)
        + assay("EF_Monazite", 22, EF_DY_PCT, EF_TB_PCT)  # derived above
    )


def _plants(f: dict) -> dict:
    """Plants (feed t REO/quarter, US share abroad; opex USD/t feed) and their recoveries."""
    sep = kg(35)  # ex-China separation opex US$35/kg NdPr (data §7 [EST]) × the NdPr assay
    f["plants"] = [
        # Lynas Kuantan main circuit: LYNAS_FEED, US share 20 %; fed by Mt Weld only
        {"plant": "MYS_Lynas", "country": "MYS", "capacity_t": round(LYNAS_FEED / Q * US_SHARE, 1),
         "opex_usd_per_t": sep * 0.24},
        # Lynas Kuantan heavy-RE circuit: 1,500 t/yr SEG-H (Australian Mining, May 2025); opex
        # per t feed as the main circuit [assumption]
        {"plant": "MYS_Lynas_HRE", "country": "MYS", "capacity_t": SEGH_FEED / Q * US_SHARE,
         "opex_usd_per_t": sep * 0.24},
        # Iluka Eneabba refinery 17,500 t REO/yr from 2027 (WA Government 2022; timing
        # [UNVERIFIED]); US share 20 %
        {"plant": "AUS_Iluka", "country": "AUS", "capacity_t": 17500 / Q * US_SHARE,
         "opex_usd_per_t": sep * 0.22, "first_period": "2027Q1"},
        # VTRE: ~1,000 t/yr throughput as capacity (Nha Dau tu / CafeF 2023 [EST]); US share
        {"plant": "VNM_VTRE", "country": "VNM", "capacity_t": 1000 / Q * US_SHARE,
         "opex_usd_per_t": sep * 0.18},
        # SRC Saskatoon: ~400 t NdPr metal/yr (mining.com 2024) × 1.166 ÷ 20 % NdPr feed
        # [derived]; 100 % North American; opex US$60/kg NdPr (demo scale [assumption])
        {"plant": "CAN_SRC", "country": "CAN", "capacity_t": round(400 * 1.166 / 0.20 / Q, 1),
         "opex_usd_per_t": kg(60) * 0.20},
        # MP Mountain Pass: 563 t NdPr in Q1 2025 ÷ (15 % × 95 %) [derived]; opex = ~US$60/kg
        # NdPr all-in less the concentrate value: 60,000 × 0.15 × 0.95 − 4,183 [derived]
        {"plant": "USA_MP", "country": "USA", "capacity_t": round(563 / (0.15 * 0.95), 1),
         "opex_usd_per_t": round(kg(60) * 0.15 * 0.95 - 4183)},
        # Lynas Seadrift, Texas: the generic brownfield US module's site (DoD ~US$258M
        # allocated, 2023); opex and feed as Lynas Malaysia [assumption]
        {"plant": "USA_Seadrift", "country": "USA", "capacity_t": 0, "opex_usd_per_t": sep * 0.24},
        # Ucore Louisiana (RapidSX): capacity only through its modules; opex at US$35/kg NdPr
        # on Mountain Pass feed [assumption]
        {"plant": "USA_Ucore", "country": "USA", "capacity_t": 0, "opex_usd_per_t": sep * 0.15},
        # Energy Fuels White Mesa: phase 2 only (phase 1's 850-1,000 t NdPr/yr is left out: its
        # feed contracts are not in the data [assumption]); opex = the BFS all-in US$29.39/kg
        # NdPr-eq × 22 % × 95 % NdPr per t feed [assumption: feed priced separately]
        {"plant": "USA_WhiteMesa", "country": "USA", "capacity_t": 0,
         "opex_usd_per_t": round(29390 * 0.22 * 0.95)},
        # A generic greenfield US separation site (data §7 generic module, 6 yr greenfield)
        {"plant": "USA_Greenfield", "country": "USA", "capacity_t": 0,
         "opex_usd_per_t": sep * 0.20},
    ]
    light, heavy = {"Nd": 0.95, "Pr": 0.95}, {"Dy": 0.90, "Tb": 0.90}
    rec = {
        # the main circuit's heavies go to the SEG-H stream, separated in the heavy circuit
        "MYS_Lynas": light,
        "MYS_Lynas_HRE": heavy,
        "AUS_Iluka": light | heavy,
        "VNM_VTRE": {"Nd": 0.90, "Pr": 0.90, "Dy": 0.80, "Tb": 0.80},
        "CAN_SRC": {"Nd": 0.90, "Pr": 0.90},
        "USA_MP": light,
        "USA_Seadrift": light | heavy,
        "USA_Ucore": light | heavy,
        "USA_WhiteMesa": light | heavy,
        "USA_Greenfield": light | heavy,
    }
    f["plant_recoveries"] = [{"plant": p, "element": e, "recovery": r}
                             for p, d in rec.items() for e, r in d.items()]
    return rec


def _traders_stocks_demand(f: dict) -> None:
    # Chinese offers (rates per quarter), as the 10-quarter baseline: Nd/Pr the normal 2024
    # flow; Dy/Tb 2 × the normal flow, split China-/Myanmar-mined (data §1/§7)
    f["traders"] = [
        {"trader": f"CHN_{el}", "country": "CHN", "element": el,
         "capacity_t": round(NORMAL_FLOW_Q[el], 2), "price_usd_per_t": PRICE[el]}
        for el in ("Nd", "Pr")]
    for el in ("Dy", "Tb"):
        for mined, share in (("CHN", 1 - MMR_SHARE), ("MMR", MMR_SHARE)):
            f["traders"].append({
                "trader": f"CHN_{el}_{mined}", "country": "CHN", "mined_country": mined,
                "element": el, "capacity_t": round(2 * NORMAL_FLOW_Q[el] * share, 3),
                "price_usd_per_t": PRICE[el]})
    # US strategic stocks [assumption]: ~2 quarters of 2025 demand; holding cost 0.5 % of value
    # per quarter (a rate, scaled by period length)
    f["stockpiles"] = [
        {"stockpile": "USA_Dy_stock", "country": "USA", "element": "Dy", "initial_t": 0,
         "capacity_t": 80, "holding_cost_usd_per_t": 0.005 * PRICE["Dy"]},
        {"stockpile": "USA_Tb_stock", "country": "USA", "element": "Tb", "initial_t": 0,
         "capacity_t": 12, "holding_cost_usd_per_t": 0.005 * PRICE["Tb"]},
    ]
    f["demands"], f["demand_quantities"] = [], []
    for use, military in [("defence", True)] + [(u, False) for u in CIVIL_SPLIT]:
        for el in ANNUAL_DEMAND_2025:
            node = f"USA_{use}_{el}"
            f["demands"].append({
                "demand": node, "country": "USA", "end_use": use, "military": military,
                "lost_value_usd_per_t": LOST_VALUE[el] * (DEFENCE_FACTOR if military else 1)})
            if military:
                share = DEFENCE_T[el] / ANNUAL_DEMAND_2025[el]
            else:
                civil = 1 - DEFENCE_T[el] / ANNUAL_DEMAND_2025[el]
                share = civil * CIVIL_SPLIT[use] / sum(CIVIL_SPLIT.values())
            f["demand_quantities"] += [
                {"demand": node, "element": el, "period": p,
                 "quantity_t": demand_rate(el, p, share)} for p in PERIODS]


def _lanes(f: dict, rec: dict) -> None:
    lanes = [
        # concentrate/MREC, USD/t REO: AUS→MYS US$0.05/kg (data §7 [EST]); no lane limit, the
        # plant's US-share capacity is the limit
        ("AUS_MtWeld", "MYS_Lynas", kg(0.05), None),
        ("AUS_MtWeld_SEGH", "MYS_Lynas_HRE", 0.0, None),  # inside the Kuantan plant
        ("MYS_Kelantan", "MYS_Lynas_HRE", kg(0.02), None),  # domestic [assumption]
        # Seadrift takes Mt Weld ore beyond Kuantan's needs: (MTWELD_FEED − LYNAS_FEED) / 4
        # [derived]; Australia→US at the oxide rate US$0.30/kg [assumption]
        ("AUS_MtWeld", "USA_Seadrift", kg(0.30), round((MTWELD_FEED - LYNAS_FEED) / Q, 1)),
        ("AUS_MtWeld", "VNM_VTRE", kg(0.05), None),  # VTRE imports Australian feed (CafeF 2023)
        ("VNM_DongPao", "VNM_VTRE", kg(0.02), None),  # domestic [assumption]
        ("AUS_Eneabba", "AUS_Iluka", kg(0.02), None),  # on site [assumption]
        ("CAN_Generic", "CAN_SRC", kg(0.02), None),  # domestic [assumption]
        ("CAN_Generic", "USA_Greenfield", kg(0.08), None),  # rail [assumption]
        ("USA_MountainPass", "USA_MP", 0.0, None),  # on site
        ("USA_MountainPass", "USA_Ucore", kg(0.05), None),  # road/rail [assumption]
        ("USA_MountainPass", "CAN_SRC", kg(0.08), None),
        ("USA_MountainPass", "USA_Greenfield", kg(0.05), None),
        ("EF_Monazite", "USA_WhiteMesa", kg(0.30), None),  # sea freight as oxide [assumption]
    ]
    abroad, home = kg(0.30), kg(0.10)  # oxide to US buyers (data §7 [EST]; NA [assumption])
    freight = {p: (home if p.startswith(("USA", "CAN")) else abroad) for p in rec}
    for d in f["demands"]:
        el = d["demand"].rsplit("_", 1)[1]
        lanes += [(p, d["demand"], freight[p], None) for p in rec if el in rec[p]]
        lanes += [(t["trader"], d["demand"], abroad, None) for t in f["traders"]
                  if t["element"] == el]
        if el in ("Dy", "Tb"):
            lanes.append((f"USA_{el}_stock", d["demand"], home, None))
    for el in ("Dy", "Tb"):
        lanes += [(p, f"USA_{el}_stock", freight[p], None) for p in rec if el in rec[p]]
        lanes += [(t["trader"], f"USA_{el}_stock", abroad, None) for t in f["traders"]
                  if t["element"] == el]
    f["lanes"] = [{"origin": o, "destination": d, "cost_usd_per_t": c, "capacity_t": cap}
                  for o, d, c, cap in lanes]


def _modules(f: dict) -> None:
    """Candidate projects (data §2/§7). Capacity per quarter; capex in USD (US share abroad)."""
    f["modules"] = [
        # Lynas Kuantan heavy-RE expansion: +5,000 t/yr heavy feed, MYR500M ≈ US$120M
        # (lcdproduct.com / The Edge, Oct 2025); lead 2 yr [EST, data §7]; announced Oct 2025,
        # subject to approvals → decidable from 2025Q4; US share 20 %
        module("MYS_Lynas_HRE_exp", "MYS_Lynas_HRE", 5000 / Q * US_SHARE, 120e6 * US_SHARE,
               2.0, "2025Q4"),
        # Generic ex-China module, brownfield (data §7: 5,000 t REO/yr, US$300M ±40 %, 3 yr
        # [EST]), at the one US brownfield site with DoD money behind it, Lynas Seadrift
        module("USA_Seadrift_mod", "USA_Seadrift", 5000 / Q, 300e6, 3.0),
        # Generic ex-China module, greenfield (data §7: same size and capex, 6 yr [EST])
        module("USA_Greenfield_mod", "USA_Greenfield", 5000 / Q, 300e6, 6.0, max_count=2),
        # Energy Fuels White Mesa phase 2 (BFS Jan 2026, data §2): US$410M; approval mid-2027
        # → decidable from 2027Q3; commissioning Q1 2029 → lead 1.5 yr
        module("USA_EF_ph2", "USA_WhiteMesa", EF_FEED / Q, 410e6, 1.5, "2027Q3"),
        # MP ramp to the "normalized" 1,500 t NdPr/quarter (AInvest 2025): +937 t NdPr/q ÷
        # (15 % × 95 %); capex at Energy Fuels' implied US$80k per t NdPr/yr (data §2 [EST]);
        # lead 0.5 yr [assumption: equipment in place, online 2026Q1 as in the 10q baseline]
        module("USA_MP_ramp", "USA_MP", 937 / (0.15 * 0.95), 937 * Q * 80e3, 0.5),
        # Ucore Louisiana: 2,000 t/yr TREO in H2 2026, 7,500 t/yr in 2027 (Ucore/DoD 2025) →
        # leads 1 yr and 1.5 yr from 2025Q3; capex: phase 1 = public funding US$37.4M
        # [assumption], phase 2 at Eneabba's implied US$45k per t REO/yr (data §2 [EST])
        module("USA_Ucore_ph1", "USA_Ucore", 2000 / Q, 22.4e6 + 15e6, 1.0),
        module("USA_Ucore_ph2", "USA_Ucore", 5500 / Q, 5500 * 45e3, 1.5),
        # Saskatchewan Research Council: +2,000 t REO/yr, US$150M, 4 yr (data §7 [EST])
        module("CAN_SRC_exp", "CAN_SRC", 2000 / Q, 150e6, 4.0),
        # Canadian mine: +5,000 t REO/yr, US$250M, 7 yr (data §7 [EST]; Kingsnorth's 9-yr
        # minimum counts from discovery)
        module("CAN_Generic_mine", "CAN_Generic", 5000 / Q, 250e6, 7.0),
        # VTRE expansion: +20,000 t/yr, US$1B, 5 yr (data §7 [EST]); US share 20 %
        module("VNM_VTRE_exp", "VNM_VTRE", 20000 / Q * US_SHARE, 1e9 * US_SHARE, 5.0),
        # Dong Pao mine: +10,000 t REO/yr under the 2014 licence (Bao Giao thong); US$300M and
        # 5 yr (3 yr construction, sourced, plus permitting [EST], data §2/§7); US share 20 %
        module("VNM_DongPao_mine", "VNM_DongPao", 10000 / Q * US_SHARE, 300e6 * US_SHARE, 5.0),
    ]


def _rules(f: dict) -> None:
    f["tariffs"] = [  # US MFN on RE oxides is free (USGS MCS 2025); Section 301 is on magnets
        {"origin_country": "CHN", "destination_country": "USA", "product": "*",
         "ad_valorem": 0.0, "per_t_usd": 0.0}]
    # China's Dy/Tb licence caps (MOFCOM Ann. 18, in force): the normal 2024 flow (Busan general
    # licences restore it [assumption]); 2025Q3 "partial": −35 % Dy, −38 % Tb (rawmaterials.net)
    f["export_quotas"] = []
    for el, partial in (("Dy", 0.65), ("Tb", 0.62)):
        f["export_quotas"] += [
            {"country": "CHN", "product": el, "period": "*", "cap_t": round(NORMAL_FLOW_Q[el], 3)},
            {"country": "CHN", "product": el, "period": "2025Q3",
             "cap_t": round(partial * NORMAL_FLOW_Q[el], 3)}]
    # MOFCOM Ann. 46 clause 1: no Chinese-mined or -processed oxide in US defence demand
    f["end_use_limits"] = [
        {"country": "CHN", "basis": "either", "end_use": "defence", "element": "*", "max_t": 0}]
    # defence NdPr: no processing country above 75 % [assumption: a DoD-style goal]
    f["diversification_caps"] = [
        {"end_use": "defence", "element": el, "basis": "processed", "max_share": 0.75}
        for el in ("Nd", "Pr")]


# The licensed Chinese NdPr channel (issue 14's motivating case): the Busan deal (30 Oct 2025)
# has China issue "general licences" for rare earths to US end users (data §4). Modelled as
# one supply contract per oxide with the Chinese offer (sheet contracts): a fixed quota at a
# fixed price, a channel beside the spot offer, that china_escalation revokes.
LICENCE_SHARE = 0.25  # quota: a quarter of the normal 2024 flow per quarter [assumption]
LICENCE_FEE = 1e6  # US$ per contract: legal and end-user compliance of the channel [assumption]
LICENCE_TERM = ("2026Q1", "2027Q4")  # the truce year and one more [assumption]
LICENCE_DECISION = ("2025Q4", "2025Q4")  # offered after the deal, before any news [assumption]


def _contracts(f: dict) -> None:
    """The licensed Chinese NdPr channel: a contract per oxide (Nd, Pr) with ``CHN_<el>``."""
    f["contracts"] = [
        {"contract": f"CHN_{el}_licence", "trader": f"CHN_{el}", "decision": "adaptive",
         "fee_usd": LICENCE_FEE,
         # fixed at the §7 base price for the term (data §7) [assumption: no indexation]
         "price_usd_per_t": PRICE[el],
         # the quota, taken or paid for in full (take-or-pay) [assumption]
         "max_t": round(LICENCE_SHARE * NORMAL_FLOW_Q[el], 2),
         "min_take_t": round(LICENCE_SHARE * NORMAL_FLOW_Q[el], 2),
         "first_period": LICENCE_TERM[0], "last_period": LICENCE_TERM[1],
         "earliest_decision_period": LICENCE_DECISION[0],
         "last_decision_period": LICENCE_DECISION[1]}
        for el in ("Nd", "Pr")]


def _scenarios(f: dict) -> None:
    """Five scenarios revealed at four times; probabilities are [assumption]."""
    f["scenarios"] = [
        {"scenario": "truce_holds", "probability": 0.40,
         "description": "Busan truce holds: Chinese offers and licences at 2024 volumes and "
                        "prices to 2035."},
        {"scenario": "price_recovery", "probability": 0.15,
         "description": "Truce holds; from 2027Q1 Chinese oxide prices return to their 2023 "
                        "averages (Nd 78, Dy 330, Tb 1,298 USD/kg, USGS MCS 2025)."},
        {"scenario": "annex61_lapse", "probability": 0.20,
         "description": "Ann. 61/62 suspension lapses on 10 Nov 2026: from 2026Q4 Chinese "
                        "offers and licences at the 'partial' 65 %, Chinese oxide at ex-China "
                        "restriction prices (NdPr 80, Dy 800, Tb 3,000 USD/kg)."},
        {"scenario": "china_escalation", "probability": 0.15,
         "description": "Escalation from 2026Q2: Chinese offers and licences at 10 % (May 2025 "
                        "level), Chinese oxide at ex-China restriction prices."},
        {"scenario": "malaysia_feed_cut", "probability": 0.10,
         "description": "From 2026Q1 Lynas Malaysia may no longer import Australian "
                        "concentrate or MREC (licence renewal, Mar 2026); Malaysian Kelantan "
                        "feed still allowed."},
    ]
    rows = []

    def change(scn, sheet, key, column, mode, value, start):
        rows.append({"scenario": scn, "sheet": sheet, "key": key, "column": column,
                     "mode": mode, "value": round(value, 6), "from_period": start})

    for scn, level, start in (("annex61_lapse", 0.65, LAPSE_REVEAL),
                              ("china_escalation", 0.10, ESCALATION_REVEAL)):
        # offers and licence caps: "partial" 65 % (2025 Dy exports −35 %) or "restricted" 10 %
        # (May 2025: 46 t vs ~500 t/month) of normal (data §4/§7)
        for el in ("Nd", "Pr"):
            change(scn, "traders", f"CHN_{el}", "capacity_t", "scale", level, start)
        for el in ("Dy", "Tb"):
            change(scn, "export_quotas", f"CHN,{el},*", "cap_t", "scale", level, start)
        # Chinese oxide at the ex-China restriction prices (data §3/§7)
        for el in ("Nd", "Pr"):
            change(scn, "traders", f"CHN_{el}", "price_usd_per_t", "set", RESTRICTED_PRICE[el],
                   start)
        for el in ("Dy", "Tb"):
            for mined in ("CHN", "MMR"):
                change(scn, "traders", f"CHN_{el}_{mined}", "price_usd_per_t", "set",
                       RESTRICTED_PRICE[el], start)
    # The escalation revokes the licensed channel too (its take-or-pay lapses with it)
    for el in ("Nd", "Pr"):
        change("china_escalation", "contracts", f"CHN_{el}_licence", "max_t", "set", 0,
               ESCALATION_REVEAL)
    for el in ("Nd", "Pr"):
        change("price_recovery", "traders", f"CHN_{el}", "price_usd_per_t", "set",
               RECOVERED_PRICE[el], RECOVERY_REVEAL)
    for el in ("Dy", "Tb"):
        for mined in ("CHN", "MMR"):
            change("price_recovery", "traders", f"CHN_{el}_{mined}", "price_usd_per_t", "set",
                   RECOVERED_PRICE[el], RECOVERY_REVEAL)
    # Malaysia's licence: no imported lanthanide feed (Mt Weld concentrate / Kalgoorlie MREC,
    # hence no SEG-H either) [assumption: a full stop, the feed risk the sources support]
    for key in ("AUS_MtWeld,MYS_Lynas", "AUS_MtWeld_SEGH,MYS_Lynas_HRE"):
        change("malaysia_feed_cut", "lanes", key, "capacity_t", "set", 0, MALAYSIA_REVEAL)
    f["scenario_changes"] = rows


def baseline_frames() -> dict:
    """All sheets of ``ree_baseline.xlsx``."""
    f: dict = {}
    f["settings"] = [
        {"setting": "name", "value": "ree_baseline"},
        {"setting": "description", "value": "US importer's view of NdPr/Dy/Tb oxide supply and "
                                            "what to build, 2025Q3-2035"},
        {"setting": "currency", "value": "USD"},
        {"setting": "discount_rate_per_year", "value": "0.08"},  # Energy Fuels BFS, data §7
        {"setting": "periods_per_year", "value": "4"},  # the base period is a quarter
        {"setting": "build_decisions", "value": "adaptive"},
    ]
    f["periods"] = [{"period": p, "length_years": 1.0 if is_year(p) else 0.25} for p in PERIODS]
    f["countries"] = [
        {"country": "AUS", "name": "Australia"},
        {"country": "CAN", "name": "Canada"},
        {"country": "MYS", "name": "Malaysia"},
        {"country": "VNM", "name": "Vietnam"},
        {"country": "CHN", "name": "China"},
        {"country": "MMR", "name": "Myanmar (ore separated in China)"},
        {"country": "USA", "name": "United States"},
    ]
    f["elements"] = [
        {"element": "Nd", "name": "Neodymium oxide", "reference_price_usd_per_t": PRICE["Nd"]},
        {"element": "Pr", "name": "Praseodymium oxide", "reference_price_usd_per_t": PRICE["Pr"]},
        {"element": "Dy", "name": "Dysprosium oxide", "reference_price_usd_per_t": PRICE["Dy"]},
        {"element": "Tb", "name": "Terbium oxide", "reference_price_usd_per_t": PRICE["Tb"]},
    ]
    _mines_and_assays(f)
    rec = _plants(f)
    _traders_stocks_demand(f)
    _lanes(f, rec)
    _modules(f)
    _rules(f)
    _contracts(f)
    _scenarios(f)
    return f


BASELINE_README = [
    "supplyopt baseline instance (instances/ree_baseline.xlsx), written by "
    "instances/build_instances.py (instances/baseline_2035.py).",
    "What it is: the US importer's view of NdPr, Dy and Tb oxide from 2025Q3 to 2035: quarters "
    "to 2027Q4, then years (periods.length_years).",
    "Every per-period quantity is a RATE PER QUARTER (periods_per_year = 4); the model "
    "multiplies it by the period's length. Stock levels are levels.",
    "Figures come from public sources (instance-data.md: USGS MCS 2025, company reports, "
    "Fastmarkets, SMM, Argus, MOFCOM notices); every figure is listed",
    "with its source, or marked as an assumption, in instances/README.md and in comments in "
    "instances/baseline_2035.py.",
    f"Foreign plants' capacities and module capex are the share available to US buyers: "
    f"{US_SHARE:.0%} [assumption].",
    "Modules: lead time (years) from decision to online, earliest decision period, capex spread "
    "over construction and charged as a 20-year annuity; builds are decided on the scenario "
    "tree (build_decisions = adaptive).",
    "Lynas Malaysia runs on Mt Weld feed only (no Chinese feed: see instances/README.md).",
    "Contracts: a licensed Chinese Nd and Pr channel (Busan general licences, Oct 2025): "
    "25 % of the 2024 flow per quarter at the 2024 price, take-or-pay, 2026Q1-2027Q4, "
    "US$1M fee, signable in 2025Q4; revoked by china_escalation [assumption].",
    "Scenarios [assumed probabilities]: truce_holds 0.40, price_recovery 0.15 (2027Q1), "
    "annex61_lapse 0.20 (2026Q4), china_escalation 0.15 (2026Q2), malaysia_feed_cut 0.10 "
    "(2026Q1).",
    "Candidate projects (modules sheet): capex and lead time, sourced or [EST]/[assumption]:",
    "  MYS_Lynas_HRE_exp: capex sourced (MYR500M, Oct 2025), x 20 % US share; lead 2 yr [EST]; "
    "decidable from 2025Q4 (announced Oct 2025).",
    "  USA_Seadrift_mod / USA_Greenfield_mod: generic ex-China module, US$300M +-40 % and 3 / 6 "
    "yr [EST] (instance-data §7).",
    "  USA_EF_ph2: capex US$410M and timing sourced (Energy Fuels BFS Jan 2026: approval "
    "mid-2027, commissioning Q1 2029 -> decidable 2027Q3, lead 1.5 yr).",
    "  USA_MP_ramp: capex at Energy Fuels' implied US$80k per t NdPr/yr [EST]; lead 0.5 yr "
    "[assumption].",
    "  USA_Ucore_ph1 / ph2: timing sourced (Ucore/DoD 2025: 2,000 t/yr H2 2026, 7,500 t/yr 2027);"
    " capex = public funding [assumption] / US$45k per t/yr [EST].",
    "  CAN_SRC_exp (US$150M, 4 yr), CAN_Generic_mine (US$250M, 7 yr), VNM_VTRE_exp (US$1B, 5 yr,"
    " x 20 %): [EST] (instance-data §7).",
    "  VNM_DongPao_mine: size sourced (10,000 t REO/yr, 2014 licence; 3 yr construction); "
    "US$300M and 5 yr [EST]; x 20 %.",
    "  Eneabba is committed (FID 2022): existing capacity from 2027Q1, not a decision.",
    "Solve: supplyopt solve instances/ree_baseline.xlsx --mip-gap 0 --out runs/baseline",
]
