"""The SSH transport (fabric, through stacklab.hosts.ssh.connect) against a real sshd on
loopback, started by the test itself."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
from requires import skip_unless_programs, skip_unless_root

from stacklab.hosts.target import Target
from stacklab.solve.transport import TIMED_OUT, SSHTransport

pytestmark = [pytest.mark.integration, pytest.mark.root]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd(tmp_path):
    skip_unless_root("sshd runs as root for its own login")
    skip_unless_programs(("sshd", "openssh-server"), ("ssh-keygen", "openssh-client"))
    sshd_bin = shutil.which("sshd") or "/usr/sbin/sshd"
    host_key, user_key = tmp_path / "host_key", tmp_path / "user_key"
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)
    authorized = tmp_path / "authorized_keys"
    authorized.write_text((tmp_path / "user_key.pub").read_text())
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
                      f"AuthorizedKeysFile {authorized}\nPermitRootLogin prohibit-password\n"
                      "PasswordAuthentication no\nStrictModes no\nUsePAM no\n"
                      f"PidFile {tmp_path / 'sshd.pid'}\n")
    os.makedirs("/run/sshd", exist_ok=True)
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield Target(hostname="127.0.0.1", port=port, user="root", key_file=str(user_key))
    proc.terminate()
    proc.wait(timeout=10)


def test_commands_run_over_ssh_with_the_targets_key(sshd):
    transport = SSHTransport(sshd)
    try:
        result = transport.run("echo out; echo err >&2; exit 4")
        assert result.exit_code == 4 and result.output.splitlines() == ["out", "err"]
        heredoc = transport.run("cat <<'EOF'\n$HOME 'q' \"d\"\nEOF")
        assert heredoc.ok and heredoc.output == "$HOME 'q' \"d\"\n"
        slow = transport.run("echo started; sleep 60", timeout=5)  # 5 s: room under load
        assert slow.exit_code == TIMED_OUT and "started" in slow.output
        assert transport.run("true").ok, "the connection survives a timed-out command"
    finally:
        transport.close()


def test_an_unreachable_host_is_one_clear_error():
    from stacklab.errors import StacklabError

    transport = SSHTransport(Target(hostname="127.0.0.1", port=free_port(), user="root"))
    with pytest.raises(StacklabError, match=r"cannot reach the lab host ssh://root@127\.0\.0\.1"):
        transport.run("true")
