"""Run one build command, its output kept in the build log (shown only when it fails)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stacklab.errors import StacklabError

# A chroot must not start services, and apt/dpkg must never ask.
CHROOT_ENV = {
    "DEBIAN_FRONTEND": "noninteractive",
    "LC_ALL": "C.UTF-8",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
}


@dataclass(frozen=True)
class BuildLog:
    path: Path

    def write(self, text: str) -> None:
        with self.path.open("a") as out:
            out.write(text if text.endswith("\n") else text + "\n")

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def run(cmd: Sequence[str], log: BuildLog, *, chroot: Path | None = None,
        env: dict[str, str] | None = None, what: str | None = None) -> None:
    """Run `cmd` (inside `chroot` when given); on failure raise one line naming the log."""
    argv = [str(a) for a in cmd]
    full_env = dict(os.environ)
    if chroot is not None:
        argv = ["chroot", str(chroot), *argv]
        full_env = dict(CHROOT_ENV)
    full_env.update(env or {})
    log.write(f"$ {' '.join(argv)}")
    with log.path.open("a") as out:
        try:
            done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=full_env,
                                  stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise StacklabError(f"{argv[0]} is not installed",
                                "run `stacklab doctor` for what to install") from None
    if done.returncode != 0:
        sys.stderr.write(log.tail() + "\n")
        raise StacklabError(f"{what or argv[0]} failed (exit {done.returncode})",
                            f"the full output is in {log.path}")


NO_SERVICES = "#!/bin/sh\n# stacklab box build: no service starts in the chroot\nexit 101\n"


@contextmanager
def chroot_ready(root: Path) -> Iterator[None]:
    """/proc, /sys and /dev/pts mounted and service starts refused while packages install."""
    mounts = [("proc", "proc", root / "proc"), ("sysfs", "sysfs", root / "sys"),
              ("devpts", "devpts", root / "dev/pts")]
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text(NO_SERVICES)
    policy.chmod(0o755)
    done: list[Path] = []
    try:
        for fstype, source, target in mounts:
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "-t", fstype, source, str(target)], check=True)
            done.append(target)
        yield
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "--lazy", str(target)], check=False)
        policy.unlink(missing_ok=True)
