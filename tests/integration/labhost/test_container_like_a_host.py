"""The container lab host behaves like a real Debian 13 host where the labs need it:
Neutron's L3 agent sets sysctls in the namespaces it makes, and the SSH user can ping (the
floating IP's check does), with no workaround in the solutions."""

from __future__ import annotations

import os

from stacklab.labhost.container.ready import run_ssh
from stacklab.settings import load_settings

NAME = f"slp-host{os.getpid() % 100000}"


def sh(target, command: str) -> tuple[int, str]:
    status, out = run_ssh(target, command, timeout=60)
    return status, out.strip()


def test_the_l3_agents_sysctls_work_in_a_new_namespace(lab):
    """What neutron-l3-agent does for each router: a namespace, then forwarding on in it."""
    ns = "slp-qrouter"
    status, out = sh(lab, f"sudo ip netns add {ns} && "
                          f"sudo ip netns exec {ns} sysctl -w net.ipv4.ip_forward=1 "
                          "net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.arp_ignore=1 && "
                          f"sudo ip netns exec {ns} cat /proc/sys/net/ipv4/ip_forward; "
                          f"rc=$?; sudo ip netns del {ns}; exit $rc")
    assert status == 0 and out.splitlines()[-1] == "1", out


def test_only_the_network_sysctls_are_writable(lab):
    """The host's kernel settings stay out of the container's reach."""
    status, out = sh(lab, "for f in /proc/sys/vm/max_map_count /proc/sys/kernel/sysrq "
                          "/proc/sys/net/ipv4/ip_forward; do "
                          "sudo test -w $f && echo rw || echo ro; done")
    assert status == 0 and out.split() == ["ro", "ro", "rw"], out


def test_the_ssh_user_can_ping(lab):
    s = load_settings("container")
    status, out = sh(lab, "id -u")
    assert status == 0 and out != "0", "the check must run as the (unprivileged) SSH user"
    for address in ("127.0.0.1", s.network.public.address, s.network.public.gateway):
        status, out = sh(lab, f"ping -c 1 -W 2 {address}")  # the gateway: our learner netns
        assert status == 0 and " 0% packet loss" in out, out


def test_the_hosts_own_sysctl_settings_were_applied_at_boot(lab):
    """systemd-sysctl runs at boot as on a real host (its condition is a writable
    /proc/sys/net) and applies Debian's defaults: unprivileged ping among them."""
    status, out = sh(lab, "systemctl is-active systemd-sysctl; "
                          "cat /proc/sys/net/ipv4/ping_group_range")
    assert status == 0 and out.split() == ["active", "0", "2147483647"], out
