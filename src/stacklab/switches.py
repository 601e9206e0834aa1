"""On/off switches read from the environment (STACKLAB_PREFETCH=0, STACKLAB_TOKEN_CACHE=0):
one reading of what "off" means for all of them."""

from __future__ import annotations

import os

OFF = ("0", "no", "off", "false")


def switched_on(name: str) -> bool:
    """False when the variable `name` says off (0, no, off, false); on when unset."""
    return os.environ.get(name, "1").strip().lower() not in OFF
