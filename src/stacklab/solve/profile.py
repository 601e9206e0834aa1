"""OS profiles: what differs between the lab host's operating systems, as data.

A profile (solutions/profiles/<os>.yaml) names the packages per lab, the services behind
each role, configuration paths, debconf answers and how to enable the package sources.
Steps read it as ``profile`` when they are rendered; no step forks on the OS in code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stacklab import paths
from stacklab.errors import StacklabError


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
    services: dict[str, list[str]]  # role -> systemd units
    paths: dict[str, str]
    uwsgi_ini: dict[int, list[str]] = Field(default_factory=dict)  # lab -> API ini files
    uwsgi_processes: int = 2

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


def profiles_dir() -> Path:
    return paths.kit_root() / "solutions" / "profiles"


def available() -> list[str]:
    return sorted(p.stem for p in profiles_dir().glob("*.yaml"))


def load_profile(os_name: str, *, folder: Path | None = None) -> Profile:
    """The profile of ``os_name`` ('debian-13', 'ubuntu-24.04'), validated."""
    folder = folder or profiles_dir()
    path = folder / f"{os_name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise StacklabError(f"no OS profile '{os_name}' in {folder}",
                            f"set host.os to one of: {known}")
    try:
        return Profile.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[:3]
        raise StacklabError(f"{path}: not a valid OS profile: {' '.join(first)}") from None
