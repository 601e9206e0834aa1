"""The Vagrantfile: validated by Vagrant, reading the same settings as Python.

`vagrant validate` runs for real with the libvirt provider (Debian packages vagrant and
vagrant-libvirt). VirtualBox cannot be installed from Debian's archive, so its block is
validated by Vagrant with a stand-in VBoxManage that only answers `--version`; the
vmware_desktop and parallels plugins cannot be installed here at all, so what their
blocks configure is read through a recording stand-in of Vagrant's DSL
(vagrant_recorder.rb) and checked below.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from requires import requires_program

from stacklab.settings import load_settings
from stacklab.settings.loader import DEFAULT_FILE, merge_layers, read_layers

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
RECORDER = Path(__file__).with_name("vagrant_recorder.rb")
SETTINGS_RB = ROOT / "src" / "stacklab" / "vagrant" / "settings.rb"
S = load_settings(environ={})

needs_vagrant = requires_program("vagrant", package="vagrant-libvirt")
needs_ruby = requires_program("ruby", package="ruby")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STACKLAB") and k != "VAGRANT_DEFAULT_PROVIDER"}
    env.update(extra)
    return env


def vagrant(*args: str, path: str | None = None, **env: str) -> subprocess.CompletedProcess:
    run_env = clean_env(**env)
    if path:
        run_env["PATH"] = f"{path}:{run_env['PATH']}"
    return subprocess.run(["vagrant", *args], cwd=ROOT, env=run_env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture(scope="module")
def fake_vboxmanage(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("vbox")
    tool = folder / "VBoxManage"
    tool.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo 7.0.20r163906; exit 0; }\n'
                    'echo "stand-in VBoxManage: $*" >&2; exit 1\n')
    tool.chmod(0o755)
    return str(folder)


@needs_vagrant
def test_vagrant_validates_the_libvirt_block():
    done = vagrant("validate", VAGRANT_DEFAULT_PROVIDER="libvirt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validated successfully" in done.stdout


@needs_vagrant
def test_vagrant_validates_the_virtualbox_block(fake_vboxmanage):
    done = vagrant("validate", path=fake_vboxmanage, VAGRANT_DEFAULT_PROVIDER="virtualbox")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validated successfully" in done.stdout


@needs_vagrant
def test_a_bad_setting_stops_vagrant_with_one_line_naming_the_key():
    done = vagrant("validate", VAGRANT_DEFAULT_PROVIDER="libvirt",
                   STACKLAB__HOST__MEMORY_MB="plenty")
    assert done.returncode != 0
    assert done.stderr.strip() == (
        'stacklab: settings: host.memory_mb: "plenty" is not a whole number '
        "(fix it in src/stacklab/settings/lab.yaml or your override)")


@needs_ruby
@pytest.mark.parametrize(("provider", "env"), [
    ("vagrant", {}),
    ("container", {}),
    ("vagrant", {"STACKLAB__HOST__MEMORY_MB": "6144", "STACKLAB__NETWORK__FIXED__CIDR":
                 "10.1.0.0/26", "STACKLAB__MYSQL__DATABASES": "[nova, glance]"}),
    ("container", {"STACKLAB__HOST__OS": "ubuntu-24.04"}),
])
def test_ruby_and_python_merge_the_settings_layers_alike(tmp_path, provider, env):
    extra = tmp_path / "class.yaml"
    extra.write_text("host:\n  cpus: 6\nimage:\n  source: cirros\n")
    env = {**env, "STACKLAB_SETTINGS": str(extra)}
    done = subprocess.run(["ruby", str(SETTINGS_RB), provider], env=clean_env(**env),
                          capture_output=True, text=True, timeout=60, check=True)
    from_ruby = json.loads(done.stdout)
    local = DEFAULT_FILE.with_name("lab.local.yaml")
    from_python = merge_layers(read_layers(DEFAULT_FILE, local, env), provider)
    assert from_ruby == from_python


@pytest.fixture(scope="module")
def recorded() -> dict:
    """What the Vagrantfile configures, per provider block, through the DSL stand-in."""
    done = subprocess.run(["ruby", str(RECORDER), str(ROOT / "Vagrantfile")], cwd=ROOT,
                          env=clean_env(), capture_output=True, text=True, timeout=60, check=True)
    config = json.loads(done.stdout)
    machine = next(c for c in config["children"]["vm"]["calls"] if c["call"] == "define")
    assert machine["args"] == [S.host.name]
    return machine["blocks"][0]


def provider_block(lab: dict, name: str) -> tuple[dict, dict]:
    call = next(c for c in lab["children"]["vm"]["calls"]
                if c["call"] == "provider" and c["args"] == [name])
    return call["blocks"][0], call["blocks"][1]  # the provider's config, the override


def networks(override: dict) -> list[dict]:
    return [c["args"][1] for c in override["children"]["vm"]["calls"] if c["call"] == "network"]


@needs_ruby
def test_every_provider_gets_the_lab_networks_memory_and_box(recorded):
    pub, priv = S.network.public, S.network.private
    for name in ("virtualbox", "libvirt", "vmware_desktop", "parallels"):
        _, override = provider_block(recorded, name)
        nets = networks(override)
        assert [n["ip"] for n in nets] == [str(pub.address), str(priv.address)], name
        assert all(n["auto_config"] is False for n in nets), name
        assert override["children"]["vm"]["values"]["box"] == getattr(S.boxes, name)


@needs_ruby
def test_virtualbox_attaches_an_empty_second_sata_disk_and_passes_floating_ips(recorded):
    vb, _ = provider_block(recorded, "virtualbox")
    commands = [c["args"][0] for c in vb["calls"] if c["call"] == "customize"]
    create = next(c for c in commands if c[0] == "createmedium")
    attach = next(c for c in commands if c[0] == "storageattach")
    assert create[create.index("--size") + 1] == S.host.volume_disk.size_gb * 1024
    assert attach[attach.index("--port") + 1] == 1  # port 0 is the root disk: this one is sdb
    assert attach[attach.index("--medium") + 1] == create[create.index("--filename") + 1]
    promisc = next(c for c in commands if "--nicpromisc2" in c)
    assert promisc[promisc.index("--nicpromisc2") + 1] == "allow-all"
    assert vb["values"]["memory"] == S.host.memory_mb and vb["values"]["cpus"] == S.host.cpus


@needs_ruby
def test_libvirt_puts_both_disks_on_virtio_scsi_so_the_second_is_sdb(recorded):
    lv, _ = provider_block(recorded, "libvirt")
    assert lv["values"]["disk_device"] == "sda" and lv["values"]["disk_bus"] == "scsi"
    assert lv["values"]["disk_controller_model"] == "virtio-scsi"
    storage = next(c for c in lv["calls"] if c["call"] == "storage")
    assert storage["args"][1] == {"device": S.host.volume_disk.device.removeprefix("/dev/"),
                                  "bus": "scsi", "size": f"{S.host.volume_disk.size_gb}G",
                                  "type": "qcow2"}
    assert lv["values"]["management_network_mac"] == S.network.management_mac


@needs_ruby
@pytest.mark.parametrize("name", ["vmware_desktop", "parallels"])
def test_vmware_and_parallels_add_the_second_disk_through_vagrant_disks(recorded, name):
    _, override = provider_block(recorded, name)
    disk = next(c for c in override["children"]["vm"]["calls"] if c["call"] == "disk")
    assert disk["args"] == ["disk", {"name": "nova-volumes",
                                     "size": f"{S.host.volume_disk.size_gb}GB"}]


@needs_ruby
def test_the_provisioners_prepare_the_base_then_reboot_then_verify(recorded):
    provisions = [c for c in recorded["children"]["vm"]["calls"] if c["call"] == "provision"]
    assert [p["args"][0] for p in provisions] == ["base", "reboot", "verify"]
    base_env = provisions[0]["args"][1]["env"]
    assert base_env["SL_PUBLIC_ADDRESS"] == str(S.network.public.address)
    assert base_env["SL_HOSTNAME"] == S.host.name
    assert provisions[1]["args"][1] == {"type": "shell", "reboot": True}
    for script in ("provision.sh", "verify.sh"):
        path = ROOT / "src" / "stacklab" / "vagrant" / script
        assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
