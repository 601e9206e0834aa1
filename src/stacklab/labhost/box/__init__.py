"""The offline classroom box: a Debian 13 lab host with every package the labs need cached.

One build yields the root file system the container boots, the guest image of lab 11 and
(where vagrant is installed) a Vagrant libvirt box. Each is cached under
``stacklab.paths.cache_dir()`` and rebuilt only when its inputs change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost import cache
from stacklab.labhost.box.configure import vagrant_public_key
from stacklab.labhost.box.profile import load_profile
from stacklab.labhost.box.rootfs import RootfsInputs, build_rootfs
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings
from stacklab.settings.schema import Settings

BOX_PROVIDER = "container"  # the box is the Debian 13 host: the container's settings apply


@dataclass(frozen=True)
class Box:
    rootfs: cache.Artifact
    extras: dict[str, cache.Artifact] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The root file system (read-only use: containers lay an overlay on it)."""
        return self.rootfs.path / "root"

    def artifacts(self) -> list[cache.Artifact]:
        return [self.rootfs, *self.extras.values()]


def preflight() -> None:
    if os.geteuid() != 0:
        raise StacklabError("building the box needs root (debootstrap, chroot, mounts)",
                            "run it with sudo")
    from shutil import which

    if not which("debootstrap"):
        raise StacklabError("debootstrap is not installed",
                            "install it: sudo apt-get install debootstrap")


def rootfs_inputs(settings: Settings | None = None) -> RootfsInputs:
    s = settings or load_settings(BOX_PROVIDER)
    return RootfsInputs(profile=load_profile(s.host.os), settings=s,
                        vagrant_key=vagrant_public_key())


def build_box(settings: Settings | None = None, *, steps: Steps | None = None,
              vagrant: bool = True) -> Box:
    """Build (or find in the cache) the box and everything made from it."""
    steps = steps or Steps("box")
    inputs = rootfs_inputs(settings)
    found = cache.lookup("rootfs", inputs.key())
    if not found:
        preflight()
    rootfs = found or build_rootfs(inputs, steps)
    return Box(rootfs=rootfs)
