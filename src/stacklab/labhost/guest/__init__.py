"""The instance image of lab 11 without internet: the tutorial's aki/ari/ami triple.

A Debian cloud kernel (aki), a busybox initramfs with dropbear that configures its NIC by
DHCP and takes its key from the config drive or the metadata service (ari), and a small
ext4 root disk (ami). It boots to SSH in seconds under plain qemu (TCG).

    from stacklab.labhost import guest
    img = guest.build_guest()            # cached; built from the box (no network)
    img.kernel, img.ramdisk, img.image   # files on this machine
    guest.GUEST_DIR                      # where the box holds the same three files
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stacklab.labhost import cache
from stacklab.labhost.guest import build, cpio, debs, elf, files
from stacklab.labhost.steps import Steps
from stacklab.settings import load_settings
from stacklab.settings.schema import Settings

KIND = "guest"
GUEST_DIR = PurePosixPath("/var/lib/stacklab/guest")  # on the lab host (container and VM box)
KERNEL, RAMDISK, IMAGE = "aims-guest.vmlinuz", "aims-guest.initrd", "aims-guest.img"
GUEST_MODULES = [Path(m.__file__) for m in (build, cpio, debs, elf, files)]
KERNEL_CMDLINE = build.KERNEL_CMDLINE


@dataclass(frozen=True)
class GuestImage:
    """The three files: kernel (aki), ramdisk (ari), root image (ami)."""

    folder: Path
    kernel_version: str = ""

    @property
    def kernel(self) -> Path:
        return self.folder / KERNEL

    @property
    def ramdisk(self) -> Path:
        return self.folder / RAMDISK

    @property
    def image(self) -> Path:
        return self.folder / IMAGE

    def files(self) -> list[Path]:
        return [self.kernel, self.ramdisk, self.image]


def _inputs(s: Settings, rootfs_key: str) -> dict[str, object]:
    return {"rootfs": rootfs_key, "user": s.image.login_user, "hostname": s.image.name,
            "code": cache.source_digest(*GUEST_MODULES)}


def build_guest(settings: Settings | None = None, *, steps: Steps | None = None,
                root: Path | None = None, rootfs_key: str | None = None) -> GuestImage:
    """The guest image (cached). Built from the box's root (built first if needed)."""
    art = build_guest_artifact(settings, steps=steps, root=root, rootfs_key=rootfs_key)
    return GuestImage(art.path, str(art.manifest.get("kernel_version", "")))


def build_guest_artifact(settings: Settings | None = None, *, steps: Steps | None = None,
                         root: Path | None = None,
                         rootfs_key: str | None = None) -> cache.Artifact:
    """build_guest(), returning the cache entry (was it a hit, its manifest)."""
    s = settings or load_settings("container")
    steps = steps or Steps("guest")
    if root is None or rootfs_key is None:
        from stacklab.labhost.box import build_box

        box = build_box(s, steps=Steps("box"), vagrant=False)
        root, rootfs_key = box.root, box.rootfs.key
    inputs = _inputs(s, rootfs_key)
    key = cache.digest(inputs)
    found = cache.lookup(KIND, key)
    if found:
        return found

    def builder(folder: Path) -> dict[str, object]:
        with steps.step("build the guest image (kernel, ramdisk, image)"):
            with tempfile.TemporaryDirectory(prefix="stacklab-guest-") as tmp:
                tree = Path(tmp) / "tree"
                tree.mkdir()
                version = build.build_tree(root, tree, s.image.login_user, s.image.name)
                cpio.write_initramfs(tree, folder / RAMDISK)
            shutil.copy2(root / "boot" / f"vmlinuz-{version}", folder / KERNEL)
            build.root_image(folder / IMAGE, version)
        return {"kernel_version": version,
                "files": {p.name: p.stat().st_size for p in GuestImage(folder).files()}}

    return cache.build(KIND, key, builder, inputs)


def install(img: GuestImage, root: Path) -> Path:
    """Copy the three files into a lab host's root file system at GUEST_DIR."""
    dest = root / str(GUEST_DIR).lstrip("/")
    dest.mkdir(parents=True, exist_ok=True)
    for f in img.files():
        shutil.copy2(f, dest / f.name)
    return dest
