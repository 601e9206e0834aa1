"""The OpenStack services' configuration files, read the way the services read them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from stacklab.grading.resources import system

NOVA = "/etc/nova/nova.conf"
NOVA_COMPUTE = "/etc/nova/nova-compute.conf"  # Debian/Ubuntu: nova-compute reads both
GLANCE_API = "/etc/glance/glance-api.conf"
CINDER = "/etc/cinder/cinder.conf"
KNOWN_CONFIG = {"nova": NOVA, "glance": GLANCE_API, "cinder": CINDER}


def nova(host) -> system.Ini:
    return system.ini(host, NOVA)


def nova_compute(host) -> system.Ini:
    return system.ini(host, NOVA, NOVA_COMPUTE)


def glance(host) -> system.Ini:
    return system.ini(host, GLANCE_API)


def cinder(host) -> system.Ini:
    return system.ini(host, CINDER)


@dataclass(frozen=True)
class FileStore:
    is_file: bool
    datadir: str
    detail: str


def glance_store(conf: system.Ini) -> FileStore:
    """Where Glance keeps image data (single store or multi-store configuration)."""
    backends = dict(b.split(":", 1) for b in conf.list("DEFAULT", "enabled_backends")
                    if ":" in b)
    if backends:
        default = conf.get("glance_store", "default_backend") or ""
        kind = backends.get(default, "?")
        datadir = conf.get(default, "filesystem_store_datadir") or ""
        return FileStore(kind == "file" and bool(datadir), datadir,
                         f"default_backend = {default or '(unset)'} ({kind})"
                         + (f", datadir {datadir}" if datadir else ", no filesystem_store_datadir"))
    store = conf.get("glance_store", "default_store") or "file"  # glance_store's default
    datadir = conf.get("glance_store", "filesystem_store_datadir") or "/var/lib/glance/images/"
    return FileStore(store == "file", datadir, f"default_store = {store}, datadir {datadir}")


def url_host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def reaches_lab(url: str | None, settings) -> bool:
    """True when a URL points at the lab host by its lab address or its name."""
    return url_host(url) in (str(settings.network.public.address), settings.host.name)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def reaches_local_database(url: str | None, settings) -> bool:
    """True when a database URL points at this host: its lab address, its name or loopback.

    The tutorial's services named the lab address; on a one-node lab loopback is the same
    MariaDB, and keeps the services up when a learner's bind-address is wrong.
    """
    return reaches_lab(url, settings) or url_host(url) in LOOPBACK
