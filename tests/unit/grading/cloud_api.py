"""A solved lab host's OpenStack, as the APIs answer (Nova 2.x, Neutron, Cinder v3, Keystone v3,
Glance v2 response bodies), wrapped in openstacksdk resources so the snapshot script's own
normalisers (stacklab/grading/remote/snapshot.py) run on them exactly as on the lab host.
"""

from __future__ import annotations

import copy
import time
import uuid
import warnings

from openstack.block_storage.v3.service import Service as VolumeService
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.hypervisor import Hypervisor
from openstack.compute.v2.keypair import Keypair
from openstack.compute.v2.server import Server
from openstack.compute.v2.service import Service as ComputeService
from openstack.identity.v3.endpoint import Endpoint
from openstack.identity.v3.project import Project
from openstack.identity.v3.role import Role
from openstack.identity.v3.role_assignment import RoleAssignment
from openstack.identity.v3.service import Service as CatalogService
from openstack.identity.v3.user import User
from openstack.image.v2.image import Image
from openstack.network.v2.agent import Agent
from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.network import Network
from openstack.network.v2.port import Port
from openstack.network.v2.router import Router
from openstack.network.v2.security_group import SecurityGroup
from openstack.network.v2.subnet import Subnet

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx3bq1C0Qm4Jc0nV4b6Zb0cYqP8dJm2hQm9t"
              "Yl0Yx3e Generated-by-Nova")
WHEN = "2025-06-02T15:05:14.000000"


def ids(*names: str) -> dict[str, str]:
    return {n: str(uuid.uuid5(uuid.NAMESPACE_URL, n)) for n in names}


