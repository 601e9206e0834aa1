"""The kinds of lab host behind one interface: `stacklab up` and `down` dispatch through it.

    kind = choose("container", say=print)   # `--provider`'s value: `container`, one of
    target = kind.up(solve_until=None)      # Vagrant's providers, or `auto`
    for kind in present(read_lab_state()):  # what `down` would remove
        kind.down()

"Kind" is where the lab host runs: a Vagrant VM (on one of Vagrant's *providers*: libvirt,
virtualbox, …) or a container. A kind's ``name`` is also the section of the settings that
applies to it (``providers.<name>`` in the file, a key older than this word; the CLI flag
keeps its name too: ``stacklab up --provider container|libvirt|…|auto``).

A kind says whether a lab host of its own is there (from the lab state `up` wrote, or
from what it left on this machine when that state is gone), starts one, and removes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from stacklab import paths
from stacklab.errors import StacklabError
from stacklab.hosts.target import Target, state_kind

AUTO = "auto"  # `--provider auto`: the first kind (and Vagrant provider) doctor finds usable
VAGRANT_PROVIDERS = ("virtualbox", "libvirt", "vmware_desktop", "parallels")


class LabHostKind(Protocol):
    name: str  # vagrant | container: the settings' providers.<name> section applies
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


@dataclass(frozen=True)
class Container:
    """systemd-nspawn on this Linux machine (root), no hypervisor needed."""

    name: str = "container"
    confirm: str = ""  # its work lives on the box's overlay; `up` recreates it in seconds
    solves_in_up: bool = False

    def present(self, state: dict[str, Any]) -> bool:
        if state_kind(state) == self.name:
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

    provider: str = AUTO  # Vagrant's provider (libvirt, virtualbox, …)
    root: Path | None = None
    name: str = "vagrant"
    confirm: str = "This deletes the lab VM and everything done in it. Continue?"
    solves_in_up: bool = True

    @property
    def checkout(self) -> Path:
        return self.root or paths.kit_root()

    def present(self, state: dict[str, Any]) -> bool:
        if state_kind(state) == self.name:
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


# `--provider`'s values, each to the kind that runs there
_BY_CHOICE: dict[str, Callable[[str], LabHostKind]] = {
    Container.name: lambda _: Container(),
    **{provider: Vagrant for provider in (AUTO, *VAGRANT_PROVIDERS)},
}
CHOICES = (AUTO, *VAGRANT_PROVIDERS, Container.name)


def kind_for(choice: str) -> LabHostKind:
    """The kind `--provider CHOICE` names: `container`, or a Vagrant VM on that provider
    (`auto`: the Vagrant VM's settings apply until doctor picks, see :func:`choose`)."""
    if choice not in _BY_CHOICE:
        raise StacklabError(f"--provider {choice}: no such lab host provider",
                            f"use one of: {', '.join(CHOICES)}")
    return _BY_CHOICE[choice](choice)


def choose(choice: str, say: Callable[[str], None]) -> LabHostKind:
    """The kind `stacklab up --provider CHOICE` starts; `auto` takes the first one this
    machine can run (`stacklab doctor`'s verdict), and says which."""
    if choice == AUTO:
        choice = _usable_first()
        say(f"stacklab: using the {choice} provider (see `stacklab doctor`)")
    return kind_for(choice)


def _usable_first() -> str:
    from stacklab.doctor import diagnose
    from stacklab.settings import load_settings

    d = diagnose(load_settings(Vagrant.name), container_settings=load_settings(Container.name))
    if not d.providers:
        raise StacklabError("no provider can start the lab host on this machine",
                            "run `stacklab doctor` for what is missing and how to fix it")
    return d.providers[0]


def all_kinds() -> list[LabHostKind]:
    return [Container(), Vagrant()]


def present(state: dict[str, Any] | None) -> list[LabHostKind]:
    """The kinds with a lab host on this machine (what `stacklab down` removes)."""
    return [kind for kind in all_kinds() if kind.present(state or {})]
