"""The container's view of /sys/class/net must be its own namespace's.

systemd-nspawn (252) joins a given network namespace (--network-namespace-path) but then
bind-mounts the machine's /sys, whose net class shows the machine's own NICs (measured:
eth0 inside showed the build machine's MAC). A sysfs mounted from inside the lab's
namespace shows the lab's NICs; nspawn binds its two net folders over the container's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost import overlay

NET_FOLDERS = ("class/net", "devices/virtual/net")


def mount(netns_path: Path, where: Path) -> dict[str, str]:
    """Mount a sysfs of the namespace at `where`; return nspawn binds (source → target)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["nsenter", f"--net={netns_path}", "mount", "-t", "sysfs",
                           "sysfs", str(where)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StacklabError(f"cannot mount the lab namespace's sysfs: {done.stderr.strip()}")
    return {str(where / rel): f"/sys/{rel}" for rel in NET_FOLDERS}


def unmount(where: Path) -> None:
    overlay.unmount(where)
