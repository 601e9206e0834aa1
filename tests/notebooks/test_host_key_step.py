"""Step 13-host-key records the guest's host key, so later ssh from a %%vm cell (no terminal
to answer "yes") works: its check fails until the key is recorded, passes after its
commands ran, and fails again when the guest comes back with a new key (a new instance
on the same floating IP), which the commands then record too. The guest's ssh-keyscan is a
stand-in on PATH; ssh-keygen is the real one, reading known_hosts as ssh does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from stacklab.notebooks.sync import committed_settings
from stacklab.solve import load

KEYSCAN = """#!/bin/sh
# the stand-in guest: its key is whatever $GUEST_KEY says; no key = no SSH server yet
[ -n "$GUEST_KEY" ] || exit 1
echo "# $3:22 SSH-2.0-OpenSSH_9.6" >&2
echo "$3 ssh-ed25519 $GUEST_KEY"
"""


@pytest.fixture
def host(tmp_path):
    if not shutil.which("ssh-keygen"):
        pytest.skip("ssh-keygen is not installed (apt-get install openssh-client)")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ssh-keyscan").write_text(KEYSCAN)
    (bin_dir / "ssh-keyscan").chmod(0o755)
    (bin_dir / "sleep").write_text("#!/bin/sh\n")  # the wait loop, without the wait
    (bin_dir / "sleep").chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()

    def run(script: str, key: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "HOME": str(home), "GUEST_KEY": key,
               "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        return subprocess.run(["bash", "-c", script], env=env, capture_output=True,
                              text=True, timeout=60, check=False)

    return run, home


def keys(n: int) -> str:
    return f"AAAAC3NzaC1lZDI1NTE5AAAAI{n:043d}"


def test_the_host_key_step_records_the_guests_key(host):
    run, home = host
    settings = committed_settings("container")
    step = next(s for solution in load(settings, os=settings.host.os)
                for s in solution.steps if s.id == "13-host-key")
    script, check = "\n".join(step.apply), step.check

    assert run(check, keys(1)).returncode != 0  # nothing recorded yet
    not_up = run(script, "")
    assert not_up.returncode != 0 and "no SSH server answers" in not_up.stderr
    done = run(script, keys(1))
    assert done.returncode == 0, done.stderr
    assert "recorded" in done.stdout
    assert run(check, keys(1)).returncode == 0
    known = (home / ".ssh" / "known_hosts").read_text()
    assert known.startswith(str(settings.network.floating.first_ip) + " ssh-ed25519 ")

    assert run(check, keys(2)).returncode != 0  # a new guest on the same address
    assert run(script, keys(2)).returncode == 0
    assert run(check, keys(2)).returncode == 0
    lab13 = Path(__file__).resolve().parents[2] / "labs" / "13-floating-ip.md"
    assert "```{step} 13-host-key" in lab13.read_text()
