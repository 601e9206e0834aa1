"""A testinfra backend whose commands go through a kit :class:`Connection`.

The graders are testinfra modules: their ``host.run`` lands in :meth:`KitBackend.run`, on
the connection the kit opened (its time limits, its host-key check), so a grading run, a
notebook's ``%check`` and the graders' stdin commands share one connection and one code
path. Any object with the Connection interface serves (the kit's own tests hand it a
recorded host).
"""

from __future__ import annotations

from typing import Any

import testinfra.backend.base
import testinfra.host

from stacklab.hosts.transport import Connection


class KitBackend(testinfra.backend.base.BaseBackend):
    NAME = "stacklab"

    def __init__(self, connection: Connection, **kwargs: Any) -> None:
        self.connection = connection
        super().__init__(connection.description, **kwargs)

    def run(self, command: str, *args: str, **kwargs: Any) -> testinfra.backend.base.CommandResult:
        line = self.get_command(command, *args)
        out: list[bytes] = []
        err: list[bytes] = []
        done = self.connection.execute(line, stdout=out.append, stderr=err.append)
        return self.result(done.code, self.encode(line), b"".join(out), b"".join(err))

    def get_pytest_id(self) -> str:
        return self.connection.description


def as_testinfra_host(connection: Connection) -> testinfra.host.Host:
    """A testinfra Host whose every command runs on `connection`."""
    backend = KitBackend(connection)
    host = testinfra.host.Host(backend)
    backend.set_host(host)
    return host
