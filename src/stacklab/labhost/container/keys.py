"""The lab's own SSH key pair and the lab host's own host key (both kept in the instance's
state folder), and installing them in the host's root before it boots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from stacklab.errors import StacklabError
from stacklab.private import private_folder, write_private


def new_ed25519(comment: str = "") -> tuple[bytes, str]:
    """A new ed25519 pair as ssh-keygen writes it: the OpenSSH private file (no passphrase)
    and the public line 'ssh-ed25519 AAAA… comment'. Made here, with paramiko's own
    crypto library, so the kit needs no ssh-keygen."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, f"{public} {comment}".strip()


def ensure_key(path: Path, comment: str) -> Path:
    """The key pair at path (private) and path.pub, made when missing."""
    if not path.exists():
        private_folder(path.parent)
        private, public = new_ed25519(comment)
        # created 0600 from the start: the private key is never readable by others
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as out:
            out.write(private)
        write_private(path.with_name(path.name + ".pub"), public + "\n")
    return path


def authorize(root: Path, user: str, public_key: Path) -> None:
    """Make the lab's key the only one that logs in as `user` on the host rooted at root."""
    uid = gid = None
    for line in (root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == user:
            uid, gid, home = int(parts[2]), int(parts[3]), parts[5]
            break
    if uid is None or gid is None:
        raise StacklabError(f"the box has no user '{user}'", "rebuild it: stacklab box build")
    ssh = root / home.lstrip("/") / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys = ssh / "authorized_keys"
    keys.write_text(public_key.read_text())
    for p in (ssh, keys):
        os.chown(p, uid, gid)
    keys.chmod(0o600)


HOST_KEY = "ssh_host_ed25519_key"


def install_host_key(folder: Path, root: Path) -> str:
    """A fresh ed25519 host key for this instance, put in the host's /etc/ssh before boot
    (sshd keeps an existing key; the box ships none); returns its public line, which `up`
    records in the lab state and the transport pins."""
    private = folder / HOST_KEY
    for old in (private, private.with_name(HOST_KEY + ".pub")):
        old.unlink(missing_ok=True)
    ensure_key(private, "")
    ssh = root / "etc/ssh"
    ssh.mkdir(parents=True, exist_ok=True)
    for name, mode in ((HOST_KEY, 0o600), (HOST_KEY + ".pub", 0o644)):
        dest = ssh / name
        dest.unlink(missing_ok=True)
        shutil.copyfile(folder / name, dest)
        os.chown(dest, 0, 0)
        dest.chmod(mode)
    return host_key(folder)


def host_key(folder: Path) -> str:
    """The public host key installed by :func:`install_host_key` ('type base64')."""
    path = folder / (HOST_KEY + ".pub")
    try:
        return " ".join(path.read_text().split()[:2])
    except OSError:
        raise StacklabError(f"{path} is missing: the lab host's key is unknown",
                            "run `stacklab down`, then `stacklab up`") from None
