"""The second disk: a sparse file on a loop device, seen inside the container as /dev/sdb."""

from __future__ import annotations

import subprocess
from pathlib import Path

from stacklab.errors import StacklabError


def attach(image: Path, size_gb: int) -> str:
    """Create the sparse image (only if missing) and attach it; return /dev/loopN."""
    image.parent.mkdir(parents=True, exist_ok=True)
    if not image.exists():
        with image.open("wb") as f:
            f.truncate(size_gb * 2**30)
    done = subprocess.run(["losetup", "--find", "--show", str(image)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StacklabError(f"cannot attach a loop device for the second disk: "
                            f"{done.stderr.strip()}", "is the loop module loaded? (modprobe loop)")
    return done.stdout.strip()


def devices_backed_by(image: Path) -> list[str]:
    done = subprocess.run(["losetup", "--noheadings", "--output", "NAME", "--associated",
                           str(image)], capture_output=True, text=True, check=False)
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def detach(image: Path) -> None:
    """Detach every loop device backed by the image (none is fine)."""
    for dev in devices_backed_by(image):
        subprocess.run(["losetup", "--detach", dev], check=False)
