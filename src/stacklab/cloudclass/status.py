"""`class status`: each student's host as the cloud sees it now, beside the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacklab.cloudclass.hosts import META
from stacklab.cloudclass.record import ClassRecord


@dataclass(frozen=True)
class HostStatus:
    student: str
    server: str  # the server's status on the cloud (ACTIVE, ERROR, …) or "missing"
    address: str
    recorded: str  # the record's state (ready, failed, …)
    error: str

    @property
    def ok(self) -> bool:
        return self.server == "ACTIVE" and self.recorded == "ready"


def class_status(conn: Any, record: ClassRecord) -> list[HostStatus]:
    servers = {s.name: s for s in conn.compute.servers(details=True)
               if (getattr(s, "metadata", None) or {}).get(META) == record.name}
    rows = []
    for student, host in record.hosts.items():
        server = servers.get(record.resource_name(student))
        rows.append(HostStatus(student, server.status if server else "missing", host.address,
                               host.state, host.error))
    return rows
