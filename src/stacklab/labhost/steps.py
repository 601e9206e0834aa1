"""Progress lines for long lab host steps: what runs now, and how long each step took."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Steps:
    """`with steps.step("debootstrap trixie"):` prints the step, then its time."""

    def __init__(self, prefix: str, out: TextIO | None = None, quiet: bool = False) -> None:
        self.prefix = prefix
        self.out = out or sys.stderr
        self.quiet = quiet
        self.seconds: dict[str, float] = {}

    def say(self, text: str) -> None:
        if not self.quiet:
            self.out.write(f"{self.prefix}: {text}\n")
            self.out.flush()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.say(f"{name} …")
        started = time.monotonic()
        yield
        took = time.monotonic() - started
        self.seconds[name] = round(took, 1)
        self.say(f"{name}: done in {took:.1f} s")
