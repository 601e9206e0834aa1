"""The offline classroom box: a Debian 13 lab host with every package the labs need cached.

One build yields the root file system the container boots, the guest image of lab 11 and
(where vagrant is installed) a Vagrant libvirt box. Each is cached under
``stacklab.paths.cache_dir()`` and rebuilt only when its inputs change.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost import cache, guest, overlay
from stacklab.labhost.box import vagrantbox
from stacklab.labhost.box.configure import vagrant_public_key
from stacklab.labhost.box.profile import load_profile
from stacklab.labhost.box.rootfs import RootfsInputs, build_rootfs
from stacklab.labhost.box.run import BuildLog
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

    @property
    def guest(self) -> guest.GuestImage:
        """The lab 11 guest image built from this box."""
        art = self.extras["guest"]
        return guest.GuestImage(art.path, str(art.manifest.get("kernel_version", "")))

    def artifacts(self) -> list[cache.Artifact]:
        return [self.rootfs, *self.extras.values()]


def preflight() -> None:
    if os.geteuid() != 0:
        raise StacklabError("building the box needs root (debootstrap, chroot, mounts)",
                            "run it with sudo")
    if not shutil.which("debootstrap"):
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
    box = Box(rootfs=rootfs)
    box.extras["guest"] = guest.build_guest_artifact(inputs.settings, steps=Steps("guest"),
                                                     root=box.root, rootfs_key=rootfs.key)
    img = box.guest
    if vagrant:
        vagrant_box = build_vagrant_box(box, img, steps)
        if vagrant_box:
            box.extras["vagrant"] = vagrant_box
    prune_old(box)
    return box


def build_vagrant_box(box: Box, img: guest.GuestImage, steps: Steps) -> cache.Artifact | None:
    """The Vagrant libvirt box: the same root plus the guest image, as a qcow2 disk."""
    if not box.root.joinpath("home", box.rootfs.manifest["inputs"]["host"]["user"],
                             ".ssh/authorized_keys").read_text().strip():
        steps.say("no Vagrant box: vagrant's insecure public key was not found "
                  "(install vagrant, then build again)")
        return None
    if not shutil.which("qemu-img"):
        steps.say("no Vagrant box: qemu-img is missing (apt-get install qemu-utils)")
        return None
    inputs = {"rootfs": box.rootfs.key, "guest": img.folder.name,
              "code": cache.source_digest(Path(vagrantbox.__file__))}

    def builder(folder: Path) -> dict[str, object]:
        log = BuildLog(folder / "build.log")
        with steps.step("the Vagrant libvirt box (qcow2 + kernel + initrd)"):
            stage = folder / "stage"
            root = overlay.mount(box.root, stage)
            try:
                guest.install(img, root)
                made = vagrantbox.make_box(root, folder, log)
            finally:
                overlay.unmount(root)
                shutil.rmtree(stage, ignore_errors=True)
        return {"box": str(made.name), "box_bytes": made.stat().st_size,
                "cmdline": vagrantbox.CMDLINE}

    return cache.build("vagrant", cache.digest(inputs), builder, inputs)


def prune_old(box: Box) -> None:
    """Remove older artefacts: never this build's, a root a running container uses, or the
    newest two of a kind (another checkout of the kit may be using one)."""
    in_use = overlay.lower_dirs_in_use()
    cache.prune("rootfs", {box.rootfs.key}, lambda p: str(p / "root") in in_use)
    for art in box.extras.values():
        cache.prune(art.kind, {art.key}, lambda p: False)
