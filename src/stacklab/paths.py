"""Where the kit's folders, its state and its caches live."""

from __future__ import annotations

import os
from pathlib import Path

from stacklab.errors import StacklabError

PACKAGE_DIR = Path(__file__).resolve().parent


def kit_root() -> Path:
    """The checkout that holds labs/, grader/, notebooks/, solutions/ and the Vagrantfile."""
    if os.environ.get("STACKLAB_ROOT"):
        return Path(os.environ["STACKLAB_ROOT"]).resolve()
    for candidate in PACKAGE_DIR.parents:
        if (candidate / "Vagrantfile").is_file() and (candidate / "grader").is_dir():
            return candidate
    raise StacklabError("cannot find the stacklab checkout (labs/, grader/, Vagrantfile)",
                        "run from a clone of the kit, or set STACKLAB_ROOT to it")


def state_dir() -> Path:
    """Per-user state: which lab host is up, answers, logs of solve runs."""
    base = os.environ.get("STACKLAB_STATE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "stacklab"


def cache_dir() -> Path:
    """Large, rebuildable artefacts (the offline box, the guest image)."""
    base = os.environ.get("STACKLAB_CACHE_DIR")
    if base:
        return Path(base)
    if os.geteuid() == 0:
        return Path("/var/cache/stacklab")
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "stacklab"
