"""`class down`: deletes what `up` made, found on the cloud by the class's tag (Neutron
tags; server and volume metadata) and its names, so a resource the record missed (a run
cut short between "made" and "written down") goes too. Safe to run again: what is already
gone counts as deleted. What cannot be deleted is reported, never hidden."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stacklab.cloudclass.cloud import Retry, is_not_found, wait_server_gone
from stacklab.cloudclass.hosts import META, reason
from stacklab.cloudclass.names import key_name
from stacklab.cloudclass.record import tag_for


@dataclass
class Teardown:
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "what: why"
    addresses: list[str] = field(default_factory=list)  # the floating IPs deleted


def tear_down(conn: Any, name: str, key_names: set[str] | None, retry: Retry,
              timeout: int, say: Callable[[str], None]) -> Teardown:
    """Deletes the class's floating IPs, servers, volumes, ports, security group and key
    pairs (in that order: each depends on the ones before being gone)."""
    tag, result = tag_for(name), Teardown()

    def delete(what: str, operation: Callable[[], Any]) -> bool:
        try:
            retry(what, operation)
        except Exception as exc:
            cause = exc.__cause__ or exc
            if is_not_found(cause):
                return True
            result.failed.append(f"{what}: {reason(cause)}")
            return False
        result.deleted.append(what)
        say(f"deleted {what}")
        return True

    def listed(what: str, lister: Callable[[], Any]) -> list[Any]:
        try:
            return list(retry(f"listing {what}", lambda: list(lister())))
        except Exception as exc:
            result.failed.append(f"listing {what}: {reason(exc.__cause__ or exc)}")
            return []

    ours = lambda r: (getattr(r, "metadata", None) or {}).get(META) == name  # noqa: E731
    for ip in listed("floating IPs", lambda: conn.network.ips(tags=tag)):
        if delete(f"floating IP {ip.floating_ip_address}",
                  lambda ip=ip: conn.network.delete_ip(ip, ignore_missing=False)):
            result.addresses.append(ip.floating_ip_address)
    servers = [s for s in listed("servers", lambda: conn.compute.servers(details=True))
               if ours(s)]
    gone = [s for s in servers if delete(f"server {s.name}", lambda s=s:
                                         conn.compute.delete_server(s, ignore_missing=False))]
    for server in gone:
        try:
            wait_server_gone(conn, server, timeout, retry.sleep)
        except Exception as exc:
            result.failed.append(f"server {server.name}: still there ({reason(exc)})")
    for volume in [v for v in listed("volumes", lambda: conn.block_storage.volumes(
            details=True)) if ours(v)]:
        def drop(volume: Any = volume) -> None:
            if volume.status in ("in-use", "detaching", "attaching", "creating"):
                conn.block_storage.wait_for_status(volume, status="available",
                                                   failures=["error"], wait=timeout)
            conn.block_storage.delete_volume(volume, ignore_missing=False)
        delete(f"volume {volume.name}", drop)
    for port in listed("ports", lambda: conn.network.ports(tags=tag)):
        delete(f"port {port.name}",
               lambda p=port: conn.network.delete_port(p, ignore_missing=False))
    for group in listed("security groups", lambda: conn.network.security_groups(tags=tag)):
        delete(f"security group {group.name}",
               lambda g=group: conn.network.delete_security_group(g, ignore_missing=False))
    for pair in listed("key pairs", lambda: conn.compute.keypairs()):
        mine = pair.name in key_names if key_names is not None else \
            pair.name.startswith(key_name(name, ""))
        if mine:
            delete(f"key pair {pair.name}",
                   lambda p=pair: conn.compute.delete_keypair(p, ignore_missing=False))
    return result

