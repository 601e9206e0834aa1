"""Which SSH host key a host must show before anything is sent to it.

Two cases, as in OpenSSH:

- A host the kit started (the container lab host, the Vagrant VM) has its key recorded by
  `stacklab up` in the lab state (``Target.host_key``): it is *pinned*. A host showing any
  other key is refused, whatever known_hosts says.
- Any other host is looked up in ``~/.ssh/known_hosts`` and then in the kit's own
  ``known_hosts`` under the state folder (hashed ``|1|…`` entries, ``[host]:port`` entries,
  ``*``/``?`` patterns and ``!`` negations are honoured). A host with no entry is refused,
  unless ``--accept-new`` (the environment variable ``STACKLAB_ACCEPT_NEW=1``) is given:
  then its key is recorded in the kit's file on first contact, like OpenSSH's
  ``StrictHostKeyChecking=accept-new``. A host whose entry holds another key is refused with
  the file and line of that entry. The kit never writes ``~/.ssh/known_hosts``.

:func:`verify` makes the decision; the transport calls it during the SSH handshake, before
logging in, so a refused host receives no login and no command.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import paramiko

from stacklab import paths
from stacklab.hosts.errors import HostUnreachable
from stacklab.hosts.target import Target, lab_state_file, read_lab_state

ACCEPT_NEW_ENV = "STACKLAB_ACCEPT_NEW"  # 1: record unknown host keys (--accept-new)
KIT_FILE = "known_hosts"


def accept_new() -> bool:
    return os.environ.get(ACCEPT_NEW_ENV, "") == "1"


def allow_accept_new() -> None:
    """--accept-new: this process and the ones it starts (graders, kernels) record keys."""
    os.environ[ACCEPT_NEW_ENV] = "1"


def user_known_hosts() -> Path:
    return Path(os.path.expanduser("~")) / ".ssh" / "known_hosts"


def kit_known_hosts() -> Path:
    return paths.state_dir() / KIT_FILE


def host_name(hostname: str, port: int) -> str:
    """The name a known_hosts line uses: 'host' on port 22, '[host]:port' otherwise."""
    return hostname if port == 22 else f"[{hostname}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
    return f"{key.get_name()} SHA256:{digest}"


def public_line(key: paramiko.PKey) -> str:
    """The key as a line of authorized_keys / known_hosts keeps it: 'type base64'."""
    return f"{key.get_name()} {key.get_base64()}"


def parse_key(text: str) -> paramiko.PKey:
    """'ssh-ed25519 AAAA… [comment]' → a key (ValueError if it is not one)."""
    fields = text.split()
    if len(fields) < 2:
        raise ValueError(f"not a public key: {text[:40]!r}")
    try:
        return paramiko.PKey.from_type_string(fields[0], base64.b64decode(fields[1]))
    except Exception as exc:  # paramiko raises several kinds for a key it cannot read
        raise ValueError(f"not a public key: {text[:40]!r} ({exc})") from None


@dataclass(frozen=True)
class Known:
    key: paramiko.PKey
    source: str  # where it was found, for people: 'FILE:LINE' or the lab state


@dataclass(frozen=True)
class Expected:
    """The keys a host may show: pinned (one, from `stacklab up`) or from known_hosts."""

    name: str
    keys: tuple[Known, ...]
    pinned: bool


def expected(target: Target) -> Expected:
    name = host_name(target.hostname, target.port)
    pin = target.host_key or _lab_state_pin(target)
    if pin:
        source = "the key recorded for it at `stacklab up`" if target.host_key else \
            f"the key recorded at `stacklab up` in {lab_state_file()}"
        try:
            return Expected(name, (Known(parse_key(pin), source),), True)
        except ValueError as exc:
            raise HostUnreachable("hostkey", target.url, f"{source} cannot be read ({exc}); "
                                  "run `stacklab up` again to record it") from None
    found: list[Known] = []
    for path in (user_known_hosts(), kit_known_hosts()):
        found += _entries(path, name)
    return Expected(name, tuple(found), False)


def _lab_state_pin(target: Target) -> str | None:
    """The key `stacklab up` recorded for this very address and port, if any."""
    try:
        state = read_lab_state() or {}
    except Exception:  # an unreadable state pins nothing; known_hosts still applies
        return None
    recorded = state.get("target") or {}
    if (recorded.get("hostname"), recorded.get("port")) == (target.hostname, target.port):
        return recorded.get("host_key") or None
    return None


def _entries(path: Path, name: str) -> list[Known]:
    """The keys of `name` in a known_hosts file, each with its file:line."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if len(fields) < 3 or fields[0].startswith("#") or fields[0].startswith("@"):
            continue  # comments; @cert-authority and @revoked lines are not used here
        if not _matches(fields[0], name):
            continue
        try:
            found.append(Known(parse_key(" ".join(fields[1:3])), f"{path}:{number}"))
        except ValueError:
            continue  # a key type paramiko does not know cannot match the server's
    return found


