"""Every notebook of every set, as a learner or an instructor sees it in a real JupyterLab.

One JupyterLab server on copies of notebooks/, notebooks/container/, solutions/notebooks/
and solutions/notebooks/container/; one headless Chromium opens the notebooks one after
another and reads the rendered page: no raw HTML tags or entities in the text, no math
typeset where a command stands, both columns of every 2012/2025 table present and
non-empty. nbconvert's HTML rendered the old tables fine; only JupyterLab's Markdown
renderer (math set aside before Markdown, HTML blocks ended by blank lines) showed them
broken, so this runs in JupyterLab itself. A notebook made the old way is opened too, and
must be caught. A screenshot of each notebook (its first step table) goes to a folder the
test prints (STACKLAB_SCREENSHOTS, or a temporary one): CI keeps it as an artifact.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from headless_chromium import available as chromium_missing
from headless_chromium import chromium, screenshot_folder
from loopback_sshd import free_port, stop_process
from server_ready import wait_until_started

from stacklab.catalog import LABS
from stacklab.notebooks.builder import AUDIENCES, notebook_folder
from stacklab.notebooks.sync import kinds

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
TOKEN = uuid.uuid4().hex
CONTROL = "old-way/12-launch-instance.ipynb"  # made with the HTML <pre> table of before

SETTINGS = {  # JupyterLab user settings for the run
    # draw every cell, not only those in view, so every table can be read
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none",
                                               "kernelShutdown": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}

# Runs in the page: open one notebook, wait until every Markdown cell is drawn (and
# typesetting had its chance), read what it shows, screenshot position, close it.
OPEN = """
(async (path) => {
  const app = window.jupyterapp;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.revealed;
  const t0 = Date.now();
  const cells = () => panel.content.widgets.filter(c => c.model.type === 'markdown');
  const drawn = () => [...panel.node.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]
      .filter(n => n.childElementCount > 0).length;
  while (drawn() < cells().length && Date.now() - t0 < 60000) await sleep(100);
  await sleep(400);  // MathJax typesets after the Markdown is drawn
  const rendered = [...panel.node.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')];
  const tables = [...panel.node.querySelectorAll('.jp-RenderedMarkdown table')]
    .filter(t => (t.querySelector('th') || {}).textContent === 'OpenStack 2025.1: today')
    .map(t => [...t.querySelectorAll('tbody td')].map(td => td.innerText.trim()));
  const first = panel.node.querySelector('.jp-RenderedMarkdown table');
  if (first) first.scrollIntoView({block: 'center'});
  await sleep(150);
  return {markdown: cells().length, drawn: drawn(), ms: Date.now() - t0,
          text: rendered.map(n => n.innerText),
          math: panel.node.querySelectorAll(
            '.jp-RenderedMarkdown mjx-container, .jp-RenderedMarkdown .MathJax').length,
          tables: tables,
          lists: [...panel.node.querySelectorAll('.jp-RenderedMarkdown ol[start]')]
            .filter(ol => ol.getAttribute('start') !== '1').map(ol => ol.innerText.slice(0, 80))};
})(%s)
"""
CLOSE = """
(async () => {
  const app = window.jupyterapp;
  for (const w of [...app.shell.widgets('main')]) {
    if (w.sessionContext) await w.sessionContext.shutdown();
    w.dispose();
  }
  return true;
})()
"""
RAW_TAG = r"</?(?:pre|td|tr|th|table|tbody|thead|em|code|b|br|p|div|span)\b[^<>]*>"
ENTITY = r"&(?:#x?[0-9a-fA-F]+|[a-zA-Z]+);"


def every_notebook() -> list[str]:
    paths = []
    for provider in kinds():
        for audience in AUDIENCES:
            folder = notebook_folder(Path("."), audience, provider)
            paths += [str(folder / f"{lab.name}.ipynb") for lab in LABS]
    return paths


def old_way_notebook(kit: Path) -> None:
    """Step 12.3 as the builder wrote it before: <pre> cells with HTML-escaped commands."""
    source = ("### Step 12.3\n\n<table>\n<thead><tr><th>OpenStack 2025.1: today</th>"
              "<th>Diablo: the 2012 tutorial</th></tr></thead>\n<tbody><tr><td><pre>"
              "openstack server create --security-group $(openstack security group list | "
              "awk &#x27;$2 == &quot;default&quot; {print $1}&#x27;) aims-vm1</pre></td><td>"
              "<pre>$ euca-run-instance –k aimsuser –t m1.tiny ami-00000002</pre></td></tr>"
              "</tbody>\n</table>\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source, id="old")])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"}}
    (kit / CONTROL).parent.mkdir(parents=True)
    nbformat.write(nb, kit / CONTROL)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    why = chromium_missing()
    if why:
        pytest.skip(why)
    kit = tmp_path_factory.mktemp("sln-render")
    shutil.copytree(ROOT / "notebooks", kit / "notebooks")
    shutil.copytree(ROOT / "solutions" / "notebooks", kit / "solutions" / "notebooks")
    old_way_notebook(kit)
    for name, values in SETTINGS.items():
        path = kit / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    log = kit / "jupyter.log"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(kit / ".config"),
           "JUPYTER_RUNTIME_DIR": str(kit / ".runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(kit / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(kit / "workspaces")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.root_dir={kit}",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_started(proc, base, TOKEN, log, "jupyter lab")
        yield base
    finally:
        stop_process(proc, grace=20)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return screenshot_folder(tmp_path_factory, "jupyterlab-screenshots")


def problems(seen: dict) -> list[str]:
    """What is wrong with one rendered notebook, one line each."""
    import re

    found = []
    if seen["drawn"] < seen["markdown"]:
        found.append(f"{seen['markdown'] - seen['drawn']} Markdown cells never drawn")
    for text in seen["text"]:
        for pattern, what in ((RAW_TAG, "raw HTML tag"), (ENTITY, "HTML entity")):
            for hit in re.findall(pattern, text):
                found.append(f"{what} shown as text: {hit!r} in {text[:80]!r}")
    if seen["math"]:
        found.append(f"{seen['math']} pieces of text typeset as math")
    for item in seen["lists"]:
        found.append(f"a number in a sentence read as a numbered list: {item!r}")
    for i, columns in enumerate(seen["tables"], 1):
        if len(columns) != 2 or not all(columns):
            found.append(f"2012/2025 table {i}: columns {columns!r}")
    return found


def test_every_notebook_renders_in_jupyterlab(jupyterlab, shots, capsys):
    paths = every_notebook()
    seen: dict[str, dict] = {}
    started = time.monotonic()
    with chromium() as browser:
        for domain in ("Page", "Runtime"):
            browser.call(f"{domain}.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000,
                     deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=f"{jupyterlab}/lab?token={TOKEN}")
        browser.wait_for("Page.loadEventFired", 90)
        ready = browser.evaluate("""new Promise(done => { const t0 = Date.now();
            (function poll() {
              if (window.jupyterapp) window.jupyterapp.restored.then(() => done(true));
              else if (Date.now() - t0 > 90000) done(false); else setTimeout(poll, 200);
            })(); })""", True)
        assert ready, "JupyterLab did not start in the browser (window.jupyterapp)"
        # drawing Markdown needs no kernel: open the notebooks without starting one each
        browser.evaluate("""(() => { const f = window.jupyterapp.docRegistry
            .getWidgetFactory('Notebook'); f._preferKernel = false;
            f._canStartKernel = false; return true; })()""", False)
        loaded = time.monotonic()
        for path in [*paths, CONTROL]:
            seen[path] = browser.evaluate(OPEN % json.dumps(path), True)
            shot = browser.call("Page.captureScreenshot", format="png")
            target = shots / (path.replace("/", "__").removesuffix(".ipynb") + ".png")
            target.write_bytes(base64.b64decode(shot["data"]))
            browser.evaluate(CLOSE, True)
    done = time.monotonic()
    with capsys.disabled():
        print(f"\nJupyterLab rendering: {len(paths)} notebooks (and the old-way control) in "
              f"{done - started:.0f} s (JupyterLab loaded in {loaded - started:.0f} s, "
              f"{(done - loaded) / (len(paths) + 1):.1f} s per notebook); screenshots in "
              f"{shots}")
    control = problems(seen.pop(CONTROL))
    assert any("raw HTML tag" in p or "entity" in p or "math" in p for p in control), \
        f"the old-way table was not caught: {control}"
    assert sum(len(s["tables"]) for s in seen.values()) > 100
    assert {path: problems(s) for path, s in seen.items() if problems(s)} == {}
