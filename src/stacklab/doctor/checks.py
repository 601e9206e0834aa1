"""The doctor's questions, each answered from a probe, each failure with its fix."""

from __future__ import annotations

import re
from ipaddress import IPv4Network, ip_network

from stacklab.doctor.findings import Diagnosis, Finding, Status
from stacklab.doctor.probe import SystemProbe
from stacklab.settings import Settings

VAGRANT_PROVIDERS = ("virtualbox", "libvirt")
ALL_PROVIDERS = (*VAGRANT_PROVIDERS, "container")
VBOX_DEFAULT_RANGE = "192.168.56.0/21"  # VirtualBox ≥ 6.1.28 without /etc/vbox/networks.conf
DISK_NEEDED_GB = {"vm": 15.0, "container": 8.0}  # box + OpenStack packages + guests + volume
HEADROOM_MB = 1024  # left for the learner's own desktop and JupyterLab


def diagnose(settings: Settings, probe: SystemProbe | None = None,
             container_settings: Settings | None = None) -> Diagnosis:
    """Answer every question; `providers` lists the lab-host providers that can start."""
    probe = probe or SystemProbe()
    d = Diagnosis()
    _python(d, probe)
    _jupyter(d, probe)
    vagrant_ok = _vagrant(d, probe)
    hw = _hardware_virtualisation(d, probe)
    vbox_ok = _virtualbox(d, probe, settings, hw)
    libvirt_ok = _libvirt(d, probe)
    container_ok = _container(d, probe)
    if vagrant_ok and vbox_ok:
        d.providers.append("virtualbox")
    if vagrant_ok and libvirt_ok:
        d.providers.append("libvirt")
    if container_ok:
        # Without a usable hypervisor a VM is emulated (about 18x slower): the container
        # lab host is then the better choice, so it comes first.
        d.providers.insert(0 if hw is False else len(d.providers), "container")
    vm = any(p in d.providers for p in VAGRANT_PROVIDERS)
    chosen = settings if vm or not container_ok else (container_settings or settings)
    _memory(d, probe, chosen.host.memory_mb)
    _disk(d, probe, "vm" if vm or not container_ok else "container")
    if not d.providers:
        d.add(Finding("lab host", Status.FAIL, "no provider can start the lab host",
                      "install Vagrant with VirtualBox or libvirt (see the fixes above), "
                      "or run as root on Linux for the container lab host"))
    return d


def _python(d: Diagnosis, probe: SystemProbe) -> None:
    major, minor = probe.python_version()
    ok = (major, minor) >= (3, 10)
    d.add(Finding("python", Status.OK if ok else Status.FAIL, f"Python {major}.{minor}",
                  "" if ok else "install Python 3.10 or newer"))


def _jupyter(d: Diagnosis, probe: SystemProbe) -> None:
    if probe.has_module("jupyterlab"):
        d.add(Finding("jupyter", Status.OK, "JupyterLab is installed"))
    else:
        d.add(Finding("jupyter", Status.WARN, "JupyterLab is not installed here",
                      "`tox -e lab` installs it into its own environment"))


def _vagrant(d: Diagnosis, probe: SystemProbe) -> bool:
    code, out = probe.run("vagrant", "--version")
    if code == 0:
        d.add(Finding("vagrant", Status.OK, out.splitlines()[0] if out else "installed"))
        return True
    d.add(Finding("vagrant", Status.FAIL, "Vagrant is not installed",
                  "install it: https://developer.hashicorp.com/vagrant/install "
                  "(Debian/Ubuntu: sudo apt install vagrant)"))
    return False


