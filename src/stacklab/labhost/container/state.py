"""What a running container lab host is made of, written down as it is created.

The instance's folder is 0700 and its state file 0600 from the start, as are the keys, the
second disk's image and the console log beside it (the console shows the boot, the disk
holds the learner's volumes, the keys log in as root's equal).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from stacklab.private import private_folder, write_private


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
        private_folder(path.parent)
        tmp = path.with_suffix(".tmp")
        write_private(tmp, json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Instance | None:
        try:
            raw = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})
