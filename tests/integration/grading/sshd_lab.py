"""Real sshd hosts for the graders' transport tests and benchmark, each in its own netns.

`SshLab(n)` creates network namespaces slgPPPP-hNN (PPPP from the process id), a veth pair
to each (10.X.NN.1 here, 10.X.NN.2 inside; X from the process id too) and an sshd inside
listening on that address (one host key for all, `host_key`; `known_hosts()` lists them as
a teacher's known_hosts would); every command a client runs is answered by replay.sh from a
recording of a lab host. Traffic stays between this namespace and namespaces the lab
created. Everything is removed on exit."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Per process: test runs from several checkouts on one machine must not delete each other's
# namespaces and links (each run's names and subnet are its own)
PREFIX = f"slg{os.getpid() % 10000:04d}"
NET = f"10.{150 + os.getpid() % 80}"
# The hosts' login user: root's own shell would be bash, which sources ~/.bashrc for every
# ssh command (about 0.1 s of CPU here): a user of our own with plain sh costs what a lab
# host's login costs.
USER = f"{PREFIX}-lab"


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
    """Run the graders once against the recorded host, keeping every answer for replay.

    The table maps "command\0md5(stdin)" (or "command\0none") to [rc, stdout, stderr], or
    to {"sleep": seconds} for a command that hangs; "_reads_stdin" lists the commands
    whose input is part of the key.
    """
    table: dict = {"_reads_stdin": []}
    original = state.answer

    def answer(command, stdin=b""):
        rc, out, err = original(command, stdin)
        table[command + "\0" + (hashlib.md5(stdin).hexdigest() if stdin else "none")] = \
            [rc, out, err]
        if stdin and command not in table["_reads_stdin"]:
            table["_reads_stdin"].append(command)
        return rc, out, err

    state.answer = answer
    try:
        run_graders()
    finally:
        state.answer = original
    return table


def add_collector(table: dict, commands: list[str]) -> None:
    """Answer the kit's collector program (stacklab.grading.prefetch) asking `commands`, as
    the recording answers each of them alone (a command not recorded: unanswered)."""
    import base64
    import json

    from stacklab.grading.prefetch import COLLECTOR
    from stacklab.grading.remote import collector, program

    def encode(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    replies = []
    for index, command in enumerate(commands):
        entry = table.get(command + "\0none")
        if isinstance(entry, list):
            rc, out, err = entry
            replies.append({"i": index, "rc": rc, "s": 0.0, "out": encode(out),
                            "err": encode(err)})
        else:
            replies.append({"i": index, "unanswered": "not recorded"})
    stdin = program("collector", {"commands": commands, "limit": collector.LIMIT})
    table[COLLECTOR + "\0" + hashlib.md5(stdin.encode()).hexdigest()] = \
        [0, "".join(json.dumps(r) + "\n" for r in replies), ""]
    if COLLECTOR not in table["_reads_stdin"]:
        table["_reads_stdin"].append(COLLECTOR)


def _descendants(pid: int) -> list[int]:
    out = run("ps", "-o", "pid=", "--ppid", str(pid), check=False).stdout.split()
    children = [int(p) for p in out]
    return [d for c in children for d in _descendants(c)] + children


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@dataclass
class SshHost:
    index: int
    address: str
    port: int
    netns: str
    log: Path
    replay: Path
    process: subprocess.Popen | None = None

    def url(self, user: str = USER) -> str:
        return f"ssh://{user}@{self.address}:{self.port}"

    def connections(self) -> int:
        """SSH logins this sshd accepted so far (from its own log)."""
        try:
            return self.log.read_text().count("Accepted publickey")
        except FileNotFoundError:
            return 0

    def set_replay(self, table: dict) -> None:
        """Write the recording as replay.sh reads it: one small script per answer."""
        folder = self.replay
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for command in table.get("_reads_stdin", []):
            (folder / f"{_md5(command)}.stdin").touch()
        for key, entry in table.items():
            if key == "_reads_stdin":
                continue
            command, _, stdin = key.partition("\0")
            if isinstance(entry, dict):
                body = f"sleep {entry['sleep']}\n"
            else:
                rc, out, err = entry
                body = (f"printf '%s' {shlex.quote(out)}\n"
                        f"printf '%s' {shlex.quote(err)} >&2\nexit {rc}\n")
            (folder / f"{_md5(command)}-{stdin}.sh").write_text(body)


class SshLab:
    def __init__(self, count: int, replay: dict | None = None, first: int = 1) -> None:
        self.count, self.first = count, first
        self.default_replay = replay or {}
        self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-sshd-"))
        self.hosts: list[SshHost] = []
        self.key = self.dir / "client_key"
        self.other_key = self.dir / "other_key"
        self._silent: list[socket.socket] = []
        self._made_user = False

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
        self.host_key = " ".join((self.dir / "host_key.pub").read_text().split()[:2])
        (self.dir / "authorized_keys").write_text(Path(f"{self.key}.pub").read_text())
        os.chmod(self.dir, 0o755)
        if run("id", USER, check=False).returncode != 0:
            run("useradd", "--no-create-home", "--home-dir", str(self.dir), "--shell", "/bin/sh",
                "--password", "*",  # no password, yet not locked: sshd refuses locked ones
                USER)
            self._made_user = True
        os.chmod(self.dir / "authorized_keys", 0o644)
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
                       self.dir / f"replay-{i:02d}")
        host.set_replay(self.default_replay)
        config = self.dir / f"sshd-{i:02d}.conf"
        config.write_text(
            f"ListenAddress {host.address}:{host.port}\nHostKey {self.dir}/host_key\n"
            f"PidFile {self.dir}/sshd-{i:02d}.pid\nAuthorizedKeysFile {self.dir}/authorized_keys\n"
            f"StrictModes no\nUsePAM no\nPermitRootLogin no\nAllowUsers {USER}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            f"LogLevel VERBOSE\nMaxSessions 64\nMaxStartups 100\n"
            f"SetEnv REPLAY_DIR={host.replay}\n"
            f"ForceCommand /bin/sh {HERE / 'replay.sh'}\n")
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

    def known_hosts(self) -> str:
        """known_hosts lines for every host (they share one host key)."""
        return "".join(f"{h.address} {self.host_key}\n" for h in self.hosts)

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
                for pid in _descendants(host.process.pid):  # open connections, by pid
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                host.process.terminate()
                try:
                    host.process.wait(5)
                except subprocess.TimeoutExpired:
                    host.process.kill()
        for i in range(self.first, self.first + self.count):
            run("ip", "link", "del", f"{PREFIX}-v{i:02d}a", check=False)
            run("ip", "netns", "del", f"{PREFIX}-h{i:02d}", check=False)
        if self._made_user:
            run("userdel", "--force", USER, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

def hanging(table: dict, seconds: float = 60) -> dict:
    """The same host, but every command hangs (a host that accepted us, then froze)."""
    return {**{k: {"sleep": seconds} for k in table if k != "_reads_stdin"},
            "_reads_stdin": table["_reads_stdin"]}
