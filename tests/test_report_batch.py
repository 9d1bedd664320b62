"""The batch and analytics report.html: values by hand, failed runs, links, escaping, browser.

The batch uses the micro-instance of ``test_batch`` with ``must_serve`` on: one period, Nd,
mine M (A) 100 t at 5 USD/t → plant P (A) of capacity 0 → demand d (A) 15 t; trader T (C)
20 t at 10 USD/t; module j at P (+15 t, capex K); scenarios calm / cut (T's capacity 0), p 0.5.
The no-build plan cannot serve d in ``cut``, so every plan builds j: cost K + 15 × 5 = K + 75,
nothing unmet, all Nd processed in A (C share 0, HHI 10,000). Runs:

* ``baseline`` and ``<i>ok</i> & run`` (K = 300, no override): 375;
* sweep ``capex`` setting K = 0, 300, 600: 75, 375, 675;
* ``<script>alert(1)</script> & "q"``: T's and M's capacities 0 → nothing reaches d, which
  must be served: infeasible, so the run fails with the reason "cannot all hold".

The analytics use ``test_analytics``'s instance (the same without must_serve, K = 300), whose
measures that module derives by hand: RP 375, naive 150, cost of resilience 225, EEV 450,
VSS 75, WS 262.5, EVPI 112.5; cut-off of C: +0 USD and 0 t with the chosen build, +300 USD
and 15 t with no builds. The price-of-policy table is hand-written (numbers below).
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_analytics import EXACT
from test_analytics import sheets as analytics_sheets
from test_batch import micro_sheets, write_batch
from test_report_html import CHROMIUM, _chromium
from typer.testing import CliRunner

from optimizer.batch.analytics import analyse, write_analysis
from optimizer.cli import app
from optimizer.io.write import write_workbook
from optimizer.report.batch_html import write_analysis_report

RUNNER = CliRunner()
EVIL = '<script>alert(1)</script> & "q"'
ITALIC = "<i>ok</i> & run"


class _Tables(HTMLParser):
    """Every ``table.data`` of a page as a list of rows: (cell texts, row is highlighted)."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell, self._hl = [], None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row, self._hl = [], "hl" in (a.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append((self._row, self._hl))
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def tables(html: str) -> list[list[tuple[list[str], bool]]]:
    p = _Tables()
    p.feed(html)
    return p.tables


def table_with(html: str, header: str) -> dict[str, tuple[dict, bool]]:
    """The first table having a column ``header``: first cell → ({header: cell}, highlighted)."""
    for t in tables(html):
        if t and header in t[0][0]:
            heads = t[0][0]
            return {cells[0]: (dict(zip(heads, cells, strict=True)), hl) for cells, hl in t[1:]}
    raise AssertionError(f"no table with column {header!r}")


def chart_spec(html: str, key: str) -> dict:
    """The plotly JSON of chart ``key`` as embedded in the page."""
    m = re.search(r'id="chart-' + re.escape(key) + r'".*?var spec = (\{.*?\});\n', html, re.S)
    assert m, f"chart {key} missing"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rb")
    base = tmp / "ms.xlsx"
    write_workbook(micro_sheets(must_serve=True), base)
    f = write_batch(tmp / "b.xlsx", base, [
        {"run": "baseline"},
        {"run": ITALIC},
        {"run": EVIL, "sheet": "traders", "key": "T", "column": "capacity_t", "value": 0},
        {"run": EVIL, "sheet": "mines", "key": "M", "column": "capacity_t", "value": 0},
    ], sweeps=[{"sweep": "capex", "sheet": "modules", "key": "j", "column": "capex_usd",
                "range": "0..600:3"}])
    out = tmp / "out"
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "2", "-q"])
    assert res.exit_code == 4, res.output  # the blocked run fails, the others solve
    return out


@pytest.fixture(scope="module")
def analysis_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ra")
    path = tmp / "vss.xlsx"
    write_workbook(analytics_sheets(), path)
    a = analyse(path, EXACT, jobs=2, measures=("resilience", "vss", "cutoff"))
    return write_analysis(a, tmp / "analysis", {"instance": str(path)})


