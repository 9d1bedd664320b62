"""The trade map: flows by country pair, drawn offline on the base map supplyopt ships.

The micro-instance of ``test_report_sentences`` with ISO alpha-3 codes (AU → AUS, CN → CHN,
US → USA, so the map can place them). From its hand derivation: each period the plan mines
10 t of Dy in Australia and separates it in the USA (20 t over T1, T2 in either scenario); the
Chinese trader delivers 2 t in T1 and, in calm, 2 t in T2 (the quota is 3 t but only 2 t are
missing), so CHN → USA carries 4 t in calm and 2 t in cut. Legs:

* calm: mined → processed AUS → USA 20 t, CHN → CHN 4 t (a dot, no line); processed → used
  USA → USA 20 t (dot), CHN → USA 4 t;
* cut: the same with CHN 2 t.

Widths: t_max = 20 t (the largest pair over both scenarios), width = 1 + 9 t / t_max: AUS →
USA 10 px, CHN → USA 1 + 9 × 4/20 = 2.8 px (calm) and 1 + 9 × 2/20 = 1.9 px (cut).
"""

from __future__ import annotations

import json
import re

import pytest
from test_report_html import CHROMIUM, _chromium
from test_report_sentences import micro_frames

import optimizer
from optimizer.io.frames import raw_from_frames
from optimizer.io.validate import validate
from optimizer.output import write_run
from optimizer.report import flow_facts
from optimizer.report.figures_map import centre_longitude, centroids
from optimizer.report.load import load_run

ISO3 = {"AU": "AUS", "CN": "CHN", "US": "USA"}


def iso3_frames() -> dict:
    frames = micro_frames()
    for rows in frames.values():
        for r in rows:
            if r.get("country") in ISO3:
                r["country"] = ISO3[r["country"]]
    frames["scenario_changes"][0]["key"] = "CHN,Dy"
    return frames


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    inst = validate(raw_from_frames(iso3_frames(), source="micro3"), "micro3")
    run = optimizer.solve(inst, optimizer.SolveOptions(mip_rel_gap=0))
    return write_run(run, tmp_path_factory.mktemp("map") / "run")


def _spec(html: str, key: str) -> dict:
    m = re.search(r'id="chart-' + re.escape(key) + r'".*?var spec = (\{.*?\});\n', html, re.S)
    assert m, f"chart {key} missing"
    return json.loads(m.group(1))


def test_map_links_hand_values(run_dir):
    run = load_run(run_dir)
    calm = flow_facts.map_links(run, "Dy", "calm")
    pairs = {(r.leg, r.origin, r.destination): r.tonnes for r in calm.itertuples()}
    assert pairs == pytest.approx({("mined → processed", "AUS", "USA"): 20,
                                   ("mined → processed", "CHN", "CHN"): 4,
                                   ("processed → used", "USA", "USA"): 20,
                                   ("processed → used", "CHN", "USA"): 4})
    cut = flow_facts.map_links(run, "Dy", "cut")
    assert dict(zip(zip(cut["origin"], cut["destination"]), cut["tonnes"]))[
        ("CHN", "USA")] == pytest.approx(2)


def test_map_lines_widths_and_colours(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    spec = _spec(html, "map-dy")
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    by = {(t["text"].split(":")[0], t["visible"]): t for t in lines}
    assert by[("AUS → USA", True)]["line"]["width"] == pytest.approx(10)
    assert by[("CHN → USA", True)]["line"]["width"] == pytest.approx(2.8)
    assert by[("CHN → USA", False)]["line"]["width"] == pytest.approx(1.9)
    assert by[("AUS → USA", True)]["line"]["dash"] == "solid"
    assert by[("CHN → USA", True)]["line"]["dash"] == "dot"
    # Endpoints are the geometry file's centroids of the two countries.
    where = centroids()
    t = by[("AUS → USA", True)]
    assert (t["lon"][0], t["lat"][0]) == where["AUS"] and (t["lon"][1], t["lat"][1]) == \
        where["USA"]
    # The geometry is inlined once, before plotly.js, as plotly's own asset.
    head = html.split("</head>", 1)[0]
    assert head.count("PlotlyGeoAssets.topojson.world_110m = {") == 1


def test_centre_longitude():
    """atan2(sin 104° + sin(−98°), cos 104° + cos(−98°)) = atan2(−0.0200, −0.3811) → −177.0°;
    and 10°, 20° → 15°."""
    assert centre_longitude([104, -98]) == pytest.approx(-177.0, abs=0.1)
    assert centre_longitude([10, 20]) == pytest.approx(15.0, abs=0.1)


def test_countries_without_alpha3_codes_are_named(tmp_path):
    """The ISO-2 micro-instance: nothing can be placed, so the map says so (no empty axis)."""
    from test_report_sentences import solve_micro

    html = (solve_micro(tmp_path) / "report.html").read_text(encoding="utf-8")
    assert "Not on the map: AU, CN, US" in html
    assert "Dy: no flow between countries that the map can place." in html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y "
                                             "chromium); .ci/run installs it")
def test_map_draws_with_no_network(run_dir, tmp_path):
    """Every host resolves to nothing, so a fetch of the base map would fail: the land layer
    and the flow lines must still be drawn, with no JS error."""
    page = run_dir / "report.html"
    res = _chromium(tmp_path, page.as_uri(), "--dump-dom",
                    "--host-resolver-rules=MAP * ~NOTFOUND")
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    assert "data-js-errors" not in dom.split("<body", 1)[1].split(">", 1)[0]
    charts = dict(re.findall(
        r'<div class="chart[^"]*" id="chart-([a-z0-9-]+)"[^>]*>(.*?)</script>', dom, re.S))
    assert "<svg" in charts["map-dy"]
    land = re.search(r'<g class="layer land"><path d="([^"]*)"', charts["map-dy"])
    assert land and len(land.group(1)) > 1000  # the continents' outlines
    assert charts["map-dy"].count('class="js-line"') >= 2  # AUS → USA and CHN → USA
    assert not [k for k, inner in charts.items() if "<svg" not in inner]