def _matches(patterns: str, name: str) -> bool:
    if patterns.startswith("|1|"):  # hashed: |1|base64(salt)|base64(hmac-sha1(name))
        try:
            _, _, salt, digest = patterns.split("|")
            mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(base64.b64encode(mac).decode(), digest)
    hit = False
    for pattern in patterns.split(","):
        if pattern.startswith("!"):
            if _wildcard(pattern[1:], name):
                return False
        elif _wildcard(pattern, name):
            hit = True
    return hit


def _wildcard(pattern: str, name: str) -> bool:
    """OpenSSH's patterns: '*' and '?' only ('[host]:port' brackets are literal)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, re.IGNORECASE) is not None


def verify(target: Target, key: paramiko.PKey, known: Expected | None = None) -> None:
    """Accept `key` for `target`, record it (--accept-new), or raise HostUnreachable."""
    known = known or expected(target)
    where = target.url
    if any(k.key.asbytes() == key.asbytes() for k in known.keys):
        return
    if known.keys:
        first = known.keys[0]
        if known.pinned:
            raise HostUnreachable("hostkey", where, (
                f"host key mismatch: it shows {fingerprint(key)}, {first.source} is "
                f"{fingerprint(first.key)}; nothing was sent. If you recreated the lab "
                "host, run `stacklab up` again to record its new key"))
        raise HostUnreachable("hostkey", where, (
            f"host key changed: it shows {fingerprint(key)}, {first.source} says "
            f"{fingerprint(first.key)}; nothing was sent. If the host was rebuilt, remove "
            f"that line (ssh-keygen -R '{known.name}' -f {first.source.rsplit(':', 1)[0]})"))
    if not accept_new():
        raise HostUnreachable("hostkey", where, (
            f"unknown host key {fingerprint(key)} (not in {user_known_hosts()} nor "
            f"{kit_known_hosts()}); nothing was sent. If this is the right host, run again "
            "with --accept-new to record it"))
    record(known.name, key)


def record(name: str, key: paramiko.PKey) -> Path:
    """Add `name`'s key to the kit's known_hosts (0600, in a 0700 folder)."""
    path = kit_known_hosts()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(f"{name} {public_line(key)}\n")
    return path


def forget(name: str) -> int:
    """Remove `name`'s lines (plain or hashed) from the kit's known_hosts: its address now
    belongs to a new host (a class host's floating IP, given again by the cloud). Returns
    how many went. ~/.ssh/known_hosts is never touched."""
    path = kit_known_hosts()
    try:
        lines = path.read_text(errors="replace").splitlines(keepends=True)
    except OSError:
        return 0
    kept = [ln for ln in lines if not (ln.split() and _matches(ln.split()[0], name))]
    if len(kept) == len(lines):
        return 0
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".known_hosts.")
    with os.fdopen(fd, "w") as out:  # mkstemp: 0600 already
        out.writelines(kept)
    os.replace(tmp, path)
    return len(lines) - len(kept)


class Policy(paramiko.MissingHostKeyPolicy):
    """paramiko's hook for a host with no expected key: :func:`verify` decides."""

    def __init__(self, target: Target, known: Expected) -> None:
        self.target, self.known = target, known

    def missing_host_key(self, client, hostname, key) -> None:
        verify(self.target, key, self.known)
