"""LVM physical volumes, volume groups and logical volumes (pvs/lvs --reportformat json, as
root; read only)."""

from __future__ import annotations

import json
import re

from stacklab.grading.resources import memo


def physical_volumes(host) -> tuple[list[dict], str]:
    """([{'pv_name', 'vg_name'}...], error text)."""
    return _report(host, "pvs", "pv", "pv_name,vg_name,pv_size")


def logical_volumes(host) -> tuple[list[dict], str]:
    """([{'lv_name', 'vg_name', 'lv_size'}...], error text): every LV of every VG."""
    return _report(host, "lvs", "lv", "lv_name,vg_name,lv_size")


def _report(host, command: str, kind: str, fields: str) -> tuple[list[dict], str]:
    """One LVM report as JSON, read once per run (as root: LVM reads the disks)."""
    def read():
        with host.sudo():
            out = host.run(f"{command} --reportformat json -o {fields}")
        if out.rc == 127:  # the shell's "not found", said in words
            return [], "LVM is not installed yet (lab 7: apt-get install lvm2)"
        try:
            report = json.loads(out.stdout)["report"][0][kind]
        except (ValueError, KeyError, IndexError):
            return [], (out.stderr.strip() or f"{command} gave no report")
        return report, ""
    return memo(host, f"lvm-{command}", read)


def on_disk(device: str, disk: str) -> bool:
    """True when `device` is `disk` or one of its partitions (/dev/sdb, /dev/sdb1)."""
    if device == disk:
        return True
    rest = device[len(disk):] if device.startswith(disk) else ""
    return bool(re.fullmatch(r"p?\d+", rest))
