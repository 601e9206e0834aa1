"""The Vagrant libvirt box's own Vagrantfile and the root-disk-first ordering."""

from __future__ import annotations

import shutil
import subprocess

from stacklab.labhost.box import configure, vagrantbox


def test_the_box_boots_its_own_kernel_on_a_virtio_scsi_root():
    text = vagrantbox.BOX_VAGRANTFILE
    for setting in ("lv.kernel", "lv.initrd", "lv.cmd_line", 'lv.disk_bus = "scsi"',
                    'lv.disk_controller_model = "virtio-scsi"'):
        assert setting in text
    assert "lv.cmdline" not in text, "vagrant-libvirt's option is cmd_line"
    assert f"root=LABEL={vagrantbox.ROOT_LABEL}" in vagrantbox.CMDLINE
    assert "net.ifnames=0" in vagrantbox.CMDLINE


def test_root_disk_first_needs_manual_scsi_scanning_and_the_initramfs_script(tmp_path):
    assert "scsi_mod.scan=manual" in vagrantbox.CMDLINE
    script = configure.DISK_ORDER_SCRIPT
    assert script.index('"0 0 0"') < script.index('"- - -"'), "LUN 0 (the root) first"
    assert "echo async > /sys/module/scsi_mod/parameters/scan" in script
    path = tmp_path / "s"
    path.write_text(script)
    sh = shutil.which("dash") or shutil.which("sh")
    assert subprocess.run([sh, "-n", str(path)], check=False).returncode == 0
    prereqs = subprocess.run([sh, str(path), "prereqs"], capture_output=True, text=True,
                             check=False)
    assert prereqs.stdout.strip() == "udev"
