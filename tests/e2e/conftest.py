"""The end-to-end suite: one container lab host for the whole run, driven by the CLI.

Run as root (containers, namespaces, loop devices): `tox -e e2e`. As any other user every
test skips, and with CI=true that fails the run (tests/skip_rule.py). The files run in their
numbered order; each stage needs the one before it (a lab host solved up to lab 14).
At the end the suite prints its timing table and every check it could not verify here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from kit import LabHost, free_port
from requires import CONTAINER_PATH, skip_unless_programs, skip_unless_root

from stacklab.hosts.target import read_lab_state

NAME = "sl-e2e"


REUSE_ENV = "STACKLAB_E2E_REUSE"  # a state folder of a host already solved up to lab 14


@pytest.fixture(scope="session")
def lab(request) -> LabHost:
    """The box (built or cached), then `stacklab up --provider container`; down at the end."""
    skip_unless_root("the end-to-end suite makes containers, namespaces, loop devices")
    skip_unless_programs(*CONTAINER_PATH)
    if os.environ.get(REUSE_ENV):
        yield _reused(request, Path(os.environ[REUSE_ENV]))
        return
    state = Path(tempfile.mkdtemp(prefix="stacklab-e2e-", dir="/var/tmp"))
    # this process reads the same lab state as the `stacklab` commands it starts
    os.environ["STACKLAB_STATE_DIR"] = str(state)
    host = LabHost(NAME, state, free_port())
    request.config._stacklab_lab = host
    host.stacklab("down")  # a run that was killed may have left its instance behind
    box = host.stacklab("box", "build", timeout=1800)
    assert box.code == 0, f"stacklab box build failed:\n{box.tail()}"
    host.timings.add("box build (cached or built)", box.seconds)
    up = host.stacklab("up", "--provider", "container", timeout=600)
    host.timings.add("up", up.seconds)
    if up.code != 0:
        host.stacklab("down")
        pytest.fail(f"stacklab up --provider container failed:\n{up.tail()}")
    yield host
    down = host.stacklab("down", timeout=300)
    host.timings.add("down", down.seconds)
    shutil.rmtree(state, ignore_errors=True)


def _reused(request, state: Path) -> LabHost:
    """A developer's own solved host (STACKLAB_E2E_REUSE=its state folder), to run one later
    stage without 25 minutes of solving: taken as solved once a full check is green, and
    left running. Refused under CI: CI proves the whole chain from a fresh host."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{REUSE_ENV} is for a developer's machine; CI starts its own host")
    os.environ["STACKLAB_STATE_DIR"] = str(state)
    data = read_lab_state()  # the kit's own reader: its errors name the file
    if not data:
        pytest.fail(f"{state}: no lab state there (is that host's `stacklab up` state folder?)")
    host = LabHost(data.get("container") or NAME, state, int(data["target"]["port"]))
    request.config._stacklab_lab = host
    _, done = host.check("3-14")
    if done.red:
        pytest.fail(f"{state}: the reused host is not green: {done.describe(done.red)}")
    host.solved = True
    return host


@pytest.fixture(scope="session")
def solved(lab: LabHost) -> LabHost:
    """The lab host once the first stage solved every lab; later stages need it."""
    if not getattr(lab, "solved", False):
        pytest.fail("the lab host was not solved up to lab 14 (see the first failure)")
    return lab


CASES_ENV = "STACKLAB_E2E_CASES"  # break cases to run, by name (comma-separated); unset: all


def pytest_collection_modifyitems(config, items):
    """With STACKLAB_E2E_CASES set, only the break cases it names run (CI's time budget);
    the others are deselected, not skipped, and the summary names them."""
    wanted = os.environ.get(CASES_ENV)
    if not wanted:
        return
    names = {n.strip() for n in wanted.split(",") if n.strip()}
    dropped = [i for i in items if i.originalname.startswith("test_a_broken_host_")
               and i.callspec.id not in names]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]
        config._stacklab_dropped_cases = [i.callspec.id for i in dropped]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    dropped = getattr(config, "_stacklab_dropped_cases", [])
    if dropped:
        terminalreporter.section("stacklab e2e: break cases not run here")
        terminalreporter.write_line(f"  {CASES_ENV} chose the others; not run: "
                                    + ", ".join(dropped))
    _summary(terminalreporter, config)


def _summary(terminalreporter, config):
    host: LabHost | None = getattr(config, "_stacklab_lab", None)
    if host is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section("stacklab e2e: timings")
    for what, seconds in host.timings.rows:
        write(f"  {what:<44} {seconds:8.1f} s")
    total = sum(s for w, s in host.timings.rows)
    write(f"  {'total of the rows above':<44} {total:8.1f} s")
    terminalreporter.section("stacklab e2e: break and repair, per lab")
    write(f"  {'lab':<5} {'cases':>5} {'repaired':>9} {'seconds':>9}")
    for number in sorted({c.lab for c in host.cases}):
        mine = [c for c in host.cases if c.lab == number]
        write(f"  {number:<5} {len(mine):>5} {sum(c.repaired for c in mine):>9} "
              f"{sum(c.seconds for c in mine):>9.0f}")
    for case in host.cases:
        if not case.repaired:
            write(f"  not repaired: {case.name} (lab {case.lab})")
    judged = sorted(host.all_checks)
    write(f"checks seen red on a real host: {len(host.seen_red & host.all_checks)} / "
          f"{len(judged)}")
    never = [k for k in judged if k not in host.seen_red]
    if never:
        write("  never seen red here: " + ", ".join(never))
    terminalreporter.section("stacklab e2e: not verified on this host")
    if not host.not_verified:
        write("  none")
    for key, reason in sorted(host.not_verified.items()):
        write(f"  {key}: {reason}")

