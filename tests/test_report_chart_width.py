"""Every chart of report.html is drawn at the width its box ends up with, scrollbar or not.

Each chart is drawn by an inline script as the page is read, at the width of its ``div``
at that moment. With classic (space-taking) scrollbars, a window tall enough to hold the page
down to the first chart has no scrollbar yet when that chart is drawn; the scrollbar comes
once the rest of the page is read, and takes its width from ``main``. Plotly redraws only on
a window ``resize`` event, which a scrollbar does not send. At a 1,100 px window: ``main`` is
1,100 px (its max-width) at the first draw, 1,100 - 15 = 1,085 px after (Chromium's scrollbar
on Linux is 15 px); less its 2 x 32 px padding, the chart is drawn 1,036 px wide in a
1,021 px box. Its right 15 px are cut, and with them the build plan's last tilted year label,
which ends about 14 px inside the drawing's right edge (a 30° label of four 12 px digits reaches
about 26 px right of its tick, half a period's width left of the plot's edge; plotly's
automargin widens the 20 px right margin only as far as it needs). A window 1,300 px wide is
unaffected: ``main`` stays at 1,100 px with or without the scrollbar.

The test reads the micro-instance's page (``test_report_sentences``) twice in headless Chromium
without ``--hide-scrollbars``: first to find how tall the page is, then in a window 200 px
shorter than the page (so a scrollbar comes once it is read) and far taller than the page down
to its first chart (so none when that chart is drawn). Each chart's ``<svg>`` must then be as
wide as its ``div``, and every x tick label must end inside it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from test_report_html import CHROMIUM, pytestmark  # noqa: F401 - skipped without Chromium
from test_report_sentences import solve_micro

# test_report_html's flags without --hide-scrollbars: the scrollbar is what this test is about.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--virtual-time-budget=10000"]

WINDOW_PX = 1100
"""Wide enough for ``main``'s 1,100 px max-width only without a scrollbar (1,100 < 1,100 + 15)."""

MEASURE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var charts = [];
  document.querySelectorAll("div.chart").forEach(function (gd) {
    var svg = gd.querySelector("svg.main-svg"), box = gd.getBoundingClientRect();
    var labelRight = null;
    gd.querySelectorAll("g.xtick text").forEach(function (t) {
      labelRight = Math.max(labelRight === null ? -1e9 : labelRight,
                            t.getBoundingClientRect().right); });
    charts.push({key: gd.dataset.chart, div_px: box.width, div_right: box.right,
                 svg_px: svg ? svg.getBoundingClientRect().width : null,
                 label_right: labelRight, bottom: box.bottom + window.scrollY});
  });
  var out = document.createElement("pre");
  out.id = "chart-widths";
  out.textContent = JSON.stringify({charts: charts, window_px: window.innerWidth,
    page_px: document.documentElement.clientWidth,
    scroll_height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
}, 500); });
</script>
"""


def _measure(page: Path, profile: Path, height_px: int) -> dict:
    """Load ``page`` in a WINDOW_PX x ``height_px`` window and return what MEASURE wrote."""
    res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                          f"--window-size={WINDOW_PX},{height_px}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="chart-widths">(.*?)</pre>', res.stdout, flags=re.S)
    assert found, res.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.fixture(scope="module")
def measured_page(tmp_path_factory) -> Path:
    """Write the micro-instance's report.html with MEASURE appended (a copy) and return it."""
    tmp = tmp_path_factory.mktemp("chart_width")
    html = (solve_micro(tmp) / "report.html").read_text(encoding="utf-8")
    page = tmp / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    return page


def test_charts_drawn_before_the_scrollbar_fit_their_box(measured_page, tmp_path):
    """Every chart is as wide as its box, tick labels inside, in a window that grows a scrollbar.

    Before the fix the first chart (the build plan) was drawn 1,036 px wide in its 1,021 px box
    (module docstring) and the test failed on it.
    """
    probe = _measure(measured_page, tmp_path / "probe", 800)
    first_chart_bottom = probe["charts"][0]["bottom"]
    # The setting of the defect: a window shorter than the page (so a scrollbar comes), yet
    # well taller than the page down to its first chart (so none when that chart is drawn).
    height_px = int(probe["scroll_height"]) - 200
    assert height_px > first_chart_bottom + 300, probe

    page = _measure(measured_page, tmp_path / "tall", height_px)
    # A scrollbar took room (so main, at most WINDOW_PX wide, is narrower than without it).
    assert page["page_px"] < page["window_px"], "no scrollbar: nothing tested"
    for chart in page["charts"]:
        assert chart["svg_px"] == pytest.approx(chart["div_px"], abs=0.5), chart
        if chart["label_right"] is not None:
            assert chart["label_right"] <= chart["div_right"], chart
