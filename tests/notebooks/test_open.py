"""`stacklab notebooks open` (the last command of `tox -e lab`) picks the set of notebooks
made for the lab host that is up."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from stacklab.hosts.target import Target, write_lab_state

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path))
    return tmp_path


def command(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "open",
                           "--print-command", *args], capture_output=True, text=True,
                          check=False, env={**os.environ, "STACKLAB_ROOT": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return shlex.split(proc.stdout)


def folder(cmd: list[str]) -> Path:
    return Path(next(a for a in cmd if a.startswith("--ServerApp.root_dir=")).split("=", 1)[1])


def test_without_a_recorded_host_the_vms_set_opens(state):
    cmd = command()
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert folder(cmd) == ROOT / "notebooks"
    assert ("--ServerApp.allow_root=True" in cmd) == (os.geteuid() == 0)


def test_a_container_lab_host_opens_the_containers_set(state):
    write_lab_state(Target(hostname="127.0.0.1", port=2440, kind="container"),
                    container="slp-lab")
    assert folder(command()) == ROOT / "notebooks" / "container"
    assert folder(command("--instructor")) == ROOT / "solutions" / "notebooks" / "container"
    assert folder(command("--provider", "vagrant")) == ROOT / "notebooks"
    assert command("--no-browser", "--port", "8899")[-3:] == ["--no-browser", "--port", "8899"]


def test_a_vm_recorded_by_up_opens_the_vms_set(state):
    write_lab_state(Target(hostname="127.0.0.1", port=2222, kind="vagrant"),
                    vagrant_provider="libvirt")
    assert folder(command()) == ROOT / "notebooks"


def test_an_unknown_provider_is_one_line(state):
    proc = subprocess.run([sys.executable, "-m", "stacklab", "notebooks", "open",
                           "--provider", "nowhere"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2 and "known: vagrant, container" in proc.stderr
    assert "Traceback" not in proc.stderr
