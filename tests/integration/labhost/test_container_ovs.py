"""Open vSwitch with the userspace datapath inside the container lab host (no kernel
datapath on the build machines): installed offline from the box's cache, and TCP to a
guest works through it once `userspace-tso-enable=true` is set (the solutions set it when
settings.host.capabilities.ovs_datapath is netdev; without it, measured, every TCP
connection through the bridge fails while DHCP still works)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from stacklab.labhost import container
from stacklab.labhost.container.ready import run_ssh
from stacklab.settings import load_settings

NAME = f"slh-ov{os.getpid() % 100000}"
TRIAL = Path(__file__).with_name("ovs_netdev_trial.sh")


@pytest.fixture(scope="module")
def lab(box, tmp_path_factory):
    os.environ.setdefault("STACKLAB_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = container.up(name=NAME, ssh_port=port, record=False)
    yield target
    container.down(name=NAME, timeout=60)


def sh(target, command: str, timeout: float = 120) -> str:
    status, out = run_ssh(target, command, timeout=timeout)
    assert status == 0, f"`{command}` exited {status}: {out}"
    return out.strip()


def test_the_container_profile_asks_for_the_userspace_datapath():
    assert load_settings("container").host.capabilities.ovs_datapath == "netdev"


# the guest's stages, each once in its serial console's log
STAGES = ("booting", "asking DHCP on", "address 10.99.0.10/24; looking for the key",
          "key from the metadata service", "starting sshd", "ready 10.99.0.10/24")


@pytest.mark.parametrize("cmdline", ["console=ttyS0 quiet",
                                     "console=tty0 console=ttyS0 console=hvc0"],
                         ids=["serial-console", "novas-command-line"])
def test_tcp_to_a_guest_through_a_netdev_bridge_works_with_userspace_tso(lab, cmdline):
    sh(lab, "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "
            "openvswitch-switch qemu-system-x86 dnsmasq-base >/tmp/apt.log 2>&1")
    assert sh(lab, "systemctl is-active ovs-vswitchd") == "active"
    sh(lab, f"cat > /tmp/trial.sh << 'TRIAL'\n{TRIAL.read_text()}\nTRIAL")
    out = sh(lab, f"sudo bash /tmp/trial.sh true '{cmdline}' 2>&1", timeout=300)
    lines = [ln.strip() for ln in out.splitlines() if ln.startswith("stacklab-guest: ")]
    for stage in STAGES:  # "key from the metadata service": HTTP guest → namespace
        assert sum(ln.startswith(f"stacklab-guest: {stage}") for ln in lines) == 1, out
    assert "ssh-ok aims-ovs" in out, out  # SSH namespace → guest
    assert "tso=true ssh=yes" in out, out
