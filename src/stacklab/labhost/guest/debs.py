"""Unpack a .deb without dpkg (the build machine may not be Debian): an `ar` archive whose
data.tar.* holds the files."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

AR_MAGIC = b"!<arch>\n"


def members(deb: Path) -> dict[str, bytes]:
    data = deb.read_bytes()
    if not data.startswith(AR_MAGIC):
        raise ValueError(f"{deb.name} is not a Debian package")
    out, pos = {}, len(AR_MAGIC)
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        out[name] = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
    return out


def extract(deb: Path, dest: Path) -> None:
    """Unpack the package's files into dest (as `dpkg-deb -x` does)."""
    parts = members(deb)
    name = next((n for n in parts if n.startswith("data.tar")), None)
    if name is None:
        raise ValueError(f"{deb.name} has no data.tar member")
    dest.mkdir(parents=True, exist_ok=True)
    if name.endswith((".xz", ".gz", ".bz2")) or name == "data.tar":
        with tarfile.open(fileobj=io.BytesIO(parts[name]), mode="r:*") as tar:
            if hasattr(tarfile, "tar_filter"):  # Python with extraction filters
                tar.extractall(dest, filter="tar")
            else:
                tar.extractall(dest)  # the box's own packages, from its apt cache
    else:  # data.tar.zst: Python has no zstd before 3.14
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
