"""The second disk: a sparse file on a loop device, seen inside the container as /dev/sdb."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.private import private_folder


def create_image(image: Path, size_gb: int) -> Path:
    """The sparse image, made when missing, in a 0700 folder and 0600 (it holds what the
    learner stores on their volumes), an older copy too."""
    private_folder(image.parent)
    fd = os.open(image, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if os.fstat(fd).st_size == 0:
            os.ftruncate(fd, size_gb * 2**30)
    finally:
        os.close(fd)
    return image


def attach(image: Path, size_gb: int) -> str:
    """Create the sparse image (only if missing) and attach it; return /dev/loopN."""
    create_image(image, size_gb)
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
