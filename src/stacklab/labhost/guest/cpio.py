"""A gzip-compressed cpio archive in the kernel's initramfs format (newc), written directly
so that the result is the same byte for byte whenever its contents are."""

from __future__ import annotations

import gzip
import os
import stat
from pathlib import Path


def _header(name: bytes, mode: int, size: int, nlink: int, ino: int, rdev: int = 0) -> bytes:
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, os.major(rdev), os.minor(rdev),
              len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"
    return head + b"\0" * (-len(head) % 4)


# the kernel opens /dev/console for init before anything can mount devtmpfs
CONSOLE = ("dev/console", stat.S_IFCHR | 0o600, os.makedev(5, 1))


def write_initramfs(tree: Path, out: Path) -> None:
    """Pack the folder `tree` (owner root for everything) into out (gzip'd newc cpio)."""
    entries = sorted(p for p in tree.rglob("*"))
    with out.open("wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
        name, mode, rdev = CONSOLE
        gz.write(_header(name.encode(), mode, 0, 1, len(entries) + 1, rdev))
        for ino, path in enumerate(entries, start=1):
            rel = str(path.relative_to(tree)).encode()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                body = os.readlink(path).encode()
            elif stat.S_ISREG(st.st_mode):
                body = path.read_bytes()
            else:
                body = b""
            nlink = 2 if stat.S_ISDIR(st.st_mode) else 1
            gz.write(_header(rel, st.st_mode, len(body), nlink, ino, st.st_rdev))
            gz.write(body + b"\0" * (-len(body) % 4))
        gz.write(_header(b"TRAILER!!!", 0, 0, 1, 0))
