"""`stacklab up --provider container` and `stacklab down`, as a learner types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from stacklab.hosts.target import Target, default_target

NAME = f"slh-ui{os.getpid() % 100000}"


def stacklab(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from stacklab.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=600, check=False)


def test_up_records_the_host_and_down_forgets_it(box, tmp_path, monkeypatch, free_port):
    port = free_port()
    env = {**os.environ, "STACKLAB_STATE_DIR": str(tmp_path / "state"),
           "STACKLAB_CONTAINER_NAME": NAME,
           "STACKLAB__PROVIDERS__CONTAINER__SSH_PORT": str(port)}
    up = stacklab("up", "--provider", "container", env=env)
    try:
        assert up.returncode == 0, up.stderr
        assert f"The lab host is up: ssh://vagrant@127.0.0.1:{port}" in up.stdout
        assert "wait for SSH: done" in up.stderr, "progress lines for the long steps"
        state = json.loads((tmp_path / "state/lab.json").read_text())
        assert state["container"] == NAME and state["target"]["kind"] == "container"
        monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
        target = default_target()
        assert isinstance(target, Target) and target.port == port and target.key_file
    finally:
        down = stacklab("down", env=env)
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "state/lab.json").exists()
    again = stacklab("down", env=env)
    assert again.returncode == 0, "a second down is fine (nothing to do)"
