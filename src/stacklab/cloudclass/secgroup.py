"""The class's security group: SSH only from the instructor's address range."""

from __future__ import annotations

from typing import Any

from stacklab.cloudclass.cloud import Retry


def ensure_security_group(conn: Any, retry: Retry, name: str, tag: str, ssh_from: str) -> Any:
    """The group (made once; its rules put right on a second `up`), tagged with the class."""
    def make() -> Any:
        group = conn.network.find_security_group(name, ignore_missing=True)
        if group is None:
            group = conn.network.create_security_group(
                name=name, description="stacklab class: SSH from the instructor's range")
            conn.network.set_tags(group, [tag])
        for rule in list(conn.network.security_group_rules(security_group_id=group.id)):
            if rule.direction == "ingress" and not _is_ours(rule, ssh_from):
                conn.network.delete_security_group_rule(rule, ignore_missing=True)
        rules = list(conn.network.security_group_rules(security_group_id=group.id))
        if not any(_is_ours(r, ssh_from) for r in rules):
            conn.network.create_security_group_rule(
                security_group_id=group.id, direction="ingress", ethertype="IPv4",
                protocol="tcp", port_range_min=22, port_range_max=22,
                remote_ip_prefix=ssh_from)
        return group

    return retry(f"security group {name}", make)


def _is_ours(rule: Any, ssh_from: str) -> bool:
    return (rule.direction == "ingress" and rule.protocol == "tcp"
            and rule.port_range_min == 22 and rule.port_range_max == 22
            and rule.remote_ip_prefix == ssh_from)
