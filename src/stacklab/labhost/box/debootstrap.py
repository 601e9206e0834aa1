"""Step 1: a Debian base system with systemd, sshd and the kernel the VM box boots."""

from __future__ import annotations

from pathlib import Path

from stacklab.labhost.box.run import BuildLog, run

# The lab host's own tools; everything OpenStack needs is only downloaded (download.py).
BASE_PACKAGES = (
    "systemd", "systemd-sysv", "libpam-systemd", "dbus", "openssh-server", "sudo",
    "iproute2", "iptables", "iputils-ping", "ifupdown", "isc-dhcp-client", "procps", "kmod",
    "less", "nano", "curl", "ca-certificates", "python3", "lsb-release", "e2fsprogs",
    # what iputils-ping recommends (minbase leaves it out): Debian 13's ping has no
    # cap_net_raw and relies on its net.ipv4.ping_group_range to work for every user
    "linux-sysctl-defaults",
    # the VM box boots this kernel directly; the guest image reuses it (guest/)
    "linux-image-cloud-amd64", "initramfs-tools",
)


def debootstrap(root: Path, suite: str, mirror: str, log: BuildLog) -> None:
    run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
         suite, root, mirror], log, what="debootstrap")
