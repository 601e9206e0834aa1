"""What the graders read on a lab host, one module per kind of thing (testinfra-style).

Every reader is memoised per host for the run, so two checks that look at the same file
cost one command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_CACHE = "_stacklab_cache"


def memo(host: Any, key: str, read: Callable[[], T]) -> T:
    """read() once per host and key; later calls get the same value."""
    cache = host.__dict__.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = read()
    return cache[key]


def forget(host: Any) -> None:
    """Drop what was read (the next run of checks reads the host afresh)."""
    host.__dict__.pop(_CACHE, None)