def solved_bodies(s) -> dict[str, list[dict]]:
    """API bodies of a cloud where every lab of the tutorial is done, from the settings."""
    i = ids("admin", "service", "aimsproj", "admin-user", "aimsuser", "admin-role",
            "nova-user", "service-role", "cloudadmin", "member", "kernel", "ramdisk", "image",
            "vmnet", "vmnet-subnet",
            "public", "public-subnet", "router", "rport", "gwport", "vmport", "server",
            "fip", "sg", "volume", "keystone", "glance", "placement", "nova", "neutron",
            "cinder")
    host, addr = s.host.name, str(s.network.public.address)
    fixed, floating = s.network.fixed, s.network.floating
    fixed_ip = str(next(fixed.cidr.hosts()) + 11)
    pool_end = str(floating.cidr.broadcast_address - 1)
    catalog = [("keystone", "identity", 5000, "/v3"), ("glance", "image", 9292, ""),
               ("placement", "placement", 8778, ""), ("nova", "compute", 8774, "/v2.1"),
               ("neutron", "network", 9696, ""), ("cinder", "block-storage", 8776,
                                                    "/v3/%(project_id)s")]

    def svc(binary, zone, h=host):
        return {"id": str(uuid.uuid4()), "binary": binary, "host": h, "zone": zone,
                "status": "enabled", "state": "up", "updated_at": WHEN,
                "disabled_reason": None, "forced_down": False}

    def agent(binary, kind):
        return {"id": str(uuid.uuid4()), "agent_type": kind, "binary": binary, "topic": "N/A",
                "host": host, "admin_state_up": True, "alive": True,
                "heartbeat_timestamp": "2025-06-02 15:05:10", "availability_zone": None,
                "configurations": {}, "resource_versions": {}}

    def rule(protocol, low=None, high=None, prefix="0.0.0.0/0", direction="ingress"):
        return {"id": str(uuid.uuid4()), "direction": direction, "ethertype": "IPv4",
                "protocol": protocol, "port_range_min": low, "port_range_max": high,
                "remote_ip_prefix": prefix, "remote_group_id": None,
                "security_group_id": i["sg"]}

    return {
        "compute_services": [svc("nova-scheduler", "internal"), svc("nova-conductor", "internal"),
                             svc("nova-compute", "nova")],
        "volume_services": [svc("cinder-scheduler", "nova"),
                            svc("cinder-volume", "nova", f"{host}@lvm")],
        "network_agents": [agent("neutron-openvswitch-agent", "Open vSwitch agent"),
                           agent("neutron-l3-agent", "L3 agent"),
                           agent("neutron-dhcp-agent", "DHCP agent"),
                           agent("neutron-metadata-agent", "Metadata agent")],
        "catalog_services": [{"id": i[name], "name": name, "type": kind, "enabled": True}
                             for name, kind, _, _ in catalog],
        "endpoints": [{"id": str(uuid.uuid4()), "interface": iface, "region_id": s.openstack.region,
                       "region": s.openstack.region, "service_id": i[name],
                       "url": f"http://{addr}:{port}{path}", "enabled": True}
                      for name, _, port, path in catalog
                      for iface in ("public", "internal", "admin")],
        "projects": [{"id": i[p], "name": p if p != "aimsproj" else s.identity.project,
                      "domain_id": "default", "enabled": True, "is_domain": False}
                     for p in ("admin", "service", "aimsproj")],
        "users": [{"id": i["admin-user"], "name": "admin", "domain_id": "default", "enabled": True},
                  {"id": i["aimsuser"], "name": s.identity.user, "domain_id": "default",
                   "enabled": True, "default_project_id": i["aimsproj"]},
                  {"id": i["nova-user"], "name": "nova", "domain_id": "default",
                   "enabled": True}],
        "roles": [{"id": i["admin-role"], "name": s.identity.implied_role},
                  {"id": i["cloudadmin"], "name": s.identity.role},
                  {"id": i["member"], "name": "member"},
                  {"id": i["service-role"], "name": "service"}],
        "role_assignments": [
            {"role": {"id": i["admin-role"]}, "scope": {"project": {"id": i["admin"]}},
             "user": {"id": i["admin-user"]}},
            {"role": {"id": i["cloudadmin"]}, "scope": {"project": {"id": i["aimsproj"]}},
             "user": {"id": i["aimsuser"]}},
            {"role": {"id": i["service-role"]}, "scope": {"project": {"id": i["service"]}},
             "user": {"id": i["nova-user"]}}],
        "role_inferences": [{"prior_role": {"id": i["cloudadmin"], "name": s.identity.role},
                             "implies": [{"id": i["admin-role"],
                                          "name": s.identity.implied_role}]}],
        "images": [
            {"id": i["kernel"], "name": f"{s.image.name}-kernel", "status": "active",
             "visibility": "public", "owner": i["admin"], "disk_format": "aki",
             "container_format": "aki", "size": 8_000_000},
            {"id": i["ramdisk"], "name": f"{s.image.name}-ramdisk", "status": "active",
             "visibility": "public", "owner": i["admin"], "disk_format": "ari",
             "container_format": "ari", "size": 2_000_000},
            {"id": i["image"], "name": s.image.name, "status": "active", "visibility": "public",
             "owner": i["admin"], "disk_format": "qcow2", "container_format": "bare",
             "size": 21_233_664, "kernel_id": i["kernel"], "ramdisk_id": i["ramdisk"],
             "min_disk": 0, "min_ram": 0}],
        "flavors": [{"id": "1", "name": s.instance.flavor, "ram": s.instance.flavor_ram_mb,
                     "disk": s.instance.flavor_disk_gb, "vcpus": s.instance.flavor_vcpus,
                     "os-flavor-access:is_public": True, "OS-FLV-EXT-DATA:ephemeral": 0}],
        "hypervisors": [{"id": str(uuid.uuid4()), "hypervisor_hostname": host, "state": "up",
                         "status": "enabled", "hypervisor_type": "QEMU"}],
        "servers": [{"id": i["server"], "name": s.instance.name, "status": "ACTIVE",
                     "tenant_id": i["aimsproj"], "user_id": i["aimsuser"],
                     "flavor": {"original_name": s.instance.flavor, "vcpus": 1, "ram": 512,
                                "disk": 1, "ephemeral": 0, "swap": 0, "extra_specs": {}},
                     "key_name": s.instance.keypair, "image": {"id": i["image"], "links": []},
                     "addresses": {fixed.name: [
                         {"version": 4, "addr": fixed_ip, "OS-EXT-IPS:type": "fixed",
                          "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:11:22:33"},
                         {"version": 4, "addr": str(floating.first_ip),
                          "OS-EXT-IPS:type": "floating",
                          "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:11:22:33"}]},
                     "security_groups": [{"name": s.instance.security_group}],
                     "os-extended-volumes:volumes_attached": [
                         {"id": i["volume"], "delete_on_termination": False}],
                     "OS-EXT-SRV-ATTR:host": host, "OS-EXT-STS:vm_state": "active"}],
        "networks": [
            {"id": i["vmnet"], "name": fixed.name, "router:external": False, "shared": False,
             "provider:network_type": "vxlan", "provider:physical_network": None,
             "project_id": i["aimsproj"], "subnets": [i["vmnet-subnet"]], "status": "ACTIVE"},
            {"id": i["public"], "name": floating.network, "router:external": True,
             "shared": False, "provider:network_type": "flat",
             "provider:physical_network": floating.physical_network,
             "project_id": i["admin"], "subnets": [i["public-subnet"]], "status": "ACTIVE"}],
        "subnets": [
            {"id": i["vmnet-subnet"], "name": fixed.subnet, "network_id": i["vmnet"],
             "cidr": str(fixed.cidr), "gateway_ip": str(next(fixed.cidr.hosts())),
             "allocation_pools": [{"start": str(next(fixed.cidr.hosts()) + 1),
                                   "end": str(fixed.cidr.broadcast_address - 1)}],
             "enable_dhcp": True, "ip_version": 4},
            {"id": i["public-subnet"], "name": floating.subnet, "network_id": i["public"],
             "cidr": str(s.network.public.cidr), "gateway_ip": str(s.network.public.gateway),
             "allocation_pools": [{"start": str(floating.first_ip), "end": pool_end}],
             "enable_dhcp": False, "ip_version": 4}],
        "routers": [{"id": i["router"], "name": s.network.router, "project_id": i["aimsproj"],
                     "external_gateway_info": {"network_id": i["public"], "enable_snat": True,
                                               "external_fixed_ips": []}}],
        "ports": [
            {"id": i["rport"], "network_id": i["vmnet"], "device_id": i["router"],
             "device_owner": "network:router_interface",
             "fixed_ips": [{"subnet_id": i["vmnet-subnet"],
                            "ip_address": str(next(fixed.cidr.hosts()))}]},
            {"id": i["gwport"], "network_id": i["public"], "device_id": i["router"],
             "device_owner": "network:router_gateway",
             "fixed_ips": [{"subnet_id": i["public-subnet"], "ip_address": pool_end}]},
            {"id": i["vmport"], "network_id": i["vmnet"], "device_id": i["server"],
             "device_owner": "compute:nova",
             "fixed_ips": [{"subnet_id": i["vmnet-subnet"], "ip_address": fixed_ip}]}],
        "floating_ips": [{"id": i["fip"], "floating_ip_address": str(floating.first_ip),
                          "port_id": i["vmport"], "fixed_ip_address": fixed_ip,
                          "status": "ACTIVE", "project_id": i["aimsproj"],
                          "floating_network_id": i["public"]}],
        "security_groups": [{"id": i["sg"], "name": s.instance.security_group,
                             "project_id": i["aimsproj"],
                             "security_group_rules": [rule(None, direction="egress",
                                                           prefix=None),
                                                      rule("tcp", 22, 22), rule("icmp")]}],
        "volumes": [{"id": i["volume"], "name": s.volume.name, "status": "in-use",
                     "size": s.volume.size_gb, "availability_zone": s.volume.zone,
                     "os-vol-tenant-attr:tenant_id": i["aimsproj"],
                     "os-vol-host-attr:host": f"{host}@lvm#lvm",
                     "attachments": [{"server_id": i["server"], "attachment_id": "a1",
                                      "device": s.volume.device, "volume_id": i["volume"],
                                      "id": i["volume"], "host_name": host}]}],
        "keypairs": [{"name": s.instance.keypair, "public_key": PUBLIC_KEY,
                      "fingerprint": "SHA256:5b9+2x0m3wO9e1p1cN1c7Q2cQ0m1bqk8fFvYxq3m1e4",
                      "type": "ssh"}],
    }


