"""The one settings cache: a class run's workers and a notebook's repeated checks share one
parse, read again only when a settings file or a STACKLAB variable changed."""

from __future__ import annotations

import os
from pathlib import Path

from stacklab.settings.loader import DEFAULT_FILE, ENV_FILE, LOCAL_FILE, load_settings
from stacklab.settings.schema import Settings

_CACHE: dict[tuple, Settings] = {}


def cached_settings(kind: str = "vagrant") -> Settings:
    """load_settings(kind), parsed once per state of the files and the environment."""
    def stamp(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("STACKLAB")))
    extra = os.environ.get(ENV_FILE)
    key = (kind, env, stamp(DEFAULT_FILE), stamp(LOCAL_FILE),
           stamp(Path(extra)) if extra else 0.0)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_settings(kind)
    return _CACHE[key]
