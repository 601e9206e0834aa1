"""The Vagrant lab host: `vagrant up` / `vagrant destroy` on this checkout's Vagrantfile."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.hosts.target import Target, clear_lab_state, vagrant_target, write_lab_state
from stacklab.hosts.transport import host_key_of


def up(root: Path, provider: str, solve_until: str | None = None) -> Target:
    """Create or start the VM, streaming Vagrant's output; return how to reach it."""
    env = dict(os.environ)
    if solve_until:
        env["STACKLAB_SOLVE_UNTIL"] = solve_until
    _vagrant(root, ["up", "--provider", provider], env)
    target = vagrant_target(root)
    # the kit started this VM: its key, read at this first contact, is pinned from now on
    target = replace(target, host_key=host_key_of(target))
    write_lab_state(target, vagrant_provider=provider)
    return target


def down(root: Path) -> None:
    """Destroy the VM and forget it; safe when there is none."""
    _vagrant(root, ["destroy", "--force"], dict(os.environ))
    clear_lab_state()


def _vagrant(root: Path, args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(["vagrant", *args], cwd=root, env=env, check=False)
    except FileNotFoundError:
        raise StacklabError("vagrant is not installed", "run `stacklab doctor`") from None
    if done.returncode != 0:
        raise StacklabError(f"`vagrant {' '.join(args)}` failed (exit {done.returncode})",
                            "see Vagrant's output above; `stacklab doctor` explains what "
                            "this machine lacks")
