"""The README's lab command ends in `stacklab notebooks open`: JupyterLab opens on the set
of notebooks made for the lab host that is up, and their first cells run with no setup (the
magics load from the notebook's first cell)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from headless_chromium import available as chromium_missing
from headless_chromium import load_page
from loopback_sshd import free_port, stop_process
from server_ready import wait_until_started

from stacklab.catalog import LABS, lab
from stacklab.hosts.target import Target
from stacklab.notebooks.builder import output_path

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`stacklab notebooks open` (as `tox -e lab` runs it), in a copy of the kit whose
    state file records a container lab host, as `stacklab up --provider container` does."""
    pytest.importorskip("jupyterlab")
    pytest.importorskip("websocket")
    kit = tmp_path_factory.mktemp("sln-jupyterlab")
    shutil.copytree(ROOT / "notebooks", kit / "notebooks")  # JupyterLab may write in there
    state = kit / "state"
    state.mkdir()
    host = Target(hostname="127.0.0.1", port=free_port(), kind="container", name="slp-x")
    (state / "lab.json").write_text(json.dumps({"target": host.to_dict(),
                                                "container": "slp-x"}))
    port = free_port()
    log = kit / "jupyter.log"
    env = {**os.environ, "STACKLAB_NOTEBOOK_TARGET": "dry-run", "STACKLAB_ROOT": str(kit),
           "STACKLAB_STATE_DIR": str(state),
           "JUPYTER_CONFIG_DIR": str(kit / ".config"),
           "JUPYTER_RUNTIME_DIR": str(kit / ".runtime")}
    proc = subprocess.Popen(  # `open` execs JupyterLab: proc is the server itself
        [sys.executable, "-m", "stacklab", "notebooks", "open", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_started(proc, base, TOKEN, log, "jupyter lab")
        yield base
    finally:
        stop_process(proc, grace=20)


def get(base: str, path: str, data: dict | None = None) -> dict:
    request = urllib.request.Request(
        base + path, data=json.dumps(data).encode() if data is not None else None,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def execute(ws, code: str) -> tuple[str, list[dict]]:
    """Run code in the kernel; (status of the reply, the iopub messages of that request,
    each with the time it arrived under '_at')."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    status, outputs, idle = None, [], False
    while status is None or not idle:
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        if kind == "execute_reply":
            status = message["content"]["status"]
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "display_data", "error", "execute_result"):
            outputs.append({**message["content"], "_at": time.monotonic()})
    return status, outputs


def test_the_lab_opens_the_notebooks_of_the_host_that_is_up(server):
    listing = get(server, "/api/contents/")
    names = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert names == sorted(f"{one.name}.ipynb" for one in LABS)
    model = get(server, f"/api/contents/{output_path(ROOT, lab(7), 'learner').name}")
    assert model["content"]["metadata"]["stacklab"]["provider"] == "container"


def test_a_notebook_opens_and_its_first_cells_run(server):
    import websocket

    name = output_path(ROOT, lab(3), "learner").name
    model = get(server, f"/api/contents/{name}")
    cells = [c for c in model["content"]["cells"] if c["cell_type"] == "code"]
    session = get(server, "/api/sessions", {"path": name, "type": "notebook", "name": name,
                                             "kernel": {"name": "python3"}})
    ws_url = server.replace("http", "ws") + f"/api/kernels/{session['kernel']['id']}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {TOKEN}"],
                                     timeout=60)
    try:
        status, outputs = execute(ws, cells[0]["source"])  # %load_ext + %vm_target
        assert status == "ok"
        assert "%%vm runs on: dry run" in "".join(o.get("text", "") for o in outputs)
        for cell in cells[1:4]:  # the first steps: the magics run them
            status, outputs = execute(ws, cell["source"])
            assert status == "ok", outputs
            assert not [o for o in outputs if "ename" in o]
    finally:
        ws.close()


def test_a_cells_output_reaches_the_browser_as_it_comes(server):
    """Streaming through a real kernel: the first line arrives before the command ends."""
    import websocket

    session = get(server, "/api/sessions", {"path": "stream.ipynb", "type": "notebook",
                                             "name": "stream.ipynb",
                                             "kernel": {"name": "python3"}})
    ws_url = server.replace("http", "ws") + f"/api/kernels/{session['kernel']['id']}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {TOKEN}"],
                                     timeout=60)
    try:
        assert execute(ws, "%load_ext stacklab.notebooks.magics\n%vm_target local")[0] == "ok"
        status, outputs = execute(ws, "%%vm\necho first; sleep 2; echo second")
    finally:
        ws.close()
    assert status == "ok"
    streams = [o for o in outputs if o.get("name") == "stdout"]
    text = "".join(o["text"] for o in streams)
    assert text == "first\nsecond\n"
    first = next(o for o in streams if "first" in o["text"])
    second = next(o for o in streams if "second" in o["text"])
    assert second["_at"] - first["_at"] >= 1.5


def test_jupyterlab_shows_the_notebook_without_errors(server):
    if chromium_missing():
        pytest.skip(chromium_missing())
    name = output_path(ROOT, lab(1), "learner").name
    # wait until JupyterLab has drawn the notebook (it draws only the cells in view)
    report = load_page(f"{server}/lab/tree/{name}?token={TOKEN}", {"shown": """
        new Promise(done => { const t0 = Date.now(); (function poll() {
          const cells = document.querySelectorAll('.jp-Notebook .jp-Cell').length;
          const h1 = document.querySelector('.jp-Notebook h1');
          if ((cells >= 3 && h1) || Date.now() - t0 > 45000)
            done({cells: cells, title: h1 ? h1.textContent : null});
          else setTimeout(poll, 250);
        })(); })"""}, await_promises=True)
    shown = report.values["shown"]
    assert shown["cells"] >= 3 and shown["title"].startswith("Lab 1"), shown
    assert all(url.startswith(server) or url.startswith(("data:", "blob:", "ws:"))
               for url in report.requests), [u for u in report.requests
                                             if not u.startswith(server)]
    assert report.errors == []
