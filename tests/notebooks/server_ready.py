"""Waiting for a Jupyter server the notebook tests started (JupyterLab, Notebook 7, or
JupyterLab through `stacklab notebooks open`): one place that knows when it is ready."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from pathlib import Path


def wait_until_started(proc: subprocess.Popen, base: str, token: str, log: Path,
                       what: str, limit: float = 90) -> None:
    """Return once the server at `base` says it started; raise with its log's tail if it
    exits first or takes longer than `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        with contextlib.suppress(OSError):
            request = urllib.request.Request(base + "/api/status",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                if json.load(response)["started"]:
                    return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start: " + log.read_text()[-2000:])
        time.sleep(0.5)
