"""The HTML report renders in headless Chromium without errors; the screenshot is kept."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from grading_helpers import grade_recorded
from recorded_host import RecordedHost
from requires import skip_unless_program

from stacklab import outputs
from stacklab.grading.model import ClassReport
from stacklab.outputs.html import render_lab
from stacklab.settings import load_settings

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "grading"


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    skip_unless_program(CHROMIUM, package="chromium")
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--no-first-run",
                           "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp}/profile",
                           *args], capture_output=True, text=True, timeout=120)


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
            or "Failed to load resource" in line]


@pytest.fixture(scope="module")
def report() -> ClassReport:
    settings = load_settings()
    good = replace(grade_recorded(RecordedHost(settings)), name="alice")
    state = RecordedHost(settings)
    state.pvs[0]["pv_name"] = "/dev/sdc"
    state.bodies["compute_services"][2]["state"] = "down"
    state.ping_ok = False
    broken = replace(grade_recorded(state, "3-9,13"), name="bob <script>alert(1)</script>")
    gone = replace(good, name="carol", status="unreachable", reason="10.0.0.3:22: connection "
                   "refused", checks=[replace(c, points=0, status="error", found="refused")
                                      for c in good.checks])
    return ClassReport(labs=good.labs, hosts=[good, broken, gone])


def test_class_report_renders_without_errors(report, tmp_path):
    page = tmp_path / "grades.html"
    page.write_text(outputs.formats()["html"].render(report))
    shot = tmp_path / "report.png"
    run = chromium(f"--screenshot={shot}", "--window-size=1400,2200", page.as_uri(),
                   tmp=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    assert console_errors(run.stderr) == []
    dom = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert "bob &lt;script&gt;" in dom.stdout and "<script>alert" not in dom.stdout
    assert "is on /dev/sdc, not on /dev/sdb" in dom.stdout and "XXX" in dom.stdout
    assert "connection refused" in dom.stdout
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "class-report.png")
    shutil.copy(page, ARTIFACTS / "class-report.html")


def test_notebook_table_renders(report, tmp_path):
    page = tmp_path / "lab.html"
    page.write_text("<!DOCTYPE html><meta charset=utf-8><body>"
                    + render_lab(report.hosts[1], 7) + "</body>")
    shot = tmp_path / "lab.png"
    run = chromium(f"--screenshot={shot}", "--window-size=1000,500", page.as_uri(),
                   tmp=tmp_path)
    assert run.returncode == 0 and console_errors(run.stderr) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "lab-07.png")
