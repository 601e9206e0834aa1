"""The Vagrant libvirt box made from the same root file system: a qcow2 root disk (ext4,
no partition table) booted directly with the box's own kernel and initrd, on a
virtio-scsi bus so the root is /dev/sda and the Vagrantfile's second disk is /dev/sdb."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost.box.run import BuildLog, run

BOX_FILE = "stacklab-debian-13.box"
ROOT_LABEL = "stacklab-root"
DISK_GB = 40  # virtual size; the qcow2 holds only what is written
# scsi_mod.scan=manual: the initramfs scans the root disk first (configure.DISK_ORDER_SCRIPT)
CMDLINE = (f"root=LABEL={ROOT_LABEL} rw console=ttyS0 net.ifnames=0 biosdevname=0 "
           "scsi_mod.scan=manual")

BOX_VAGRANTFILE = f"""\
# stacklab offline box: boots its own kernel (libvirt direct kernel boot)
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.kernel = File.join(File.dirname(__FILE__), "vmlinuz")
    lv.initrd = File.join(File.dirname(__FILE__), "initrd.img")
    lv.cmd_line = "{CMDLINE}"
    lv.disk_bus = "scsi"
    lv.disk_controller_model = "virtio-scsi"
    lv.features = ["acpi", "apic"]
  end
end
"""


def kernel_files(root: Path) -> tuple[Path, Path]:
    kernels = sorted(root.glob("boot/vmlinuz-*"))
    if not kernels:
        raise StacklabError("the box has no kernel", "rebuild it: stacklab box build")
    version = kernels[-1].name.removeprefix("vmlinuz-")
    return kernels[-1], root / "boot" / f"initrd.img-{version}"


def disk_image(root: Path, raw: Path, log: BuildLog) -> None:
    """An ext4 file system holding `root` (owners, modes, links kept), as a sparse file."""
    with raw.open("wb") as f:
        f.truncate(DISK_GB * 2**30)
    run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", ROOT_LABEL, "-d", root, raw], log,
        what="mke2fs (the box's root disk)")


def make_box(root: Path, folder: Path, log: BuildLog) -> Path:
    """Write `folder/stacklab-debian-13.box` (a tar Vagrant imports as a libvirt box)."""
    parts = folder / "parts"
    parts.mkdir()
    raw = folder / "root.raw"
    disk_image(root, raw, log)
    run(["qemu-img", "convert", "-O", "qcow2", raw, parts / "box.img"], log, what="qemu-img")
    raw.unlink()
    kernel, initrd = kernel_files(root)
    shutil.copy2(kernel, parts / "vmlinuz")
    shutil.copy2(initrd, parts / "initrd.img")
    (parts / "metadata.json").write_text(json.dumps(
        {"provider": "libvirt", "format": "qcow2", "virtual_size": DISK_GB}) + "\n")
    (parts / "Vagrantfile").write_text(BOX_VAGRANTFILE)
    box = folder / BOX_FILE
    with tarfile.open(box, "w") as tar:
        for name in ("metadata.json", "Vagrantfile", "vmlinuz", "initrd.img", "box.img"):
            tar.add(parts / name, arcname=name)
    shutil.rmtree(parts)
    return box

