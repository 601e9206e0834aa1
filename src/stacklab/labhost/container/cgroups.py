"""Cgroup folders of our own for systemd-nspawn and the SSH forwarder.

PID 1 of a machine may not be systemd (it is not on the kit's build machines), so nobody
gives nspawn a cgroup: we make one per instance and start nspawn in it (--keep-unit). On a
hybrid layout (cgroup v1 + /sys/fs/cgroup/unified) the container gets the v2 hierarchy
(trixie's systemd needs it); on a pure v2 layout, /sys/fs/cgroup is that hierarchy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def _fstype(path: Path) -> str:
    target = str(path)
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            parts = line.split()
            if parts[1] == target:
                return parts[2]
    return ""


def hierarchies() -> list[Path]:
    """Where to make our folders: the v2 hierarchy, and v1's name=systemd where it exists."""
    if _fstype(CGROUP) == "cgroup2":
        return [CGROUP]
    found = [CGROUP / "unified"] if _fstype(CGROUP / "unified") == "cgroup2" else []
    if (CGROUP / "systemd").is_dir() and _fstype(CGROUP / "systemd") == "cgroup":
        found.append(CGROUP / "systemd")
    return found


def hybrid() -> bool:
    return _fstype(CGROUP) != "cgroup2"


def make(group: str, child: str) -> list[Path]:
    """Create `<group>/<child>` in every hierarchy; return the folders."""
    made = []
    for top in hierarchies():
        folder = top / group / child
        folder.mkdir(parents=True, exist_ok=True)
        made.append(folder)
    return made


def join(folders: list[Path]) -> None:
    """Move the calling process into the folders (used between fork and exec)."""
    for folder in folders:
        (folder / "cgroup.procs").write_text("0\n")


def folders(base: Path) -> list[Path]:
    """`base` and every folder under it, deepest first; [] when there is none.

    systemd removes a container's cgroups while it stops, so a folder may vanish between
    being listed and being read: os.walk skips what it can no longer list (Path.rglob
    raises FileNotFoundError there).
    """
    return [Path(top) for top, _, _ in os.walk(base, topdown=False)]


def pids(group: str) -> set[int]:
    """Every process in the group's subtree, in any hierarchy."""
    found: set[int] = set()
    for top in hierarchies():
        for folder in folders(top / group):
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                continue
    return found


def supervisor_pid(group: str) -> int:
    """systemd-nspawn's own PID (it moves itself to nspawn/supervisor); 0 when none runs."""
    for top in hierarchies():
        try:
            found = (top / group / "nspawn/supervisor/cgroup.procs").read_text().split()
        except OSError:
            continue
        if found:
            return int(found[0])
    return 0


def kill_all(group: str, timeout: float = 10.0) -> None:
    """SIGKILL whatever still runs in the group, and wait until it is gone."""
    deadline = time.monotonic() + timeout
    while True:
        left = pids(group)
        if not left or time.monotonic() > deadline:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def remove(group: str) -> None:
    """Remove the group's folders, deepest first (only empty cgroups can go)."""
    for top in hierarchies():
        for folder in folders(top / group):
            with contextlib.suppress(OSError):
                folder.rmdir()
