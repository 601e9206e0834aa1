"""LVM physical volumes, volume groups and logical volumes (pvs/lvs --reportformat json, as
root; read only)."""

from __future__ import annotations

import json
import re

from stacklab.grading.resources import memo


def physical_volumes(host) -> tuple[list[dict], str]:
    """([{'pv_name', 'vg_name'}...], error text)."""
    def read():
        with host.sudo():
            out = host.run("pvs --reportformat json -o pv_name,vg_name,pv_size")
        try:
            report = json.loads(out.stdout)["report"][0]["pv"]
        except (ValueError, KeyError, IndexError):
            return [], (out.stderr.strip() or "pvs gave no report")
        return report, ""
    return memo(host, "lvm-pvs", read)


def logical_volumes(host) -> tuple[list[dict], str]:
    """([{'lv_name', 'vg_name', 'lv_size'}...], error text): every LV of every VG."""
    def read():
        with host.sudo():
            out = host.run("lvs --reportformat json -o lv_name,vg_name,lv_size")
        try:
            report = json.loads(out.stdout)["report"][0]["lv"]
        except (ValueError, KeyError, IndexError):
            return [], (out.stderr.strip() or "lvs gave no report")
        return report, ""
    return memo(host, "lvm-lvs", read)


def on_disk(device: str, disk: str) -> bool:
    """True when `device` is `disk` or one of its partitions (/dev/sdb, /dev/sdb1)."""
    if device == disk:
        return True
    rest = device[len(disk):] if device.startswith(disk) else ""
    return bool(re.fullmatch(r"p?\d+", rest))
