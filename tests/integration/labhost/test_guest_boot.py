"""The lab 11 guest boots under plain qemu (TCG) in a namespace, takes its key from the
metadata service or the config drive, answers SSH as the tutorial's user, and sees a
hot-plugged volume as /dev/vdb."""

from __future__ import annotations

import io
import json
import os
import subprocess
import time

import pytest

from stacklab.labhost.guest.trial import trial_boot
from stacklab.settings import load_settings

pycdlib = pytest.importorskip("pycdlib")


@pytest.fixture(scope="module")
def keypair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("key")
    key = folder / "aimsuser"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key, (folder / "aimsuser.pub").read_text().strip()


def config_drive(path, public_key: str, hostname: str) -> None:
    """An OpenStack config drive (ISO 9660 labelled config-2), as nova writes one."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, rock_ridge="1.09", vol_ident="config-2")
    iso.add_directory("/OPENSTAC", rr_name="openstack")
    iso.add_directory("/OPENSTAC/LATEST", rr_name="latest")
    data = json.dumps({"hostname": hostname,
                       "public_keys": {"aimsuser": public_key + "\n"}}).encode()
    iso.add_fp(io.BytesIO(data), len(data), "/OPENSTAC/LATEST/META_DAT.JSO;1",
               rr_name="meta_data.json")
    iso.write(str(path))
    iso.close()


def test_guest_boots_and_answers_ssh_with_the_key_from_the_metadata_service(box, keypair):
    key, public = keypair
    user = load_settings("container").image.login_user
    with trial_boot(box.guest, f"slh-gm{os.getpid() % 10000}", public, user=user,
                    key_file=key) as vm:
        took = vm.wait_ssh(90)
        print(f"\nguest: ssh answered {took:.1f} s after qemu started (TCG)")
        out = vm.ssh("id -un; cat /etc/hostname; hostname").stdout.split()
        assert out[0] == user
        assert out[2] == "aims-vm1", "the name comes from the metadata service"
        assert "key from the metadata service" in vm.console


def test_guest_takes_its_key_from_the_config_drive_and_sees_a_hotplugged_volume(
        box, keypair, tmp_path):
    key, public = keypair
    user = load_settings("container").image.login_user
    drive = tmp_path / "config.iso"
    config_drive(drive, public, "aims-vm2.novalocal")
    volume = tmp_path / "vol.img"
    with volume.open("wb") as f:
        f.truncate(64 * 2**20)
    # a wrong key in the metadata service: only the config drive's can work
    with trial_boot(box.guest, f"slh-gc{os.getpid() % 10000}", "ssh-ed25519 AAAAwrong x",
                    user=user, key_file=key, config_drive=drive) as vm:
        vm.wait_ssh(90)
        assert "key from the config drive" in vm.console
        assert vm.ssh("hostname").stdout.strip() == "aims-vm2"
        assert vm.ssh("test -b /dev/vdb").returncode != 0
        vm.hotplug_disk(volume)
        deadline = time.monotonic() + 20
        while vm.ssh("test -b /dev/vdb").returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert vm.ssh("cat /sys/block/vdb/size").stdout.strip() == str(64 * 2**20 // 512)
