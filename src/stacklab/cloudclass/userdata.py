"""cloud-init user-data for a student's host: the Vagrant VM's own provisioning.

The script is the one the Vagrantfile runs (src/stacklab/vagrant/provision.sh, read from
the package, never copied), with the same SL_* values from the settings. What a cloud
changes is set around it:

- the lab user (host.user) with the student's key and password-less sudo, as in the box;
- the management NIC is the Neutron port made for the host (its MAC is known before boot);
- the tutorial's eth0/eth1 have no NIC of the cloud behind them: they are dummy links with
  the settings' MACs (systemd-networkd .netdev), so the address plan inside is unchanged;
- the second disk is a volume the cloud names /dev/vdX: a udev rule gives it the device
  name the labs use (host.volume_disk.device), found by the volume's serial (its id);
- the reboot the Vagrantfile does after provisioning (the NIC names take effect), and the
  host name and /etc/hosts kept as provision.sh leaves them (cloud-init would put the
  server's name back at every boot).
"""

from __future__ import annotations

import re

import yaml

from stacklab.paths import PACKAGE_DIR
from stacklab.settings.schema import Settings

PROVISION = PACKAGE_DIR / "vagrant" / "provision.sh"
ON_HOST = "/var/lib/stacklab/provision.sh"


def provision_env(s: Settings, management_mac: str) -> dict[str, str]:
    """The SL_* values the Vagrantfile gives provision.sh (test: the same names)."""
    pub, priv = s.network.public, s.network.private
    return {
        "SL_HOSTNAME": s.host.name, "SL_OS": s.host.os, "SL_CODENAME": s.openstack.codename,
        "SL_PUBLIC_IF": pub.interface, "SL_PUBLIC_ADDRESS": str(pub.address),
        "SL_PUBLIC_PREFIX": str(pub.cidr.prefixlen), "SL_PUBLIC_MAC": pub.mac,
        "SL_PRIVATE_IF": priv.interface, "SL_PRIVATE_ADDRESS": str(priv.address),
        "SL_PRIVATE_PREFIX": str(priv.cidr.prefixlen), "SL_PRIVATE_MAC": priv.mac,
        "SL_MGMT_MAC": management_mac, "SL_DISK": s.host.volume_disk.device,
    }


def user_data(s: Settings, public_key: str, management_mac: str, volume_id: str) -> str:
    env = provision_env(s, management_mac)
    disk = s.host.volume_disk.device.removeprefix("/dev/")
    files = [{"path": ON_HOST, "permissions": "0755",
              "content": PROVISION.read_text(encoding="utf-8")},
             {"path": "/etc/udev/rules.d/60-stacklab-volume-disk.rules",
              "content": f'KERNEL=="vd*[!0-9]", ENV{{ID_SERIAL}}=="{volume_id[:20]}*", '
                         f'SYMLINK+="{disk}"\n'}]
    for nic in (s.network.public, s.network.private):
        files.append({"path": f"/etc/systemd/network/05-stacklab-{nic.interface}.netdev",
                      "content": f"[NetDev]\nName={nic.interface}\nKind=dummy\n"
                                 f"MACAddress={nic.mac}\n"})
    config = {
        # provision.sh names the host and maps it in /etc/hosts (tutorial §4): cloud-init
        # must not put the server's name back at the next boot
        "preserve_hostname": True,
        "manage_etc_hosts": False,
        "users": ["default", {"name": s.host.user, "shell": "/bin/bash",
                              "sudo": "ALL=(ALL) NOPASSWD:ALL",
                              "ssh_authorized_keys": [public_key]}],
        "write_files": files,
        "runcmd": [["udevadm", "trigger", "--subsystem-match=block"],
                   ["env", *(f"{k}={v}" for k, v in env.items()), "sh", ON_HOST]],
        "power_state": {"mode": "reboot", "condition": True,
                        "message": "stacklab: reboot so the NIC names take effect"},
    }
    return "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False, width=1000)


def vagrantfile_env_names(text: str) -> set[str]:
    """The SL_* names the Vagrantfile's "base" provisioner passes (for the test that keeps
    the two in step)."""
    block = text.split('provision "base"', 1)[1].split("}", 1)[0]
    return set(re.findall(r'"(SL_[A-Z_]+)"', block))
