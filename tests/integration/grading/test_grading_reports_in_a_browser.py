"""The HTML report and a notebook's `%check` table, looked at in headless Chromium.

The class report at 1400 px (a desktop) and at 390 px as a phone (device emulation, so the
viewport meta is what decides the layout), the `%check` table as it sits in a notebook.
Screenshots are kept in the folder the test prints (CI keeps it as an artifact) so a person
can look.
"""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from grading_helpers import grade_recorded
from recorded_host import RecordedHost

from stacklab import outputs
from stacklab.grading.model import ClassReport
from stacklab.outputs.html import render_lab
from stacklab.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))

from headless_chromium import available, chromium

pytestmark = pytest.mark.integration
ARTIFACTS = Path(os.environ.get("STACKLAB_ARTIFACTS",
                                Path(__file__).resolve().parents[3] / "artifacts")) / "grading"

PROBES = {
    "width": "document.documentElement.clientWidth",
    "overflow": "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    "font": "getComputedStyle(document.body).fontFamily",
    "text": "document.body.innerText",
    "styled": "getComputedStyle(document.querySelector('h1')).fontSize",
    "open_details": "document.querySelectorAll('details[open]').length",
    "details": "document.querySelectorAll('details').length",
}


def look(page: Path, width: int, height: int, mobile: bool, shot: str,
         probes: dict[str, str]) -> dict:
    """Open `page` at width × height (as a phone when `mobile`), keep a screenshot, and return
    the probes' values and the page's errors."""
    with chromium() as browser:
        for domain in ("Page", "Runtime", "Log"):
            browser.call(f"{domain}.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                     deviceScaleFactor=2 if mobile else 1, mobile=mobile)
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired", 60)
        values = {name: browser.evaluate(js, False) for name, js in probes.items()}
        size = browser.call("Page.getLayoutMetrics")["cssContentSize"]
        # the whole page (up to 8000 px), so a person sees every section
        clip = {"x": 0, "y": 0, "width": width, "height": min(size["height"], 8000),
                "scale": 1}
        png = browser.call("Page.captureScreenshot", format="png", clip=clip,
                           captureBeyondViewport=True)["data"]
        errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"
                  or (e.get("method") == "Log.entryAdded"
                      and e["params"]["entry"]["level"] == "error")]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / shot).write_bytes(base64.b64decode(png))
    return {**values, "errors": errors}


@pytest.fixture(scope="module", autouse=True)
def tell_where_the_screenshots_are(pytestconfig):
    """Say where the screenshots are, also when pytest captures the tests' output."""
    yield
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if capture and ARTIFACTS.is_dir():
        with capture.global_and_fixture_disabled():
            print(f"\nscreenshots of the grading reports: {ARTIFACTS} "
                  f"({', '.join(sorted(p.name for p in ARTIFACTS.glob('*.png')))})")


@pytest.fixture(scope="module")
def report() -> ClassReport:
    why = available()
    if why:  # a missing program is a skip naming its package (a failure under CI=true)
        pytest.skip(why)
    settings = load_settings()
    good = replace(grade_recorded(RecordedHost(settings)), name="alice")
    state = RecordedHost(settings)
    state.pvs[0]["pv_name"] = "/dev/sdc"
    state.bodies["compute_services"][2]["state"] = "down"
    state.ping_ok = False
    broken = replace(grade_recorded(state, "3-9,13"), name="bob <script>alert(1)</script>")
    # one check the kit could not judge, and two it blocked: shown apart from failures
    checks = list(broken.checks)
    first = next(i for i, c in enumerate(checks) if c.lab == 5)
    checks[first] = replace(checks[first], status="error", points=0,
                            found="Request to http://10.0.0.2:5000/v3/auth/tokens timed out")
    for i in (first + 1, first + 2):
        checks[i] = replace(checks[i], status="blocked", points=0,
                            blocked_by=checks[first].key)
    broken = replace(broken, checks=checks)
    gone = replace(good, name="carol", status="unreachable", reason="10.0.0.3:22: connection "
                   "refused", checks=[replace(c, points=0, status="error", found="refused")
                                      for c in good.checks])
    return ClassReport(labs=good.labs, hosts=[good, broken, gone])