def test_batch_writes_report_with_hand_values(batch_dir):
    html = (batch_dir / "report.html").read_text(encoding="utf-8")
    runs = table_with(html, "run outputs")
    expect = {"baseline": "375", ITALIC: "375", "capex=0": "75.00", "capex=300": "375",
              "capex=600": "675"}
    for run, cost in expect.items():
        row, hl = runs[run]
        assert row["status"] == "optimal" and not hl
        assert row["expected discounted cost (USD)"] == cost
        assert row["builds (count×module@online period (country))"] == "1×j@P1 (A)"
        assert row["unmet demand (t, expected)"] == "0.0"
        assert row["C share of Nd"] == "0.0%" and row["HHI Nd"] == "10,000"
    bad, hl = runs[EVIL]
    assert hl and bad["status"] == "failed"
    assert "cannot all hold" in bad["why it failed"]
    assert bad["run outputs"] == "no outputs (failed)"
    # Cost components sum to the total: capex K plus mining 15 t × 5 = 75.
    comp = table_with(html, "capex (USD)")
    assert comp["capex=600"][0]["capex (USD)"] == "600"
    assert comp["capex=600"][0]["mining (USD)"] == "75.00"


def test_links_are_relative_and_exist(batch_dir):
    html = (batch_dir / "report.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'<a href="([^"]+)"', html.split("</head>", 1)[1])
    assert "runs/baseline/report.html" in hrefs and "runs/capex_600/results.xlsx" in hrefs
    for h in (h for h in hrefs if not h.startswith("#")):  # not the table of contents
        assert not h.startswith(("/", "file:", "http")), h
        assert (batch_dir / h).is_file(), h
    assert not any("b_" in h and "blocked" in h for h in hrefs)


def test_sweep_curve_chart_holds_the_hand_values(batch_dir):
    html = (batch_dir / "report.html").read_text(encoding="utf-8")
    spec = chart_spec(html, "sweep-capex")
    cost, unmet, share = spec["data"][:3]
    assert cost["x"] == [0, 300, 600] and cost["y"] == pytest.approx([75, 375, 675])
    assert unmet["y"] == pytest.approx([0, 0, 0])
    assert share["y"] == pytest.approx([0, 0, 0])
    assert "sets modules[j].capex_usd" in spec["layout"]["title"]["text"]
    bars = chart_spec(html, "cost-by-run")
    capex = next(t for t in bars["data"] if t["name"] == "capex")
    assert dict(zip(capex["x"], capex["y"], strict=True))["capex=600"] == pytest.approx(600)


def test_workbook_names_are_escaped(batch_dir):
    html = (batch_dir / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34;" in html
    assert "<i>ok</i>" not in html
    # In chart JSON the name is HTML-escaped (plotly then shows it literally, see the browser
    # test) and the JSON itself has no "<" that could close the <script> element.
    bars = chart_spec(html, "cost-by-run")
    assert "&lt;i&gt;ok&lt;/i&gt; &amp; run" in bars["data"][0]["x"]
    assert "\\u0026lt;i\\u0026gt;ok\\u0026lt;" in html


def test_analysis_report_values(analysis_dir):
    """Values derived in test_analytics' docstring (K = 300).

    The cut-off chart sets both bars against the base plan, the resilient plan (build j:
    K + 75 = 375, nothing unmet). Cutting C off with the chosen build: cost 375, unmet 0, so
    +0 and +0 t. With no new builds: all 15 t unmet in both scenarios, 15 × 50 = 750, so
    750 − 375 = +375 and 15 − 0 = +15 t (the saved cost increase, over the status quo's
    0.5 × 150 + 0.5 × 750 = 450, is 300: a different base, kept in the table only).
    """
    html = (analysis_dir / "report.html").read_text(encoding="utf-8")
    assert "Here VSS = USD 75 (EEV USD 450)" in html
    # Key findings, first: RP = K + 75 = 375 with j built (capex K = 300); resilience costs
    # RP − naive planned (150) = 225 and is worth naive in model (450) − RP = 75.
    assert html.index('id="findings"') < html.index('id="measures"')
    assert "its expected discounted cost is USD 375." in html
    assert "(capex + fixed O&amp;M USD 300, discounted)" in html
    assert "Resilience costs USD 225 over the naive plan&#39;s planned cost and is worth " \
           "USD 75" in html
    assert "EVPI, the expected value of perfect information, is RP − WS" in html
    assert "Cost of resilience: USD 225" in html
    measures = table_with(html, "definition")
    assert measures["EVPI"][0]["value (USD)"] in ("112", "113")  # 112.5, shown to the dollar
    plans = table_with(html, "planned expected cost (USD)")
    assert plans["resilient"][0]["planned expected cost (USD)"] == "375"
    assert plans["naive"][0]["expected cost in the full model (USD)"] == "450"
    cut = chart_spec(html, "cutoff")
    by_name = {(t["name"], t["xaxis"]): t for t in cut["data"]}
    chosen_cost = by_name[("with the chosen builds", "x")]
    none_cost, none_unmet = by_name[("with no new builds", "x")], by_name[("with no new builds",
                                                                             "x2")]
    assert chosen_cost["y"] == ["C"] and chosen_cost["x"] == pytest.approx([0])
    assert none_cost["x"] == pytest.approx([375]) and none_unmet["x"] == pytest.approx([15])
    chosen_unmet = by_name[("with the chosen builds", "x2")]
    assert chosen_unmet["x"] == pytest.approx([0])
    assert "over the base plan" in cut["layout"]["annotations"][0]["text"]
    perf = chart_spec(html, "plan-performance")
    naive = next(t for t in perf["data"] if t["name"].startswith("naive plan: cost"))
    assert dict(zip(naive["x"], naive["y"], strict=True)) == pytest.approx(
        {"calm": 150, "cut": 750})


def test_policy_prices_ranked_and_escaped(tmp_path):
    """Hand-written tables, prices derived by hand.

    RP = 1,000; without rule B the optimum is 750 → price 250; D: 960 → 40; A: 1,000 → 0
    (does not bind); C failed (no price, listed last without a rank).
    """
    folder = tmp_path / "pol"
    folder.mkdir()
    pd.DataFrame({"measure": ["RP"], "definition": ["resilient plan"], "value_usd": [1000.0]}
                 ).to_csv(folder / "measures.csv", index=False)
    pd.DataFrame({"sheet": ["export_quotas", "end_use_limits", "end_use_limits",
                            "diversification_caps"],
                  "row": [2, 2, 3, 2],
                  "rule": ["A", '=HYPERLINK("http://x")<b>B</b>', "C", "D"],
                  "status": ["ok", "ok", "failed", "ok"],
                  "cost_without_usd": [1000.0, 750.0, None, 960.0],
                  "price_usd": [0.0, 250.0, None, 40.0]}).to_csv(folder / "policy_prices.csv",
                                                                  index=False)
    (folder / "analysis.json").write_text('{"instance": "pol.xlsx"}', encoding="utf-8")
    html = write_analysis_report(folder).read_text(encoding="utf-8")
    t = next(t for t in tables(html) if t and "price of the rule (USD)" in t[0][0])
    ranked = [(cells[0], cells[1], cells[-1], hl) for cells, hl in t[1:]]
    evil = '=HYPERLINK("http://x")<b>B</b>'
    assert ranked == [("1", evil, "250", False), ("2", "D", "40.00", False),
                      ("3", "A", "0", False), ("", "C", "", True)]
    assert "<b>B</b>" not in html and "&lt;b&gt;B&lt;/b&gt;" in html


def test_cli_report_rerenders_batch_and_analysis(batch_dir, analysis_dir, tmp_path):
    """`supplyopt report DIR` detects the folder kind; a batch with analysis/ gets its sections."""
    b = tmp_path / "b"
    shutil.copytree(batch_dir, b)
    shutil.copytree(analysis_dir, b / "analysis")
    (b / "report.html").unlink()
    (b / "analysis" / "report.html").unlink()
    res = RUNNER.invoke(app, ["report", str(b)])
    assert res.exit_code == 0, res.output
    html = (b / "report.html").read_text(encoding="utf-8")
    assert 'href="analysis/report.html"' in html and (b / "analysis" / "report.html").is_file()
    for key in ("sweep-capex", "cost-by-run", "plan-performance", "cutoff"):
        assert f'id="chart-{key}"' in html
    assert not (b / "results.xlsx").exists()  # not mistaken for a run folder
    (b / "analysis" / "report.html").unlink()
    res = RUNNER.invoke(app, ["report", str(b / "analysis")])
    assert res.exit_code == 0 and (b / "analysis" / "report.html").is_file()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y "
                                             "chromium); .ci/run installs it")
@pytest.mark.parametrize("which", ["batch", "analysis"])
def test_every_chart_draws_in_chromium(which, batch_dir, analysis_dir, tmp_path):
    if which == "batch":  # the combined page: batch sections and the analytics sections
        folder = tmp_path / "b"
        shutil.copytree(batch_dir, folder)
        shutil.copytree(analysis_dir, folder / "analysis")
        RUNNER.invoke(app, ["report", str(folder)])
        expected = {"cost-by-run", "sweep-capex", "plan-performance", "cutoff"}
    else:
        folder = analysis_dir
        expected = {"plan-performance", "cutoff"}
    page = folder / "report.html"
    res = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    assert "data-js-errors" not in dom.split("<body", 1)[1].split(">", 1)[0]
    charts = re.findall(r'<div class="chart[^"]*" id="chart-([a-z0-9-]+)"[^>]*>(.*?)</script>',
                        dom, flags=re.S)
    keys = {k for k, _ in charts}
    assert expected <= keys
    empty = {k for k, inner in charts if "<svg" not in inner}
    assert not empty, empty
    if which == "batch":  # the run name is drawn as text, not read as plotly's <i> markup
        bars = dict(charts)["cost-by-run"]
        assert "&lt;i&gt;ok&lt;/i&gt; &amp; run" in bars
        assert "font-style:italic" not in bars.replace(" ", "")
    shot = tmp_path / f"{which}.png"
    _chromium(tmp_path, page.as_uri(), "--window-size=1280,5000", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 20_000


def test_batch_folder_shares_one_plotly_js(batch_dir):
    """Every page of a batch folder loads the folder's one plotly.min.js (relative path, no
    network); none embeds its own copy. Sizes: a shared run report is the page without the
    ~4.8 MB bundle, so each must be well under 1 MB."""
    shared = batch_dir / "plotly.min.js"
    assert shared.is_file() and shared.read_text(encoding="utf-8").lstrip().startswith("/**")
    pages = [batch_dir / "report.html"] + sorted(batch_dir.glob("runs/*/report.html"))
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        src = "plotly.min.js" if page.parent == batch_dir else "../../plotly.min.js"
        assert f'<script id="plotly-js" src="{src}"></script>' in text, page
        assert not re.search(r"plotly\.js v\d", text), page
        assert (page.parent / src).resolve() == shared.resolve()
        assert page.stat().st_size < 1_000_000, page


def test_batch_runs_are_rendered_lean(tmp_path, monkeypatch):
    """The batch writes its plotly.min.js before its runs, and the workers render each run's
    report with the reference: the batch page finds no inline copy left to swap out (it used
    to read back and rewrite every run's 4.8 MB page)."""
    from optimizer.report import shared_js

    swapped = []
    real = shared_js.share_plotly_in_batch
    monkeypatch.setattr(shared_js, "share_plotly_in_batch",
                        lambda folder, runs: swapped.append(real(folder, runs)) or swapped[-1])
    base = tmp_path / "micro.xlsx"
    write_workbook(micro_sheets(), base)
    f = write_batch(tmp_path / "b.xlsx", base, [{"run": "a"}],
                    sweeps=[{"sweep": "capex", "sheet": "modules", "key": "j",
                             "column": "capex_usd", "range": "0..600:2"}])
    out = tmp_path / "out"
    res = RUNNER.invoke(app, ["batch", str(f), "--out", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert swapped == [0]  # called once, for the batch page, with nothing to swap
    pages = sorted(out.glob("runs/*/report.html"))
    assert len(pages) == 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<script id="plotly-js" src="../../plotly.min.js"></script>' in text, page
        assert not re.search(r"plotly\.js v\d", text), page


def test_single_report_stays_self_contained_after_rerender(batch_dir, tmp_path):
    """A run folder copied out of its batch is re-rendered with its own plotly.js."""
    alone = tmp_path / "alone"
    shutil.copytree(batch_dir / "runs" / "baseline", alone)
    res = RUNNER.invoke(app, ["report", str(alone)])
    assert res.exit_code == 0, res.output
    text = (alone / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"plotly\.js v\d", text)) == 1
    assert not re.search(r"<script[^>]+src=", text)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y "
                                             "chromium); .ci/run installs it")
def test_run_report_in_batch_draws_with_the_shared_plotly(batch_dir, tmp_path):
    page = batch_dir / "runs" / "baseline" / "report.html"
    res = _chromium(tmp_path, page.as_uri(), "--dump-dom")
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    assert "data-js-errors" not in dom.split("<body", 1)[1].split(">", 1)[0]
    charts = re.findall(r'<div class="chart[^"]*" id="chart-([a-z0-9-]+)"[^>]*>(.*?)</script>',
                        dom, flags=re.S)
    assert len(charts) >= 4
    empty = {k for k, inner in charts if "<svg" not in inner}
    assert not empty, empty


def test_builds_decided_in_several_nodes_read_once():
    """'1×A@P1' listed for two scenario nodes is one build decided in two nodes; B stays."""
    from optimizer.report.batch_html import merge_builds

    assert merge_builds("1×A@P1; 1×A@P1; 1×B@P2") == "1×A@P1 (in 2 scenario nodes); 1×B@P2"
    assert merge_builds("1×B@P2") == "1×B@P2"


def test_cost_chart_tilts_labels_only_when_they_would_overlap():
    """Six sweep runs named like ``export_quotas[CHN,Dy].cap_t=20%`` (31 characters, about
    31 × 7 = 217 px) share 1,000 px of plot, 167 px a bar: tilted. Three 10-character names
    (70 px of 333) stay level; seven runs are tilted whatever their names."""
    from optimizer.report.batch_page import _crowded

    assert _crowded(["export_quotas[CHN,Dy].cap_t=20%"] * 6)
    assert not _crowded(["r" * 10] * 3)
    assert _crowded(["r"] * 7)
