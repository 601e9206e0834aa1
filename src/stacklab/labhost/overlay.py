"""An overlay on the cached box's root (copy-on-write, instant; the box itself never
changes), with the changes kept beside it: a container's root, or the VM box's staging."""

from __future__ import annotations

import subprocess
from pathlib import Path

from stacklab.errors import StacklabError


def mounted(target: Path) -> bool:
    target_s = str(target)
    with open("/proc/self/mountinfo") as info:
        return any(line.split()[4] == target_s for line in info)


def lower_dirs_in_use() -> set[str]:
    """The lower folders of every overlay mounted now (so the box cache keeps them)."""
    found = set()
    with open("/proc/self/mountinfo") as info:
        for line in info:
            if " - overlay " not in line:
                continue
            options = line.rsplit(" ", 1)[-1]
            for opt in options.strip().split(","):
                if opt.startswith("lowerdir="):
                    found.update(opt[len("lowerdir="):].split(":"))
    return found


def mount(lower: Path, folder: Path) -> Path:
    """Mount the overlay at folder/root (changes in folder/upper); return folder/root."""
    upper, work, root = folder / "upper", folder / "work", folder / "root"
    for d in (upper, work, root):
        d.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                           f"lowerdir={lower},upperdir={upper},workdir={work}", str(root)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StacklabError(f"cannot mount the container's root (overlay): "
                            f"{done.stderr.strip()}", "does this kernel have overlayfs?")
    return root


def unmount(root: Path) -> None:
    while mounted(root):
        done = subprocess.run(["umount", str(root)], capture_output=True, check=False)
        if done.returncode != 0:
            subprocess.run(["umount", "--lazy", str(root)], check=False)
            break
