"""Headless Chromium driven over the DevTools protocol: load a page, collect what went wrong.

Only loopback is used (DevTools on 127.0.0.1) and every host name resolves to nothing, so
a page that tries to fetch anything from the network fails instead of reaching out.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from loopback_sshd import stop_process
from requires import missing_program

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def available() -> str | None:
    why = missing_program(CHROMIUM, "chromium")
    if why:
        return why
    try:
        import websocket  # noqa: F401
    except ImportError:
        return "websocket-client is not installed"
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)  # console errors and exceptions
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    values: dict[str, object] = field(default_factory=dict)


class Browser:
    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=90)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        self.ws.settimeout(90)
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == msg_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str, await_promise: bool) -> object:
        """The value of a JS expression; once more after a redirect (a login, say)."""
        for _ in range(3):
            try:
                result = self.call("Runtime.evaluate", expression=expression,
                                   returnByValue=True, awaitPromise=await_promise)
                return result.get("result", {}).get("value")
            except RuntimeError as exc:
                if "navigated" not in str(exc):
                    raise
                self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
                self.wait_for("Page.loadEventFired", 60)
        raise RuntimeError("the page kept navigating")

    def wait_for(self, method: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except Exception:  # the timeout: nothing more came
                break


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    profile = Path(tempfile.mkdtemp(prefix="sln-chromium-"))
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        browser = Browser(pages[0]["webSocketDebuggerUrl"])
        try:
            yield browser
        finally:
            browser.ws.close()
    finally:
        stop_process(proc)
        shutil.rmtree(profile, ignore_errors=True)


def load_page(url: str, probes: dict[str, str], *, await_promises: bool = False) -> PageReport:
    """Open `url`, wait for it to load, evaluate each probe (JS expression) and report."""
    report = PageReport()
    with chromium() as browser:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable")
        navigated = browser.call("Page.navigate", url=url)
        if navigated.get("errorText"):
            report.errors.append(f"navigation: {navigated['errorText']}")
        browser.wait_for("Page.loadEventFired", 60)
        browser.drain(1.5)  # late scripts and their errors
        for name, expression in probes.items():
            report.values[name] = browser.evaluate(expression, await_promises)
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                thrown = details.get("exception", {}).get("description") or details.get("text")
                report.errors.append(f"exception: {thrown}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                report.errors.append("console: " + " ".join(
                    str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                report.errors.append(f"log: {entry['text']} {entry.get('url', '')}")
            elif method == "Network.requestWillBeSent":
                report.requests.append(params["request"]["url"])
    return report


def screenshot_folder(tmp_path_factory, name: str) -> Path:
    """Where a test keeps its screenshots: $STACKLAB_SCREENSHOTS (CI keeps it as an
    artifact), else a temporary folder called `name`."""
    import os

    folder = Path(os.environ.get("STACKLAB_SCREENSHOTS") or tmp_path_factory.mktemp(name))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
