"""Files, sockets, names and services of the lab host."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass

from stacklab.grading.resources import memo

ANY_ADDRESS = ("0.0.0.0", "::", "*")


@dataclass(frozen=True)
class Listener:
    address: str  # '0.0.0.0', '::', '*', '127.0.0.1' or the lab address
    port: int

    def __str__(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else \
            f"{self.address}:{self.port}"

    @property
    def on_all_addresses(self) -> bool:
        return self.address in ANY_ADDRESS


def listening(host) -> list[Listener]:
    """Every TCP socket in LISTEN state (ss -Hltn)."""
    def read() -> list[Listener]:
        out = host.run("ss -Hltn")
        found = []
        for line in out.stdout.splitlines():
            fields = line.split()
            if len(fields) < 4:
                continue
            local = fields[3]
            address, _, port = local.rpartition(":")
            address = address.strip("[]").split("%", 1)[0]
            if port.isdigit():
                found.append(Listener(address, int(port)))
        return found
    return memo(host, "listening", read)


def listeners_on(host, port: int) -> list[Listener]:
    return [s for s in listening(host) if s.port == port]


def describe_listeners(listeners: list[Listener], port: int) -> str:
    if not listeners:
        return f"nothing listens on port {port}"
    return "listening on " + ", ".join(sorted(str(s) for s in listeners))


def read_as_root(host, path: str) -> str | None:
    """A file's text (read with sudo), or None when it does not exist."""
    def read() -> str | None:
        with host.sudo():
            out = host.run("cat -- %s", path)
        return out.stdout if out.rc == 0 else None
    return memo(host, f"file:{path}", read)


def home_file(host, name: str) -> str | None:
    """A file in the SSH user's home (no sudo), or None."""
    def read() -> str | None:
        out = host.run('cat -- "$HOME"/%s', name)
        return out.stdout if out.rc == 0 else None
    return memo(host, f"home:{name}", read)


class Ini:
    """Merged INI files, read the way oslo.config does (later files win)."""

    def __init__(self, texts: dict[str, str | None]) -> None:
        self.present = [p for p, t in texts.items() if t is not None]
        self.missing = [p for p, t in texts.items() if t is None]
        self.parser = configparser.RawConfigParser(strict=False, interpolation=None,
                                                   default_section="__no_default__",
                                                   inline_comment_prefixes=None)
        for path in self.present:
            self.parser.read_string(texts[path] or "", source=path)

    def get(self, section: str, key: str) -> str | None:
        if section != "DEFAULT" and not self.parser.has_section(section):
            return None
        try:
            value = self.parser.get(section, key)
        except (configparser.NoSectionError, configparser.NoOptionError):
            return None
        return value.strip() if value is not None else None

    def list(self, section: str, key: str) -> list[str]:
        return [v.strip() for v in (self.get(section, key) or "").split(",") if v.strip()]

    def sections(self) -> list[str]:
        return self.parser.sections()

    def where(self) -> str:
        return " + ".join(self.present) or "no file"


def ini(host, *paths: str) -> Ini:
    return Ini({p: read_as_root(host, p) for p in paths})


def hostname(host) -> str:
    return memo(host, "hostname", lambda: host.run("hostname").stdout.strip())


def hosts_entries(host) -> list[tuple[int, str, list[str]]]:
    """(line number, address, names) for each entry of /etc/hosts."""
    def read():
        text = host.run("cat /etc/hosts").stdout
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2:
                entries.append((number, fields[0], fields[1:]))
        return entries
    return memo(host, "etc-hosts", read)


def resolve_in_hosts_file(host, name: str) -> tuple[int, str] | None:
    """The first /etc/hosts entry for `name` (IPv4), as the resolver would pick it."""
    for number, address, names in hosts_entries(host):
        if name in names and re.fullmatch(r"[0-9.]+", address):
            return number, address
    return None


def service_state(host, unit: str) -> tuple[str, str]:
    """(active state, enabled state) of a systemd unit, e.g. ('active', 'enabled')."""
    def read() -> tuple[str, str]:
        lines = host.run("systemctl is-active %s; systemctl is-enabled %s", unit, unit
                         ).stdout.split()
        return (lines[0] if lines else "unknown"), (lines[1] if len(lines) > 1 else "unknown")
    return memo(host, f"unit:{unit}", read)


def describe_unit(host, unit: str) -> str:
    """'tgt is failed (enabled)', or 'tgt is not installed' for a unit systemd does not know."""
    active, enabled = service_state(host, unit)
    if active == "inactive" and enabled in ("not-found", "unknown"):
        return f"{unit} is not installed"
    return f"{unit} is {active} ({enabled})"


def command_exists(host, name: str) -> bool:
    return memo(host, f"which:{name}", lambda: host.run(
        "command -v %s || test -x /usr/sbin/%s", name, name).rc == 0)
