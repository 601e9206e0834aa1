"""Files only their owner may read: solve logs and reports hold host names, answers and,
in the worst case, a secret the redaction filter missed."""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(folder: Path, *, existing_too: bool = True) -> Path:
    """Make folder (and missing parents) with mode 0700.

    A folder that already existed is narrowed to 0700 only when ``existing_too``: the kit's
    own state folders yes, a folder the user named (``--out .``) no.
    """
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for made in missing:
        os.chmod(made, 0o700)
    if existing_too:
        os.chmod(folder, 0o700)
    return folder


def open_private(path: Path, mode: str = "w"):
    """Open a text file for writing ('w') or appending ('a') with mode 0600, even if an
    older copy was 0644."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8")


def write_private(path: Path, text: str) -> Path:
    with open_private(path) as out:
        out.write(text)
    return path
