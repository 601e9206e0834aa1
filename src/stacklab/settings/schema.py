"""The shape of lab.yaml, and the rules that tie its values together.

Every model forbids unknown keys, so a typo is reported instead of silently ignored.
Cross-field rules (an address inside its subnet, ranges that must not overlap) live in
:meth:`Settings.check_consistency` and raise ``ValueError`` whose text starts with the
key that is wrong; the loader turns that into one line for the learner.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAC = r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"
HOSTNAME = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class OpenStack(Model):
    release: str = Field(pattern=r"^\d{4}\.\d$")
    codename: str
    region: str
    admin_password: str = Field(min_length=1)
    service_password: str = Field(min_length=1)
    metadata_secret: str = Field(min_length=1)
    admin_rc_file: str


class VolumeDisk(Model):
    device: str = Field(pattern=r"^/dev/[a-z]+[a-z0-9]*$")
    size_gb: int = Field(ge=2, le=2048)
    volume_group: str = Field(pattern=r"^[A-Za-z0-9+_.\-]+$")


class Capabilities(Model):
    virt_type: Literal["qemu", "kvm"]
    ovs_datapath: Literal["system", "netdev"]
    volume_backend: Literal["lvm", "rbd"]


class Host(Model):
    name: str = Field(pattern=HOSTNAME)
    os: Literal["ubuntu-24.04", "debian-13"]
    user: str = Field(pattern=r"^[a-z_][a-z0-9_-]*$")
    memory_mb: int = Field(ge=2048)
    cpus: int = Field(ge=1)
    accelerator: Literal["auto", "kvm", "tcg"]
    volume_disk: VolumeDisk
    capabilities: Capabilities


class Interface(Model):
    interface: str
    cidr: IPv4Network
    address: IPv4Address
    mac: str = Field(pattern=MAC)


class PublicInterface(Interface):
    gateway: IPv4Address


class FixedNetwork(Model):
    name: str
    subnet: str
    cidr: IPv4Network
    dns: IPv4Address


class FloatingNetwork(Model):
    network: str
    subnet: str
    cidr: IPv4Network
    first_ip: IPv4Address
    physical_network: str
    bridge: str


class Network(Model):
    public: PublicInterface
    private: Interface
    management_mac: str = Field(pattern=MAC)
    fixed: FixedNetwork
    floating: FloatingNetwork
    router: str


class MySQL(Model):
    root_password: str = Field(min_length=1)
    bind_address: IPv4Address
    port: int = Field(ge=1, le=65535)
    database: str
    service_password: str = Field(min_length=1)
    databases: list[str] = Field(min_length=1)


class RabbitMQ(Model):
    user: str
    password: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


class Identity(Model):
    user: str
    password: str = Field(min_length=1)
    project: str
    role: str
    implied_role: str
    ec2_credentials: bool
    rc_file: str


class Cirros(Model):
    version: str
    url: str = Field(pattern=r"^https?://")
    checksums: str = Field(pattern=r"^https?://")
    login_user: str


class OfflineImage(Model):
    """The kit's own guest on the lab host: kernel, ramdisk and disk, as the tutorial's UEC."""

    kernel: str = Field(pattern=r"^/")
    ramdisk: str = Field(pattern=r"^/")
    disk: str = Field(pattern=r"^/")


class Image(Model):
    name: str
    source: Literal["offline", "cirros"]
    login_user: str
    offline: OfflineImage
    cirros: Cirros


class Instance(Model):
    name: str
    flavor: str
    flavor_ram_mb: int = Field(ge=64)
    flavor_disk_gb: int = Field(ge=0)
    flavor_vcpus: int = Field(ge=1)
    keypair: str
    private_key: str
    security_group: str


class Volume(Model):
    name: str
    size_gb: int = Field(ge=1)
    zone: str
    device: str = Field(pattern=r"^/dev/vd[b-z]$")


class Boxes(Model):
    virtualbox: str
    vmware_desktop: str
    parallels: str
    libvirt: str
    override: str = ""


class Provider(Model):
    # A provider's own keys (ssh_port, ...) stay free-form: each provider documents its own.
    model_config = ConfigDict(extra="allow", frozen=True)
    overrides: dict[str, Any] = Field(default_factory=dict)


class Settings(Model):
    openstack: OpenStack
    host: Host
    network: Network
    mysql: MySQL
    rabbitmq: RabbitMQ
    identity: Identity
    image: Image
    instance: Instance
    volume: Volume
    boxes: Boxes
    providers: dict[str, Provider]

    @field_validator("providers")
    @classmethod
    def _vagrant_provider_exists(cls, providers: dict[str, Provider]) -> dict[str, Provider]:
        if "vagrant" not in providers:
            raise ValueError("needs at least the 'vagrant' provider")
        return providers

    @model_validator(mode="after")
    def check_consistency(self) -> Settings:
        for problem in _consistency_problems(self):
            raise ValueError(problem)
        return self

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (addresses as strings), for templates and other tools."""
        return self.model_dump(mode="json")


def _consistency_problems(s: Settings):
    """Yield 'key: problem' lines, most fundamental first."""
    net = s.network
    pub, priv, fixed, flt = net.public, net.private, net.fixed, net.floating

    def outside(key: str, addr: IPv4Address, cidr_key: str, cidr: IPv4Network) -> str | None:
        if addr not in cidr:
            return f"{key}: {addr} is outside {cidr_key} {cidr}"
        if addr in (cidr.network_address, cidr.broadcast_address) and cidr.prefixlen < 31:
            return f"{key}: {addr} is the network or broadcast address of {cidr_key} {cidr}"
        return None

    yield from filter(None, [
        outside("network.public.address", pub.address, "network.public.cidr", pub.cidr),
        outside("network.public.gateway", pub.gateway, "network.public.cidr", pub.cidr),
        outside("network.private.address", priv.address, "network.private.cidr", priv.cidr),
    ])
    if pub.address == pub.gateway:
        yield f"network.public.gateway: {pub.gateway} is the same as network.public.address"
    if fixed.cidr.overlaps(flt.cidr):
        yield f"network.floating.cidr: {flt.cidr} overlaps network.fixed.cidr {fixed.cidr}"
    for key, other in (("network.public.cidr", pub.cidr), ("network.private.cidr", priv.cidr)):
        if fixed.cidr.overlaps(other):
            yield f"network.fixed.cidr: {fixed.cidr} overlaps {key} {other}"
    if pub.cidr.overlaps(priv.cidr):
        yield f"network.private.cidr: {priv.cidr} overlaps network.public.cidr {pub.cidr}"
    if not flt.cidr.subnet_of(pub.cidr):
        yield (f"network.floating.cidr: {flt.cidr} is not inside network.public.cidr {pub.cidr}"
               " (floating IPs live on the lab network)")
    if flt.first_ip not in flt.cidr:
        yield (f"network.floating.first_ip: {flt.first_ip} is outside "
               f"network.floating.cidr {flt.cidr}")
    for key, addr in (("network.public.address", pub.address),
                      ("network.public.gateway", pub.gateway)):
        if addr in flt.cidr:
            yield f"{key}: {addr} lies inside the floating range network.floating.cidr {flt.cidr}"
    macs = [pub.mac.lower(), priv.mac.lower(), net.management_mac.lower()]
    if len(set(macs)) != len(macs):
        yield "network.management_mac: the three MAC addresses must differ"
    if s.mysql.database not in s.mysql.databases:
        yield f"mysql.databases: must include mysql.database '{s.mysql.database}'"
