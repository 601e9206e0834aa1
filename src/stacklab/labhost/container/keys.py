"""The lab's own SSH key pair (kept in the instance's state folder), and installing it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from stacklab.errors import StacklabError


def ensure_key(path: Path, comment: str) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                               "-f", str(path)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise StacklabError(f"ssh-keygen failed: {done.stderr.strip()}",
                                "is openssh-client installed?")
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
