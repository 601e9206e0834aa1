"""Step 2: make the base system the tutorial's host: name, /etc/hosts, the SSH user, apt
kept offline-ready, sshd host keys made on first boot (never shared between boxes)."""

from __future__ import annotations

import glob
from pathlib import Path

from stacklab.labhost.box.run import BuildLog, run
from stacklab.settings.schema import Settings

# Vagrant's well-known insecure public key, from the installed vagrant package (the first
# `vagrant up` of a box logs in with it and replaces it). Never committed to the kit.
VAGRANT_KEY_GLOBS = (
    "/usr/share/vagrant/keys/vagrant.pub",
    "/usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub",
    "/opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub",
    "/opt/vagrant/embedded/gems/*/gems/vagrant-*/keys/vagrant.pub",
)

APT_OFFLINE = """\
// stacklab: every package the labs need is already in /var/cache/apt/archives.
// Keep it there (also for `apt`), and never clean or update on a timer.
APT::Keep-Downloaded-Packages "true";
Binary::apt::APT::Keep-Downloaded-Packages "true";
APT::Periodic::Enable "0";
APT::Periodic::AutocleanInterval "0";
"""

SSHD = """\
# stacklab lab host
UseDNS no
PasswordAuthentication no
KbdInteractiveAuthentication no
"""

# Host keys are removed from the image; this makes them on each new host's first start.
SSH_KEYGEN_DROPIN = """\
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
"""

INTERFACES = """\
# stacklab: lo only; the lab host's eth0/eth1 are set up by its provider
# (the container's network namespace, or Vagrant). In a VM, the first NIC takes DHCP.
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet dhcp
"""


# The VM box: the root disk (SCSI LUN 0) must be sda and the Vagrantfile's second disk sdb.
# The kernel probes SCSI disks in parallel, so names follow whichever answers first (measured
# under TCG: the empty disk became sda). With scsi_mod.scan=manual on the kernel command
# line, this initramfs script scans LUN 0 first, then the rest, then turns automatic
# scanning back on (iSCSI logins and hot-plugged disks need it).
DISK_ORDER_SCRIPT = r"""#!/bin/sh
PREREQ="udev"
prereqs() { echo "$PREREQ"; }
case "$1" in prereqs) prereqs; exit 0 ;; esac
[ "$(cat /sys/module/scsi_mod/parameters/scan 2>/dev/null)" = manual ] || exit 0
modprobe -q virtio_scsi
modprobe -q sd_mod
for host in /sys/class/scsi_host/host*; do echo "0 0 0" > "$host/scan" 2>/dev/null; done
n=0
while [ ! -e /sys/block/sda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
for host in /sys/class/scsi_host/host*; do echo "- - -" > "$host/scan" 2>/dev/null; done
echo async > /sys/module/scsi_mod/parameters/scan
udevadm settle 2>/dev/null || true
"""
DISK_ORDER_PATH = "etc/initramfs-tools/scripts/init-premount/stacklab-disk-order"


def vagrant_public_key() -> str | None:
    for pattern in VAGRANT_KEY_GLOBS:
        for path in sorted(glob.glob(pattern), reverse=True):
            text = Path(path).read_text().strip()
            if text.startswith("ssh-"):
                return text
    return None


def hosts_file(s: Settings) -> str:
    return (f"127.0.0.1\tlocalhost\n"
            f"{s.network.public.address}\t{s.host.name}\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")


def configure(root: Path, s: Settings, vagrant_key: str | None, log: BuildLog) -> None:
    (root / "etc/hostname").write_text(s.host.name + "\n")
    (root / "etc/hosts").write_text(hosts_file(s))
    (root / "etc/network/interfaces").write_text(INTERFACES)
    # the VM mounts its root from the kernel command line; a container has none to mount
    (root / "etc/fstab").write_text("# stacklab: the root comes from the kernel command line\n")
    # an empty machine-id: every host made from the box gets its own at first boot
    (root / "etc/machine-id").write_text("")
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    _apt(root)
    _sshd(root)
    _user(root, s.host.user, vagrant_key, log)
    _disk_order(root, log)


def finish(root: Path) -> None:
    """Last: the build itself needed the build machine's name servers."""
    (root / "etc/resolv.conf").unlink(missing_ok=True)
    (root / "etc/resolv.conf").write_text("# offline lab host: names come from /etc/hosts\n")


def _apt(root: Path) -> None:
    (root / "etc/apt/apt.conf.d/90stacklab-offline").write_text(APT_OFFLINE)
    for timer in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        link = root / "etc/systemd/system" / timer
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")  # masked: no network, nothing to fetch or clean


def _sshd(root: Path) -> None:
    (root / "etc/ssh/sshd_config.d/stacklab.conf").write_text(SSHD)
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    dropin = root / "etc/systemd/system/ssh.service.d"
    dropin.mkdir(parents=True, exist_ok=True)
    (dropin / "stacklab-hostkeys.conf").write_text(SSH_KEYGEN_DROPIN)


def _disk_order(root: Path, log: BuildLog) -> None:
    script = root / DISK_ORDER_PATH
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(DISK_ORDER_SCRIPT)
    script.chmod(0o755)
    run(["update-initramfs", "-u", "-k", "all"], log, chroot=root, what="update-initramfs")


def _user(root: Path, user: str, key: str | None, log: BuildLog) -> None:
    if not (root / "home" / user).exists():
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", user],
            log, chroot=root, what=f"useradd {user}")
    sudoers = root / "etc/sudoers.d" / user
    sudoers.write_text(f"{user} ALL=(ALL) NOPASSWD:ALL\nDefaults:{user} !requiretty\n")
    sudoers.chmod(0o440)
    ssh = root / "home" / user / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    (ssh / "authorized_keys").write_text((key + "\n") if key else "")
    (ssh / "authorized_keys").chmod(0o600)
    run(["chown", "-R", f"{user}:{user}", f"/home/{user}/.ssh"], log, chroot=root)
