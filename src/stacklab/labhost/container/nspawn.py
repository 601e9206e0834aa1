"""Boot the box's root file system with systemd-nspawn, and stop it again.

Flags, and why (see ../shared/ENVIRONMENT.md for what was measured):
- --register=no --keep-unit: PID 1 of the machine may not be systemd; nspawn runs in the
  cgroup we made for it (cgroups.py);
- --capability=all: OpenStack creates namespaces, bridges, iptables rules, tap devices and
  mounts inside; /dev/net/tun is there by default;
- --network-namespace-path: the lab host's own namespace with eth0/eth1 (network.py);
- SYSTEMD_NSPAWN_API_VFS_WRITABLE=network: /proc/sys/net writable, as on a real host (a
  given namespace does not make it so, unlike --private-network): Neutron's L3 agent sets
  sysctls in each router's namespace, and the host's own systemd-sysctl applies its
  sysctl.d files at boot (ping for every user: net.ipv4.ping_group_range); the rest of
  /proc/sys stays read-only;
- the loop device bound to the tutorial's second disk name (no udev makes the node).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import BinaryIO

from stacklab.errors import StacklabError
from stacklab.labhost.container import cgroups

NSPAWN = "systemd-nspawn"
BOOT_ENV = {"SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"}  # see above


def require() -> str:
    found = shutil.which(NSPAWN)
    if not found:
        raise StacklabError("systemd-nspawn is not installed",
                            "install it: sudo apt-get install systemd-container")
    return found


def command(root: Path, machine: str, hostname: str, netns: Path,
            binds: dict[str, str]) -> list[str]:
    cmd = [require(), "--quiet", f"--directory={root}", "--boot", "--register=no",
           "--keep-unit", f"--machine={machine}", f"--hostname={hostname}",
           "--capability=all", f"--network-namespace-path={netns}",
           "--resolv-conf=off", "--timezone=off", "--link-journal=no",
           "--console=read-only",
           # what the machine's own systemd allows services; RabbitMQ, MariaDB and OVS
           # want more open files than a login shell's hard limit here (20000)
           "--rlimit=NOFILE=524288"]
    cmd += [f"--bind={src}:{dst}" for src, dst in binds.items()]
    return cmd


def open_console_log(path: Path) -> BinaryIO:
    """The console log, appended to, 0600 from creation (the boot shows service output)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab")


def start(cmd: list[str], cgroup: str, console_log: Path) -> subprocess.Popen[bytes]:
    folders = cgroups.make(cgroup, "nspawn")
    env = {**os.environ, **BOOT_ENV}
    if cgroups.hybrid():
        env["SYSTEMD_NSPAWN_UNIFIED_HIERARCHY"] = "1"
    with open_console_log(console_log) as out:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                preexec_fn=lambda: cgroups.join(folders))


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def stop(pid: int, cgroup: str, timeout: float) -> bool:
    """An orderly shutdown (SIGTERM to nspawn), then SIGKILL for whatever is left.
    Returns True when it shut down in time."""
    clean = True
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        clean = not alive(pid)
    cgroups.kill_all(cgroup)
    _reap(pid)
    return clean


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
