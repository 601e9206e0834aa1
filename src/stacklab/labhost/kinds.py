"""The kinds of lab host behind one interface: `stacklab up` and `down` dispatch through it.

    kind = kind_for("container")          # or a Vagrant provider: "libvirt", "virtualbox", …
    target = kind.up(solve_until=None)
    for kind in present(read_lab_state()):  # what `down` would remove
        kind.down()

A kind says whether a lab host of its own is there (from the lab state `up` wrote, or
from what it left on this machine when that state is gone), starts one, and removes it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from stacklab import paths
from stacklab.hosts.target import Target


class LabHostKind(Protocol):
    name: str
    # asked before `down` unless --yes; "" when removing it loses nothing worth asking for
    confirm: str
    # `up` itself applies the solutions up to `solve_until` (Vagrant's provisioner does)
    solves_in_up: bool

    def present(self, state: dict[str, Any]) -> bool:
        """Is a lab host of this kind up (or half made) on this machine?"""

    def up(self, solve_until: str | None) -> Target:
        """Start the lab host; return how to reach it."""

    def down(self) -> None:
        """Remove it and everything `up` made; say so on the terminal."""


def _state_kind(state: dict[str, Any]) -> str:
    return str(state.get("target", {}).get("provider", ""))


@dataclass(frozen=True)
class Container:
    """systemd-nspawn on this Linux machine (root), no hypervisor needed."""

    name: str = "container"
    confirm: str = ""  # its work lives on the box's overlay; `up` recreates it in seconds
    solves_in_up: bool = False

    def present(self, state: dict[str, Any]) -> bool:
        if _state_kind(state) == self.name:
            return True
        if state or not sys.platform.startswith("linux"):
            return False
        from stacklab.labhost import container

        return bool(os.environ.get(container.NAME_ENV)) or container.exists()

    def up(self, solve_until: str | None) -> Target:
        from stacklab.labhost import container

        return container.up()

    def down(self) -> None:
        from stacklab.labhost import container

        container.down()


@dataclass(frozen=True)
class Vagrant:
    """A Vagrant VM of this checkout's Vagrantfile, on one of Vagrant's providers."""

    provider: str = "auto"
    root: Path | None = None
    name: str = "vagrant"
    confirm: str = "This deletes the lab VM and everything done in it. Continue?"
    solves_in_up: bool = True

    @property
    def checkout(self) -> Path:
        return self.root or paths.kit_root()

    def present(self, state: dict[str, Any]) -> bool:
        if _state_kind(state) == self.name:
            return True
        # Vagrant keeps the id of every machine it created in the checkout's dot folder
        dot = Path(os.environ.get("VAGRANT_DOTFILE_PATH") or self.checkout / ".vagrant")
        if not dot.is_absolute():
            dot = self.checkout / dot
        return any(dot.glob("machines/*/*/id"))

    def up(self, solve_until: str | None) -> Target:
        from stacklab.labhost import vagrant

        return vagrant.up(self.checkout, self.provider, solve_until)

    def down(self) -> None:
        from stacklab.labhost import vagrant

        vagrant.down(self.checkout)


def kind_for(provider: str) -> LabHostKind:
    """The kind that runs on `provider`: `container`, or one of Vagrant's providers."""
    return Container() if provider == Container.name else Vagrant(provider)


def all_kinds() -> list[LabHostKind]:
    return [Container(), Vagrant()]


def present(state: dict[str, Any] | None) -> list[LabHostKind]:
    """The kinds with a lab host on this machine (what `stacklab down` removes)."""
    return [kind for kind in all_kinds() if kind.present(state or {})]
