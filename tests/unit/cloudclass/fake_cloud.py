"""A small stand-in for an openstacksdk Connection to a school's cloud.

Answers are openstacksdk's own resource classes built from the APIs' bodies (Nova, Neutron,
Cinder, Glance), so the code under test reads the attributes it reads on a real cloud.
What it models, because `class up` and `class down` depend on it: quotas and usage, a
server that ends in ERROR, transient 503s, a port kept when its server goes (Nova keeps
ports it did not make), a volume that cannot be deleted while attached, a security group
that cannot be deleted while a port uses it, and NotFound for what is gone. It also refuses
(400, as the real APIs do) the names, descriptions, metadata and tags they would refuse:
see `API_RULES` below.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from typing import Any

from openstack import exceptions
from openstack.block_storage.v3.limits import Limits as VolumeLimits
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.keypair import Keypair
from openstack.compute.v2.limits import Limits
from openstack.compute.v2.server import Server
from openstack.image.v2.image import Image
from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.network import Network
from openstack.network.v2.port import Port
from openstack.network.v2.quota import QuotaDetails
from openstack.network.v2.security_group import SecurityGroup
from openstack.network.v2.security_group_rule import SecurityGroupRule

PROJECT = "9f1c0ffee0000000000000000000abcd"
FLAVORS = [("m1.tiny", 512, 1, 1), ("m1.small", 2048, 1, 20), ("m1.medium", 4096, 2, 40),
           ("m1.large", 8192, 4, 80), ("m1.xlarge", 16384, 8, 160)]


# API_RULES: what the real APIs refuse with 400 (OpenStack 2025.1), so a name the kit
# makes that a real cloud would refuse fails here too.
# Nova (nova/api/validation/parameter_types.py): `name` (server, key_name) printable, not
# starting or ending with a space, 1-255; a key pair's name `^[_\- a-zA-Z0-9]+$` below
# microversion 2.92 (openstacksdk asks 2.10 for key pairs); metadata keys
# `^[a-zA-Z0-9-_:. ]{1,255}$`, values up to 255; user_data up to 65535 (servers.py).
# Cinder (cinder/api/validation/parameter_types.py): name and description up to 255,
# metadata keys `^[a-zA-Z0-9-_:. /]{1,255}$`, values up to 255.
# Neutron: names and descriptions up to 255 (neutron_lib/db/constants.py), tags up to 255
# and 50 a resource (neutron/extensions/tagging.py), no security group named 'default'.
NOVA_KEYPAIR = re.compile(r"^[_\- a-zA-Z0-9]+$")
NOVA_METADATA_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")
CINDER_METADATA_KEY = re.compile(r"^[a-zA-Z0-9-_:. /]{1,255}$")


def bad_request(field: str, value: Any, why: str) -> Exception:
    """Nova's and Cinder's answer to a value their schema refuses (Neutron's reads alike)."""
    return exceptions.BadRequestException(
        f"Invalid input for field/attribute {field}. Value: {value}. {why}", http_status=400)


def check_text(field: str, value: Any, limit: int = 255) -> None:
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise bad_request(field, value, f"is longer than {limit} characters")


def check_nova_name(field: str, value: Any) -> None:
    printable = all(not unicodedata.category(c).startswith("C") and (
        not unicodedata.category(c).startswith("Z") or unicodedata.category(c) == "Zs")
        for c in value)
    if not 1 <= len(value) <= 255 or not printable or value != value.strip():
        raise bad_request(field, value, "printable characters, not starting or ending "
                                        "with whitespace, 1 to 255")


def check_metadata(field: str, metadata: dict, key_rule: re.Pattern) -> None:
    for key, value in (metadata or {}).items():
        if not key_rule.match(key):
            raise bad_request(field, key, f"does not match '{key_rule.pattern}'")
        check_text(f"{field}.{key}", value)


class FakeCloud:
    """The cloud's state, and the knobs a test turns (fail_next, server_fails, quotas)."""

    def __init__(self, flavors: list[tuple[str, int, int, int]] = FLAVORS) -> None:
        self._ids = itertools.count(1)
        self.current_project_id = PROJECT
        self.flavors = {f"f{n}": dict(id=f"f{n}", name=name, ram=ram, vcpus=vcpus, disk=disk)
                        for n, (name, ram, vcpus, disk) in enumerate(flavors)}
        self.images = {"img1": dict(id="img1", name="ubuntu-24.04", status="active"),
                       "img2": dict(id="img2", name="cirros", status="active")}
        self.networks = {
            "net1": {"id": "net1", "name": "class-net", "project_id": PROJECT,
                     "router:external": False},
            "ext1": {"id": "ext1", "name": "public", "project_id": "admin",
                     "router:external": True}}
        self.servers: dict[str, dict] = {}
        self.volumes: dict[str, dict] = {}
        self.ports: dict[str, dict] = {}
        self.ips: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}
        self.rules: dict[str, dict] = {}
        self.keypairs: dict[str, dict] = {}
        self.compute_limits = {"maxTotalInstances": 50, "totalInstancesUsed": 0,
                               "maxTotalCores": 200, "totalCoresUsed": 0,
                               "maxTotalRAMSize": 512000, "totalRAMUsed": 0}
        self.volume_limits = {"maxTotalVolumes": 50, "totalVolumesUsed": 0,
                              "maxTotalVolumeGigabytes": 5000, "totalGigabytesUsed": 0}
        self.network_quota = {"ports": {"limit": 100, "used": 0, "reserved": 0},
                              "floating_ips": {"limit": 50, "used": 0, "reserved": 0}}
        self.fail_next: dict[str, list[Exception]] = defaultdict(list)  # method → errors
        self.server_fails: set[str] = set()  # server names that end in ERROR
        # reads a deleted server still answers with status DELETED (and is listed)
        self.deleted_lingers = 0
        self.lingering: dict[str, int] = {}
        self.calls: list[str] = []
        self.compute = _Compute(self)
        self.network = _Network(self)
        self.block_storage = _BlockStorage(self)
        self.image = _Image(self)

    def new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids):04d}"

    def enter(self, method: str) -> None:
        """Every call: recorded, and failed when the test asked for it."""
        self.calls.append(method)
        if self.fail_next[method]:
            raise self.fail_next[method].pop(0)

    def counts(self) -> dict[str, int]:
        return {"servers": len(self.servers), "volumes": len(self.volumes),
                "ports": len(self.ports), "floating_ips": len(self.ips),
                "security_groups": len(self.groups), "keypairs": len(self.keypairs)}


