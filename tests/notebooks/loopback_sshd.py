"""A real OpenSSH server on loopback, for the %%vm tests and the benchmark.

It runs as the current user (root on the build machines) from a throwaway folder named
sln-sshd-*, with its own host key (pinned in its ``target``), a fresh client key and a home
folder of its own for the sessions (so nothing lands in the real user's home) and a folder
first on their PATH (for a test's stand-in commands), and logs every login so a test can
count the SSH connections a notebook opened."""

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

from requires import missing_program

from stacklab.hosts.target import Target

SSHD = "/usr/sbin/sshd"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class LoopbackSSHD:
    target: Target
    log: Path
    home: Path  # the sessions' $HOME: a throwaway folder, not the real user's home
    bin: Path  # first on the sessions' PATH: a test's stand-in commands go here

    def known_hosts(self) -> str:
        """The server's known_hosts line (its key is also pinned in ``target``)."""
        t = self.target
        return f"[{t.hostname}]:{t.port} {t.host_key}\n"

    def logins(self) -> int:
        """How many SSH connections the server has accepted so far."""
        return self.log.read_text(errors="replace").count("Accepted publickey")


def available() -> str | None:
    """Why no loopback sshd can run here, or None."""
    return missing_program(SSHD, "openssh-server") or missing_program("ssh-keygen",
                                                                      "openssh-client")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def loopback_sshd() -> Iterator[LoopbackSSHD]:
    folder = Path(tempfile.mkdtemp(prefix="sln-sshd-"))
    proc = None
    try:
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(folder / name)], check=True)
        shutil.copy(folder / "client_key.pub", folder / "authorized_keys")
        port = free_port()
        user = _user()
        home = folder / "home"
        home.mkdir()
        stand_ins = folder / "bin"
        stand_ins.mkdir()
        (folder / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {folder}/host_key
PidFile {folder}/sshd.pid
AuthorizedKeysFile {folder}/authorized_keys
AllowUsers {user}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
MaxSessions 100
LogLevel INFO
SetEnv HOME={home} PATH={stand_ins}:{DEFAULT_PATH}
""")
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
        log = folder / "sshd.log"
        proc = subprocess.Popen([SSHD, "-D", "-f", str(folder / "sshd_config"), "-E", str(log)])
        _wait_for(port, proc)
        host_key = " ".join((folder / "host_key.pub").read_text().split()[:2])
        yield LoopbackSSHD(Target(hostname="127.0.0.1", port=port, user=user,
                                  key_file=str(folder / "client_key"), name="loopback",
                                  kind="vagrant", host_key=host_key), log, home, stand_ins)
    finally:
        if proc is not None:
            stop_process(proc)
        shutil.rmtree(folder, ignore_errors=True)


def stop_process(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _user() -> str:
    import getpass

    return getpass.getuser()


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("sshd did not start listening within 10 s")
