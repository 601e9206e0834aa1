"""How a `%check` table looks where a learner reads it, said one way for every renderer.

JupyterLab 4, Notebook 7 and nbconvert's HTML draw a notebook's HTML output inside their
own `.jp-OutputArea-output` with JupyterLab's CSS, which centres tables and right-aligns
their cells, and in an untrusted notebook JupyterLab's sanitizer drops <style> blocks. One
notebook (`check_notebook`) holds a `%check 5` output and, as a control, the same table
styled by a <style> block and classes; `PROBE` (run in the page) measures every output
table in the dark theme; `problems` says what a learner would see wrong in one of them:
not at the left, cells not left-aligned, a verdict mark not in its colour, text that does
not stand out from its background (a table without a background of its own is dark on
dark in a dark theme).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
from headless_chromium import chromium
from loopback_sshd import free_port, stop_process
from server_ready import wait_until_started

from stacklab.grading.model import CheckResult, RunResult
from stacklab.outputs._common import MARK
from stacklab.outputs.html import COLOR, CSS, _table, render_lab

LAB = 5
# JupyterLab's (and Notebook 7's) user settings for the run: the dark theme, no news
SETTINGS = {
    "@jupyterlab/apputils-extension/themes": {"theme": "JupyterLab Dark"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def lab_result() -> RunResult:
    """A lab 5 run with a check of each colour a learner meets first: passed, failed (with
    its hint), blocked by the failed one, not verified."""
    failed = CheckResult(lab=LAB, id="image_registered", title="the cirros image is active",
                         points=0, max=2, status="failed", found="no image named cirros",
                         hint="upload it with openstack image create")
    return RunResult(name="lab", url="ssh://vagrant@127.0.0.1:22", labs=[LAB], checks=[
        CheckResult(lab=LAB, id="glance_answers", title="Glance answers on port 9292",
                    points=2, max=2, status="passed", message="HTTP 200 from /v2/images"),
        failed,
        CheckResult(lab=LAB, id="image_downloads", title="the image downloads", points=0,
                    max=1, status="blocked", blocked_by=failed.key),
        CheckResult(lab=LAB, id="kvm_format", title="the image boots under KVM", points=0,
                    max=0, status="not-verified",
                    found="not verified on this host: no /dev/kvm"),
    ])


def check_notebook(path: Path) -> None:
    """An unsigned (so untrusted) notebook: the `%check` output, then the control."""
    run = lab_result()
    control = f"<style>{CSS}</style>" + str(_table(run, run.checks, [LAB], False))
    cells = [nbformat.v4.new_markdown_cell("# The %check table", id="title")]
    for i, (source, html) in enumerate(((f"%check {LAB}", render_lab(run, LAB)),
                                        ("# the same table styled by a <style> block", control))):
        cell = nbformat.v4.new_code_cell(source, id=f"output{i}")
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/html": html, "text/plain": f"<lab {LAB} checks>"})]
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"}}
    nbformat.write(nb, path)


# Runs in the page (an async function's body is awaited): wait until both outputs are drawn
# in the dark theme, then measure each output's table as the browser computed it.
PROBE = """
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const outputs = () => [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => o.querySelector('table'));
  const t0 = Date.now();
  while ((outputs().length < 2 || document.body.dataset.jpThemeLight !== 'false')
         && Date.now() - t0 < 90000) await sleep(200);
  await sleep(500);  // the theme's CSS settles
  const rgba = s => {
    const m = /rgba?\\(([^)]*)\\)/.exec(s);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  // the colour behind an element: its own and its ancestors' backgrounds, composed
  const behind = el => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let rgb = [255, 255, 255];
    for (const c of layers.reverse()) rgb = rgb.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return rgb.map(Math.round);
  };
  const text = el => el.innerText.trim().slice(0, 60);
  return {
    light: document.body.dataset.jpThemeLight,
    outputs: outputs().map(o => {
      const table = o.querySelector('table');
      const box = o.getBoundingClientRect(), cs = getComputedStyle(o);
      const edge = box.left + parseFloat(cs.paddingLeft) + parseFloat(cs.borderLeftWidth);
      const at = table.getBoundingClientRect();
      return {
        styles: o.querySelectorAll('style').length,
        offset: at.left - edge,
        spare: box.width - at.width,
        rows: [...table.querySelectorAll('tr')].map(tr => [...tr.children].map(cell => ({
          text: text(cell), align: getComputedStyle(cell).textAlign,
          color: rgba(getComputedStyle(cell).color).slice(0, 3)}))),
        texts: [...table.querySelectorAll('th, td, span')].filter(e => text(e)).map(e => ({
          text: text(e), color: rgba(getComputedStyle(e).color).slice(0, 3),
          behind: behind(e)})),
      };
    }),
  };
})()
"""


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def _luminance(rgb: list[int]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[int], b: list[int]) -> float:
    """WCAG's contrast ratio of two colours (1 to 21; body text wants 4.5)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def problems(seen: dict) -> list[str]:
    """What a learner would see wrong in one measured output table, one line each."""
    found = []
    if seen["spare"] < 100:
        found.append(f"the output is {seen['spare']:.0f} px wider than the table: too narrow "
                     "to tell left from centred")
    if seen["offset"] > 16:
        found.append(f"the table stands {seen['offset']:.0f} px right of the output's left "
                     "edge (centred)")
    header = [cell["text"] for cell in seen["rows"][0]]
    numbers = header.index("Points") if "Points" in header else -1
    for r, row in enumerate(seen["rows"]):
        for i, cell in enumerate(row):
            if cell["align"] not in ("left", "start") and not (r and i == numbers):
                found.append(f"{cell['text']!r} is aligned {cell['align']}")
    marks = {mark: verdict for verdict, mark in MARK.items()}
    shown = set()
    for row in seen["rows"][1:]:
        verdict = marks.get(row[0]["text"]) if row else None
        if verdict:
            shown.add(verdict)
            if row[0]["color"] != _rgb(COLOR[verdict]):
                found.append(f"the {verdict} mark {row[0]['text']} is rgb{tuple(row[0]['color'])}"
                             f", not {COLOR[verdict]}")
    missing = {"passed", "failed", "blocked"} - shown
    if missing:
        found.append(f"no row marked {', '.join(sorted(missing))}")
    for item in seen["texts"]:
        ratio = contrast(item["color"], item["behind"])
        if ratio < 4.5:
            found.append(f"{item['text']!r}: rgb{tuple(item['color'])} on "
                         f"rgb{tuple(item['behind'])}, contrast {ratio:.1f}")
    return found


def look_at(url: str, shot: Path) -> dict:
    """Open `url` at 1400 px in headless Chromium, run PROBE, keep a screenshot at `shot`."""
    with chromium() as browser:
        for domain in ("Page", "Runtime"):
            browser.call(f"{domain}.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000,
                     deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=url)
        browser.wait_for("Page.loadEventFired", 90)
        seen = browser.evaluate(PROBE, True)
        shot.write_bytes(base64.b64decode(
            browser.call("Page.captureScreenshot", format="png")["data"]))
    return seen


@contextlib.contextmanager
def jupyter(module: str, root: Path, token: str) -> Iterator[str]:
    """`python -m <module>` (jupyterlab or notebook) serving `root` on loopback with the
    SETTINGS; yields its base URL."""
    for name, values in SETTINGS.items():
        path = root / ".settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    log = root / ".jupyter.log"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"),
           "JUPYTER_DATA_DIR": str(root / ".data"),  # its own notary: nothing is trusted
           "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces")}
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--no-browser", f"--ServerApp.root_dir={root}",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_started(proc, base, token, log, module)
        yield base
    finally:
        stop_process(proc, grace=20)