def unavailable() -> Exception:
    return exceptions.HttpException("503 Service Unavailable", http_status=503)


def not_found(what: str) -> Exception:
    return exceptions.NotFoundException(f"{what} could not be found", http_status=404)


def _id(thing: Any) -> str:
    return thing if isinstance(thing, str) else thing.id


class _Proxy:
    def __init__(self, cloud: FakeCloud) -> None:
        self.c = cloud

    def _get(self, store: dict, cls: type, ident: Any, what: str) -> Any:
        body = store.get(_id(ident))
        if body is None:
            raise not_found(f"{what} {_id(ident)}")
        return cls.existing(**body)

    @staticmethod
    def _tagged(store: dict, cls: type, tags: Any) -> list:
        """Every resource in store, or those carrying `tags` (Neutron's tags= filter)."""
        return [cls.existing(**body) for body in store.values()
                if tags is None or tags in body.get("tags", [])]


class _Compute(_Proxy):
    def flavors(self, details: bool = True) -> list[Flavor]:
        self.c.enter("flavors")
        return [Flavor.existing(**f) for f in self.c.flavors.values()]

    def get_limits(self) -> Limits:
        self.c.enter("compute.get_limits")
        return Limits.existing(absolute=dict(self.c.compute_limits))

    def find_keypair(self, name: str, ignore_missing: bool = True) -> Keypair | None:
        self.c.enter("find_keypair")
        body = self.c.keypairs.get(name)
        return Keypair.existing(**body) if body else None

    def create_keypair(self, name: str, public_key: str) -> Keypair:
        self.c.enter("create_keypair")
        check_nova_name("name", name)
        if not NOVA_KEYPAIR.match(name):
            raise bad_request("name", name, f"'{name}' does not match "
                                            f"'{NOVA_KEYPAIR.pattern}'")
        if any(k.casefold() == name.casefold() for k in self.c.keypairs):  # MySQL compares
            raise exceptions.ConflictException(  # names without case
                f"Key pair '{name}' already exists.", http_status=409)
        self.c.keypairs[name] = {"id": name, "name": name, "public_key": public_key}
        return Keypair.existing(**self.c.keypairs[name])

    def keypairs(self) -> list[Keypair]:
        self.c.enter("keypairs")
        return [Keypair.existing(**k) for k in self.c.keypairs.values()]

    def delete_keypair(self, keypair: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_keypair")
        name = keypair if isinstance(keypair, str) else keypair.name
        if self.c.keypairs.pop(name, None) is None and not ignore_missing:
            raise not_found(f"key pair {name}")

    def create_server(self, **attrs: Any) -> Server:
        self.c.enter("create_server")
        check_nova_name("name", attrs["name"])
        check_metadata("metadata", attrs.get("metadata"), NOVA_METADATA_KEY)
        check_text("user_data", attrs.get("user_data"), 65535)
        if attrs.get("key_name") not in self.c.keypairs:
            raise exceptions.BadRequestException("Invalid key_name provided.",
                                                 http_status=400)
        port = self.c.ports[attrs["networks"][0]["port"]]
        sid = self.c.new_id("server")
        port["device_id"] = sid
        self.c.servers[sid] = {"id": sid, "name": attrs["name"], "status": "BUILD",
                               "metadata": attrs.get("metadata", {}),
                               "key_name": attrs.get("key_name"),
                               "flavor": {"id": attrs["flavor_id"]},
                               "image": {"id": attrs["image_id"]},
                               "user_data": attrs.get("user_data")}
        return Server.existing(**self.c.servers[sid])

    def get_server(self, server: Any) -> Server:
        self.c.enter("get_server")
        found = self._get(self.c.servers, Server, server, "server")
        sid = _id(server)
        if sid in self.c.lingering:  # one read fewer before the row goes
            self.c.lingering[sid] -= 1
            if not self.c.lingering[sid]:
                del self.c.lingering[sid], self.c.servers[sid]
        return found

    def wait_for_server(self, server: Any, status: str = "ACTIVE", failures: Any = None,
                        interval: Any = 2, wait: Any = 120) -> Server:
        self.c.enter("wait_for_server")
        body = self.c.servers[_id(server)]
        body["status"] = "ERROR" if body["name"] in self.c.server_fails else "ACTIVE"
        if body["status"] == "ERROR":
            body["fault"] = {"code": 500, "message": "No valid host was found. There are "
                             "not enough hosts available."}
            raise exceptions.ResourceFailure(
                f"Server {body['id']} transitioned to failure state ERROR")
        return Server.existing(**body)

    def servers(self, details: bool = True) -> list[Server]:
        self.c.enter("servers")
        return [Server.existing(**s) for s in self.c.servers.values()]

    def delete_server(self, server: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_server")
        sid = _id(server)
        body = self.c.servers.get(sid)
        if body is None or body["status"] == "DELETED":
            if not ignore_missing:
                raise not_found(f"server {sid}")
            return
        if self.c.deleted_lingers:  # Nova: vm_state deleted, the row not yet removed
            body["status"] = "DELETED"
            self.c.lingering[sid] = self.c.deleted_lingers
        else:
            del self.c.servers[sid]
        for volume in self.c.volumes.values():  # Nova detaches the volumes …
            if volume.get("server") == sid:
                volume.update(status="available", server=None)
        for port in self.c.ports.values():  # … and keeps the ports it did not make
            if port.get("device_id") == sid:
                port["device_id"] = ""

    def reboot_server(self, server: Any, reboot_type: str) -> None:
        self.c.enter("reboot_server")
        self.c.servers[_id(server)].setdefault("reboots", []).append(reboot_type)

    def get_server_console_output(self, server: Any, length: Any = None) -> dict:
        self.c.enter("get_server_console_output")
        lines = self.c.servers[_id(server)].get("console", [])
        return {"output": "".join(f"{ln}\n" for ln in lines[-(length or len(lines)):])}

    def create_volume_attachment(self, server: Any, volume: Any = None, **attrs: Any) -> Any:
        self.c.enter("create_volume_attachment")
        vid = _id(volume or attrs["volume_id"])
        self.c.volumes[vid].update(status="in-use", server=_id(server))
        return {"serverId": _id(server), "volumeId": vid}


class _Network(_Proxy):
    def networks(self, **query: Any) -> list[Network]:
        self.c.enter("networks")
        nets = [Network.existing(**n) for n in self.c.networks.values()]
        if "is_router_external" in query:
            nets = [n for n in nets if n.is_router_external == query["is_router_external"]]
        return nets

    def get_quota(self, project: str, details: bool = False) -> QuotaDetails:
        self.c.enter("network.get_quota")
        return QuotaDetails.existing(**self.c.network_quota)

    def set_tags(self, resource: Any, tags: list[str]) -> Any:
        self.c.enter("set_tags")
        for tag in tags:
            check_text("tags", tag)
        if len(set(tags)) > 50:
            raise bad_request("tags", tags, "more than the per-resource limit of 50")
        for store in (self.c.ports, self.c.ips, self.c.groups):
            if resource.id in store:
                store[resource.id]["tags"] = list(tags)
                return resource
        raise not_found(f"resource {resource.id}")

    def find_security_group(self, name: str, ignore_missing: bool = True) -> Any:
        self.c.enter("find_security_group")
        body = next((g for g in self.c.groups.values() if g["name"] == name), None)
        return SecurityGroup.existing(**body) if body else None

    def create_security_group(self, **attrs: Any) -> SecurityGroup:
        self.c.enter("create_security_group")
        check_text("name", attrs.get("name"))
        check_text("description", attrs.get("description"))
        if attrs.get("name") == "default":
            raise bad_request("name", "default", "'default' is reserved")
        gid = self.c.new_id("sg")
        self.c.groups[gid] = {"id": gid, "tags": [], **attrs}
        # Neutron adds egress rules to every new group; ingress is ours to give
        for ethertype in ("IPv4", "IPv6"):
            rid = self.c.new_id("rule")
            self.c.rules[rid] = {"id": rid, "security_group_id": gid, "direction": "egress",
                                 "ethertype": ethertype}
        return SecurityGroup.existing(**self.c.groups[gid])

    def security_group_rules(self, security_group_id: str) -> list[SecurityGroupRule]:
        self.c.enter("security_group_rules")
        return [SecurityGroupRule.existing(**r) for r in self.c.rules.values()
                if r["security_group_id"] == security_group_id]

    def create_security_group_rule(self, **attrs: Any) -> SecurityGroupRule:
        self.c.enter("create_security_group_rule")
        rid = self.c.new_id("rule")
        self.c.rules[rid] = {"id": rid, **attrs}
        return SecurityGroupRule.existing(**self.c.rules[rid])

    def delete_security_group_rule(self, rule: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_security_group_rule")
        self.c.rules.pop(_id(rule), None)

    def security_groups(self, tags: Any = None) -> list[SecurityGroup]:
        self.c.enter("security_groups")
        return self._tagged(self.c.groups, SecurityGroup, tags)

    def delete_security_group(self, group: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_security_group")
        gid = _id(group)
        if gid not in self.c.groups:
            if not ignore_missing:
                raise not_found(f"security group {gid}")
            return
        if any(gid in p["security_group_ids"] for p in self.c.ports.values()):
            raise exceptions.ConflictException(f"Security Group {gid} in use.",
                                               http_status=409)
        del self.c.groups[gid]
        for rid in [r for r, body in self.c.rules.items() if body["security_group_id"] == gid]:
            del self.c.rules[rid]

    def create_port(self, **attrs: Any) -> Port:
        self.c.enter("create_port")
        check_text("name", attrs.get("name"))
        check_text("description", attrs.get("description"))
        pid = self.c.new_id("port")
        n = len(self.c.ports) + 10
        self.c.ports[pid] = {"id": pid, "tags": [], "device_id": "",
                             "mac_address": f"fa:16:3e:00:00:{n:02x}",
                             "fixed_ips": [{"ip_address": f"10.20.0.{n}", "subnet_id": "s1"}],
                             **attrs}
        return Port.existing(**self.c.ports[pid])

    def get_port(self, port: Any) -> Port:
        self.c.enter("get_port")
        return self._get(self.c.ports, Port, port, "port")

    def ports(self, tags: Any = None) -> list[Port]:
        self.c.enter("ports")
        return self._tagged(self.c.ports, Port, tags)

    def delete_port(self, port: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_port")
        if self.c.ports.pop(_id(port), None) is None and not ignore_missing:
            raise not_found(f"port {_id(port)}")
        for ip in self.c.ips.values():  # Neutron disassociates its floating IP
            if ip.get("port_id") == _id(port):
                ip["port_id"] = None

    def create_ip(self, **attrs: Any) -> FloatingIP:
        self.c.enter("create_ip")
        check_text("description", attrs.get("description"))
        fid = self.c.new_id("fip")
        self.c.ips[fid] = {"id": fid, "tags": [], **attrs,
                           "floating_ip_address": f"203.0.113.{len(self.c.ips) + 10}"}
        return FloatingIP.existing(**self.c.ips[fid])

    def get_ip(self, ip: Any) -> FloatingIP:
        self.c.enter("get_ip")
        return self._get(self.c.ips, FloatingIP, ip, "floating IP")

    def ips(self, tags: Any = None) -> list[FloatingIP]:
        self.c.enter("ips")
        return self._tagged(self.c.ips, FloatingIP, tags)

    def delete_ip(self, ip: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_ip")
        if self.c.ips.pop(_id(ip), None) is None and not ignore_missing:
            raise not_found(f"floating IP {_id(ip)}")


class _BlockStorage(_Proxy):
    def get_limits(self) -> VolumeLimits:
        self.c.enter("block_storage.get_limits")
        return VolumeLimits.existing(absolute=dict(self.c.volume_limits))

    def create_volume(self, **attrs: Any) -> Volume:
        self.c.enter("create_volume")
        check_text("name", attrs.get("name"))
        check_text("description", attrs.get("description"))
        check_metadata("metadata", attrs.get("metadata"), CINDER_METADATA_KEY)
        vid = self.c.new_id("volume") + "-5c8e-4a1b-9d2f-000000000000"
        self.c.volumes[vid] = {"id": vid, "status": "available", "server": None, **attrs}
        return Volume.existing(**self.c.volumes[vid])

    def get_volume(self, volume: Any) -> Volume:
        self.c.enter("get_volume")
        return self._get(self.c.volumes, Volume, volume, "volume")

    def wait_for_status(self, resource: Any, status: str = "available", failures: Any = None,
                        interval: Any = 2, wait: Any = 120) -> Volume:
        self.c.enter("volume.wait_for_status")
        body = self.c.volumes[_id(resource)]
        if body["status"] != status:
            raise exceptions.ResourceTimeout(f"volume {body['id']} stays {body['status']}")
        return Volume.existing(**body)

    def volumes(self, details: bool = True) -> list[Volume]:
        self.c.enter("volumes")
        return [Volume.existing(**v) for v in self.c.volumes.values()]

    def delete_volume(self, volume: Any, ignore_missing: bool = True) -> None:
        self.c.enter("delete_volume")
        body = self.c.volumes.get(_id(volume))
        if body is None:
            if not ignore_missing:
                raise not_found(f"volume {_id(volume)}")
            return
        if body["status"] == "in-use":
            raise exceptions.BadRequestException("Volume status must be available",
                                                 http_status=400)
        del self.c.volumes[_id(volume)]


class _Image(_Proxy):
    def find_image(self, name: str, ignore_missing: bool = True) -> Image | None:
        self.c.enter("find_image")
        body = next((i for i in self.c.images.values() if name in (i["name"], i["id"])), None)
        return Image.existing(**body) if body else None

    def images(self) -> list[Image]:
        self.c.enter("images")
        return [Image.existing(**i) for i in self.c.images.values()]
