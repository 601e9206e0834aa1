"""The OS profile the box caches: solutions/profiles/<os>.yaml, owned by the solutions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from stacklab import paths
from stacklab.errors import StacklabError

# Debian release names of the OS profiles a box can be built from.
SUITES = {"debian-13": "trixie"}


@dataclass(frozen=True)
class Profile:
    os: str
    path: Path
    packages: dict[int, tuple[str, ...]]  # lab number → packages that lab installs
    standin_packages: dict[str, tuple[str, ...]]  # stand-in backend → its packages

    @property
    def suite(self) -> str:
        return SUITES[self.os]

    def install_sets(self) -> list[tuple[str, ...]]:
        """What to resolve, as the solutions will install it: lab by lab (each set adds the
        next lab's packages to everything before it), then every stand-in on top of all."""
        sets: list[tuple[str, ...]] = []
        done: list[str] = []
        for lab in sorted(self.packages):
            done += [p for p in self.packages[lab] if p not in done]
            sets.append(tuple(done))
        for standin in sorted(self.standin_packages):
            sets.append(tuple(dict.fromkeys([*done, *self.standin_packages[standin]])))
        return sets

    def all_packages(self) -> tuple[str, ...]:
        names = [p for lab in sorted(self.packages) for p in self.packages[lab]]
        names += [p for key in sorted(self.standin_packages) for p in self.standin_packages[key]]
        return tuple(dict.fromkeys(names))


def profile_file(os_name: str) -> Path:
    return paths.kit_root() / "solutions" / "profiles" / f"{os_name}.yaml"


def load_profile(os_name: str = "debian-13", path: Path | None = None) -> Profile:
    """Read an OS profile; only Debian profiles can be built into a box."""
    if os_name not in SUITES:
        raise StacklabError(f"no offline box can be built for OS profile '{os_name}'",
                            f"the box is built from: {', '.join(SUITES)}")
    path = path or profile_file(os_name)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise StacklabError(f"{path}: cannot read the OS profile ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise StacklabError(f"{path}: not valid YAML ({exc})") from None

    def names(value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise StacklabError(f"{path}: {key} must be a list of package names")
        return tuple(value)

    packages = {int(k): names(v, f"packages.{k}") for k, v in (raw.get("packages") or {}).items()}
    standin = {str(k): names(v, f"standin_packages.{k}")
               for k, v in (raw.get("standin_packages") or {}).items()}
    return Profile(os=os_name, path=path, packages=packages, standin_packages=standin)
