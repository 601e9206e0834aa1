"""Values derived from the settings, computed once, here: the base of the settings model.

The graders read them as attributes (``settings.keystone_url``), the solutions and the lab
texts (and so the notebooks) by name (``{{ keystone_url }}``): as_dict() carries every
computed field. The methods that take an argument (``db_url('nova', 'nova_api')`` …) are
handed to the solutions' templates by name (:data:`TEMPLATE_METHODS`). A value that two
places would otherwise each work out from the raw keys belongs here, and only here
(tests/unit/test_derived_values.py looks for the raw expressions elsewhere).
"""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, computed_field

if TYPE_CHECKING:  # the sections are declared on Settings (schema.py), which derives from this
    from stacklab.settings import schema

# The services share the host with MariaDB, so they reach it over loopback: a learner's
# bind-address mistake (lab 3) then fails lab 3's check alone, not every later service.
DB_HOST = "127.0.0.1"
KEYSTONE_PORT = 5000
# Derived values that take an argument: the solutions' templates call them by these names.
TEMPLATE_METHODS = ("db_url", "db_user", "db_client", "service_auth", "authtoken")


class AddressRange(BaseModel):
    model_config = ConfigDict(frozen=True)
    start: IPv4Address
    end: IPv4Address


def usable_floating_addresses(network: schema.Network) -> list[IPv4Address]:
    """The floating range's usable addresses on the public network, in order (not the
    public network's own address or broadcast, nor the host's address or its gateway)."""
    public, floating = network.public, network.floating
    reserved = {public.cidr.network_address, public.cidr.broadcast_address,
                ip_address(public.address), ip_address(public.gateway)}
    return [a for a in floating.cidr if a not in reserved]


class DerivedValues(BaseModel):
    """Computed fields and helpers over the sections Settings declares."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    if TYPE_CHECKING:
        openstack: schema.OpenStack
        host: schema.Host
        network: schema.Network
        mysql: schema.MySQL
        rabbitmq: schema.RabbitMQ
        identity: schema.Identity
        image: schema.Image
        instance: schema.Instance

    @computed_field  # type: ignore[prop-decorator]
    @property
    def login_user(self) -> str:
        """Who logs in to the guest: the kit's offline image or CirrOS have their own user."""
        image = self.image
        return image.cirros.login_user if image.source == "cirros" else image.login_user

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keystone_url(self) -> str:
        """Keystone by the host's name: what the services, the catalogue and rc files name."""
        return f"http://{self.host.name}:{KEYSTONE_PORT}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keystone_address_url(self) -> str:
        """Keystone's v3 API at the lab address: where the graders log in (no name lookup)."""
        return f"http://{self.network.public.address}:{KEYSTONE_PORT}/v3"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def floating_pool(self) -> AddressRange:
        """The floating subnet's allocation pool: the range's first and last usable address."""
        usable = usable_floating_addresses(self.network)
        return AddressRange(start=usable[0], end=usable[-1])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def router_gateway_ip(self) -> IPv4Address:
        """The router's address on the external network: the pool's last one, so that
        network.floating.first_ip stays free for lab 13."""
        return self.floating_pool.end

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fixed_size(self) -> int:
        """How many addresses the fixed network has (the tutorial's --network_size)."""
        return self.network.fixed.cidr.num_addresses

    @computed_field  # type: ignore[prop-decorator]
    @property
    def transport_url(self) -> str:
        """How the services reach RabbitMQ (oslo.messaging's transport_url)."""
        r = self.rabbitmq
        return f"rabbit://{r.user}:{r.password}@{self.host.name}:{r.port}/"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def transport_url_shown(self) -> str:
        """transport_url with the password's key in its place, for texts and hints (the
        redaction filter leaves such a placeholder alone)."""
        r = self.rabbitmq
        return f"rabbit://{r.user}:<rabbitmq.password>@{self.host.name}:{r.port}/"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def db_host(self) -> str:
        """Where the services reach MariaDB (loopback: see DB_HOST)."""
        return DB_HOST

    @computed_field  # type: ignore[prop-decorator]
    @property
    def db_users(self) -> list[str]:
        """The database users, one per service, in the order of mysql.databases."""
        return list(dict.fromkeys(self.db_user(d) for d in self.mysql.databases))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def netdev(self) -> bool:
        """Open vSwitch runs in userspace (the host has no kernel datapath)."""
        return self.host.capabilities.ovs_datapath == "netdev"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rbd(self) -> bool:
        """The Ceph RBD stand-in serves the volumes (the host has no device-mapper)."""
        return self.host.capabilities.volume_backend == "rbd"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def project_security_group(self) -> str:
        """A shell snippet: the ID of the project's own instance.security_group. Its user is
        an admin (cloudadmin implies admin), and an admin sees every project's group of that
        name, so the name alone is ambiguous."""
        return (f"$(openstack security group list --project {self.identity.project} -f value "
                f"-c ID -c Name | awk '$2 == \"{self.instance.security_group}\" {{print $1}}')")

    def db_user(self, database: str) -> str:
        """Which service user owns a database: nova owns nova, nova_api and nova_cell0."""
        return "nova" if database.startswith("nova") else database

    def db_url(self, user: str, database: str) -> str:
        """A service's SQLAlchemy URL for one of its databases."""
        return f"mysql+pymysql://{user}:{self.mysql.service_password}@{DB_HOST}/{database}"

    def db_client(self, database: str) -> str:
        """The mysql client logged in to a service's database as its owner, as the services
        reach it (a step's check reads its tables with ``{{ db_client('nova_api') }} -Nse``)."""
        return (f"mysql -u{self.db_user(database)} -p'{self.mysql.service_password}' "
                f"-h {DB_HOST} {database}")

    def service_auth(self, user: str) -> dict[str, str]:
        """The keystoneauth options a service uses to call another service."""
        return {"auth_url": f"{self.keystone_url}/v3", "auth_type": "password",
                "project_domain_name": "Default", "user_domain_name": "Default",
                "region_name": self.openstack.region, "project_name": "service",
                "username": user, "password": self.openstack.service_password}

    def authtoken(self, user: str) -> dict[str, str]:
        """[keystone_authtoken]: replaces Debian's localhost URLs and 'regionOne'."""
        return {"www_authenticate_uri": self.keystone_url, **self.service_auth(user),
                "auth_url": self.keystone_url}
