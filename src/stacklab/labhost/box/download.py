"""Step 3: every package the solutions install, downloaded into the image's apt cache.

Only downloaded: installing OpenStack packages in a chroot fails (nova-common's postinst
needs a booted host), and the labs are about installing them. Each set is resolved as the
solutions install it (lab after lab), so every dependency choice apt makes then is cached.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from stacklab.labhost.box.profile import Profile
from stacklab.labhost.box.run import BuildLog, run

ARCHIVES = Path("var/cache/apt/archives")
# Also cached: what rebuilding the guest image needs (guest/), so it needs no network either.
GUEST_PACKAGES = ("busybox-static", "dropbear-bin", "e2fsprogs", "cpio")


def write_sources(root: Path, suite: str, mirror: str) -> None:
    (root / "etc/apt/sources.list").write_text(
        f"deb {mirror} {suite} main\n"
        f"deb {mirror} {suite}-updates main\n"
        f"deb http://deb.debian.org/debian-security {suite}-security main\n")


def download_packages(root: Path, profile: Profile, log: BuildLog) -> None:
    run(["apt-get", "update"], log, chroot=root, what="apt-get update (in the box)")
    # the base system at the same point release as the packages the labs install
    run(["apt-get", "dist-upgrade", "--yes"], log, chroot=root, what="apt-get dist-upgrade")
    _purge_older_kernels(root, log)
    run(["apt-get", "clean"], log, chroot=root)  # the cache then holds only the labs' packages
    for names in [*profile.install_sets(), GUEST_PACKAGES]:
        run(["apt-get", "install", "--download-only", "--yes", *names], log, chroot=root,
            what=f"downloading {len(names)} packages")
    shutil.rmtree(root / ARCHIVES / "partial", ignore_errors=True)
    (root / ARCHIVES / "partial").mkdir(mode=0o700)


def _purge_older_kernels(root: Path, log: BuildLog) -> None:
    """The upgrade brings a newer kernel; the box keeps only that one."""
    kernels = sorted((root / "boot").glob("vmlinuz-*"), key=lambda p: _version_key(p.name))
    old = [f"linux-image-{k.name.removeprefix('vmlinuz-')}" for k in kernels[:-1]]
    if old:
        run(["apt-get", "purge", "--yes", *old], log, chroot=root, what="removing old kernels")


def _version_key(name: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", name)]


def cached_debs(root: Path) -> list[Path]:
    return sorted((root / ARCHIVES).glob("*.deb"))
