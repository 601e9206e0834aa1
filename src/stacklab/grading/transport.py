"""The graders' side of the one transport (:mod:`stacklab.hosts.transport`).

:func:`host_for` wraps the run's connection in a testinfra host (:mod:`stacklab.hosts.backend`)
and :func:`register` makes it the one testinfra's plugin hands to every grader module.
:func:`start` and :func:`run` run a command with input on stdin (secrets travel there, never
on a command line) on the same connection; :func:`start` does it in the background while
checks go on (the OpenStack snapshot).

Plain ``pytest grader/ --hosts=…`` builds testinfra's own backends instead; for those,
:func:`connection_of` finds the matching kit connection: testinfra's paramiko client once
its host key passes the kit's check, OpenSSH's ``ssh`` (which checks keys itself), or this
machine.
"""

from __future__ import annotations

import weakref
from typing import Any

from stacklab.hosts.backend import KitBackend, as_testinfra_host
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target
from stacklab.hosts.transport import (
    Connection,
    LocalConnection,
    Output,
    Pending,
    SSHConnection,
    connect,
)

__all__ = ["HostUnreachable", "Output", "Pending", "connect", "connection_of", "host_for",
           "register", "run", "start"]

# The options testinfra's own plugin passes when none are given on the command line; a
# host cached under them is the one its `host` fixture hands to every grader module.
TESTINFRA_DEFAULTS: dict[str, Any] = {
    "connection": None, "ssh_config": None, "ssh_identity_file": None, "sudo": False,
    "sudo_user": None, "ansible_inventory": None, "force_ansible": False,
}


def host_for(target: Target, connection: Connection):
    """(spec, testinfra host) for `target`, every command of it on `connection`."""
    return target.testinfra_spec(), as_testinfra_host(connection)


def register(spec: str, host) -> None:
    """Make `host` the one testinfra's plugin hands out for ``--hosts=<spec>``.

    Its `host` fixture calls ``testinfra.get_hosts([spec], **options)``, which looks in a
    cache first: the run's host goes there, so every grader module shares its connection.
    """
    import testinfra.host

    key = (frozenset([spec]), frozenset(TESTINFRA_DEFAULTS.items()))
    testinfra.host.Host._hosts_cache[key] = [host]


_ADOPTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def connection_of(host) -> Connection:
    """The kit connection that runs `host`'s commands."""
    backend = host.backend
    if isinstance(backend, KitBackend):
        return backend.connection
    if backend not in _ADOPTED:
        _ADOPTED[backend] = _adopt(backend)
    return _ADOPTED[backend]


def _adopt(backend) -> Connection:
    """A kit connection over one of testinfra's own backends (plain pytest)."""
    name = getattr(backend, "NAME", "")
    if name == "local":
        return LocalConnection()
    if name == "paramiko":
        spec = backend.host
        target = Target(hostname=spec.name, port=int(spec.port or 22),
                        user=spec.user or "root")
        return SSHConnection.adopt(backend.client, target)
    if name in ("ssh", "safe-ssh"):
        return _OpenSSH(backend)
    raise RuntimeError(f"testinfra backend '{name}' cannot feed stdin; "
                       "use paramiko://, ssh:// or local://")


class _OpenSSH(LocalConnection):
    """testinfra's ssh backend: each command through its own `ssh` command line (OpenSSH
    checks the host key by the user's ssh configuration)."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.description = f"ssh://{backend.host.name}"

    def argv(self, command: str) -> list[str]:
        cmd, args = self.backend._build_ssh_command(command)
        return ["/bin/sh", "-c", self.backend.quote(" ".join(cmd), *args)]


def start(host, command: str, stdin: bytes | str = b"", *, sudo: bool = False,
          description: str = "command") -> Pending:
    """Run `command` on the host in the background, writing `stdin` to it."""
    return connection_of(host).start(_line(host, command, sudo), stdin,
                                     description=description)


def run(host, command: str, stdin: bytes | str = b"", *, sudo: bool = False,
        timeout: float = 60.0) -> Output:
    """Run `command` with `stdin` and wait for it (TimeoutError past `timeout`)."""
    out = connection_of(host).run(_line(host, command, sudo), stdin, timeout=timeout)
    if out.timed_out:
        raise TimeoutError(f"{command.split()[0]}: no result within {timeout:g} s")
    return out


def _line(host, command: str, sudo: bool) -> str:
    backend = host.backend
    return backend.get_command(backend.get_sudo_command(command, None) if sudo else command)
