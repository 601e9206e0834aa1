"""Real sshd hosts for the graders' transport tests and benchmark, each in its own netns.

`SshLab(n)` creates network namespaces slg-hNN, a veth pair to each (10.241.NN.1 here,
10.241.NN.2 inside) and an sshd inside listening on that address; every command a client
runs is answered by replay.py from a recording of a lab host. Traffic stays between this
namespace and namespaces the lab created. Everything is removed on exit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIX = "slg"
NET = "10.241"


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True)


def available() -> str | None:
    """Why these hosts cannot be made here, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "/usr/sbin/sshd", "ssh-keygen"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    return None


def record(state, run_graders) -> dict:
    """Run the graders once against the recorded host, keeping every answer for replay."""
    table: dict = {"_reads_stdin": []}
    original = state.answer

    def answer(command, stdin=b""):
        rc, out, err = original(command, stdin)
        table[command + "\0" + hashlib.sha256(stdin).hexdigest()] = [rc, out, err]
        if stdin:
            table["_reads_stdin"].append(command)
        return rc, out, err

    state.answer = answer
    try:
        run_graders()
    finally:
        state.answer = original
    return table


@dataclass
class SshHost:
    index: int
    address: str
    port: int
    netns: str
    log: Path
    replay: Path
    process: subprocess.Popen | None = None

    def url(self, user: str = "root") -> str:
        return f"ssh://{user}@{self.address}:{self.port}"

    def connections(self) -> int:
        """SSH logins this sshd accepted so far (from its own log)."""
        try:
            return self.log.read_text().count("Accepted publickey")
        except FileNotFoundError:
            return 0

    def set_replay(self, table: dict) -> None:
        self.replay.write_text(json.dumps(table))


class SshLab:
    def __init__(self, count: int, replay: dict | None = None, first: int = 1) -> None:
        self.count, self.first = count, first
        self.default_replay = replay or {}
        self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-sshd-"))
        self.hosts: list[SshHost] = []
        self.key = self.dir / "client_key"
        self.other_key = self.dir / "other_key"
        self._silent: list[socket.socket] = []

    # ---- set up and tear down --------------------------------------------------------
    def __enter__(self) -> SshLab:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        for route in run("ip", "route").stdout.splitlines():
            if route.startswith(f"{NET}."):
                raise RuntimeError(f"{NET}.0.0/16 is in use here: {route}")
        for key in (self.key, self.other_key):
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / "host_key"))
        (self.dir / "authorized_keys").write_text(Path(f"{self.key}.pub").read_text())
        Path("/run/sshd").mkdir(exist_ok=True)
        for i in range(self.first, self.first + self.count):
            self.hosts.append(self._host(i))
        deadline = time.monotonic() + 15
        for host in self.hosts:
            while not self._listening(host):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sshd in {host.netns} did not start: "
                                       f"{host.log.read_text()[-500:]}")
                time.sleep(0.05)

    def _host(self, i: int) -> SshHost:
        netns, outside, inside = f"{PREFIX}-h{i:02d}", f"{PREFIX}-v{i:02d}a", f"{PREFIX}-v{i:02d}b"
        run("ip", "netns", "add", netns)
        run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        run("ip", "link", "set", inside, "netns", netns)
        run("ip", "addr", "add", f"{NET}.{i}.1/30", "dev", outside)
        run("ip", "link", "set", outside, "up")
        run("ip", "netns", "exec", netns, "ip", "addr", "add", f"{NET}.{i}.2/30", "dev", inside)
        run("ip", "netns", "exec", netns, "ip", "link", "set", inside, "up")
        run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up")
        host = SshHost(i, f"{NET}.{i}.2", 22, netns, self.dir / f"sshd-{i:02d}.log",
                       self.dir / f"replay-{i:02d}.json")
        host.set_replay(self.default_replay)
        config = self.dir / f"sshd-{i:02d}.conf"
        config.write_text(
            f"ListenAddress {host.address}:{host.port}\nHostKey {self.dir}/host_key\n"
            f"PidFile {self.dir}/sshd-{i:02d}.pid\nAuthorizedKeysFile {self.dir}/authorized_keys\n"
            "StrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            f"LogLevel VERBOSE\nMaxSessions 64\nMaxStartups 100\n"
            f"SetEnv REPLAY_FILE={host.replay}\n"
            f"ForceCommand {sys.executable} -S {HERE / 'replay.py'}\n")
        host.process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "/usr/sbin/sshd", "-D", "-f", str(config),
             "-E", str(host.log)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return host

    @staticmethod
    def _listening(host: SshHost) -> bool:
        try:
            with socket.create_connection((host.address, host.port), timeout=0.5):
                return True
        except OSError:
            return False

    def silent_port(self) -> tuple[str, int]:
        """An address that accepts TCP connections and never says anything."""
        server = socket.socket()
        server.bind((f"{NET}.{self.hosts[0].index}.1", 0))
        server.listen(16)
        self._silent.append(server)
        accepted: list[socket.socket] = []

        def hold() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                accepted.append(conn)  # kept open, never written to

        threading.Thread(target=hold, daemon=True).start()
        return server.getsockname()[0], server.getsockname()[1]

    def close(self) -> None:
        for server in self._silent:
            server.close()
        for host in self.hosts:
            if host.process and host.process.poll() is None:
                host.process.terminate()
                try:
                    host.process.wait(5)
                except subprocess.TimeoutExpired:
                    host.process.kill()
        for i in range(self.first, self.first + self.count):
            run("ip", "link", "del", f"{PREFIX}-v{i:02d}a", check=False)
            run("ip", "netns", "del", f"{PREFIX}-h{i:02d}", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
