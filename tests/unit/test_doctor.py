"""`stacklab doctor` on faked machines: each lack found, each with its fix."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner

from stacklab.cli import cli
from stacklab.doctor import Status, diagnose
from stacklab.doctor.kvm import ProbeResult
from stacklab.settings import load_settings

SETTINGS = load_settings(environ={})
CONTAINER = load_settings("container", environ={})
LAB_NET = str(SETTINGS.network.public.cidr)
GIB = 1024


@dataclass
class FakeProbe:
    """A machine described by data: which commands answer what, which files say what."""

    commands: dict[tuple[str, ...], tuple[int, str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    binaries: set[str] = field(default_factory=set)
    kvm: ProbeResult = field(default_factory=lambda: ProbeResult(
        True, "a Linux test guest ran under -accel kvm", True))
    memory: tuple[int, int] | None = (32 * GIB, 28 * GIB)
    free_gb: float = 200.0
    root: bool = False
    os_name: str = "Linux"
    modules: set[str] = field(default_factory=lambda: {"jupyterlab"})

    def which(self, command):
        return f"/usr/bin/{command}" if command in self.binaries else None

    def run(self, *command, timeout=20):
        return self.commands.get(tuple(command), (127, f"{command[0]}: not found"))

    def read(self, path):
        return self.files.get(path)

    def exists(self, path):
        return path in self.files

    def accessible(self, path):
        return path in self.files

    def system(self):
        return self.os_name

    def is_root(self):
        return self.root

    def python_version(self):
        return (3, 11)

    def has_module(self, name):
        return name in self.modules

    def memory_mb(self):
        return self.memory

    def disk_free_gb(self, path):
        return self.free_gb

    def kvm_guest_runs(self):
        return self.kvm


VAGRANT = {("vagrant", "--version"): (0, "Vagrant 2.4.3")}
VBOX = {("VBoxManage", "--version"): (0, "7.1.4r165100")}
LIBVIRT = {("virsh", "-c", "qemu:///system", "version"): (0, "Running hypervisor: QEMU 8.2"),
           ("vagrant", "plugin", "list"): (0, "vagrant-libvirt (0.12.2, global)")}
KVM_FILES = {"/dev/kvm": "", "/proc/cpuinfo": "flags\t\t: fpu vme vmx sse2\n"}


def finding(d, topic):
    return next(f for f in d.findings if f.topic == topic)


def test_a_machine_without_vagrant_cannot_start_the_lab():
    d = diagnose(SETTINGS, FakeProbe(files=dict(KVM_FILES), binaries={"qemu-system-x86_64"}),
                 CONTAINER)
    assert finding(d, "vagrant").status is Status.FAIL
    assert "install" in finding(d, "vagrant").fix
    assert not d.lab_can_start and d.providers == []
    assert finding(d, "lab host").status is Status.FAIL


def test_virtualbox_7_with_the_default_host_only_range_is_refused_with_the_fix():
    probe = FakeProbe(commands={**VAGRANT, **VBOX}, files=dict(KVM_FILES),
                      binaries={"qemu-system-x86_64"})
    d = diagnose(SETTINGS, probe, CONTAINER)
    net = finding(d, "host-only network")
    assert net.status is Status.FAIL
    assert "192.168.56.0/21" in net.detail and LAB_NET in net.detail
    assert f"* {LAB_NET}" in net.fix and "/etc/vbox/networks.conf" in net.fix
    assert "virtualbox" not in d.providers and not d.lab_can_start


def test_a_networks_conf_that_covers_the_lab_network_is_accepted():
    files = {**KVM_FILES, "/etc/vbox/networks.conf": "* 10.0.0.0/8 172.16.0.0/12 # lab\n"}
    d = diagnose(SETTINGS, FakeProbe(commands={**VAGRANT, **VBOX}, files=files,
                                     binaries={"qemu-system-x86_64"}), CONTAINER)
    assert finding(d, "host-only network").status is Status.OK
    assert d.providers == ["virtualbox"] and d.lab_can_start


def test_too_little_memory_blocks_the_lab_even_with_a_provider():
    probe = FakeProbe(commands={**VAGRANT, **LIBVIRT}, files=dict(KVM_FILES),
                      binaries={"virsh", "qemu-system-x86_64"}, memory=(4 * GIB, 3 * GIB))
    d = diagnose(SETTINGS, probe, CONTAINER)
    memory = finding(d, "memory")
    assert memory.status is Status.FAIL
    assert str(SETTINGS.host.memory_mb) in memory.detail and "host.memory_mb" in memory.fix
    assert d.providers == ["libvirt"] and not d.lab_can_start


def test_kvm_that_hangs_is_reported_and_libvirt_still_runs_emulated():
    probe = FakeProbe(commands={**VAGRANT, **VBOX, **LIBVIRT},
                      files={**KVM_FILES, "/etc/vbox/networks.conf": f"* {LAB_NET}\n"},
                      binaries={"virsh", "qemu-system-x86_64"},
                      kvm=ProbeResult(False, "a Linux test guest hung under -accel kvm for 20 s",
                                      True))
    d = diagnose(SETTINGS, probe, CONTAINER)
    virt = finding(d, "virtualisation")
    assert virt.status is Status.WARN and "hung" in virt.detail and "TCG" in virt.fix
    assert finding(d, "virtualbox").status is Status.FAIL
    assert d.providers == ["libvirt"] and d.lab_can_start


def test_no_disk_space_is_a_blocker_with_the_amount_needed():
    probe = FakeProbe(commands={**VAGRANT, **LIBVIRT}, files=dict(KVM_FILES),
                      binaries={"virsh", "qemu-system-x86_64"}, free_gb=3.2)
    d = diagnose(SETTINGS, probe, CONTAINER)
    assert finding(d, "disk").status is Status.FAIL and "3.2 GiB free" in finding(d, "disk").detail
    assert not d.lab_can_start


def test_libvirt_without_its_vagrant_plugin_says_how_to_get_it():
    commands = {**VAGRANT, **LIBVIRT, ("vagrant", "plugin", "list"): (0, "vagrant-share")}
    d = diagnose(SETTINGS, FakeProbe(commands=commands, files=dict(KVM_FILES),
                                     binaries={"virsh"}), CONTAINER)
    assert finding(d, "libvirt").status is Status.FAIL
    assert "vagrant-libvirt" in finding(d, "libvirt").fix


@pytest.mark.parametrize(("probe", "code", "says"), [
    (FakeProbe(commands={**VAGRANT, **LIBVIRT}, files=dict(KVM_FILES), binaries={"virsh"}),
     0, "The lab can start with: libvirt"),
    (FakeProbe(), 1, "The lab cannot start yet"),
])
def test_the_command_exits_0_only_when_the_lab_can_start(monkeypatch, probe, code, says):
    monkeypatch.setattr("stacklab.doctor.checks.SystemProbe", lambda: probe)
    result = CliRunner().invoke(cli, ["doctor"], terminal_width=200)
    assert result.exit_code == code, result.output
    assert says in result.output


def test_without_usable_kvm_the_container_lab_host_comes_before_an_emulated_vm():
    probe = FakeProbe(commands={**VAGRANT, **LIBVIRT}, files=dict(KVM_FILES), root=True,
                      binaries={"virsh", "qemu-system-x86_64", "systemd-nspawn", "debootstrap",
                                "ip"},
                      modules={"jupyterlab", "stacklab.labhost.container"},
                      kvm=ProbeResult(False, "a Linux test guest hung", True))
    assert diagnose(SETTINGS, probe, CONTAINER).providers == ["container", "libvirt"]
    probe.kvm = ProbeResult(True, "ran", True)
    assert diagnose(SETTINGS, probe, CONTAINER).providers == ["libvirt", "container"]
