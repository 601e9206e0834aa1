"""Fixtures for the lab host's integration tests: root, the cached box, free ports, and a
snapshot of what exists on this machine (to prove that `down` leaves nothing behind)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from requires import CONTAINER_PATH, skip_unless_programs, skip_unless_root

from stacklab.labhost.box import build_box
from stacklab.labhost.steps import Steps

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def root_required() -> None:
    skip_unless_root("the lab host tests make namespaces, loop devices, containers")
    skip_unless_programs(*CONTAINER_PATH)


@pytest.fixture(scope="session")
def box(root_required):
    """The offline box, built once (cold the first time on a machine) and then cached."""
    return build_box(steps=Steps("box (test)"), vagrant=False)


@pytest.fixture(scope="module")
def lab(request, box, tmp_path_factory):
    """A booted container lab host for the module, named by the module's NAME."""
    from stacklab.labhost import container

    name = request.module.NAME
    os.environ.setdefault("STACKLAB_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    target = container.up(name=name, ssh_port=_free_port(), record=False)
    yield target
    container.down(name=name, timeout=60)


@pytest.fixture
def free_port():
    return _free_port


@pytest.fixture
def snapshot():
    return _snapshot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _snapshot(name: str) -> dict[str, set[str]]:
    """Everything of this instance the kernel knows about, by kind."""
    netns = set(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else set()
    loops = subprocess.run(["losetup", "--noheadings", "--output", "NAME,BACK-FILE"],
                           capture_output=True, text=True, check=False).stdout.splitlines()
    with open("/proc/self/mountinfo") as info:
        mounts = {line.split()[4] for line in info}
    procs = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if name in cmd or "systemd-nspawn" in cmd:
            procs.add(f"{pid} {cmd}")
    cgroups = set()
    for top in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"):
        if os.path.isdir(top):
            cgroups |= {f"{top}/{d}" for d in os.listdir(top) if name in d}
    veths = subprocess.run(["ip", "-o", "link", "show", "type", "veth"], capture_output=True,
                           text=True, check=False).stdout.splitlines()
    return {
        "netns": {n for n in netns if n.startswith(name)},
        "loop devices": {line for line in loops if name in line},
        "mounts": {m for m in mounts if name in m},
        "processes": procs,
        "cgroups": cgroups,
        "veths on this machine": {v.split(":")[1].strip() for v in veths},
    }