def _hardware_virtualisation(d: Diagnosis, probe: SystemProbe) -> bool | None:
    """True: guests run accelerated; False: only emulation; None: not checked here."""
    if probe.system() != "Linux":
        d.add(Finding("virtualisation", Status.SKIP,
                      f"not checked on {probe.system()}: VirtualBox reports it when it starts"))
        return None
    cpuinfo = probe.read("/proc/cpuinfo") or ""
    flags = bool(re.search(r"^flags\s*:.*\b(vmx|svm)\b", cpuinfo, re.M))
    if not probe.exists("/dev/kvm"):
        fix = ("enable VT-x/AMD-V in the firmware settings" if not flags
               else "load the kvm module: sudo modprobe kvm_intel (or kvm_amd)")
        d.add(Finding("virtualisation", Status.WARN,
                      "no /dev/kvm: VMs run emulated (TCG), about 18x slower", fix))
        return False
    if not probe.accessible("/dev/kvm"):
        d.add(Finding("virtualisation", Status.WARN, "/dev/kvm exists but you cannot use it",
                      "add yourself to the kvm group: sudo usermod -aG kvm $USER, "
                      "then log in again"))
        return False
    if not probe.which("qemu-system-x86_64"):
        d.add(Finding("virtualisation", Status.OK, "/dev/kvm is present (not test-booted: "
                      "qemu-system-x86_64 is not installed)"))
        return True
    result = probe.kvm_guest_runs()
    if result.ran:
        d.add(Finding("virtualisation", Status.OK, f"KVM works: {result.detail}"))
        return True
    d.add(Finding("virtualisation", Status.WARN,
                  f"KVM is present but not usable: {result.detail}",
                  "VMs fall back to emulation (TCG), about 18x slower; on a cloud VM, "
                  "nested virtualisation may be off; or use the container lab host"))
    return False


def _virtualbox(d: Diagnosis, probe: SystemProbe, settings: Settings, hw: bool | None) -> bool:
    code, out = probe.run("VBoxManage", "--version")
    if code != 0:
        d.add(Finding("virtualbox", Status.SKIP, "VirtualBox is not installed",
                      "optional: https://www.virtualbox.org/wiki/Downloads"))
        return False
    version = out.splitlines()[-1].strip() if out else "?"
    if hw is False:
        d.add(Finding("virtualbox", Status.FAIL,
                      f"VirtualBox {version} is installed but hardware virtualisation "
                      "is not usable", "enable VT-x/AMD-V, or use libvirt"))
        return False
    d.add(Finding("virtualbox", Status.OK, f"VirtualBox {version}"))
    return _vbox_hostonly_range(d, probe, settings, version)


def _vbox_hostonly_range(d: Diagnosis, probe: SystemProbe, settings: Settings,
                         version: str) -> bool:
    lab_net = settings.network.public.cidr
    if _version_tuple(version) < (6, 1, 28):
        d.add(Finding("host-only network", Status.OK,
                      f"VirtualBox {version} allows any host-only range"))
        return True
    conf = probe.read("/etc/vbox/networks.conf")
    ranges = _allowed_ranges(conf) if conf is not None else [ip_network(VBOX_DEFAULT_RANGE)]
    if any(lab_net.subnet_of(r) for r in ranges):
        d.add(Finding("host-only network", Status.OK, f"{lab_net} is allowed"))
        return True
    where = "/etc/vbox/networks.conf" if conf is not None else "the default (no networks.conf)"
    allowed = ", ".join(str(r) for r in ranges) or "nothing"
    d.add(Finding("host-only network", Status.FAIL,
                  f"VirtualBox allows only {allowed} by {where}; the lab needs {lab_net}",
                  f"sudo mkdir -p /etc/vbox && echo '* {lab_net}' | "
                  "sudo tee -a /etc/vbox/networks.conf"))
    return False


def _allowed_ranges(conf: str) -> list[IPv4Network]:
    ranges: list[IPv4Network] = []
    for line in conf.splitlines():
        words = line.split("#")[0].split()
        if words[:1] == ["*"]:
            for word in words[1:]:
                try:
                    net = ip_network(word, strict=False)
                except ValueError:
                    continue
                if isinstance(net, IPv4Network):
                    ranges.append(net)
    return ranges


