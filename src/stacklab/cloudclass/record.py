"""The class folder (state folder/classes/NAME): what `up` made, the students' private keys,
and the inventories `stacklab grade` reads, rewritten after every host (so a cut-short run
still leaves the hosts that are up in them).

    class.json       the cloud, the students, each host's resources and state
    keys/STUDENT     the student's private key (0600), keys/STUDENT.pub
    inventory        plain: student ssh://user@address:22 key=… email=… sis_id=…
    inventory.yaml   the same as Ansible YAML (group `class`)
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stacklab import paths
from stacklab.cloudclass.names import key_name
from stacklab.errors import StacklabError

CLASS_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
READY = "ready"


def check_class_name(name: str) -> str:
    if not CLASS_NAME.match(name):
        raise StacklabError(f"--name {name}: not a usable class name",
                            "lower-case letters, digits and '-', up to 24 (it starts "
                            "every resource's name on the cloud)")
    return name


def class_dir(name: str) -> Path:
    return paths.state_dir() / "classes" / name


def tag_for(name: str) -> str:
    """The Neutron tag and the server/volume metadata value that mark the class's resources."""
    return f"stacklab-class-{name}"


@dataclass
class HostRecord:
    student: str
    email: str = ""
    sis_id: str = ""
    section: str = ""
    state: str = "planned"  # planned | creating | ready | failed
    address: str = ""
    error: str = ""
    ids: dict[str, str] = field(default_factory=dict)  # port, volume, server, floating_ip


@dataclass
class ClassRecord:
    name: str
    cloud: str
    user: str
    hosts: dict[str, HostRecord] = field(default_factory=dict)
    security_group: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        return class_dir(self.name)

    @property
    def tag(self) -> str:
        return tag_for(self.name)

    def resource_name(self, student: str, what: str = "") -> str:
        return f"{self.name}-{student}" + (f"-{what}" if what else "")

    def key_name(self, student: str) -> str:
        return key_name(self.name, student)

    def update(self, student: str, **values: Any) -> None:
        """Changes one host's record and writes the folder's files at once (thread-safe)."""
        with self._lock:
            host = self.hosts[student]
            for key, value in values.items():
                if key == "ids":
                    host.ids.update(value)
                else:
                    setattr(host, key, value)
            self._write()

    def save(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"name": self.name, "cloud": self.cloud, "user": self.user,
                "security_group": self.security_group,
                "hosts": [asdict(h) for h in self.hosts.values()]}
        _atomic(self.folder / "class.json", json.dumps(data, indent=2) + "\n")
        ready = [h for h in self.hosts.values() if h.state == READY and h.address]
        _atomic(self.folder / "inventory", self.plain_inventory(ready))
        _atomic(self.folder / "inventory.yaml", self.yaml_inventory(ready))

    def key_path(self, student: str) -> Path:
        return self.folder / "keys" / student

    def plain_inventory(self, hosts: list[HostRecord]) -> str:
        lines = [f"# stacklab class {self.name} on cloud {self.cloud}: "
                 "stacklab grade --inventory THIS_FILE"]
        for h in hosts:
            roster = "".join(f" {k}={getattr(h, k)}" for k in ("email", "sis_id", "section")
                             if getattr(h, k))
            lines.append(f"{h.student} ssh://{self.user}@{_url_host(h.address)}:22 "
                         f"key={self.key_path(h.student)}{roster}")
        return "\n".join(lines) + "\n"

    def yaml_inventory(self, hosts: list[HostRecord]) -> str:
        entries: dict[str, Any] = {}
        for h in hosts:
            entry = {"ansible_host": h.address,
                     "ansible_ssh_private_key_file": str(self.key_path(h.student))}
            entry.update({k: getattr(h, k) for k in ("email", "sis_id", "section")
                          if getattr(h, k)})
            entries[h.student] = entry
        data = {"all": {"vars": {"ansible_user": self.user, "ansible_port": 22},
                        "children": {"class": {"hosts": entries or None}}}}
        return (f"# stacklab class {self.name} on cloud {self.cloud}\n"
                + yaml.safe_dump(data, sort_keys=False))


def load_record(name: str) -> ClassRecord:
    path = class_dir(name) / "class.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        hosts = {h["student"]: HostRecord(**h) for h in data["hosts"]}
        return ClassRecord(name=data["name"], cloud=data["cloud"], user=data["user"],
                           hosts=hosts, security_group=data.get("security_group", ""))
    except FileNotFoundError:
        raise StacklabError(f"no class '{name}' on this machine ({path} is missing)",
                            "start it with `stacklab class up`, or name it with --name"
                            ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StacklabError(f"{path}: unreadable ({exc})",
                            "`stacklab class down --cloud NAME --name CLASS` still finds "
                            "the resources by their tag") from None


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