def test_class_report_on_a_desktop(report, tmp_path):
    page = tmp_path / "grades.html"
    page.write_text(outputs.formats()["html"].render(report))
    seen = look(page, 1400, 2200, False, "class-report-1400.png", PROBES)
    assert seen["errors"] == []
    assert "Segoe UI" in seen["font"] and seen["styled"] == "24px"  # the <style> block works
    assert seen["overflow"] == 0
    text = seen["text"]
    assert "bob <script>alert(1)</script>" in text  # shown as text, never run
    assert "is on /dev/sdc, not on /dev/sdb" in text
    assert "could not be graded (unreachable)" in text
    assert "Checks the class fails most" in text
    assert "blocked by 05 " in text and "could not check" in text
    # passed checks are folded, and nothing is open by default
    assert seen["details"] >= 2 and seen["open_details"] == 0
    (ARTIFACTS / "class-report.html").write_text(page.read_text())


def test_class_report_on_a_phone(report, tmp_path):
    page = tmp_path / "grades.html"
    page.write_text(outputs.formats()["html"].render(report))
    probes = {**PROBES, "card": "getComputedStyle(document.querySelector("
                                "'table.checks td.detail')).display",
              "labs_shown": "getComputedStyle(document.querySelector("
                            "'table.class td.labcol')).display"}
    seen = look(page, 390, 844, True, "class-report-390.png", probes)
    assert seen["errors"] == []
    assert seen["width"] == 390  # the viewport meta: without it a phone lays out at 980 px
    assert seen["overflow"] == 0  # wide tables scroll inside their own box, not the page
    assert seen["card"] == "block"  # a check's row becomes a card on a phone
    assert seen["labs_shown"] == "none"  # the class table keeps student, status, total


def test_notebook_check_table_untrusted(report, tmp_path):
    """What JupyterLab shows of an untrusted output: no <style>, its own CSS that right-aligns
    and centres tables of rendered HTML (reproduced here), and the %check table still left."""
    lab_css = ("<style>.jp-RenderedHTMLCommon table{margin-left:auto;margin-right:auto}"
               ".jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{text-align:right}</style>")
    body = render_lab(report.hosts[1], 5)
    assert "<style" not in body
    page = tmp_path / "lab.html"
    page.write_text("<!DOCTYPE html><meta charset=utf-8>" + lab_css
                    + f'<body><div class="jp-RenderedHTMLCommon" style="width:900px">{body}'
                    "</div></body>")
    probes = {
        "left": "document.querySelector('div.stacklab-check').getBoundingClientRect().left"
                " - document.querySelector('.jp-RenderedHTMLCommon')"
                ".getBoundingClientRect().left",
        "margin": "getComputedStyle(document.querySelector('table.stacklab-check')).marginLeft",
        "align": "getComputedStyle(document.querySelector('table.stacklab-check td'))"
                 ".textAlign",
        "red": "getComputedStyle(document.querySelectorAll('table.stacklab-check tr')[2]"
               ".querySelector('td')).color",
        "text": "document.body.innerText",
    }
    seen = look(page, 1000, 600, False, "notebook-check-lab05.png", probes)
    assert seen["errors"] == [] and seen["left"] == 0 and seen["margin"] == "0px"
    assert seen["align"] == "left"
    # its colours are inline, not in a block an untrusted notebook strips
    assert seen["red"] in ("rgb(22, 121, 74)", "rgb(180, 35, 24)", "rgb(181, 71, 8)")
    assert "could not check" in seen["text"] and "blocked by 05 " in seen["text"]


def test_every_verdict_has_its_mark(report):
    html = outputs.formats()["html"].render(report)
    marks = {c.status for h in report.hosts for c in h.checks}
    assert {"passed", "failed", "error", "blocked"} <= marks
    for cls, mark in (("passed", "✔"), ("failed", "✘"), ("error", "!"), ("blocked", "⊘")):
        assert f'<td class="{cls}">{mark}</td>' in html
