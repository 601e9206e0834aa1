"""The container's root before boot: initramfs-tools rebuilds no initramfs (a container
boots no kernel), and the shell that reads the file sees update_initramfs=no."""

from __future__ import annotations

import subprocess

from stacklab.labhost.container.rootfs import INITRAMFS_CONF, no_initramfs_updates

BOX_FILE = """#
# Configuration file for update-initramfs(8)
#
update_initramfs=yes
backup_initramfs=no
"""


def read_by_shell(root) -> str:
    """The value update-initramfs(8) sees: it sources the file."""
    return subprocess.run(["sh", "-c", f'. "{root / INITRAMFS_CONF}"; echo "$update_initramfs"'],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_the_boxs_setting_is_turned_off_and_the_rest_kept(tmp_path):
    conf = tmp_path / INITRAMFS_CONF
    conf.parent.mkdir(parents=True)
    conf.write_text(BOX_FILE)
    no_initramfs_updates(tmp_path)
    assert read_by_shell(tmp_path) == "no"
    assert "backup_initramfs=no" in conf.read_text()
    assert "update_initramfs=yes" not in conf.read_text()
    no_initramfs_updates(tmp_path)  # a second time changes nothing
    assert conf.read_text().count("update_initramfs=") == 1


def test_a_box_without_the_line_gets_it(tmp_path):
    conf = tmp_path / INITRAMFS_CONF
    conf.parent.mkdir(parents=True)
    conf.write_text("backup_initramfs=no")
    no_initramfs_updates(tmp_path)
    assert read_by_shell(tmp_path) == "no"


def test_a_box_without_initramfs_tools_is_left_alone(tmp_path):
    no_initramfs_updates(tmp_path)
    assert not (tmp_path / "etc").exists()
