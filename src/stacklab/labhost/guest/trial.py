"""Boot the guest image under plain qemu (TCG) in a network namespace of its own, the way
a cloud would: a tap on a bridge, DHCP (dnsmasq), a metadata service on 169.254.169.254,
optionally a config drive. Used by the kit's tests and benchmark; nothing leaves the
namespace.

    with trial_boot(img, "slh-gt", public_key) as vm:
        vm.ssh("cat /etc/hostname")
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stacklab.errors import StacklabError
from stacklab.labhost.guest import KERNEL_CMDLINE, GuestImage

BRIDGE_IP, GUEST_IP, METADATA_IP = "10.99.0.1", "10.99.0.10", "169.254.169.254"
GUEST_MAC = "52:54:00:99:00:0a"
QEMU = "qemu-system-x86_64"


@dataclass
class TrialVM:
    netns: str
    folder: Path
    key_file: Path
    user: str
    qmp: Path
    started: float
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def console(self) -> str:
        return (self.folder / "console.log").read_text(errors="replace")

    def wait_console(self, text: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.console:
                return time.monotonic() - self.started
            if self.procs[0].poll() is not None:
                break
            time.sleep(0.2)
        raise StacklabError(f"the guest did not print {text!r} within {timeout:.0f} s",
                            f"console: {self.console[-500:]}")

    def ssh(self, command: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.netns, "ssh", "-i", str(self.key_file),
             "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "BatchMode=yes", "-o", f"ConnectTimeout={int(timeout)}", "-o",
             "LogLevel=ERROR", f"{self.user}@{GUEST_IP}", command],
            capture_output=True, text=True, timeout=timeout + 5, check=False)

    def wait_ssh(self, timeout: float) -> float:
        """Seconds from qemu's start until a command over SSH succeeded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ssh("true", timeout=3).returncode == 0:
                return time.monotonic() - self.started
            time.sleep(0.3)
        raise StacklabError(f"the guest did not answer SSH within {timeout:.0f} s",
                            f"console: {self.console[-500:]}")

    def hotplug_disk(self, image: Path, node: str = "vol1") -> None:
        """Attach a disk while the guest runs, as `server add volume` does."""
        self._qmp({"execute": "blockdev-add", "arguments": {
            "node-name": node, "driver": "raw",
            "file": {"driver": "file", "filename": str(image)}}})
        self._qmp({"execute": "device_add", "arguments": {
            "driver": "virtio-blk-pci", "drive": node, "id": f"dev-{node}"}})

    def _qmp(self, command: dict[str, object]) -> dict[str, object]:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.qmp))
            reader = sock.makefile("r")
            reader.readline()  # greeting
            for cmd in ({"execute": "qmp_capabilities"}, command):
                sock.sendall(json.dumps(cmd).encode() + b"\n")
                while True:
                    reply = json.loads(reader.readline())
                    if "return" in reply or "error" in reply:
                        break
            if "error" in reply:
                raise StacklabError(f"qmp {command['execute']}: {reply['error']}")
            return reply


def _ip(netns: str, *args: str) -> None:
    subprocess.run(["ip", "-n", netns, *args], check=True, capture_output=True)


@contextmanager
def trial_boot(img: GuestImage, netns: str, public_key: str, *, user: str,
               key_file: Path, config_drive: Path | None = None, metadata: bool = True,
               memory_mb: int = 256) -> Iterator[TrialVM]:
    for tool in (QEMU, "dnsmasq", "ssh"):
        if not shutil.which(tool):
            raise StacklabError(f"{tool} is not installed",
                                "apt-get install qemu-system-x86 dnsmasq-base openssh-client")
    subprocess.run(["ip", "netns", "add", netns], check=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{netns}-"))
    vm: TrialVM | None = None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        _ip(netns, "link", "set", "lo", "up")
        _ip(netns, "link", "add", "br0", "type", "bridge")
        _ip(netns, "addr", "add", f"{BRIDGE_IP}/24", "dev", "br0")
        _ip(netns, "addr", "add", f"{METADATA_IP}/32", "dev", "br0")
        _ip(netns, "tuntap", "add", "dev", "tap0", "mode", "tap")
        _ip(netns, "link", "set", "tap0", "master", "br0")
        for link in ("br0", "tap0"):
            _ip(netns, "link", "set", link, "up")
        inns = ["ip", "netns", "exec", netns]
        procs.append(_start_qemu(inns, img, folder, config_drive, memory_mb))
        started = time.monotonic()
        procs.append(subprocess.Popen(
            [*inns, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
             "--interface=br0", "--bind-interfaces", "--dhcp-authoritative",
             f"--dhcp-range={GUEST_IP},{GUEST_IP},255.255.255.0,1h",
             f"--dhcp-host={GUEST_MAC},{GUEST_IP}",
             f"--dhcp-leasefile={folder / 'leases'}", f"--pid-file={folder / 'dnsmasq.pid'}"],
            stdout=subprocess.DEVNULL, stderr=(folder / "dnsmasq.log").open("wb")))
        if metadata:
            meta = folder / "meta" / "2009-04-04" / "meta-data"
            (meta / "public-keys/0").mkdir(parents=True)
            (meta / "public-keys/0/openssh-key").write_text(public_key + "\n")
            (meta / "hostname").write_text("aims-vm1.novalocal\n")
            procs.append(subprocess.Popen(
                [*inns, "python3", "-m", "http.server", "--bind", METADATA_IP,
                 "--directory", str(folder / "meta"), "80"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        vm = TrialVM(netns, folder, key_file, user, folder / "qmp.sock", started, procs)
        yield vm
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "netns", "del", netns], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _start_qemu(inns: list[str], img: GuestImage, folder: Path, config_drive: Path | None,
                memory_mb: int) -> subprocess.Popen[bytes]:
    cmd = [*inns, QEMU, "-accel", "tcg", "-m", str(memory_mb), "-nodefaults",
           "-display", "none", "-no-reboot",
           "-serial", f"file:{folder / 'console.log'}",
           "-qmp", f"unix:{folder / 'qmp.sock'},server=on,wait=off",
           "-kernel", str(img.kernel), "-initrd", str(img.ramdisk),
           "-append", KERNEL_CMDLINE,
           "-drive", f"file={img.image},if=virtio,format=raw,snapshot=on",
           "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
           "-device", f"virtio-net-pci,netdev=n0,mac={GUEST_MAC}",
           "-device", "virtio-rng-pci"]
    if config_drive:
        cmd += ["-drive", f"file={config_drive},media=cdrom,readonly=on"]
    (folder / "console.log").write_text("")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=(folder / "qemu.log").open("wb"))
