"""What a container lab host changes in its root before it boots, that a VM would not.

The box is the VM's disk too: it carries a kernel and initramfs-tools, so every package
that ships a udev rule or a module (open-iscsi, lvm2, ...) makes dpkg rebuild the
initramfs, about 4.5 s each, three times in a solve. A container boots no kernel of its
own: its initramfs is never read, and is no longer rebuilt.
"""

from __future__ import annotations

import re
from pathlib import Path

INITRAMFS_CONF = "etc/initramfs-tools/update-initramfs.conf"


def no_initramfs_updates(root: Path) -> None:
    """update_initramfs=no in the container's own copy of the file (its overlay)."""
    conf = root / INITRAMFS_CONF
    if not conf.parent.is_dir():
        return  # no initramfs-tools in this box: nothing would be rebuilt
    text = conf.read_text() if conf.exists() else ""
    line = "# stacklab: a container boots no kernel of its own\nupdate_initramfs=no"
    text, found = re.subn(r"^update_initramfs=.*$", line, text, flags=re.M)
    if not found:
        text = text.rstrip("\n") + ("\n" if text else "") + line + "\n"
    conf.write_text(text)