RESOURCE = {
    "compute_services": ComputeService, "volume_services": VolumeService,
    "network_agents": Agent, "catalog_services": CatalogService, "endpoints": Endpoint,
    "projects": Project, "users": User, "roles": Role, "role_assignments": RoleAssignment,
    "images": Image, "flavors": Flavor, "hypervisors": Hypervisor, "servers": Server,
    "networks": Network, "subnets": Subnet, "routers": Router, "ports": Port,
    "floating_ips": FloatingIP, "security_groups": SecurityGroup, "volumes": Volume,
    "keypairs": Keypair,
}
# which proxy and method the snapshot script calls for each kind
CALLS = {
    "compute_services": ("compute", "services"), "volume_services": ("block_storage", "services"),
    "network_agents": ("network", "agents"), "catalog_services": ("identity", "services"),
    "endpoints": ("identity", "endpoints"), "projects": ("identity", "projects"),
    "users": ("identity", "users"), "roles": ("identity", "roles"),
    "role_assignments": ("identity", "role_assignments"), "images": ("image", "images"),
    "flavors": ("compute", "flavors"), "hypervisors": ("compute", "hypervisors"),
    "servers": ("compute", "servers"), "networks": ("network", "networks"),
    "subnets": ("network", "subnets"), "routers": ("network", "routers"),
    "ports": ("network", "ports"), "floating_ips": ("network", "ips"),
    "security_groups": ("network", "security_groups"), "volumes": ("block_storage", "volumes"),
    "keypairs": ("compute", "keypairs"),
}


class _Response:
    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class _Proxy:
    def __init__(self, conn, name):
        self.conn, self.name = conn, name

    def __getattr__(self, method):
        kinds = [k for k, (proxy, m) in CALLS.items() if proxy == self.name and m == method]
        if not kinds:
            raise AttributeError(method)
        kind = kinds[0]

        def lister(**_query):
            time.sleep(self.conn.delays.get(kind, 0.0))  # a slow API
            failing = self.conn.failing.get(kind)
            if isinstance(failing, Exception):  # e.g. keystoneauth's ConnectTimeout
                raise failing
            if failing is not None:
                raise RuntimeError(failing)
            with warnings.catch_warnings():  # the sdk deprecates internals it still uses
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                return [RESOURCE[kind].existing(**copy.deepcopy(b))
                        for b in self.conn.bodies[kind]]
        return lister

    def get(self, path):
        assert path == "/role_inferences"
        return _Response({"role_inferences": self.conn.bodies["role_inferences"]})


class FakeConnection:
    """Answers the snapshot script's calls from API bodies; `failing` kinds raise, `delays`
    (seconds) make a kind's API slow."""

    def __init__(self, bodies, failing=None, delays=None):
        self.bodies, self.failing = bodies, dict(failing or {})
        self.delays = dict(delays or {})
        for proxy in ("compute", "block_storage", "network", "identity", "image"):
            setattr(self, proxy, _Proxy(self, proxy))
