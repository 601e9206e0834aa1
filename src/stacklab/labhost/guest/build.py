"""Assemble the guest from the box's own files: its cloud kernel and modules, and .debs
from its apt cache (busybox-static, dropbear-bin and the libraries dropbear needs).
No network: everything comes from the box."""

from __future__ import annotations

import lzma
import os
import re
import shutil
import subprocess
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost.guest import debs, elf, files

ARCHIVES = "var/cache/apt/archives"
DEBS = ("busybox-static", "dropbear-bin", "libtomcrypt1", "libtommath1")
# virtio NIC and disks (a hot-plugged volume is /dev/vdb: PCI hotplug is built in),
# the config drive (iso9660 or vfat, on a virtio disk or a SATA/IDE CD), the power button
MODULES = ("virtio_net", "virtio_blk", "virtio-rng", "isofs", "vfat", "sr_mod", "ahci",
           "ata_piix", "button", "evdev")
METADATA = "http://169.254.169.254/2009-04-04/meta-data"
LIB_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib64", "lib64")
KERNEL_CMDLINE = "console=ttyS0 quiet"


def kernel_version(root: Path) -> str:
    kernels = sorted(root.glob("boot/vmlinuz-*-cloud-amd64"))
    if not kernels:
        raise StacklabError(f"the box at {root} has no cloud kernel", "rebuild: stacklab box build")
    return kernels[-1].name.removeprefix("vmlinuz-")


def _deb(root: Path, package: str) -> Path:
    found = sorted((root / ARCHIVES).glob(f"{package}_*.deb"))
    if not found:
        raise StacklabError(f"the box's apt cache has no {package}",
                            "rebuild the box: stacklab box build")
    return found[-1]


def extract_debs(root: Path, dest: Path) -> None:
    for package in DEBS:
        debs.extract(_deb(root, package), dest)


def modules(root: Path, version: str) -> list[Path]:
    """The wanted modules and what they depend on, in load order."""
    base = root / "lib/modules" / version
    deps: dict[str, list[str]] = {}
    for line in (base / "modules.dep").read_text().splitlines():
        mod, _, rest = line.partition(":")
        deps[mod] = rest.split()
    by_name = {re.sub(r"\.ko(\.xz|\.zst|\.gz)?$", "", Path(m).name): m for m in deps}
    order: list[str] = []

    def visit(mod: str) -> None:
        for dep in reversed(deps[mod]):
            visit(dep)
        if mod not in order:
            order.append(mod)

    for name in MODULES:
        if name in by_name:  # a module built into this kernel is simply not listed
            visit(by_name[name])
    return [base / m for m in order]


def _unpacked(module: Path) -> bytes:
    data = module.read_bytes()
    return lzma.decompress(data) if module.suffix == ".xz" else data


def build_tree(root: Path, tree: Path, user: str, hostname: str, uid: int = 1000) -> str:
    """Fill `tree` with the initramfs contents; return the kernel version used."""
    version = kernel_version(root)
    unpacked = tree.parent / "debs"
    extract_debs(root, unpacked)
    for d in ("bin", "sbin", "etc/acpi/PWRF", "lib/modules", "root", f"home/{user}",
              "proc", "sys", "dev", "tmp", "var/log", "usr/bin", "usr/sbin"):
        (tree / d).mkdir(parents=True, exist_ok=True)
    busybox = _first(unpacked, "usr/bin/busybox", "bin/busybox")
    shutil.copy2(busybox, tree / "bin/busybox")
    for applet in ("sh", "init"):
        (tree / "bin" / applet).symlink_to("busybox")
    (tree / "init").symlink_to("bin/init")
    # every applet as a link, listed by busybox itself (a static x86-64 program)
    listed = subprocess.run([str(busybox), "--list-full"], capture_output=True,
                            text=True, check=True).stdout.split()
    for applet in listed:
        link = tree / applet
        if not link.exists() and not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(tree / "bin/busybox", link.parent))
    dropbear = _first(unpacked, "usr/sbin/dropbear", "sbin/dropbear")
    shutil.copy2(dropbear, tree / "sbin/dropbear")
    search = [unpacked / d for d in LIB_DIRS] + [root / d for d in LIB_DIRS]
    for soname, lib in elf.closure(dropbear, search).items():
        dest = tree / "lib/x86_64-linux-gnu" / soname
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, dest)
    loader = root / "lib64/ld-linux-x86-64.so.2"
    (tree / "lib64").mkdir(exist_ok=True)
    shutil.copy2(loader.resolve(), tree / "lib64/ld-linux-x86-64.so.2")
    order = []
    for mod in modules(root, version):
        name = re.sub(r"\.ko(\.xz)?$", "", mod.name)
        (tree / "lib/modules" / f"{name}.ko").write_bytes(_unpacked(mod))
        order.append(name)
    (tree / "lib/modules/load.order").write_text("\n".join(order) + "\n")
    _text(tree / "etc/rc", files.render(files.RC, hostname=hostname, metadata=METADATA, user=user,
                                           uid=uid), 0o755)
    _text(tree / "etc/inittab", files.INITTAB)
    _text(tree / "etc/udhcpc.script", files.UDHCPC, 0o755)
    _text(tree / "etc/acpi/PWRF/00000080", files.POWER_BUTTON, 0o755)
    _text(tree / "etc/hostname", hostname + "\n")
    for rel, text in files.accounts(user, uid).items():
        _text(tree / rel, text, 0o640 if rel.endswith("shadow") else 0o644)
    shutil.rmtree(unpacked)
    return version


def _first(base: Path, *candidates: str) -> Path:
    for rel in candidates:
        if (base / rel).exists():
            return base / rel
    raise StacklabError(f"{candidates[0]} is missing from the box's packages")


def _text(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def root_image(out: Path, version: str, size_mb: int = 16) -> None:
    """The "ami": a small ext4 file system (nova grows it to the flavor's disk)."""
    content = out.parent / "ami-content"
    (content / "etc").mkdir(parents=True, exist_ok=True)
    (content / "etc/stacklab-guest").write_text(
        f"stacklab guest image: Debian cloud kernel {version}, busybox, dropbear\n")
    with out.open("wb") as f:
        f.truncate(size_mb * 2**20)
    done = subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", "aims-root",
                           "-E", "root_owner=0:0", "-d", str(content), str(out)],
                          capture_output=True, text=True, check=False)
    shutil.rmtree(content)
    if done.returncode != 0:
        raise StacklabError(f"mke2fs failed: {done.stderr.strip()}",
                            "install e2fsprogs (1.43 or newer)")
