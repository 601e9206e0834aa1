"""Which lab host a command talks to, and how to reach it.

A :class:`Target` is what every part of the kit shares: the graders (testinfra), the
solutions and the notebooks all reach the host it describes through
:mod:`stacklab.hosts.transport`. Where it comes
from, in order: an explicit ``--host ssh://user@host[:port]`` / ``--local``; the lab host
that ``stacklab up`` started (recorded in the state file); the Vagrant VM of this checkout.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from stacklab import paths
from stacklab.errors import StacklabError
from stacklab.hosts.keyfile import check_key_file

LAB_STATE = "lab.json"  # written by `stacklab up`, removed by `stacklab down`


@dataclass(frozen=True)
class Target:
    """A lab host reachable over SSH (or this machine itself when ``local``)."""

    hostname: str = "localhost"
    port: int = 22
    user: str = "vagrant"
    key_file: str | None = None
    name: str = "lab"  # a label for reports: the student's name in a class run
    # the kind of lab host (vagrant | container): which providers.<kind> settings apply
    kind: str = "vagrant"
    local: bool = False
    # the host's SSH key ('type base64') when the kit started it: pinned, see hosts.hostkeys
    host_key: str | None = None
    # who the student is, for an LMS gradebook (optional inventory fields)
    email: str = ""
    sis_id: str = ""
    section: str = ""

    @classmethod
    def from_url(cls, url: str, **extra: Any) -> Target:
        """Parse 'ssh://user@host[:port][?key=FILE&kind=KIND]', 'user@host' or 'local'.

        ``kind`` names the settings that apply to the host (default: vagrant, the VM); a
        container lab host reached by URL is ``?kind=container`` (or ``?provider=container``,
        the older spelling, still read).
        """
        text = url.strip()
        if text in ("local", "local://"):
            return cls(local=True, hostname="localhost", **extra)
        if "://" not in text:
            text = "ssh://" + text
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed [ of an IPv6 address
            raise StacklabError(f"host '{url}': not a URL", "e.g. ssh://vagrant@lab1") from None
        if parts.scheme not in ("ssh", "paramiko"):
            raise StacklabError(f"host '{url}': only ssh://user@host[:port] is supported",
                                "e.g. --host ssh://vagrant@127.0.0.1:2222")
        try:
            port = 22 if parts.port is None else parts.port  # ':0' is not 'the default'
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise StacklabError(f"host '{url}': the port is not a number between 1 and 65535",
                                "e.g. ssh://vagrant@127.0.0.1:2222") from None
        if not parts.hostname or not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", parts.hostname):
            raise StacklabError(f"host '{url}': no host name in it", "e.g. ssh://vagrant@lab1")
        query = parse_qs(parts.query)
        key = query.get("key", [None])[0]
        fields: dict[str, Any] = {"hostname": parts.hostname, "port": port}
        if parts.username:
            fields["user"] = unquote(parts.username)
        if key:
            fields["key_file"] = str(Path(key).expanduser())
            check_key_file(fields["key_file"])  # before any host is contacted
        kind = query.get("kind") or query.get("provider")  # whose settings apply
        if kind:
            fields["kind"] = kind[0]
        fields.update(extra)
        return cls(**fields)

    @property
    def url(self) -> str:
        """Where this host is, for people: never holds a secret (the key is a path)."""
        return "local" if self.local else f"ssh://{self.user}@{self.hostname}:{self.port}"

    def testinfra_spec(self) -> str:
        """The name testinfra's host cache keeps this host under (see grading.transport):
        testinfra itself knows no 'stacklab' scheme, so a host not in the cache fails loudly
        rather than being reached some other way."""
        return "stacklab://local" if self.local else \
            f"stacklab://{self.user}@{self.hostname}:{self.port}"

    @property
    def roster(self) -> dict[str, str]:
        """The student's gradebook identifiers that the inventory gave (none empty)."""
        found = {"email": self.email, "sis_id": self.sis_id, "section": self.section}
        return {k: v for k, v in found.items() if v}

    def with_name(self, name: str) -> Target:
        return replace(self, name=name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Target:
        """The inverse of to_dict; a state file written before 'kind' names it 'provider'."""
        values = dict(values)
        if "provider" in values:
            values.setdefault("kind", values.pop("provider"))
        return cls(**values)


def state_kind(state: dict[str, Any] | None) -> str:
    """The kind of the lab host a lab state records ('' when none)."""
    target = (state or {}).get("target") or {}
    return str(target.get("kind") or target.get("provider") or "")


def lab_state_file() -> Path:
    return paths.state_dir() / LAB_STATE


def write_lab_state(target: Target, **details: Any) -> Path:
    """Record the lab host that `stacklab up` started, so other commands find it."""
    path = lab_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"target": target.to_dict(), **details}, indent=2) + "\n")
    return path


def read_lab_state() -> dict[str, Any] | None:
    path = lab_state_file()
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("target", {}), dict):
            raise ValueError("not a mapping")
        Target.from_dict(state.get("target", {}))  # its fields are a host's, or it is corrupt
        return state
    except (OSError, ValueError, TypeError):
        raise StacklabError(f"{path}: unreadable lab state",
                            "run `stacklab down` then `stacklab up`, or delete the file") from None


def clear_lab_state() -> None:
    lab_state_file().unlink(missing_ok=True)


def default_target(*, root: Path | None = None) -> Target:
    """The learner's own lab host: the one `stacklab up` started, else this checkout's VM."""
    state = read_lab_state()
    if state and state_kind(state) != "vagrant":
        return Target.from_dict(state["target"])
    return vagrant_target(root or paths.kit_root())


def vagrant_target(root: Path) -> Target:
    """Ask Vagrant (through python-vagrant) how to reach the VM of this checkout."""
    # python-vagrant logs a warning of its own on import when vagrant is missing: say ours
    if not shutil.which("vagrant"):
        raise StacklabError("vagrant is not installed and no other lab host is running",
                            "run `stacklab doctor`, or pass --host ssh://user@host")
    import vagrant  # python-vagrant; imported here because it is slow-ish and optional

    try:
        conf = vagrant.Vagrant(root=str(root), quiet_stderr=True, quiet_stdout=True).conf()
    except FileNotFoundError:
        raise StacklabError("vagrant is not installed and no other lab host is running",
                            "run `stacklab doctor`, or pass --host ssh://user@host") from None
    except Exception:  # vagrant exits non-zero when the VM is not created or not running
        raise StacklabError("the lab VM is not running",
                            "start it with `stacklab up` (or `vagrant up`), "
                            "or pass --host ssh://user@host") from None
    if not conf or "HostName" not in conf:
        raise StacklabError("the lab VM is not running", "start it with `stacklab up`")
    return Target(hostname=conf["HostName"], port=int(conf.get("Port", 22)),
                  user=conf.get("User", "vagrant"),
                  key_file=conf.get("IdentityFile", "").strip('"') or None,
                  kind="vagrant")
