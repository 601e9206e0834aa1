"""What a running container lab host is made of, written down as it is created."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


@dataclass
class Instance:
    name: str
    ssh_port: int
    rootfs: str = ""
    loop_device: str = ""
    overlay: str = ""
    netns: list[str] = field(default_factory=list)
    cgroups: list[str] = field(default_factory=list)
    nspawn_pid: int = 0
    forwarder_pid: int = 0
    started_at: float = 0.0

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Instance | None:
        try:
            raw = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})
