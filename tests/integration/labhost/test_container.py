"""`stacklab up --provider container`: a booted lab host with the tutorial's networks,
/dev/sdb, offline apt, and SSH through a loopback port; nothing reaches outside."""

from __future__ import annotations

import os
import subprocess

from stacklab.labhost import container
from stacklab.labhost.container.ready import run_ssh
from stacklab.settings import load_settings

NAME = f"slh-it{os.getpid() % 100000}"


def sh(target, command: str) -> str:
    status, out = run_ssh(target, command, timeout=60)
    assert status == 0, f"`{command}` exited {status}: {out}"
    return out.strip()


def test_the_host_answers_ssh_as_the_tutorials_host(lab):
    s = load_settings("container")
    assert (lab.hostname, lab.user, lab.kind) == ("127.0.0.1", s.host.user, "container")
    assert sh(lab, "hostname") == s.host.name
    assert sh(lab, "sudo -n id -u") == "0"
    assert sh(lab, "systemctl is-system-running --wait") in ("running", "degraded")


def test_the_second_disk_is_an_empty_block_device(lab):
    s = load_settings("container")
    dev = s.host.volume_disk.device
    assert sh(lab, f"test -b {dev} && echo block") == "block"
    assert int(sh(lab, f"sudo blockdev --getsize64 {dev}")) == s.host.volume_disk.size_gb * 2**30
    assert sh(lab, f"sudo head -c 1048576 {dev} | tr -d '\\0' | wc -c") == "0"


def test_the_lab_networks_are_the_tutorials(lab):
    s = load_settings("container")
    pub, priv = s.network.public, s.network.private
    addrs = sh(lab, "ip -4 -o addr show")
    assert f"{pub.interface}    inet {pub.address}/{pub.cidr.prefixlen}" in addrs
    assert f"{priv.interface}    inet {priv.address}/{priv.cidr.prefixlen}" in addrs
    # /sys shows the lab's own NICs (not the build machine's): tools that read sysfs agree
    assert sh(lab, f"cat /sys/class/net/{pub.interface}/address") == pub.mac.lower()
    assert sh(lab, "ls /sys/class/net").split() == sorted(["lo", pub.interface, priv.interface])


def test_the_container_has_no_route_out(lab):
    """Route look-ups only (nothing is sent): no default route, outside is unreachable."""
    assert "default" not in sh(lab, "ip route show; ip -6 route show")
    for outside in ("1.1.1.1", "8.8.8.8", "2001:db8::1"):
        out = sh(lab, f"ip route get {outside} 2>&1 || true")
        assert "unreachable" in out.lower(), out
    learner = container.Names(NAME).learner_netns
    routes = subprocess.run(["ip", "-n", learner, "route", "show", "default"],
                            capture_output=True, text=True, check=True).stdout
    assert routes.strip() == "", "the learner side has no way out either"


def test_the_learner_side_reaches_the_host_on_the_lab_network(lab):
    s = load_settings("container")
    learner = container.Names(NAME).learner_netns
    probe = (f"import socket; s=socket.create_connection(('{s.network.public.address}', 22),"
             " 5); print(s.recv(20))")
    out = subprocess.run(["ip", "netns", "exec", learner, "python3", "-c", probe],
                         capture_output=True, text=True, check=True).stdout
    assert "SSH-2.0" in out
    addr = subprocess.run(["ip", "-n", learner, "-4", "-o", "addr", "show", "lab0"],
                          capture_output=True, text=True, check=True).stdout
    assert f"{s.network.public.gateway}/{s.network.public.cidr.prefixlen}" in addr


def test_apt_installs_a_lab_package_without_network(lab):
    out = sh(lab, "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y python3-pymysql "
                  ">/tmp/apt.log 2>&1; echo $?; tail -n 3 /tmp/apt.log")
    assert out.splitlines()[0] == "0", out
    assert sh(lab, "python3 -c 'import pymysql; print(pymysql.__name__)'") == "pymysql"
    assert int(sh(lab, "ls /var/cache/apt/archives/*.deb | wc -l")) > 1000, "debs are kept"


def test_what_openstack_needs_is_there(lab):
    assert sh(lab, "test -c /dev/net/tun && echo tun") == "tun"
    assert sh(lab, "test -c /dev/loop-control && echo loop") == "loop"
    assert sh(lab, "sudo iptables -t nat -L -n >/dev/null && echo ok") == "ok"
    assert sh(lab, "sudo ip netns add t1 && sudo ip netns del t1 && echo ok") == "ok"
    assert "aims-guest" in sh(lab, "ls /var/lib/stacklab/guest")
