"""The kit's state folder for tests that start SSH hosts of their own.

The hosts' keys go in that folder's known_hosts, as after a teacher's first `--accept-new`;
the kernels and subprocesses a test starts inherit STACKLAB_STATE_DIR.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def state_folder(folder: Path) -> Iterator[Path]:
    """STACKLAB_STATE_DIR set to `folder` while the block runs, as it was after."""
    saved = os.environ.get("STACKLAB_STATE_DIR")
    os.environ["STACKLAB_STATE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop("STACKLAB_STATE_DIR", None)
        else:
            os.environ["STACKLAB_STATE_DIR"] = saved
