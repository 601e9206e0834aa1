"""The tutorial's networks in namespaces of their own, with no link to any outside network.

    learner namespace                    lab host namespace (the container's)
    lab0  <gateway>/24   ── veth ──      eth0  <public address>/24
    lab1  (no address)   ── veth ──      eth1  <private address>/24

The floating range lies inside the public network, so the learner side reaches it on-link
(ARP through lab0), as a learner's machine on a host-only network does. Neither namespace
has a default route: nothing leaves this pair of namespaces.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost.container.naming import Names
from stacklab.settings.schema import Settings

NETNS_DIR = Path("/run/netns")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise StacklabError(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def netns_path(name: str) -> Path:
    return NETNS_DIR / name


def exists(name: str) -> bool:
    return netns_path(name).exists()


def create(names: Names, s: Settings) -> list[str]:
    """Make both namespaces and their links; return the namespaces made (for `down`)."""
    pub, priv = s.network.public, s.network.private
    made = []
    for ns in (names.netns, names.learner_netns):
        if exists(ns):
            raise StacklabError(f"network namespace {ns} already exists",
                                f"run `stacklab down` (or `ip netns del {ns}`) first")
        ip("netns", "add", ns)
        made.append(ns)
        ip("-n", ns, "link", "set", "lo", "up")
    host, learner = names.netns, names.learner_netns
    ip("link", "add", pub.interface, "netns", host, "address", pub.mac, "type", "veth",
       "peer", "name", "lab0", "netns", learner)
    ip("link", "add", priv.interface, "netns", host, "address", priv.mac, "type", "veth",
       "peer", "name", "lab1", "netns", learner)
    ip("-n", host, "addr", "add", f"{pub.address}/{pub.cidr.prefixlen}", "dev", pub.interface)
    ip("-n", host, "addr", "add", f"{priv.address}/{priv.cidr.prefixlen}",
       "dev", priv.interface)
    ip("-n", learner, "addr", "add", f"{pub.gateway}/{pub.cidr.prefixlen}", "dev", "lab0")
    for ns, links in ((host, (pub.interface, priv.interface)), (learner, ("lab0", "lab1"))):
        for link in links:
            ip("-n", ns, "link", "set", link, "up")
    return made


def remove(namespaces: list[str]) -> None:
    """Delete the namespaces (their veth pairs go with them); missing ones are fine."""
    for ns in namespaces:
        if exists(ns):
            ip("netns", "del", ns, check=False)