def _libvirt(d: Diagnosis, probe: SystemProbe) -> bool:
    if not probe.which("virsh"):
        d.add(Finding("libvirt", Status.SKIP, "libvirt is not installed",
                      "optional on Linux: sudo apt install libvirt-daemon-system vagrant-libvirt"))
        return False
    code, out = probe.run("virsh", "-c", "qemu:///system", "version")
    if code != 0:
        d.add(Finding("libvirt", Status.FAIL, "libvirt is installed but its daemon does not "
                      f"answer: {out.splitlines()[-1] if out else code}",
                      "start it (sudo systemctl start libvirtd) and join the libvirt group"))
        return False
    code, out = probe.run("vagrant", "plugin", "list")
    if code != 0 or "vagrant-libvirt" not in out:
        d.add(Finding("libvirt", Status.FAIL, "libvirt works but Vagrant lacks its plugin",
                      "sudo apt install vagrant-libvirt (or: vagrant plugin install "
                      "vagrant-libvirt)"))
        return False
    d.add(Finding("libvirt", Status.OK, "libvirt answers and vagrant-libvirt is installed"))
    return True


def _container(d: Diagnosis, probe: SystemProbe) -> bool:
    if probe.system() != "Linux":
        return False
    missing = [c for c in ("systemd-nspawn", "debootstrap", "ip") if not probe.which(c)]
    if not probe.is_root():
        d.add(Finding("container", Status.SKIP, "the container lab host needs root",
                      "optional, for machines without a usable hypervisor: run as root"))
        return False
    if missing:
        d.add(Finding("container", Status.SKIP, f"container lab host: missing {', '.join(missing)}",
                      "sudo apt install systemd-container debootstrap iproute2"))
        return False
    if not probe.has_module("stacklab.labhost.container"):
        d.add(Finding("container", Status.SKIP,
                      "the container lab host is not yet available in this version"))
        return False
    d.add(Finding("container", Status.OK, "root, systemd-nspawn and debootstrap: "
                  "`stacklab up --provider container` can run"))
    return True


def _memory(d: Diagnosis, probe: SystemProbe, needed_mb: int) -> None:
    mem = probe.memory_mb()
    if mem is None:
        d.add(Finding("memory", Status.SKIP, "memory not checked on this system"))
        return
    total, available = mem
    need = needed_mb + HEADROOM_MB
    if total < need:
        d.add(Finding("memory", Status.FAIL,
                      f"{total} MiB in all; the lab host needs {needed_mb} MiB plus "
                      f"{HEADROOM_MB} MiB for you",
                      "use a machine with more memory, or lower host.memory_mb in "
                      "lab.local.yaml (below 6144 the cloud will struggle)"))
    elif available < needed_mb:
        d.add(Finding("memory", Status.WARN,
                      f"{available} MiB free now of {total} MiB; the lab host needs {needed_mb}",
                      "close other programs before `stacklab up`"))
    else:
        d.add(Finding("memory", Status.OK, f"{available} MiB free of {total} MiB "
                      f"(the lab host needs {needed_mb})"))


def _disk(d: Diagnosis, probe: SystemProbe, kind: str) -> None:
    from stacklab import paths

    where = str(paths.cache_dir()) if kind == "container" else str(_home())
    need = DISK_NEEDED_GB[kind]
    free = probe.disk_free_gb(where)
    if free < need:
        d.add(Finding("disk", Status.FAIL, f"{free:.1f} GiB free at {where}; "
                      f"the lab needs about {need:.0f} GiB", "free some disk space"))
    else:
        d.add(Finding("disk", Status.OK, f"{free:.0f} GiB free at {where} "
                      f"(the lab needs about {need:.0f})"))


def _home():
    from pathlib import Path

    return Path.home()


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text.split("r")[0])[:3]) or (0,)
