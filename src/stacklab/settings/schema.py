"""The shape of lab.yaml, and the rules that tie its values together.

Every model forbids unknown keys, so a typo is reported instead of silently ignored.
Types are strict: text must be text (YAML's ``0777``, ``2025.10`` or ``true`` are numbers
and booleans, and are refused rather than turned into "511", "2025.1" or 1), whole numbers
must be whole numbers (a boolean or a fraction is refused; the environment's "6144" is
read as 6144).

Values that the solutions, the lab texts and the notebooks paste into shell commands, SQL,
URLs and INI files are validated here so that no quoting can break: names (databases,
users, projects, networks, files) are identifiers, and passwords hold letters, digits and
``_ . + = ^ ~ -`` only (no quote, space, '$', '%', '@', ':', '/', ',' or '#', each of which
one of those places would read as syntax), starting with a letter or a digit.
Cross-field rules (an address inside its subnet, ranges that must not overlap) live in
:meth:`Settings.check_consistency` and raise ``ValueError`` whose text starts with the
key that is wrong; the loader turns that into one line for the learner.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from stacklab.settings.derived import DerivedValues, usable_floating_addresses

MAC = r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"
HOSTNAME = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
NAME_CHARS = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}$"
PASSWORD_CHARS = r"^[A-Za-z0-9][A-Za-z0-9_.+=^~\-]{0,127}$"
PATH_CHARS = r"^/[A-Za-z0-9_./\-]+$"
URL_CHARS = r"^https?://[A-Za-z0-9_.~:/%+\-]+$"


def _whole_number(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError(f"expected a whole number, not {value!r}")
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
        raise ValueError(f"expected a whole number, not {value!r}")
    return value


def _yes_no(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected true or false, not {value!r}")


def _name(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(NAME_CHARS, value):
        raise ValueError(f"'{value}' is not a name: use letters, digits, '_', '.' and '-' "
                         "(it is pasted into shell commands)")
    return value


def _password(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(PASSWORD_CHARS, value):
        raise ValueError("use letters, digits and _ . + = ^ ~ - only, starting with a letter "
                         "or a digit (it goes into shell commands, SQL, URLs and INI files)")
    return value


def _matching(pattern: str, what: str):
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not {what}")
        return value
    return check


Int = Annotated[int, BeforeValidator(_whole_number)]
Bool = Annotated[bool, BeforeValidator(_yes_no)]
# After pydantic's own check that the value is text, so a number is reported as a number
# (with the quoting to use), and text with the wrong characters as that.
Name = Annotated[str, AfterValidator(_name)]
Password = Annotated[str, AfterValidator(_password)]
Url = Annotated[str, AfterValidator(_matching(URL_CHARS, "an http(s) URL of letters, digits "
                                              "and _ . ~ : / % + - (no quotes or spaces)"))]
HostPath = Annotated[str, AfterValidator(_matching(PATH_CHARS, "an absolute path of letters, "
                                                   "digits and _ . / - (no spaces)"))]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class OpenStack(Model):
    release: str = Field(pattern=r"^\d{4}\.\d{1,2}$")
    codename: Name
    region: Name
    admin_password: Password
    service_password: Password
    metadata_secret: Password
    admin_rc_file: Name


class VolumeDisk(Model):
    device: str = Field(pattern=r"^/dev/[a-z]+[a-z0-9]*$")
    size_gb: Int = Field(ge=2, le=2048)
    volume_group: Name


class Capabilities(Model):
    virt_type: Literal["qemu", "kvm"]
    ovs_datapath: Literal["system", "netdev"]
    volume_backend: Literal["lvm", "rbd"]


class Host(Model):
    name: str = Field(pattern=HOSTNAME)
    os: Literal["ubuntu-24.04", "debian-13"]
    user: str = Field(pattern=r"^[a-z_][a-z0-9_-]*$")
    memory_mb: Int = Field(ge=2048)
    cpus: Int = Field(ge=1)
    accelerator: Literal["auto", "kvm", "tcg"]
    volume_disk: VolumeDisk
    capabilities: Capabilities


class Interface(Model):
    interface: Name
    cidr: IPv4Network
    address: IPv4Address
    mac: str = Field(pattern=MAC)


class PublicInterface(Interface):
    gateway: IPv4Address


class FixedNetwork(Model):
    name: Name
    subnet: Name
    cidr: IPv4Network
    dns: IPv4Address


class FloatingNetwork(Model):
    network: Name
    subnet: Name
    cidr: IPv4Network
    first_ip: IPv4Address
    physical_network: Name
    bridge: Name


class Network(Model):
    public: PublicInterface
    private: Interface
    management_mac: str = Field(pattern=MAC)
    fixed: FixedNetwork
    floating: FloatingNetwork
    router: Name


class MySQL(Model):
    root_password: Password
    bind_address: IPv4Address
    port: Int = Field(ge=1, le=65535)
    database: Name
    service_password: Password
    databases: list[Name] = Field(min_length=1)


class RabbitMQ(Model):
    user: Name
    password: Password
    port: Int = Field(ge=1, le=65535)


class Identity(Model):
    user: Name
    password: Password
    project: Name
    role: Name
    implied_role: Name
    ec2_credentials: Bool
    rc_file: Name


class Cirros(Model):
    version: Name
    url: Url
    checksums: Url
    login_user: Name


class OfflineImage(Model):
    """The kit's own guest on the lab host: kernel, ramdisk and disk, as the tutorial's UEC."""

    kernel: HostPath
    ramdisk: HostPath
    disk: HostPath


class Image(Model):
    name: Name
    source: Literal["offline", "cirros"]
    login_user: Name
    offline: OfflineImage
    cirros: Cirros


class Instance(Model):
    name: Name
    flavor: Name
    flavor_ram_mb: Int = Field(ge=64)
    flavor_disk_gb: Int = Field(ge=0)
    flavor_vcpus: Int = Field(ge=1)
    keypair: Name
    private_key: Name
    security_group: Name


class Volume(Model):
    name: Name
    size_gb: Int = Field(ge=1)
    zone: Name
    device: str = Field(pattern=r"^/dev/vd[b-z]$")


class Boxes(Model):
    virtualbox: str
    vmware_desktop: str
    parallels: str
    libvirt: str
    override: str = ""


class Cloud(Model):
    """`stacklab class up`: one lab host per student on an existing OpenStack cloud."""

    image: str = Field(default="ubuntu-24.04", min_length=1, max_length=255)
    login_user: str = Field(default="", pattern=r"^([a-z_][a-z0-9_-]*)?$")  # "": host.user
    flavor: str = Field(default="", max_length=255)  # "": the smallest that fits below
    min_memory_mb: Int = Field(default=8192, ge=64)
    min_vcpus: Int = Field(default=2, ge=1)
    min_disk_gb: Int = Field(default=20, ge=0)
    volume_size_gb: Int = Field(default=20, ge=1, le=2048)
    network: str = Field(default="", max_length=255)  # "": the project's only network
    floating_ip: Literal["auto", "always", "never"] = "auto"
    external_network: str = Field(default="", max_length=255)
    ssh_from: str = Field(default="", max_length=43)  # "": must be given (--ssh-from)
    parallel: Int = Field(default=5, ge=1, le=50)
    retries: Int = Field(default=4, ge=0, le=20)
    timeout_s: Int = Field(default=1200, ge=30)
    ssh_wait_s: Int = Field(default=600, ge=0)  # 0: do not wait for sshd

    @field_validator("ssh_from")
    @classmethod
    def _cidr(cls, value: str) -> str:
        if value:
            try:
                IPv4Network(value, strict=False)
            except ValueError:
                raise ValueError(f"'{value}' is not an address range such as "
                                 "192.0.2.0/24") from None
        return value


class KindSettings(Model):
    """What one kind of lab host (the Vagrant VM, the container) changes, under
    providers.<kind> in the file (the key the file always had, so every override still works)."""

    # A kind's own keys (ssh_port, ...) stay free-form: each kind documents its own.
    model_config = ConfigDict(extra="allow", frozen=True)
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _ssh_port(cls, data: Any) -> Any:
        """ssh_port, where a kind has one, is a real port (0 must not mean 'default')."""
        if isinstance(data, dict) and "ssh_port" in data:
            port = _whole_number(data["ssh_port"])
            if not 1 <= int(port) <= 65535:
                raise ValueError(f"ssh_port: {port} is not a port between 1 and 65535")
            data = {**data, "ssh_port": int(port)}
        return data


class Settings(DerivedValues):
    """lab.yaml, validated; the values derived from it are its computed fields
    (settings/derived.py)."""

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
    # the kinds of lab host; the file names the section `providers` (its first name)
    kinds: dict[str, KindSettings] = Field(alias="providers")
    cloud: Cloud = Field(default_factory=Cloud)

    @field_validator("kinds")
    @classmethod
    def _vagrant_kind_exists(cls, kinds: dict[str, KindSettings]) -> dict[str, KindSettings]:
        if "vagrant" not in kinds:
            raise ValueError("needs at least the 'vagrant' provider")
        return kinds

    @model_validator(mode="after")
    def check_consistency(self) -> Settings:
        for problem in _consistency_problems(self):
            raise ValueError(problem)
        return self

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (addresses as strings), for templates and other tools:
        the sections and the derived values (computed fields)."""
        return self.model_dump(mode="json")

    def raw_dict(self) -> dict[str, Any]:
        """The sections alone, as lab.yaml and its overrides gave them (no derived value)."""
        return self.model_dump(mode="json", include=set(type(self).model_fields))


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
    if not usable_floating_addresses(net):
        yield (f"network.floating.cidr: {flt.cidr} leaves no usable address (the public "
               "network's own address, broadcast, address and gateway are taken)")
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
