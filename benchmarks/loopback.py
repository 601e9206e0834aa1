"""The lab host a benchmark measures when it is given none: a real OpenSSH server on
loopback (tests/notebooks/loopback_sshd.py), its key in a state folder of its own."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def loopback_target() -> Iterator[object | None]:
    """The loopback sshd's Target, or None (after saying why) when it cannot run here."""
    sys.path[:0] = [str(ROOT / "tests" / "notebooks"), str(ROOT / "tests")]
    from loopback_sshd import available, loopback_sshd

    if available():
        print(f"cannot run: {available()}")
        yield None
        return
    with loopback_sshd() as sshd, tempfile.TemporaryDirectory() as state:
        # the notebook names its host by URL: its key goes in the kit's known_hosts
        os.environ["STACKLAB_STATE_DIR"] = state
        Path(state, "known_hosts").write_text(sshd.known_hosts())
        yield sshd.target
