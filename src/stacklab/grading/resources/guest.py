"""The instance, seen from the lab host: ping and ssh to its floating IP, or to its fixed
address from inside the router's network namespace when the floating IP does not answer."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stacklab.grading.markers import CheckError, CheckFailed
from stacklab.grading.resources import memo

if TYPE_CHECKING:
    from stacklab.grading.resources.cloud import Cloud

# Graders only read: no known_hosts written and, with -F, no ~/.ssh created either (ssh makes
# that folder only when it reads the user's own config); the same under sudo for root.
SSH_OPTIONS = ("-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no "
               "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=8 -o LogLevel=ERROR")
# A small guest's sshd (dropbear) drops connections beyond a few not yet logged in, or takes
# one and is too slow to send its banner (a TCG guest, 30 graders at once): under a class
# run's load that is no answer about the guest, so ssh is tried again, then an error.
BUSY = ("kex_exchange_identification", "Connection reset by peer",
        "Connection closed by remote host", "Connection timed out during banner exchange")
RETRY_PAUSES = (0.5, 1.5, 3.0)
ROUTER_INTERFACES = ("network:router_interface", "network:router_interface_distributed",
                     "network:ha_router_replicated_interface")


@dataclass(frozen=True)
class Answer:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Route:
    """How the lab host reaches the instance for ssh."""

    address: str
    namespace: str = ""  # 'qrouter-<router id>': ssh runs inside the router's namespace
    why: str = ""  # why not the floating IP ('' when the floating IP is the way)

    def __str__(self) -> str:
        if self.namespace:
            return f"its fixed address {self.address} through {self.namespace}"
        return f"its floating IP {self.address}"


PING = "ping -c 2 -i 0.3 -W 2 %s"
# No reply at all: asked once more, patiently (the first reply ends it): a TCG guest under
# a class run's load may miss the quick one; a guest that is truly silent still fails.
PING_PATIENT = "ping -c 1 -i 0.5 -w 8 %s"


def ping(host: Any, address: str) -> Answer:
    def read() -> Answer:
        out = host.run(PING, address)
        if out.rc == 1:  # ping's "no reply" (2 is an error: no route, unknown address)
            out = host.run(PING_PATIENT, address)
        lines = [line for line in out.stdout.splitlines() if "packets transmitted" in line]
        summary = lines[-1].strip() if lines else (out.stderr.strip() or "no reply")
        return Answer(out.rc == 0, summary)
    return memo(host, f"ping:{address}", read)


def ssh(host: Any, address: str, user: str, key_name: str, command: str,
        namespace: str = "") -> Answer:
    """Run `command` in the guest as `user`, with the key saved in the SSH user's home.

    With `namespace`, ssh runs in that network namespace (``sudo -n ip netns exec``): the
    key is still the SSH user's ("$HOME" is expanded before sudo).
    """
    def read() -> Answer:
        line = f'ssh -i "$HOME"/%s {SSH_OPTIONS} %s %s'
        args = [key_name, f"{user}@{address}", command]
        if namespace:
            line, args = "sudo -n ip netns exec %s " + line, [namespace, *args]
        for pause in (*RETRY_PAUSES, None):
            out = host.run(line, *args)
            if out.rc == 0:
                return Answer(True, out.stdout)
            lines = [text for text in out.stderr.splitlines() if text.strip()]
            reason = lines[-1].strip() if lines else f"ssh exited {out.rc}"
            if out.rc != 255 or not any(mark in reason for mark in BUSY):
                return Answer(False, reason)
            if pause is not None:
                # spread: graders that met a busy guest together do not all come back together
                time.sleep(pause * random.uniform(1.0, 2.0))
        raise CheckError(f"ssh {user}@{address}: {reason}, {len(RETRY_PAUSES) + 1} times: the "
                         "guest's sshd took the connection but dropped it or did not "
                         "answer before the key exchange (it limits connections not yet logged "
                         "in, and a slow guest answers late when many graders ask at once)")
    return memo(host, f"guest:{namespace}:{address}:{user}:{key_name}:{command}", read)


def partitions(host: Any, address: str, user: str, key_name: str, namespace: str = "") -> Answer:
    """The guest's /proc/partitions: one ssh serves the ssh check and the /dev/vdb check."""
    return ssh(host, address, user, key_name, "cat /proc/partitions", namespace)


def route_to(host: Any, cloud: Cloud, settings: Any) -> Route:
    """How to reach the instance: its floating IP when that answers ssh, else its fixed
    address from the namespace of the router on its network (qrouter-<id> on the lab host).

    Lab 14 looks inside the instance without depending on lab 13's floating IP; lab 13's
    own checks keep asking the floating IP itself.
    """
    floating = str(settings.network.floating.first_ip)

    def choose() -> Route:
        server = cloud.instance()
        if server is None:
            return Route(floating)
        associated = _associated(cloud, floating, server)
        if associated is False:
            why = f"the floating IP {floating} is not associated with {server['name']}"
        else:
            answer = partitions(host, floating, settings.login_user,
                                settings.instance.private_key)
            if answer.ok:
                return Route(floating)
            why = f"the floating IP {floating} does not answer ssh: {answer.detail}"
        inside = _inside(cloud, server)
        if inside is None:
            return Route(floating, why=f"{why}; no router has an interface on "
                                       f"{server['name']}'s network to reach it from")
        address, router = inside
        return Route(address, namespace=f"qrouter-{router}", why=why)
    return memo(host, "guest-route", choose)


def _associated(cloud: Cloud, floating: str, server: dict[str, Any]) -> bool | None:
    """Whether the floating IP is on the instance's port (None: the cloud cannot say)."""
    try:
        fips = [f for f in cloud.items("floating_ips") if f["address"] == floating]
        port = cloud.by_id("ports", fips[0]["port_id"]) if fips and fips[0]["port_id"] else None
    except (CheckFailed, CheckError):  # the cloud cannot say
        return None
    return port is not None and port["device_id"] == server["id"]


def _inside(cloud: Cloud, server: dict[str, Any]) -> tuple[str, str] | None:
    """(the instance's fixed address, the id of a router on that network), or None."""
    try:
        ports = cloud.items("ports")
    except (CheckFailed, CheckError):  # the cloud cannot say
        return None
    for port in ports:
        if port["device_id"] != server["id"]:
            continue
        routers = [p["device_id"] for p in ports if p["network_id"] == port["network_id"]
                   and p["device_owner"] in ROUTER_INTERFACES]
        addresses = [f["ip"] for f in port["fixed_ips"] if f.get("ip")]
        if routers and addresses:
            return addresses[0], routers[0]
    return None


def block_devices(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0].isdigit():
            names.append("/dev/" + fields[3])
    return names
