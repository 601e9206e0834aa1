"""A real OpenSSH server on loopback that writes down every command it is asked to run and
every byte it receives on stdin, so a test can prove what reached it (or that nothing did).

It runs as the current user from a throwaway folder (rec-sshd-*) with its own host key and
client key; sshd's own log counts the logins.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stacklab.hosts.target import Target

SSHD = "/usr/sbin/sshd"
# ForceCommand: note the command and its stdin, then say it ran
RECORD = """#!/bin/sh
{ printf 'exec: %s\\n' "$SSH_ORIGINAL_COMMAND"; printf 'stdin: '; cat; printf '\\n'; } >> "$LOG"
echo ran
"""


@dataclass(frozen=True)
class RecordingSSHD:
    target: Target  # without a host key: each test decides how the key is known
    host_key: str  # 'ssh-ed25519 AAAA…' (public)
    other_key: str  # another host key, for "changed key" cases
    received: Path
    log: Path
    folder: Path

    def exec_requests(self) -> str:
        return self.received.read_text() if self.received.exists() else ""

    def logins(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey")


def _key(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True)
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def recording_sshd() -> Iterator[RecordingSSHD]:
    import getpass

    folder = Path(tempfile.mkdtemp(prefix="rec-sshd-"))
    proc = None
    try:
        host_key = _key(folder / "host_key")
        other_key = _key(folder / "other_host_key")
        _key(folder / "client_key")
        shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
        (folder / "record.sh").write_text(RECORD)
        port = free_port()
        received = folder / "received.log"
        (folder / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {folder}/host_key
PidFile {folder}/sshd.pid
AuthorizedKeysFile {folder}/authorized_keys
AllowUsers {getpass.getuser()}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel VERBOSE
SetEnv LOG={received}
ForceCommand /bin/sh {folder}/record.sh
""")
        Path("/run/sshd").mkdir(exist_ok=True)
        log = folder / "sshd.log"
        proc = subprocess.Popen([SSHD, "-D", "-f", str(folder / "sshd_config"), "-E",
                                 str(log)])
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), \
                    socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {log.read_text()[-500:]}")
            time.sleep(0.05)
        target = Target(hostname="127.0.0.1", port=port, user=getpass.getuser(),
                        key_file=str(folder / "client_key"), name="recording")
        yield RecordingSSHD(target, host_key, other_key, received, log, folder)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(folder, ignore_errors=True)
