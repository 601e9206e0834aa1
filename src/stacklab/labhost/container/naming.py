"""The names of everything one container lab host creates, derived from its own name.

Every name starts with the instance's name, so two instances (a learner's and a test's)
live side by side, and `down` can find what `up` made even if its state file is lost.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from stacklab import paths
from stacklab.errors import StacklabError

DEFAULT_NAME = "stacklab"
NAME_ENV = "STACKLAB_CONTAINER_NAME"  # run a second instance beside a learner's
NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


def default_name() -> str:
    return os.environ.get(NAME_ENV) or DEFAULT_NAME


@dataclass(frozen=True)
class Names:
    name: str

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise StacklabError(f"container name '{self.name}' is not valid",
                                "use 2–31 lower-case letters, digits and dashes")

    @property
    def netns(self) -> str:
        """The lab host's own network namespace (its eth0, eth1)."""
        return self.name

    @property
    def learner_netns(self) -> str:
        """The learner's side of the lab network: the gateway address lives here."""
        return f"{self.name}-learner"

    @property
    def cgroup(self) -> str:
        return self.name

    @property
    def folder(self) -> Path:
        return paths.state_dir() / "containers" / self.name

    @property
    def root(self) -> Path:
        """Where the box's root file system is mounted (an overlay) for the container."""
        return self.folder / "root"

    @property
    def disk(self) -> Path:
        return self.folder / f"{self.name}-sdb.img"

    @property
    def key(self) -> Path:
        return self.folder / "id_ed25519"

    @property
    def state(self) -> Path:
        return self.folder / "instance.json"
