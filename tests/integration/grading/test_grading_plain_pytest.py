"""The graders as plain pytest (`pytest grader/ --hosts=…`), over testinfra's own backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sshd_lab import USER

from stacklab.grading import transport
from stacklab.grading.runner import grader_dir

pytestmark = [pytest.mark.integration, pytest.mark.root]


def plain_pytest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *args], capture_output=True,
                          text=True, timeout=300, cwd=grader_dir().parent)


@pytest.mark.parametrize("scheme", ["paramiko", "ssh"])
def test_plain_pytest_grades_a_host(ssh_lab, solved_replay, scheme, tmp_path):
    host = ssh_lab.hosts[2]
    host.set_replay(solved_replay)
    before = host.connections()
    spec = f"{scheme}://{USER}@{host.address}:{host.port}"
    extra = ["--ssh-identity-file", str(ssh_lab.key)]
    if scheme == "ssh":  # the ssh binary asks about unknown host keys; lab hosts are new
        config = tmp_path / "ssh_config"
        config.write_text("Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
                          "  LogLevel ERROR\n")
        extra.append(f"--ssh-config={config}")
    run = plain_pytest(str(grader_dir() / "test_03_mysql.py"),
                       str(grader_dir() / "test_04_rabbitmq.py"), f"--hosts={spec}", *extra)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "9 passed" in run.stdout and "Total: 20/20 points" in run.stdout
    if scheme == "paramiko":
        assert host.connections() - before == 1  # testinfra's own client, kept for the run


def test_commands_take_their_input_on_stdin_locally(tmp_path):
    import testinfra

    local = testinfra.get_host("local://")
    out = transport.run(local, "cat; echo done >&2", b"secret stays off the command line")
    assert (out.rc, out.stdout, out.stderr.strip()) == (0, "secret stays off the command line",
                                                        "done")
    assert Path(tmp_path).exists()
