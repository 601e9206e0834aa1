"""`nova-manage service list`, 2012 style: one line per service, `:-)` or `XXX`.

Today the same facts come from three lists (compute services, volume services, network
agents); :func:`render` prints them the way the tutorial showed them, and
:func:`problems` says which expected service is missing, disabled or down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# What the tutorial's one node runs today, by binary (the 2012 list had nova-compute,
# nova-volume, nova-scheduler and nova-network).
EXPECTED = ("nova-scheduler", "nova-conductor", "nova-compute", "cinder-scheduler",
            "cinder-volume", "neutron-openvswitch-agent", "neutron-l3-agent",
            "neutron-dhcp-agent", "neutron-metadata-agent")
HEADER = ("Binary", "Host", "Zone", "Status", "State", "Updated_At")


@dataclass(frozen=True)
class Service:
    binary: str
    host: str
    zone: str
    status: str  # enabled | disabled
    state: str  # up | down

    updated_at: str = ""

    @property
    def smiley(self) -> str:
        return ":-)" if self.state == "up" else "XXX"

    @property
    def fine(self) -> bool:
        return self.status == "enabled" and self.state == "up"

    @classmethod
    def from_snapshot(cls, entry: dict) -> Service:
        return cls(binary=entry.get("binary") or "?", host=entry.get("host") or "?",
                   zone=entry.get("zone") or "-", status=entry.get("status") or "?",
                   state=entry.get("state") or "?",
                   updated_at=_when(entry.get("updated_at")))


def _when(value: str | None) -> str:
    # '2025-06-02T15:05:14.000000' -> '2025-06-02 15:05:14', as nova-manage printed it
    return (value or "").replace("T", " ").split(".")[0].removesuffix("Z")


def render(services: Iterable[Service]) -> str:
    rows = [HEADER] + [(s.binary, s.host, s.zone, s.status, s.smiley, s.updated_at)
                       for s in services]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join(" ".join(cell.ljust(w + 2) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


def problems(services: list[Service], expected: Iterable[str] = EXPECTED) -> list[str]:
    """One line per expected binary that is missing, disabled or down."""
    lines = []
    for binary in expected:
        mine = [s for s in services if s.binary == binary]
        if not mine:
            lines.append(f"{binary}: not registered (never started, or cannot reach the "
                         "database / message queue)")
            continue
        for s in mine:
            if s.status != "enabled" and s.state != "up":
                lines.append(f"{binary} on {s.host}: disabled and down (XXX)")
            elif s.status != "enabled":
                lines.append(f"{binary} on {s.host}: disabled (an administrator switched it "
                             "off; it is running)")
            elif s.state != "up":
                lines.append(f"{binary} on {s.host}: down (XXX: no heartbeat since "
                             f"{s.updated_at or 'ever'})")
    return lines
