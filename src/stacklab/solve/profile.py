"""OS profiles: what differs between the lab host's operating systems, as data.

A profile (solutions/profiles/<os>.yaml) names the packages per lab, the services behind
each role, configuration paths, debconf answers and how to enable the package sources.
Steps read it as ``profile`` when they are rendered; no step forks on the OS in code.

This is the one loader of those files: the offline box (stacklab.labhost.box.profile)
reads its package lists through it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from stacklab import paths
from stacklab.errors import StacklabError

# Debian release names of the Debian profiles (what debootstrap fetches for a box).
SUITES = {"debian-13": "trixie"}


class Sources(BaseModel):
    """How the package sources for OpenStack 2025.1 are made available."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    check: str
    apply: list[str]
    modern: list[str] | None = None
    tutorial: str | None = None
    why: str


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    os: str
    family: str  # debian | ubuntu
    wsgi: str  # how the API services run: uwsgi (Debian) | apache (Ubuntu)
    sources: Sources
    packages: dict[int, list[str]]  # lab number -> packages its `apt-get install` needs
    standin_packages: dict[str, list[str]] = Field(default_factory=dict)
    debconf: list[str] = Field(default_factory=list)  # debconf-set-selections lines
    recommends: bool = True  # install the packages' Recommends too (apt's default)
    services: dict[str, list[str]]  # role -> systemd units
    paths: dict[str, str]
    uwsgi_ini: dict[int, list[str]] = Field(default_factory=dict)  # lab -> API ini files
    uwsgi_processes: int = 2
    _path: Path | None = PrivateAttr(default=None)  # the file it was read from

    @property
    def path(self) -> Path:
        """The file it was read from (solutions/profiles/<os>.yaml unless told otherwise)."""
        return self._path or profile_file(self.os)

    @property
    def suite(self) -> str:
        """The Debian release of a Debian profile (the offline box is built from it)."""
        if self.os not in SUITES:
            raise StacklabError(f"OS profile '{self.os}' is not a Debian release",
                                f"the Debian profiles: {', '.join(SUITES)}")
        return SUITES[self.os]

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def install_sets(self) -> list[tuple[str, ...]]:
        """What the solutions install, in order: lab by lab (each set adds the next lab's
        packages to everything before it), then every stand-in on top of all."""
        sets: list[tuple[str, ...]] = []
        done: list[str] = []
        for lab in sorted(self.packages):
            done += [p for p in self.packages[lab] if p not in done]
            sets.append(tuple(done))
        for standin in sorted(self.standin_packages):
            sets.append(tuple(dict.fromkeys([*done, *self.standin_packages[standin]])))
        return sets

    def all_packages(self) -> tuple[str, ...]:
        """Every package a lab or a stand-in installs, each once."""
        names = [p for lab in sorted(self.packages) for p in self.packages[lab]]
        names += [p for key in sorted(self.standin_packages) for p in self.standin_packages[key]]
        return tuple(dict.fromkeys(names))


def profiles_dir() -> Path:
    return paths.kit_root() / "solutions" / "profiles"


def profile_file(os_name: str) -> Path:
    return profiles_dir() / f"{os_name}.yaml"


def available() -> list[str]:
    return sorted(p.stem for p in profiles_dir().glob("*.yaml"))


def load_profile(os_name: str, *, folder: Path | None = None,
                 path: Path | None = None) -> Profile:
    """The profile of ``os_name`` ('debian-13', 'ubuntu-24.04'), validated; read from
    ``path``, else from ``folder`` (default: solutions/profiles/)."""
    folder = folder or profiles_dir()
    path = path or folder / f"{os_name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise StacklabError(f"no OS profile '{os_name}' in {folder}",
                            f"set host.os to one of: {known}")
    try:
        profile = Profile.model_validate(yaml.safe_load(path.read_text()))
    except OSError as exc:
        raise StacklabError(f"{path}: cannot read the OS profile ({exc.strerror})") from None
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[:3]
        raise StacklabError(f"{path}: not a valid OS profile: {' '.join(first)}") from None
    profile._path = path
    return profile
