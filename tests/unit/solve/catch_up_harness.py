"""What the catch-up script tests share: a fake CLI on PATH, bash running a step's rendered
commands the way the transport does, and `converge`, the runner's sequence for one step.

A test module brings its own fake (a Python program standing in for `openstack`, or any
other command) and a fixture that installs it with :func:`install_fake`; the fake keeps
its state in FAKE_CLOUD/cloud.json and appends every change it makes to FAKE_CLOUD/log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stacklab.solve.catalog import lab_solution
from stacklab.solve.transport import Result


def install_fake(folder: Path, source: str = "", *commands: str) -> Path:
    """``commands`` (default: openstack) on folder/bin run the Python program ``source``
    (none: only sudo), which finds the command's name in FAKE_COMMAND; `sudo` there runs
    its command as it is."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(exist_ok=True)
    names = commands or ("openstack",)
    stub = folder / f"fake_{names[0]}.py"
    for name in names if source else ():
        stub.write_text(source)
        (bin_dir / name).write_text(f"#!/bin/sh\nFAKE_COMMAND={name} exec {sys.executable} "
                                    f"{stub} \"$@\"\n")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    log = folder / "log"
    if not log.exists():
        log.write_text("")
    return folder


def bash(cloud: Path, script: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAKE_CLOUD": str(cloud),
           "PATH": f"{cloud / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", f"exec 2>&1\nset -eo pipefail\n{script}"], env=env,
                          capture_output=True, text=True, check=False)


def converge(cloud: Path, step) -> tuple[str, list[str]]:
    """As the runner does: check red, ask, apply, check green; then apply changes nothing."""
    assert bash(cloud, step.check).returncode != 0, "the check must see the mistake"
    asked = bash(cloud, step.asks).stdout.strip() if step.asks else ""
    for command in step.apply:
        done = bash(cloud, command)
        assert done.returncode == 0, done.stdout
    checked = bash(cloud, step.check)
    assert checked.returncode == 0, checked.stdout
    changes = (cloud / "log").read_text().splitlines()
    for command in step.apply:
        bash(cloud, command)
    assert (cloud / "log").read_text().splitlines() == changes, "a second apply changed more"
    return asked, changes


class LocalBash:
    """A transport for `plan_text` (solve --dry-run on a host): bash here, on the fakes."""

    description = "the fakes"

    def __init__(self, cloud: Path) -> None:
        self.cloud = cloud
        self.ran: list[str] = []

    def run(self, script: str, *, timeout: float | None = None,
            read_only: bool = False) -> Result:
        self.ran.append(script)
        done = bash(self.cloud, script)
        return Result(done.returncode, done.stdout, 0.0)

    def close(self) -> None:
        pass


def step_of(solutions, lab: int, sid: str):
    return next(s for s in lab_solution(solutions, lab).steps if s.id == sid)
