"""The solutions' scripts over SSH (stacklab.hosts.transport) against a real sshd on
loopback, started by the test itself."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from requires import skip_unless_programs, skip_unless_root

from stacklab.hosts.target import Target
from stacklab.solve.transport import TIMED_OUT, open_transport

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
    yield Target(hostname="127.0.0.1", port=port, user="root", key_file=str(user_key),
                 host_key=" ".join(Path(f"{host_key}.pub").read_text().split()[:2]))
    proc.terminate()
    proc.wait(timeout=10)


def test_commands_run_over_ssh_with_the_targets_key(sshd):
    transport = open_transport(sshd)
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

    transport = open_transport(Target(hostname="127.0.0.1", port=free_port(), user="root"))
    with pytest.raises(StacklabError, match=r"cannot reach the lab host ssh://root@127\.0\.0\.1"):
        transport.run("true")


def test_a_script_never_reaches_the_hosts_command_line(sshd):
    """Scripts hold passwords: they travel on stdin into a 0600 file that is gone after."""
    transport = open_transport(sshd)
    marker = "Pa55-on-stdin-only"
    try:
        # the script looks at its own command line and its parent's while it runs
        seen = transport.run(f": {marker}\nls -l \"$0\" | cut -c1-10\n"
                             "tr '\\0' ' ' </proc/$$/cmdline; tr '\\0' ' ' </proc/$PPID/cmdline")
        assert seen.ok, seen.output
        assert seen.output.startswith("-rw-------"), seen.output
        assert marker not in seen.output.split("\n", 1)[1], "the script is on a command line"
        left = transport.run("ls /tmp/tmp.* 2>/dev/null | wc -l")
        files_now = int(left.output.strip())
        transport.run(f": {marker}")
        assert int(transport.run("ls /tmp/tmp.* 2>/dev/null | wc -l").output.strip()) \
            == files_now, "the script's file was left behind"
        assert transport.run("read -t 1 line").exit_code != 0, "stdin is /dev/null"
        # the script's own files keep the host's umask (a 0600 MariaDB .cnf is ignored)
        login = transport.connection.run("umask").stdout.strip()
        assert transport.run("umask").output.strip() == login
    finally:
        transport.close()
