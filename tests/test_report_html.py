"""report.html opens offline in headless Chromium, draws every chart and logs no JS error.

Uses the micro-instance of ``test_report_sentences`` (one element Dy, two scenarios, one build,
cost USD 5,600). The page is loaded from a local file with networking features off and a
fresh profile; ``--dump-dom`` prints the DOM after scripts ran, so each ``div.chart`` must hold
an ``<svg`` drawn by plotly.js (inlined once in the file). Console errors are read from
Chromium's stderr log (``--enable-logging=stderr``) and from the page's own error counter
(``data-js-errors`` on ``<body>``). A screenshot is saved to the test's tmp folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_report_sentences import solve_micro

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium); .ci/run "
                             "installs it")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
         "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0"]

EXPECTED_CHARTS = {"build-timeline", "cost-breakdown", "sankey-dy", "hhi-processed", "hhi-mined",
                   "scenarios"}


def _chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    run_dir = solve_micro(tmp)
    return run_dir / "report.html", tmp


def test_self_contained_no_network_references(page):
    path, _ = page
    text = path.read_text(encoding="utf-8")
    # plotly.js is inlined exactly once; nothing is loaded from elsewhere.
    assert text.count("Plotly.newPlot") >= len(EXPECTED_CHARTS)
    assert len(re.findall(r"plotly\.js v\d", text)) == 1
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "cdn.plot.ly" not in text.split("</head>", 1)[1]


def test_charts_render_without_console_errors(page):
    path, tmp = page
    res = _chromium(tmp, path.as_uri(), "--dump-dom")
    dom = res.stdout
    assert "<body" in dom, res.stderr[-2000:]
    assert "data-js-errors" not in dom.split("<body", 1)[1].split(">", 1)[0]
    console = [ln for ln in res.stderr.splitlines()
               if "CONSOLE" in ln or "Uncaught" in ln or ":ERROR:" in ln and "javascript" in ln]
    assert not [ln for ln in console if "error" in ln.lower() or "Uncaught" in ln], console
    charts = re.findall(r'<div class="chart[^"]*" id="chart-([a-z0-9-]+)"[^>]*>(.*?)</script>',
                        dom, flags=re.S)
    drawn = {key for key, inner in charts if "<svg" in inner}
    assert EXPECTED_CHARTS <= {key for key, _ in charts}
    assert drawn == {key for key, _ in charts}, {key for key, _ in charts} - drawn
    # The Sankey really drew flows (link paths), not an empty frame.
    sankey = dict(charts)["sankey-dy"]
    assert sankey.count('class="sankey-link"') >= 3


def test_screenshot(page):
    path, tmp = page
    shot = tmp / "report.png"
    res = _chromium(tmp, path.as_uri(), "--window-size=1280,6000", f"--screenshot={shot}")
    assert shot.exists() and shot.stat().st_size > 20_000, res.stderr[-2000:]
    print(f"screenshot: {shot}")


def test_footer_names_the_run_folder_not_its_temporary_name(page):
    """Outputs are rendered in a temporary folder renamed into place (optimizer/output.py):
    the report must name the folder the reader has, 'run', never the temporary one."""
    html = page[0].read_text(encoding="utf-8")
    assert "run folder &#39;run&#39;" in html
    assert ".tmp-" not in html
